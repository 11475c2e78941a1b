/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for ept/guest_walk.c: guest page walks in every paging mode, #PF error codes, linear copies, fuzzing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ept/guest_walk.h"

#define PG       0x1000ull
#define MIB      0x100000ull
#define RAM_SIZE (4 * MIB)

#define T_CR0_PE   (1ull << 0)
#define T_CR0_WP   (1ull << 16)
#define T_CR0_PG   (1ull << 31)
#define T_CR4_PSE  (1ull << 4)
#define T_CR4_PAE  (1ull << 5)
#define T_CR4_LA57 (1ull << 12)
#define T_CR4_SMEP (1ull << 20)
#define T_EFER_LME (1ull << 8)
#define T_EFER_LMA (1ull << 10)
#define T_EFER_NXE (1ull << 11)

#define E_P   (1ull << 0)
#define E_RW  (1ull << 1)
#define E_US  (1ull << 2)
#define E_A   (1ull << 5)
#define E_D   (1ull << 6)
#define E_PS  (1ull << 7)
#define E_XD  (1ull << 63)
#define E_URW (E_P | E_RW | E_US)

#define EC_P    WALK_PFEC_P
#define EC_W    WALK_PFEC_W
#define EC_U    WALK_PFEC_U
#define EC_RSVD WALK_PFEC_RSVD
#define EC_ID   WALK_PFEC_ID

/* Guest RAM [0, 4 MiB) as two 2 MiB extents over separate host buffers,
 * the second one at a lower host address when the allocator allows: the
 * walker must only ever go through guest_mem. */
static struct {
    struct guest_mem gm;
    unsigned char *buf[2];
} ram;

static int setup(void **state)
{
    (void)state;
    memset(&ram, 0, sizeof ram);
    for (unsigned i = 0; i < 2; i++) {
        ram.buf[i] = aligned_alloc(PG, 2 * MIB);
        assert_non_null(ram.buf[i]);
        memset(ram.buf[i], 0, 2 * MIB);
    }
    unsigned lo = ram.buf[0] < ram.buf[1] ? 0 : 1;
    ram.gm.extent[0] = (struct guest_extent){ 0, (uint64_t)(uintptr_t)ram.buf[1 - lo], 2 * MIB };
    ram.gm.extent[1] = (struct guest_extent){ 2 * MIB, (uint64_t)(uintptr_t)ram.buf[lo], 2 * MIB };
    ram.gm.nr_extents = 2;
    ram.gm.size = RAM_SIZE;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(ram.buf[0]);
    free(ram.buf[1]);
    return 0;
}

static void w64(uint64_t gpa, uint64_t v)
{
    assert_int_equal(guest_mem_write(&ram.gm, gpa, &v, sizeof v), 0);
}

static void w32(uint64_t gpa, uint32_t v)
{
    assert_int_equal(guest_mem_write(&ram.gm, gpa, &v, sizeof v), 0);
}

static uint64_t r64(uint64_t gpa)
{
    uint64_t v;
    assert_int_equal(guest_mem_read(&ram.gm, gpa, &v, sizeof v), 0);
    return v;
}

/* Fill a guest page with a byte pattern derived from its address. */
static void fill_page(uint64_t gpa)
{
    unsigned char b[PG];
    for (unsigned i = 0; i < PG; i++)
        b[i] = (unsigned char)((gpa >> 12) * 7 + i);
    assert_int_equal(guest_mem_write(&ram.gm, gpa, b, PG), 0);
}

static unsigned char pattern(uint64_t gpa)
{
    return (unsigned char)((gpa >> 12) * 7 + (gpa & 0xfff));
}

static uint64_t expect_linear(const struct guest_paging *p, uint64_t lin)
{
    return (p->efer & T_EFER_LMA) ? lin : (uint32_t)lin;
}

static void check_gpa(const struct guest_paging *p, uint64_t lin, unsigned acc, uint64_t want, int line)
{
    uint64_t g = 0xdeadbeef;
    struct walk_fault f = { 0 };
    int rc = guest_walk(&ram.gm, p, lin, acc, &g, &f);
    if (rc != 0 || g != want)
        fail_msg("line %d: walk %#llx acc %u: rc %d gpa %#llx (want %#llx), ec %#x ram %d",
                 line, (unsigned long long)lin, acc, rc, (unsigned long long)g,
                 (unsigned long long)want, f.error_code, f.outside_ram);
}

static void check_pf(const struct guest_paging *p, uint64_t lin, unsigned acc, uint32_t ec, int line)
{
    uint64_t g = 0x1111;
    struct walk_fault f = { .linear = ~0ull, .error_code = 0xa5a5a5a5u, .outside_ram = true,
                            .gpa = ~0ull };
    int rc = guest_walk(&ram.gm, p, lin, acc, &g, &f);
    if (rc != -1 || f.outside_ram || f.error_code != ec || f.linear != expect_linear(p, lin) ||
        g != 0x1111)
        fail_msg("line %d: walk %#llx acc %u: rc %d ec %#x (want %#x) ram %d lin %#llx",
                 line, (unsigned long long)lin, acc, rc, f.error_code, ec, f.outside_ram,
                 (unsigned long long)f.linear);
}

static void check_ram(const struct guest_paging *p, uint64_t lin, unsigned acc, uint64_t gpa, int line)
{
    struct walk_fault f = { .linear = ~0ull, .error_code = 0xa5a5a5a5u, .outside_ram = false,
                            .gpa = ~0ull };
    int rc = guest_walk(&ram.gm, p, lin, acc, NULL, &f);
    if (rc != -1 || !f.outside_ram || f.gpa != gpa || f.error_code != 0 ||
        f.linear != expect_linear(p, lin))
        fail_msg("line %d: walk %#llx: rc %d ram %d gpa %#llx (want %#llx)", line,
                 (unsigned long long)lin, rc, f.outside_ram, (unsigned long long)f.gpa,
                 (unsigned long long)gpa);
}

#define GPA(p, lin, acc, want) check_gpa((p), (lin), (acc), (want), __LINE__)
#define PF(p, lin, acc, ec)    check_pf((p), (lin), (acc), (ec), __LINE__)
#define RAMF(p, lin, acc, gpa) check_ram((p), (lin), (acc), (gpa), __LINE__)

/* ---------------------------------------------------------------- modes */

static struct guest_paging mode32(bool pse)
{
    return (struct guest_paging){ .cr0 = T_CR0_PE | T_CR0_PG, .cr3 = 0x1000,
                                  .cr4 = pse ? T_CR4_PSE : 0 };
}

static struct guest_paging mode_pae(bool nxe)
{
    return (struct guest_paging){ .cr0 = T_CR0_PE | T_CR0_PG, .cr3 = 0x1020, .cr4 = T_CR4_PAE,
                                  .efer = nxe ? T_EFER_NXE : 0 };
}

