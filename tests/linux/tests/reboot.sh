#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# keel.test=reboot: reboot straight away (kernel reboot methods: ACPI reset register,
# keyboard controller, ...); the VM must reset (or stop, under QEMU -no-reboot).
echo "keel-test: rebooting"
keel_drain   # let the line above out of the UART first
reboot -f
