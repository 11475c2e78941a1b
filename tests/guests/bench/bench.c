/* SPDX-License-Identifier: BSD-2-Clause */
/* bench.c — benchmark guest: times N round trips (cmdline "n=NUMBER", default 10000)
 * of CPUID leaf 0, an emulated port read (in al, 0x3FD: the UART LSR) and VMCALL,
 * each bracketed by lfence;rdtsc, and prints "bench: KIND N=... cycles/op=...".
 * Ends with PASS via debug exit. */
#include "guest.h"

const char test_name[] = "bench";

#define DEFAULT_N 10000u

static uint64_t time_cpuid(uint64_t n)
{
    uint64_t t0 = rdtsc_ordered();
    for (uint64_t i = 0; i < n; i++)
        (void)cpuid(0, 0);
    return rdtsc_ordered() - t0;
}

static uint64_t time_pio(uint64_t n)
{
    uint64_t t0 = rdtsc_ordered();
    for (uint64_t i = 0; i < n; i++)
        (void)inb(COM1 + UART_LSR);
    return rdtsc_ordered() - t0;
}

static inline uint64_t vmcall(uint64_t nr)
{
    uint64_t ret;
    __asm__ volatile("vmcall" : "=a"(ret) : "a"(nr) : "memory");
    return ret;
}

static uint64_t time_vmcall(uint64_t n)
{
    uint64_t t0 = rdtsc_ordered();
    for (uint64_t i = 0; i < n; i++)
        (void)vmcall(0);
    return rdtsc_ordered() - t0;
}

/* One guarded VMCALL first: natively (no hypervisor) it is #UD, and the loop is skipped. */
static bool vmcall_works(uint64_t *ret)
{
    if (fault_try())
        return false;
    *ret = vmcall(0);
    fault_end();
    return true;
}

static void report(const char *kind, uint64_t n, uint64_t cycles)
{
    kprintf("bench: %s N=%lu cycles/op=%lu\n", kind, (unsigned long)n, (unsigned long)(cycles / n));
}

void guest_main(uint32_t magic, uint32_t mbi)
{
    uint64_t n = DEFAULT_N;
    const struct multiboot_info *mi = gpa_ptr(mbi);
    if (magic == MULTIBOOT_BOOTLOADER_MAGIC && (mi->flags & MBI_FLAG_CMDLINE)) {
        char arg[24];
        if (cmdline_value(gpa_ptr(mi->cmdline), "n", arg, sizeof(arg)) && !(parse_u64(arg, &n) && n > 0))
            test_fail("bad n=%s on the command line (want a positive integer)", arg);
    }

    (void)time_cpuid(n / 10 + 1);       /* warm up caches and the exit path */
    report("cpuid", n, time_cpuid(n));
    report("pio-in", n, time_pio(n));

    uint64_t ret = 0;
    if (vmcall_works(&ret)) {
        if (ret != (uint64_t)-38)
            note("VMCALL returned 0x%lx, not -ENOSYS", (unsigned long)ret);
        report("vmcall", n, time_vmcall(n));
    } else {
        kprintf("bench: vmcall skipped: %s (no hypervisor handles VMCALL here)\n",
                vector_name(last_fault.vector));
    }
    test_pass();
}
