#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Boot an ISO in Bochs with a VT-x (EPT, VPID, unrestricted guest) CPU model,
# COM1 captured to a file; SIGKILL after a timeout (Bochs ignores SIGTERM).
#
#   tools/run-bochs.sh ISO SERIAL_LOG [TIMEOUT_S] [CPUS]
#
# The last line says how the run ended, and so does the exit status:
#   0    bochs: powered off by the guest (MESSAGE), ticks=N
#   124  bochs: timed out after S s, ticks=N
#   1    bochs: failed: REASON          (Bochs ended by itself before the
#        guest powered it off, or panicked; its last lines come first)
#   127  bochs: cannot start: REASON    (no bochs or BIOS image, or Bochs
#        refused its configuration or died before running an instruction)
# Ticks are Bochs's instruction count, a repeatable whole-run cost.
#
# The configuration depends on nothing of the host's desktop: dummy sound
# drivers (Bochs's ALSA driver aborts Bochs where there is no sound card),
# the `term` display drawing into a file with TERM=xterm, no parallel port,
# no network unless KEEL_BOCHS_NIC asks for one, no USB.
#
# KEEL_BOCHS_DISK=PATH attaches a raw (flat) disk image as ata0-slave, which
# Keel names /dev/hdb (the CD-ROM is ata0-master). Bochs 2.7 refuses a size
# that is not a multiple of 512 bytes; given no geometry it takes 16 heads, 63
# sectors per track and size / 516096 cylinders for the BIOS's CHS view, while
# IDENTIFY (LBA) reports every sector of the file. This script also asks for
# at least one such cylinder (516096 bytes), so that view is never empty. The
# image is written in place; Bochs runs with -unlock so that the lock file a
# SIGKILL leaves behind does not refuse the next run.
#
# KEEL_BOCHS_NIC=slirp adds an Intel e1000 (82540EM) on Bochs's user-mode NAT
# (xen-netif.md §5.7): network 10.0.2.0/24, DHCP from .15, and a guest's TCP
# to 10.0.2.2:PORT reaches this machine's 127.0.0.1:PORT; nothing else of the
# host's network. KEEL_BOCHS_PKTLOG=PATH logs every frame there (as text).
#
# KEEL_BOCHS_LOG=PATH keeps Bochs's own output (stdout, stderr and its log).
# SIGINT, SIGTERM or SIGHUP to this script kill the Bochs it started (by
# process group, never by name) and end it with 130.
set -uo pipefail
iso=${1:?usage: $0 ISO SERIAL_LOG [TIMEOUT_S] [CPUS]}
serial=${2:?usage: $0 ISO SERIAL_LOG [TIMEOUT_S] [CPUS]}
timeout_s=${3:-300}
cpus=${4:-1}
model=${KEEL_BOCHS_MODEL:-corei7_skylake_x}
megs=${KEEL_BOCHS_MEGS:-512}
bios=/usr/share/bochs/BIOS-bochs-latest vgabios=/usr/share/bochs/VGABIOS-lgpl-latest

cannot_start() { echo "bochs: cannot start: $*"; exit 127; }
command -v bochs >/dev/null || cannot_start "no 'bochs' command (tools/setup.sh installs it)"
for f in "$bios" "$vgabios"; do
  [ -r "$f" ] || cannot_start "no $f (packages bochsbios, vgabios)"
done
[ -r "$iso" ] || cannot_start "no ISO $iso"

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
romimage: file=$bios
vgaromimage: file=$vgabios
ata0-master: type=cdrom, path=$iso_abs, status=inserted
boot: cdrom
display_library: term
port_e9_hack: enabled=1
$com1
parport1: enabled=0
log: $work/bochs.log
clock: sync=none, time0=local
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
RC
unlock=()
if [ -n "${KEEL_BOCHS_DISK:-}" ]; then
  disk_abs=$(readlink -f "$KEEL_BOCHS_DISK")
  size=$(stat -c %s "$disk_abs" 2>/dev/null) || cannot_start "no disk image $KEEL_BOCHS_DISK"
  if [ $((size % 512)) -ne 0 ] || [ "$size" -lt $((16 * 63 * 512)) ]; then
    cannot_start "$KEEL_BOCHS_DISK: $size bytes; need a multiple of 512, at least 516096"
  fi
  echo "ata0-slave: type=disk, path=$disk_abs, mode=flat" >> "$work/bochsrc"
  unlock=(-unlock)
