#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# keel.test=poweroff: ACPI power-off (FADT PM1a control) straight away; the VM must stop.
echo "keel-test: powering off"
keel_drain   # let the line above out of the UART first
poweroff -f
