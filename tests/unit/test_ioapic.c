/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for the I/O APIC model (dev/ioapic.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "dev/ioapic.h"
#include "dev/irq.h"

#define MAX_MSGS 64

struct fake_bus {
    struct apic_msg msg[MAX_MSGS];
    unsigned n;                 /* messages seen (may exceed MAX_MSGS) */
};

static struct ioapic io;
static struct fake_bus fb;

static void bus_send(void *ctx, const struct apic_msg *m)
{
    struct fake_bus *b = ctx;
    if (b->n < MAX_MSGS)
        b->msg[b->n] = *m;
    b->n++;
}

static void setup_io(uint8_t id)
{
    struct apic_bus bus = { .send = bus_send, .ctx = &fb };
    memset(&fb, 0, sizeof(fb));
    ioapic_init(&io, id, &bus);
}

/* Linux's io_apic_read / io_apic_write: writel(reg, index); readl/writel(data). */
static uint32_t reg_read(unsigned reg)
{
    ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 4, reg);
    return ioapic_mmio_read(&io, IOAPIC_IOWIN, 4);
}

static void reg_write(unsigned reg, uint32_t val)
{
    ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 4, reg);
    ioapic_mmio_write(&io, IOAPIC_IOWIN, 4, val);
}

static uint64_t rte_read(unsigned pin)
{
    return reg_read(0x10 + 2 * pin) | (uint64_t)reg_read(0x11 + 2 * pin) << 32;
}

/* Linux ioapic_write_entry: high dword first, then low. */
static void rte_write(unsigned pin, uint64_t e)
{
    reg_write(0x11 + 2 * pin, (uint32_t)(e >> 32));
    reg_write(0x10 + 2 * pin, (uint32_t)e);
}

static uint64_t rte(uint8_t vector, unsigned dm, bool logical, bool active_low, bool level,
                    bool masked, uint8_t dest)
{
    return vector | (uint64_t)dm << 8 | (logical ? IOAPIC_RTE_DESTMODE : 0) |
           (active_low ? IOAPIC_RTE_POLARITY : 0) | (level ? IOAPIC_RTE_LEVEL : 0) |
           (masked ? IOAPIC_RTE_MASKED : 0) | (uint64_t)dest << 56;
}

static void expect_msg(unsigned i, uint8_t vector, enum apic_delivery dm, bool logical,
                       uint32_t dest, bool level)
{
    assert_true(i < fb.n);
    const struct apic_msg *m = &fb.msg[i];
    assert_int_equal(m->vector, vector);
    assert_int_equal(m->delivery, dm);
    assert_int_equal(m->logical, logical);
    assert_int_equal(m->dest, dest);
    assert_int_equal(m->level_triggered, level);
    assert_true(m->assert);
    assert_int_equal(m->shorthand, APIC_SH_NONE);
}

static void test_id_version_arb(void **state)
{
    (void)state;
    setup_io(0x04);
    assert_int_equal(reg_read(IOAPIC_REG_ID), 0x04000000);
    assert_int_equal(reg_read(IOAPIC_REG_VER), 0x00170020);
    assert_int_equal(reg_read(IOAPIC_REG_ARB), 0x04000000);
    /* ID: bits 27:24 only; ARB follows it; VER and ARB are read-only. */
    reg_write(IOAPIC_REG_ID, 0xFFFFFFFF);
    assert_int_equal(reg_read(IOAPIC_REG_ID), 0x0F000000);
    assert_int_equal(reg_read(IOAPIC_REG_ARB), 0x0F000000);
    reg_write(IOAPIC_REG_ID, 0x02000000);
    reg_write(IOAPIC_REG_VER, 0);
    reg_write(IOAPIC_REG_ARB, 0);
    assert_int_equal(reg_read(IOAPIC_REG_ID), 0x02000000);
    assert_int_equal(reg_read(IOAPIC_REG_VER), 0x00170020);
    assert_int_equal(reg_read(IOAPIC_REG_ARB), 0x02000000);
    /* Init keeps 4 bits of the ID. */
    setup_io(0x35);
    assert_int_equal(reg_read(IOAPIC_REG_ID), 0x05000000);
    /* Unimplemented registers read 0 and ignore writes. */
    for (unsigned reg = 3; reg < 0x10; reg++) {
        reg_write(reg, 0xFFFFFFFF);
        assert_int_equal(reg_read(reg), 0);
    }
    for (unsigned reg = 0x40; reg < 0x100; reg++) {
        reg_write(reg, 0xFFFFFFFF);
        assert_int_equal(reg_read(reg), 0);
    }
    /* IOREGSEL keeps 8 bits. */
    ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 4, 0xFFFFFF01);
    assert_int_equal(ioapic_mmio_read(&io, IOAPIC_IOREGSEL, 4), 0x01);
    assert_int_equal(ioapic_mmio_read(&io, IOAPIC_IOWIN, 4), 0x00170020);
    assert_int_equal(fb.n, 0);
}

