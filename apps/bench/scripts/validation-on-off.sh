#!/usr/bin/env bash
# Validation on/off on the live 100 B produce benchmark, alternating order per round (quiet machine).
# Usage (cluster up at KAFKATS_PORT_OFFSET): VB_RECORDS=1000000 VB_ROUNDS=8 apps/bench/scripts/validation-on-off.sh
# It swaps packages/producer-sink/src/record-input.ts for a copy whose toRecordInput skips the checks
# (the unchecked conversion used before issue 10) for the "off" runs, and restores it at the end.
set -u
TMP=$(mktemp -d)
trap 'cp "$TMP/record-input.on.ts" packages/producer-sink/src/record-input.ts 2>/dev/null; rm -rf "$TMP"' EXIT
cd "$(dirname "$0")/../../.." || exit 1
: "${KAFKATS_PORT_OFFSET:=0}"; export KAFKATS_PORT_OFFSET
F=packages/producer-sink/src/record-input.ts
cp $F $TMP/record-input.on.ts
python3 - "$TMP/record-input.off.ts" <<'PY'
import sys
p='packages/producer-sink/src/record-input.ts'; s=open(p).read()
old="export function toRecordInput(record: ProducerRecord): RecordInput {\n"
new=old+"""  {
    // BENCH ONLY (validation off): the unchecked conversion used before issue 10.
    const v = record.value
    const k = record.key
    const off: RecordInput = { key: k === undefined || k === null ? null : typeof k === 'string' ? encodeUtf8(k) : (k as Uint8Array), value: typeof v === 'string' ? encodeUtf8(v) : (v as Uint8Array | null), timestamp: toTimestamp(record.timestamp) }
    if (record.headers !== undefined) off.headers = toHeaders(record.headers)
    return off
  }
"""
assert old in s; open(sys.argv[1],'w').write(s.replace(old,new,1))
PY
run() { # $1 = on|off, $2 = round
  cp $TMP/record-input.$1.ts $F
  echo "### round $2 validation $1 load $(cut -d' ' -f1-3 /proc/loadavg)"
  BENCH_RECORDS=${VB_RECORDS:-300000} npm run bench:produce -w @kafkats/bench -- --sizes=100 --clients=kafkats --in-flight=5 --rounds=1 2>&1 | grep -E "^\| *kafkats|records/s|CPU" | head -5
}
for r in $(seq 1 ${VB_ROUNDS:-6}); do
  if [ $((r % 2)) -eq 1 ]; then run on $r; run off $r; else run off $r; run on $r; fi
done
cp $TMP/record-input.on.ts $F
git diff --stat -- $F