static struct guest_paging mode64(bool nxe)
{
    return (struct guest_paging){ .cr0 = T_CR0_PE | T_CR0_PG, .cr3 = 0x1000, .cr4 = T_CR4_PAE,
                                  .efer = T_EFER_LME | T_EFER_LMA | (nxe ? T_EFER_NXE : 0) };
}

/* 32-bit layout: PD @0x1000, PT @0x2000.
 *   0x00401xxx -> 0x107xxx (4 KiB, user rw)      PD[1], PT[1]
 *   0x00402xxx -> 0x108xxx (4 KiB, user ro)      PT[2]
 *   0x00800000 -> 0x00c00000 (4 MiB, user rw)    PD[2]
 *   0x00c00000 -> 0x01000000 (4 MiB, super rw)   PD[3] */
static void build32(void)
{
    w32(0x1000 + 1 * 4, 0x2000 | E_URW);
    w32(0x2000 + 1 * 4, 0x107000 | E_URW);
    w32(0x2000 + 2 * 4, 0x108000 | E_P | E_US);
    w32(0x1000 + 2 * 4, 0x00c00000 | E_URW | E_PS);
    w32(0x1000 + 3 * 4, 0x01000000 | E_P | E_RW | E_PS);
}

/* PAE layout: PDPT @0x1020 (CR3 not page-aligned), PD @0x2000, PT @0x3000.
 *   0xc0201xxx -> 0x106xxx (4 KiB)   PDPT[3], PD[1], PT[1]
 *   0xc0400000 -> 0x200000 (2 MiB)   PD[2]
 *   0x00000000..0x3fffffff           PDPT[0] not present */
static void build_pae(void)
{
    w64(0x1020 + 3 * 8, 0x2000 | E_P);
    w64(0x2000 + 1 * 8, 0x3000 | E_URW);
    w64(0x3000 + 1 * 8, 0x106000 | E_URW);
    w64(0x2000 + 2 * 8, 0x200000 | E_URW | E_PS);
}

/* Canonical 4-level address from table indices. */
static uint64_t la4(unsigned l4, unsigned l3, unsigned l2, unsigned l1, uint64_t off)
{
    uint64_t la = ((uint64_t)l4 << 39) | ((uint64_t)l3 << 30) | ((uint64_t)l2 << 21) |
                  ((uint64_t)l1 << 12) | off;
    if (la & (1ull << 47))
        la |= 0xffff000000000000ull;
    return la;
}

/* 4-level layout: PML4 @0x1000, PDPT @0x2000, PD @0x3000, PT @0x300000
 * (second RAM extent).
 *   la4(256,1,1,1)  -> 0x105000 (4 KiB)
 *   la4(256,1,2,*)  -> 0x200000 (2 MiB)
 *   la4(256,2,*,*)  -> 0x80000000 (1 GiB, not RAM: walks still succeed) */
static void build64(void)
{
    w64(0x1000 + 256 * 8, 0x2000 | E_URW);
    w64(0x2000 + 1 * 8, 0x3000 | E_URW);
    w64(0x3000 + 1 * 8, 0x300000 | E_URW);
    w64(0x300000 + 1 * 8, 0x105000 | E_URW);
    w64(0x3000 + 2 * 8, 0x200000 | E_URW | E_PS);
    w64(0x2000 + 2 * 8, 0x80000000 | E_URW | E_PS);
}

/* ---------------------------------------------------------------- tests */

static void test_no_paging(void **state)
{
    (void)state;
    struct guest_paging p = { .cr0 = T_CR0_PE };
    GPA(&p, 0x1234, 0, 0x1234);
    GPA(&p, 0x100001234ull, WALK_WRITE | WALK_USER | WALK_FETCH, 0x1234);
    p.efer = T_EFER_LMA;  /* inconsistent with PG=0, but then nothing truncates */
    GPA(&p, 0x100001234ull, 0, 0x100001234ull);

    p.efer = 0;
    fill_page(0x5000);
    unsigned char b[8];
    struct walk_fault f;
    assert_int_equal(guest_linear_read(&ram.gm, &p, 0x100005010ull, b, sizeof b, 0, &f), 0);
    for (unsigned i = 0; i < sizeof b; i++)
        assert_int_equal(b[i], pattern(0x5010 + i));

    /* Beyond RAM: the data page is reported, not a #PF. */
    memset(&f, 0, sizeof f);
    assert_int_equal(guest_linear_read(&ram.gm, &p, RAM_SIZE + 8, b, sizeof b, 0, &f), -1);
    assert_true(f.outside_ram);
    assert_int_equal(f.gpa, RAM_SIZE + 8);
    assert_int_equal(f.linear, RAM_SIZE + 8);
    assert_int_equal(f.error_code, 0);
}

static void test_32bit_translate(void **state)
{
    (void)state;
    build32();
    struct guest_paging p = mode32(true);
    GPA(&p, 0x00401abc, 0, 0x107abc);
    GPA(&p, 0x00401000, WALK_USER | WALK_WRITE, 0x107000);
    GPA(&p, 0x00401fff, WALK_FETCH, 0x107fff);
    GPA(&p, 0x1100401abcull, 0, 0x107abc);          /* high bits of the linear address dropped */
    GPA(&p, 0x00800000, 0, 0x00c00000);
    GPA(&p, 0x00923456, WALK_USER, 0x00d23456);       /* offset inside the 4 MiB page */
    GPA(&p, 0x00bfffff, 0, 0x00ffffff);
    GPA(&p, 0x00c12345, WALK_WRITE, 0x01012345);

    /* CR4.PSE=0: the PS bit is ignored, PD[2] points at a "page table" at
     * 0xc00000, which is outside RAM. */
    p = mode32(false);
    RAMF(&p, 0x00800000, 0, 0x00c00000);
    RAMF(&p, 0x00923456, 0, 0x00c00000 + 0x123 * 4);
    GPA(&p, 0x00401abc, 0, 0x107abc);
}

static void test_32bit_pse36(void **state)
{
    (void)state;
    struct guest_paging p = mode32(true);
    /* PDE bits 20:13 are physical-address bits 39:32. */
    w32(0x1000 + 4 * 4, 0x00400000 | (0x5u << 13) | E_URW | E_PS);
    p.maxphyaddr = 40;
    GPA(&p, 0x01012345, 0, 0x500412345ull);
    p.maxphyaddr = 52;                                /* PSE-36 stops at 40 bits */
    GPA(&p, 0x01012345, 0, 0x500412345ull);
    p.maxphyaddr = 36;
    GPA(&p, 0x01012345, 0, 0x500412345ull);

    w32(0x1000 + 4 * 4, 0x00400000 | (0x10u << 13) | E_URW | E_PS);  /* bit 17: PA bit 36 */
    p.maxphyaddr = 40;
    GPA(&p, 0x01012345, 0, 0x1000412345ull);
    p.maxphyaddr = 36;
    PF(&p, 0x01012345, 0, EC_P | EC_RSVD);
    p.maxphyaddr = 32;
    w32(0x1000 + 4 * 4, 0x00400000 | (1u << 13) | E_URW | E_PS);
    PF(&p, 0x01012345, WALK_USER, EC_P | EC_RSVD | EC_U);

    w32(0x1000 + 4 * 4, 0x00400000 | (1u << 21) | E_URW | E_PS);    /* bit 21 always reserved */
    p.maxphyaddr = 0;
    PF(&p, 0x01012345, WALK_WRITE, EC_P | EC_RSVD | EC_W);
    p.cr4 = 0;                    /* without PSE the PDE is a table pointer: no reserved bits */
    RAMF(&p, 0x01012345, 0, 0x00600000 + 0x12 * 4);
}

