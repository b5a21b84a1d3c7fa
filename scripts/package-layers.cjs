// The one-way layers of the packages under packages/, read by .dependency-cruiser.cjs (imports)
// and scripts/lint-package.mjs (package.json dependencies).

/**
 * What each package under packages/ may import (by directory name), one way only:
 * protocol ← connection ← metadata ← {fetch-planner, producer-sink, admin} ← consumer ← kafkats ← {kafkajs, opentelemetry}.
 * tools/* (test infrastructure) only from tests; apps/* and tools/* are not linted by these rules.
 */
const LAYERS = {
  protocol: [],
  fake: ['protocol'],
  connection: ['protocol'],
  metadata: ['protocol', 'connection'],
  'fetch-planner': ['protocol', 'connection', 'metadata'],
  'producer-sink': ['protocol', 'connection', 'metadata'],
  admin: ['protocol', 'connection', 'metadata'],
  consumer: ['protocol', 'connection', 'metadata', 'fetch-planner', 'admin'],
  kafkats: ['protocol', 'connection', 'metadata', 'fetch-planner', 'producer-sink', 'admin', 'consumer'],
  kafkajs: ['protocol', 'connection', 'metadata', 'fetch-planner', 'producer-sink', 'admin', 'consumer', 'kafkats'],
  // Instruments the umbrella's public API; kafkats is a peer dependency, so the application's own copy is the one instrumented.
  opentelemetry: ['kafkats'],
}

/**
 * Packages that are test infrastructure for users (an in-process fake cluster): any package's
 * tests may use them (as devDependencies), published code never, and they sit below nothing.
 */
const TEST_INFRASTRUCTURE = ['fake']

module.exports = { LAYERS, TEST_INFRASTRUCTURE }
