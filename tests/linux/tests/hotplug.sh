#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# keel.test=hotplug: take CPU 1 offline and bring it back (Linux parks it with
# cli; hlt, then restarts it with INIT-SIPI-SIPI through the LAPIC).
cpu1=/sys/devices/system/cpu/cpu1/online
[ -f $cpu1 ] || { echo "keel-test: no $cpu1"; exit 1; }
echo 0 > $cpu1 || exit 1
echo "keel-test: after offline online=$(cat /sys/devices/system/cpu/online)"
echo 1 > $cpu1 || { echo "keel-test: cpu1 did not come back"; exit 1; }
echo "keel-test: after online online=$(cat /sys/devices/system/cpu/online)"
# The CPU that came back runs work again.
echo "keel-test: ran on cpu1: $(taskset 0x2 cat /proc/self/stat | awk '{ print $39 }')"
