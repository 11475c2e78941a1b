#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# qemu-tcg-check.sh - boots every guest natively under QEMU TCG (no Keel) to check the
# guests' own mechanics: Multiboot headers, long mode entry, IDT/fault handling, debug
# exit. Keel-specific checks fail here by design; EXPECT is what bare QEMU 7.2 gives
# (see README.md). Usage: qemu-tcg-check.sh [GUEST_DIR]   (default build/guests)
# GUEST_DIR is bind-mounted on /boot in a private mount namespace, so command lines and
# module strings read "/boot/..." exactly as under Keel. Exits 1 on any surprise.
set -u
dir=$(cd "${1:-build/guests}" && pwd) || exit 2
log=${LOGDIR:-/tmp/keel-guest-logs}
mkdir -p "$log"

if [ -z "${KEEL_IN_NS:-}" ]; then
    for ns in "-m" "-r -m"; do
        if unshare $ns true 2>/dev/null; then
            exec env KEEL_IN_NS=1 LOGDIR="$log" unshare $ns \
                sh -c 'mount --bind "$1" /boot && exec sh "$2" /boot' sh "$dir" "$0"
        fi
    done
    echo "note: no mount namespace: paths are not /boot/..., so cmdline will FAIL"
fi

# NAME|KERNEL|QEMU ARGS|EXPECT: bare-QEMU exit status (124: hangs until the timeout)
surprises=0
while IFS='|' read -r name kernel args expect; do
    if [ "$name" = cmdline ]; then
        set -- -append "alpha=1 beta=two" -initrd "$dir/mod-a.bin first arg,$dir/mod-b.bin"
    else
        # shellcheck disable=SC2086
        set -- $args
    fi
    timeout 20 qemu-system-x86_64 -display none -no-reboot -m 16 -monitor none \
        -serial "file:$log/$name.log" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -kernel "$dir/$kernel" "$@" >/dev/null 2>"$log/$name.err"
    rc=$?
    verdict=as-expected
    if [ "$rc" != "$expect" ]; then
        verdict=SURPRISE
        surprises=$((surprises + 1))
    fi
    printf '%-12s status %-4s expect %-4s %-12s %s\n' "$name" "$rc" "$expect" "$verdict" \
        "$(grep -E ': (PASS|FAIL)' "$log/$name.log" | tail -1)"
done <<'RUNS'
cpuid|cpuid.elf||35
serial|serial.elf||33
msr|msr.elf||35
vmx|vmx.elf||124
xsetbv|xsetbv.elf|-cpu max|33
longmode|longmode.elf||33
vmcall|vmcall.elf||35
ioport|ioport.elf||33
cmdline|cmdline.elf||33
hlt|hlt.elf||124
triplefault|triplefault.elf||0
outside|outside.elf||35
poweroff|poweroff.bin||35
demo|demo.elf|-append greeting=hello|35
bench|bench.elf|-append n=1000|33
RUNS
echo "serial logs: $log"
[ "$surprises" -eq 0 ]
