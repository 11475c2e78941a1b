/* SPDX-License-Identifier: BSD-2-Clause */
/* triplefault.c — test guest: with an empty IDT (limit 0) any exception escalates
 * #UD -> #GP -> #DF -> shutdown. Keel must end the VM with "triple fault"; running
 * on is a FAIL. */
#include "guest.h"

const char test_name[] = "triplefault";

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)magic;
    (void)mbi;
    kprintf("triplefault: loading an empty IDT and executing ud2\n");
    idt_load_limit(0);
    __asm__ volatile("ud2");
    idt_init();
    test_fail("execution continued after ud2 with an empty IDT");
}
