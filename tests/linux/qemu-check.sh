#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Boot the small test kernel and initramfs natively under QEMU TCG (no Keel) and check the
# guest side of the Linux tests: the /init marker, keel.test= dispatch, CPU count, power-off,
# reboot and the interactive shell.
#
#   tests/linux/qemu-check.sh [BZIMAGE [INITRD]]
#
# Default: build (or reuse from the cache) with tools/linux-kernel.sh and tools/initramfs.sh.
# Logs in $LOGDIR (default /tmp/keel-linux-logs). Ends with "N passed, N failed"; exit 1 on
# any failure.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
kernel=${1:-$("$root/tools/linux-kernel.sh")}
initrd=${2:-$("$root/tools/initramfs.sh")}
log=${LOGDIR:-/tmp/keel-linux-logs}
mkdir -p "$log"
command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 not found" >&2; exit 2; }

passed=0 failed=0
# check NAME SMP TEST_PARAM INPUT EXPECTED_LINE...: boots, wants a stop before the timeout
# (power-off, or reset under -no-reboot) and every EXPECTED_LINE (a grep -E pattern).
check() {
  local name=$1 smp=$2 param=$3 input=$4 rc=0 missing=()
  shift 4
  # A pause before the input, so the shell is there to read it.
  { [ -z "$input" ] || { sleep 5; printf '%b' "$input"; }; } |
    timeout 120 qemu-system-x86_64 -m 256 -smp "$smp" -kernel "$kernel" -initrd "$initrd" \
      -append "console=ttyS0 $param" -nographic -no-reboot -monitor none \
      > "$log/$name.log" 2>&1 || rc=$?
  for want in "$@"; do
    tr -d '\r' < "$log/$name.log" | grep -qE "$want" || missing+=("$want")
  done
  if [ $rc -eq 0 ] && [ ${#missing[@]} -eq 0 ]; then
    passed=$((passed + 1)); echo "PASS $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name (qemu exit $rc$([ $rc -eq 124 ] && echo ': timed out'); missing:$(printf ' "%s"' "${missing[@]}")) log: $log/$name.log"
  fi
}

marker='^keel-guest: init running$'
check nproc-2 2 keel.test=nproc '' "$marker" '^keel-test: cpus=2$' '^keel-test: done nproc rc=0$' \
  'reboot: Power down'
check nproc-1 1 keel.test=nproc '' "$marker" '^keel-test: cpus=1$'
check info 2 keel.test=info '' "$marker" '^keel-test: uname=6\.1\.' '^keel-test: done info rc=0$'
check poweroff 1 keel.test=poweroff '' "$marker" '^keel-test: powering off$' 'reboot: Power down'
check reboot 1 keel.test=reboot '' "$marker" '^keel-test: rebooting$' 'reboot: Restarting system'
check unknown 1 keel.test=nosuch '' '^keel-test: unknown test nosuch' 'reboot: Power down'
check shell 1 '' 'echo keel-shell-$((6*7))\nexit\n' "$marker" '^keel-shell-42$' 'reboot: Power down'
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
