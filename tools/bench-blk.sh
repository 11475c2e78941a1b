#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# PV block benchmark: the stock xen-blkfront of Keel's small Linux guest reads
# and then writes 64 MiB of its xvda with direct I/O (dd bs=1M), served by
# Keel's blkback from the machine's ATA disk (/dev/hdb) or from a RAM disk
# module. Three VMs boot the same way in one Bochs run: one with no transfer,
# one reading, one writing; the differences are the transfers' cost.
#
#   tools/bench-blk.sh [ata|ramdisk]      (default ata)
#
# Prints, per direction and per MiB: exits, hypercalls, blkback requests and
# notifications, Keel's cycles (Bochs instructions); and MiB per billion
# instructions (guest + Keel) from the guest's own dd timing, whose clock is
# the TSC (instructions, at the rate Keel measured and gave the guest).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$keel_root" || exit 1
keel_build >/dev/null
store=${1:-ata}
case $store in
  ata) target=/dev/hdb ;;
  ramdisk) target=/boot/bench.img ;;
  *) usage ;;
esac
work=$build/bench-blk-$store
rm -rf "$work" && mkdir -p "$work/files"
linux_guest_files "$work/files" || exit 1
truncate -s 72M "$work/disk.img"
[ "$store" = ramdisk ] && cp "$work/disk.img" "$work/files/bench.img"

cfgs=()
for mode in none read write; do
  cat > "$work/blk-$mode.cfg" <<CFG
name = "blk-$mode"
type = "linux"
memory = 128
kernel = "/boot/bzImage"
ramdisk = "/boot/initrd.img"
xen_platform_pci = 1
disk = [ "$target,xvda,w" ]
cmdline = "console=ttyS0 quiet keel.test=blkbench keel.bench=$mode"
CFG
  cfgs+=("$work/blk-$mode.cfg")
done
tools/mkiso.sh -o "$work/bench.iso" -k "$build/keel.elf" -d "$work/files" "${cfgs[@]}" >/dev/null || exit 1
disk_env=()
[ "$store" = ata ] && disk_env=(KEEL_BOCHS_DISK="$work/disk.img")
# Without a power-off there are no figures: the runner's last line says why.
boot_in_bochs "$work/bench.iso" "$work" 1200 1 ${disk_env[@]+"${disk_env[@]}"} || { cat "$work/bochs.txt"; exit 1; }

awk -v store="$store" -v target="$target" '
  /^keel: TSC runs at / { khz = $5 }
  match($0, /^keel: vm blk-[a-z]+ vcpu [0-9]+ exits: /) {
    split($3, n, "-"); vm = n[2]
    split($0, f, /exits: |, cycles in Keel: /); exits[vm] += f[2]; cycles[vm] += f[3]
  }
  /^keel: vm blk-[a-z]+ xen: hypercalls / { split($3, n, "-"); hc[n[2]] = $6 }
  /^keel: vm blk-[a-z]+ xvda: requests / {
    split($3, n, "-"); vm = n[2]
    gsub(/,/, ""); req[vm] = $6; notif[vm] = $17
  }
  /keel-bench: (read|write): / {
    vm = ($0 ~ /keel-bench: read/) ? "read" : "write"
    for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^seconds/) secs[vm] = $i
    sub(/,$/, "", secs[vm])
  }
  END {
    printf "PV block, 64 MiB with dd bs=1M direct I/O, xvda on %s (%s), Bochs ips=200M, TSC %d kHz\n", target, store, khz
    printf "%-6s %10s %12s %12s %14s %16s %14s\n", "", "exits/MiB", "hcalls/MiB", "reqs/MiB", "notifs/MiB", "Keel cyc/MiB", "MiB/1e9 insn"
    for (k = 1; k <= 2; k++) {
      m = (k == 1) ? "read" : "write"
      if (!(m in exits) || !("none" in exits)) { printf "%s: missing figures\n", m; bad = 1; continue }
      insn = secs[m] * khz * 1000
      printf "%-6s %10.1f %12.1f %12.1f %14.1f %16.0f %14.1f\n", m,
        (exits[m] - exits["none"]) / 64, (hc[m] - hc["none"]) / 64, (req[m] - req["none"]) / 64,
        (notif[m] - notif["none"]) / 64, (cycles[m] - cycles["none"]) / 64,
        (insn > 0 ? 64 / (insn / 1e9) : 0)
    }
    exit bad
  }' "$work/serial.txt"
grep -aE '^(\[blk-[a-z]+\] )?keel-bench:' "$work/serial.txt"