static void test_reset_state_and_field_access(void **state)
{
    (void)state;
    setup_io(1);
    for (unsigned pin = 0; pin < IOAPIC_NUM_PINS; pin++)
        assert_int_equal(rte_read(pin), IOAPIC_RTE_MASKED);
    /* All ones: reserved 47:17 read 0, DELIVS and remote IRR are RO. */
    rte_write(5, UINT64_MAX);
    assert_int_equal(rte_read(5), 0xFFFF00000001AFFFull);
    rte_write(5, 0);
    assert_int_equal(rte_read(5), 0);
    /* Extended destination 55:48 is kept. */
    rte_write(6, 0x00AB000000010000ull | 0x12ull << 56);
    assert_int_equal(rte_read(6), 0x12AB000000010000ull);
    /* Writing one dword leaves the other. */
    reg_write(0x10 + 2 * 7, 0x1834);            /* bit 12 (DELIVS) is dropped */
    reg_write(0x11 + 2 * 7, 0xFF000000);
    assert_int_equal(rte_read(7), 0xFF00000000000834ull);
    assert_int_equal(fb.n, 0);
}

static void test_mmio_access_rules(void **state)
{
    (void)state;
    setup_io(1);
    reg_write(0x10, 0x31);
    ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 4, 0x10);
    /* Non-32-bit accesses: read all ones for the size, writes ignored. */
    assert_int_equal(ioapic_mmio_read(&io, IOAPIC_IOWIN, 1), 0xFF);
    assert_int_equal(ioapic_mmio_read(&io, IOAPIC_IOWIN, 2), 0xFFFF);
    assert_int_equal(ioapic_mmio_read(&io, IOAPIC_IOWIN, 8), 0xFFFFFFFF);
    assert_int_equal(ioapic_mmio_read(&io, IOAPIC_IOREGSEL, 1), 0xFF);
    ioapic_mmio_write(&io, IOAPIC_IOWIN, 1, 0x55);
    ioapic_mmio_write(&io, IOAPIC_IOWIN, 2, 0x55);
    ioapic_mmio_write(&io, IOAPIC_IOWIN, 8, 0x55);
    ioapic_mmio_write(&io, IOAPIC_IOREGSEL, 1, 0x12);
    ioapic_mmio_write(&io, 0x01, 4, 0x12);
    ioapic_mmio_write(&io, 0x11, 4, 0x55);
    ioapic_mmio_write(&io, 0x14, 4, 0x55);
    ioapic_mmio_write(&io, 0x20, 4, 0x55);
    ioapic_mmio_write(&io, 0x1000, 4, 0x55);
    ioapic_mmio_write(&io, UINT64_MAX, 4, 0x55);
    assert_int_equal(ioapic_mmio_read(&io, IOAPIC_IOREGSEL, 4), 0x10);
    assert_int_equal(ioapic_mmio_read(&io, IOAPIC_IOWIN, 4), 0x31);
    /* Other offsets, and the write-only EOI register, read all ones. */
    assert_int_equal(ioapic_mmio_read(&io, 0x04, 4), 0xFFFFFFFF);
    assert_int_equal(ioapic_mmio_read(&io, 0x20, 4), 0xFFFFFFFF);
    assert_int_equal(ioapic_mmio_read(&io, IOAPIC_EOI, 4), 0xFFFFFFFF);
    assert_int_equal(ioapic_mmio_read(&io, 0xFFC, 4), 0xFFFFFFFF);
    assert_int_equal(ioapic_mmio_read(&io, 0x1000, 4), 0xFFFFFFFF);
    assert_int_equal(ioapic_mmio_read(&io, UINT64_MAX, 4), 0xFFFFFFFF);
    assert_int_equal(ioapic_mmio_read(&io, 0x13, 0), 0);
    assert_int_equal(fb.n, 0);
}

