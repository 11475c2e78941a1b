#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Run every Keel test: CMocka unit tests, the guest test kernels and bad-input
# configs under Keel in Bochs (one boot runs them all, one VM after another),
# and the VT-x refusal under QEMU TCG. Ends with "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tools/build.sh || exit 1
build=${KEEL_BUILD:-$PWD/build}

out=$build/test-results
rm -rf "$out" && mkdir -p "$out"
passed=0 failed=0
result() {  # result STATUS NAME [DETAIL]
  if [ "$1" -eq 0 ]; then passed=$((passed + 1)); echo "PASS: $2"
  else failed=$((failed + 1)); echo "FAIL: $2${3:+ ($3)}"; fi
}

# --- 1. unit tests ----------------------------------------------------------
echo "== unit tests (CMocka)"
(cd "$build" && ctest --output-on-failure) > "$out/ctest.log" 2>&1
while read -r name status; do
  [ "$status" = Passed ] && result 0 "unit: $name" || result 1 "unit: $name" "see $out/ctest.log"
done < <(sed -n 's/.*Test *#[0-9]*: \([a-z_0-9]*\) \.*\** *\([A-Za-z]*\).*/\1 \2/p' "$out/ctest.log")

# --- 2. guest test kernels and bad configs under Keel in Bochs ---------------
echo "== guest tests under Keel in Bochs"
good=() bad=()
while IFS='|' read -r name _; do
  [[ -z "$name" || "$name" == \#* ]] || good+=("$build/guests/$name.cfg")
done < tests/guests/scenarios.txt
for f in tests/configs/bad-*.cfg; do bad+=("$f"); done
# Interleave: each bad config is followed by a good VM that must still run.
cfgs=()
for i in "${!good[@]}"; do
  cfgs+=("${good[$i]}")
  [ -n "${bad[$i]:-}" ] && cfgs+=("${bad[$i]}")
done
tools/mkiso.sh -o "$out/tests.iso" -k "$build/keel.elf" -d "$build/guests" "${cfgs[@]}" \
  >/dev/null 2>"$out/mkiso.log" || { result 1 "build test ISO" "see $out/mkiso.log"; }
# Multiboot test guests use no timers: a low ips only shortens BIOS and GRUB waits.
KEEL_BOCHS_IPS=200000000 tools/run-bochs.sh "$out/tests.iso" "$out/serial.log" 900 \
  > "$out/bochs.txt" 2>&1
result $? "keel powers the machine off after the last VM" "$(cat "$out/bochs.txt")"
tr -d '\r' < "$out/serial.log" > "$out/serial.txt"

check_scenarios() {  # FILE
  while IFS='|' read -r name expected regex; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    lines=$(grep -aF "keel: vm $name ended: " "$out/serial.txt")
    count=$(printf '%s' "$lines" | grep -c . || true)
    actual=${lines#*ended: }
    ok=1
    if [ "$count" -ne 1 ]; then
      ok=0; actual="$count end lines"
    elif [[ "$expected" == re:* ]]; then
      [[ "$actual" =~ ${expected#re:} ]] || ok=0
    else
      [ "$actual" = "$expected" ] || ok=0
    fi
    if [ $ok -eq 1 ] && [ -n "$regex" ]; then
      # Output carries "[name] " when several VMs share the console; alone, it does not.
      if grep -qaF "[$name] " "$out/serial.txt"; then
        grep -aF "[$name] " "$out/serial.txt"
      else
        cat "$out/serial.txt"
      fi | grep -qaE -- "$regex" || { ok=0; actual="serial output lacks /$regex/"; }
    fi
    label="vm $name: $expected${regex:+ + /$regex/}"
    [ $ok -eq 1 ] && result 0 "$label" || result 1 "$label" "got: $actual"
  done < "$1"
}
check_scenarios tests/guests/scenarios.txt
check_scenarios tests/configs/scenarios.txt

# --- 3. unmodified Linux under Keel in Bochs ----------------------------------
# Keel runs guests on the TSC rate it measures, so a low ips only makes
# emulated waits (BIOS, UART line rate) cost fewer instructions.
run_linux_group() {  # DIR CPUS KERNEL: boot DIR/*.cfg in one Bochs run with CPUS processors
  local dir=$1 cpus=$2 group=$out/linux-$(basename "$1")
  mkdir -p "$group"
  cp "$3" "$linux_files/bzImage"
  tools/mkiso.sh -o "$group/linux.iso" -k "$build/keel.elf" -d "$linux_files" "$dir"/*.cfg \
    >/dev/null 2>"$group/mkiso.log"
  KEEL_BOCHS_IPS=200000000 tools/run-bochs.sh "$group/linux.iso" "$group/serial.log" 900 "$cpus" \
    > "$group/bochs.txt" 2>&1
  result $? "Linux ($(basename "$dir"), $cpus CPU): keel powers off after the last VM" "$(cat "$group/bochs.txt")"
  local saved=$out
  out=$group
  tr -d '\r' < "$group/serial.log" > "$group/serial.txt"
  check_scenarios "$dir/scenarios.txt"
  out=$saved
}
# The PV disk group: an ext4 filesystem made here is MBR partition 1 of
# Bochs's second ATA disk (/dev/hdb to Keel; the writable guest gets
# /dev/hdb1, the read-only one the whole disk) and, copied, a RAM disk
# module. The guests check a file on it; afterwards the file the writable
# guest wrote must be in the partition of the host-side image.
PART_START=2048 PART_SECTORS=32768
run_xen_group() {  # KERNEL
  local group=$out/linux-xen sbin=/usr/sbin:/sbin
  local img=$group/disk.img part=$group/part.img
  mkdir -p "$group/content"
  head -c 262144 /dev/urandom > "$group/content/data.bin"
  (cd "$group/content" && md5sum data.bin > data.md5)
  PATH=$PATH:$sbin mke2fs -q -t ext4 -d "$group/content" -F "$part" $((PART_SECTORS / 2))k >/dev/null
  cp "$part" "$linux_files/xenblk.img"
  # MBR: one Linux partition (type 0x83) at LBA 2048, 32768 sectors; CHS fields
  # say "use LBA"; signature 0x55AA.
  truncate -s $(( (PART_START + PART_SECTORS) * 512 )) "$img"
  dd if="$part" of="$img" bs=512 seek=$PART_START conv=notrunc status=none
  printf '\x00\xfe\xff\xff\x83\xfe\xff\xff\x00\x08\x00\x00\x00\x80\x00\x00' |
    dd of="$img" bs=1 seek=446 conv=notrunc status=none
  printf '\x55\xaa' | dd of="$img" bs=1 seek=510 conv=notrunc status=none
  KEEL_BOCHS_DISK=$img run_linux_group tests/linux/xen 2 "$1"
  dd if="$img" of="$part" bs=512 skip=$PART_START count=$PART_SECTORS status=none
  local vm what
  for vm in "linux-xen-ro:/dev/hdb, $((PART_START + PART_SECTORS)) sectors, read-only" \
            "linux-xen-rw:/dev/hdb1, $PART_SECTORS sectors, read-write" \
            "linux-xen-ramdisk:/boot/xenblk.img, 32768 sectors, read-write"; do
    what="keel: vm ${vm%%:*}: xvda: connected: ${vm#*:}"
    grep -qaF "$what" "$group/serial.txt"
    result $? "PV disk: Keel logs '$what'"
  done
  # linux-xen-restart reboots once: two lives, in this order.
  local restart
  restart=$(grep -aE '^keel: vm linux-xen-restart (ended|restarting)|^\[linux-xen-restart\] keel-test: (first|second) boot' \
            "$group/serial.txt" | sed 's/: written by the first boot$/: marker/' | tr '\n' '|')
  [ "$restart" = "[linux-xen-restart] keel-test: first boot: marker written, rebooting|keel: vm linux-xen-restart ended: reboot|keel: vm linux-xen-restart restarting (restart)|[linux-xen-restart] keel-test: second boot found: marker|keel: vm linux-xen-restart ended: poweroff|" ]
  result $? "PV disk: on_reboot = \"restart\" rebuilds the Xen domain; the second boot reads what the first wrote" "got: $restart"
  local line sum got
  line=$(grep -a '^\[linux-xen-rw\] keel-test: wrote new.bin md5=' "$group/serial.txt")
  sum=${line##*md5=}
  got=$(PATH=$PATH:$sbin debugfs -R "dump /new.bin $group/new.bin" "$part" >/dev/null 2>&1 &&
        md5sum < "$group/new.bin" | cut -d' ' -f1)
  [ -n "$sum" ] && [ "$sum" = "$got" ]
  result $? "PV disk: the file the guest wrote and synced is in the host-side image" \
    "guest md5 '${sum}', image md5 '${got}'"
  PATH=$PATH:$sbin e2fsck -fn "$part" > "$group/e2fsck.log" 2>&1
  result $? "PV disk: the image's ext4 is clean after the guests (e2fsck -fn)" "see $group/e2fsck.log"
}

# The Debian kernel's initramfs also carries the modules its PV disk test
# loads (xen-blkfront, and ext4 with what it needs), from Debian's own package.
debian_initramfs() {  # MODULES_DIR: prints the initramfs path
  local trim=$out/debian-modules/$(basename "$1") m
  mkdir -p "$trim"
  for m in crc16 mbcache jbd2 crc32c_generic ext4 xen-blkfront; do
    find "$1" -name "$m.ko" -exec cp {} "$trim/" \; || return 1
    [ -f "$trim/$m.ko" ] || { echo "no $m.ko in $1" >&2; return 1; }
  done
  tools/initramfs.sh --modules "$trim"
}

echo "== Linux guests under Keel in Bochs"
linux_files=$out/linux-files
mkdir -p "$linux_files"
if kernel=$(tools/linux-kernel.sh) && initrd=$(tools/initramfs.sh); then
  cp "$initrd" "$linux_files/initrd.img"
  run_linux_group tests/linux/vms 1 "$kernel"
  run_linux_group tests/linux/smp 2 "$kernel"
  run_xen_group "$kernel"
  if debian=$(tools/linux-kernel.sh --debian) && debmods=$(tools/linux-kernel.sh --debian-modules) &&
     initrd=$(debian_initramfs "$debmods"); then
    cp "$initrd" "$linux_files/initrd.img"
    run_linux_group tests/linux/debian 1 "$debian"
  else
    result 1 "unpack Debian's stock kernel" "tools/linux-kernel.sh --debian failed"
  fi
else
  result 1 "build the Linux guest kernel and initramfs" "tools/linux-kernel.sh / tools/initramfs.sh failed"
fi

# --- 4. no VT-x: QEMU TCG must show the refusal line and power off by itself --
echo "== VT-x refusal under QEMU TCG"
timeout -s KILL 120 qemu-system-x86_64 -machine accel=tcg -m 256 -display none -no-reboot -nic none \
  -cdrom "$build/keel-demo.iso" -serial "file:$out/qemu-serial.log" -monitor none \
  > "$out/qemu.txt" 2>&1
rc=$?
line=$(tr -d '\r' < "$out/qemu-serial.log" | grep -a '^keel: VT-x not available: ')
[ "$line" = "keel: VT-x not available: CPUID.1:ECX.VMX=0" ] && [ $rc -eq 0 ]
result $? "refusal under QEMU TCG ends by itself" "rc=$rc line='$line'"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
