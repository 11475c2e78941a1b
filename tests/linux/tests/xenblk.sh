#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# keel.test=xenblk: the PV disk /dev/xvda, served by Keel's blkback to the stock
# xen-blkfront through the Xen platform PCI device. The test image (made by
# tools/test.sh) holds data.bin and data.md5, the host's md5sum of data.bin.
#   writable disk:  check data.bin, write new.bin (random), sync, unmount and
#                   print new.bin's md5 for the host to find in the disk image
#   read-only disk: check data.bin, then a direct write to the device must fail
#                   and the device's contents must stay the same
dev=/dev/xvda
# A modular kernel (Debian's) loads its own frontend and filesystem, as its
# initramfs would; then xenbus probes the vbd in the background.
mods=/lib/modules/$(uname -r)
if [ -f $mods/xen-blkfront.ko ]; then
    for m in crc16 mbcache jbd2 crc32c_generic ext4 xen-blkfront; do
        insmod $mods/$m.ko || { echo "keel-test: insmod $m failed"; exit 1; }
    done
    echo "keel-test: loaded $mods/xen-blkfront.ko"
    n=0
    while [ ! -b $dev ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
fi
[ -b $dev ] || { echo "keel-test: no $dev ($(ls /sys/block | tr '\n' ' '))"; exit 1; }
driver=$(basename "$(readlink /sys/block/xvda/device/driver)")
platform=$(ls /sys/bus/pci/drivers/xen-platform-pci 2>/dev/null | grep -c '^0000:')
# Read the whole kernel log: busybox dmesg reads 16 KiB by default, and a big
# kernel's boot messages push the early line out of that.
echo "keel-test: $(dmesg -s 1048576 | grep -m1 -o 'Hypervisor detected: .*') xvda driver=$driver platform-pci=$platform"
ro=$(cat /sys/block/xvda/ro)
echo "keel-test: cpus=$(nproc) online=$(cat /sys/devices/system/cpu/online)"
# How event channels arrived: the hypervisor callback vector (HYP), or the
# platform device's INTx line; summed over the CPUs' columns.
irq_count() {
    awk -v row="$1" '$0 ~ row { s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s; exit }' /proc/interrupts
}
upcalls() { echo "keel-test: upcalls: callback=$(irq_count '^ *HYP:') intx=$(irq_count 'xen-platform-pci')"; }
echo "keel-test: xvda sectors=$(cat /sys/block/xvda/size) ro=$ro"

# A whole disk with a partition table shows its partition as xvda1.
fs=$dev
[ -b ${dev}1 ] && fs=${dev}1
echo "keel-test: filesystem on $fs"
mkdir -p /mnt
if [ "$ro" = 1 ]; then mount -t ext4 -o ro $fs /mnt; else mount -t ext4 $fs /mnt; fi || exit 1
want=$(cut -d' ' -f1 /mnt/data.md5)
got=$(md5sum /mnt/data.bin | cut -d' ' -f1)
if [ -n "$want" ] && [ "$want" = "$got" ]; then
    echo "keel-test: data.bin checksum ok"
else
    echo "keel-test: data.bin checksum mismatch: want $want got $got"
    exit 1
fi

device_md5() { dd if=$dev iflag=direct bs=64k 2>/dev/null | md5sum | cut -d' ' -f1; }

if [ "$ro" = 0 ]; then
    # On a 2-vCPU guest the writes are issued from CPU 1 (direct I/O), so the
    # backend's work runs on the second physical CPU too.
    pin=
    [ "$(nproc)" -ge 2 ] && pin="taskset 0x2"
    $pin dd if=/dev/urandom of=/mnt/new.bin bs=4096 count=64 oflag=direct 2>/dev/null ||
        echo "keel-test: writing new.bin failed"
    sum=$(md5sum /mnt/new.bin | cut -d' ' -f1)
    sync
    umount /mnt || exit 1
    echo "keel-test: wrote new.bin md5=$sum"
    # A store that can discard (the RAM disk) advertises it: discard the last
    # 64 KiB, check it reads back as zeros, then put the old bytes back.
    if [ "$(cat /sys/block/xvda/queue/discard_max_bytes)" != 0 ]; then
        blk=$(( $(cat /sys/block/xvda/size) / 8 - 16 ))
        dd if=$dev of=/tmp/tail.bin bs=4096 skip=$blk count=16 iflag=direct 2>/dev/null
        blkdiscard -o $((blk * 4096)) -l 65536 $dev || echo "keel-test: blkdiscard failed"
        got=$(dd if=$dev bs=4096 skip=$blk count=16 iflag=direct 2>/dev/null | md5sum | cut -d' ' -f1)
        zero=$(dd if=/dev/zero bs=4096 count=16 2>/dev/null | md5sum | cut -d' ' -f1)
        dd if=/tmp/tail.bin of=$dev bs=4096 seek=$blk oflag=direct 2>/dev/null
        [ "$got" = "$zero" ] && echo "keel-test: discard zeroed the last 64 KiB" ||
            echo "keel-test: discard left data: $got"
    fi
    upcalls
else
    umount /mnt
    before=$(device_md5)
    blockdev --setrw $dev 2>/dev/null
    if dd if=/dev/zero of=$dev bs=4096 seek=8 count=1 oflag=direct 2>/tmp/dd.err; then
        echo "keel-test: a write to the read-only disk succeeded"
        exit 1
    fi
    echo "keel-test: write refused: $(grep -m1 '^dd:' /tmp/dd.err)"
    after=$(device_md5)
    [ "$before" = "$after" ] || { echo "keel-test: read-only disk changed"; exit 1; }
    echo "keel-test: read-only disk unchanged md5=$after"
    upcalls
fi
