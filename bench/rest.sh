#!/usr/bin/env bash
# REST figures, release build, all on loopback against `ingest sandbox` (HTTPS, its own CA):
#   stream records/s (100k records), batch records/s, single-send p50 latency,
#   each beside curl doing the same work against the same sandbox in the same run; single
#   sends in alternating rounds, each side's p50 the median of its rounds'.
# Usage: bench/rest.sh [stream_records] [batch_records] [single_requests] [single_rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
STREAM_N=${1:-100000}
BATCH_N=${2:-20000}
SINGLE_N=${3:-1000}
SINGLE_ROUNDS=${4:-5}
WORK=$(mktemp -d)
trap 'kill $SANDBOX_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT

swift build -c release --product ingest >/dev/null
BIN=.build/release/ingest
KEY="bench-key-$RANDOM$RANDOM"

"$BIN" sandbox --port 0 --memory-log --api-key "$KEY" --topic ing-staging-bench > "$WORK/sandbox.out" 2>/dev/null &
SANDBOX_PID=$!
for _ in $(seq 1 100); do grep -q '^topics:' "$WORK/sandbox.out" 2>/dev/null && break; sleep 0.1; done
BASE=$(sed -n 's/^sandbox listening: //p' "$WORK/sandbox.out")
CA=$(sed -n 's/^CA: \([^ ]*\).*/\1/p' "$WORK/sandbox.out")
[ -n "$BASE" ] || { echo "sandbox did not start" >&2; exit 1; }
# HTTPS, as the platform: curl and ingest trust the sandbox's CA.
curl() { command curl --cacert "$CA" "$@"; }
CLUSTER=$(curl -s "$BASE/clusters" -H "x-api-key: $KEY" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["cluster_id"])')
URL="$BASE/clusters/$CLUSTER/topics/ing-staging-bench/records"

cat > "$WORK/bench.toml" <<TOML
name = "bench"
environment = "sandbox"
rest_url = "$BASE"
topic_prefix = "ing-staging-"
api_key = "env:BENCH_KEY"
[kafka]
ca_file = "$CA"
TOML
export BENCH_KEY="$KEY"

# ~100-byte JSON events, and the same records as produce requests for curl.
python3 - "$WORK" "$STREAM_N" "$BATCH_N" <<'PY'
import json, sys
work, n, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(f"{work}/events.jsonl", "w") as events, open(f"{work}/stream-body.json", "w") as body:
    for i in range(1, n + 1):
        event = {"playerId": f"p{i:08d}", "value": "bench event", "amount": i % 977, "pad": "x" * 30}
        events.write(json.dumps(event, separators=(",", ":")) + "\n")
        body.write(json.dumps({"value": {"type": "JSON", "data": event}}, separators=(",", ":")))
with open(f"{work}/batch-body.json", "w") as batch:
    entries = [{"id": str(i), "value": {"type": "JSON", "data": {"playerId": f"p{i:08d}", "value": "bench event", "amount": i, "pad": "x" * 30}}} for i in range(1, 11)]
    json.dump({"entries": entries}, batch, separators=(",", ":"))
with open(f"{work}/batch-events.jsonl", "w") as events:
    for i in range(1, b + 1):
        events.write(json.dumps({"playerId": f"p{i:08d}", "value": "bench event", "amount": i, "pad": "x" * 30}, separators=(",", ":")) + "\n")
PY
head -n 1 "$WORK/events.jsonl" | wc -c | xargs echo "event size (bytes, with newline):"

now() { date +%s.%N; }
rate() { python3 -c "print(f'{$1 / ($3 - $2):,.0f}')"; }

# --- stream ---
t0=$(now); "$BIN" send --profile "$WORK/bench.toml" --topic bench --mode stream --file "$WORK/events.jsonl" > "$WORK/stream.jsonl" 2> "$WORK/stream.err"; t1=$(now)
ING_STREAM_OK=$(grep -c '"outcome":"delivered"' "$WORK/stream.jsonl" || true)
ING_STREAM=$(rate "$STREAM_N" "$t0" "$t1")
t0=$(now); curl -s -X POST "$URL" -H "x-api-key: $KEY" -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/stream-body.json" > "$WORK/curl-stream.out"; t1=$(now)
CURL_STREAM_OK=$(grep -c '"error_code":200' "$WORK/curl-stream.out" || true)
CURL_STREAM=$(rate "$STREAM_N" "$t0" "$t1")