static void test_32bit_faults(void **state)
{
    (void)state;
    build32();
    struct guest_paging p = mode32(true);

    /* Not present: PDE, then PTE. */
    PF(&p, 0x00001000, 0, 0);
    PF(&p, 0x00001000, WALK_WRITE, EC_W);
    PF(&p, 0x00001000, WALK_USER | WALK_WRITE, EC_U | EC_W);
    PF(&p, 0x00403000, WALK_USER, EC_U);
    PF(&p, 0xfffff000u, 0, 0);

    /* No execute-disable in 32-bit paging: I/D only reported under SMEP. */
    p.efer = T_EFER_NXE;
    PF(&p, 0x00403000, WALK_FETCH, 0);
    p.cr4 |= T_CR4_SMEP;
    PF(&p, 0x00403000, WALK_FETCH, EC_ID);
    PF(&p, 0x00403000, WALK_FETCH | WALK_USER, EC_ID | EC_U);
    w32(0x2000 + 1 * 4, 0x107000 | E_URW | (1u << 31));  /* bit 31 is an address bit */
    GPA(&p, 0x00401000, WALK_WRITE, 0x80107000ull);

    /* Not-present entries with garbage are still just not present. */
    w32(0x1000 + 5 * 4, 0xfffffffe);
    PF(&p, 0x01400000, 0, 0);
}

static void test_32bit_rights(void **state)
{
    (void)state;
    build32();
    struct guest_paging p = mode32(true);

    /* Read-only 4 KiB page (PT[2] has R/W=0). */
    GPA(&p, 0x00402010, WALK_USER, 0x108010);
    GPA(&p, 0x00402010, WALK_WRITE, 0x108010);            /* WP=0: supervisor may write */
    PF(&p, 0x00402010, WALK_WRITE | WALK_USER, EC_P | EC_W | EC_U);
    p.cr0 |= T_CR0_WP;
    PF(&p, 0x00402010, WALK_WRITE, EC_P | EC_W);
    PF(&p, 0x00402010, WALK_WRITE | WALK_USER, EC_P | EC_W | EC_U);

    /* Supervisor 4 MiB page. */
    GPA(&p, 0x00c00000, WALK_WRITE, 0x01000000);
    PF(&p, 0x00c00000, WALK_USER, EC_P | EC_U);
    PF(&p, 0x00c00000, WALK_USER | WALK_FETCH, EC_P | EC_U);

    /* R/W=0 and U/S=0 in the PDE restrict a page the PTE allows. */
    w32(0x1000 + 1 * 4, 0x2000 | E_P);
    GPA(&p, 0x00401000, 0, 0x107000);
    PF(&p, 0x00401000, WALK_WRITE, EC_P | EC_W);
    PF(&p, 0x00401000, WALK_USER, EC_P | EC_U);
    p.cr0 &= ~T_CR0_WP;
    GPA(&p, 0x00401000, WALK_WRITE, 0x107000);
}

static void test_pae(void **state)
{
    (void)state;
    build_pae();
    struct guest_paging p = mode_pae(false);

    GPA(&p, 0xc0201abc, 0, 0x106abc);
    GPA(&p, 0xc0201abc, WALK_USER | WALK_WRITE | WALK_FETCH, 0x106abc);
    GPA(&p, 0xc0454321, 0, 0x254321);
    GPA(&p, 0xc05fffff, WALK_USER, 0x3fffff);
    GPA(&p, 0x7700c0201abcull, 0, 0x106abc);          /* 32-bit linear addresses */

    /* CR3[31:5] locates the PDPT: 0x1000 would use other (empty) entries. */
    p.cr3 = 0x1000;
    PF(&p, 0xc0201abc, 0, 0);
    p.cr3 = 0x1020 | 0x1f;                            /* low bits of CR3 ignored */
    GPA(&p, 0xc0201abc, 0, 0x106abc);
    p.cr3 = 0xffffffff00001020ull;                    /* CR3 above bit 31 ignored */
    GPA(&p, 0xc0201abc, 0, 0x106abc);
    p.cr3 = 0x1020;

    /* Not present PDPTE, PDE, PTE. */
    PF(&p, 0x00001000, WALK_WRITE, EC_W);
    PF(&p, 0xc0601000, WALK_USER, EC_U);
    PF(&p, 0xc0202000, 0, 0);

    /* PDPTE reserved bits: 2:1, 8:5, 63:M. */
    static const uint64_t pdpte_rsvd[] = { 1ull << 1, 1ull << 2, 1ull << 5, 1ull << 8,
                                           1ull << 52, 1ull << 62, 1ull << 63 };
    for (unsigned i = 0; i < sizeof pdpte_rsvd / sizeof pdpte_rsvd[0]; i++) {
        w64(0x1020 + 3 * 8, 0x2000 | E_P | pdpte_rsvd[i]);
        PF(&p, 0xc0201abc, 0, EC_P | EC_RSVD);
    }
    p.efer |= T_EFER_NXE;                             /* still reserved in a PDPTE */
    PF(&p, 0xc0201abc, WALK_FETCH, EC_P | EC_RSVD | EC_ID);
    p.efer &= ~T_EFER_NXE;
    w64(0x1020 + 3 * 8, 0x2000 | E_P | (1ull << 3) | (1ull << 4) | (7ull << 9)); /* PWT/PCD/ignored */
    GPA(&p, 0xc0201abc, 0, 0x106abc);
    p.maxphyaddr = 36;
    w64(0x1020 + 3 * 8, 0x2000 | E_P | (1ull << 36));
    PF(&p, 0xc0201abc, 0, EC_P | EC_RSVD);
    w64(0x1020 + 3 * 8, 0x2000 | E_P | (1ull << 35));  /* below MAXPHYADDR: address, not RAM */
    RAMF(&p, 0xc0201abc, 0, (1ull << 35) + 0x2000 + 1 * 8);
    p.maxphyaddr = 0;
    w64(0x1020 + 3 * 8, 0x2000 | E_P);

    /* PDE/PTE reserved bits: 62:M (PAE keeps 62:52 reserved), bit 63 without NXE. */
    w64(0x3000 + 1 * 8, 0x106000 | E_URW | (1ull << 60));
    PF(&p, 0xc0201abc, WALK_USER, EC_P | EC_RSVD | EC_U);
    w64(0x3000 + 1 * 8, 0x106000 | E_URW | E_XD);
    PF(&p, 0xc0201abc, 0, EC_P | EC_RSVD);
    p.efer |= T_EFER_NXE;
    GPA(&p, 0xc0201abc, 0, 0x106abc);
    GPA(&p, 0xc0201abc, WALK_WRITE, 0x106abc);
    PF(&p, 0xc0201abc, WALK_FETCH, EC_P | EC_ID);
    PF(&p, 0xc0201abc, WALK_FETCH | WALK_USER, EC_P | EC_ID | EC_U);
    p.efer &= ~T_EFER_NXE;

    /* 2 MiB PDE: bits 20:13 reserved, bit 12 is PAT. */
    w64(0x2000 + 2 * 8, 0x200000 | E_URW | E_PS | (1ull << 13));
    PF(&p, 0xc0454321, 0, EC_P | EC_RSVD);
    w64(0x2000 + 2 * 8, 0x200000 | E_URW | E_PS | (1ull << 20));
    PF(&p, 0xc0454321, 0, EC_P | EC_RSVD);
    w64(0x2000 + 2 * 8, 0x200000 | E_URW | E_PS | (1ull << 12));
    GPA(&p, 0xc0454321, 0, 0x254321);
    w64(0x2000 + 2 * 8, 0x200000 | E_P | E_PS);      /* supervisor, read-only */
    PF(&p, 0xc0454321, WALK_USER, EC_P | EC_U);
    GPA(&p, 0xc0454321, WALK_WRITE, 0x254321);
    p.cr0 |= T_CR0_WP;
    PF(&p, 0xc0454321, WALK_WRITE, EC_P | EC_W);
}

