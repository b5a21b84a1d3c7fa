#!/usr/bin/env bash
# Protocol conformance (issue 12): every API × stable version × direction, the headers, the
# ConsumerProtocol structures and record batches, against kafka-clients 4.3.1's own serializers.
# Needs a JDK (javac) and Maven (the jars come from Maven Central through tools/testkit);
# does not need the running cluster. Writes $KAFKATS_TEST_REPORT_DIR/conformance.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPORT_DIR=${KAFKATS_TEST_REPORT_DIR:-.test-results}
mkdir -p "$REPORT_DIR"
REPORT=$REPORT_DIR/conformance.json
rm -f "$REPORT"

if ! command -v javac >/dev/null; then
  # a JRE is enough for the cluster, not for compiling the Java side
  echo "conformance: javac missing, installing openjdk-17-jdk-headless"
  (apt-get install -y -qq openjdk-17-jdk-headless >/dev/null 2>&1 \
    || (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq openjdk-17-jdk-headless >/dev/null 2>&1)) || true
fi

START=$(date +%s)
status=0
if command -v javac >/dev/null; then
  npm run --silent conformance -- --json "$REPORT" || status=$?
else
  echo "conformance: no JDK (javac) and it could not be installed" >&2
  status=1
fi
echo "conformance: suite took $(( $(date +%s) - START )) s"

if [ ! -s "$REPORT" ]; then
  # the run died before reporting: still leave a failing report in the contract's shape
  node -e '
    const fs = require("node:fs")
    const name = "conformance run did not complete (exit " + process.argv[2] + ")"
    fs.writeFileSync(process.argv[1], JSON.stringify({ numTotalTests: 1, numPassedTests: 0, numFailedTests: 1, numPendingTests: 0, success: false,
      testResults: [{ name: "tools/conformance", status: "failed", assertionResults: [{ fullName: name, status: "failed" }] }] }))
  ' "$REPORT" "$status"
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
