#!/usr/bin/env bash
# One command that sets up and passes the tests: system packages, build, then the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build --product hindsight
swift test --skip Resilience
# The resilience suites run real processes under load (kill -9, disconnect storms) and keep both cores busy: they run
# on their own, so their load does not stretch the acknowledgement deadlines the other suites check.
swift test --filter Resilience --no-parallel
