#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Run every Keel test: CMocka unit tests, the source checks, the Bochs
# runner's own check, the guest test kernels and bad-input configs under Keel
# in Bochs (one boot runs them all), unmodified Linux guests, the README's
# demo on a terminal, the fuzz targets for a bounded time, and the VT-x
# refusal under QEMU TCG. Ends with "N passed, M failed".
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$keel_root" || exit 1
keel_build

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

# --- 2. source checks ------------------------------------------------------------
echo "== source checks"
# Every source file opens with its license identifier (after a shebang).
nospdx=()
while IFS= read -r f; do
  case $f in
    *.c|*.h|*.ld|*.asm|*.sh|*.py|*CMakeLists.txt|.ci/run|tests/linux/init) ;;
    *) continue ;;
  esac
  first=$(head -n1 "$f")
  [[ $first == '#!'* ]] && first=$(sed -n 2p "$f")
  [[ $first =~ ^(/\*|\;|#)\ SPDX-License-Identifier:\ BSD-2-Clause( \*/)?$ ]] || nospdx+=("$f")
done < <(git ls-files 2>/dev/null || find . -path ./build -prune -o -type f -print | sed 's|^\./||')
[ ${#nospdx[@]} -eq 0 ]
result $? "every source file opens with SPDX-License-Identifier: BSD-2-Clause" "missing in: ${nospdx[*]:-}"

# The layer rule (tests/layers/floors.txt), on includes and on the calls in
# keel.elf's objects, with no exceptions.
python3 tests/layers/check.py "$build" > "$out/layers.txt" 2>&1
result $? "layers: includes and calls go only to the same folder or lower floors" \
  "$(grep -v '^layers: ok' "$out/layers.txt" | head -n5 | tr '\n' ' ')"

# Bochs runs go in the background, two at a time (each uses one host core),
# and are checked in order once all have ended. Each run's directory gets
# serial.log, bochs.txt (the runner's report) and bochs.rc (its status).
bochs_jobs=${KEEL_TEST_JOBS:-2}
wait_for_slot() { while [ "$(jobs -pr | wc -l)" -ge "$bochs_jobs" ]; do wait -n; done; }
start_bochs() {  # DIR ISO CPUS [VAR=VALUE...]: boot ISO in the background
  local dir=$1 iso=$2 cpus=$3
  shift 3
  wait_for_slot
  ( boot_in_bochs "$iso" "$dir" "${bochs_timeout:-900}" "$cpus" "$@"
    echo $? > "$dir/bochs.rc" ) &
}
# How a run ended. Sets bochs_failed to Bochs's reason when the emulator
# itself failed, so that every check of that run says so instead of
# reporting a missing line; a timeout is Keel's failure and leaves the
# checks to say what is missing.
bochs_outcome() {  # DIR LABEL
  local rc last
  rc=$(cat "$1/bochs.rc" 2>/dev/null || echo 1)
  last=$(tail -n1 "$1/bochs.txt" 2>/dev/null)
  bochs_failed=
  case $rc in
    0) result 0 "$2" ;;
    124) result 1 "$2" "$last" ;;
    *) bochs_failed=${last#bochs: }; result 1 "$2" "Bochs failed: $bochs_failed" ;;
  esac
  # A run that did not end by itself: its last lines, for a CI log that
  # keeps nothing else.
  if [ "$rc" != 0 ]; then
    echo "   last lines of $1/serial.txt:"
    tail -n 12 "$1/serial.txt" 2>/dev/null | cut -c1-200 | sed 's/^/   | /'
  fi
}


# --- 3. the runner itself ------------------------------------------------------
# A Bochs that cannot start must make the runner fail with Bochs's own reason
# (here: a CPU model Bochs does not know), never pass for a powered-off run.
echo "== the Bochs runner"
mkdir -p "$out/runner"
KEEL_BOCHS_MODEL=no_such_cpu tools/run-bochs.sh "$build/keel-demo.iso" "$out/runner/serial.log" 60 \
  > "$out/runner/bochs.txt" 2>&1
rc=$?
last=$(tail -n1 "$out/runner/bochs.txt")
[ $rc -eq 127 ] && [[ "$last" == "bochs: cannot start: "*"cpu directive malformed"* ]]
result $? "run-bochs.sh: a Bochs that cannot start fails with its reason" "rc=$rc, last line '$last'"
# A Bochs that dies at start-up the way Debian's does when its ALSA driver
# finds no sound card (a stand-in: the same messages, then SIGABRT).
mkdir -p "$out/runner/bin"
printf '#!/bin/sh\necho "ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM default"\necho "*** buffer overflow detected ***: terminated" >&2\nkill -ABRT $$\n' \
  > "$out/runner/bin/bochs"
chmod +x "$out/runner/bin/bochs"
PATH=$out/runner/bin:$PATH tools/run-bochs.sh "$build/keel-demo.iso" "$out/runner/serial.log" 60 \
  > "$out/runner/abort.txt" 2>&1
rc=$?
last=$(tail -n1 "$out/runner/abort.txt")
[ $rc -eq 127 ] && [ "$last" = "bochs: cannot start: exited with status 134 (SIGABRT: *** buffer overflow detected ***: terminated)" ]
result $? "run-bochs.sh: a Bochs that aborts at start-up fails with its reason" "rc=$rc, last line '$last'"

# --- 4. start the Bochs runs ------------------------------------------------------
echo "== guest tests, Linux guests and the demo under Keel in Bochs (${bochs_jobs} at a time)"
# Guest test kernels and bad configs: one ISO, each bad config followed by a
# good VM that must still run. A low ips shortens the BIOS and GRUB waits;
# the plat_* guests check rates against the PM timer, not against wall time.
# The plat_* guests measure their timers' rates against the PM timer, which
# only means something while their CPU is not shared with busy VMs: they run
# in a group of their own, one after another (Keel's sequential=1).
good=() bad=()
while IFS='|' read -r name _; do
  [[ -z "$name" || "$name" == \#* || "$name" == plat_* ]] || good+=("$build/guests/$name.cfg")
done < tests/guests/scenarios.txt
for f in tests/configs/bad-*.cfg; do bad+=("$f"); done
cfgs=()
for i in "${!good[@]}"; do
  cfgs+=("${good[$i]}")
  [ -n "${bad[$i]:-}" ] && cfgs+=("${bad[$i]}")
done
guests=$out/guests
mkdir -p "$guests"
tools/mkiso.sh -o "$guests/tests.iso" -k "$build/keel.elf" -d "$build/guests" "${cfgs[@]}" \
  >/dev/null 2>"$guests/mkiso.log" || result 1 "build test ISO" "see $guests/mkiso.log"
start_bochs "$guests" "$guests/tests.iso" 1

# The scheduler groups: VMs at once on one CPU (tests/sched/scenarios.txt: a
# spinner with interrupts off, a ticker, a flood, isolation scanners) and a
# weighted pair of CPU hogs (tests/sched/weights.txt), each a run of its own.
start_table_group() {  # DIR TABLE CPUS [KEEL_CMDLINE]: an ISO of the guests TABLE names, booted
  local dir=$1 table=$2 cpus=$3 cmdline=${4:-console=com1} cfgs=() name
  mkdir -p "$dir"
  while IFS='|' read -r name _; do
    [[ -z "$name" || "$name" == \#* ]] || cfgs+=("$build/guests/$name.cfg")
  done < "$table"
  tools/mkiso.sh -o "$dir/group.iso" -k "$build/keel.elf" -d "$build/guests" -c "$cmdline" "${cfgs[@]}" \
    >/dev/null 2>"$dir/mkiso.log" || result 1 "build $dir/group.iso" "see $dir/mkiso.log"
  start_bochs "$dir" "$dir/group.iso" "$cpus"
}
grep '^plat_' tests/guests/scenarios.txt > "$guests/platform.txt"
start_table_group "$out/platform" "$guests/platform.txt" 1 "console=com1 sequential=1"
start_table_group "$out/sched" tests/sched/scenarios.txt 1
start_table_group "$out/weights" tests/sched/weights.txt 1
start_table_group "$out/xstate" tests/sched/xstate.txt 1

# 100 VMs created and destroyed at the monitor: no memory may be lost.
mkdir -p "$out/churn"
wait_for_slot
( KEEL_BUILD=$build python3 tools/bench-create.py --churn 100 --build "$build" --dir "$out/churn" \
    > "$out/churn/session.txt" 2>&1
  echo $? > "$out/churn/rc" ) &

# Unmodified Linux: each group is one Bochs run of DIR/*.cfg with the files
# its configs name, Keel's command line from DIR/keel.cmdline if there is one.
# Keel runs guests on the TSC rate it measures, so a low ips only makes
# emulated waits (BIOS, UART line rate) cost fewer instructions.
start_linux_group() {  # DIR CPUS KERNEL INITRD [VAR=VALUE...]
  local dir=$1 cpus=$2 group=$out/linux-$(basename "$1")
  shift 2
  mkdir -p "$group/files"
  cp "$1" "$group/files/bzImage"
  cp "$2" "$group/files/initrd.img"
  shift 2
  local cmdline=console=com1
  [ -f "$dir/keel.cmdline" ] && cmdline=$(cat "$dir/keel.cmdline")
  tools/mkiso.sh -o "$group/linux.iso" -k "$build/keel.elf" -d "$group/files" -c "$cmdline" "$dir"/*.cfg \
    >/dev/null 2>"$group/mkiso.log" || result 1 "build $group/linux.iso" "see $group/mkiso.log"
  start_bochs "$group" "$group/linux.iso" "$cpus" "$@"
}
. tests/scenarios.sh
check_linux_group() {  # DIR CPUS
  local group=$out/linux-$(basename "$1")
  bochs_outcome "$group" "Linux ($(basename "$1"), $2 CPU): keel powers off after the last VM"
  check_scenarios "$group" "$1/scenarios.txt"
}

# The PV disk group's disk, made before and checked after its run.
. tests/linux/xen/disk.sh
xen=$out/linux-xen
start_xen_group() {  # KERNEL INITRD
  xen_disk_make "$xen"
  # Its VMs share their disks on purpose (what one writes, the next reads):
  # they run one after another (tests/linux/xen/keel.cmdline).
  # Six Linux lives one after another on a 2-CPU Bochs: the slowest run.
  bochs_timeout=1500 start_linux_group tests/linux/xen 2 "$1" "$2" KEEL_BOCHS_DISK="$xen/disk.img"
  # Two Xen-mode VMs at once, each on its own copy of the RAM disk.
  mkdir -p "$out/linux-pair/files"
  cp "$xen/files/xenblk.img" "$out/linux-pair/files/xenblk.img"
  cp "$xen/files/xenblk.img" "$out/linux-pair/files/xenblk-b.img"
  start_linux_group tests/linux/pair 2 "$1" "$2"
}
check_xen_group() {
  check_linux_group tests/linux/xen 2
  xen_disk_check "$xen"
  check_linux_group tests/linux/pair 2
  # cpus = "1" (hard affinity): the pinned VM's vCPU ran on CPU 1 alone.
  local placed
  placed=$(grep -a "keel: vm linux-pair-b vcpu 0 ran on CPUs" "$out/linux-pair/serial.txt")
  [[ "$placed" == "keel: vm linux-pair-b vcpu 0 ran on CPUs 1, "* ]]
  result $? "Linux (pair): cpus = \"1\" keeps the VM on CPU 1" "got '$placed'"
}

# The TCP transfer between the network group's VMs: what net-a received is
# what net-b sent (both print the md5 of their copy).
check_net_transfer() {  # DIR
  local sent got
  sent=$(grep -aoE '\[net-b\] keel-test: sending [0-9]+ bytes md5=[0-9a-f]{32}' "$1/serial.txt" | grep -oE '[0-9]+ bytes md5=.*')
  got=$(grep -aoE '\[net-a\] keel-test: received [0-9]+ bytes md5=[0-9a-f]{32}' "$1/serial.txt" | grep -oE '[0-9]+ bytes md5=.*')
  [ -n "$sent" ] && [ "$sent" = "$got" ]
  result $? "Linux (net): the 4 MiB net-b sent over TCP arrived whole at net-a" "sent '$sent', received '$got'"
}

# The uplink (tests/linux/uplink): a VM fetches a file from an HTTP server on
# this machine's 127.0.0.1, through Keel's switch, the e1000 Keel drives and
# Bochs's slirp. The server runs outside the job table (wait must not wait
# for it) and is stopped once the runs have ended.
uplink=$out/linux-uplink
start_uplink_group() {  # KERNEL INITRD
  local port
  mkdir -p "$uplink/files" "$uplink/www"
  head -c 1048576 /dev/urandom > "$uplink/www/blob"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  (setsid python3 -m http.server --bind 127.0.0.1 --directory "$uplink/www" "$port" \
     > "$uplink/http.log" 2>&1 & echo $! > "$uplink/http.pid")
  sed "s/@PORT@/$port/g" tests/linux/uplink/net-up.cfg.in > "$uplink/net-up.cfg"
  cp "$1" "$uplink/files/bzImage"
  cp "$2" "$uplink/files/initrd.img"
  tools/mkiso.sh -o "$uplink/linux.iso" -k "$build/keel.elf" -d "$uplink/files" \
    -c "$(cat tests/linux/uplink/keel.cmdline)" "$uplink/net-up.cfg" >/dev/null 2>"$uplink/mkiso.log" ||
    result 1 "build $uplink/linux.iso" "see $uplink/mkiso.log"
  start_bochs "$uplink" "$uplink/linux.iso" 1 KEEL_BOCHS_NIC=slirp KEEL_BOCHS_PKTLOG="$uplink/pktlog.txt"
}
check_uplink_group() {
  kill "$(cat "$uplink/http.pid" 2>/dev/null)" 2>/dev/null
  bochs_outcome "$uplink" "Linux (uplink): keel powers off after the last VM"
  check_scenarios "$uplink" tests/linux/uplink/scenarios.txt
  local want got
  want=$(md5sum < "$uplink/www/blob" | cut -d' ' -f1)
  got=$(grep -aoE 'keel-test: fetched [0-9]+ bytes md5=[0-9a-f]{32}' "$uplink/serial.txt" | grep -oE '[0-9a-f]{32}$')
  [ "$want" = "$got" ]
  result $? "Linux (uplink): the file served on 127.0.0.1 arrived whole through the e1000" "want $want, got '$got'"
  grep -q "keel: uplink: e1000 at " "$uplink/serial.txt"
  result $? "Keel found and brought up the e1000 at boot" "$(grep -a 'keel: uplink' "$uplink/serial.txt" | head -n1)"
}

# The Debian kernel's initramfs also carries the modules its PV disk test
# loads (xen-blkfront, and ext4 with what it needs), from Debian's own package.
debian_initramfs() {  # MODULES_DIR: prints the initramfs path
  local trim=$out/debian-modules/$(basename "$1") m
  mkdir -p "$trim"
  for m in crc16 mbcache jbd2 crc32c_generic ext4 xen-blkfront xen-netfront; do
    find "$1" -name "$m.ko" -exec cp {} "$trim/" \; || return 1
    [ -f "$trim/$m.ko" ] || { echo "no $m.ko in $1" >&2; return 1; }
  done
  tools/initramfs.sh --modules "$trim"
}

linux_ok=0 debian_ok=0
if kernel=$(tools/linux-kernel.sh) && initrd=$(tools/initramfs.sh); then
  linux_ok=1
  # The README's demo, as a user at a terminal meets it (tools/run.sh on a pty);
  # started once the kernel is cached, which tools/run.sh also asks for.
  mkdir -p "$out/demo"
  wait_for_slot
  ( KEEL_TIMEOUT=900 python3 tools/demo-session.py --timeout 1200 --log "$out/demo/session.log" \
      > "$out/demo/session.txt" 2>&1
    echo $? > "$out/demo/rc" ) &
  # The monitor, typed at COM1: three VMs at boot (two Multiboot guests and
  # Linux in Xen-compatible mode), a fourth config given with start=no for
  # `create` (tests/sched/monitor-session.py).
  mkdir -p "$out/monitor/files"
  cp "$build/guests/tick.elf" "$build/guests/button.elf" "$build/guests/cpuid.elf" "$out/monitor/files/"
  cp "$kernel" "$out/monitor/files/bzImage"
  cp "$initrd" "$out/monitor/files/initrd.img"
  tools/mkiso.sh -o "$out/monitor/monitor.iso" -k "$build/keel.elf" -d "$out/monitor/files" \
    -l "$build/guests/cpuid.cfg" tests/sched/ticker.cfg "$build/guests/button.cfg" tests/sched/xenvm.cfg \
    >/dev/null 2>"$out/monitor/mkiso.log" || result 1 "build the monitor ISO" "see $out/monitor/mkiso.log"
  wait_for_slot
  ( python3 tests/sched/monitor-session.py --iso "$out/monitor/monitor.iso" --dir "$out/monitor" --timeout 900 \
      > "$out/monitor/session.txt" 2>&1
    echo $? > "$out/monitor/rc" ) &
  start_linux_group tests/linux/vms 1 "$kernel" "$initrd"
  start_linux_group tests/linux/smp 2 "$kernel" "$initrd"
  start_xen_group "$kernel" "$initrd"
  if debian=$(tools/linux-kernel.sh --debian) && debmods=$(tools/linux-kernel.sh --debian-modules) &&
     debinitrd=$(debian_initramfs "$debmods"); then
    debian_ok=1
    # Each Debian kernel in a run of its own: minutes of emulated time each.
    # (Run one after the other in one Keel, the plain one was seen to stop
    # making progress after the Xen-mode one ended: see docs/architecture.md,
    # Known limits.)
    start_linux_group tests/linux/debian 1 "$debian" "$debinitrd" KEEL_BOCHS_MEGS=1024
    mkdir -p "$out/linux-debian-xen/files"  # its PV disk test reads the Xen group's disk
    cp "$xen/files/xenblk.img" "$out/linux-debian-xen/files/"
    start_linux_group tests/linux/debian-xen 1 "$debian" "$debinitrd" KEEL_BOCHS_MEGS=1024 KEEL_BOCHS_NIC=slirp
  fi
  # The PV network: small VMs on two bridges (tests/linux/net), and a VM
  # behind the uplink NIC (tests/linux/uplink). (Debian's own xen-netfront:
  # the debian-xen group.)
  start_linux_group tests/linux/net 2 "$kernel" "$initrd"
  start_uplink_group "$kernel" "$initrd"
fi
wait

# --- 5. what the runs show -------------------------------------------------------
echo "== guest tests under Keel in Bochs"
bochs_outcome "$guests" "keel powers the machine off after the last VM"
grep -v '^plat_' tests/guests/scenarios.txt > "$guests/others.txt"
check_scenarios "$guests" "$guests/others.txt"
bochs_outcome "$out/platform" "keel powers off after the last platform guest"
check_scenarios "$out/platform" "$guests/platform.txt"
check_scenarios "$guests" tests/configs/scenarios.txt

echo "== several VMs at once on one CPU (tests/sched)"
. tests/sched/check.sh
bochs_outcome "$out/sched" "sched: keel powers off after the last VM"
check_scenarios "$out/sched" tests/sched/scenarios.txt
check_sched_group "$out/sched"
bochs_outcome "$out/weights" "sched (weights): keel powers off after the last VM"
check_scenarios "$out/weights" tests/sched/weights.txt
check_weights_group "$out/weights"
bochs_outcome "$out/xstate" "sched (xstate): keel powers off after the last VM"
check_scenarios "$out/xstate" tests/sched/xstate.txt
[ "$(cat "$out/monitor/rc" 2>/dev/null)" = 0 ]
result $? "monitor on COM1: Ctrl-A x3 thrice, bad command, list, create, pause/unpause, info, reboot, shutdown (ACPI button; Xen control/shutdown), destroy" \
  "$(tail -n1 "$out/monitor/session.txt")"
[ "$(cat "$out/churn/rc" 2>/dev/null)" = 0 ]
result $? "100 VMs created and destroyed at the monitor leave the free memory where it was" \
  "$(tail -n1 "$out/churn/session.txt")"

echo "== the README's demo (tools/run.sh on a terminal)"
[ "$(cat "$out/demo/rc" 2>/dev/null)" = 0 ]
result $? "tools/run.sh reaches the guest's shell; uname, the PV disk's note, poweroff" \
  "$(tail -n2 "$out/demo/session.txt" | tr '\n' ' ')"

echo "== Linux guests under Keel in Bochs"
if [ $linux_ok -eq 1 ]; then
  check_linux_group tests/linux/vms 1
  check_linux_group tests/linux/smp 2
  check_linux_group tests/linux/net 2
  check_net_transfer "$out/linux-net"
  # Its Keel was told uplink=xenbr1 on a machine without an e1000: one line
  # at boot, and xenbr1's VMs above still talked.
  grep -q "keel: uplink: no Intel e1000 (8086:100e) on the PCI bus; bridge xenbr1 works without one" \
    "$out/linux-net/serial.txt"
  result $? "Linux (net): uplink= without an e1000 is reported at boot" \
    "$(grep -a 'keel: uplink' "$out/linux-net/serial.txt" | head -n1)"
  check_uplink_group
  check_xen_group
  if [ $debian_ok -eq 1 ]; then
    check_linux_group tests/linux/debian 1
    check_linux_group tests/linux/debian-xen 1
  else
    result 1 "unpack Debian's stock kernel" "tools/linux-kernel.sh --debian failed"
  fi
else
  result 1 "build the Linux guest kernel and initramfs" "tools/linux-kernel.sh / tools/initramfs.sh failed"
fi

# --- 6. the guest-facing parsers under libFuzzer, for a bounded time ------------
# Once the Bochs runs have ended, so each target has a core (the long runs
# and their figures: docs/testing.md, "Fuzzing").
echo "== fuzzing (${KEEL_FUZZ_SECONDS:-60} s per target)"
tools/fuzz.sh --seconds "${KEEL_FUZZ_SECONDS:-60}" > "$out/fuzz.txt" 2>&1
fuzz_lines=0
while IFS= read -r line; do
  fuzz_lines=$((fuzz_lines + 1))
  name=${line#fuzz: }; name=${name%%:*}
  [[ $line == "fuzz: $name: ok: "* ]]
  result $? "fuzz: $name (ASan+UBSan, invariants)" "${line#fuzz: $name: }"
done < <(grep -a '^fuzz: [a-z_]*: ' "$out/fuzz.txt")
[ $fuzz_lines -gt 0 ] || result 1 "fuzz: build and run the targets" "see $out/fuzz.txt"

# --- 7. no VT-x: QEMU TCG must show the refusal line and power off by itself --
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
