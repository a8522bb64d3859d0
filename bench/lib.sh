# Shared by the native benches (sourced): the records file, and one timed run of a command.

# Prints the path of COUNT JSON records of about SIZE bytes in DIR, made once and kept.
bench_records() {
    local count="$1" size="$2" dir="$3"
    local records="$dir/records-$count-$size.txt"
    if [[ ! -f "$records" ]]; then
        python3 - "$count" "$size" > "$records" <<'PY'
import sys
count, size = int(sys.argv[1]), int(sys.argv[2])
for i in range(count):
    head = f'{{"playerId":"{i % 5000}","seq":{i},"pad":"'
    print(head + "x" * max(0, size - len(head) - 2) + '"}')
PY
    fi
    echo "$records"
}

# measure NAME STDOUT COMMAND...: runs COMMAND with its stdout to STDOUT and stderr plus
# /usr/bin/time's figures to $out/NAME.time; prints "records/s rss_mb seconds" for $count records.
measure() {
    local name="$1" stdout="$2"; shift 2
    local start end rss seconds
    start=$(date +%s.%N)
    /usr/bin/time -v "$@" 2> "$out/$name.time" > "$stdout"
    end=$(date +%s.%N)
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/$name.time")
    seconds=$(echo "$end - $start" | bc -l)
    printf '%.0f %.1f %.3f\n' "$(echo "$count / $seconds" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$seconds"
}