/* Linux 6.1 sets an ISA edge IRQ (e.g. COM1 IRQ 4) fixed, logical flat
 * destination 0x01, active high, edge, then unmasks. */
static void test_edge_pin_delivery(void **state)
{
    (void)state;
    setup_io(1);
    rte_write(4, rte(0x24, APIC_DM_FIXED, true, false, false, true, 0x01));
    ioapic_set_irq(&io, 4, true);            /* masked: lost */
    ioapic_set_irq(&io, 4, false);
    assert_int_equal(fb.n, 0);
    rte_write(4, rte(0x24, APIC_DM_FIXED, true, false, false, false, 0x01));
    assert_int_equal(fb.n, 0);               /* unmasking an edge entry sends nothing */
    ioapic_set_irq(&io, 4, true);
    assert_int_equal(fb.n, 1);
    expect_msg(0, 0x24, APIC_DM_FIXED, true, 0x01, false);
    ioapic_set_irq(&io, 4, true);            /* no edge */
    assert_int_equal(fb.n, 1);
    ioapic_set_irq(&io, 4, false);
    assert_int_equal(fb.n, 1);
    /* irq_pulse through an irq_line, as the PIT and UART do. */
    struct irq_line line = { .set = ioapic_irq_line_set, .ctx = &io, .line = 4 };
    irq_pulse(&line);
    irq_pulse(&line);
    assert_int_equal(fb.n, 3);
    expect_msg(2, 0x24, APIC_DM_FIXED, true, 0x01, false);
    /* Edge entries have no remote IRR and ignore EOI. */
    assert_int_equal(rte_read(4) & IOAPIC_RTE_REMOTE_IRR, 0);
    ioapic_eoi(&io, 0x24);
    assert_int_equal(fb.n, 3);
    /* Physical destination, lowest priority. */
    rte_write(2, rte(0x30, APIC_DM_LOWEST, false, false, false, false, 0x03));
    ioapic_set_irq(&io, 2, true);
    expect_msg(3, 0x30, APIC_DM_LOWEST, false, 0x03, false);
    assert_int_equal(fb.msg[3].source_apic_id, 0);
    /* Masked while high, unmasked, then a new edge. */
    rte_write(2, rte(0x30, APIC_DM_LOWEST, false, false, false, true, 0x03));
    ioapic_set_irq(&io, 2, false);
    ioapic_set_irq(&io, 2, true);
    rte_write(2, rte(0x30, APIC_DM_LOWEST, false, false, false, false, 0x03));
    assert_int_equal(fb.n, 4);
    ioapic_set_irq(&io, 2, false);
    ioapic_set_irq(&io, 2, true);
    assert_int_equal(fb.n, 5);
}

/* A PCI INTx line: level, active low (ACPI _PRT), fixed, logical. The pin is
 * named active low, so the device model drives "true = asserted" and the
 * input idles high. */
