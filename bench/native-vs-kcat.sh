#!/usr/bin/env bash
# Our native producer beside kcat -P (librdkafka 2.0.2), same records, same run, both through
# the sandbox's TLS + SCRAM-SHA-512 front before librdkafka's mock cluster (3 brokers,
# 6 partitions, acks=all), the brokers answering after RTT_MS (a distant cluster).
# Reports records/s, peak RSS, and the Produce request bytes per record each one sent
# (counted at the front, so compression shows), with the same codec for both.
# Needs: apt-get install -y librdkafka-dev kcat time liblz4-dev libzstd-dev zlib1g-dev.
# Usage: [INGEST_KAFKA_BENCH=path] bench/native-vs-kcat.sh [COUNT] [BYTES] [ROUNDS] [RTT_MS] [CODEC]
#   CODEC: none (default), gzip, lz4 or zstd.
# Each round starts a fresh cluster and runs both producers, the one going first alternating
# between rounds (this 2-core machine varies by up to 2x from run to run, so one pair of
# figures says little); both topics are read back complete every round; the summary gives
# each round's ratio and the median.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
count="${1:-1000000}"
size="${2:-100}"
rounds="${3:-5}"
rtt="${4:-0}"
codec="${5:-none}"
out="$root/bench/out"
mkdir -p "$out"

# INGEST_KAFKA_BENCH=path runs another build of the harness (e.g. an earlier commit's, to compare).
if [[ -n "${INGEST_KAFKA_BENCH:-}" ]]; then
    bench="$INGEST_KAFKA_BENCH"
else
    swift build -c release --product ingest-kafka-bench --package-path "$root" >&2
    bench="$(swift build -c release --show-bin-path --package-path "$root")/ingest-kafka-bench"
fi

source "$root/bench/lib.sh"
records="$(bench_records "$count" "$size" "$out")"

# Produce request bytes the front saw for a topic, divided by the records.
bytes_per_record() {
    local before
    before=$(grep -c '^bytes=' "$out/mock.txt" || true)
    echo "bytes $1" >&3
    for _ in $(seq 100); do
        (( $(grep -c '^bytes=' "$out/mock.txt" || true) > before )) && break
        sleep 0.05
    done
    local bytes
    bytes=$(grep '^bytes=' "$out/mock.txt" | tail -1 | cut -d= -f2)
    printf '%.1f\n' "$(echo "$bytes / $count" | bc -l)"
}

echo "$count records of ~$size bytes, TLS + SCRAM front, mock cluster (3 brokers, 6 partitions, acks=all), broker RTT $rtt ms, compression $codec, release build, $rounds rounds:"
printf '%-6s %-7s %12s %9s %9s %12s %9s %9s %7s\n' round first "ingest r/s" "RSS MB" "B/record" "kcat r/s" "RSS MB" "B/record" ratio
ratios=()
for round in $(seq "$rounds"); do
    # The cluster lives while its stdin stays open.
    rm -f "$out/mock.txt"
    exec 3> >("$bench" mock 6 native,kcat "$rtt" > "$out/mock.txt")
    for _ in $(seq 200); do grep -q '^password=' "$out/mock.txt" 2>/dev/null && break; sleep 0.1; done
    plaintext="$(grep '^plaintext=' "$out/mock.txt" | cut -d= -f2-)"
    front="$(grep '^front=' "$out/mock.txt" | cut -d= -f2-)"
    ca="$(grep '^ca=' "$out/mock.txt" | cut -d= -f2-)"
    password="$(grep '^password=' "$out/mock.txt" | cut -d= -f2-)"
    [[ -n "$front" && -n "$password" ]] || { echo "the sandbox's Kafka did not start" >&2; exit 1; }
    export INGEST_BENCH_CA="$ca" INGEST_BENCH_PASSWORD="$password"
    run_native() { measure native "$out/native.out" "$bench" produce "$front" native "$records" "$codec"; }
    run_kcat() {
        measure kcat "$out/kcat.out" kcat -P -b "$front" -t kcat -X log_level=3 -X linger.ms=5 -X acks=all -X compression.codec="$codec" \
            -X security.protocol=SASL_SSL -X sasl.mechanisms=SCRAM-SHA-512 -X sasl.username=producer \
            -X sasl.password="$password" -X ssl.ca.location="$ca" -l "$records"
    }
    if (( round % 2 == 1 )); then
        first=ingest; read -r n_rate n_rss _ < <(run_native); read -r k_rate k_rss _ < <(run_kcat)
    else
        first=kcat; read -r k_rate k_rss _ < <(run_kcat); read -r n_rate n_rss _ < <(run_native)
    fi
    grep -q "^native: $count delivered, 0 not" "$out/native.out" || { echo "ingest did not deliver every record:" >&2; cat "$out/native.out" >&2; exit 1; }
    n_bytes=$(bytes_per_record native)
    k_bytes=$(bytes_per_record kcat)
    # Records appended per topic (sum of end offsets, read by librdkafka), so neither figure
    # is taken on trust. The mock cluster trims old records, so offsets are counted, not messages.
    for topic in native kcat; do
        stored=$(kcat -C -b "$plaintext" -t "$topic" -o -1 -e -q -X log_level=3 -f '%o\n' | awk '{ s += $1 + 1 } END { print s }')
        [[ "$stored" == "$count" ]] || { echo "round $round: topic $topic has $stored records appended, not $count" >&2; exit 1; }
    done
    exec 3>&-
    wait 2>/dev/null || true
    ratio=$(echo "$n_rate / $k_rate" | bc -l)
    ratios+=("$ratio")
    printf '%-6s %-7s %12s %9s %9s %12s %9s %9s %7.2f\n' "$round" "$first" "$n_rate" "$n_rss" "$n_bytes" "$k_rate" "$k_rss" "$k_bytes" "$ratio"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
printf 'every round: each topic got all %d records appended (kcat read-back). median ingest/kcat ratio: %.2f\n' "$count" "$median"
