#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Exit 0 when this machine can run Keel under QEMU/KVM with nested VT-x:
# /dev/kvm usable, an Intel CPU with VMX, and kvm_intel's nested support on.
[ -r /dev/kvm ] && [ -w /dev/kvm ] || exit 1
grep -qw vmx /proc/cpuinfo || exit 1
nested=$(cat /sys/module/kvm_intel/parameters/nested 2>/dev/null) || exit 1
[ "$nested" = Y ] || [ "$nested" = 1 ]
