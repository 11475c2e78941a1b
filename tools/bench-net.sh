#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# PV network benchmark: stock xen-netfront in Keel's small Linux guest,
# Keel's netback and virtual switch. A sender times a TCP transfer of MIB
# MiB of random data (busybox nc) and a burst of DATAGRAMS 18-byte UDP
# datagrams (60-byte frames, 64 with the FCS: tests/linux/bench/netbench.c);
#   vm      to a second VM on the same bridge (xenbr0)
#   uplink  through Keel's uplink (the machine's e1000, Bochs's slirp) to a
#           listener on this machine's 127.0.0.1 (slirp's 10.0.2.2)
# Each is four Bochs runs (ips=200M, 1 CPU) that differ in one thing only:
# base (connect and close, no data, no datagrams), tcp (MIB MiB with busybox
# nc, which writes 1 KiB at a time), tcp64 (the same with 64 KiB writes:
# netbench tcp-send), udp (DATAGRAMS datagrams). Keel's counters of the
# base run are subtracted.
#
#   tools/bench-net.sh [vm|uplink|all] [MIB] [DATAGRAMS]     (default all 4 5000)
#
# Prints, per MiB of TCP and per UDP datagram: exits, hypercalls, frames,
# notifications, Keel's cycles (Bochs instructions; exit handling only) and
# the exits by reason; and throughput from the guest's own clock around the
# transfer (its TSC: instructions of everything, guests and Keel, at the
# rate Keel measured).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$keel_root" || exit 1
what=${1:-all} mib=${2:-4} dgrams=${3:-5000}
case $what in vm|uplink|all) ;; *) usage ;; esac
case $mib$dgrams in *[!0-9]*) usage ;; esac
[ "$mib" -gt 0 ] && [ "$dgrams" -gt 0 ] || usage
keel_build >/dev/null
work=$build/bench-net
rm -rf "$work" && mkdir -p "$work/files" "$work/extra/bin" "$work/extra/tests"
# The initramfs: the test image plus /bin/netbench and /tests/netbench.sh.
gcc -static -O2 -s -Wall -o "$work/extra/bin/netbench" tests/linux/bench/netbench.c || die "cannot build netbench"
cp tests/linux/bench/tests/netbench.sh "$work/extra/tests/"
kernel=$(tools/linux-kernel.sh) && initrd=$(tools/initramfs.sh "$work/extra") || die "no kernel or initramfs"
cp "$kernel" "$work/files/bzImage" && cp "$initrd" "$work/files/initrd.img"

vm_cfg() {  # FILE NAME CMDLINE-TAIL
  cat > "$1" <<CFG
name = "$2"
type = "linux"
memory = 128
kernel = "/boot/bzImage"
ramdisk = "/boot/initrd.img"
xen_platform_pci = 1
vif = [ "bridge=xenbr0" ]
cmdline = "console=ttyS0 quiet keel.test=netbench $3"
CFG
}
params() {  # RUN: the keel.* parameters of base, tcp or udp
  case $1 in
    base) echo "keel.mib=$mib keel.tcp=0 keel.udp=0" ;;
    tcp)  echo "keel.mib=$mib keel.tcp=1 keel.udp=0" ;;
    tcp64) echo "keel.mib=$mib keel.tcp=1 keel.udp=0 keel.sender=netbench" ;;
    udp)  echo "keel.mib=$mib keel.tcp=0 keel.udp=$dgrams" ;;
  esac
}

