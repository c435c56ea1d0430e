#!/usr/bin/env bash
# The whole suite beside a CPU hog: one busy loop per CPU (`yes > /dev/null`), stopped when the tests end,
# however they end. No test may depend on how fast this machine is; this is how that is shown.
# Usage: scripts/test-under-load.sh [vitest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
hogs=()
stop_hogs() { for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap stop_hogs EXIT
for _ in $(seq "$(nproc)"); do
  yes > /dev/null &
  hogs+=("$!")
done
echo "CPU hog: ${#hogs[@]} busy loops (pids ${hogs[*]}); load average $(cut -d' ' -f1 /proc/loadavg)"
npx vitest run "$@"
