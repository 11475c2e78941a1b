#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# keel.test=info: what the guest sees: kernel, CPUs, memory, uptime, hypervisor, PCI.
echo "keel-test: uname=$(uname -r)"
echo "keel-test: cpus=$(nproc) online=$(cat /sys/devices/system/cpu/online)"
echo "keel-test: $(grep MemTotal /proc/meminfo | tr -s ' ')"
echo "keel-test: uptime=$(cut -d' ' -f1 /proc/uptime)"
echo "keel-test: hypervisor=$(cat /sys/hypervisor/type 2>/dev/null || echo none)"
echo "keel-test: clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
for d in /sys/bus/pci/devices/*; do
    [ -e "$d/vendor" ] && echo "keel-test: pci $(basename "$d") $(cat "$d/vendor"):$(cat "$d/device")"
done
true
