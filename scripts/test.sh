#!/usr/bin/env bash
# One command that sets up and passes the tests: system packages, build, then the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
HINDSIGHT_SETUP_TESTS=1 source scripts/setup.sh
swift build --product hindsight
swift test --skip "Resilience|Workload|HindsightNetTests|Browser"
# Run on their own, one at a time, so no other suite's load stretches their deadlines:
# - the transport suites (HindsightNetTests) time libcurl and libwebsockets to the millisecond (timeouts, keep-alives);
# - the resilience suites run real processes under load (kill -9, disconnect storms);
# - the workload suites keep a core busy for half a minute (1,600-post backfills, the evaluation corpus replayed);
# - the browser suite runs headless chromium against the built binary (screenshots in .build/browser-screenshots/).
swift test --filter "Resilience|Workload|HindsightNetTests|Browser" --no-parallel
