#!/usr/bin/env bash
# Self-test of scripts/test-summary.mjs: each broken report shape must turn the closing line red.
# Needs no cluster; takes a few seconds.
set -euo pipefail
npx vitest run --root scripts --dir . test-summary.test.mjs \
  --reporter=default --reporter=json --outputFile.json="$KAFKATS_TEST_REPORT_DIR/test-summary.json"
