/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for the host's PCI configuration access (drivers/pci.c)
 * against a simulated bus (tests/unit/fake_pci.c): the mechanism #1 address
 * format, finding a function across buses and multi-function devices,
 * decoding and sizing memory BARs (and refusing I/O, unassigned and odd
 * ones), and enabling memory decoding and bus mastering. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "hw/pci.h"
#include "drivers/pci.h"
#include "tests/unit/fake_pci.h"

static const struct host_pci_io *io = &fake_pci_io;

static int setup(void **state)
{
    (void)state;
    fake_pci_reset();
    return 0;
}

/* An e1000 as Bochs presents it: BAR0 128 KiB of MMIO, BAR1 64 I/O ports. */
static struct fake_pci_fn *add_e1000(uint8_t bus, uint8_t dev, uint8_t fn)
{
    struct fake_pci_fn *f = fake_pci_add(bus, dev, fn, 0x8086, 0x100e);
    assert_non_null(f);
    fake_pci_set32(f, PCI_REVISION_ID, 0x02000003, 0);
    fake_pci_set32(f, PCI_BAR0, 0xc0000000u, 0xfffe0000u);
    fake_pci_set32(f, PCI_BAR0 + 4, 0xc041u, 0xffc0u);
    return f;
}

static void test_config_dword_access(void **state)
{
    (void)state;
    struct fake_pci_fn *f = add_e1000(0, 3, 0);
    fake_pci_set32(f, 0x0c, 0x00804010, 0); /* header type 0x80 at 0x0e */
    struct host_pci_fn at = { 0, 3, 0 };
    assert_int_equal(host_pci_read32(io, at, PCI_VENDOR_ID), 0x100e8086);
    assert_int_equal(host_pci_read32(io, at, PCI_REVISION_ID), 0x02000003);
    /* reg is rounded down to its dword. */
    assert_int_equal(host_pci_read32(io, at, PCI_HEADER_TYPE), 0x00804010);
    /* Elsewhere nobody answers. */
    assert_int_equal(host_pci_read32(io, (struct host_pci_fn){ 0, 4, 0 }, 0), 0xffffffffu);
    assert_int_equal(host_pci_read32(io, (struct host_pci_fn){ 1, 3, 0 }, 0), 0xffffffffu);
    assert_int_equal(host_pci_read32(io, (struct host_pci_fn){ 0, 3, 1 }, 0), 0xffffffffu);
    /* Writes go through the write mask. */
    host_pci_write32(io, at, PCI_BAR0, 0x12345678);
    assert_int_equal(fake_pci_get32(f, PCI_BAR0), 0x12340000);
    /* The address format itself (3.2.2.3.2). */
    assert_int_equal(pci_config_address(0x12, 0x1f, 7, 0x3d), 0x8012ff3cu);
}

static void test_find_scans_all_buses(void **state)
{
    (void)state;
    fake_pci_add(0, 0, 0, 0x8086, 0x1237); /* host bridge */
    fake_pci_add(0, 1, 0, 0x8086, 0x7000);
    add_e1000(5, 17, 0);
    struct host_pci_fn at = { 0xff, 0xff, 0xff };
    assert_int_equal(host_pci_find(io, 0x8086, 0x100e, &at), 0);
    assert_int_equal(at.bus, 5);
    assert_int_equal(at.dev, 17);
    assert_int_equal(at.fn, 0);
    /* Every device slot of every bus was probed once for the miss. */
    fake_pci_reads = 0;
    assert_int_equal(host_pci_find(io, 0x10ec, 0x8029, &at), -1);
    assert_true(fake_pci_reads >= PCI_BUSES * PCI_DEVICES_PER_BUS);
    assert_true(fake_pci_reads < PCI_BUSES * PCI_DEVICES_PER_BUS + 16);
    /* Vendor and device must both match. */
    assert_int_equal(host_pci_find(io, 0x8086, 0x100f, &at), -1);
}

