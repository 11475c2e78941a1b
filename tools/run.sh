#!/usr/bin/env bash
# Keel's main job: build everything, then boot Keel with the default demo VM,
# in QEMU/KVM where nested VT-x exists, else in Bochs. The serial console
# (Keel's log and the guest's output) is shown here as it happens.
#
#   tools/run.sh [ISO]        default ISO: build/keel-demo.iso
set -uo pipefail
cd "$(dirname "$0")/.."
tools/build.sh || exit 1
build=${KEEL_BUILD:-$PWD/build}
iso=${1:-$build/keel-demo.iso}

if tools/kvm-vmx.sh; then
  echo "run: QEMU/KVM with nested VT-x"
  exec tools/run-qemu.sh "$iso"
fi
echo "run: no nested VT-x here; booting in Bochs (emulated VT-x), this takes a few seconds"
serial=$build/run-serial.log
: > "$serial"
tools/run-bochs.sh "$iso" "$serial" "${KEEL_TIMEOUT:-600}" > "$build/run-bochs.txt" 2>&1 &
bochs=$!
tail -n +1 -f --pid=$bochs "$serial"
wait $bochs
rc=$?
cat "$build/run-bochs.txt"
exit $rc