static void test_level_pin_remote_irr_and_eoi(void **state)
{
    (void)state;
    setup_io(1);
    ioapic_set_active_low_inputs(&io, 0xFF0000);
    struct irq_line line = { .set = ioapic_irq_line_set, .ctx = &io, .line = 17 };
    rte_write(17, rte(0x41, APIC_DM_FIXED, true, true, true, false, 0x02));
    assert_int_equal(fb.n, 0);               /* idle: input high */
    irq_set(&line, false);
    assert_int_equal(fb.n, 0);
    irq_set(&line, true);                    /* device asserts: input low */
    assert_int_equal(fb.n, 1);
    expect_msg(0, 0x41, APIC_DM_FIXED, true, 0x02, true);
    assert_true(rte_read(17) & IOAPIC_RTE_REMOTE_IRR);
    /* Held: nothing more until EOI. */
    irq_set(&line, true);
    assert_int_equal(fb.n, 1);
    ioapic_eoi(&io, 0x42);                   /* another vector */
    assert_int_equal(fb.n, 1);
    assert_true(rte_read(17) & IOAPIC_RTE_REMOTE_IRR);
    /* EOI while still asserted: sent again. */
    ioapic_eoi(&io, 0x41);
    assert_int_equal(fb.n, 2);
    expect_msg(1, 0x41, APIC_DM_FIXED, true, 0x02, true);
    assert_true(rte_read(17) & IOAPIC_RTE_REMOTE_IRR);
    /* Deasserted, then EOI through the EOI register: IRR clear, nothing sent. */
    irq_set(&line, false);
    ioapic_mmio_write(&io, IOAPIC_EOI, 4, 0x41);
    assert_int_equal(fb.n, 2);
    assert_false(rte_read(17) & IOAPIC_RTE_REMOTE_IRR);
    /* Writes to the entry keep remote IRR (RO) while level. */
    irq_set(&line, true);
    assert_int_equal(fb.n, 3);
    reg_write(0x10 + 2 * 17, (uint32_t)rte(0x41, APIC_DM_FIXED, true, true, true, false, 0));
    assert_true(rte_read(17) & IOAPIC_RTE_REMOTE_IRR);
    assert_int_equal(fb.n, 3);
    /* Switching to edge clears remote IRR (Linux's unstick sequence). */
    reg_write(0x10 + 2 * 17, (uint32_t)rte(0x41, APIC_DM_FIXED, true, true, false, true, 0));
    assert_false(rte_read(17) & IOAPIC_RTE_REMOTE_IRR);
    /* Back to level, unmasked, pin still asserted: sends at once. */
    reg_write(0x10 + 2 * 17, (uint32_t)rte(0x41, APIC_DM_FIXED, true, true, true, false, 0));
    assert_int_equal(fb.n, 4);
    assert_true(rte_read(17) & IOAPIC_RTE_REMOTE_IRR);
    ioapic_eoi_broadcast(&io, 0x41);         /* the lapic.eoi_broadcast shape */
    assert_int_equal(fb.n, 5);
    /* Without the inversion the same entry sees an idle pin as asserted. */
    setup_io(1);
    rte_write(17, rte(0x41, APIC_DM_FIXED, true, true, true, false, 0x02));
    assert_int_equal(fb.n, 1);
    /* Naming the pin active low afterwards deasserts it. */
    ioapic_set_active_low_inputs(&io, 1u << 17);
    ioapic_eoi(&io, 0x41);
    assert_int_equal(fb.n, 1);
    ioapic_set_irq(&io, 17, true);
    assert_int_equal(fb.n, 2);
}

static void test_level_masking_and_unmask_while_asserted(void **state)
{
    (void)state;
    setup_io(1);
    /* ACPI SCI: GSI 9, level, active high (Keel's MADT override). */
    rte_write(9, rte(0x29, APIC_DM_FIXED, false, false, true, true, 0x00));
    ioapic_set_irq(&io, 9, true);
    assert_int_equal(fb.n, 0);
    assert_false(rte_read(9) & IOAPIC_RTE_REMOTE_IRR);
    /* Unmask while asserted: delivered. */
    rte_write(9, rte(0x29, APIC_DM_FIXED, false, false, true, false, 0x00));
    assert_int_equal(fb.n, 1);
    expect_msg(0, 0x29, APIC_DM_FIXED, false, 0x00, true);
    /* Mask, EOI, unmask: delivered again (still asserted). */
    rte_write(9, rte(0x29, APIC_DM_FIXED, false, false, true, true, 0x00));
    ioapic_eoi(&io, 0x29);
    assert_int_equal(fb.n, 1);
    assert_false(rte_read(9) & IOAPIC_RTE_REMOTE_IRR);
    rte_write(9, rte(0x29, APIC_DM_FIXED, false, false, true, false, 0x00));
    assert_int_equal(fb.n, 2);
    /* Deasserted before the unmask: nothing. */
    rte_write(9, rte(0x29, APIC_DM_FIXED, false, false, true, true, 0x00));
    ioapic_eoi(&io, 0x29);
    ioapic_set_irq(&io, 9, false);
    rte_write(9, rte(0x29, APIC_DM_FIXED, false, false, true, false, 0x00));
    assert_int_equal(fb.n, 2);
    /* Two level pins sharing a vector: one EOI services both. */
    rte_write(10, rte(0x29, APIC_DM_FIXED, false, false, true, false, 0x01));
    ioapic_set_irq(&io, 9, true);
    ioapic_set_irq(&io, 10, true);
    assert_int_equal(fb.n, 4);
    ioapic_eoi(&io, 0x29);
    assert_int_equal(fb.n, 6);
}

