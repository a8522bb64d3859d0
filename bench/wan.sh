#!/usr/bin/env bash
# REST over the real link, release build, everything against `ingest sandbox` on loopback with
# the sandbox's gateway conditions, over HTTPS, each figure beside its anchor in the same run:
#   1. stream, 40 ms round trip (--latency-ms 20)   beside the same client's stream on loopback
#   2. stream behind a buffering gateway             beside batch behind the same gateway
#   3. batch, 40 ms                                  beside curl posting the same batches in a loop
#   4. single, 40 ms                                 beside curl posting the same records in a loop
#   5. batch through a 20 requests/s usage plan      beside the time the plan allows; read back from
#                                                    Kafka: every record stored exactly once
#   6. stream into the sandbox with Kafka behind it  beside the same stream into --memory-log
# Usage: bench/wan.sh [stream_records] [batch_records] [single_records] [throttled_records]
set -euo pipefail
cd "$(dirname "$0")/.."
STREAM_N=${1:-100000}
BATCH_N=${2:-20000}
SINGLE_N=${3:-3000}
THROTTLE_N=${4:-1000}
CURL_BATCHES=${CURL_BATCHES:-100}
CURL_SINGLES=${CURL_SINGLES:-100}
WORK=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill $p 2>/dev/null || true; done; rm -rf "$WORK"' EXIT

swift build -c release --product ingest >/dev/null
BIN=.build/release/ingest
KEY="wan-key-$RANDOM$RANDOM"
export KEY

start_sandbox() { # name, flags...
  local name=$1; shift
  "$BIN" sandbox --port 0 --api-key "$KEY" --topic ing-staging-bench "$@" > "$WORK/$name.out" 2>/dev/null &
  PIDS+=($!)
  for _ in $(seq 1 200); do grep -q '^topics:' "$WORK/$name.out" 2>/dev/null && break; sleep 0.1; done
  local base ca
  base=$(sed -n 's/^sandbox listening: //p' "$WORK/$name.out")
  ca=$(sed -n 's/^CA: \([^ ]*\).*/\1/p' "$WORK/$name.out")
  [ -n "$base" ] || { echo "sandbox $name did not start" >&2; exit 1; }
  printf 'name = "%s"\nenvironment = "sandbox"\nrest_url = "%s"\ntopic_prefix = "ing-staging-"\napi_key = "env:KEY"\n[kafka]\nca_file = "%s"\n' \
    "$name" "$base" "$ca" > "$WORK/$name.toml"
  echo "$base" > "$WORK/$name.base"
  echo "$ca" > "$WORK/$name.ca"
}

start_sandbox near --memory-log
start_sandbox far --memory-log --latency-ms 20
start_sandbox buffer --memory-log --buffer-requests
start_sandbox throttle --throttle 20/s
start_sandbox kafka

python3 - "$WORK" "$STREAM_N" "$BATCH_N" <<'PY'
import json, sys
work, n, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def event(i): return {"playerId": f"p{i:08d}", "value": "bench event", "amount": i % 977, "pad": "x" * 30}
with open(f"{work}/events.jsonl", "w") as f:
    for i in range(1, n + 1): f.write(json.dumps(event(i), separators=(",", ":")) + "\n")
with open(f"{work}/batch-events.jsonl", "w") as f:
    for i in range(1, b + 1): f.write(json.dumps(event(i), separators=(",", ":")) + "\n")
with open(f"{work}/batch-body.json", "w") as f:
    json.dump({"entries": [{"id": str(i), "value": {"type": "JSON", "data": event(i)}} for i in range(1, 11)]}, f, separators=(",", ":"))
with open(f"{work}/single-body.json", "w") as f:
    json.dump({"value": {"type": "JSON", "data": event(1)}}, f, separators=(",", ":"))
PY

now() { date +%s.%N; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }

# send NAME MODE FILE|--data.. ; prints records/s and checks that every record was delivered.
send() {
  local name=$1 mode=$2 file=$3 count=$4; shift 4
  local t0 t1
  t0=$(now)
  "$BIN" send --profile "$WORK/$name.toml" --topic bench --mode "$mode" --file "$file" "$@" > "$WORK/$name-$mode.jsonl" 2> "$WORK/$name-$mode.err" || true
  t1=$(now)
  local ok; ok=$(grep -c '"outcome":"delivered"' "$WORK/$name-$mode.jsonl" || true)
  [ "$ok" = "$count" ] || echo "WARNING: $name $mode delivered $ok of $count: $(head -n 2 "$WORK/$name-$mode.err")" >&2
  python3 -c "print(f'{$count / ($t1 - $t0):.0f}')"
}

# curl_loop NAME PATH BODY REQUESTS RECORDS_PER_REQUEST: records/s of one curl process posting
# the requests one after another over one kept-alive connection.
curl_loop() {
  local name=$1 path=$2 body=$3 requests=$4 per=$5
  local base ca cluster
  base=$(cat "$WORK/$name.base"); ca=$(cat "$WORK/$name.ca")
  cluster=$(curl -s --cacert "$ca" "$base/clusters" -H "x-api-key: $KEY" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["cluster_id"])')
  python3 - "$WORK/$name.curlrc" "$base/clusters/$cluster/topics/ing-staging-bench/$path" "$body" "$requests" <<'PY'
import os, sys
rc, url, body, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
key = os.environ["KEY"]
with open(rc, "w") as f:
    for i in range(n):
        if i: f.write("next\n")
        f.write(f'url = "{url}"\nheader = "x-api-key: {key}"\nheader = "Content-Type: application/json"\ndata-binary = "@{body}"\nsilent\n')
PY
  local t0 t1
  t0=$(now)
  curl --cacert "$ca" -K "$WORK/$name.curlrc" > "$WORK/$name-curl.out"
  t1=$(now)
  local ok; ok=$(grep -o '"partition_id"' "$WORK/$name-curl.out" | wc -l)
  [ "$ok" -ge $((requests * per)) ] || echo "WARNING: curl $name stored $ok of $((requests * per))" >&2
  python3 -c "print(f'{$requests * $per / ($t1 - $t0):.0f}')"
}