static void test_find_first_in_order(void **state)
{
    (void)state;
    add_e1000(2, 0, 0);
    add_e1000(0, 30, 0);
    struct host_pci_fn at;
    assert_int_equal(host_pci_find(io, 0x8086, 0x100e, &at), 0);
    assert_int_equal(at.bus, 0);
    assert_int_equal(at.dev, 30);
}

static void test_find_multi_function(void **state)
{
    (void)state;
    /* A multi-function device: its function 3 is the one wanted. */
    struct fake_pci_fn *f0 = fake_pci_add(0, 6, 0, 0x8086, 0x7110);
    f0->cfg[PCI_HEADER_TYPE] = PCI_HEADER_MULTI_FUNCTION;
    add_e1000(0, 6, 3);
    struct host_pci_fn at;
    assert_int_equal(host_pci_find(io, 0x8086, 0x100e, &at), 0);
    assert_int_equal(at.dev, 6);
    assert_int_equal(at.fn, 3);
    /* Without the multi-function bit, functions 1-7 are not looked at. */
    f0->cfg[PCI_HEADER_TYPE] = 0;
    assert_int_equal(host_pci_find(io, 0x8086, 0x100e, &at), -1);
}

static void test_find_ignores_single_function_ghosts(void **state)
{
    (void)state;
    /* A single-function device that ignores the function number answers at
     * 1-7 too; only function 0 may be reported. */
    struct fake_pci_fn *f = add_e1000(0, 5, 0);
    f->ignores_fn = true;
    struct host_pci_fn at;
    assert_int_equal(host_pci_find(io, 0x8086, 0x100e, &at), 0);
    assert_int_equal(at.dev, 5);
    assert_int_equal(at.fn, 0);
    /* And a function 0 that is absent hides the rest of the device. */
    fake_pci_reset();
    add_e1000(0, 7, 2);
    assert_int_equal(host_pci_find(io, 0x8086, 0x100e, &at), -1);
}