# --- batch (10 entries per request) ---
t0=$(now); "$BIN" send --profile "$WORK/bench.toml" --topic bench --mode batch --file "$WORK/batch-events.jsonl" > "$WORK/batch.jsonl" 2> "$WORK/batch.err"; t1=$(now)
ING_BATCH_OK=$(grep -c '"outcome":"delivered"' "$WORK/batch.jsonl" || true)
ING_BATCH=$(rate "$BATCH_N" "$t0" "$t1")
# Every option inside each block of the config: curl's `next` resets what came before it (--cacert too).
python3 - "$WORK" "$BATCH_N" "$URL:batch" "$KEY" "$CA" <<'PY'
import sys
work, n, url, key, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
with open(f"{work}/batch.curlrc", "w") as rc:
    for i in range(n // 10):
        if i: rc.write("next\n")
        rc.write(f'url = "{url}"\ncacert = "{ca}"\nheader = "x-api-key: {key}"\nheader = "Content-Type: application/json"\ndata-binary = "@{work}/batch-body.json"\nsilent\n')
PY
t0=$(now); curl -K "$WORK/batch.curlrc" > "$WORK/curl-batch.out"; t1=$(now)
CURL_BATCH_OK=$(( $(grep -o '"partition_id"' "$WORK/curl-batch.out" | wc -l) ))
CURL_BATCH=$(rate "$BATCH_N" "$t0" "$t1")

# --- single, latency ---
# One request at a time, as curl below: latency, not throughput (bench/wan.sh has that).
python3 - "$WORK" "$SINGLE_N" "$URL" "$KEY" "$CA" <<'PY'
import sys
work, n, url, key, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
with open(f"{work}/single.curlrc", "w") as rc:
    for i in range(n):
        if i: rc.write("next\n")
        rc.write(f'url = "{url}"\ncacert = "{ca}"\nheader = "x-api-key: {key}"\nheader = "Content-Type: application/json"\ndata = "{{\\"value\\":{{\\"type\\":\\"JSON\\",\\"data\\":{{\\"playerId\\":\\"{i}\\",\\"value\\":\\"bench\\"}}}}}}"\nsilent\noutput = "/dev/null"\nwrite-out = "%{{time_total}}\\n"\n')
PY
# Alternating rounds, ingest then curl: the machine's noise is larger than the gap, so each
# side's figure is the median of its rounds' p50s.
: > "$WORK/single-rounds.txt"
for round in $(seq 1 "$SINGLE_ROUNDS"); do
  "$BIN" send --profile "$WORK/bench.toml" --topic bench --mode single --concurrency 1 --data '{"playerId":"{{seq}}","value":"bench"}' --count "$SINGLE_N" > "$WORK/single.jsonl" 2> "$WORK/single.err"
  ING=$(python3 -c "import json,statistics; print(f\"{statistics.median(json.loads(x)['latency_ms'] for x in open('$WORK/single.jsonl')):.3f}\")")
  CURL=$(curl -K "$WORK/single.curlrc" | python3 -c "import sys,statistics; print(f'{statistics.median(float(x)*1000 for x in sys.stdin):.3f}')")
  echo "$ING $CURL" >> "$WORK/single-rounds.txt"
  echo "single round $round: p50 ingest $ING ms, curl $CURL ms"
done
read -r ING_P50 CURL_P50 SINGLE_RATIO < <(python3 -c "
import statistics
rows = [tuple(map(float, l.split())) for l in open('$WORK/single-rounds.txt')]
i, c = statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)
print(f'{i:.3f} {c:.3f} {i / c:.2f}')")

echo
echo "| figure | ingest | curl (same sandbox, same run) |"
echo "|---|---|---|"
echo "| stream, $STREAM_N records: records/s | $ING_STREAM ($ING_STREAM_OK delivered) | $CURL_STREAM ($CURL_STREAM_OK delivered) |"
echo "| batch of 10, $BATCH_N records: records/s | $ING_BATCH ($ING_BATCH_OK delivered) | $CURL_BATCH ($CURL_BATCH_OK delivered) |"
echo "| single send, $SINGLE_N requests one at a time, median of $SINGLE_ROUNDS rounds: p50 latency ms | $ING_P50 (${SINGLE_RATIO}x) | $CURL_P50 |"
echo
echo "ingest stream summary: $(head -n 1 "$WORK/stream.err")"
echo "ingest batch summary:  $(head -n 1 "$WORK/batch.err")"
