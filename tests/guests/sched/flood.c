/* SPDX-License-Identifier: BSD-2-Clause */
/* flood.c — scheduler test guest: floods the console. Prints `lines=` lines (default 2000)
 * of 70 characters, "flood: line N xxx...", as fast as polled COM1 output allows, then
 * PASSes: a VM that exits on every byte must not starve the others or the host console. */
#include "guest.h"
#include "sched.h"

const char test_name[] = "flood";

#define DEFAULT_LINES   2000u
#define LINE_CHARS      70u         /* without the newline */

void guest_main(uint32_t magic, uint32_t mbi)
{
    const char *cmdline = sched_cmdline(magic, mbi);
    uint64_t lines = sched_arg_u64(cmdline, "lines", DEFAULT_LINES, 1, 100000000u);
    char fill[LINE_CHARS + 1];
    memset(fill, 'x', LINE_CHARS);
    fill[LINE_CHARS] = '\0';

    for (uint64_t n = 1; n <= lines; n++) {
        /* "flood: line " is 12 characters, then N and a space, then x up to LINE_CHARS. */
        unsigned digits = 1;
        for (uint64_t v = n; v >= 10; v /= 10)
            digits++;
        unsigned used = 12 + digits + 1;
        kprintf("flood: line %lu %s\n", (unsigned long)n, fill + (used < LINE_CHARS ? used : LINE_CHARS));
    }
    kprintf("flood: %lu lines printed\n", (unsigned long)lines);
    test_pass();
}
