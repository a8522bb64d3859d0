#!/usr/bin/env bash
# Journal figures, release build, on the local sandbox (embedded proxy + Kafka behind TLS + SCRAM):
#  1. bytes per record on disk: a real `ingest send --via native` of COUNT records (journal values
#     off), timed beside the same send with the journal off (state directory unwritable);
#  2. `ingest journal` (the run list) with RUNS x COUNT records journaled, filled by real sends,
#     beside `ingest journal` on an empty journal (process start) and, if OLD_INGEST names a build
#     of the first format, that binary listing the same records in its one-file format; and the
#     same number of records in 10,000 runs written through the writer API;
#  3. the writer alone (digest + entry + write), ns per record, from ingest-journal-bench.
# Usage: bench/journal.sh [COUNT] [RUNS]    (defaults 1000000 10)
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-1000000}
RUNS=${2:-10}
swift build -c release --product ingest >/dev/null
swift build -c release --product ingest-journal-bench >/dev/null
BIN=$(swift build -c release --show-bin-path)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
STATE="$WORK/state"

seconds() { # command... ; prints the wall time in seconds
    local start end
    start=$(date +%s%N)
    "$@"
    end=$(date +%s%N)
    echo "scale=3; ($end - $start) / 1000000000" | bc
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
send() { # state dir
    INGEST_STATE_DIR="$1" "$BIN/ingest" send --topic events --via native --data '{"n":{{seq}}}' --count "$COUNT" > /dev/null 2> "$WORK/send.err" \
        || { cat "$WORK/send.err" >&2; exit 1; }
}

timed_send() { # state dir; prints "wall cpu" of one send
    /usr/bin/time -f "%e %U %S" -o "$WORK/send.time" bash -c "$(declare -f send); BIN='$BIN' WORK='$WORK' COUNT='$COUNT' send '$1'"
    awk '{printf "%.2f %.2f\n", $1, $2 + $3}' "$WORK/send.time"
}
echo "== 1. ingest send --via native, $COUNT records, journal on vs off (alternating); load average $(cut -d' ' -f1-3 /proc/loadavg)"
for round in 1 2; do
    read -r on on_cpu < <(timed_send "$STATE")
    read -r off off_cpu < <(timed_send /dev/null/no-journal)
    grep -q "sending without a journal" "$WORK/send.err" || { echo "the journal was not off" >&2; exit 1; }
    printf 'round %d: journal on %.2f s (%.0f records/s, %.2f s CPU), off %.2f s (%.0f records/s, %.2f s CPU)\n' "$round" \
        "$on" "$(echo "$COUNT / $on" | bc -l)" "$on_cpu" "$off" "$(echo "$COUNT / $off" | bc -l)" "$off_cpu"
done
run_bytes=$(stat -c %s "$STATE"/journal/runs/*.jsonl | head -1)
printf 'bytes per record on disk: %.1f (run file %d bytes for %d records, header and footer included)\n' \
    "$(echo "$run_bytes / $COUNT" | bc -l)" "$run_bytes" "$COUNT"

echo "== 2. ingest journal with $RUNS x $COUNT records journaled (real sends)"
have=$(ls "$STATE/journal/runs" | wc -l)
for _ in $(seq $((have + 1)) "$RUNS"); do send "$STATE"; done
INGEST_STATE_DIR="$STATE" "$BIN/ingest" journal | tail -2
du -sh "$STATE/journal"
# Wall and CPU (user + sys) time of one `ingest journal`: on this shared 2-core machine the wall
# time includes waiting for a core, so both are given, with the load average.
list() { # state dir, binary; prints "wall cpu"
    /usr/bin/time -f "%e %U %S" -o "$WORK/time" env INGEST_STATE_DIR="$1" "$2" journal > /dev/null 2>&1
    awk '{printf "%.3f %.3f\n", $1, $2 + $3}' "$WORK/time"
}
list5() { # state dir, binary; prints "median wall s, median cpu s"
    for _ in 1 2 3 4 5; do list "$1" "$2"; done > "$WORK/times"
    echo "wall $(cut -d' ' -f1 "$WORK/times" | median) s, cpu $(cut -d' ' -f2 "$WORK/times" | median) s"
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ingest journal, $RUNS runs, $((RUNS * COUNT)) records, median of 5: $(list5 "$STATE" "$BIN/ingest")"
echo "ingest journal on an empty journal (process start), median of 5: $(list5 "$WORK/empty" "$BIN/ingest")"

# The same number of records in many small runs (10,000 runs of TOTAL/10,000), written through
# the writer API by ingest-journal-bench (real sends would take 10,000 process starts).
SMALL="$WORK/small"
"$BIN/ingest-journal-bench" fill "$SMALL" 10000 $((RUNS * COUNT / 10000))
echo "ingest journal, 10000 runs, $((RUNS * COUNT)) records (writer API), median of 5: $(list5 "$SMALL" "$BIN/ingest")"

if [ -n "${OLD_INGEST:-}" ]; then
    # The first format: every record a full line with its run's context, in one journal.jsonl,
    # written from the same runs (one line per entry, as the first format wrote them).
    mkdir -p "$WORK/old"
    python3 - "$STATE/journal/runs" "$WORK/old/journal.jsonl" <<'PY'
import hashlib, json, os, sys
src, dst = sys.argv[1], sys.argv[2]
with open(dst, "w") as out:
    for name in sorted(os.listdir(src)):
        with open(os.path.join(src, name)) as f:
            header = json.loads(f.readline())
            ctx = {k: header[k] for k in ("environment", "mode", "profile", "profile_file", "source", "topic", "transport", "value_type") if k in header}
            for line in f:
                if not line.strip(): continue
                e = json.loads(line)
                if "s" not in e: continue
                entry = dict(ctx, digest="sha256:" + hashlib.sha256(e["h"].encode()).hexdigest(), offset=e["off"], outcome="delivered",
                             partition=e["p"], run=header["run"], seq=e["s"], size=e["n"], time=header["time"])
                out.write(json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n")
PY
    old_bytes=$(stat -c %s "$WORK/old/journal.jsonl")
    printf 'first format, same records: %.1f bytes per record; ingest journal (first format binary), once: %s\n' \
        "$(echo "$old_bytes / ($RUNS * $COUNT)" | bc -l)" "$(list "$WORK/old" "$OLD_INGEST" | awk '{print "wall " $1 " s, cpu " $2 " s"}')"
fi

echo "== 3. the writer alone (willSend per record, record() per batch), $COUNT records"
for batch in 1000 64 1; do "$BIN/ingest-journal-bench" writer "$COUNT" "$batch"; done
