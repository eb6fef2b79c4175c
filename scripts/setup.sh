#!/usr/bin/env bash
# Installs the system packages Hindsight builds against (Debian/Ubuntu). Safe to run again.
set -euo pipefail
packages=(libcurl4-openssl-dev libwebsockets-dev libsqlite3-dev pkg-config)
# What the tests also need, which scripts/test.sh asks for: a real browser (the web archive) and PostgreSQL's server
# programs (the stores' contract runs on PostgreSQL too; the tests start a throwaway server of their own from them).
[ "${HINDSIGHT_SETUP_TESTS:-}" = "1" ] && packages+=(chromium chromium-driver postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
command -v swift >/dev/null || { echo "swift not found: install the Swift 6 toolchain (see README)" >&2; exit 1; }
