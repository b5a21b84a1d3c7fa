module.exports = (delayMs) => new Promise((resolve) => setTimeout(resolve, delayMs))
