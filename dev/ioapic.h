/* SPDX-License-Identifier: BSD-2-Clause */
/* I/O APIC model (pure; called at MMIO exits in its window, device line changes and LAPIC EOIs). */
#ifndef KEEL_DEV_IOAPIC_H
#define KEEL_DEV_IOAPIC_H

/*
 * Register layout from the Intel 82093AA I/O APIC datasheet (290566):
 * 3.0 register description, 3.2.4 redirection table. Presented as version
 * 0x20 with the EOI register of later Intel I/O APICs (ICH/PCH datasheets,
 * "I/O APIC EOI register"), which Linux 6.1 uses for level interrupts
 * (arch/x86/kernel/apic/io_apic.c, __eoi_ioapic_pin, version >= 0x20).
 *
 * MMIO window of 0x1000 bytes (at 0xFEC00000; offsets are relative to it):
 *   0x00 IOREGSEL  index, bits 7:0 (31:8 read 0)
 *   0x10 IOWIN     the register selected
 *   0x40 EOI       write-only: bits 7:0 = vector, as ioapic_eoi()
 * Only aligned 32-bit accesses at these offsets are defined. Any other
 * access (other size, other offset, a read of EOI, beyond the window) reads
 * all ones for its size and writes are ignored.
 *
 * Registers (through IOWIN):
 *   0x00 ID    bits 27:24 RW, others 0
 *   0x01 VER   0x00170020: version 0x20, max redirection entry 23 (RO)
 *   0x02 ARB   bits 27:24 = arbitration ID, loaded from ID when ID is written (RO)
 *   0x10 + 2n  redirection entry n low dword, 0x11 + 2n high dword, n < 24
 *   others     read 0, writes ignored
 *
 * Redirection entry: 7:0 vector, 10:8 delivery mode, 11 destination mode
 * (1 = logical), 12 delivery status (RO, always 0: delivery is immediate),
 * 13 polarity (1 = active low), 14 remote IRR (RO), 15 trigger mode
 * (1 = level), 16 mask, 55:48 extended destination ID (RW, kept but not
 * used for delivery), 63:56 destination. Bits 47:17 are reserved and read
 * 0. Reset: every entry masked, other fields 0.
 *
 * Delivery (on apic_bus.send: dest = bits 63:56, logical, vector,
 * delivery mode, level_triggered, assert = 1, no shorthand, source 0):
 *  - The pin's input, XOR polarity, is the asserted state.
 *  - Edge entries (and SMI/NMI/INIT/ExtINT, which the datasheet allows only
 *    edge triggered): a change of the input that leaves the pin asserted,
 *    while unmasked, sends one message. Edges while masked are lost, and
 *    unmasking or rewriting an entry never sends by itself.
 *  - Level entries (fixed or lowest priority with trigger = 1): while the pin
 *    is asserted, unmasked and remote IRR is 0, a message is sent and remote
 *    IRR set. EOI of the vector clears remote IRR, and the entry is
 *    re-checked, so a still-asserted pin sends again. Re-checked as well
 *    after every write of the entry (unmask, polarity).
 *  - Writing an entry that is not a level entry clears remote IRR (the
 *    82093AA clears it in edge mode; Linux relies on it to unstick pins).
 *  - Reserved delivery modes (3, 6) send nothing.
 *
 * Pin inputs are electrical levels, all low after ioapic_init. A line that
 * is active low on the wire (PCI INTx#: Keel's _PRT tells the guest to
 * program those pins level, active low) must idle high, or the guest's
 * level/low entry would see it asserted for ever: the platform names such
 * pins once with ioapic_set_active_low_inputs(). For those pins the level
 * passed to ioapic_set_irq is the device's asserted state, and the input is
 * its inverse, so device models always drive "true = asserted".
 */

#include <stdbool.h>
#include <stdint.h>
#include "dev/apic_msg.h"

#define IOAPIC_BASE         0xFEC00000u
#define IOAPIC_MMIO_SIZE    0x1000u
#define IOAPIC_NUM_PINS     24u
#define IOAPIC_VERSION      0x20u

#define IOAPIC_IOREGSEL     0x00u
#define IOAPIC_IOWIN        0x10u
#define IOAPIC_EOI          0x40u

#define IOAPIC_REG_ID       0x00u
#define IOAPIC_REG_VER      0x01u
#define IOAPIC_REG_ARB      0x02u
#define IOAPIC_REG_REDTBL   0x10u

#define IOAPIC_RTE_VECTOR       0xFFull
#define IOAPIC_RTE_DELMODE_SHIFT 8
#define IOAPIC_RTE_DELMODE      (7ull << 8)
#define IOAPIC_RTE_DESTMODE     (1ull << 11)    /* logical */
#define IOAPIC_RTE_DELIVS       (1ull << 12)
#define IOAPIC_RTE_POLARITY     (1ull << 13)    /* active low */
#define IOAPIC_RTE_REMOTE_IRR   (1ull << 14)
#define IOAPIC_RTE_LEVEL        (1ull << 15)
#define IOAPIC_RTE_MASKED       (1ull << 16)
#define IOAPIC_RTE_EDID_SHIFT   48
#define IOAPIC_RTE_DEST_SHIFT   56

struct ioapic {
    uint64_t redir[IOAPIC_NUM_PINS];
    uint32_t lines;             /* level last given to ioapic_set_irq, bit n = pin n */
    uint32_t inverted;          /* pins wired through an inverter (active-low lines) */
    uint8_t id, arb;            /* 4-bit IDs */
    uint8_t regsel;
    struct apic_bus bus;
};

/* id: bits 3:0 are kept. bus is copied; NULL sends nowhere. */
void ioapic_init(struct ioapic *io, uint8_t id, const struct apic_bus *bus);
uint32_t ioapic_mmio_read(struct ioapic *io, uint64_t offset, unsigned size);
void ioapic_mmio_write(struct ioapic *io, uint64_t offset, unsigned size, uint32_t val);
/* Pins in pin_mask (bit n = pin n) are active-low lines, idle high; see above. */
void ioapic_set_active_low_inputs(struct ioapic *io, uint32_t pin_mask);
/* Drive the line into pin `pin` (0..23; others ignored) to `level`. */
void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level);
/* irq_line.set for a line wired to this IOAPIC: ctx is the struct ioapic, line the pin. */
void ioapic_irq_line_set(void *ctx, unsigned line, bool level);
/* Broadcast EOI from a LAPIC for a level-triggered vector. */
void ioapic_eoi(struct ioapic *io, uint8_t vector);
/* The same with the lapic.eoi_broadcast shape: ctx is the struct ioapic. */
void ioapic_eoi_broadcast(void *ctx, uint8_t vector);

#endif
