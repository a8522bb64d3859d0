#!/usr/bin/env bash
# Our native producer beside kcat -P (librdkafka 2.0.2), same records, same run, both
# against librdkafka's mock cluster on loopback. Reports records/s and peak RSS.
# Needs: apt-get install -y librdkafka-dev kcat time. Usage: bench/native-vs-kcat.sh [COUNT] [BYTES]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
count="${1:-1000000}"
size="${2:-100}"
out="$root/bench/out"
mkdir -p "$out"

swift build -c release --product ingest-kafka-bench --package-path "$root" >&2
bench="$(swift build -c release --show-bin-path --package-path "$root")/ingest-kafka-bench"

records="$out/records-$count-$size.txt"
if [[ ! -f "$records" ]]; then
    python3 - "$count" "$size" > "$records" <<'PY'
import sys
count, size = int(sys.argv[1]), int(sys.argv[2])
for i in range(count):
    head = f'{{"playerId":"{i % 5000}","seq":{i},"pad":"'
    print(head + "x" * max(0, size - len(head) - 2) + '"}')
PY
fi

# The mock cluster lives while its stdin stays open.
exec 3> >("$bench" mock 3 native,kcat 6 > "$out/mock.txt")
mock_writer=$!
for _ in $(seq 100); do [[ -s "$out/mock.txt" ]] && break; sleep 0.1; done
bootstrap="$(head -1 "$out/mock.txt")"
[[ -n "$bootstrap" ]] || { echo "mock cluster did not start" >&2; exit 1; }

measure() {  # name, command...
    local name="$1"; shift
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -v "$@" 2> "$out/$name.time" > "$out/$name.out"
    end=$(date +%s.%N)
    local rss seconds
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/$name.time")
    seconds=$(echo "$end - $start" | bc -l)
    printf '%-7s %9d records  %7.2f s  %9.0f records/s  peak RSS %6.1f MB\n' \
        "$name" "$count" "$seconds" "$(echo "$count / $seconds" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
}

echo "$count records of ~$size bytes to the mock cluster (3 brokers, 6 partitions), release build:"
measure native "$bench" produce "$bootstrap" native "$records"
measure kcat kcat -P -b "$bootstrap" -t kcat -X log_level=3 -X linger.ms=5 -X acks=all -l "$records"
cat "$out/native.out"
# Records appended per topic (sum of end offsets, read by librdkafka), so neither figure is
# taken on trust. The mock cluster trims old records, so offsets are counted, not messages.
for topic in native kcat; do
    stored=$(kcat -C -b "$bootstrap" -t "$topic" -o -1 -e -q -X log_level=3 -f '%o\n' | awk '{ s += $1 + 1 } END { print s }')
    echo "appended to topic $topic: $stored"
done
exec 3>&-
wait "$mock_writer" 2>/dev/null || true