echo "records of $(head -n 1 "$WORK/events.jsonl" | wc -c) bytes (with newline); HTTPS everywhere"
echo

NEAR_STREAM=$(send near stream "$WORK/events.jsonl" "$STREAM_N")
FAR_STREAM=$(send far stream "$WORK/events.jsonl" "$STREAM_N")
BUF_STREAM=$(send buffer stream "$WORK/events.jsonl" "$STREAM_N")
BUF_BATCH=$(send buffer batch "$WORK/batch-events.jsonl" "$BATCH_N")
FAR_BATCH=$(send far batch "$WORK/batch-events.jsonl" "$BATCH_N")
CURL_FAR_BATCH=$(curl_loop far 'records:batch' "$WORK/batch-body.json" "$CURL_BATCHES" 10)
head -n "$SINGLE_N" "$WORK/events.jsonl" > "$WORK/single-events.jsonl"
FAR_SINGLE=$(send far single "$WORK/single-events.jsonl" "$SINGLE_N")
CURL_FAR_SINGLE=$(curl_loop far records "$WORK/single-body.json" "$CURL_SINGLES" 1)

# Through the usage plan (20 requests/s, a burst of 20): batches of 10 take at least
# (requests - burst) / 20 seconds.
head -n "$THROTTLE_N" "$WORK/batch-events.jsonl" > "$WORK/throttle-events.jsonl"
T0=$(now)
"$BIN" send --profile "$WORK/throttle.toml" --topic bench --mode batch --file "$WORK/throttle-events.jsonl" > "$WORK/throttle.jsonl" 2> "$WORK/throttle.err" || true
T1=$(now)
THROTTLE_S=$(python3 -c "print(f'{$T1 - $T0:.2f}')")
ALLOWED_S=$(python3 -c "r=($THROTTLE_N + 9)//10; print(f'{max(0, r - 20) / 20:.2f}')")
PLAIN=$(sed -n 's/^kafka (plaintext, for kcat -C): //p' "$WORK/throttle.out")
STORED=$(kcat -C -b "$PLAIN" -t ing-staging-bench -o beginning -e -q -X log_level=3 -f '%s\n' 2>/dev/null | python3 -c "
import sys, collections
c = collections.Counter(l.strip() for l in sys.stdin if l.strip())
print(sum(c.values()), len(c), sum(1 for v in c.values() if v > 1))")
read -r STORED_ALL STORED_DISTINCT STORED_TWICE <<< "$STORED"
THROTTLE_OK=$(grep -c '"outcome":"delivered"' "$WORK/throttle.jsonl" || true)

KAFKA_STREAM=$(send kafka stream "$WORK/events.jsonl" "$STREAM_N")

echo "| figure | ingest | anchor (same run) | ratio | target |"
echo "|---|---|---|---|---|"
echo "| stream, $STREAM_N records, 40 ms round trip: records/s | $FAR_STREAM | $NEAR_STREAM (ingest, loopback) | $(ratio "$FAR_STREAM" "$NEAR_STREAM") | >= 0.8 |"
echo "| stream behind a buffering gateway: records/s | $BUF_STREAM | $BUF_BATCH (ingest batch, same gateway) | $(ratio "$BUF_STREAM" "$BUF_BATCH") | >= 1.0 |"
echo "| batch, $BATCH_N records, 40 ms: records/s | $FAR_BATCH | $CURL_FAR_BATCH (curl loop, $CURL_BATCHES batches) | $(ratio "$FAR_BATCH" "$CURL_FAR_BATCH") | >= 4,000 records/s |"
echo "| single, $SINGLE_N records, 40 ms: records/s | $FAR_SINGLE | $CURL_FAR_SINGLE (curl loop, $CURL_SINGLES requests) | $(ratio "$FAR_SINGLE" "$CURL_FAR_SINGLE") | >= 300 records/s |"
echo "| batch through 20 requests/s, $THROTTLE_N records: seconds | $THROTTLE_S ($THROTTLE_OK delivered; Kafka holds $STORED_ALL, $STORED_DISTINCT distinct, $STORED_TWICE twice) | $ALLOWED_S (what the plan allows) | $(ratio "$THROTTLE_S" "$ALLOWED_S") | <= 2.0 |"
echo "| stream into Kafka (mock cluster): records/s | $KAFKA_STREAM | $NEAR_STREAM (--memory-log) | $(ratio "$KAFKA_STREAM" "$NEAR_STREAM") | >= 0.5 |"
echo
for f in near-stream far-stream buffer-stream buffer-batch far-batch far-single kafka-stream; do
  echo "$f: $(grep -v '^20..-' "$WORK/$f.err" | head -n 1)"
done
echo "throttled: $(grep -v '^20..-' "$WORK/throttle.err" | head -n 1)"