static void test_4level_translate(void **state)
{
    (void)state;
    build64();
    struct guest_paging p = mode64(false);

    GPA(&p, la4(256, 1, 1, 1, 0xabc), 0, 0x105abc);
    GPA(&p, la4(256, 1, 1, 1, 0xfff), WALK_USER | WALK_WRITE | WALK_FETCH, 0x105fff);
    GPA(&p, la4(256, 1, 2, 0, 0), 0, 0x200000);
    GPA(&p, la4(256, 1, 2, 0x1ab, 0xcde), WALK_USER, 0x200000 + 0x1abcde);
    GPA(&p, la4(256, 2, 0, 0, 0), 0, 0x80000000ull);
    GPA(&p, la4(256, 2, 0x1a3, 0x45, 0x678), WALK_WRITE, 0x80000000ull + 0x34645678ull);
    GPA(&p, la4(256, 2, 511, 511, 0xfff), 0, 0xbfffffffull);

    /* CR3 bits 11:0 (PCD/PWT/PCID) and 63 (no-flush) are not address bits. */
    p.cr3 = 0x1000 | 0xfff | (1ull << 63);
    GPA(&p, la4(256, 1, 1, 1, 0xabc), 0, 0x105abc);

    /* Ignored bits 62:52 and 11:8 in 4-level entries. */
    p.cr3 = 0x1000;
    w64(0x300000 + 1 * 8, 0x105000 | E_URW | (0x7ffull << 52) | (0xfull << 8));
    GPA(&p, la4(256, 1, 1, 1, 0xabc), 0, 0x105abc);

    /* Address bits up to MAXPHYADDR-1 reach the result. */
    w64(0x300000 + 1 * 8, (1ull << 51) | 0x105000 | E_URW);
    GPA(&p, la4(256, 1, 1, 1, 0xabc), 0, (1ull << 51) | 0x105abc);
    p.maxphyaddr = 46;
    PF(&p, la4(256, 1, 1, 1, 0xabc), 0, EC_P | EC_RSVD);

    /* Non-canonical addresses are the caller's business: walked by bits 47:0. */
    p.maxphyaddr = 0;
    w64(0x300000 + 1 * 8, 0x105000 | E_URW);
    GPA(&p, la4(256, 1, 1, 1, 0xabc) & 0x0000ffffffffffffull, 0, 0x105abc);
    GPA(&p, la4(256, 1, 1, 1, 0xabc) ^ (1ull << 60), 0, 0x105abc);
}

static void test_4level_not_present(void **state)
{
    (void)state;
    build64();
    struct guest_paging p = mode64(true);

    PF(&p, la4(0, 0, 0, 0, 0), 0, 0);                           /* PML4E */
    PF(&p, la4(256, 3, 0, 0, 0), WALK_WRITE, EC_W);             /* PDPTE */
    PF(&p, la4(256, 1, 3, 0, 0), WALK_USER, EC_U);              /* PDE */
    PF(&p, la4(256, 1, 1, 2, 0x10), WALK_FETCH, EC_ID);         /* PTE, NXE: I/D */
    PF(&p, la4(256, 1, 1, 2, 0x10), WALK_FETCH | WALK_USER, EC_ID | EC_U);
    p.efer &= ~T_EFER_NXE;
    PF(&p, la4(256, 1, 1, 2, 0x10), WALK_FETCH, 0);             /* no NXE: no I/D */
    p.cr4 |= T_CR4_SMEP;
    PF(&p, la4(256, 1, 1, 2, 0x10), WALK_FETCH, EC_ID);

    /* Reserved bits in a non-present entry are not looked at. */
    w64(0x3000 + 3 * 8, 0xfffffffffffffffeull);
    PF(&p, la4(256, 1, 3, 0, 0), 0, 0);
}

