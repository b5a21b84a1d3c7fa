// Jest's defaults (CommonJS, node environment): what a NestJS or plain Node service runs.
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.js'],
  testTimeout: 120_000,
}
