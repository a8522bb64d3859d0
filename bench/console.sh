#!/bin/sh
# Console figures, release build: update/render timings with a full 100k-row ring; in a real
# terminal (tmux 80x24) the real console's time to first frame, to the first delivered report
# and the keystrokes it took, on the sandbox and on a production profile (against a sandbox on
# loopback: every send typed back), each beside `ingest send` doing the same send in the same
# run. Usage: bench/console.sh [rows]
set -eu
cd "$(dirname "$0")/.."
swift build -c release --product ingest-tui-demo >/dev/null
BIN=.build/release/ingest-tui-demo
"$BIN" --bench "${1:-100000}"

command -v tmux >/dev/null || { echo "tmux missing: no first-frame figure"; exit 0; }
SOCK="ingest-tui-bench-$$"
trap 'tmux -L "$SOCK" kill-server 2>/dev/null || true' EXIT
for i in 1 2 3 4 5; do
  start=$(date +%s%N)
  tmux -L "$SOCK" -f /dev/null new-session -d -s b -x 80 -y 24 "env TERM=screen $BIN dev"
  while ! tmux -L "$SOCK" capture-pane -p -t b 2>/dev/null | grep -q "valid JSON"; do
    now=$(date +%s%N)
    [ $(( (now - start) / 1000000 )) -gt 10000 ] && { echo "no first frame in 10 s"; exit 1; }
    sleep 0.005
  done
  end=$(date +%s%N)
  echo "first complete frame (profile active, value validated) run $i: $(( (end - start) / 1000000 )) ms"
  tmux -L "$SOCK" send-keys -t b q
  sleep 0.3
  tmux -L "$SOCK" kill-server 2>/dev/null || true
done

# The real console on the local sandbox (embedded proxy + Kafka cluster start with it):
# time to the first frame, to the profile being active, and keystrokes + time to the first
# delivered report. Peak RSS after 100k reports is in the --bench figures above (the ring is
# bounded); here the process RSS after a 100k-record stream through the console.
swift build -c release --product ingest >/dev/null
ING=.build/release/ingest
STATE=$(mktemp -d)
for i in 1 2 3; do
  start=$(date +%s%N)
  tmux -L "$SOCK" -f /dev/null new-session -d -s c -x 80 -y 24 -e INGEST_STATE_DIR="$STATE" "env TERM=screen $ING"
  first=""
  while true; do
    screen=$(tmux -L "$SOCK" capture-pane -p -t c 2>/dev/null || true)
    now=$(date +%s%N)
    [ -z "$first" ] && echo "$screen" | grep -q "1 Compose" && first=$(( (now - start) / 1000000 ))
    echo "$screen" | grep -q "profile local active" && break
    [ $(( (now - start) / 1000000 )) -gt 20000 ] && { echo "console not ready in 20 s"; exit 1; }
    sleep 0.005
  done
  ready=$(( (now - start) / 1000000 ))
  tmux -L "$SOCK" send-keys -t c s
  while ! tmux -L "$SOCK" capture-pane -p -t c | grep -q "send #1 finished: 1 delivered"; do
    now=$(date +%s%N)
    [ $(( (now - start) / 1000000 )) -gt 30000 ] && { echo "no report in 30 s"; exit 1; }
    sleep 0.005
  done
  delivered=$(( ($(date +%s%N) - start) / 1000000 ))
  echo "real console run $i: first frame ${first} ms, sandbox profile active ${ready} ms, first delivered report ${delivered} ms after launch with 1 keystroke (s)"
  if [ "$i" = 3 ]; then
    # 100k records as a stream through the console, then its RSS.
    tmux -L "$SOCK" send-keys -t c 1 m m
    sleep 0.3
    for _ in 1 2 3; do tmux -L "$SOCK" send-keys -t c k; done
    tmux -L "$SOCK" send-keys -t c Enter BSpace
    tmux -L "$SOCK" send-keys -t c -l 100000
    tmux -L "$SOCK" send-keys -t c Enter s
    t0=$(date +%s%N)
    while ! tmux -L "$SOCK" capture-pane -p -t c | grep -q "send #2 finished"; do
      [ $(( ($(date +%s%N) - t0) / 1000000000 )) -gt 300 ] && { echo "100k stream not finished in 300 s"; break; }
      sleep 0.2
    done
    pid=$(pgrep -f "^$ING$" | head -1 || true)
    [ -n "$pid" ] && echo "after a 100k-record stream: $(tmux -L "$SOCK" capture-pane -p -t c | sed -n 3p | tr -s ' ') — RSS $(awk '/VmRSS/{print $2" "$3}' /proc/$pid/status), peak $(awk '/VmHWM/{print $2" "$3}' /proc/$pid/status)"
  fi
  tmux -L "$SOCK" send-keys -t c q
  sleep 0.5
  tmux -L "$SOCK" kill-server 2>/dev/null || true
