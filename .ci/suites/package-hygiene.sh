#!/usr/bin/env bash
# What we publish: knip (unused files, dependencies and exports in every workspace, knip.jsonc)
# and the tarball file list of every published package (scripts/check-package-files.mjs: LICENSE,
# repository/homepage/bugs, no tests, test helpers or C sources, no duplicated sources in maps,
# under 4 MB unpacked). Writes $KAFKATS_TEST_REPORT_DIR/package-hygiene.json.
# Needs the build (.ci/run builds before the suites; turbo replays it from its cache).
set -euo pipefail
cd "$(dirname "$0")/../.."
REPORT_DIR=${KAFKATS_TEST_REPORT_DIR:-$PWD/.test-results}
mkdir -p "$REPORT_DIR"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
START=$(date +%s)

npx turbo run build --output-logs=errors-only

knip_status=0
npx --no-install knip --no-progress > "$WORK/knip.txt" 2>&1 || knip_status=$?
cat "$WORK/knip.txt"

files_status=0
node scripts/check-package-files.mjs --json "$WORK/files.json" || files_status=$?

node - "$WORK" "$REPORT_DIR/package-hygiene.json" "$knip_status" <<'EOF'
const fs = require('node:fs')
const [work, out, knipStatus] = process.argv.slice(2)
const report = JSON.parse(fs.readFileSync(`${work}/files.json`, 'utf8'))
const knipOk = knipStatus === '0'
const knipText = fs.readFileSync(`${work}/knip.txt`, 'utf8')
report.testResults.unshift({
  name: 'knip.jsonc (knip: unused files, dependencies, exports)',
  status: knipOk ? 'passed' : 'failed',
  message: knipOk ? '' : knipText,
  assertionResults: [{ ancestorTitles: ['knip'], title: 'no unused files, dependencies or exports', fullName: 'knip: no unused files, dependencies or exports', status: knipOk ? 'passed' : 'failed', failureMessages: knipOk ? [] : [knipText] }],
})
report.numTotalTests += 1
if (knipOk) report.numPassedTests += 1
else report.numFailedTests += 1
report.success = report.numFailedTests === 0
fs.writeFileSync(out, JSON.stringify(report, null, 2))
console.log(`package-hygiene: ${report.numPassedTests} passed, ${report.numFailedTests} failed`)
EOF
echo "package-hygiene: took $(( $(date +%s) - START ))s"
[ "$knip_status" -eq 0 ] && [ "$files_status" -eq 0 ]
