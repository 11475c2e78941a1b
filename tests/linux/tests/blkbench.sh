#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# keel.test=blkbench: time 64 MiB through the PV disk with direct I/O, for
# tools/bench-blk.sh. keel.bench=read|write|none picks the transfer (none:
# the same boot without it, so the difference is the transfer's cost).
mode=none
for arg in $(cat /proc/cmdline); do
    case $arg in keel.bench=*) mode=${arg#keel.bench=} ;; esac
done
[ -b /dev/xvda ] || { echo "keel-bench: no /dev/xvda"; exit 1; }
# The guest's clock is its TSC (instructions, under Bochs): /proc/uptime
# before and after gives the transfer's cost in guest + Keel instructions.
t0=$(cut -d' ' -f1 /proc/uptime)
case $mode in
    read)  dd if=/dev/xvda of=/dev/null bs=1M count=64 iflag=direct 2>/tmp/dd.out ;;
    write) dd if=/dev/zero of=/dev/xvda bs=1M count=64 oflag=direct 2>/tmp/dd.out && sync ;;
    none)  echo "no transfer" > /tmp/dd.out ;;
    *)     echo "keel-bench: unknown mode $mode"; exit 1 ;;
esac || { echo "keel-bench: dd failed: $(cat /tmp/dd.out)"; exit 1; }
t1=$(cut -d' ' -f1 /proc/uptime)
echo "keel-bench: $mode: $(tail -n1 /tmp/dd.out), $(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }') seconds"