static void test_bar_32bit(void **state)
{
    (void)state;
    struct fake_pci_fn *f = add_e1000(0, 3, 0);
    fake_pci_set32(f, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO,
                   PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    struct host_pci_bar bar;
    char why[128] = "";
    assert_int_equal(host_pci_mem_bar(io, (struct host_pci_fn){ 0, 3, 0 }, 0, &bar, why, sizeof(why)),
                     0);
    assert_int_equal(bar.base, 0xc0000000u);
    assert_int_equal(bar.size, 0x20000);
    assert_false(bar.is64);
    assert_false(bar.prefetchable);
    /* Sized with decoding off, and everything put back. */
    assert_false(f->sized_while_decoding);
    assert_int_equal(fake_pci_get32(f, PCI_BAR0), 0xc0000000u);
    assert_int_equal(fake_pci_command(f), PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
}

static void test_bar_64bit(void **state)
{
    (void)state;
    struct fake_pci_fn *f = add_e1000(0, 3, 0);
    /* BAR2+3: 64-bit prefetchable, 1 MiB at 0x8_e000_0000. */
    fake_pci_set32(f, PCI_BAR0 + 8, 0xe0000000u | PCI_BAR_MEM_64 | PCI_BAR_MEM_PREFETCH, 0xfff00000u);
    fake_pci_set32(f, PCI_BAR0 + 12, 0x8, 0xffffffffu);
    /* BAR4+5: 64-bit, 8 GiB (no writable bit in the low half). */
    fake_pci_set32(f, PCI_BAR0 + 16, PCI_BAR_MEM_64, 0);
    fake_pci_set32(f, PCI_BAR0 + 20, 0x4, 0xfffffffeu);
    struct host_pci_fn at = { 0, 3, 0 };
    struct host_pci_bar bar;
    char why[128] = "";
    assert_int_equal(host_pci_mem_bar(io, at, 2, &bar, why, sizeof(why)), 0);
    assert_int_equal(bar.base, 0x8e0000000ull);
    assert_int_equal(bar.size, 0x100000);
    assert_true(bar.is64);
    assert_true(bar.prefetchable);
    assert_int_equal(fake_pci_get32(f, PCI_BAR0 + 12), 0x8);
    assert_int_equal(host_pci_mem_bar(io, at, 4, &bar, why, sizeof(why)), 0);
    assert_int_equal(bar.base, 0x400000000ull);
    assert_int_equal(bar.size, 0x200000000ull);
    /* A 64-bit BAR in the last register has no upper half. */
    fake_pci_set32(f, PCI_BAR0 + 20, 0xe0000000u | PCI_BAR_MEM_64, 0xfff00000u);
    assert_int_equal(host_pci_mem_bar(io, at, 5, &bar, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "last BAR"));
}

static void test_bar_refusals(void **state)
{
    (void)state;
    struct fake_pci_fn *f = add_e1000(0, 3, 0);
    struct host_pci_fn at = { 0, 3, 0 };
    struct host_pci_bar bar;
    char why[128];

    /* The e1000's BAR1 is an I/O BAR (not implemented by either emulator). */
    assert_int_equal(host_pci_mem_bar(io, at, 1, &bar, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "I/O"));
    /* Nothing there at all. */
    assert_int_equal(host_pci_mem_bar(io, at, 3, &bar, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "not implemented"));
    /* Implemented but the BIOS gave it no address. */
    fake_pci_set32(f, PCI_BAR0, 0, 0xfffe0000u);
    assert_int_equal(host_pci_mem_bar(io, at, 0, &bar, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "unassigned"));
    /* Reserved memory type 01. */
    fake_pci_set32(f, PCI_BAR0, 0xc0000002u, 0xfffe0000u);
    assert_int_equal(host_pci_mem_bar(io, at, 0, &bar, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "reserved"));
    /* No BAR6. */
    assert_int_equal(host_pci_mem_bar(io, at, 6, &bar, why, sizeof(why)), -1);
    /* A bridge header. */
    fake_pci_set32(f, PCI_BAR0, 0xc0000000u, 0xfffe0000u);
    f->cfg[PCI_HEADER_TYPE] = PCI_HEADER_LAYOUT_BRIDGE;
    assert_int_equal(host_pci_mem_bar(io, at, 0, &bar, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "type-0"));
    /* An absent function (all-ones) is not a type-0 header either. */
    assert_int_equal(host_pci_mem_bar(io, (struct host_pci_fn){ 0, 9, 0 }, 0, &bar, why, sizeof(why)),
                     -1);
}

static void test_enable_mem_master(void **state)
{
    (void)state;
    struct fake_pci_fn *f = add_e1000(0, 3, 0);
    /* The BIOS left I/O decoding on and a latched error in STATUS. */
    fake_pci_set32(f, PCI_COMMAND, 0x2000u << 16 | PCI_COMMAND_IO,
                   PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    host_pci_enable_mem_master(io, (struct host_pci_fn){ 0, 3, 0 });
    assert_int_equal(fake_pci_command(f), PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    /* STATUS is write-one-to-clear: left as it was. */
    assert_int_equal(fake_pci_get32(f, PCI_COMMAND) >> 16, 0x2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_config_dword_access, setup),
        cmocka_unit_test_setup(test_find_scans_all_buses, setup),
        cmocka_unit_test_setup(test_find_first_in_order, setup),
        cmocka_unit_test_setup(test_find_multi_function, setup),
        cmocka_unit_test_setup(test_find_ignores_single_function_ghosts, setup),
        cmocka_unit_test_setup(test_bar_32bit, setup),
        cmocka_unit_test_setup(test_bar_64bit, setup),
        cmocka_unit_test_setup(test_bar_refusals, setup),
        cmocka_unit_test_setup(test_enable_mem_master, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