fi
case ${KEEL_BOCHS_NIC:-} in
  "") ;;
  slirp)
    { echo "# slirp config"
      echo "restricted = 0"
      [ -n "${KEEL_BOCHS_PKTLOG:-}" ] && echo "pktlog = $(readlink -f "$KEEL_BOCHS_PKTLOG")"
    } > "$work/slirp.conf"
    echo "e1000: enabled=1, mac=52:54:00:12:34:56, ethmod=slirp, script=$work/slirp.conf" >> "$work/bochsrc" ;;
  *) cannot_start "KEEL_BOCHS_NIC=$KEEL_BOCHS_NIC: only slirp is known" ;;
esac
echo c > "$work/cont"

# timeout makes itself a process group leader: its PID names Bochs's group.
# Bochs's term display draws into $work/out, never on the user's terminal: it
# gets a terminal type every Debian has (ncurses-base), whatever TERM says.
(cd "$work" && TERM=xterm exec timeout -s KILL "$timeout_s" bochs -q "${unlock[@]}" -f bochsrc -rc cont \
  </dev/null >"$work/out" 2>&1) &
group=$!
stop() { kill -KILL -- "-$group" 2>/dev/null; wait "$group" 2>/dev/null; echo "bochs: stopped by signal"; exit 130; }
trap stop INT TERM HUP
wait "$group" 2>/dev/null
rc=$?
trap - INT TERM HUP

[ -n "${KEEL_BOCHS_LOG:-}" ] && cat "$work/out" "$work/bochs.log" > "$KEEL_BOCHS_LOG" 2>/dev/null
ticks=$(grep -a -o '^([0-9]*)\.\[[0-9]*\]' "$work/out" | tail -n1 | sed 's/.*\[\([0-9]*\)\]/\1/')
# Without the final tick line (Bochs killed or crashed), its log's last time
# stamp says whether it ran at all: 0 means it never ran an instruction.
ran=$ticks
[ -n "$ran" ] || ran=$(grep -a -o '^[0-9]\{11,\}' "$work/bochs.log" 2>/dev/null | tail -n1 | sed 's/^0*//')
# Bochs ends a run it ends itself with a banner and the message of the event
# that ended it, e.g. "[ACPI  ] ACPI control: soft power off".
message=$(grep -a -A1 '^Bochs is exiting with the following message:' "$work/out" | sed -n 2p |
          sed 's/^\[[A-Z0-9 ]*\] *//')
# Any other panic in Bochs's log (its panics are fatal; this also catches one
# whose banner went missing).
panic=$(grep -a '>>PANIC<<' "$work/bochs.log" 2>/dev/null |
        grep -avE 'ACPI control: soft power off|Shutdown port: shutdown requested' | head -n1 |
        sed 's/.*>>PANIC<< *//')

if [ $rc -eq 137 ]; then
  echo "bochs: timed out after ${timeout_s} s, ticks=${ticks:-unknown}"
  exit 124
fi
case $message in
  "ACPI control: soft power off"|"Shutdown port: shutdown requested")
    if [ -z "$panic" ]; then
      echo "bochs: powered off by the guest ($message), ticks=$ticks"
      exit 0
    fi ;;
esac
case $message in
  "ACPI control: soft power off"|"Shutdown port: shutdown requested") reason=$panic ;;
  *) reason=${message:-${panic:-exited with status $rc}} ;;
esac
case $rc in
  134) reason="$reason (SIGABRT: $(grep -a -m1 -E '\*\*\*.*\*\*\*|Aborted' "$work/out" || echo abort))" ;;
  139) reason="$reason (SIGSEGV)" ;;
esac
echo "--- last lines of Bochs's output ---"
grep -av '^[[:space:]]*$' "$work/out" | tail -n 15
echo "---"
if [ -z "$ran" ]; then
  echo "bochs: cannot start: $reason"
  exit 127
fi
echo "bochs: failed: $reason (before the guest powered it off), ticks=${ticks:-unknown}"
exit 1
