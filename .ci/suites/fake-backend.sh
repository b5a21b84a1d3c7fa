#!/usr/bin/env bash
# The project's own integration suites against the in-process fake cluster (@kafkats/fake) as a
# second backend: KAFKATS_TEST_BACKEND=fake makes the testkit's global setup start a fake 3-broker,
# 3-rack cluster and clusterInfo()/killNode()/startNode() point at it. Tests of features the fake
# deliberately does not have (SASL, TLS, ACLs, disks) are not run here and are printed with their
# reason (they count in the main pass against the real cluster); every other failure fails the suite. See packages/fake/README.md and tools/testkit/src/fake-backend-report.ts.
# Only the *.integration.test.ts files (the ones that talk to a cluster) run here; the unit tests and
# @kafkats/fake's own tests (incl. the Java client interop) already run in the main `npm test`.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${KAFKATS_TEST_REPORT_DIR:?KAFKATS_TEST_REPORT_DIR must be set}"
mkdir -p "$KAFKATS_TEST_REPORT_DIR"
# The interop tests run Kafka's Java client against the fake: its jars (cached after the first fetch).
(cd tools/testkit && npx tsx --conditions=@kafkats/source src/cli.ts fetch)
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
start=$(date +%s)
status=0
for pkg in connection metadata fetch-planner producer-sink consumer admin kafkats; do
  echo "fake-backend: $pkg"
  # Tests that cannot apply to the fake (no TLS/SASL listener, no authorizer, no disk) are not run.
  mapfile -t not_applicable < <(npx tsx tools/testkit/src/fake-backend-report.ts --vitest-args "$pkg")
  # The inner runs must not write into the main report dir (their per-package names would clash).
  (cd "packages/$pkg" && env -u KAFKATS_TEST_REPORT_DIR KAFKATS_TEST_BACKEND=fake \
    npx vitest run integration "${not_applicable[@]}" --reporter=default --reporter=json --outputFile="$reports/$pkg.json") || status=1
  [ -s "$reports/$pkg.json" ] || { echo "fake-backend: $pkg wrote no report" >&2; exit 1; }
done
# The merged report decides: only failures outside the documented exclusions fail the suite.
npx tsx tools/testkit/src/fake-backend-report.ts "$reports" "$KAFKATS_TEST_REPORT_DIR/fake-backend.json"
echo "fake-backend: $(( $(date +%s) - start )) s (vitest exit status $status before exclusions)"
