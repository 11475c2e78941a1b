/* SPDX-License-Identifier: BSD-2-Clause */
/* irq.h — external interrupts for the guests: a full 256-entry IDT whose vectors 32-255
 * go through irqstub.asm into irq_dispatch(), which counts the interrupt and calls the
 * C handler registered for that vector (then IRETQ). Also STI/CLI/HLT helpers.
 * Handlers run with IF=0 on the boot stack; they must send their own EOI. */
#ifndef GUEST_IRQ_H
#define GUEST_IRQ_H

#include <stdbool.h>
#include <stdint.h>
#include "cpu.h"
#include "fault.h"

#define IRQ_VEC_FIRST   32
#define IRQ_NR_VECTORS  256

typedef void (*irq_handler_t)(struct trap_frame *f);

/* Loads a 256-entry IDT: exceptions (0-31) go to the usual fault handling, 32-255 to the
 * dispatcher. Idempotent. Leaves IF as it is (crt0 runs with IF=0). */
void irq_init(void);

/* Installs (or, with NULL, removes) the handler for vector 32..255. */
void irq_register(unsigned vector, irq_handler_t h);

/* Every interrupt taken on vector v increments irq_count[v], handled or not. */
extern volatile uint32_t irq_count[IRQ_NR_VECTORS];
/* Interrupts on vectors without a handler (not acknowledged anywhere), and the last one. */
extern volatile uint32_t irq_unhandled;
extern volatile uint32_t irq_unhandled_last;

static inline void sti(void)
{
    __asm__ volatile("sti" : : : "memory");
}

static inline void cli(void)
{
    __asm__ volatile("cli" : : : "memory");
}

static inline void hlt(void)
{
    __asm__ volatile("hlt" : : : "memory");
}

/* STI's one-instruction shadow makes "sti; hlt" atomic: an interrupt already pending is
 * taken after HLT has begun, so it wakes the CPU instead of being lost. IF stays 1. */
static inline void sti_hlt(void)
{
    __asm__ volatile("sti; hlt" : : : "memory");
}

/* Same, then back to IF=0: sleeps until (at least) one interrupt has been handled. */
static inline void sti_hlt_cli(void)
{
    __asm__ volatile("sti; hlt; cli" : : : "memory");
}

static inline void cpu_pause(void)
{
    __asm__ volatile("pause" : : : "memory");
}

/* Sleeps with HLT until *counter >= target, at most max_halts times (any interrupt ends a
 * HLT). Only for a source already seen firing: HLT with nothing to come never returns.
 * Emulators may starve device timers while the CPU polls I/O ports, so rate measurements
 * should sleep like this rather than spin. Returns the number of HLTs, with IF=0. */
static inline unsigned hlt_until(volatile uint32_t *counter, uint32_t target, unsigned max_halts)
{
    unsigned n = 0;
    while (*counter < target && n < max_halts) {
        sti_hlt_cli();
        n++;
    }
    return n;
}

static inline bool irqs_enabled(void)
{
    return (read_rflags() & (1u << 9)) != 0;
}

#endif
