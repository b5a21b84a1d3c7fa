// `require('../retry')`: KafkaJS's retrier as its specs use it, `createRetrier({ retries })(fn)`:
// calls `fn(bail, retryCount, retryTime)` again after each rejection, waiting longer each time
// (doubling from `initialRetryTime`), and rejects with the last error after `retries` retries or
// at once with the error given to `bail`. A test utility: the retries it drives are the spec's own.
module.exports =
  ({ retries = 5, initialRetryTime = 300, maxRetryTime = 30_000, multiplier = 2 } = {}) =>
  async (fn) => {
    let bailed = null
    const bail = (error) => {
      bailed = { error }
      throw error
    }
    let retryTime = initialRetryTime
    for (let retryCount = 0; ; retryCount++) {
      try {
        return await fn(bail, retryCount, retryTime)
      } catch (error) {
        if (bailed !== null) throw bailed.error
        if (retryCount >= retries) throw error
        await new Promise((resolve) => setTimeout(resolve, retryTime))
        retryTime = Math.min(maxRetryTime, retryTime * multiplier)
      }
    }
  }
