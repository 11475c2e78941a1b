/* SPDX-License-Identifier: BSD-2-Clause */
/* I/O APIC model (pure; runs at MMIO exits in its window, device line changes and LAPIC EOIs). */
#include <stddef.h>
#include <string.h>
#include "dev/ioapic.h"

#define VER_VALUE   (((IOAPIC_NUM_PINS - 1) << 16) | IOAPIC_VERSION)
/* Writable low-dword bits: vector, delivery mode, dest mode, polarity, trigger, mask. */
#define LOW_RW      ((uint32_t)(IOAPIC_RTE_VECTOR | IOAPIC_RTE_DELMODE | IOAPIC_RTE_DESTMODE | \
                                IOAPIC_RTE_POLARITY | IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED))
/* Writable high-dword bits: extended destination ID 55:48, destination 63:56. */
#define HIGH_RW     0xFFFF0000u

static unsigned delivery_mode(uint64_t e)
{
    return (unsigned)((e & IOAPIC_RTE_DELMODE) >> IOAPIC_RTE_DELMODE_SHIFT);
}

/* Level semantics (remote IRR, EOI) apply to fixed and lowest-priority
 * entries with trigger = level; SMI/NMI/INIT/ExtINT are always edge. */
static bool level_entry(uint64_t e)
{
    unsigned dm = delivery_mode(e);
    return (e & IOAPIC_RTE_LEVEL) && (dm == APIC_DM_FIXED || dm == APIC_DM_LOWEST);
}

static bool pin_asserted(const struct ioapic *io, unsigned pin)
{
    bool in = ((io->lines ^ io->inverted) >> pin) & 1;     /* the electrical input */
    return in != ((io->redir[pin] & IOAPIC_RTE_POLARITY) != 0);
}

static void send(struct ioapic *io, uint64_t e)
{
    unsigned dm = delivery_mode(e);
    if (dm == 3 || dm == 6 || !io->bus.send)
        return;                                 /* reserved modes */
    struct apic_msg m = {
        .dest = (uint32_t)(e >> IOAPIC_RTE_DEST_SHIFT),
        .logical = (e & IOAPIC_RTE_DESTMODE) != 0,
        .vector = (uint8_t)(e & IOAPIC_RTE_VECTOR),
        .delivery = (enum apic_delivery)dm,
        .level_triggered = level_entry(e),
        .assert = true,
        .shorthand = APIC_SH_NONE,
        .source_apic_id = 0,
    };
    io->bus.send(io->bus.ctx, &m);
}

/* Level entry: send when asserted, unmasked and not awaiting EOI. */
static void service_level(struct ioapic *io, unsigned pin)
{
    uint64_t e = io->redir[pin];
    if (!level_entry(e) || (e & (IOAPIC_RTE_MASKED | IOAPIC_RTE_REMOTE_IRR)) ||
        !pin_asserted(io, pin))
        return;
    io->redir[pin] = e | IOAPIC_RTE_REMOTE_IRR;    /* before send: it may re-enter */
    send(io, e);
}

void ioapic_init(struct ioapic *io, uint8_t id, const struct apic_bus *bus)
{
    memset(io, 0, sizeof(*io));
    for (unsigned i = 0; i < IOAPIC_NUM_PINS; i++)
        io->redir[i] = IOAPIC_RTE_MASKED;
    io->id = id & 0x0F;
    io->arb = io->id;
    if (bus)
        io->bus = *bus;
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level)
{
    if (!io || pin >= IOAPIC_NUM_PINS)
        return;
    bool old = (io->lines >> pin) & 1;
    if (level)
        io->lines |= 1u << pin;
    else
        io->lines &= ~(1u << pin);
    uint64_t e = io->redir[pin];
    if (level_entry(e)) {
        service_level(io, pin);
        return;
    }
    /* Edge: a change of the input into the asserted state. */
    if (old != level && pin_asserted(io, pin) && !(e & IOAPIC_RTE_MASKED))
        send(io, e);
}

void ioapic_set_active_low_inputs(struct ioapic *io, uint32_t pin_mask)
{
    io->inverted = pin_mask & ((1u << IOAPIC_NUM_PINS) - 1);
    for (unsigned pin = 0; pin < IOAPIC_NUM_PINS; pin++)
        service_level(io, pin);
}

void ioapic_irq_line_set(void *ctx, unsigned line, bool level)
{
    ioapic_set_irq(ctx, line, level);
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
    if (!io)
        return;
    for (unsigned pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        uint64_t e = io->redir[pin];
        if ((e & IOAPIC_RTE_VECTOR) != vector || !(e & IOAPIC_RTE_REMOTE_IRR))
            continue;
        io->redir[pin] = e & ~IOAPIC_RTE_REMOTE_IRR;
        service_level(io, pin);
    }
}

void ioapic_eoi_broadcast(void *ctx, uint8_t vector)
{
    ioapic_eoi(ctx, vector);
}

static uint32_t read_reg(const struct ioapic *io, unsigned reg)
{
    switch (reg) {
    case IOAPIC_REG_ID:  return (uint32_t)io->id << 24;
    case IOAPIC_REG_VER: return VER_VALUE;
    case IOAPIC_REG_ARB: return (uint32_t)io->arb << 24;
    }
    if (reg < IOAPIC_REG_REDTBL || reg >= IOAPIC_REG_REDTBL + 2 * IOAPIC_NUM_PINS)
        return 0;
    uint64_t e = io->redir[(reg - IOAPIC_REG_REDTBL) / 2];
    return reg & 1 ? (uint32_t)(e >> 32) : (uint32_t)e;
}

static void write_reg(struct ioapic *io, unsigned reg, uint32_t val)
{
    if (reg == IOAPIC_REG_ID) {
        io->id = (val >> 24) & 0x0F;
        io->arb = io->id;
        return;
    }
    if (reg < IOAPIC_REG_REDTBL || reg >= IOAPIC_REG_REDTBL + 2 * IOAPIC_NUM_PINS)
        return;                                 /* VER, ARB and the rest are read-only */
    unsigned pin = (reg - IOAPIC_REG_REDTBL) / 2;
    uint64_t e = io->redir[pin];
    if (reg & 1) {
        e = (e & 0xFFFFFFFFull) | (uint64_t)(val & HIGH_RW) << 32;
    } else {
        e = (e & ~(uint64_t)0xFFFFFFFFu) | (val & LOW_RW) | (e & IOAPIC_RTE_REMOTE_IRR);
        if (!level_entry(e))
            e &= ~IOAPIC_RTE_REMOTE_IRR;
    }
    io->redir[pin] = e;
    service_level(io, pin);
}

static uint32_t all_ones(unsigned size)
{
    return size >= 4 ? 0xFFFFFFFFu : (uint32_t)((1ull << (8 * size)) - 1);
}

uint32_t ioapic_mmio_read(struct ioapic *io, uint64_t offset, unsigned size)
{
    if (size != 4)
        return all_ones(size);
    if (offset == IOAPIC_IOREGSEL)
        return io->regsel;
    if (offset == IOAPIC_IOWIN)
        return read_reg(io, io->regsel);
    return all_ones(size);
}

void ioapic_mmio_write(struct ioapic *io, uint64_t offset, unsigned size, uint32_t val)
{
    if (size != 4)
        return;
    if (offset == IOAPIC_IOREGSEL)
        io->regsel = (uint8_t)val;
    else if (offset == IOAPIC_IOWIN)
        write_reg(io, io->regsel, val);
    else if (offset == IOAPIC_EOI)
        ioapic_eoi(io, (uint8_t)val);
}
