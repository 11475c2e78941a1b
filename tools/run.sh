#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Keel's main job: build everything, then boot Keel with the default demo VM
# (demo/linux.cfg: an unmodified Linux to a busybox shell) in QEMU/KVM where
# nested VT-x exists, else in Bochs. The serial console is this terminal:
# type at the guest's shell; `poweroff` ends the VM and then the machine.
#
#   tools/run.sh [CFG...]     default: demo/linux.cfg
#
# In Bochs, COM1 is bridged to this terminal through a pty (socat); Ctrl-]
# leaves early. Without a terminal (a pipe), the console is only shown.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$keel_root" || exit 1
keel_build
cfgs=("$@")
[ ${#cfgs[@]} -eq 0 ] && cfgs=(demo/linux.cfg)

files=$build/demo-files
mkdir -p "$files"
log "preparing the Linux guest (the first run builds a kernel: a few minutes)"
linux_guest_files "$files" || exit 1
cp "$build"/guests/*.elf "$build"/guests/*.bin "$files/" 2>/dev/null
# The demo's PV disk (a RAM disk module): a small ext4 with a note on it.
if [ ! -f "$files/demo-disk.img" ]; then
  mkdir -p "$files/demo-disk"
  cat > "$files/demo-disk/README" <<'NOTE'
This file is on /dev/xvda: an ext4 image given to the guest as a Xen PV disk
(xen_platform_pci = 1, disk = [ "/boot/demo-disk.img,,xvda,w" ]). Linux's own
xen-blkfront reads and writes it through Keel's blkback.
NOTE
  PATH=$PATH:/usr/sbin:/sbin mke2fs -q -t ext4 -d "$files/demo-disk" -F "$files/demo-disk.img" 8M \
    >/dev/null || exit 1
fi
iso=$build/keel-run.iso
tools/mkiso.sh -o "$iso" -k "$build/keel.elf" -d "$files" "${cfgs[@]}" >/dev/null || exit 1

if tools/kvm-vmx.sh; then
  log "QEMU/KVM with nested VT-x"
  exec tools/run-qemu.sh "$iso"
fi
log "no nested VT-x here; booting in Bochs (emulated VT-x)"
serial=$build/run-serial.log
if [ -t 0 ] && [ -t 1 ]; then
  # socat bridges this terminal to COM1's pty; Bochs runs beside it. Both are
  # stopped by the PIDs recorded here, never by name: whichever ends first
  # (the machine powered off, or Ctrl-] in socat) ends the other.
  pty=$build/com1-pty
  rm -f "$pty"
  exec 3<&0  # a background job keeps the terminal only through an explicit redirection
  socat -b1 "PTY,link=$pty,raw,echo=0" "STDIO,raw,echo=0,escape=0x1d" <&3 &
  bridge=$!
  for _ in $(seq 100); do [ -e "$pty" ] && break; sleep 0.1; done
  KEEL_BOCHS_COM1_TTY=$pty tools/run-bochs.sh "$iso" "$serial" "${KEEL_TIMEOUT:-3600}" \
    > "$build/run-bochs.txt" 2>&1 &
  runner=$!
  trap 'kill -TERM "$runner" "$bridge" 2>/dev/null' INT TERM HUP
  wait -n "$bridge" "$runner"
  kill -0 "$runner" 2>/dev/null && kill -TERM "$runner"
  wait "$runner"
  rc=$?
  kill -TERM "$bridge" 2>/dev/null
  wait "$bridge" 2>/dev/null
  stty sane 2>/dev/null
  echo
  cat "$build/run-bochs.txt"
  exit $rc
fi
: > "$serial"
tools/run-bochs.sh "$iso" "$serial" "${KEEL_TIMEOUT:-600}" > "$build/run-bochs.txt" 2>&1 &
runner=$!
trap 'kill -TERM "$runner" 2>/dev/null' INT TERM HUP
tail -n +1 -f --pid=$runner "$serial"
wait $runner
rc=$?
cat "$build/run-bochs.txt"
exit $rc