static void test_polarity(void **state)
{
    (void)state;
    setup_io(1);
    /* Edge, active low: the falling input is the edge. */
    rte_write(3, rte(0x33, APIC_DM_FIXED, false, true, false, false, 0x00));
    ioapic_set_irq(&io, 3, true);
    assert_int_equal(fb.n, 0);
    ioapic_set_irq(&io, 3, false);
    assert_int_equal(fb.n, 1);
    /* Level, active low with the input low from the start: asserted on unmask. */
    setup_io(1);
    rte_write(20, rte(0x50, APIC_DM_FIXED, false, true, true, false, 0x00));
    assert_int_equal(fb.n, 1);
    /* Flipping polarity to active high deasserts; EOI then sends nothing. */
    reg_write(0x10 + 2 * 20, (uint32_t)rte(0x50, APIC_DM_FIXED, false, false, true, false, 0));
    ioapic_eoi(&io, 0x50);
    assert_int_equal(fb.n, 1);
    ioapic_set_irq(&io, 20, true);
    assert_int_equal(fb.n, 2);
}

static void test_other_delivery_modes(void **state)
{
    (void)state;
    setup_io(1);
    /* NMI programmed level: treated as edge, no remote IRR. */
    rte_write(1, rte(0x00, APIC_DM_NMI, false, false, true, false, 0xFF));
    ioapic_set_irq(&io, 1, true);
    assert_int_equal(fb.n, 1);
    expect_msg(0, 0x00, APIC_DM_NMI, false, 0xFF, false);
    assert_false(rte_read(1) & IOAPIC_RTE_REMOTE_IRR);
    ioapic_set_irq(&io, 1, true);
    assert_int_equal(fb.n, 1);
    /* ExtINT (virtual wire through pin 0), INIT, SMI. */
    rte_write(0, rte(0x00, APIC_DM_EXTINT, false, false, false, false, 0x00));
    ioapic_set_irq(&io, 0, true);
    expect_msg(1, 0x00, APIC_DM_EXTINT, false, 0x00, false);
    rte_write(11, rte(0x00, APIC_DM_INIT, false, false, false, false, 0x01));
    ioapic_set_irq(&io, 11, true);
    expect_msg(2, 0x00, APIC_DM_INIT, false, 0x01, false);
    rte_write(12, rte(0x00, APIC_DM_SMI, false, false, false, false, 0x01));
    ioapic_set_irq(&io, 12, true);
    expect_msg(3, 0x00, APIC_DM_SMI, false, 0x01, false);
    /* Reserved modes 3 and 6 send nothing. */
    rte_write(13, rte(0x60, 3, false, false, false, false, 0x01));
    rte_write(14, rte(0x61, 6, false, false, true, false, 0x01));
    ioapic_set_irq(&io, 13, true);
    ioapic_set_irq(&io, 14, true);
    assert_int_equal(fb.n, 4);
    /* Out-of-range pins and a NULL bus are ignored. */
    ioapic_set_irq(&io, 24, true);
    ioapic_set_irq(&io, UINT32_MAX, true);
    ioapic_set_irq(NULL, 1, true);
    ioapic_eoi(NULL, 1);
    assert_int_equal(fb.n, 4);
    ioapic_init(&io, 0, NULL);
    rte_write(5, rte(0x35, APIC_DM_FIXED, false, false, true, false, 0));
    ioapic_set_irq(&io, 5, true);
    assert_true(rte_read(5) & IOAPIC_RTE_REMOTE_IRR);
}

/* ---- fuzz -------------------------------------------------------------- */

