#!/usr/bin/env bash
# First run on a fresh machine: installs what is missing, builds, and opens ingest on the
# offline sandbox profile (nothing leaves this machine).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --product ingest
exec .build/debug/ingest "$@"
