/* SPDX-License-Identifier: BSD-2-Clause */
/* share.c — scheduler test guest for proportional shares: CPU-bound work over a fixed
 * window of `ms=` milliseconds of TSC time (default 1500; the TSC rate is measured against
 * the ACPI PM timer first). Counts iterations of a tight loop (a volatile increment, in
 * chunks of 4096 between TSC reads), then prints "share: tag=TAG iterations=N" (TAG from
 * `tag=`, default "share") and PASSes. Two VMs running it side by side on one CPU get
 * iteration counts in the ratio of their CPU time, which the test compares with their
 * cpu_weight. Interrupts stay off throughout. */
#include "guest.h"
#include "sched.h"

const char test_name[] = "share";

#define DEFAULT_MS  1500u
#define CHUNK       4096u

static volatile uint64_t counter;

void guest_main(uint32_t magic, uint32_t mbi)
{
    const char *cmdline = sched_cmdline(magic, mbi);
    uint64_t ms = sched_arg_u64(cmdline, "ms", DEFAULT_MS, 1, 3600000u);
    char tag[32] = "share";
    if (cmdline_value(cmdline, "tag", tag, sizeof(tag)) && !tag[0])
        test_fail("empty tag= on the command line");
    uint64_t hz = sched_tsc_hz();
    uint64_t window = hz / 1000 * ms;

    note("tag %s: counting iterations for %lu ms of TSC", tag, (unsigned long)ms);
    uint64_t iterations = 0;
    uint64_t t0 = rdtsc_ordered(), now;
    do {
        for (unsigned i = 0; i < CHUNK; i++)
            counter++;
        iterations += CHUNK;
        now = rdtsc_ordered();
    } while (now - t0 < window);

    kprintf("share: tag=%s iterations=%lu\n", tag, (unsigned long)iterations);
    note("window %lu ms of TSC, %lu iterations per ms", (unsigned long)((now - t0) * 1000 / hz),
         (unsigned long)(iterations / ms));
    test_pass();
}
