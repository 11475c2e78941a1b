/* SPDX-License-Identifier: BSD-2-Clause */
/* Printing a vCPU's exit accounting when its VM ends (boot CPU). */
#include "lib/print.h"
#include "vcpu/exit_stats.h"
#include "vmx/exit.h"

void exit_stats_print(const struct exit_stats *s, const char *vm_name, unsigned vcpu_id)
{
    uint64_t total = 0, total_cycles = 0;
    for (unsigned r = 0; r < EXIT_STATS_SLOTS; r++) {
        total += s->count[r];
        total_cycles += s->cycles[r];
    }
    printk("keel: vm %s vcpu %u exits: %lu, cycles in Keel: %lu\n", vm_name, vcpu_id, total,
           total_cycles);
    if (!total)
        return;
    printk("keel:   %-28s %12s %14s %10s\n", "reason", "count", "cycles", "cyc/exit");
    for (unsigned r = 0; r < EXIT_STATS_SLOTS; r++) {
        if (!s->count[r])
            continue;
        printk("keel:   %-28s %12lu %14lu %10lu\n", exit_reason_name(r), s->count[r],
               s->cycles[r], s->cycles[r] / s->count[r]);
    }
}
