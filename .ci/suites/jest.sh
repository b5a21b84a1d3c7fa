#!/usr/bin/env bash
# Jest 30 in its default CommonJS mode loads kafkats through require() (dist/index.cjs), round-trips
# every codec and produces/consumes against the running cluster (apps/compat-jest).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${KAFKATS_TEST_REPORT_DIR:?KAFKATS_TEST_REPORT_DIR must be set}"
: "${KAFKA_BROKERS:?KAFKA_BROKERS must be set (the running cluster)}"
mkdir -p "$KAFKATS_TEST_REPORT_DIR"
# Jest loads the published entry points, so the packages must be built (.ci/run builds them first).
[ -f packages/kafkats/dist/index.cjs ] && [ -f packages/protocol/dist/index.cjs ] && [ -f packages/fake/dist/fake-worker.cjs ] || npx turbo run build --filter=kafkats --filter=@kafkats/fake
RAW=$(mktemp -d)/jest-raw.json
status=0
(cd apps/compat-jest && npx jest --ci --json --outputFile="$RAW") || status=$?
node scripts/jest-to-vitest-report.mjs "$RAW" "$KAFKATS_TEST_REPORT_DIR/jest.json" jest || status=1
exit $status
