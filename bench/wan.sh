#!/usr/bin/env bash
# REST over the real link (issue 12), release build, everything against `ingest sandbox` on
# loopback over HTTPS (its own CA), each `ingest send` figure beside curl doing the same work
# against the same sandbox in the same run:
#   the table: stream, batch, single  x  loopback, 40 ms round trip (--latency-ms 20), a gateway
#   that buffers request bodies (--buffer-requests); records/s of ingest and of curl
#     stream: ingest send --mode stream   | curl: the same records in one chunked POST
#     batch:  ingest send --mode batch    | curl: batches of 10 posted one after another (-K, kept alive)
#     single: ingest send --mode single   | curl: single records posted one after another (-K, kept alive)
#   a batch send through a 20 requests/s usage plan (429s), read back from Kafka with kcat
#   a stream into the sandbox with Kafka behind it, beside the same stream into --memory-log
# Usage: bench/wan.sh [stream_records] [batch_records] [single_records] [throttled_records]
# CURL_FAR=N: requests per curl loop 40 ms away (default 100); CURL_NEAR=N: on loopback (2000).
set -euo pipefail
cd "$(dirname "$0")/.."
STREAM_N=${1:-100000}
BATCH_N=${2:-20000}
SINGLE_N=${3:-3000}
THROTTLE_N=${4:-1000}
CURL_FAR=${CURL_FAR:-100}
CURL_NEAR=${CURL_NEAR:-2000}
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

python3 - "$WORK" "$STREAM_N" "$BATCH_N" "$SINGLE_N" <<'PY'
import json, sys
work, n, b, s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def event(i): return {"playerId": f"p{i:08d}", "value": "bench event", "amount": i % 977, "pad": "x" * 30}
def dump(o): return json.dumps(o, separators=(",", ":"))
with open(f"{work}/events.jsonl", "w") as f, open(f"{work}/stream-body.json", "w") as body:
    for i in range(1, n + 1):
        f.write(dump(event(i)) + "\n")
        body.write(dump({"value": {"type": "JSON", "data": event(i)}}))
for name, count in (("batch", b), ("single", s)):
    with open(f"{work}/{name}-events.jsonl", "w") as f:
        for i in range(1, count + 1): f.write(dump(event(i)) + "\n")
with open(f"{work}/batch-body.json", "w") as f:
    f.write(dump({"entries": [{"id": str(i), "value": {"type": "JSON", "data": event(i)}} for i in range(1, 11)]}))
with open(f"{work}/single-body.json", "w") as f:
    f.write(dump({"value": {"type": "JSON", "data": event(1)}}))
PY

now() { date +%s.%N; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }

# ingest_rate NAME MODE FILE COUNT: records/s of `ingest send`; warns unless every record was delivered.
ingest_rate() {
  local name=$1 mode=$2 file=$3 count=$4 t0 t1 ok
  t0=$(now)
  "$BIN" send --profile "$WORK/$name.toml" --topic bench --mode "$mode" --file "$file" > "$WORK/$name-$mode.jsonl" 2> "$WORK/$name-$mode.err" || true
  t1=$(now)
  ok=$(grep -c '"outcome":"delivered"' "$WORK/$name-$mode.jsonl" || true)
  [ "$ok" = "$count" ] || echo "WARNING: $name $mode delivered $ok of $count: $(head -n 2 "$WORK/$name-$mode.err")" >&2
  python3 -c "print(f'{$count / ($t1 - $t0):.0f}')"
}

records_url() { # NAME PATH
  local base ca cluster
  base=$(cat "$WORK/$1.base"); ca=$(cat "$WORK/$1.ca")
  cluster=$(curl -s --cacert "$ca" "$base/clusters" -H "x-api-key: $KEY" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["cluster_id"])')
  echo "$base/clusters/$cluster/topics/ing-staging-bench/$2"
}

# curl_stream NAME: records/s of one curl POST of every record as one chunked body.
curl_stream() {
  local url t0 t1 ok
  url=$(records_url "$1" records)
  t0=$(now)
  curl -s --cacert "$(cat "$WORK/$1.ca")" -X POST "$url" -H "x-api-key: $KEY" -H 'Content-Type: application/json' \
    -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/stream-body.json" > "$WORK/$1-curl-stream.out"
  t1=$(now)
  ok=$(grep -o '"error_code":200' "$WORK/$1-curl-stream.out" | wc -l)
  [ "$ok" -ge "$STREAM_N" ] || echo "WARNING: curl stream $1 stored $ok of $STREAM_N" >&2
  python3 -c "print(f'{$STREAM_N / ($t1 - $t0):.0f}')"
}

# curl_loop NAME PATH BODY REQUESTS RECORDS_PER_REQUEST: records/s of one curl process posting
# the requests one after another over one kept-alive connection.
curl_loop() {
  local name=$1 body=$3 requests=$4 per=$5 url t0 t1 ok
  url=$(records_url "$name" "$2")
  # Every option inside each block: `next` resets what came before it (--cacert included).
  python3 - "$WORK/$name.curlrc" "$url" "$body" "$requests" "$(cat "$WORK/$name.ca")" <<'PY'
import os, sys
rc, url, body, n, ca = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
with open(rc, "w") as f:
    for i in range(n):
        if i: f.write("next\n")
        f.write(f'url = "{url}"\ncacert = "{ca}"\nheader = "x-api-key: {os.environ["KEY"]}"\nheader = "Content-Type: application/json"\ndata-binary = "@{body}"\nsilent\n')
PY
  t0=$(now)
  curl -K "$WORK/$name.curlrc" > "$WORK/$name-curl.out"
  t1=$(now)
  ok=$(grep -o '"partition_id"' "$WORK/$name-curl.out" | wc -l)
  [ "$ok" -ge $((requests * per)) ] || echo "WARNING: curl $name stored $ok of $((requests * per))" >&2
  python3 -c "print(f'{$requests * $per / ($t1 - $t0):.0f}')"
}

