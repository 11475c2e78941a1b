/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for the PCI host bridge (dev/pci_host.c): configuration
 * mechanism #1, BAR sizing through the write masks, which BARs decode under
 * the command register's I/O and memory bits, and the reports a function's
 * owner gets when the guest moves, sizes or switches off a BAR. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dev/pci_host.h"

#define DEVFN   (5u << 3)
#define IO_BAR  0xc000u         /* BAR0: 256 ports */
#define MEM_BAR 0xf1000000u     /* BAR1: 16 MiB, 32-bit, prefetchable */
#define MEM64   0x8e0000000ull  /* BAR2+3: 1 MiB, 64-bit */

static void put32(uint8_t *p, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A function like the Xen platform device, plus a 64-bit BAR. */
static struct pci_function *add_function(struct pci_host *h)
{
    pci_host_init(h);
    struct pci_function *f = pci_host_add_function(h, DEVFN);
    assert_non_null(f);
    put32(&f->config[0x00], 0x00015853);
    f->writable[PCI_COMMAND] = PCI_COMMAND_IO | PCI_COMMAND_MEMORY;
    put32(&f->config[0x10], IO_BAR | 1);
    put32(&f->writable[0x10], 0xff00);
    put32(&f->config[0x14], MEM_BAR | 0x8);
    put32(&f->writable[0x14], 0xff000000u);
    put32(&f->config[0x18], (uint32_t)MEM64 | 0xc);       /* 64-bit, prefetchable */
    put32(&f->writable[0x18], 0xfff00000u);
    put32(&f->config[0x1c], (uint32_t)(MEM64 >> 32));
    put32(&f->writable[0x1c], 0xffffffffu);
    f->writable[0x3c] = 0xff;
    return f;
}

static void cfg_write(struct pci_host *h, unsigned off, unsigned size, uint32_t val)
{
    pci_host_io_write(h, PCI_CONFIG_ADDRESS, 4, 0x80000000u | DEVFN << 8 | (off & 0xfc));
    pci_host_io_write(h, (uint16_t)(PCI_CONFIG_DATA + (off & 3)), size, val);
}

static uint32_t cfg_read(struct pci_host *h, unsigned off, unsigned size)
{
    pci_host_io_write(h, PCI_CONFIG_ADDRESS, 4, 0x80000000u | DEVFN << 8 | (off & 0xfc));
    return pci_host_io_read(h, (uint16_t)(PCI_CONFIG_DATA + (off & 3)), size);
}

/* What the owner was told, in order. */
struct report {
    unsigned bar;
    uint64_t from, to;
};

struct recorder {
    unsigned n;
    struct report r[32];
};

static void record(void *ctx, unsigned bar, uint64_t from, uint64_t to)
{
    struct recorder *rec = ctx;
    assert_true(rec->n < 32);
    rec->r[rec->n++] = (struct report){ bar, from, to };
}

static void assert_report(const struct recorder *rec, unsigned i, unsigned bar, uint64_t from, uint64_t to)
{
    assert_true(i < rec->n);
    assert_int_equal(rec->r[i].bar, bar);
    assert_int_equal(rec->r[i].from, from);
    assert_int_equal(rec->r[i].to, to);
}

static void test_config_mechanism(void **state)
{
    (void)state;
    struct pci_host h;
    add_function(&h);
    pci_host_io_write(&h, PCI_CONFIG_ADDRESS, 4, 0x80000000u);
    assert_int_equal(pci_host_io_read(&h, PCI_CONFIG_DATA, 4), 0x12378086);      /* i440FX */
    assert_int_equal(pci_host_io_read(&h, PCI_CONFIG_ADDRESS, 4), 0x80000000u);
    assert_int_equal(cfg_read(&h, 0x00, 4), 0x00015853);
    assert_int_equal(cfg_read(&h, 0x02, 2), 0x0001);
    /* Absent functions, other buses and a disabled address read all-ones. */
    pci_host_io_write(&h, PCI_CONFIG_ADDRESS, 4, 0x80000000u | 7 << 11);
    assert_int_equal(pci_host_io_read(&h, PCI_CONFIG_DATA, 4), 0xffffffffu);
    pci_host_io_write(&h, PCI_CONFIG_ADDRESS, 4, 0x80010000u);
    assert_int_equal(pci_host_io_read(&h, PCI_CONFIG_DATA, 4), 0xffffffffu);
    pci_host_io_write(&h, PCI_CONFIG_ADDRESS, 4, DEVFN << 8);
    assert_int_equal(pci_host_io_read(&h, PCI_CONFIG_DATA, 4), 0xffffffffu);
    /* Read-only bits stay. */
    cfg_write(&h, 0x00, 4, 0);
    assert_int_equal(cfg_read(&h, 0x00, 4), 0x00015853);
}

/* PCI 3.0, 6.2.5.1: write all-ones, read the size back; the type bits stay. */
static void test_bar_sizing_reads(void **state)
{
    (void)state;
    struct pci_host h;
    add_function(&h);
    cfg_write(&h, 0x10, 4, 0xffffffffu);
    assert_int_equal(cfg_read(&h, 0x10, 4), 0xff01);
    cfg_write(&h, 0x14, 4, 0xffffffffu);
    assert_int_equal(cfg_read(&h, 0x14, 4), 0xff000008u);
    cfg_write(&h, 0x18, 4, 0xffffffffu);
    cfg_write(&h, 0x1c, 4, 0xffffffffu);
    assert_int_equal(cfg_read(&h, 0x18, 4), 0xfff0000cu);
    assert_int_equal(cfg_read(&h, 0x1c, 4), 0xffffffffu);
    cfg_write(&h, 0x20, 4, 0xffffffffu);                 /* not implemented */
    assert_int_equal(cfg_read(&h, 0x20, 4), 0);
}

/* A BAR decodes only while its space's bit is on, and never at 0 or at its
 * sizing pattern; the upper half of a 64-bit BAR is no BAR. */
static void test_bar_decode(void **state)
{
    (void)state;
    struct pci_host h;
    struct pci_function *f = add_function(&h);
    for (unsigned i = 0; i < PCI_BARS; i++)
        assert_int_equal(pci_bar_decoded(f, i), PCI_BAR_NONE);     /* command = 0 */
    cfg_write(&h, PCI_COMMAND, 2, PCI_COMMAND_IO);
    assert_int_equal(pci_bar_decoded(f, 0), IO_BAR);
    assert_int_equal(pci_bar_decoded(f, 1), PCI_BAR_NONE);
    assert_int_equal(pci_bar_decoded(f, 2), PCI_BAR_NONE);
    cfg_write(&h, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    assert_int_equal(pci_bar_decoded(f, 0), PCI_BAR_NONE);
    assert_int_equal(pci_bar_decoded(f, 1), MEM_BAR);
    assert_int_equal(pci_bar_decoded(f, 2), MEM64);
    assert_int_equal(pci_bar_decoded(f, 3), PCI_BAR_NONE);           /* the upper half */
    assert_int_equal(pci_bar_decoded(f, 4), PCI_BAR_NONE);           /* not implemented */
    assert_int_equal(pci_bar_decoded(f, PCI_BARS), PCI_BAR_NONE);
    assert_int_equal(pci_bar_decoded(f, ~0u), PCI_BAR_NONE);

    cfg_write(&h, 0x14, 4, 0);
    assert_int_equal(pci_bar_decoded(f, 1), PCI_BAR_NONE);           /* unassigned */
    cfg_write(&h, 0x14, 4, 0xffffffffu);
    assert_int_equal(pci_bar_decoded(f, 1), PCI_BAR_NONE);           /* being sized */
    cfg_write(&h, 0x14, 4, 0xfe000000u);
    assert_int_equal(pci_bar_decoded(f, 1), 0xfe000000u);
    cfg_write(&h, 0x14, 4, 0x12345678u);                             /* low bits are the size's */
    assert_int_equal(pci_bar_decoded(f, 1), 0x12000000u);
    /* Either half of a 64-bit BAR at its sizing pattern: not decoded. */
    cfg_write(&h, 0x1c, 4, 0xffffffffu);
    assert_int_equal(pci_bar_decoded(f, 2), PCI_BAR_NONE);
    cfg_write(&h, 0x1c, 4, 0);
    assert_int_equal(pci_bar_decoded(f, 2), (uint32_t)MEM64);
    cfg_write(&h, 0x18, 4, 0xffffffffu);
    assert_int_equal(pci_bar_decoded(f, 2), PCI_BAR_NONE);
}

static void test_watch_reports_moves(void **state)
{
    (void)state;
    struct pci_host h;
    struct pci_function *f = add_function(&h);
    f->config[PCI_COMMAND] = PCI_COMMAND_IO | PCI_COMMAND_MEMORY;  /* as firmware left it */
    struct recorder rec = { 0 };
    pci_function_watch_bars(f, record, &rec);
    assert_int_equal(rec.n, 3);                                     /* what decodes already */
    assert_report(&rec, 0, 0, PCI_BAR_NONE, IO_BAR);
    assert_report(&rec, 1, 1, PCI_BAR_NONE, MEM_BAR);
    assert_report(&rec, 2, 2, PCI_BAR_NONE, MEM64);

    rec.n = 0;
    cfg_write(&h, 0x14, 4, 0xf2000000u);
    assert_int_equal(rec.n, 1);
    assert_report(&rec, 0, 1, MEM_BAR, 0xf2000000u);
    cfg_write(&h, 0x14, 4, 0xf2000000u);                 /* the same again: nothing */
    cfg_write(&h, 0x3c, 1, 11);                          /* other registers: nothing */
    cfg_write(&h, 0x04, 1, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
    cfg_write(&h, 0x06, 2, 0xffff);
    assert_int_equal(rec.n, 1);
    cfg_write(&h, 0x10, 2, 0xd000);                      /* a 16-bit write moves the ports */
    assert_int_equal(rec.n, 2);
    assert_report(&rec, 1, 0, IO_BAR, 0xd000);
    /* A byte write: the BAR moves by the byte (as it would on a real bus). */
    cfg_write(&h, 0x17, 1, 0xf3);
    assert_int_equal(rec.n, 3);
    assert_report(&rec, 2, 1, 0xf2000000u, 0xf3000000u);
}

/* Sizing with decode on must not move the range to the sizing pattern: it
 * stops decoding, and restoring the BAR brings it back. */
static void test_watch_sizing_with_decode_on(void **state)
{
    (void)state;
    struct pci_host h;
    struct pci_function *f = add_function(&h);
    f->config[PCI_COMMAND] = PCI_COMMAND_IO | PCI_COMMAND_MEMORY;
    struct recorder rec = { 0 };
    pci_function_watch_bars(f, record, &rec);
    rec.n = 0;
    cfg_write(&h, 0x14, 4, 0xffffffffu);
    assert_int_equal(rec.n, 1);
    assert_report(&rec, 0, 1, MEM_BAR, PCI_BAR_NONE);
    assert_int_equal(cfg_read(&h, 0x14, 4), 0xff000008u);
    cfg_write(&h, 0x14, 4, MEM_BAR);
    assert_int_equal(rec.n, 2);
    assert_report(&rec, 1, 1, PCI_BAR_NONE, MEM_BAR);
    cfg_write(&h, 0x10, 4, 0xffffffffu);
    cfg_write(&h, 0x10, 4, IO_BAR);
    assert_int_equal(rec.n, 4);
    assert_report(&rec, 2, 0, IO_BAR, PCI_BAR_NONE);
    assert_report(&rec, 3, 0, PCI_BAR_NONE, IO_BAR);
    /* A 64-bit BAR's halves, sized one after the other. */
    cfg_write(&h, 0x18, 4, 0xffffffffu);
    cfg_write(&h, 0x18, 4, (uint32_t)MEM64);
    cfg_write(&h, 0x1c, 4, 0xffffffffu);
    cfg_write(&h, 0x1c, 4, (uint32_t)(MEM64 >> 32));
    assert_int_equal(rec.n, 8);
    for (unsigned i = 4; i < 8; i++)
        assert_report(&rec, i, 2, i % 2 ? PCI_BAR_NONE : MEM64, i % 2 ? MEM64 : PCI_BAR_NONE);
}

/* Linux's way (__pci_read_base): decode off, size, restore, decode on. */
static void test_watch_follows_the_command_register(void **state)
{
    (void)state;
    struct pci_host h;
    struct pci_function *f = add_function(&h);
    struct recorder rec = { 0 };
    pci_function_watch_bars(f, record, &rec);
    assert_int_equal(rec.n, 0);                          /* command = 0: nothing decodes */
    cfg_write(&h, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    assert_int_equal(rec.n, 2);
    assert_report(&rec, 0, 1, PCI_BAR_NONE, MEM_BAR);
    assert_report(&rec, 1, 2, PCI_BAR_NONE, MEM64);
    cfg_write(&h, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
    assert_int_equal(rec.n, 3);
    assert_report(&rec, 2, 0, PCI_BAR_NONE, IO_BAR);

    rec.n = 0;
    cfg_write(&h, PCI_COMMAND, 2, 0);
    assert_int_equal(rec.n, 3);
    cfg_write(&h, 0x14, 4, 0xffffffffu);
    cfg_write(&h, 0x14, 4, 0xe1000000u);                 /* reassigned while off */
    assert_int_equal(rec.n, 3);
    cfg_write(&h, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
    assert_int_equal(rec.n, 6);
    assert_report(&rec, 4, 1, PCI_BAR_NONE, 0xe1000000u);
    /* A 32-bit write over command and status at once counts too. */
    cfg_write(&h, PCI_COMMAND, 4, 0xffff0000u);
    assert_int_equal(rec.n, 9);
    assert_report(&rec, 7, 1, 0xe1000000u, PCI_BAR_NONE);

    /* Watching stops. */
    pci_function_watch_bars(f, NULL, NULL);
    cfg_write(&h, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    assert_int_equal(rec.n, 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_mechanism),
        cmocka_unit_test(test_bar_sizing_reads),
        cmocka_unit_test(test_bar_decode),
        cmocka_unit_test(test_watch_reports_moves),
        cmocka_unit_test(test_watch_sizing_with_decode_on),
        cmocka_unit_test(test_watch_follows_the_command_register),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
