#!/usr/bin/env bash
# KafkaJS 2.2.4's own consumer and producer specs (../shared/peer-tests/kafkajs, unchanged) with
# Jest against @kafkats/kafkajs on the running cluster (tools/kafkajs-specs). Prints the pass
# count; every applicable test that fails fails the suite, except those listed with a reason in
# tools/kafkajs-specs/known-failures.json, which are not run here (many would only wait for their
# 90 s timeout) and are left out of the report, as are the not-applicable specs (private KafkaJS
# modules). packages/kafkajs/COMPAT.md has the full picture (a local run with --compat).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${KAFKATS_TEST_REPORT_DIR:?KAFKATS_TEST_REPORT_DIR must be set}"
: "${KAFKA_BROKERS:?KAFKA_BROKERS must be set (the running cluster)}"
mkdir -p "$KAFKATS_TEST_REPORT_DIR"
# kafkajs-compat.json, not kafkajs-specs.json: that name is the workspace's own (vitest) report
REPORT=$KAFKATS_TEST_REPORT_DIR/kafkajs-compat.json

failed_report() {
  node -e '
    const [file, why] = process.argv.slice(1)
    const test = { ancestorTitles: [], title: "kafkajs-specs ran", fullName: "kafkajs-specs ran", status: "failed", duration: 0, failureMessages: [why] }
    require("node:fs").writeFileSync(file, JSON.stringify({ numTotalTestSuites: 1, numPassedTestSuites: 0, numFailedTestSuites: 1, numPendingTestSuites: 0,
      numTotalTests: 1, numPassedTests: 0, numFailedTests: 1, numPendingTests: 0, numTodoTests: 0, startTime: Date.now(), success: false,
      testResults: [{ name: "kafkajs-specs", status: "failed", message: why, assertionResults: [test] }] }))' "$REPORT" "$1"
}

if [ ! -d ../shared/peer-tests/kafkajs/src ]; then
  case "${CI:-}" in
    '' | false | 0)
      echo "kafkajs-specs: ../shared/peer-tests/kafkajs is missing; not run (CI=true makes this a failure)"
      exit 0
      ;;
  esac
  failed_report "../shared/peer-tests/kafkajs is missing: the KafkaJS specs cannot run"
  echo "kafkajs-specs: ../shared/peer-tests/kafkajs is missing" >&2
  exit 1
fi

# Jest loads @kafkats/kafkajs through require() (dist/index.cjs); .ci/run has built it already.
[ -f packages/kafkajs/dist/index.cjs ] || npx turbo run build --filter=@kafkats/kafkajs
rm -f "$REPORT"
status=0
npm run --silent specs -w @kafkats/kafkajs-specs -- --report="$REPORT" --workers=2 --skip-known || status=$?
if [ ! -s "$REPORT" ]; then
  failed_report "the KafkaJS specs runner wrote no report (exit $status)"
  status=1
fi
exit $status
