/* SPDX-License-Identifier: BSD-2-Clause */
/* Interrupt lines from devices to interrupt controllers (PIC, IOAPIC).
 * Device models are pure: they are handed a line and never know who listens. */
#ifndef KEEL_DEV_IRQ_H
#define KEEL_DEV_IRQ_H

#include <stdbool.h>

struct irq_line {
    void (*set)(void *ctx, unsigned line, bool level);
    void *ctx;
    unsigned line;      /* ISA IRQ / GSI number the device is wired to */
};

/* Drive the line: level-triggered devices hold it; edge-triggered ones
 * raise it and lower it again (irq_pulse). A line with no listener is idle. */
static inline void irq_set(const struct irq_line *l, bool level)
{
    if (l && l->set)
        l->set(l->ctx, l->line, level);
}

static inline void irq_pulse(const struct irq_line *l)
{
    irq_set(l, true);
    irq_set(l, false);
}

#endif
