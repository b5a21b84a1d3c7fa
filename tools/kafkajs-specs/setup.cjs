// What the specs' own setup gives them, rebuilt for Jest 30: their 90 s default timeout, the
// matchers they use that Jest 30 does not ship: jest-extended's (toBeTrue, toResolve,
// toThrowWithMessage), KafkaJS's own `optional`, and Jest 25's aliases, removed in Jest 30.
jest.setTimeout(90_000)

const outcome = (run) => {
  try {
    run()
    return { pass: true, message: () => '' }
  } catch (error) {
    return { pass: false, message: () => error.message }
  }
}

expect.extend(require('jest-extended'))

expect.extend({
  // `expect.optional(value)`: undefined or exactly `value`
  optional(received, value) {
    const pass = received === undefined || received === value
    return { pass, message: () => `expected ${this.utils.printReceived(received)} ${pass ? 'not ' : ''}to be undefined or ${value}` }
  },
})

// Jest 25's aliases, removed in Jest 30, each delegating to the matcher it stood for. Jest inverts
// `pass` for `.not`, so each one only says whether the positive form holds.
const REMOVED_ALIASES = {
  toBeCalled: 'toHaveBeenCalled',
  toBeCalledTimes: 'toHaveBeenCalledTimes',
  toBeCalledWith: 'toHaveBeenCalledWith',
  lastCalledWith: 'toHaveBeenLastCalledWith',
  nthCalledWith: 'toHaveBeenNthCalledWith',
  toReturn: 'toHaveReturned',
  toReturnTimes: 'toHaveReturnedTimes',
  toReturnWith: 'toHaveReturnedWith',
  lastReturnedWith: 'toHaveLastReturnedWith',
  nthReturnedWith: 'toHaveNthReturnedWith',
  toThrowError: 'toThrow',
}
expect.extend(
  Object.fromEntries(
    Object.entries(REMOVED_ALIASES).map(([alias, matcher]) => [
      alias,
      function (received, ...expected) {
        const result = outcome(() => expect(received)[matcher](...expected))
        return result.pass ? { pass: true, message: () => `expected the opposite of ${matcher}` } : result
      },
    ]),
  ),
)

// A spec that races its own check (retried-tests.json says which test and why) gets one retry for
// its file: Jest's retryTimes works per file. src/run.ts then accepts a pass on the retry only for
// the listed tests; any other test of the file that needed it counts as failed.
const { join } = require('node:path')
const { specsDir } = require('./paths.cjs')
const retriedFiles = new Set(require('./retried-tests.json').map((entry) => join(specsDir, entry.file)))
if (retriedFiles.has(expect.getState().testPath)) jest.retryTimes(1, { logErrorsBeforeRetry: true })
