/* SPDX-License-Identifier: BSD-2-Clause */
/* outside.c — test guest: a read of guest-physical 0x40000000, past the end of the
 * 16 MiB of RAM. Keel must end the VM with an error naming that GPA; running on is
 * a FAIL. (crt0 identity-maps 4 GiB, so this is a plain load, not a #PF.) */
#include "guest.h"

const char test_name[] = "outside";

#define OUTSIDE_GPA 0x40000000ull

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)magic;
    (void)mbi;
    kprintf("outside: reading GPA 0x%lx (outside RAM)\n", (unsigned long)OUTSIDE_GPA);
    uint8_t v = *(volatile uint8_t *)(uintptr_t)OUTSIDE_GPA;
    test_fail("read of GPA 0x%lx returned 0x%02x and execution continued",
              (unsigned long)OUTSIDE_GPA, v);
}
