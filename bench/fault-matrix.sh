#!/usr/bin/env bash
# The fault matrix: `ingest send` against `ingest sandbox` with each fault knob, and the
# counts it ends with. Every row must satisfy delivered + failed + unknown = sent (the
# records the run sent; the rest of the 50 asked for were never sent once the run stopped).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product ingest >/dev/null 2>&1
BIN=.build/debug/ingest
WORK=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill $p 2>/dev/null || true; done; rm -rf "$WORK"' EXIT
N=50

start_sandbox() { # name, extra flags...
  local name=$1; shift
  "$BIN" sandbox --port 0 --api-key "key-$name-000000" "$@" > "$WORK/$name.out" 2>/dev/null &
  PIDS+=($!)
  for _ in $(seq 1 100); do grep -q '^topics:' "$WORK/$name.out" 2>/dev/null && break; sleep 0.1; done
  local base; base=$(sed -n 's/^sandbox listening: //p' "$WORK/$name.out")
  local kafka; kafka=$(sed -n 's/^kafka (SASL_SSL.*: \([^ ]*\)  user.*password \([^ ]*\)  CA \(.*\)$/\1 \2 \3/p' "$WORK/$name.out")
  local ca; ca=$(sed -n 's/^CA: \([^ ]*\).*/\1/p' "$WORK/$name.out")
  printf 'name = "%s"\nenvironment = "sandbox"\nrest_url = "%s"\ntopic_prefix = "ing-staging-"\napi_key = "env:KEY"\n' "$name" "$base" > "$WORK/$name.toml"
  if [ -n "$kafka" ]; then
    set -- $kafka
    printf '[kafka]\nusername = "producer"\npassword = "env:KAFKA_PASSWORD"\nbootstrap = "%s"\nca_file = "%s"\n' "$1" "$3" >> "$WORK/$name.toml"
    echo "$2" > "$WORK/$name.password"
  else
    # The sandbox speaks HTTPS with its own CA.
    printf '[kafka]\nca_file = "%s"\n' "$ca" >> "$WORK/$name.toml"
  fi
}

