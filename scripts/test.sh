#!/usr/bin/env bash
# One command that sets up and passes the tests: system packages, build, then the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build --product hindsight
swift test
