#!/usr/bin/env bash
# One command that sets up, builds and runs the bot. With no chat credentials it opens the console channel.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh >&2
swift build -c release --product hindsight >&2
exec .build/release/hindsight run "$@"