done
rm -rf "$STATE"

# The anchor: the same single record through `ingest send` (process start to exit, the
# embedded sandbox started by it as by the console).
STATE=$(mktemp -d)
for i in 1 2 3; do
  start=$(date +%s%N)
  INGEST_STATE_DIR="$STATE" timeout 60 "$ING" send --profile local --topic events --data '{"playerId":"p1"}' >/dev/null 2>&1
  echo "anchor run $i: ingest send --profile local, one record delivered in $(( ($(date +%s%N) - start) / 1000000 )) ms (process start to exit)"
done
rm -rf "$STATE"

# Production, rehearsed against `ingest sandbox` on loopback: the topic typed in Compose, then
# typed back to confirm the send. Keystrokes counted as sent.
WORK=$(mktemp -d)
KEY="bench-production-key-000001"
INGEST_PROD_KEY="$KEY" timeout 300 "$ING" sandbox --port 0 --api-key env:INGEST_PROD_KEY --topic ing-production-events >"$WORK/sandbox.out" 2>/dev/null &
SANDBOX=$!
trap 'tmux -L "$SOCK" kill-server 2>/dev/null || true; kill $SANDBOX 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do grep -q "^sandbox listening: " "$WORK/sandbox.out" 2>/dev/null && break; sleep 0.1; done
BASE=$(sed -n 's/^sandbox listening: //p' "$WORK/sandbox.out" | head -1)
[ -n "$BASE" ] || { echo "ingest sandbox did not start"; exit 1; }
printf 'name = "prod"\nenvironment = "production"\nrest_url = "%s"\ntopic_prefix = "ing-production-"\napi_key = "env:INGEST_PROD_KEY"\n' "$BASE" >"$WORK/prod.toml"
for i in 1 2 3; do
  start=$(date +%s%N)
  tmux -L "$SOCK" -f /dev/null new-session -d -s p -x 80 -y 24 -e INGEST_STATE_DIR="$WORK/state$i" -e INGEST_PROD_KEY="$KEY" "env TERM=screen $ING --profile $WORK/prod.toml"
  while ! tmux -L "$SOCK" capture-pane -p -t p 2>/dev/null | grep -q "profile prod active"; do
    [ $(( ($(date +%s%N) - start) / 1000000 )) -gt 20000 ] && { echo "production console not ready in 20 s"; exit 1; }
    sleep 0.005
  done
  ready=$(( ($(date +%s%N) - start) / 1000000 ))
  keys=0
  # Value is selected at start; Topic is nine fields up. Enter, "events", Enter.
  for _ in 1 2 3 4 5 6 7 8 9; do tmux -L "$SOCK" send-keys -t p k; keys=$((keys + 1)); done
  tmux -L "$SOCK" send-keys -t p Enter; tmux -L "$SOCK" send-keys -t p -l events; tmux -L "$SOCK" send-keys -t p Enter
  keys=$((keys + 1 + 6 + 1))
  tmux -L "$SOCK" send-keys -t p s; keys=$((keys + 1))
  while ! tmux -L "$SOCK" capture-pane -p -t p | grep -q "PRODUCTION: confirm"; do
    [ $(( ($(date +%s%N) - start) / 1000000 )) -gt 30000 ] && { echo "no production confirmation in 30 s"; exit 1; }
    sleep 0.005
  done
  tmux -L "$SOCK" send-keys -t p -l ing-production-events; tmux -L "$SOCK" send-keys -t p Enter
  keys=$((keys + 21 + 1))
  while ! tmux -L "$SOCK" capture-pane -p -t p | grep -q "send #1 finished: 1 delivered"; do
    [ $(( ($(date +%s%N) - start) / 1000000 )) -gt 30000 ] && { echo "no production report in 30 s"; exit 1; }
    sleep 0.005
  done
  delivered=$(( ($(date +%s%N) - start) / 1000000 ))
  echo "production console run $i: profile active ${ready} ms, first delivered report ${delivered} ms after launch with $keys keystrokes (topic typed in, then typed back, as fast as tmux sends them)"
  tmux -L "$SOCK" send-keys -t p q
  sleep 0.5
  tmux -L "$SOCK" kill-session -t p 2>/dev/null || true
done
for i in 1 2 3; do
  start=$(date +%s%N)
  INGEST_STATE_DIR="$WORK/cli" INGEST_PROD_KEY="$KEY" timeout 60 "$ING" send --profile "$WORK/prod.toml" --topic events --data '{"playerId":"p1"}' \
    --confirm-production ing-production-events >/dev/null 2>&1
  echo "anchor run $i: ingest send --profile prod --confirm-production, one record delivered in $(( ($(date +%s%N) - start) / 1000000 )) ms"
done
kill $SANDBOX 2>/dev/null || true
rm -rf "$WORK"
