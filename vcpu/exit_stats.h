/* SPDX-License-Identifier: BSD-2-Clause */
/* Per-vCPU exit accounting: count and root-mode TSC cycles per exit reason. */
#ifndef KEEL_VCPU_EXIT_STATS_H
#define KEEL_VCPU_EXIT_STATS_H

#include <stdint.h>

#define EXIT_STATS_SLOTS 72     /* basic exit reasons; the last slot counts unknown ones */

struct exit_stats {
    uint64_t count[EXIT_STATS_SLOTS];
    uint64_t cycles[EXIT_STATS_SLOTS];
};

static inline void exit_stats_add(struct exit_stats *s, unsigned reason, uint64_t cycles)
{
    if (reason >= EXIT_STATS_SLOTS)
        reason = EXIT_STATS_SLOTS - 1;
    s->count[reason]++;
    s->cycles[reason] += cycles;
}

/* Print the table of non-zero rows, titled with the VM name. */
void exit_stats_print(const struct exit_stats *s, const char *vm_name, unsigned vcpu_id);

#endif