static void test_4level_reserved(void **state)
{
    (void)state;
    build64();
    struct guest_paging p = mode64(false);
    uint64_t a4k = la4(256, 1, 1, 1, 0x10), a2m = la4(256, 1, 2, 0, 0x10),
             a1g = la4(256, 2, 0, 0, 0x10);

    /* PS in the PML4E. */
    w64(0x1000 + 256 * 8, 0x2000 | E_URW | E_PS);
    PF(&p, a4k, WALK_WRITE, EC_P | EC_RSVD | EC_W);
    w64(0x1000 + 256 * 8, 0x2000 | E_URW);

    /* 1 GiB page: bits 29:13 reserved. */
    w64(0x2000 + 2 * 8, 0x80000000ull | E_URW | E_PS | (1ull << 13));
    PF(&p, a1g, 0, EC_P | EC_RSVD);
    w64(0x2000 + 2 * 8, 0x80000000ull | E_URW | E_PS | (1ull << 29));
    PF(&p, a1g, WALK_USER, EC_P | EC_RSVD | EC_U);
    w64(0x2000 + 2 * 8, 0x80000000ull | E_URW | E_PS | (1ull << 12));   /* PAT */
    GPA(&p, a1g, 0, 0x80000010ull);

    /* 2 MiB page: bits 20:13 reserved. */
    w64(0x3000 + 2 * 8, 0x200000 | E_URW | E_PS | (1ull << 16));
    PF(&p, a2m, 0, EC_P | EC_RSVD);
    w64(0x3000 + 2 * 8, 0x200000 | E_URW | E_PS | (1ull << 12));
    GPA(&p, a2m, 0, 0x200010);

    /* Bit 63 without NXE, at every level; fine with NXE. */
    static const uint64_t slot[4] = { 0x1000 + 256 * 8, 0x2000 + 1 * 8, 0x3000 + 1 * 8,
                                      0x300000 + 1 * 8 };
    for (unsigned i = 0; i < 4; i++) {
        uint64_t old = r64(slot[i]);
        w64(slot[i], old | E_XD);
        p.efer &= ~T_EFER_NXE;
        PF(&p, a4k, 0, EC_P | EC_RSVD);
        PF(&p, a4k, WALK_FETCH, EC_P | EC_RSVD);
        p.efer |= T_EFER_NXE;
        GPA(&p, a4k, WALK_WRITE | WALK_USER, 0x105010);
        PF(&p, a4k, WALK_FETCH, EC_P | EC_ID);
        w64(slot[i], old);
    }

    /* Bits 51:M, at every level, with M = 40; bit 39 is an address bit. */
    p.maxphyaddr = 40;
    for (unsigned i = 0; i < 4; i++) {
        uint64_t old = r64(slot[i]);
        w64(slot[i], old | (1ull << 45));
        PF(&p, a4k, WALK_USER, EC_P | EC_RSVD | EC_U);
        w64(slot[i], old | (1ull << 39));
        if (i < 3)
            RAMF(&p, a4k, 0, (1ull << 39) + (old & 0xfffff000ull) + 1 * 8);  /* next index is 1 */
        else
            GPA(&p, a4k, 0, (1ull << 39) | 0x105010);
        w64(slot[i], old);
    }

    /* Reserved bits win over missing rights. */
    p.maxphyaddr = 0;
    p.efer &= ~T_EFER_NXE;
    w64(0x300000 + 1 * 8, 0x105000 | E_P | (1ull << 63));
    PF(&p, a4k, WALK_USER | WALK_WRITE, EC_P | EC_RSVD | EC_U | EC_W);
}

static void test_4level_rights(void **state)
{
    (void)state;
    build64();
    struct guest_paging p = mode64(true);
    uint64_t a4k = la4(256, 1, 1, 1, 0x10), a1g = la4(256, 2, 5, 6, 7);

    /* U/S=0 at the PML4E restricts everything below. */
    w64(0x1000 + 256 * 8, 0x2000 | E_P | E_RW);
    GPA(&p, a4k, WALK_WRITE, 0x105010);
    PF(&p, a4k, WALK_USER, EC_P | EC_U);
    PF(&p, a1g, WALK_USER | WALK_WRITE, EC_P | EC_U | EC_W);
    w64(0x1000 + 256 * 8, 0x2000 | E_URW);

    /* R/W=0 on the 1 GiB PDPTE: WP decides for supervisor writes. */
    w64(0x2000 + 2 * 8, 0x80000000ull | E_P | E_US | E_PS);
    GPA(&p, a1g, WALK_USER, 0x80000000ull + (5ull << 21) + (6ull << 12) + 7);
    GPA(&p, a1g, WALK_WRITE, 0x80000000ull + (5ull << 21) + (6ull << 12) + 7);
    PF(&p, a1g, WALK_WRITE | WALK_USER, EC_P | EC_W | EC_U);
    p.cr0 |= T_CR0_WP;
    PF(&p, a1g, WALK_WRITE, EC_P | EC_W);
    p.cr0 &= ~T_CR0_WP;

    /* NX at the PML4 level only affects fetches. */
    w64(0x1000 + 256 * 8, 0x2000 | E_URW | E_XD);
    GPA(&p, a4k, WALK_USER | WALK_WRITE, 0x105010);
    PF(&p, a4k, WALK_FETCH, EC_P | EC_ID);
    PF(&p, a4k, WALK_FETCH | WALK_USER, EC_P | EC_ID | EC_U);
    PF(&p, a1g, WALK_FETCH, EC_P | EC_ID);
    w64(0x1000 + 256 * 8, 0x2000 | E_URW);

    /* Supervisor may fetch from user pages (no SMEP enforcement). */
    GPA(&p, a4k, WALK_FETCH, 0x105010);

    /* A user access that is both a rights and an NX violation. */
    w64(0x300000 + 1 * 8, 0x105000 | E_P | E_XD);
    PF(&p, a4k, WALK_FETCH | WALK_USER, EC_P | EC_ID | EC_U);
    GPA(&p, a4k, 0, 0x105010);
}

static void test_unsupported_modes(void **state)
{
    (void)state;
    build64();
    struct guest_paging p = mode64(true);
    p.cr4 |= T_CR4_LA57;
    PF(&p, la4(256, 1, 1, 1, 0), 0, EC_P | EC_RSVD);
    PF(&p, la4(256, 1, 1, 1, 0), WALK_FETCH | WALK_USER, EC_P | EC_RSVD | EC_ID | EC_U);
    p.cr4 = 0;                                /* LMA without PAE cannot happen */
    PF(&p, la4(256, 1, 1, 1, 0), WALK_WRITE, EC_P | EC_RSVD | EC_W);

    /* LA57 is irrelevant outside long mode. */
    build_pae();
    p = mode_pae(false);
    p.cr4 |= T_CR4_LA57;
    GPA(&p, 0xc0201abc, 0, 0x106abc);
}

static void test_tables_outside_ram(void **state)
{
    (void)state;
    build64();
    struct guest_paging p = mode64(false);

    p.cr3 = 8 * MIB;
    RAMF(&p, la4(256, 1, 1, 1, 0), 0, 8 * MIB + 256 * 8);
    p.cr3 = RAM_SIZE - PG;                    /* last page of RAM, all zero: #PF */
    PF(&p, la4(256, 1, 1, 1, 0), 0, 0);
    p.cr3 = 0x1000;

    w64(0x2000 + 5 * 8, 0x900000 | E_URW);
    RAMF(&p, la4(256, 5, 7, 0, 0), WALK_USER, 0x900000 + 7 * 8);
    w64(0x3000 + 6 * 8, (1ull << 40) | E_URW);
    RAMF(&p, la4(256, 1, 6, 9, 0), 0, (1ull << 40) + 9 * 8);

    struct guest_paging q = mode32(true);
    w32(0x1000 + 8 * 4, 0xfffff000u | E_URW);
    RAMF(&q, 0x02003000, 0, 0xfffff000u + 3 * 4);
    q.cr3 = 0xfff00000u;
    RAMF(&q, 0x02003000, 0, 0xfff00000u + 8 * 4);

    struct guest_paging r = mode_pae(false);
    r.cr3 = 0xffffffe0u;
    RAMF(&r, 0xc0000000u, 0, 0xffffffe0u + 3 * 8);
    r.cr3 = 0x1020;
    w64(0x1020 + 1 * 8, 0x7f000000ull | E_P);
    RAMF(&r, 0x40200000u, 0, 0x7f000000ull + 1 * 8);

    /* Data outside RAM: the walk succeeds, copies report the data page. */
    w64(0x300000 + 6 * 8, 0x10000000ull | E_URW);
    GPA(&p, la4(256, 1, 1, 6, 0x44), 0, 0x10000044ull);
    unsigned char b[4];
    struct walk_fault f;
    assert_int_equal(guest_linear_read(&ram.gm, &p, la4(256, 1, 1, 6, 0x44), b, 4, 0, &f), -1);
    assert_true(f.outside_ram);
    assert_int_equal(f.gpa, 0x10000044ull);
    assert_int_equal(f.linear, la4(256, 1, 1, 6, 0x44));
    assert_int_equal(f.error_code, 0);
}