row() { # label, profile, key, extra send flags...
  local label=$1 profile=$2 key=$3; shift 3
  local password=""; [ -f "$WORK/$profile.password" ] && password=$(cat "$WORK/$profile.password")
  [ "${WRONG_PASSWORD:-}" = 1 ] && password="not-the-password"
  set +e
  KEY=$key KAFKA_PASSWORD=$password INGEST_STATE_DIR="$WORK/state" "$BIN" send --profile "$WORK/$profile.toml" --topic "${TOPIC:-events}" \
    --data '{"n":{{seq}}}' --count $N "$@" > "$WORK/out.jsonl" 2> "$WORK/err.txt"
  local code=$?
  set -e
  local d f u
  read -r d f u < <(python3 -c "
import json
c={'delivered':0,'failed':0,'unknown':0}
seqs=[]
for line in open('$WORK/out.jsonl'):
    r=json.loads(line); c[r['outcome']]+=1; seqs.append(r['seq'])
assert len(seqs)==len(set(seqs)), 'a record has two outcomes'
print(c['delivered'],c['failed'],c['unknown'])")
  printf '| %s | %d | %d | %d | %d | %d |\n' "$label" $((d + f + u)) "$d" "$f" "$u" "$code"
}

start_sandbox ok
start_sandbox close --memory-log --close-after 7
start_sandbox drop --memory-log --drop-after 7
start_sandbox slow --memory-log --delay-ms 20
start_sandbox buffer --memory-log --buffer-requests
for f in 429-html 429-json 500 503 502-html 403; do start_sandbox "fail${f//-/}" --memory-log --fail "$f"; done
start_sandbox late --memory-log --delay-ms 2500
start_sandbox kretry --kafka-fail 6,6,6
start_sandbox kfatal --kafka-fail 10
start_sandbox kdown --kafka-leader-down 0
start_sandbox transient --memory-log --fail 429-json --fail-first 3
start_sandbox throttle --memory-log --throttle 20/s --retry-after
start_sandbox records --memory-log --record-rate-limit 200/s --record-rate-code 42901
start_sandbox expire --memory-log --stream-max-seconds 0.2 --delay-ms 5
start_sandbox chunked --memory-log --refuse-chunked
start_sandbox small --memory-log --buffer-requests --max-body-bytes 2000
start_sandbox far --memory-log --latency-ms 20

echo "| case (50 records asked) | sent | delivered | failed | unknown | exit |"
echo "|---|---|---|---|---|---|"
row "healthy, stream" ok key-ok-000000 --mode stream
row "healthy, batch" ok key-ok-000000 --mode batch
row "healthy, native (SASL_SSL + SCRAM)" ok key-ok-000000 --via native
row "stream closed after 7 reports" close key-close-000000 --mode stream --window 8
row "connection dropped after 7 reports" drop key-drop-000000 --mode stream --window 8
row "slow reports (20 ms each)" slow key-slow-000000 --mode stream
for m in single batch stream; do row "answers 2.5 s late, --timeout 1, $m" late key-late-000000 --mode $m --timeout 1 --window 4; done
row "gateway buffers the whole request" buffer key-buffer-000000 --mode stream --window 8
# 429 and 503 are sent again until the delivery timeout, then fail (never stored).
for f in 429html 429json 500 503 502html 403; do
  row "proxy answers $f, stream" "fail$f" "key-fail$f-000000" --mode stream --window 8 --delivery-timeout 2
  row "proxy answers $f, batch" "fail$f" "key-fail$f-000000" --mode batch --delivery-timeout 2
done
for m in single batch stream; do row "429 for the first 3 requests, $m" transient key-transient-000000 --mode $m; done
for m in single batch; do row "gateway usage plan 20 requests/s, Retry-After, $m" throttle key-throttle-000000 --mode $m; done
row "proxy's record rate limit 200/s (42901), stream" records key-records-000000 --mode stream
row "stream open past 0.2 s gets 408s, stream" expire key-expire-000000 --mode stream
row "gateway refuses chunked bodies (411), stream" chunked key-chunked-000000 --mode stream
row "buffering gateway, 2000-byte payload limit (413), stream" small key-small-000000 --mode stream
for m in single batch stream; do row "40 ms round trip, $m" far key-far-000000 --mode $m; done
row "wrong API key" ok wrong-key-00000000 --mode stream
TOPIC=nosuch row "unknown topic, batch" ok key-ok-000000 --mode batch
WRONG_PASSWORD=1 row "native, wrong Kafka password" ok key-ok-000000 --via native
row "native, NOT_LEADER x3 then fine" kretry key-kretry-000000 --via native
row "native, MESSAGE_TOO_LARGE once" kfatal key-kfatal-000000 --via native
row "native, leader of partition 0 down, --timeout 2" kdown key-kdown-000000 --via native --partition 0 --timeout 2
grep -v '^ca_file' "$WORK/ok.toml" > "$WORK/untrusted.toml"; cp "$WORK/ok.password" "$WORK/untrusted.password"
row "native, untrusted CA" untrusted key-ok-000000 --via native
# A first label longer than DNS allows: glibc fails the lookup without sending a query.
far="$(printf 'a%.0s' $(seq 70)).dns-failure.invalid"
sed "s#^rest_url = .*#rest_url = \"https://$far/v3\"#; s#^bootstrap = .*#bootstrap = \"$far:9096\"#" "$WORK/ok.toml" > "$WORK/nodns.toml"; cp "$WORK/ok.password" "$WORK/nodns.password"
row "REST host does not resolve" nodns key-ok-000000 --mode stream
row "native, brokers do not resolve" nodns key-ok-000000 --via native
printf 'name = "dead"\nenvironment = "sandbox"\nrest_url = "http://127.0.0.1:1/v3"\ntopic_prefix = "ing-staging-"\napi_key = "env:KEY"\n' > "$WORK/dead.toml"
row "proxy not listening" dead key-dead-000000 --mode stream