echo "records of $(head -n 1 "$WORK/events.jsonl" | wc -c) bytes (with newline); HTTPS everywhere; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A ING CURL
for cond in near far buffer; do
  loops=$CURL_NEAR; [ "$cond" = far ] && loops=$CURL_FAR
  ING[$cond-stream]=$(ingest_rate "$cond" stream "$WORK/events.jsonl" "$STREAM_N")
  CURL[$cond-stream]=$(curl_stream "$cond")
  ING[$cond-batch]=$(ingest_rate "$cond" batch "$WORK/batch-events.jsonl" "$BATCH_N")
  CURL[$cond-batch]=$(curl_loop "$cond" 'records:batch' "$WORK/batch-body.json" "$((loops < BATCH_N / 10 ? loops : BATCH_N / 10))" 10)
  ING[$cond-single]=$(ingest_rate "$cond" single "$WORK/single-events.jsonl" "$SINGLE_N")
  CURL[$cond-single]=$(curl_loop "$cond" records "$WORK/single-body.json" "$((loops < SINGLE_N ? loops : SINGLE_N))" 1)
done

# Through the usage plan (20 requests/s, a burst of 20): batches of 10 take at least
# (requests - burst) / 20 seconds. Kafka is read back: each record stored exactly once?
head -n "$THROTTLE_N" "$WORK/batch-events.jsonl" > "$WORK/throttle-events.jsonl"
T0=$(now)
"$BIN" send --profile "$WORK/throttle.toml" --topic bench --mode batch --file "$WORK/throttle-events.jsonl" > "$WORK/throttle.jsonl" 2> "$WORK/throttle.err" || true
T1=$(now)
THROTTLE_S=$(python3 -c "print(f'{$T1 - $T0:.2f}')")
ALLOWED_S=$(python3 -c "r=($THROTTLE_N + 9)//10; print(f'{max(0, r - 20) / 20:.2f}')")
PLAIN=$(sed -n 's/^kafka (plaintext, for kcat -C): //p' "$WORK/throttle.out")
read -r STORED_ALL STORED_DISTINCT STORED_TWICE <<< "$(kcat -C -b "$PLAIN" -t ing-staging-bench -o beginning -e -q -X log_level=3 -f '%s\n' 2>/dev/null | python3 -c "
import sys, collections
c = collections.Counter(l.strip() for l in sys.stdin if l.strip())
print(sum(c.values()), len(c), sum(1 for v in c.values() if v > 1))")"
THROTTLE_OK=$(grep -c '"outcome":"delivered"' "$WORK/throttle.jsonl" || true)

KAFKA_STREAM=$(ingest_rate kafka stream "$WORK/events.jsonl" "$STREAM_N")

echo
echo "records/s: ingest send / curl (same sandbox, same run) (ingest as a multiple of curl)"
echo
echo "| mode | loopback | 40 ms round trip | gateway that buffers request bodies |"
echo "|---|---|---|---|"
for mode in stream batch single; do
  row="| $mode |"
  for cond in near far buffer; do
    row+=" ${ING[$cond-$mode]} / ${CURL[$cond-$mode]} ($(ratio "${ING[$cond-$mode]}" "${CURL[$cond-$mode]}")x) |"
  done
  echo "$row"
done
echo
echo "| figure (issue 12) | measured | target |"
echo "|---|---|---|"
echo "| stream at 40 ms / the same client's loopback stream | $(ratio "${ING[far-stream]}" "${ING[near-stream]}") | >= 0.8 |"
echo "| stream behind a buffering gateway / batch behind it | $(ratio "${ING[buffer-stream]}" "${ING[buffer-batch]}") | >= 1.0 |"
echo "| batch at 40 ms, records/s | ${ING[far-batch]} (curl loop ${CURL[far-batch]}) | >= 4,000 |"
echo "| single at 40 ms, records/s | ${ING[far-single]} (curl loop ${CURL[far-single]}) | >= 300 |"
echo "| batch through 20 requests/s, $THROTTLE_N records: seconds / what the plan allows | $THROTTLE_S / $ALLOWED_S = $(ratio "$THROTTLE_S" "$ALLOWED_S"); $THROTTLE_OK delivered; Kafka holds $STORED_ALL, $STORED_DISTINCT distinct, $STORED_TWICE twice | <= 2.0, all once |"
echo "| stream into Kafka (mock cluster) / into --memory-log | $KAFKA_STREAM / ${ING[near-stream]} = $(ratio "$KAFKA_STREAM" "${ING[near-stream]}") | >= 0.5 |"
echo
for f in near-stream far-stream buffer-stream kafka-stream; do
  echo "$f: $(grep -v '^20..-' "$WORK/$f.err" | grep -v '^latency' | tr '\n' ' ')"
done
echo "throttled: $(grep -v '^20..-' "$WORK/throttle.err" | grep -v '^latency' | tr '\n' ' ')"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