static void test_linear_copy_cross_page(void **state)
{
    (void)state;
    build64();
    struct guest_paging p = mode64(true);
    /* PT[2] -> 0x10a000 (not adjacent to PT[1]'s 0x105000), PT[3] absent,
     * PT[4] -> 0x1ff000 (last page of extent 0), PT[5] -> 0x200000 (first of
     * extent 1), PT[6] -> 0x10c000 read-only. */
    w64(0x300000 + 2 * 8, 0x10a000 | E_URW);
    w64(0x300000 + 4 * 8, 0x1ff000 | E_URW);
    w64(0x300000 + 5 * 8, 0x200000 | E_URW);
    w64(0x300000 + 6 * 8, 0x10c000 | E_P | E_US);
    fill_page(0x105000);
    fill_page(0x10a000);
    fill_page(0x1ff000);
    fill_page(0x200000);

    unsigned char b[64];
    struct walk_fault f;
    assert_int_equal(guest_linear_read(&ram.gm, &p, la4(256, 1, 1, 1, 0xff0), b, 32, WALK_USER, &f), 0);
    for (unsigned i = 0; i < 16; i++) {
        assert_int_equal(b[i], pattern(0x105ff0 + i));
        assert_int_equal(b[16 + i], pattern(0x10a000 + i));
    }
    assert_int_equal(guest_linear_read(&ram.gm, &p, la4(256, 1, 1, 4, 0xfe0), b, 64, 0, &f), 0);
    for (unsigned i = 0; i < 32; i++) {
        assert_int_equal(b[i], pattern(0x1fffe0 + i));
        assert_int_equal(b[32 + i], pattern(0x200000 + i));
    }

    /* Into an unmapped page: fault at that page, dst untouched. */
    memset(b, 0xee, sizeof b);
    memset(&f, 0, sizeof f);
    assert_int_equal(guest_linear_read(&ram.gm, &p, la4(256, 1, 1, 2, 0xff8), b, 16, WALK_USER, &f), -1);
    assert_false(f.outside_ram);
    assert_int_equal(f.linear, la4(256, 1, 1, 3, 0));
    assert_int_equal(f.error_code, EC_U);
    for (unsigned i = 0; i < sizeof b; i++)
        assert_int_equal(b[i], 0xee);

    /* Three pages, the middle one unmapped. */
    unsigned char big[2 * PG + 16];
    memset(big, 0xee, sizeof big);
    assert_int_equal(guest_linear_read(&ram.gm, &p, la4(256, 1, 1, 2, 0xff0), big, sizeof big, 0, &f), -1);
    assert_int_equal(f.linear, la4(256, 1, 1, 3, 0));
    assert_int_equal(f.error_code, 0);
    for (unsigned i = 0; i < sizeof big; i++)
        assert_int_equal(big[i], 0xee);

    /* The first page itself failing reports the range's start. */
    assert_int_equal(guest_linear_read(&ram.gm, &p, la4(256, 1, 1, 3, 0x123), b, 8, WALK_FETCH, &f), -1);
    assert_int_equal(f.linear, la4(256, 1, 1, 3, 0x123));
    assert_int_equal(f.error_code, EC_ID);

    /* Writes: across two pages, then into the read-only page. */
    unsigned char src[32];
    for (unsigned i = 0; i < sizeof src; i++)
        src[i] = (unsigned char)(0x40 + i);
    assert_int_equal(guest_linear_write(&ram.gm, &p, la4(256, 1, 1, 1, 0xff0), src, 32, WALK_USER, &f), 0);
    assert_int_equal(guest_mem_read(&ram.gm, 0x105ff0, b, 16), 0);
    assert_memory_equal(b, src, 16);
    assert_int_equal(guest_mem_read(&ram.gm, 0x10a000, b, 16), 0);
    assert_memory_equal(b, src + 16, 16);

    unsigned char before[PG];
    assert_int_equal(guest_mem_read(&ram.gm, 0x200000, before, PG), 0);
    p.cr0 |= T_CR0_WP;
    assert_int_equal(guest_linear_write(&ram.gm, &p, la4(256, 1, 1, 5, 0xff8), src, 16, 0, &f), -1);
    assert_false(f.outside_ram);
    assert_int_equal(f.linear, la4(256, 1, 1, 6, 0));
    assert_int_equal(f.error_code, EC_P | EC_W);
    assert_int_equal(guest_mem_read(&ram.gm, 0x200000, b, 64), 0);
    assert_memory_equal(b, before, 64);
    assert_int_equal(guest_mem_read(&ram.gm, 0x200ff8, b, 8), 0);
    assert_memory_equal(b, before + 0xff8, 8);
    assert_int_equal(guest_linear_write(&ram.gm, &p, la4(256, 1, 1, 5, 0xff8), src, 16, WALK_USER, &f), -1);
    assert_int_equal(f.error_code, EC_P | EC_W | EC_U);
    p.cr0 &= ~T_CR0_WP;                          /* supervisor write allowed */
    assert_int_equal(guest_linear_write(&ram.gm, &p, la4(256, 1, 1, 5, 0xff8), src, 16, 0, &f), 0);
    assert_int_equal(guest_mem_read(&ram.gm, 0x10c000, b, 8), 0);
    assert_memory_equal(b, src + 8, 8);

    /* Reads of read-only pages succeed; a read flagged WALK_WRITE is checked as a write. */
    assert_int_equal(guest_linear_read(&ram.gm, &p, la4(256, 1, 1, 6, 0), b, 8, WALK_USER, &f), 0);
    assert_int_equal(guest_linear_read(&ram.gm, &p, la4(256, 1, 1, 6, 0), b, 8,
                                       WALK_USER | WALK_WRITE, &f), -1);
    assert_int_equal(f.error_code, EC_P | EC_W | EC_U);

    /* Zero length: nothing translated, success. */
    assert_int_equal(guest_linear_read(&ram.gm, &p, la4(256, 1, 1, 3, 0), b, 0, 0, &f), 0);
    assert_int_equal(guest_linear_write(&ram.gm, &p, la4(256, 1, 1, 3, 0), NULL, 0, 0, NULL), 0);
}

