#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Exit-cost benchmark: the bench guest times N round trips of CPUID, an
# emulated port read and VMCALL with RDTSC; Keel prints its own cycles per
# exit reason when the VM ends. Under Bochs, cycles are instructions, so the
# figures repeat exactly.
#
#   tools/bench.sh [N]        (default N=10000)
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$keel_root" || exit 1
keel_build
n=${1:-10000}
work=$build/bench
mkdir -p "$work"
sed "s/^cmdline *=.*/cmdline = \"n=$n\"/" "$build/guests/bench.cfg" > "$work/bench.cfg"
tools/mkiso.sh -o "$work/bench.iso" -k "$build/keel.elf" -d "$build/guests" "$work/bench.cfg" >/dev/null
# The runner's last line says how Bochs ended; without a power-off there are no figures.
boot_in_bochs "$work/bench.iso" "$work" 600
rc=$?
grep -aE '^(bench:|keel: vm bench|keel:   )' "$work/serial.txt"
cat "$work/bochs.txt"
exit $rc
