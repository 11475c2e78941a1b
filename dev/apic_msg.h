/* SPDX-License-Identifier: BSD-2-Clause */
/* Interrupt messages on the (virtual) APIC bus: from the IOAPIC's redirection
 * entries and from LAPIC ICR writes (IPIs) to the target LAPICs
 * (SDM Vol. 3A 11.6.1, 11.12.10; 82093AA IOAPIC datasheet 3.2.4). */
#ifndef KEEL_DEV_APIC_MSG_H
#define KEEL_DEV_APIC_MSG_H

#include <stdbool.h>
#include <stdint.h>

enum apic_delivery {
    APIC_DM_FIXED = 0,
    APIC_DM_LOWEST = 1,
    APIC_DM_SMI = 2,
    APIC_DM_NMI = 4,
    APIC_DM_INIT = 5,
    APIC_DM_STARTUP = 6,
    APIC_DM_EXTINT = 7,
};

enum apic_shorthand {
    APIC_SH_NONE = 0,
    APIC_SH_SELF = 1,
    APIC_SH_ALL_INCLUDING_SELF = 2,
    APIC_SH_ALL_EXCLUDING_SELF = 3,
};

struct apic_msg {
    uint32_t dest;              /* xAPIC: 8-bit ID or logical mask; x2APIC: 32-bit */
    bool logical;               /* destination mode */
    uint8_t vector;
    enum apic_delivery delivery;
    bool level_triggered;
    bool assert;                /* level: assert (1) or de-assert (0); INIT level de-assert is ignored */
    enum apic_shorthand shorthand;
    uint32_t source_apic_id;    /* the sender, for shorthands; IOAPIC messages use APIC_SH_NONE */
};

/* Whoever routes messages to LAPICs (the VM) implements this. */
struct apic_bus {
    void (*send)(void *ctx, const struct apic_msg *m);
    void *ctx;
};

#endif
