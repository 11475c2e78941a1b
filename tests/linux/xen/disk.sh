# SPDX-License-Identifier: BSD-2-Clause
# The PV disk group's fixture, sourced by tools/test.sh (which defines result
# and bochs_failed). An ext4 filesystem made here is MBR partition 1 of
# Bochs's second ATA disk (/dev/hdb to Keel; the writable guest gets
# /dev/hdb1, the read-only one the whole disk) and, copied, a RAM disk
# module. The guests check a file on it; afterwards the file the writable
# guest wrote must be in the partition of the host-side image.
#
#   xen_disk_make DIR    DIR/disk.img (the ATA disk), DIR/files/xenblk.img
#   xen_disk_check DIR   after the run: Keel's connect lines, the restart's
#                        two lives, the written file in the image, e2fsck
XEN_PART_START=2048 XEN_PART_SECTORS=32768
xen_sbin=/usr/sbin:/sbin

xen_disk_make() {  # DIR
  local dir=$1 img=$1/disk.img part=$1/part.img
  mkdir -p "$dir/content" "$dir/files"
  head -c 262144 /dev/urandom > "$dir/content/data.bin"
  (cd "$dir/content" && md5sum data.bin > data.md5)
  PATH=$PATH:$xen_sbin mke2fs -q -t ext4 -d "$dir/content" -F "$part" $((XEN_PART_SECTORS / 2))k >/dev/null
  cp "$part" "$dir/files/xenblk.img"
  # MBR: one Linux partition (type 0x83) at LBA 2048, 32768 sectors; CHS fields
  # say "use LBA"; signature 0x55AA.
  truncate -s $(( (XEN_PART_START + XEN_PART_SECTORS) * 512 )) "$img"
  dd if="$part" of="$img" bs=512 seek=$XEN_PART_START conv=notrunc status=none
  printf '\x00\xfe\xff\xff\x83\xfe\xff\xff\x00\x08\x00\x00\x00\x80\x00\x00' |
    dd of="$img" bs=1 seek=446 conv=notrunc status=none
  printf '\x55\xaa' | dd of="$img" bs=1 seek=510 conv=notrunc status=none
}

xen_disk_check() {  # DIR
  local dir=$1 img=$1/disk.img part=$1/part.img vm what failed=${bochs_failed:+Bochs failed: $bochs_failed; }
  dd if="$img" of="$part" bs=512 skip=$XEN_PART_START count=$XEN_PART_SECTORS status=none
  for vm in "linux-xen-ro:/dev/hdb, $((XEN_PART_START + XEN_PART_SECTORS)) sectors, read-only" \
            "linux-xen-rw:/dev/hdb1, $XEN_PART_SECTORS sectors, read-write" \
            "linux-xen-ramdisk:/boot/xenblk.img, 32768 sectors, read-write"; do
    what="keel: vm ${vm%%:*}: xvda: connected: ${vm#*:}"
    grep -qaF "$what" "$dir/serial.txt"
    result $? "PV disk: Keel logs '$what'" "${failed%; }"
  done
  # linux-xen-restart reboots once: two lives, in this order.
  local restart
  restart=$(grep -aE '^keel: vm linux-xen-restart (ended|restarting)|^\[linux-xen-restart\] keel-test: (first|second) boot' \
            "$dir/serial.txt" | sed 's/: written by the first boot$/: marker/' | tr '\n' '|')
  [ "$restart" = "[linux-xen-restart] keel-test: first boot: marker written, rebooting|keel: vm linux-xen-restart ended: reboot|keel: vm linux-xen-restart restarting (restart)|[linux-xen-restart] keel-test: second boot found: marker|keel: vm linux-xen-restart ended: poweroff|" ]
  result $? "PV disk: on_reboot = \"restart\" rebuilds the Xen domain; the second boot reads what the first wrote" \
    "${failed}got: $restart"
  local line sum got
  line=$(grep -a '^\[linux-xen-rw\] keel-test: wrote new.bin md5=' "$dir/serial.txt")
  sum=${line##*md5=}
  got=$(PATH=$PATH:$xen_sbin debugfs -R "dump /new.bin $dir/new.bin" "$part" >/dev/null 2>&1 &&
        md5sum < "$dir/new.bin" | cut -d' ' -f1)
  [ -n "$sum" ] && [ "$sum" = "$got" ]
  result $? "PV disk: the file the guest wrote and synced is in the host-side image" \
    "${failed}guest md5 '${sum}', image md5 '${got}'"
  PATH=$PATH:$xen_sbin e2fsck -fn "$part" > "$dir/e2fsck.log" 2>&1
  result $? "PV disk: the image's ext4 is clean after the guests (e2fsck -fn)" "see $dir/e2fsck.log"
}