static void test_linear_copy_32bit_wrap(void **state)
{
    (void)state;
    build32();
    struct guest_paging p = mode32(true);
    /* 0xfffff000 -> 0x109000 via PD[1023] -> PT @0x4000; 0x0 -> 0x10b000 via PD[0] -> PT @0x5000. */
    w32(0x1000 + 1023 * 4, 0x4000 | E_URW);
    w32(0x4000 + 1023 * 4, 0x109000 | E_URW);
    w32(0x1000 + 0 * 4, 0x5000 | E_URW);
    w32(0x5000 + 0 * 4, 0x10b000 | E_URW);
    fill_page(0x109000);
    fill_page(0x10b000);

    unsigned char b[8];
    struct walk_fault f;
    assert_int_equal(guest_linear_read(&ram.gm, &p, 0xfffffffcu, b, 8, 0, &f), 0);
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(b[i], pattern(0x109ffc + i));
        assert_int_equal(b[4 + i], pattern(0x10b000 + i));
    }
    /* With the page at linear 0 missing, the fault is at (wrapped) address 0. */
    w32(0x5000, 0);
    assert_int_equal(guest_linear_read(&ram.gm, &p, 0xfffffffcu, b, 8, WALK_USER, &f), -1);
    assert_int_equal(f.linear, 0);
    assert_int_equal(f.error_code, EC_U);

    /* ... and the wrapped page mapped outside RAM reports linear 0 too. */
    w32(0x5000, 0x7ff000u | E_URW);
    memset(&f, 0, sizeof f);
    assert_int_equal(guest_linear_read(&ram.gm, &p, 0xfffffffcu, b, 8, WALK_USER, &f), -1);
    assert_true(f.outside_ram);
    assert_int_equal(f.linear, 0);
    assert_int_equal(f.gpa, 0x7ff000u);
}

static void test_ad_bits_untouched(void **state)
{
    (void)state;
    build64();
    unsigned char *snap = malloc(RAM_SIZE);
    assert_non_null(snap);
    assert_int_equal(guest_mem_read(&ram.gm, 0, snap, RAM_SIZE), 0);

    struct guest_paging p = mode64(true);
    unsigned char b[32];
    for (unsigned acc = 0; acc < 8; acc++) {
        uint64_t g;
        assert_int_equal(guest_walk(&ram.gm, &p, la4(256, 1, 1, 1, 0), acc, &g, NULL), 0);
        assert_int_equal(guest_walk(&ram.gm, &p, la4(256, 1, 2, 1, 0), acc, &g, NULL), 0);
        assert_int_equal(guest_walk(&ram.gm, &p, la4(256, 2, 1, 1, 0), acc, &g, NULL), 0);
        assert_int_equal(guest_linear_read(&ram.gm, &p, la4(256, 1, 1, 1, 0x10), b, sizeof b, acc, NULL), 0);
    }
    unsigned char *now = malloc(RAM_SIZE);
    assert_non_null(now);
    assert_int_equal(guest_mem_read(&ram.gm, 0, now, RAM_SIZE), 0);
    assert_memory_equal(snap, now, RAM_SIZE);
    assert_int_equal(r64(0x300000 + 8) & (E_A | E_D), 0);

    /* A write through linear memory changes the data only. */
    assert_int_equal(guest_linear_write(&ram.gm, &p, la4(256, 1, 1, 1, 0x10), b, sizeof b, 0, NULL), 0);
    assert_int_equal(guest_mem_read(&ram.gm, 0, now, RAM_SIZE), 0);
    memcpy(snap + 0x105010, b, sizeof b);
    assert_memory_equal(snap, now, RAM_SIZE);
    free(snap);
    free(now);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    build64();
    struct guest_paging p = mode64(false);
    struct walk_fault f;
    unsigned char b[4];
    uint64_t g;

    memset(&f, 0, sizeof f);
    assert_int_equal(guest_walk(&ram.gm, NULL, 0x1000, 0, &g, &f), -1);
    assert_true(f.outside_ram);
    assert_int_equal(guest_walk(&ram.gm, NULL, 0x1000, 0, NULL, NULL), -1);
    memset(&f, 0, sizeof f);
    assert_int_equal(guest_walk(NULL, &p, la4(256, 1, 1, 1, 0), 0, &g, &f), -1);
    assert_true(f.outside_ram);
    assert_int_equal(f.gpa, 0x1000 + 256 * 8);
    memset(&f, 0, sizeof f);
    assert_int_equal(guest_linear_read(&ram.gm, &p, la4(256, 1, 1, 1, 0), NULL, 4, 0, &f), -1);
    assert_true(f.outside_ram);
    memset(&f, 0, sizeof f);
    assert_int_equal(guest_linear_write(&ram.gm, &p, la4(256, 1, 1, 1, 0), NULL, 4, 0, &f), -1);
    assert_true(f.outside_ram);
    memset(&f, 0, sizeof f);
    assert_int_equal(guest_linear_read(&ram.gm, NULL, 0, b, 4, 0, &f), -1);
    assert_true(f.outside_ram);
    /* Results are optional. */
    assert_int_equal(guest_walk(&ram.gm, &p, la4(256, 1, 1, 1, 0), 0, NULL, NULL), 0);
    assert_int_equal(guest_walk(&ram.gm, &p, la4(0, 0, 0, 0, 0), 0, NULL, NULL), -1);
    assert_int_equal(guest_linear_read(&ram.gm, &p, la4(0, 0, 0, 0, 0), b, 4, 0, NULL), -1);
}

/* ---------------------------------------------------------------- fuzzing */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

#define FUZZ_PAGES 16   /* random tables live in [0, 64 KiB) */

/* A random entry: mostly plausible (present, pointing at a table page or
 * near/outside the end of RAM), sometimes pure noise. */
static uint64_t random_entry(void)
{
    uint64_t r = rnd();
    switch (r & 15) {
    case 0:
        return rnd();
    case 1:
        return rnd() & ~E_P;
    case 2:
        return (RAM_SIZE - PG + (rnd() % 4) * PG) | (rnd() & 0xfff) | E_P;
    default: {
        /* Random low flags, PS only now and then (large pages then aligned
         * to 2 MiB, some of them the 1 GiB page at 0), one stray high bit
         * now and then. */
        uint64_t flags = (rnd() & 0xfff) | E_P;
        uint64_t addr = (rnd() % (FUZZ_PAGES + 2)) * PG;
        if ((r >> 4) & 3)
            flags &= ~E_PS;
        if (flags & E_PS)
            addr = (rnd() % 4) << 21;
        uint64_t e = addr | flags;
        if ((r >> 8) % 16 == 0)
            e |= 1ull << (rnd() % 64);
        return e;
    }
    }
}

static void randomize_tables(void)
{
    for (uint64_t a = 0; a < FUZZ_PAGES * PG; a += 8)
        w64(a, random_entry());
}

