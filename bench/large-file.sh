#!/usr/bin/env bash
# Bounded memory on big inputs: `ingest check` reads a generated file of SIZE_MB megabytes
# (default 1024) of JSON Lines end to end; peak RSS is reported beside the same run on a
# file 1/16 the size, to show it does not grow with the input.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MB=${1:-1024}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
swift build -c release --product ingest >/dev/null
python3 - "$WORK" "$SIZE_MB" <<'PY'
import sys
work, size = sys.argv[1], int(sys.argv[2]) * 1024 * 1024
line = ('{"playerId":"p%08d","value":"bench event","amount":%d,"pad":"' + "x" * 40 + '"}\n')
def write(path, limit):
    with open(path, "w") as f:
        written, i = 0, 0
        chunk = []
        while written < limit:
            s = line % (i, i % 977); chunk.append(s); written += len(s); i += 1
            if len(chunk) == 10000: f.write("".join(chunk)); chunk = []
        f.write("".join(chunk))
write(f"{work}/big.jsonl", size)
write(f"{work}/small.jsonl", size // 16)
PY
for f in small big; do
  ls -l "$WORK/$f.jsonl" | awk '{printf "%s: %.0f MB, ", $NF, $5/1048576}'
  /usr/bin/time -f "peak RSS %M KB, %e s" .build/release/ingest check --file "$WORK/$f.jsonl" --show 0 2>&1 | tr '\n' ' '
  echo
done
