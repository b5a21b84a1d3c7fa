module.exports = (values) => [...new Set(values)]
