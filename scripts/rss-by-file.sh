#!/usr/bin/env bash
# What a running process's resident memory is made of, grouped by mapped file (anonymous memory as [anon]):
#   scripts/rss-by-file.sh PID [rows]
# Rss counts a shared library's pages in full for every process that maps it; Pss divides them among those processes.
set -euo pipefail
pid=${1:?usage: scripts/rss-by-file.sh PID [rows]}
rows=${2:-25}
awk '
  /^[0-9a-f]+-[0-9a-f]+ / { name = (NF >= 6) ? $6 : "[anon]"; next }
  /^Rss:/ { rss[name] += $2; total += $2 }
  /^Pss:/ { pss[name] += $2 }
  END {
    printf "%8s %8s  %s\n", "Rss kB", "Pss kB", "mapping"
    printf "%8d %8s  %s\n", total, "", "(all)"
    for (n in rss) printf "%8d %8d  %s\n", rss[n], pss[n], n | "sort -rn"
    close("sort -rn")
  }' "/proc/$pid/smaps" | head -n "$((rows + 2))"
grep -E "VmHWM|VmRSS|RssAnon|RssFile" "/proc/$pid/status"
