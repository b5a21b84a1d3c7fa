// `require('../../utils/waitFor')`: polls `fn` every `delay` ms until it returns something truthy,
// rejecting with KafkaJSTimeout after `maxWait` ms unless `ignoreTimeout`.
const { compat } = require('./compat.cjs')

module.exports = (fn, { delay = 50, maxWait = 10_000, timeoutMessage = 'Timeout', ignoreTimeout = false } = {}) =>
  new Promise((resolve, reject) => {
    let settled = false
    let waitedMs = 0
    const timer = ignoreTimeout
      ? undefined
      : setTimeout(() => {
          settled = true
          reject(new (compat().KafkaJSTimeout)(timeoutMessage))
        }, maxWait)
    const poll = () => {
      waitedMs += delay
      setTimeout(async () => {
        if (settled) return
        try {
          const result = await fn(waitedMs)
          if (settled) return
          if (!result) return poll()
          settled = true
          clearTimeout(timer)
          resolve(result)
        } catch (error) {
          settled = true
          clearTimeout(timer)
          reject(error)
        }
      }, delay)
    }
    poll()
  })
