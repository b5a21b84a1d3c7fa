#!/usr/bin/env bash
# Headless Chromium (Debian's chromium package, driven by puppeteer-core) round-trips record
# batches with every codec from an esbuild browser bundle, in a page and in a module worker.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${KAFKATS_TEST_REPORT_DIR:?KAFKATS_TEST_REPORT_DIR must be set}"
mkdir -p "$KAFKATS_TEST_REPORT_DIR"
CHROMIUM_PATH=${CHROMIUM_PATH:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM_PATH" ]; then
  # another process may hold the dpkg lock for a while: retry instead of failing at once
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    if apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1; }; then break; fi
    echo "browser: apt-get install chromium failed (attempt $attempt), retrying" >&2
    sleep 15
  done
fi
[ -x "$CHROMIUM_PATH" ] || { echo "browser: chromium is not installed at $CHROMIUM_PATH" >&2; exit 1; }
"$CHROMIUM_PATH" --version
[ -f packages/protocol/dist/index.js ] && [ -f packages/protocol/dist/zstd.wasm ] || npx turbo run build --filter=@kafkats/protocol

cd apps/compat-bundles
CHROMIUM_PATH=$CHROMIUM_PATH npx vitest run test/browser.test.ts \
  --reporter=default --reporter=json --outputFile.json="$KAFKATS_TEST_REPORT_DIR/browser.json"