static struct guest_paging random_paging(void)
{
    uint64_t r = rnd();
    struct guest_paging p = { 0 };
    p.cr0 = T_CR0_PE | ((r & 0xf) ? T_CR0_PG : 0) | ((r & 0x10) ? T_CR0_WP : 0);
    p.cr4 = ((r & 0x20) ? T_CR4_PSE : 0) | ((r & 0xc0) ? T_CR4_PAE : 0) |
            ((r & 0x700) == 0x700 ? T_CR4_LA57 : 0) | ((r & 0x400) ? T_CR4_SMEP : 0);
    p.efer = ((r & 0x1800) ? T_EFER_LMA | T_EFER_LME : 0) | ((r & 0x2000) ? T_EFER_NXE : 0);
    switch ((r >> 16) & 7) {
    case 0:
        p.cr3 = rnd();
        break;
    default:
        p.cr3 = (rnd() % FUZZ_PAGES) * PG + ((r >> 20) & 0xfe0);
        break;
    }
    p.maxphyaddr = (r >> 32) % 3 ? 0 : (unsigned)((r >> 40) % 64);
    return p;
}

static uint64_t random_linear(void)
{
    uint64_t r = rnd();
    if (r & 1)
        return rnd();
    /* Low/high canonical halves, near page ends. */
    uint64_t la = rnd() & 0x00007fffffffffffull;
    if (r & 2)
        la |= 0xffff800000000000ull;
    if (r & 4)
        la |= 0xff0;
    return la;
}

static unsigned clamp_m(unsigned m)
{
    return m == 0 ? 52 : m < 32 ? 32 : m > 52 ? 52 : m;
}

static void check_result(const struct guest_paging *p, uint64_t la, unsigned acc, int rc,
                         uint64_t g, const struct walk_fault *f)
{
    assert_true(rc == 0 || rc == -1);
    if (rc == 0) {
        if (p->cr0 & T_CR0_PG) {
            assert_true(g < (1ull << clamp_m(p->maxphyaddr)));
        } else if (!(p->efer & T_EFER_LMA)) {
            assert_true(g <= 0xffffffffull);
        }
        return;
    }
    assert_int_equal(f->linear, expect_linear(p, la));
    if (f->outside_ram) {
        assert_int_equal(f->error_code, 0);
        assert_true(f->gpa >= RAM_SIZE);
        return;
    }
    assert_true(p->cr0 & T_CR0_PG);
    uint32_t ec = f->error_code;
    assert_int_equal(ec & ~0x1fu, 0);
    if (ec & EC_RSVD)
        assert_true(ec & EC_P);
    assert_int_equal(!!(ec & EC_W), !!(acc & WALK_WRITE));
    assert_int_equal(!!(ec & EC_U), !!(acc & WALK_USER));
    if (ec & EC_ID)
        assert_true(acc & WALK_FETCH);
}

static void test_fuzz_hostile_tables(void **state)
{
    (void)state;
    unsigned char *snap = malloc(FUZZ_PAGES * PG), *now = malloc(FUZZ_PAGES * PG);
    assert_non_null(snap);
    assert_non_null(now);
    rng_state = 0x9e3779b97f4a7c15ull;
    unsigned ok = 0, ok_paged = 0, pf = 0, oram = 0;

    for (unsigned round = 0; round < 200; round++) {
        randomize_tables();
        assert_int_equal(guest_mem_read(&ram.gm, 0, snap, FUZZ_PAGES * PG), 0);

        for (unsigned i = 0; i < 150; i++) {
            struct guest_paging p = random_paging();
            uint64_t la = random_linear();
            unsigned acc = (unsigned)(rnd() & 7);
            uint64_t g = 0, g2 = 0;
            struct walk_fault f, f2;
            memset(&f, 0, sizeof f);
            memset(&f2, 0, sizeof f2);
            int rc = guest_walk(&ram.gm, &p, la, acc, &g, &f);
            check_result(&p, la, acc, rc, g, &f);
            /* Deterministic. */
            int rc2 = guest_walk(&ram.gm, &p, la, acc, &g2, &f2);
            assert_int_equal(rc, rc2);
            if (rc == 0) {
                assert_int_equal(g, g2);
                ok++;
                if (p.cr0 & T_CR0_PG)
                    ok_paged++;
            } else {
                assert_memory_equal(&f, &f2, sizeof f);
                if (f.outside_ram)
                    oram++;
                else
                    pf++;
            }

            /* Reads of up to three pages: all-or-nothing, and what arrives
             * matches a byte-wise walk. */
            size_t len = (size_t)(rnd() % (3 * PG)) + 1;
            unsigned char *buf = malloc(len);
            assert_non_null(buf);
            memset(buf, 0xcc, len);
            rc = guest_linear_read(&ram.gm, &p, la, buf, len, acc, &f);
            if (rc == 0) {
                size_t probe[3] = { 0, len / 2, len - 1 };
                for (unsigned k = 0; k < 3; k++) {
                    unsigned char byte;
                    assert_int_equal(guest_walk(&ram.gm, &p, la + probe[k], acc, &g, NULL), 0);
                    assert_int_equal(guest_mem_read(&ram.gm, g, &byte, 1), 0);
                    assert_int_equal(byte, buf[probe[k]]);
                }
            } else {
                assert_int_equal(rc, -1);
                for (size_t k = 0; k < len; k++)
                    if (buf[k] != 0xcc)
                        fail_msg("failed read wrote dst[%zu]", k);
                if (!f.outside_ram)
                    assert_int_equal(f.error_code & ~0x1fu, 0);
            }
            free(buf);
        }
        /* Walks and reads never modify guest memory. */
        assert_int_equal(guest_mem_read(&ram.gm, 0, now, FUZZ_PAGES * PG), 0);
        assert_memory_equal(snap, now, FUZZ_PAGES * PG);

        /* Writes through the hostile tables, possibly into the tables
         * themselves: must not crash or touch anything outside RAM. */
        for (unsigned i = 0; i < 25; i++) {
            struct guest_paging p = random_paging();
            unsigned char src[PG + 64];
            size_t len = (size_t)(rnd() % sizeof src) + 1;
            for (size_t k = 0; k < len; k++)
                src[k] = (unsigned char)rnd();
            struct walk_fault f;
            int rc = guest_linear_write(&ram.gm, &p, random_linear(), src, len,
                                        (unsigned)(rnd() & 7), &f);
            assert_true(rc == 0 || rc == -1);
        }
    }
    /* The generator must exercise all three outcomes substantially. */
    assert_true(ok > 1000);
    assert_true(ok_paged > 1000);
    assert_true(pf > 1000);
    assert_true(oram > 1000);
    print_message("fuzz: %u translated (%u with paging), %u #PF, %u outside RAM\n",
                  ok, ok_paged, pf, oram);
    free(snap);
    free(now);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_no_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(test_32bit_translate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_32bit_pse36, setup, teardown),
        cmocka_unit_test_setup_teardown(test_32bit_faults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_32bit_rights, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pae, setup, teardown),
        cmocka_unit_test_setup_teardown(test_4level_translate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_4level_not_present, setup, teardown),
        cmocka_unit_test_setup_teardown(test_4level_reserved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_4level_rights, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsupported_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tables_outside_ram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linear_copy_cross_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_linear_copy_32bit_wrap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ad_bits_untouched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fuzz_hostile_tables, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
