#!/usr/bin/env bash
# The floor under the bot's CPU per message at 1,000 messages a second and at saturation on this machine:
# scripts/commit-floor.c (receive, store in SQLite, acknowledge, with nothing of the bot in the way), each way RUNS
# times (default 3) for SECONDS each (default 5). Needs a C compiler and libsqlite3-dev (scripts/setup.sh installs
# the library).
# Usage: scripts/commit-floor.sh [RUNS] [SECONDS]
set -euo pipefail
runs=${1:-3}
seconds=${2:-5}
binary=$(mktemp /tmp/commit-floor.XXXXXX)
trap 'rm -f "$binary"' EXIT
cc -O2 -o "$binary" "$(dirname "$0")/commit-floor.c" -lsqlite3 -lpthread
for run in $(seq "$runs"); do
    for way in ack handoff commit commit-pair handoff-commit burst; do
        "$binary" "$way" "$seconds"
    done
done | sort -s -k1,1
