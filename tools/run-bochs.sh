#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Boot an ISO in Bochs with a VT-x (EPT, VPID, unrestricted guest) CPU model,
# COM1 captured to a file; SIGKILL after a timeout (Bochs ignores SIGTERM).
#
#   tools/run-bochs.sh ISO SERIAL_LOG [TIMEOUT_S] [CPUS]
#
# Prints Bochs's final tick (instruction) count. Exit status: 0 when Bochs
# stopped by itself (Keel powered off), 124 on timeout.
#
# KEEL_BOCHS_DISK=PATH attaches a raw (flat) disk image as ata0-slave, which
# Keel names /dev/hdb (the CD-ROM is ata0-master). Bochs 2.7 refuses a size
# that is not a multiple of 512 bytes; given no geometry it takes 16 heads, 63
# sectors per track and size / 516096 cylinders for the BIOS's CHS view, while
# IDENTIFY (LBA) reports every sector of the file. This script also asks for
# at least one such cylinder (516096 bytes), so that view is never empty. The
# image is written in place; Bochs runs with -unlock so that the lock file a
# SIGKILL leaves behind does not refuse the next run.
set -uo pipefail
iso=${1:?usage: $0 ISO SERIAL_LOG [TIMEOUT_S] [CPUS]}
serial=${2:?usage: $0 ISO SERIAL_LOG [TIMEOUT_S] [CPUS]}
timeout_s=${3:-300}
cpus=${4:-1}
model=${KEEL_BOCHS_MODEL:-corei7_skylake_x}
megs=${KEEL_BOCHS_MEGS:-512}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
iso_abs=$(readlink -f "$iso")
: > "$serial"
serial_abs=$(readlink -f "$serial")
# KEEL_BOCHS_COM1_TTY=PATH: COM1 is that terminal (interactive) instead of a file.
com1="com1: enabled=1, mode=file, dev=$serial_abs"
[ -n "${KEEL_BOCHS_COM1_TTY:-}" ] && com1="com1: enabled=1, mode=term, dev=$KEEL_BOCHS_COM1_TTY"
cat > "$work/bochsrc" <<RC
megs: $megs
cpu: model=$model, count=$cpus, ips=${KEEL_BOCHS_IPS:-1500000000}
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=cdrom, path=$iso_abs, status=inserted
boot: cdrom
display_library: term
port_e9_hack: enabled=1
$com1
log: $work/bochs.log
clock: sync=none, time0=local
RC
unlock=()
if [ -n "${KEEL_BOCHS_DISK:-}" ]; then
  disk_abs=$(readlink -f "$KEEL_BOCHS_DISK")
  size=$(stat -c %s "$disk_abs" 2>/dev/null) || { echo "$0: no disk image $KEEL_BOCHS_DISK" >&2; exit 2; }
  if [ $((size % 512)) -ne 0 ] || [ "$size" -lt $((16 * 63 * 512)) ]; then
    echo "$0: $KEEL_BOCHS_DISK: $size bytes; need a multiple of 512, at least 516096" >&2
    exit 2
  fi
  echo "ata0-slave: type=disk, path=$disk_abs, mode=flat" >> "$work/bochsrc"
  unlock=(-unlock)
fi
echo c > "$work/cont"
(cd "$work" && timeout -s KILL "$timeout_s" bochs -q "${unlock[@]}" -f bochsrc -rc cont </dev/null >"$work/out" 2>&1)
rc=$?
ticks=$(grep -a -o '^([0-9]*)\.\[[0-9]*\]' "$work/out" | tail -n1 | sed 's/.*\[\([0-9]*\)\]/\1/')
[ -n "${KEEL_BOCHS_LOG:-}" ] && cp "$work/out" "$KEEL_BOCHS_LOG"
if [ $rc -eq 137 ]; then
  echo "bochs: timed out after ${timeout_s}s" >&2
  exit 124
fi
echo "bochs: ticks=${ticks:-unknown}"
exit 0
