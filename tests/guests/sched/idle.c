/* SPDX-License-Identifier: BSD-2-Clause */
/* idle.c - the smallest VM that keeps running: one line, then HLT with
 * interrupts on and nothing to raise one, so it costs its host nothing
 * until it is destroyed (the VM-creation benchmark, tools/bench-create.py,
 * and the create/destroy churn test start and stop many of them). */
#include "guest.h"

const char test_name[] = "idle";

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)magic, (void)mbi;
    kprintf("idle: up\n");
    for (;;)
        __asm__ volatile("sti; hlt" ::: "memory");
}
