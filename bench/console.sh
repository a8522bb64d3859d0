#!/bin/sh
# Console figures, release build: update/render timings with a full 100k-row ring, and time to
# first frame in a real terminal (tmux 80x24). Usage: bench/run.sh [rows]
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
