#!/usr/bin/env bash
# The path an operator runs: `ingest send --via native --file` (journal on, reports to
# /dev/null) beside `kcat -P`, same records, same run, both through `ingest sandbox`'s
# TLS + SCRAM-SHA-512 front to librdkafka's mock cluster. Records/s and peak RSS; rounds
# alternate which goes first; every round both topics are read back complete with kcat.
# Usage: bench/native-send.sh [COUNT] [BYTES] [ROUNDS] [RTT_MS]   (RTT_MS: the brokers' round trip, default 0)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
count="${1:-1000000}"
size="${2:-100}"
rounds="${3:-5}"
rtt="${4:-0}"
out="$root/bench/out"
mkdir -p "$out"

swift build -c release --product ingest --package-path "$root" >&2
ingest="$(swift build -c release --show-bin-path --package-path "$root")/ingest"

source "$root/bench/lib.sh"
records="$(bench_records "$count" "$size" "$out")"

work="$(mktemp -d)"
trap 'kill "$sandbox_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
export INGEST_BENCH_KEY="bench-api-key-$RANDOM$RANDOM"
export INGEST_BENCH_KAFKA_PW="bench-kafka-pw-$RANDOM$RANDOM"
export INGEST_STATE_DIR="$work/state"

echo "$count records of ~$size bytes through the sandbox's TLS + SCRAM front (3 brokers, 3 partitions, acks=all, broker RTT $rtt ms), release build, $rounds rounds:"
printf '%-6s %-7s %12s %9s %12s %9s %7s\n' round first "ingest r/s" "RSS MB" "kcat r/s" "RSS MB" ratio
ratios=()
for round in $(seq "$rounds"); do
    # A fresh sandbox per round: its mock cluster keeps records in memory.
    "$ingest" sandbox --port 0 --kafka-rtt-ms "$rtt" --api-key env:INGEST_BENCH_KEY --kafka-password env:INGEST_BENCH_KAFKA_PW \
        --topic ing-staging-native --topic ing-staging-kcat > "$work/sandbox.txt" 2> "$work/sandbox.err" &
    sandbox_pid=$!
    for _ in $(seq 200); do grep -q '^topics:' "$work/sandbox.txt" 2>/dev/null && break; sleep 0.05; done
    base=$(awk '/^sandbox listening:/ {print $3}' "$work/sandbox.txt")
    secure=$(awk '/^kafka \(SASL_SSL/ {print $4}' "$work/sandbox.txt")
    plain=$(awk '/^kafka \(plaintext/ {print $6}' "$work/sandbox.txt")
    ca=$(sed -n 's/.* CA \(.*\)$/\1/p' "$work/sandbox.txt")
    [[ -n "$base" && -n "$secure" && -n "$ca" ]] || { echo "sandbox did not start:" >&2; cat "$work/sandbox.txt" "$work/sandbox.err" >&2; exit 1; }
    cat > "$work/bench.toml" <<TOML
name = "bench"
environment = "dev"
rest_url = "$base"
topic_prefix = "ing-staging-"
api_key = "env:INGEST_BENCH_KEY"
[kafka]
password = "env:INGEST_BENCH_KAFKA_PW"
bootstrap = "discover"
ca_file = "$ca"
TOML
    run_native() { measure native /dev/null "$ingest" send --profile "$work/bench.toml" --topic native --via native --file "$records"; }
    run_kcat() {
        measure kcat /dev/null kcat -P -b "$secure" -t ing-staging-kcat -X log_level=3 -X linger.ms=5 -X acks=all \
            -X security.protocol=SASL_SSL -X sasl.mechanisms=SCRAM-SHA-512 -X sasl.username=producer \
            -X sasl.password="$INGEST_BENCH_KAFKA_PW" -X ssl.ca.location="$ca" -l "$records"
    }
    if (( round % 2 == 1 )); then
        first=ingest; read -r n_rate n_rss _ < <(run_native); read -r k_rate k_rss _ < <(run_kcat)
    else
        first=kcat; read -r k_rate k_rss _ < <(run_kcat); read -r n_rate n_rss _ < <(run_native)
    fi
    grep -q "^delivered $count, failed 0, unknown 0" "$out/native.time" || { echo "ingest did not deliver every record:" >&2; head -5 "$out/native.time" >&2; exit 1; }
    for topic in ing-staging-native ing-staging-kcat; do
        stored=$(kcat -C -b "$plain" -t "$topic" -o -1 -e -q -X log_level=3 -f '%o\n' | awk '{ s += $1 + 1 } END { print s }')
        [[ "$stored" == "$count" ]] || { echo "round $round: topic $topic has $stored records appended, not $count" >&2; exit 1; }
    done
    kill "$sandbox_pid"; wait "$sandbox_pid" 2>/dev/null || true
    ratio=$(echo "$n_rate / $k_rate" | bc -l)
    ratios+=("$ratio")
    printf '%-6s %-7s %12s %9s %12s %9s %7.2f\n' "$round" "$first" "$n_rate" "$n_rss" "$k_rate" "$k_rss" "$ratio"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
printf 'every round: each topic got all %d records (kcat read-back); journal %s. median ingest/kcat ratio: %.2f\n' \
    "$count" "$(du -sh "$INGEST_STATE_DIR" 2>/dev/null | cut -f1)" "$median"
