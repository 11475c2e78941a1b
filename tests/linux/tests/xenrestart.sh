#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# keel.test=xenrestart: a VM restart (on_reboot = "restart") in Xen mode. The
# first boot leaves a marker on the PV disk and reboots; Keel builds the VM
# again (new event channels, grants, xenstore), and the second boot finds
# the marker through a fresh blkfront connection, removes it and powers off.
dev=/dev/xvda
[ -b $dev ] || { echo "keel-test: no $dev"; exit 1; }
mkdir -p /mnt
mount -t ext4 $dev /mnt || exit 1
if [ -f /mnt/restart-marker ]; then
    echo "keel-test: second boot found: $(cat /mnt/restart-marker)"
    rm /mnt/restart-marker
    umount /mnt
else
    echo "written by the first boot" > /mnt/restart-marker
    umount /mnt || exit 1
    echo "keel-test: first boot: marker written, rebooting"
    keel_drain
    reboot -f
fi
