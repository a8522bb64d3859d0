#!/usr/bin/env bash
# Our native producer beside kcat -P (librdkafka 2.0.2), same records, same run, both
# against librdkafka's mock cluster on loopback. Reports records/s and peak RSS.
# Needs: apt-get install -y librdkafka-dev kcat time.
# Usage: bench/native-vs-kcat.sh [COUNT] [BYTES] [ROUNDS]
# Each round starts a fresh mock cluster and runs both producers, the one going first
# alternating between rounds (this 2-core machine varies by up to 2x from run to run, so
# one pair of figures says little); the summary gives each round's ratio and the median.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
count="${1:-1000000}"
size="${2:-100}"
rounds="${3:-5}"
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

measure() {  # name, command... ; prints "records/s rss_mb"
    local name="$1"; shift
    local start end
    start=$(date +%s.%N)
    /usr/bin/time -v "$@" 2> "$out/$name.time" > "$out/$name.out"
    end=$(date +%s.%N)
    local rss seconds
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/$name.time")
    seconds=$(echo "$end - $start" | bc -l)
    printf '%.0f %.1f %.3f\n' "$(echo "$count / $seconds" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$seconds"
}

echo "$count records of ~$size bytes to the mock cluster (3 brokers, 6 partitions, acks=all), release build, $rounds rounds:"
printf '%-6s %-7s %12s %9s %12s %9s %7s\n' round first "ingest r/s" "RSS MB" "kcat r/s" "RSS MB" ratio
ratios=()
for round in $(seq "$rounds"); do
    # The mock cluster lives while its stdin stays open.
    exec 3> >("$bench" mock 3 native,kcat 6 > "$out/mock.txt")
    for _ in $(seq 100); do [[ -s "$out/mock.txt" ]] && break; sleep 0.1; done
    bootstrap="$(head -1 "$out/mock.txt")"
    [[ -n "$bootstrap" ]] || { echo "mock cluster did not start" >&2; exit 1; }
    run_native() { measure native "$bench" produce "$bootstrap" native "$records"; }
    run_kcat() { measure kcat kcat -P -b "$bootstrap" -t kcat -X log_level=3 -X linger.ms=5 -X acks=all -l "$records"; }
    if (( round % 2 == 1 )); then
        first=ingest; read -r n_rate n_rss _ < <(run_native); read -r k_rate k_rss _ < <(run_kcat)
    else
        first=kcat; read -r k_rate k_rss _ < <(run_kcat); read -r n_rate n_rss _ < <(run_native)
    fi
    grep -q "^native: $count delivered, 0 not" "$out/native.out" || { echo "ingest did not deliver every record:" >&2; cat "$out/native.out" >&2; exit 1; }
    # Records appended per topic (sum of end offsets, read by librdkafka), so neither figure
    # is taken on trust. The mock cluster trims old records, so offsets are counted, not messages.
    for topic in native kcat; do
        stored=$(kcat -C -b "$bootstrap" -t "$topic" -o -1 -e -q -X log_level=3 -f '%o\n' | awk '{ s += $1 + 1 } END { print s }')
        [[ "$stored" == "$count" ]] || { echo "round $round: topic $topic has $stored records appended, not $count" >&2; exit 1; }
    done
    exec 3>&-
    wait 2>/dev/null || true
    ratio=$(echo "$n_rate / $k_rate" | bc -l)
    ratios+=("$ratio")
    printf '%-6s %-7s %12s %9s %12s %9s %7.2f\n' "$round" "$first" "$n_rate" "$n_rss" "$k_rate" "$k_rss" "$ratio"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
printf 'every round: each topic got all %d records appended (kcat read-back). median ingest/kcat ratio: %.2f\n' "$count" "$median"
