#!/usr/bin/env bash
# The test command: installs what is missing, then runs every test (unit, loopback
# integration, the built binary, the console in tmux, real Kafka peers).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Tests that need these skip themselves on a developer's machine without them; the test
# command never runs with one missing, so nothing is skipped here in silence.
for tool in tmux kcat curl; do
    command -v "$tool" >/dev/null || { echo "test.sh: $tool is missing after setup; install it (scripts/setup.sh)" >&2; exit 1; }
done
[ -d ../shared/conformance/kafka-rest-v3 ] || { echo "test.sh: ../shared/conformance/kafka-rest-v3 must be beside the checkout" >&2; exit 1; }
[ -x scripts/fetch-test-brokers.sh ] && scripts/fetch-test-brokers.sh
swift build --build-tests
# The manual, from the command definitions (InstallTests reads it; install.sh installs it).
swift package plugin generate-manual --configuration debug --multi-page >/dev/null
# One test at a time: several tests block on child processes (the CLI, tmux, kcat) while
# others serve a sandbox from the test process; in parallel on 2 cores they starve each other.
swift test --skip-build --no-parallel "$@"