# The host's end of the uplink runs: TCP and UDP on 127.0.0.1:PORT (one
# port, both protocols); a line per TCP connection (bytes, md5) and, when
# told to stop (SIGTERM), one for the datagrams.
host_peer() {  # DIR: starts it, writes DIR/port
  python3 - "$1" <<'PY' > "$1/peer.log" 2>&1 &
import hashlib, select, signal, socket, sys
d = sys.argv[1]
while True:
    t = socket.socket()
    t.bind(("127.0.0.1", 0))
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", t.getsockname()[1]))
        break
    except OSError:
        t.close(); u.close()
u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
t.listen(4)
out = open(d + "/peer.txt", "w", buffering=1)
count = nbytes = 0
def stop(*_):
    out.write("host: udp %d datagrams %d bytes\n" % (count, nbytes))
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
open(d + "/port.tmp", "w").write("%d\n" % t.getsockname()[1])
import os; os.rename(d + "/port.tmp", d + "/port")
conns = {}
while True:
    r, _, _ = select.select([t, u] + list(conns), [], [])
    for s in r:
        if s is t:
            c, _ = t.accept()
            conns[c] = [0, hashlib.md5()]
        elif s is u:
            while True:
                try:
                    data = u.recv(2048, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    break
                count += 1
                nbytes += len(data)
        else:
            data = s.recv(1 << 16)
            if data:
                conns[s][0] += len(data)
                conns[s][1].update(data)
            else:
                out.write("host: tcp %d bytes md5=%s\n" % (conns[s][0], conns[s][1].hexdigest()))
                s.close()
                del conns[s]
PY
  echo $! > "$1/peer.pid"
  local n=0
  while [ ! -f "$1/port" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
  [ -f "$1/port" ]
}

# One Bochs run: NET (vm or uplink) and RUN (base, tcp, udp) in $work/NET-RUN.
bench_run() {  # NET RUN
  local dir=$work/$1-$2 cfgs=() env=() cmdline=console=com1 rc
  mkdir -p "$dir"
  if [ "$1" = vm ]; then
    vm_cfg "$dir/nb-rx.cfg" nb-rx "keel.role=rx $(params "$2")"
    vm_cfg "$dir/nb-tx.cfg" nb-tx "keel.role=tx $(params "$2")"
    cfgs=("$dir/nb-rx.cfg" "$dir/nb-tx.cfg")
  else
    host_peer "$dir" || die "the host's listener did not start: $(cat "$dir/peer.log")"
    vm_cfg "$dir/nb-up.cfg" nb-up "keel.role=up keel.port=$(cat "$dir/port") $(params "$2")"
    cfgs=("$dir/nb-up.cfg")
    cmdline="console=com1 uplink=xenbr0"
    env=(KEEL_BOCHS_NIC=slirp)
  fi
  tools/mkiso.sh -o "$dir/bench.iso" -k "$build/keel.elf" -d "$work/files" -c "$cmdline" "${cfgs[@]}" \
    >/dev/null || die "cannot build $dir/bench.iso"
  log "$1 $2: $(params "$2")"
  boot_in_bochs "$dir/bench.iso" "$dir" 900 1 ${env[@]+"${env[@]}"}
  rc=$?
  if [ "$1" = uplink ]; then
    kill -TERM "$(cat "$dir/peer.pid")" 2>/dev/null
    wait "$(cat "$dir/peer.pid")" 2>/dev/null
    cat "$dir/peer.txt" >> "$dir/serial.txt"
  fi
  log "$1 $2: $(tail -n1 "$dir/bochs.txt")"
  [ $rc -eq 0 ] || { cat "$dir/bochs.txt"; return 1; }
  # The guests' own verdicts: a benchmark that failed has no figures.
  if grep -aq 'keel-test: done netbench rc=[1-9]' "$dir/serial.txt"; then
    grep -aE 'keel-(bench|test):' "$dir/serial.txt"
    return 1
  fi
}

# The figures of NET from its three runs' serial output.
report() {  # NET
  local d=$work/$1
  awk -v net="$1" -v mib="$mib" -v dgrams="$dgrams" '
    FNR == 1 { run = FILENAME; sub(/.*-/, "", run); sub(/\/serial\.txt$/, "", run) }
    /^keel: TSC runs at / { khz = $5 }
    /^keel: vm nb-[a-z]+ vcpu [0-9]+ exits: / {
      split($0, f, /exits: |, cycles in Keel: /); exits[run] += f[2]; cycles[run] += f[3]; intable = 1
      vm = $3; vms[vm] = 1; vcyc[run, vm] += f[3]; next
    }
    intable && /^keel:   reason / { next }
    intable && /^keel:   [A-Za-z]/ {
      n = NF; reason = $2; for (i = 3; i <= n - 3; i++) reason = reason " " $i
      rcount[run, reason] += $(n - 2); rcyc[run, reason] += $(n - 1); reasons[reason] = 1
      vcount[run, vm, reason] += $(n - 2); next
    }
    { intable = 0 }
    /^keel: vm nb-[a-z]+ xen: hypercalls / { hc[run] += $6 }
    /^keel: vm nb-[a-z]+ vif[0-9.]+: tx / {
      line = $0; gsub(/,/, "", line); split(line, w, " ")
      # keel: vm NAME vifD.N: tx P packets B bytes E errors rx P packets B bytes E errors notifications K switch: spoofed S invalid I dropped D
      vm = w[3]; txp[run, vm] = w[6]; txb[run, vm] = w[8]; txe[run, vm] = w[10]
      rxp[run, vm] = w[13]; rxb[run, vm] = w[15]; rxe[run, vm] = w[17]
      notif[run] += w[20]; drops[run] += w[27]; invalid[run] += w[25]; errs[run] += w[10] + w[17]
    }
    /^keel: uplink: tx / {
      line = $0; gsub(/[,();]/, "", line); split(line, w, " ")
      # keel: uplink: tx F frames B bytes ring full R rx F frames B bytes errors E switch: invalid I dropped D
      uptx[run] = w[4]; uptxb[run] = w[6]; upfull[run] = w[10]; uprx[run] = w[12]; uprxb[run] = w[14]
      uperr[run] = w[17]; updrop[run] = w[22]
    }
    /^keel: cpu [0-9]+: [0-9]+ vCPU switches, / { sw[run] += $4; swcyc[run] += $4 * $7 }
    /keel-bench: tcp [0-9]+ bytes [0-9]+ ns/ { for (i = 1; i <= NF; i++) if ($i == "tcp") { tbytes[run] = $(i + 1); tns[run] = $(i + 3) } }
    /keel-bench: udp [0-9]+ sent [0-9]+ ns/ { for (i = 1; i <= NF; i++) if ($i == "udp") { usent[run] = $(i + 1); uns[run] = $(i + 3) } }
    /keel-bench: udp received / { for (i = 1; i <= NF; i++) if ($i == "received") urecv[run] = $(i + 1) }
    /^host: udp / { urecv[run] = $3 }
    /keel-bench: sending [0-9]+ bytes md5=/ { sentmd5[run] = $NF }
    /keel-bench: received [0-9]+ bytes md5=/ || /^host: tcp [0-9]+ bytes md5=/ { gotmd5[run] = $NF }
    function d(a, r) { return a[r] - a["base"] }
    function per(x, n) { return n > 0 ? x / n : 0 }
    END {
      sender = (net == "vm") ? "nb-tx" : "nb-up"
      printf "PV network, %s: TSC %d kHz, Bochs ips=200M, 1 CPU. Method: each figure is the\n", (net == "vm" ? "VM to VM on xenbr0" : "through the uplink (e1000, slirp) to 127.0.0.1"), khz
      printf "difference between a run that moves the data and one that does not (the same\n"
      printf "boot, handshake and empty TCP connection), over the data moved; throughput from\n"
      printf "the guest clock around the transfer (instructions of guests and Keel).\n"
      for (k = 1; k <= 3; k++) {
        r = (k == 1) ? "tcp" : (k == 2) ? "tcp64" : "udp"
        if (!(r in exits) || !("base" in exits)) { printf "%s: missing figures\n", r; bad = 1; continue }
        if (r != "udp") {
          unit = mib; uname = "MiB"; ins = tns[r] * khz / 1e6
          printf "\nTCP, %d MiB (%s): %d bytes in %.0f M instructions = %.1f MiB per 10^9 instructions (%s)\n",
            mib, (r == "tcp" ? "busybox nc, 1 KiB writes" : "netbench tcp-send, 64 KiB writes"), tbytes[r], ins / 1e6, (ins > 0 ? (tbytes[r] / 1048576) / (ins / 1e9) : 0),
            (sentmd5[r] != "" && sentmd5[r] == gotmd5[r] ? "arrived whole" : "md5 MISMATCH: sent " sentmd5[r] ", got " gotmd5[r])
          if (sentmd5[r] == "" || sentmd5[r] != gotmd5[r]) bad = 1
        } else {
          unit = dgrams; uname = "datagram"; ins = uns[r] * khz / 1e6
          printf "\nUDP, %d datagrams of 18 bytes (60-byte frames): %d sent in %.0f M instructions = %.1f per 10^6 instructions; %d received\n",
            dgrams, usent[r], ins / 1e6, (ins > 0 ? usent[r] / (ins / 1e6) : 0), urecv[r]
        }
        fr = txp[r, sender] - txp["base", sender]
        if (net == "vm") { back = txp[r, "nb-rx"] - txp["base", "nb-rx"] } else { back = uprx[r] - uprx["base"] }
        printf "  per %s: instructions %.0f (of which Keel exit handling %.1f%%); exits %.2f, hypercalls %.2f,\n", uname,
          per(ins, unit), per(100 * d(cycles, r), ins), per(d(exits, r), unit), per(d(hc, r), unit)
        printf "    notifications %.2f, Keel cycles %.0f\n", per(d(notif, r), unit), per(d(cycles, r), unit)
        printf "  frames: %d sent (%.0f bytes each), %d back; per %s: %.2f sent, %.2f back\n", fr,
          per(txb[r, sender] - txb["base", sender], fr), back, uname, per(fr, unit), per(back, unit)
        io = (rcyc[r, "I/O instruction"] - rcyc["base", "I/O instruction"])
        printf "  Keel cycles (exit handling) per frame sent: %.0f; per frame either way: %.0f\n",
          per(d(cycles, r), fr), per(d(cycles, r), fr + back)
        printf "  the same without I/O-instruction exits (the serial console: the runs print different lines): %.0f, %.0f\n",
          per(d(cycles, r) - io, fr), per(d(cycles, r) - io, fr + back)
        printf "  vCPU switches per %s: %.2f (%.0f cycles, not in the exit figures); errors %d, switch drops %d, invalid %d",
          uname, per(d(sw, r), unit), per(d(swcyc, r), unit), errs[r], drops[r], invalid[r]
        if (net == "uplink")
          printf "; e1000 tx %d frames (ring full %d), rx %d (errors %d), uplink drops %d", uptx[r], upfull[r], uprx[r], uperr[r], updrop[r]
        printf "\n  %-22s %10s %10s %10s %16s %9s\n", "exit reason (" uname ")", "count", sender, (net == "vm" ? "nb-rx" : ""), "Keel cycles", "cyc/exit"
        for (x in reasons) {
          c = rcount[r, x] - rcount["base", x]; y = rcyc[r, x] - rcyc["base", x]
          if (c == 0 && y == 0) continue
          printf "  %-22s %10.2f %10.2f %10s %16.0f %9.0f\n", x, c / unit,
            (vcount[r, sender, x] - vcount["base", sender, x]) / unit,
            (net == "vm" ? sprintf("%.2f", (vcount[r, "nb-rx", x] - vcount["base", "nb-rx", x]) / unit) : ""),
            y / unit, per(y, c)
        }
        printf "  %-22s %10.2f %10s %10s %16.0f\n", "all", per(d(exits, r), unit), "", "", per(d(cycles, r), unit)
      }
      exit bad
    }' "$d-base/serial.txt" "$d-tcp/serial.txt" "$d-tcp64/serial.txt" "$d-udp/serial.txt"
}

rc=0
for net in vm uplink; do
  [ "$what" = all ] || [ "$what" = "$net" ] || continue
  ok=1
  for run in base tcp tcp64 udp; do
    bench_run "$net" "$run" || { ok=0; rc=1; break; }
  done
  [ $ok -eq 1 ] || continue
  echo
  report "$net" || rc=1
  grep -ahE '^(\[nb-[a-z]+\] )?keel-bench:|^host:' "$work/$net"-{tcp,tcp64,udp}/serial.txt
done
exit $rc
