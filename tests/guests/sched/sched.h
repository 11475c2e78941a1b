/* SPDX-License-Identifier: BSD-2-Clause */
/* sched.h — helpers shared by the scheduler guests in sched/: command-line numbers and
 * the TSC rate. Header-only (static functions), so each guest stays one .c file. */
#ifndef GUEST_SCHED_H
#define GUEST_SCHED_H

#include "guest.h"
#include "timer.h"

/* The Multiboot command line, or "" without one (or without the Multiboot magic). */
static inline const char *sched_cmdline(uint32_t magic, uint32_t mbi)
{
    const struct multiboot_info *mi = gpa_ptr(mbi);
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC || !(mi->flags & MBI_FLAG_CMDLINE) || !mi->cmdline)
        return "";
    return gpa_ptr(mi->cmdline);
}

/* Decimal `key=N` from the command line, def when absent; FAILs the test on a malformed or
 * out-of-range value. */
static inline uint64_t sched_arg_u64(const char *cmdline, const char *key, uint64_t def,
                                     uint64_t min, uint64_t max)
{
    char arg[24];
    uint64_t v = def;
    if (cmdline_value(cmdline, key, arg, sizeof(arg)) && !(parse_u64(arg, &v) && v >= min && v <= max))
        test_fail("bad %s=%s on the command line (want %lu..%lu)", key, arg, (unsigned long)min,
                  (unsigned long)max);
    return v;
}

/* TSC ticks per second against the ACPI PM timer over 20 ms (the PIT's channel 2 when
 * there is no PM timer); FAILs the test when neither gives a rate. Leaves IF as it is. */
static inline uint64_t sched_tsc_hz(void)
{
    uint64_t hz = 0;
    const char *how = "the ACPI PM timer";
    if (pmtmr_init()) {
        hz = tsc_hz_from_pmtmr(20000);
    } else {
        how = "PIT channel 2";
        hz = tsc_hz_from_pit_counter(20000);
    }
    if (hz < 1000000u)
        test_fail("could not measure the TSC rate (%lu Hz against %s)", (unsigned long)hz, how);
    note("TSC %lu kHz (against %s)", (unsigned long)(hz / 1000), how);
    return hz;
}

#endif