static uint64_t rng = 0xDEADBEEFCAFEF00Dull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void check_fuzz_invariants(void)
{
    for (unsigned pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        uint64_t e = io.redir[pin];
        assert_int_equal(e & 0x0000FFFFFFFE0000ull, 0);         /* reserved 47:17 */
        assert_int_equal(e & IOAPIC_RTE_DELIVS, 0);
        unsigned dm = (unsigned)((e >> 8) & 7);
        bool level = (e & IOAPIC_RTE_LEVEL) && (dm == 0 || dm == 1);
        if (!level)
            assert_int_equal(e & IOAPIC_RTE_REMOTE_IRR, 0);
        bool asserted = (((io.lines ^ io.inverted) >> pin) & 1) != !!(e & IOAPIC_RTE_POLARITY);
        /* A level pin never waits: asserted and open means it was sent. */
        if (level && asserted && !(e & IOAPIC_RTE_MASKED))
            assert_true(e & IOAPIC_RTE_REMOTE_IRR);
    }
    assert_true(io.id < 16 && io.arb < 16);
    assert_true(io.lines < (1u << IOAPIC_NUM_PINS));
    assert_true(io.inverted < (1u << IOAPIC_NUM_PINS));
}

static void test_fuzz(void **state)
{
    (void)state;
    static const uint64_t offsets[] = { 0x00, 0x10, 0x40, 0x04, 0x14, 0x20, 0xFFC, 0x1000,
                                        0x11, 0x01 };
    static const unsigned sizes[] = { 4, 4, 4, 4, 1, 2, 8, 0, 3 };
    for (unsigned run = 0; run < 50; run++) {
        setup_io((uint8_t)rnd());
        if (run % 2)
            ioapic_set_active_low_inputs(&io, (uint32_t)rnd());
        for (unsigned op = 0; op < 5000; op++) {
            uint64_t k = rnd();
            uint32_t v = (uint32_t)rnd();
            unsigned before = fb.n;
            switch (k % 10) {
            case 0: case 1: {
                /* A register write through the window, mostly valid. */
                unsigned reg = (k >> 8) % 4 ? 0x10 + (unsigned)((k >> 12) % 48) : (unsigned)(k >> 12) % 256;
                if ((k >> 24) % 4 == 0)
                    v &= ~(uint32_t)0x700;                  /* fixed delivery */
                reg_write(reg, v);
                break;
            }
            case 2:
                ioapic_mmio_write(&io, (k >> 8) % 3 ? offsets[(k >> 12) % 10] : rnd(),
                                  sizes[(k >> 16) % 9], v);
                break;
            case 3:
                (void)ioapic_mmio_read(&io, (k >> 8) % 3 ? offsets[(k >> 12) % 10] : rnd(),
                                       sizes[(k >> 16) % 9]);
                break;
            case 4: case 5: case 6:
                ioapic_set_irq(&io, (unsigned)((k >> 8) % 26), (k >> 16) & 1);
                break;
            case 7:
                ioapic_eoi(&io, (uint8_t)(io.redir[(k >> 8) % 24] & 0xFF));
                break;
            case 8:
                ioapic_eoi(&io, (uint8_t)v);
                break;
            default:
                (void)reg_read((unsigned)(k >> 8) % 256);
                break;
            }
            /* Every message is well formed and matches a programmed entry. */
            for (unsigned i = before; i < fb.n && i < MAX_MSGS; i++) {
                const struct apic_msg *m = &fb.msg[i];
                assert_true(m->delivery != 3 && m->delivery != 6 && m->delivery <= 7);
                assert_true(m->assert);
                assert_true(m->dest <= 0xFF);
                if (m->level_triggered)
                    assert_true(m->delivery == APIC_DM_FIXED || m->delivery == APIC_DM_LOWEST);
                bool found = false;
                for (unsigned pin = 0; pin < IOAPIC_NUM_PINS; pin++)
                    found |= (io.redir[pin] & 0xFF) == m->vector &&
                             (io.redir[pin] >> 56) == m->dest;
                assert_true(found);
            }
            if (fb.n >= MAX_MSGS)
                fb.n = 0;
            check_fuzz_invariants();
            assert_int_equal(reg_read(IOAPIC_REG_VER), 0x00170020);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_version_arb),
        cmocka_unit_test(test_reset_state_and_field_access),
        cmocka_unit_test(test_mmio_access_rules),
        cmocka_unit_test(test_edge_pin_delivery),
        cmocka_unit_test(test_level_pin_remote_irr_and_eoi),
        cmocka_unit_test(test_level_masking_and_unmask_while_asserted),
        cmocka_unit_test(test_polarity),
        cmocka_unit_test(test_other_delivery_modes),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
