/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for boot/linux_loader.c: bzImage checks, zero page, initrd, page tables, GDT, refusals, fuzzing, a real kernel. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ept/guest_mem.h"
#include "boot/bootparam.h"
#include "boot/linux_loader.h"

#define KIB         0x400ull
#define MIB         0x100000ull
#define GIB         0x40000000ull
#define PG          0x1000ull
#define POISON      0xCC

#define RAM_SIZE    (64 * MIB)
#define SETUP_SECTS 4u
#define SETUP_LEN   ((SETUP_SECTS + 1) * 512u)
#define PAYLOAD_LEN (64 * KIB)
#define PREF        (16 * MIB)
#define INIT_SIZE   (8 * MIB)
#define HDR_END     0x26Cu      /* 0x202 + 0x6A, as protocol 2.15 kernels have */
#define BP          LINUX_BOOT_PARAMS_GPA

#define E_NEEDS(n)  "kernel does not fit in guest memory (needs " #n " MiB)"
#define E_INITRD    "initrd does not fit in guest memory below initrd_addr_max"

/* ---- guest RAM ------------------------------------------------------------ */

struct ram {
    struct guest_mem gm;
    unsigned char *buf[GUEST_MEM_EXTENTS_MAX];
};

/* RAM made of extents of the given lengths, poisoned so that every byte the
 * loader writes (or leaves alone) can be told apart. */
static struct ram *ram_new_split(const uint64_t *lens, unsigned n)
{
    struct ram *r = calloc(1, sizeof *r);
    assert_non_null(r);
    assert_true(n <= GUEST_MEM_EXTENTS_MAX);
    uint64_t gpa = 0;
    for (unsigned i = 0; i < n; i++) {
        r->buf[i] = aligned_alloc(PG, lens[i]);
        assert_non_null(r->buf[i]);
        memset(r->buf[i], POISON, lens[i]);
        r->gm.extent[i] = (struct guest_extent){ gpa, (uint64_t)(uintptr_t)r->buf[i], lens[i] };
        gpa += lens[i];
    }
    r->gm.nr_extents = n;
    r->gm.size = gpa;
    return r;
}

static struct ram *ram_new(uint64_t size)
{
    return ram_new_split(&size, 1);
}

static void ram_free(struct ram *r)
{
    for (unsigned i = 0; i < r->gm.nr_extents; i++)
        free(r->buf[i]);
    free(r);
}

static void ram_read(const struct ram *r, uint64_t gpa, void *dst, uint64_t len)
{
    assert_int_equal(guest_mem_read(&r->gm, gpa, dst, len), 0);
}

static uint8_t ram_u8(const struct ram *r, uint64_t gpa)
{
    uint8_t v;
    ram_read(r, gpa, &v, sizeof v);
    return v;
}

static uint16_t ram_u16(const struct ram *r, uint64_t gpa)
{
    uint16_t v;
    ram_read(r, gpa, &v, sizeof v);
    return v;
}

static uint32_t ram_u32(const struct ram *r, uint64_t gpa)
{
    uint32_t v;
    ram_read(r, gpa, &v, sizeof v);
    return v;
}

static uint64_t ram_u64(const struct ram *r, uint64_t gpa)
{
    uint64_t v;
    ram_read(r, gpa, &v, sizeof v);
    return v;
}

static bool all_bytes(const unsigned char *p, uint64_t len, unsigned char byte)
{
    static unsigned char ref[4096];
    if (ref[0] != byte)
        memset(ref, byte, sizeof ref);
    for (uint64_t at = 0; at < len; at += sizeof ref) {
        uint64_t n = len - at < sizeof ref ? len - at : sizeof ref;
        if (memcmp(p + at, ref, n))
            return false;
    }
    return true;
}

static bool ram_is(const struct ram *r, uint64_t gpa, uint64_t len, unsigned char byte)
{
    unsigned char *tmp = malloc(len ? len : 1);
    assert_non_null(tmp);
    ram_read(r, gpa, tmp, len);
    bool same = all_bytes(tmp, len, byte);
    free(tmp);
    return same;
}

static bool ram_untouched(const struct ram *r)
{
    for (unsigned i = 0; i < r->gm.nr_extents; i++)
        if (!all_bytes(r->buf[i], r->gm.extent[i].len, POISON))
            return false;
    return true;
}

/* Guest bytes [gpa, +len) equal buf. */
static void assert_ram_equal(const struct ram *r, uint64_t gpa, const void *buf, uint64_t len)
{
    unsigned char *tmp = malloc(len ? len : 1);
    assert_non_null(tmp);
    ram_read(r, gpa, tmp, len);
    assert_memory_equal(tmp, buf, len);
    free(tmp);
}

/* ---- bzImages --------------------------------------------------------------- */

struct image {
    unsigned char *buf;
    size_t len;
};

static void set8(struct image *img, size_t off, uint8_t v)
{
    img->buf[off] = v;
}

static void set16(struct image *img, size_t off, uint16_t v)
{
    memcpy(img->buf + off, &v, sizeof v);
}

static void set32(struct image *img, size_t off, uint32_t v)
{
    memcpy(img->buf + off, &v, sizeof v);
}

static void set64(struct image *img, size_t off, uint64_t v)
{
    memcpy(img->buf + off, &v, sizeof v);
}

static unsigned char pattern(size_t off)
{
    return (unsigned char)((off * 13 + 0x5A) ^ (off >> 8));
}

/* A protocol-2.15 relocatable bzImage: `sects` setup sectors (0 = 4) after
 * the boot sector, then `payload` bytes of protected-mode kernel. Fields
 * the loader must override hold garbage. */
static struct image image_build(unsigned sects, size_t payload)
{
    size_t setup = ((sects ? sects : 4u) + 1) * 512u;
    struct image img = { malloc(setup + payload), setup + payload };
    assert_non_null(img.buf);
    for (size_t i = 0; i < img.len; i++)
        img.buf[i] = pattern(i);
    memset(img.buf + BP_HDR_START, 0, HDR_END - BP_HDR_START);
    set8(&img, BP_HDR_FIELD(setup_sects), (uint8_t)sects);
    set16(&img, BP_HDR_FIELD(root_flags), 1);
    set32(&img, BP_HDR_FIELD(syssize), (uint32_t)(payload / 16));
    set16(&img, BP_HDR_FIELD(vid_mode), 0xFFFF);
    set16(&img, BP_HDR_BOOT_FLAG, BP_BOOT_FLAG);
    set8(&img, BP_HDR_JUMP, 0xEB);
    set8(&img, BP_HDR_JUMP_LEN, HDR_END - BP_HDR_MAGIC_OFF);
    set32(&img, BP_HDR_MAGIC_OFF, BP_HDR_MAGIC);
    set16(&img, BP_HDR_VERSION, BP_PROTO(2, 15));
    set16(&img, BP_HDR_FIELD(kernel_version), 0x3A0);
    set8(&img, BP_HDR_FIELD(type_of_loader), 0x42);
    set8(&img, BP_HDR_FIELD(loadflags), BP_LOADED_HIGH);
    set32(&img, BP_HDR_FIELD(code32_start), 0x100000);
    set32(&img, BP_HDR_FIELD(ramdisk_image), 0x11111111);
    set32(&img, BP_HDR_FIELD(ramdisk_size), 0x22222222);
    set32(&img, BP_HDR_FIELD(cmd_line_ptr), 0x33333333);
    set32(&img, BP_HDR_FIELD(initrd_addr_max), 0x7FFFFFFF);
    set32(&img, BP_HDR_FIELD(kernel_alignment), 2 * MIB);
    set8(&img, BP_HDR_FIELD(relocatable_kernel), 1);
    set8(&img, BP_HDR_FIELD(min_alignment), 21);
    set16(&img, BP_HDR_FIELD(xloadflags), BP_XLF_KERNEL_64 | BP_XLF_CAN_BE_LOADED_ABOVE_4G);
    set32(&img, BP_HDR_FIELD(cmdline_size), 2047);
    set32(&img, BP_HDR_FIELD(hardware_subarch), 2);
    set64(&img, BP_HDR_FIELD(hardware_subarch_data), 0x4444);
    set32(&img, BP_HDR_FIELD(payload_offset), 0x3B0);
    set32(&img, BP_HDR_FIELD(payload_length), (uint32_t)payload / 2);
    set64(&img, BP_HDR_FIELD(setup_data), 0xDEAD0000);
    set64(&img, BP_HDR_FIELD(pref_address), PREF);
    set32(&img, BP_HDR_FIELD(init_size), INIT_SIZE);
    set32(&img, BP_HDR_FIELD(handover_offset), 0x190);
    set32(&img, BP_HDR_FIELD(kernel_info_offset), 0x1234);
    return img;
}

static struct image image_std(void)
{
    return image_build(SETUP_SECTS, PAYLOAD_LEN);
}

static void image_free(struct image *img)
{
    free(img->buf);
}

/* A copy of exactly len bytes (no slack), so ASan catches reads past it. */
static struct image image_cut(const struct image *img, size_t len)
{
    struct image c = { malloc(len ? len : 1), len };
    assert_non_null(c.buf);
    memcpy(c.buf, img->buf, len < img->len ? len : img->len);
    return c;
}

/* ---- requests -------------------------------------------------------------- */

/* What a PC-like platform reports: low RAM up to the EBDA, the EBDA and BIOS
 * reserved, RAM from 1 MiB to the end of guest memory. */
struct e820_map {
    unsigned n;
    struct linux_e820_entry e[LINUX_E820_MAX + 2];
};

static struct e820_map pc_e820(uint64_t ram)
{
    struct e820_map m = { 4, {
        { 0, 0x9FC00, BP_E820_RAM },
        { 0x9FC00, 0x400, BP_E820_RESERVED },
        { 0xF0000, 0x10000, BP_E820_RESERVED },
        { MIB, ram - MIB, BP_E820_RAM },
    } };
    return m;
}

static struct linux_load_request req_for(const struct image *img, const struct e820_map *m,
                                         const char *cmdline)
{
    struct linux_load_request req = {
        .kernel = img->buf, .kernel_len = img->len, .cmdline = cmdline,
        .nr_e820 = m->n, .e820 = m->e,
    };
    return req;
}

static struct linux_load_result expect_load(struct ram *r, const struct linux_load_request *req)
{
    struct linux_load_result res;
    const char *why = NULL;
    memset(&res, 0xEE, sizeof res);
    int rc = linux_load(&r->gm, req, &res, &why);
    if (rc)
        fail_msg("refused: %s", why ? why : "(null)");
    assert_int_equal(res.boot_params_gpa, BP);
    assert_int_equal(res.cr3, LINUX_PML4_GPA);
    assert_int_equal(res.gdt_gpa, LINUX_GDT_GPA);
    assert_int_equal(res.gdt_limit, 31);
    assert_int_equal(res.cs, 0x10);
    assert_int_equal(res.ds, 0x18);
    assert_int_equal(res.entry_rip, res.load_gpa + 0x200);
    return res;
}

static void expect_refusal(struct ram *r, const struct linux_load_request *req, const char *reason)
{
    struct linux_load_result res;
    const char *why = NULL;
    memset(&res, 0, sizeof res);
    assert_int_equal(linux_load(&r->gm, req, &res, &why), -1);
    assert_non_null(why);
    assert_string_equal(why, reason);
    assert_true(ram_untouched(r));      /* validation precedes every write */
}

/* The image (consumed), standard RAM and e820, must be refused with reason. */
static void expect_image_refused(struct image img, const char *reason)
{
    struct ram *r = ram_new(RAM_SIZE);
    struct e820_map m = pc_e820(RAM_SIZE);
    struct linux_load_request req = req_for(&img, &m, "console=ttyS0");
    expect_refusal(r, &req, reason);
    image_free(&img);
    ram_free(r);
}

/* ---- checks on a loaded guest ------------------------------------------------ */

static void assert_cmdline(const struct ram *r, const char *s)
{
    assert_int_equal(ram_u32(r, BP + BP_HDR_FIELD(cmd_line_ptr)), LINUX_CMDLINE_GPA);
    assert_int_equal(ram_u32(r, BP + BP_EXT_CMD_LINE_PTR), 0);
    assert_ram_equal(r, LINUX_CMDLINE_GPA, s, strlen(s) + 1);
}

/* The zero page: the image's header, the loader's fields, zero elsewhere. */
static void assert_boot_params(const struct ram *r, const struct image *img,
                               const struct e820_map *m, uint64_t initrd, uint64_t initrd_len)
{
    unsigned char bp[BP_SIZE], want[BP_SIZE];
    ram_read(r, BP, bp, sizeof bp);

    memset(want, 0, sizeof want);
    memcpy(want + BP_HDR_START, img->buf + BP_HDR_START, HDR_END - BP_HDR_START);
    want[BP_HDR_FIELD(type_of_loader)] = 0xFF;
    uint32_t v32 = LINUX_CMDLINE_GPA;
    memcpy(want + BP_HDR_FIELD(cmd_line_ptr), &v32, 4);
    v32 = (uint32_t)initrd;
    memcpy(want + BP_HDR_FIELD(ramdisk_image), &v32, 4);
    v32 = (uint32_t)initrd_len;
    memcpy(want + BP_HDR_FIELD(ramdisk_size), &v32, 4);
    memset(want + BP_HDR_FIELD(setup_data), 0, 8);
    memset(want + BP_HDR_FIELD(hardware_subarch), 0, 4);
    memset(want + BP_HDR_FIELD(hardware_subarch_data), 0, 8);
    want[BP_E820_ENTRIES] = (unsigned char)m->n;
    for (unsigned i = 0; i < m->n; i++) {
        struct bp_e820_entry e = { m->e[i].addr, m->e[i].size, m->e[i].type };
        memcpy(want + BP_E820_TABLE + i * sizeof e, &e, sizeof e);
    }
    /* Compare everything except acpi_rsdp_addr, which callers check. */
    memcpy(want + BP_ACPI_RSDP_ADDR, bp + BP_ACPI_RSDP_ADDR, 8);
    assert_memory_equal(bp, want, sizeof bp);
    assert_int_equal(bp[BP_SENTINEL], 0);
}

/* CR3 -> PML4[0] -> PDPT[0..n) -> 2 MiB identity leaves; nothing else present. */
static void assert_identity_map(const struct ram *r, unsigned n_gib)
{
    assert_int_equal(ram_u64(r, LINUX_PML4_GPA), LINUX_PDPT_GPA | 3);
    for (unsigned i = 1; i < 512; i++)
        assert_int_equal(ram_u64(r, LINUX_PML4_GPA + i * 8), 0);
    for (unsigned i = 0; i < 512; i++) {
        uint64_t pdpte = ram_u64(r, LINUX_PDPT_GPA + i * 8);
        if (i >= n_gib) {
            assert_int_equal(pdpte, 0);
            continue;
        }
        assert_int_equal(pdpte & 0xFFF, 3);             /* P, RW, not a 1 GiB page */
        uint64_t pd = pdpte & ~0xFFFull;
        assert_int_equal(pd, LINUX_PD_GPA + i * PG);
        for (unsigned j = 0; j < 512; j++) {
            uint64_t pde = ram_u64(r, pd + j * 8);
            assert_int_equal(pde & 0xFFF, 0x83);        /* P, RW, PS */
            assert_int_equal(pde & ~0xFFFull, i * GIB + j * 2 * MIB);
        }
    }
}

/* Walk the guest's page tables as the CPU would for a 4-level, 2 MiB leaf. */
static uint64_t translate(const struct ram *r, uint64_t va)
{
    uint64_t pml4e = ram_u64(r, LINUX_PML4_GPA + ((va >> 39) & 511) * 8);
    assert_true(pml4e & 1);
    uint64_t pdpte = ram_u64(r, (pml4e & ~0xFFFull) + ((va >> 30) & 511) * 8);
    assert_true(pdpte & 1);
    assert_false(pdpte & 0x80);
    uint64_t pde = ram_u64(r, (pdpte & ~0xFFFull) + ((va >> 21) & 511) * 8);
    assert_true(pde & 1);
    assert_true(pde & 0x80);
    return (pde & ~0x1FFFFFull) + (va & 0x1FFFFF);
}

struct desc {
    uint32_t base, limit;
    unsigned type, s, dpl, p, l, db, g;
};

static struct desc decode(uint64_t d)
{
    struct desc x = {
        .base = (uint32_t)(((d >> 16) & 0xFFFFFF) | ((d >> 56) << 24)),
        .limit = (uint32_t)((d & 0xFFFF) | (((d >> 48) & 0xF) << 16)),
        .type = (d >> 40) & 0xF, .s = (d >> 44) & 1, .dpl = (d >> 45) & 3,
        .p = (d >> 47) & 1, .l = (d >> 53) & 1, .db = (d >> 54) & 1, .g = (d >> 55) & 1,
    };
    return x;
}

static void assert_gdt(const struct ram *r)
{
    assert_int_equal(ram_u64(r, LINUX_GDT_GPA), 0);
    assert_int_equal(ram_u64(r, LINUX_GDT_GPA + 8), 0);
    struct desc cs = decode(ram_u64(r, LINUX_GDT_GPA + 0x10));
    assert_int_equal(cs.base, 0);
    assert_int_equal(cs.limit, 0xFFFFF);
    assert_int_equal(cs.g, 1);
    assert_int_equal(cs.type & 0xA, 0xA);       /* code, readable */
    assert_int_equal(cs.s, 1);
    assert_int_equal(cs.dpl, 0);
    assert_int_equal(cs.p, 1);
    assert_int_equal(cs.l, 1);
    assert_int_equal(cs.db, 0);                 /* L=1 requires D=0 */
    struct desc ds = decode(ram_u64(r, LINUX_GDT_GPA + 0x18));
    assert_int_equal(ds.base, 0);
    assert_int_equal(ds.limit, 0xFFFFF);
    assert_int_equal(ds.g, 1);
    assert_int_equal(ds.type & 0xA, 0x2);       /* data, writable */
    assert_int_equal(ds.s, 1);
    assert_int_equal(ds.dpl, 0);
    assert_int_equal(ds.p, 1);
    assert_int_equal(ds.db, 1);
    assert_true(ram_is(r, LINUX_GDT_GPA + 0x20, 16, POISON));
}

/* ---- loading ---------------------------------------------------------------- */

static void test_loads_standard_image(void **state)
{
    (void)state;
    struct ram *r = ram_new(RAM_SIZE);
    struct e820_map m = pc_e820(RAM_SIZE);
    struct image img = image_std();
    struct linux_load_request req = req_for(&img, &m, "console=ttyS0 root=/dev/vda");

    struct linux_load_result res = expect_load(r, &req);
    assert_int_equal(res.load_gpa, PREF);
    assert_int_equal(res.entry_rip, PREF + 0x200);
    assert_int_equal(res.initrd_gpa, 0);
    assert_int_equal(res.mapped_bytes, 4 * GIB);

    /* The protected-mode kernel, nothing before or after it. */
    assert_ram_equal(r, PREF, img.buf + SETUP_LEN, PAYLOAD_LEN);
    assert_true(ram_is(r, PREF - 64, 64, POISON));
    assert_true(ram_is(r, PREF + PAYLOAD_LEN, 64, POISON));
    /* The setup code is not loaded at all with the 64-bit protocol. */
    assert_true(ram_is(r, 0x90000, 0x1000, POISON));

    assert_boot_params(r, &img, &m, 0, 0);
    assert_int_equal(ram_u64(r, BP + BP_ACPI_RSDP_ADDR), 0);
    assert_cmdline(r, "console=ttyS0 root=/dev/vda");
    assert_identity_map(r, 4);
    assert_gdt(r);

    /* Entry, zero page, command line and the whole init_size are reachable. */
    assert_int_equal(translate(r, res.entry_rip), res.entry_rip);
    assert_int_equal(translate(r, BP), BP);
    assert_int_equal(translate(r, LINUX_CMDLINE_GPA), LINUX_CMDLINE_GPA);
    assert_int_equal(translate(r, PREF + INIT_SIZE - 1), PREF + INIT_SIZE - 1);
    assert_int_equal(translate(r, 4 * GIB - 1), 4 * GIB - 1);

    image_free(&img);
    ram_free(r);
}

static void test_setup_sects_zero_means_four(void **state)
{
    (void)state;
    struct ram *r = ram_new(RAM_SIZE);
    struct e820_map m = pc_e820(RAM_SIZE);
    struct image img = image_build(0, PAYLOAD_LEN);
    struct linux_load_request req = req_for(&img, &m, "");
    expect_load(r, &req);
    assert_ram_equal(r, PREF, img.buf + 5 * 512, PAYLOAD_LEN);
    image_free(&img);
    ram_free(r);

    /* A long setup area (the real kernels have 27..40 sectors). */
    r = ram_new(RAM_SIZE);
    img = image_build(39, PAYLOAD_LEN);
    req = req_for(&img, &m, "");
    expect_load(r, &req);
    assert_ram_equal(r, PREF, img.buf + 40 * 512, PAYLOAD_LEN);
    image_free(&img);
    ram_free(r);
}

static void test_trailing_bytes_not_loaded(void **state)
{
    (void)state;
    struct ram *r = ram_new(RAM_SIZE);
    struct e820_map m = pc_e820(RAM_SIZE);
    struct image img = image_std();
    /* syssize covers 4 KiB less than the file: e.g. an appended signature. */
    set32(&img, BP_HDR_FIELD(syssize), (uint32_t)((PAYLOAD_LEN - 4 * KIB) / 16));
    struct linux_load_request req = req_for(&img, &m, NULL);
    expect_load(r, &req);
    assert_ram_equal(r, PREF, img.buf + SETUP_LEN, PAYLOAD_LEN - 4 * KIB);
    assert_true(ram_is(r, PREF + PAYLOAD_LEN - 4 * KIB, 4 * KIB, POISON));
    assert_cmdline(r, "");          /* NULL command line reads as empty */
    image_free(&img);
    ram_free(r);
}

static void test_initrd_high_and_aligned(void **state)
{
    (void)state;
    struct ram *r = ram_new(RAM_SIZE);
    struct e820_map m = pc_e820(RAM_SIZE);
    struct image img = image_std();
    size_t n = 3 * MIB + 123;
    unsigned char *rd = malloc(n);
    assert_non_null(rd);
    for (size_t i = 0; i < n; i++)
        rd[i] = (unsigned char)(i * 31 + 7);
    struct linux_load_request req = req_for(&img, &m, "initrd=yes");
    req.initrd = rd;
    req.initrd_len = n;

    struct linux_load_result res = expect_load(r, &req);
    uint64_t want = (RAM_SIZE - n) & ~(PG - 1);
    assert_int_equal(res.initrd_gpa, want);
    assert_int_equal(want % PG, 0);
    assert_true(want >= PREF + INIT_SIZE);
    assert_ram_equal(r, want, rd, n);
    assert_true(ram_is(r, want + n, RAM_SIZE - want - n, POISON));
    assert_boot_params(r, &img, &m, want, n);
    assert_int_equal(ram_u32(r, BP + BP_EXT_RAMDISK_IMAGE), 0);
    assert_int_equal(ram_u32(r, BP + BP_EXT_RAMDISK_SIZE), 0);

    /* initrd_addr_max caps it: the highest byte may be exactly the limit. */
    ram_free(r);
    r = ram_new(RAM_SIZE);
    uint32_t max = (uint32_t)(40 * MIB - 1);
    set32(&img, BP_HDR_FIELD(initrd_addr_max), max);
    res = expect_load(r, &req);
    want = (40 * MIB - n) & ~(PG - 1);
    assert_int_equal(res.initrd_gpa, want);
    assert_true(res.initrd_gpa + n - 1 <= max);
    assert_ram_equal(r, want, rd, n);

    /* An initrd that exactly fills the space between kernel and RAM end. */
    ram_free(r);
    r = ram_new(RAM_SIZE);
    set32(&img, BP_HDR_FIELD(initrd_addr_max), 0xFFFFFFFF);
    size_t big = RAM_SIZE - PREF - INIT_SIZE;
    unsigned char *bigrd = malloc(big);
    assert_non_null(bigrd);
    memset(bigrd, 0x77, big);
    req.initrd = bigrd;
    req.initrd_len = big;
    res = expect_load(r, &req);
    assert_int_equal(res.initrd_gpa, PREF + INIT_SIZE);
    assert_int_equal(ram_u32(r, BP + BP_HDR_FIELD(ramdisk_size)), big);
    free(bigrd);

    free(rd);
    image_free(&img);
    ram_free(r);
}

static void test_initrd_picks_highest_ram_range(void **state)
{
    (void)state;
    struct ram *r = ram_new(RAM_SIZE);
    struct image img = image_std();
    /* RAM [1M, 40M) and [48M, 60M) with a reserved hole; the initrd goes in
     * the higher one, below its end rather than the end of guest memory. */
    struct e820_map m = { 5, {
        { 0, 0x9FC00, BP_E820_RAM },
        { 0xF0000, 0x10000, BP_E820_RESERVED },
        { 48 * MIB, 12 * MIB, BP_E820_RAM },
        { 40 * MIB, 8 * MIB, BP_E820_RESERVED },
        { MIB, 39 * MIB, BP_E820_RAM },
    } };
    unsigned char rd[5000];
    memset(rd, 0x5C, sizeof rd);
    struct linux_load_request req = req_for(&img, &m, "x");
    req.initrd = rd;
    req.initrd_len = sizeof rd;
    struct linux_load_result res = expect_load(r, &req);
    assert_int_equal(res.initrd_gpa, 60 * MIB - 2 * PG);
    assert_ram_equal(r, res.initrd_gpa, rd, sizeof rd);
    assert_boot_params(r, &img, &m, res.initrd_gpa, sizeof rd);

    /* Too big for the higher range: falls back to the lower one. */
    ram_free(r);
    r = ram_new(RAM_SIZE);
    unsigned char *rd2 = malloc(13 * MIB);
    assert_non_null(rd2);
    memset(rd2, 0x3D, 13 * MIB);
    req.initrd = rd2;
    req.initrd_len = 13 * MIB;
    res = expect_load(r, &req);
    assert_int_equal(res.initrd_gpa, 40 * MIB - 13 * MIB);
    free(rd2);
    image_free(&img);
    ram_free(r);
}

static void test_ram_split_over_extents(void **state)
{
    (void)state;
    /* Extent boundaries at the zero page and inside the PD area, the kernel
     * and the initrd. */
    uint64_t lens[5] = { 0x7000, 0x31000 - 0x7000, PREF + 0x8000 - 0x31000,
                         60 * MIB - PREF - 0x8000, 4 * MIB };
    struct ram *r = ram_new_split(lens, 5);
    assert_int_equal(r->gm.size, RAM_SIZE);
    struct e820_map m = pc_e820(RAM_SIZE);
    struct image img = image_std();
    unsigned char *rd = malloc(6 * MIB);
    assert_non_null(rd);
    for (size_t i = 0; i < 6 * MIB; i++)
        rd[i] = (unsigned char)(i >> 9);
    struct linux_load_request req = req_for(&img, &m, "split");
    req.initrd = rd;
    req.initrd_len = 6 * MIB;
    struct linux_load_result res = expect_load(r, &req);
    assert_int_equal(res.initrd_gpa, RAM_SIZE - 6 * MIB);
    assert_ram_equal(r, PREF, img.buf + SETUP_LEN, PAYLOAD_LEN);
    assert_ram_equal(r, res.initrd_gpa, rd, 6 * MIB);
    assert_boot_params(r, &img, &m, res.initrd_gpa, 6 * MIB);
    assert_cmdline(r, "split");
    assert_identity_map(r, 4);
    assert_gdt(r);
    free(rd);
    image_free(&img);
    ram_free(r);
}

static void test_identity_map_follows_e820(void **state)
{
    (void)state;
    struct image img = image_std();
    struct {
        uint64_t ram_end;
        unsigned gib;
    } cases[] = {
        { 64 * MIB, 4 },
        { 4 * GIB, 4 },
        { 4 * GIB + 1, 5 },
        { 20 * GIB, 20 },
        { 108 * GIB, 108 },
        { 512 * GIB, 108 },     /* capped: the PD area ends at 0x9C000 */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct ram *r = ram_new(RAM_SIZE);
        /* The map may describe RAM beyond this test's buffer: the loader
         * only writes into what it places. */
        struct e820_map m = pc_e820(RAM_SIZE);
        m.e[m.n++] = (struct linux_e820_entry){ 4 * GIB, cases[c].ram_end > 4 * GIB ?
                                                cases[c].ram_end - 4 * GIB : 0, BP_E820_RAM };
        struct linux_load_request req = req_for(&img, &m, "");
        struct linux_load_result res = expect_load(r, &req);
        assert_int_equal(res.mapped_bytes, cases[c].gib * GIB);
        assert_identity_map(r, cases[c].gib);
        assert_true(ram_is(r, LINUX_PD_GPA + cases[c].gib * PG, 0x100, POISON));
        ram_free(r);
    }
    image_free(&img);
}

static void test_acpi_rsdp(void **state)
{
    (void)state;
    struct e820_map m = pc_e820(RAM_SIZE);
    struct image img = image_std();
    struct linux_load_request req = req_for(&img, &m, "");
    req.acpi_rsdp_gpa = 0xF5A40;

    static const struct {
        uint16_t version;
        bool written;
    } cases[] = {
        { BP_PROTO(2, 12), false }, { BP_PROTO(2, 13), false },
        { BP_PROTO(2, 14), true }, { BP_PROTO(2, 15), true }, { BP_PROTO(3, 0), true },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct ram *r = ram_new(RAM_SIZE);
        set16(&img, BP_HDR_VERSION, cases[c].version);
        expect_load(r, &req);
        assert_int_equal(ram_u64(r, BP + BP_ACPI_RSDP_ADDR), cases[c].written ? 0xF5A40 : 0);
        assert_int_equal(ram_u16(r, BP + BP_HDR_VERSION), cases[c].version);
        ram_free(r);
    }
    image_free(&img);
}

static void test_header_length_from_jump(void **state)
{
    (void)state;
    struct e820_map m = pc_e820(RAM_SIZE);
    struct image img = image_std();
    struct linux_load_request req = req_for(&img, &m, "");

    /* Protocol 2.12 header: ends after handover_offset; kernel_info_offset
     * is not part of it and stays zero in boot_params. */
    struct ram *r = ram_new(RAM_SIZE);
    set16(&img, BP_HDR_VERSION, BP_PROTO(2, 12));
    set8(&img, BP_HDR_JUMP_LEN, 0x268 - 0x202);
    expect_load(r, &req);
    assert_int_equal(ram_u32(r, BP + 0x264), 0x190);
    assert_int_equal(ram_u32(r, BP + 0x268), 0);
    ram_free(r);

    /* The longest header boot_params has room for: through 0x28F. */
    r = ram_new(RAM_SIZE);
    set8(&img, BP_HDR_JUMP_LEN, 0x290 - 0x202);
    expect_load(r, &req);
    assert_ram_equal(r, BP + 0x26C, img.buf + 0x26C, 0x290 - 0x26C);
    assert_int_equal(ram_u32(r, BP + 0x290), 0);
    ram_free(r);
    image_free(&img);
}

static void test_cmdline_limits(void **state)
{
    (void)state;
    struct e820_map m = pc_e820(RAM_SIZE);
    struct image img = image_std();
    char *s = malloc(LINUX_CMDLINE_MAX + 1);
    assert_non_null(s);

    /* Exactly cmdline_size characters fit; one more does not. */
    memset(s, 'a', 2047);
    s[2047] = '\0';
    struct ram *r = ram_new(RAM_SIZE);
    struct linux_load_request req = req_for(&img, &m, s);
    expect_load(r, &req);
    assert_cmdline(r, s);
    assert_true(ram_is(r, LINUX_CMDLINE_GPA + 2048, 16, POISON));
    ram_free(r);

    r = ram_new(RAM_SIZE);
    memset(s, 'b', 2048);
    s[2048] = '\0';
    expect_refusal(r, &req, "command line is longer than the kernel's cmdline_size");

    /* cmdline_size 0: only the empty command line. */
    set32(&img, BP_HDR_FIELD(cmdline_size), 0);
    s[0] = 'x';
    s[1] = '\0';
    expect_refusal(r, &req, "command line is longer than the kernel's cmdline_size");
    s[0] = '\0';
    expect_load(r, &req);
    assert_cmdline(r, "");
    ram_free(r);

    /* A kernel accepting any length still meets the 64 KiB area. */
    set32(&img, BP_HDR_FIELD(cmdline_size), 0xFFFFFFFF);
    r = ram_new(RAM_SIZE);
    memset(s, 'c', LINUX_CMDLINE_MAX - 1);
    s[LINUX_CMDLINE_MAX - 1] = '\0';
    expect_load(r, &req);
    assert_cmdline(r, s);
    ram_free(r);
    r = ram_new(RAM_SIZE);
    memset(s, 'c', LINUX_CMDLINE_MAX);
    s[LINUX_CMDLINE_MAX] = '\0';
    expect_refusal(r, &req, "command line is longer than 64 KiB");
    ram_free(r);

    free(s);
    image_free(&img);
}

static void test_e820_limits(void **state)
{
    (void)state;
    struct image img = image_std();
    struct e820_map *m = calloc(1, sizeof *m);
    assert_non_null(m);
    *m = pc_e820(RAM_SIZE);
    /* Pad to exactly 128 entries with reserved ranges above RAM. */
    while (m->n < LINUX_E820_MAX) {
        m->e[m->n] = (struct linux_e820_entry){ 0xFEC00000ull + m->n * PG, PG, BP_E820_RESERVED };
        m->n++;
    }
    struct ram *r = ram_new(RAM_SIZE);
    struct linux_load_request req = req_for(&img, m, "");
    expect_load(r, &req);
    assert_boot_params(r, &img, m, 0, 0);
    assert_int_equal(ram_u8(r, BP + BP_E820_ENTRIES), 128);
    ram_free(r);

    r = ram_new(RAM_SIZE);
    m->e[m->n++] = (struct linux_e820_entry){ 0xFF000000ull, PG, BP_E820_RESERVED };
    req = req_for(&img, m, "");
    expect_refusal(r, &req, "too many e820 entries (at most 128)");

    req.nr_e820 = 0;
    expect_refusal(r, &req, "e820 map is empty");

    *m = pc_e820(RAM_SIZE);
    m->e[m->n++] = (struct linux_e820_entry){ 0xFFFFFFFFFFFFF000ull, 2 * PG, BP_E820_RESERVED };
    req = req_for(&img, m, "");
    expect_refusal(r, &req, "e820 entry wraps past the end of the address space");

    /* Low memory not reported as RAM: the loader's structures cannot go there. */
    *m = pc_e820(RAM_SIZE);
    m->e[0].addr = 0x2000;
    m->e[0].size = 0x9FC00 - 0x2000;
    req = req_for(&img, m, "");
    expect_refusal(r, &req, "GDT at 0x1000 is not in e820 RAM");
    m->e[0] = (struct linux_e820_entry){ 0, 0x20000, BP_E820_RAM };
    expect_refusal(r, &req, "command line at 0x20000 is not in e820 RAM");
    m->e[0] = (struct linux_e820_entry){ 0, 0x31000, BP_E820_RAM };
    expect_refusal(r, &req, "page directories from 0x30000 are not in e820 RAM");
    m->e[0] = (struct linux_e820_entry){ 0, 0x8000, BP_E820_ACPI };
    expect_refusal(r, &req, "GDT at 0x1000 is not in e820 RAM");
    m->e[0] = (struct linux_e820_entry){ 0x1000, 0x6800, BP_E820_RAM };
    expect_refusal(r, &req, "boot_params at 0x7000 is not in e820 RAM");
    m->e[0] = (struct linux_e820_entry){ 0x1000, 0x9000, BP_E820_RAM };
    expect_refusal(r, &req, "page tables at 0x9000 are not in e820 RAM");

    /* Adjacent and overlapping RAM entries count together. */
    m->n = 0;
    m->e[m->n++] = (struct linux_e820_entry){ 0x20000, 0x7FC00, BP_E820_RAM };
    m->e[m->n++] = (struct linux_e820_entry){ 0, 0x8000, BP_E820_RAM };
    m->e[m->n++] = (struct linux_e820_entry){ 0x4000, 0x1D000, BP_E820_RAM };
    m->e[m->n++] = (struct linux_e820_entry){ MIB, 20 * MIB, BP_E820_RAM };
    m->e[m->n++] = (struct linux_e820_entry){ 21 * MIB, RAM_SIZE - 21 * MIB, BP_E820_RAM };
    m->e[m->n++] = (struct linux_e820_entry){ 0, 0, BP_E820_RAM };
    req = req_for(&img, m, "");
    struct linux_load_result res = expect_load(r, &req);
    assert_int_equal(res.load_gpa, PREF);
    assert_boot_params(r, &img, m, 0, 0);

    free(m);
    image_free(&img);
    ram_free(r);
}

static void test_kernel_placement(void **state)
{
    (void)state;
    struct e820_map m = pc_e820(RAM_SIZE);
    struct image img = image_std();
    struct linux_load_request req = req_for(&img, &m, "");
    struct ram *r;
    struct linux_load_result res;

    /* Misaligned pref_address: the next kernel_alignment boundary. */
    r = ram_new(RAM_SIZE);
    set64(&img, BP_HDR_FIELD(pref_address), PREF + 0x1000);
    res = expect_load(r, &req);
    assert_int_equal(res.load_gpa, PREF + 2 * MIB);
    ram_free(r);

    /* Alignment below a page is taken as a page. */
    r = ram_new(RAM_SIZE);
    set32(&img, BP_HDR_FIELD(kernel_alignment), 16);
    set64(&img, BP_HDR_FIELD(pref_address), PREF + 0x10);
    res = expect_load(r, &req);
    assert_int_equal(res.load_gpa, PREF + PG);
    ram_free(r);
    set32(&img, BP_HDR_FIELD(kernel_alignment), 2 * MIB);

    /* pref_address below 1 MiB: the loader starts at 1 MiB. */
    r = ram_new(RAM_SIZE);
    set64(&img, BP_HDR_FIELD(pref_address), 0);
    res = expect_load(r, &req);
    assert_int_equal(res.load_gpa, 2 * MIB);
    set32(&img, BP_HDR_FIELD(kernel_alignment), 1 * MIB);
    ram_free(r);
    r = ram_new(RAM_SIZE);
    res = expect_load(r, &req);
    assert_int_equal(res.load_gpa, MIB);
    ram_free(r);
    set32(&img, BP_HDR_FIELD(kernel_alignment), 2 * MIB);
    set64(&img, BP_HDR_FIELD(pref_address), PREF);

    /* A reserved hole at pref_address: the first aligned fit above it. */
    struct e820_map holed = { 5, {
        { 0, 0x9FC00, BP_E820_RAM },
        { MIB, 17 * MIB, BP_E820_RAM },
        { 18 * MIB, 1 * MIB, BP_E820_RESERVED },
        { 19 * MIB + 0x1000, RAM_SIZE - 19 * MIB - 0x1000, BP_E820_RAM },
        { 0xF0000, 0x10000, BP_E820_RESERVED },
    } };
    req = req_for(&img, &holed, "");
    r = ram_new(RAM_SIZE);
    res = expect_load(r, &req);
    assert_int_equal(res.load_gpa, 20 * MIB);
    assert_ram_equal(r, 20 * MIB, img.buf + SETUP_LEN, PAYLOAD_LEN);
    assert_true(ram_is(r, PREF, PAYLOAD_LEN, POISON));
    assert_int_equal(translate(r, res.entry_rip), res.entry_rip);
    ram_free(r);
    req = req_for(&img, &m, "");

    /* kernel_alignment must be a power of two. */
    r = ram_new(RAM_SIZE);
    set32(&img, BP_HDR_FIELD(kernel_alignment), 3 * MIB);
    expect_refusal(r, &req, "kernel_alignment is not a power of two");
    set32(&img, BP_HDR_FIELD(kernel_alignment), 0);
    expect_refusal(r, &req, "kernel_alignment is not a power of two");
    set32(&img, BP_HDR_FIELD(kernel_alignment), 2 * MIB);

    /* pref_address so high the arithmetic would wrap. */
    set64(&img, BP_HDR_FIELD(pref_address), UINT64_MAX - MIB);
    expect_refusal(r, &req, "pref_address + init_size overflows");
    set64(&img, BP_HDR_FIELD(pref_address), UINT64_MAX - 4 * MIB + 1);
    expect_refusal(r, &req, "pref_address + init_size overflows");
    set64(&img, BP_HDR_FIELD(pref_address), 60 * MIB);
    expect_refusal(r, &req, E_NEEDS(68));
    set64(&img, BP_HDR_FIELD(pref_address), PREF);
    ram_free(r);
    image_free(&img);
}

static void test_non_relocatable(void **state)
{
    (void)state;
    struct e820_map m = pc_e820(RAM_SIZE);
    struct image img = image_std();
    set8(&img, BP_HDR_FIELD(relocatable_kernel), 0);
    set32(&img, BP_HDR_FIELD(kernel_alignment), 3);    /* ignored when not relocatable */
    unsigned char rd[100];
    memset(rd, 0xAB, sizeof rd);
    struct linux_load_request req = req_for(&img, &m, "nr");
    req.initrd = rd;
    req.initrd_len = sizeof rd;

    struct ram *r = ram_new(RAM_SIZE);
    struct linux_load_result res = expect_load(r, &req);
    assert_int_equal(res.load_gpa, 0x100000);
    assert_int_equal(res.entry_rip, 0x100200);
    assert_ram_equal(r, 0x100000, img.buf + SETUP_LEN, PAYLOAD_LEN);
    assert_int_equal(res.initrd_gpa, RAM_SIZE - PG);
    assert_boot_params(r, &img, &m, RAM_SIZE - PG, sizeof rd);
    ram_free(r);

    /* It moves itself to pref_address + init_size: the initrd stays above. */
    r = ram_new(RAM_SIZE);
    unsigned char *big = malloc(RAM_SIZE - PREF - INIT_SIZE + 1);
    assert_non_null(big);
    memset(big, 1, RAM_SIZE - PREF - INIT_SIZE + 1);
    req.initrd = big;
    req.initrd_len = RAM_SIZE - PREF - INIT_SIZE + 1;
    expect_refusal(r, &req, E_INITRD);
    req.initrd_len--;
    res = expect_load(r, &req);
    assert_int_equal(res.initrd_gpa, PREF + INIT_SIZE);
    free(big);
    ram_free(r);
    req.initrd = rd;
    req.initrd_len = sizeof rd;

    /* Its run address must be in RAM too. */
    r = ram_new(RAM_SIZE);
    set64(&img, BP_HDR_FIELD(pref_address), 60 * MIB);
    expect_refusal(r, &req, E_NEEDS(68));
    set64(&img, BP_HDR_FIELD(pref_address), UINT64_MAX - 2 * MIB);
    expect_refusal(r, &req, "pref_address + init_size overflows");
    /* ... and clear of the loader's structures below 1 MiB. */
    set64(&img, BP_HDR_FIELD(pref_address), 0x8000);
    set32(&img, BP_HDR_FIELD(init_size), 0x1000);
    expect_refusal(r, &req, E_NEEDS(2));  /* [0x8000, 0x110000) crosses the EBDA */
    struct e820_map flat = { 1, { { 0, RAM_SIZE, BP_E820_RAM } } };
    req = req_for(&img, &flat, "nr");
    expect_refusal(r, &req, "kernel overlaps the loader's boot structures below 1 MiB");
    ram_free(r);
    image_free(&img);
}

/* ---- refusals --------------------------------------------------------------- */

static void test_refuses_bad_signatures(void **state)
{
    (void)state;
    struct image img = image_std();
    set16(&img, BP_HDR_BOOT_FLAG, 0xAA56);
    expect_image_refused(img, "no boot sector signature 0xAA55 at 0x1FE: not a bzImage");

    img = image_std();
    memcpy(img.buf + BP_HDR_MAGIC_OFF, "HdrT", 4);
    expect_image_refused(img, "no \"HdrS\" setup header at 0x202: not a bzImage");

    /* An ELF vmlinux or any other file. */
    img = image_std();
    memset(img.buf, 0, img.len);
    memcpy(img.buf, "\177ELF", 4);
    expect_image_refused(img, "no boot sector signature 0xAA55 at 0x1FE: not a bzImage");
}

static void test_refuses_old_protocol(void **state)
{
    (void)state;
    static const struct {
        uint16_t version;
        const char *reason;
    } cases[] = {
        { 0x020B, "boot protocol 2.11 too old (need 2.12)" },
        { 0x020A, "boot protocol 2.10 too old (need 2.12)" },
        { 0x0206, "boot protocol 2.06 too old (need 2.12)" },
        { 0x0200, "boot protocol 2.00 too old (need 2.12)" },
        { 0x01FF, "boot protocol older than 2.00 (need 2.12)" },
        { 0x0000, "boot protocol older than 2.00 (need 2.12)" },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct image img = image_std();
        set16(&img, BP_HDR_VERSION, cases[c].version);
        expect_image_refused(img, cases[c].reason);
    }
}

static void test_refuses_missing_flags(void **state)
{
    (void)state;
    struct image img = image_std();
    set16(&img, BP_HDR_FIELD(xloadflags), BP_XLF_CAN_BE_LOADED_ABOVE_4G | BP_XLF_EFI_HANDOVER_64);
    expect_image_refused(img, "kernel has no 64-bit entry point (XLF_KERNEL_64 clear)");

    img = image_std();
    set8(&img, BP_HDR_FIELD(loadflags), BP_CAN_USE_HEAP);
    expect_image_refused(img, "kernel is not a bzImage (LOADED_HIGH clear)");
}

static void test_refuses_truncated(void **state)
{
    (void)state;
    struct image img = image_std();
    static const struct {
        size_t len;
        const char *reason;
    } cases[] = {
        { 0, "kernel image is shorter than a boot sector" },
        { 1, "kernel image is shorter than a boot sector" },
        { 0x1FF, "kernel image is shorter than a boot sector" },
        { 0x200, "kernel image is truncated inside the setup header" },  /* flag, no magic */
        { 0x205, "kernel image is truncated inside the setup header" },
        { 0x207, "kernel image is truncated inside the setup header" },
        { HDR_END - 1, "kernel image is truncated inside the setup header" },
        { HDR_END, "setup_sects extends beyond the end of the file" },
        { SETUP_LEN - 1, "setup_sects extends beyond the end of the file" },
        { SETUP_LEN, "syssize extends beyond the end of the file" },
        { SETUP_LEN + PAYLOAD_LEN - 1, "syssize extends beyond the end of the file" },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct image cut = image_cut(&img, cases[c].len);
        expect_image_refused(cut, cases[c].reason);
    }
    image_free(&img);
}

static void test_refuses_bad_sizes(void **state)
{
    (void)state;
    struct image img = image_std();
    set8(&img, BP_HDR_FIELD(setup_sects), 200);
    expect_image_refused(img, "setup_sects extends beyond the end of the file");

    img = image_std();
    set8(&img, BP_HDR_FIELD(setup_sects), 255);
    expect_image_refused(img, "setup_sects extends beyond the end of the file");

    img = image_std();
    set32(&img, BP_HDR_FIELD(syssize), 0);
    expect_image_refused(img, "syssize is zero: no protected-mode kernel");

    img = image_std();
    set32(&img, BP_HDR_FIELD(syssize), PAYLOAD_LEN / 16 + 1);
    expect_image_refused(img, "syssize extends beyond the end of the file");

    img = image_std();
    set32(&img, BP_HDR_FIELD(syssize), 0xFFFFFFFF);
    expect_image_refused(img, "syssize extends beyond the end of the file");

    img = image_std();
    set32(&img, BP_HDR_FIELD(syssize), 0x200 / 16);
    expect_image_refused(img, "protected-mode kernel ends before its 64-bit entry point");

    img = image_std();
    set8(&img, BP_HDR_JUMP_LEN, 0x268 - 0x202 - 1);
    expect_image_refused(img, "setup header is too short for boot protocol 2.12");

    img = image_std();
    set8(&img, BP_HDR_JUMP_LEN, 0);
    expect_image_refused(img, "setup header is too short for boot protocol 2.12");

    img = image_std();
    set8(&img, BP_HDR_JUMP_LEN, 0x290 - 0x202 + 1);
    expect_image_refused(img, "setup header is longer than boot_params has room for");

    img = image_std();
    set8(&img, BP_HDR_JUMP_LEN, 0xFF);
    expect_image_refused(img, "setup header is longer than boot_params has room for");
}

static void test_refuses_init_size_too_large(void **state)
{
    (void)state;
    struct image img = image_std();
    /* 16 MiB + 48 MiB ends exactly at the end of RAM: fits. */
    set32(&img, BP_HDR_FIELD(init_size), 48 * MIB);
    struct ram *r = ram_new(RAM_SIZE);
    struct e820_map m = pc_e820(RAM_SIZE);
    struct linux_load_request req = req_for(&img, &m, "");
    expect_load(r, &req);
    ram_free(r);
    image_free(&img);

    img = image_std();
    set32(&img, BP_HDR_FIELD(init_size), 48 * MIB + 1);
    expect_image_refused(img, E_NEEDS(65));

    img = image_std();
    set32(&img, BP_HDR_FIELD(init_size), 0xFFFFFFFF);
    expect_image_refused(img, E_NEEDS(4112));

    /* The same through the message buffer's own limits: a huge pref. */
    img = image_std();
    set64(&img, BP_HDR_FIELD(pref_address), 0xFFFFFFFF00000000ull);
    expect_image_refused(img, E_NEEDS(17592186040328));
}

static void test_refuses_initrd_too_large(void **state)
{
    (void)state;
    struct ram *r = ram_new(RAM_SIZE);
    struct e820_map m = pc_e820(RAM_SIZE);
    struct image img = image_std();
    struct linux_load_request req = req_for(&img, &m, "");
    size_t n = RAM_SIZE - PREF - INIT_SIZE + 1;
    unsigned char *rd = calloc(1, n);
    assert_non_null(rd);
    req.initrd = rd;
    req.initrd_len = n;
    expect_refusal(r, &req, E_INITRD);

    /* Below initrd_addr_max there is no room either. */
    req.initrd_len = 8 * MIB;
    set32(&img, BP_HDR_FIELD(initrd_addr_max), (uint32_t)(PREF + INIT_SIZE + 8 * MIB - 2));
    expect_refusal(r, &req, E_INITRD);
    set32(&img, BP_HDR_FIELD(initrd_addr_max), 0);
    expect_refusal(r, &req, E_INITRD);

    /* Larger than guest memory, or the address space. */
    req.initrd_len = SIZE_MAX;
    set32(&img, BP_HDR_FIELD(initrd_addr_max), 0xFFFFFFFF);
    expect_refusal(r, &req, E_INITRD);

    /* NULL data with a length. */
    req.initrd = NULL;
    req.initrd_len = 1;
    expect_refusal(r, &req, "invalid Linux load request");
    free(rd);
    image_free(&img);
    ram_free(r);
}

static void test_refuses_bad_arguments(void **state)
{
    (void)state;
    struct ram *r = ram_new(RAM_SIZE);
    struct e820_map m = pc_e820(RAM_SIZE);
    struct image img = image_std();
    struct linux_load_request req = req_for(&img, &m, "");
    struct linux_load_result res;
    const char *why = NULL;

    assert_int_equal(linux_load(NULL, &req, &res, &why), -1);
    assert_string_equal(why, "invalid Linux load request");
    assert_int_equal(linux_load(&r->gm, NULL, &res, &why), -1);
    assert_int_equal(linux_load(&r->gm, &req, NULL, &why), -1);
    assert_int_equal(linux_load(&r->gm, &req, &res, NULL), 0);     /* why is optional */
    ram_free(r);

    r = ram_new(RAM_SIZE);
    req.kernel = NULL;
    expect_refusal(r, &req, "invalid Linux load request");
    req.kernel = img.buf;
    req.e820 = NULL;
    expect_refusal(r, &req, "invalid Linux load request");
    req.e820 = m.e;
    assert_int_equal(linux_load(&r->gm, &req, &res, NULL), 0);
    ram_free(r);

    /* Guest memory smaller than what the e820 map claims. */
    r = ram_new(16 * MIB);
    expect_refusal(r, &req, E_NEEDS(24));
    ram_free(r);
    r = ram_new(0x30000);
    expect_refusal(r, &req, E_NEEDS(24));
    ram_free(r);
    image_free(&img);
}

/* ---- fuzzing ---------------------------------------------------------------- */

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Header-aware mutations: random bytes, interesting values in fields, and
 * truncation. */
static void mutate(unsigned char *b, size_t *len, uint64_t *s)
{
    static const uint32_t interesting[] = {
        0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x1FF, 0x200, 0x20B, 0x20C, 0x20F, 0x1000,
        0x100000, 0x1000000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF,
    };
    unsigned n = 1 + rnd(s) % 4;
    for (unsigned i = 0; i < n; i++) {
        uint64_t r = rnd(s);
        size_t off;
        switch (r % 6) {
        case 0:     /* any byte */
            if (*len)
                b[(r >> 8) % *len] = (unsigned char)(r >> 40);
            break;
        case 1:
        case 2:     /* a header byte */
            off = BP_HDR_START + (r >> 8) % (BP_HDR_LIMIT - BP_HDR_START);
            if (off < *len)
                b[off] = (unsigned char)(r >> 40);
            break;
        case 3:     /* an interesting 32-bit value at a header field */
            off = BP_HDR_START + ((r >> 8) % ((BP_HDR_LIMIT - BP_HDR_START) / 2)) * 2;
            if (off + 4 <= *len) {
                uint32_t v = interesting[(r >> 32) % (sizeof interesting / sizeof interesting[0])];
                memcpy(b + off, &v, 4);
            }
            break;
        case 4:     /* a random 64-bit value at pref_address / setup_data */
            off = (r & 0x100) ? BP_HDR_FIELD(pref_address) : BP_HDR_FIELD(setup_data);
            if (off + 8 <= *len) {
                uint64_t v = rnd(s) >> (rnd(s) % 64);
                memcpy(b + off, &v, 8);
            }
            break;
        default:    /* truncation */
            if ((r >> 8) % 4 == 0 && *len)
                *len = (size_t)((r >> 16) % *len);
            break;
        }
    }
}

/* Spots a refused load must leave untouched (scanning all RAM each time
 * would be too slow); repoisoned after each successful load. */
static const struct {
    uint64_t gpa, len;
} spots[] = {
    { LINUX_GDT_GPA, PG }, { BP, PG }, { LINUX_PML4_GPA, 2 * PG }, { LINUX_CMDLINE_GPA, PG },
    { LINUX_PD_GPA, 4 * PG }, { MIB, PG }, { PREF, PG }, { 20 * MIB, PG },
    { 32 * MIB - 16 * PG, 16 * PG },
};

static void test_mutation_no_crash(void **state)
{
    (void)state;
    const uint64_t ram = 32 * MIB;
    uint64_t lens[3] = { 0x30000 + 2 * PG, PREF - 0x32000, ram - PREF };
    struct ram *r = ram_new_split(lens, 3);
    struct e820_map m = pc_e820(ram);
    struct image base = image_build(SETUP_SECTS, 16 * KIB);
    set32(&base, BP_HDR_FIELD(init_size), 4 * MIB);
    unsigned char rd[3000];
    memset(rd, 0x99, sizeof rd);
    unsigned ok = 0, refused = 0;
    uint64_t seed = 0x9E3779B97F4A7C15ull;

    for (unsigned it = 0; it < 20000; it++) {
        size_t len = base.len;
        unsigned char *tmp = malloc(len);
        assert_non_null(tmp);
        memcpy(tmp, base.buf, len);
        mutate(tmp, &len, &seed);
        /* Exactly len bytes, so ASan flags any read past the kernel. */
        struct image k = { malloc(len ? len : 1), len };
        assert_non_null(k.buf);
        memcpy(k.buf, tmp, len);
        free(tmp);

        /* Sometimes a mutated e820 map too. */
        struct e820_map mm = m;
        if (it % 5 == 0) {
            uint64_t x = rnd(&seed);
            struct linux_e820_entry *e = &mm.e[x % mm.n];
            switch ((x >> 8) % 4) {
            case 0: e->addr = rnd(&seed) >> (x >> 16) % 64; break;
            case 1: e->size = rnd(&seed) >> (x >> 16) % 64; break;
            case 2: e->type = (uint32_t)(x >> 32) % 6; break;
            default: mm.n = (unsigned)(x >> 32) % (mm.n + 1); break;
            }
        }
        struct linux_load_request req = req_for(&k, &mm, "fuzz console=ttyS0");
        req.initrd = rd;
        req.initrd_len = (it & 1) ? sizeof rd : 0;
        struct linux_load_result res;
        const char *why = NULL;
        int rc = linux_load(&r->gm, &req, &res, &why);
        if (rc == 0) {
            ok++;
            assert_int_equal(res.entry_rip, res.load_gpa + 0x200);
            assert_true(res.load_gpa >= MIB);
            assert_true(res.entry_rip < ram);
            assert_int_equal(translate(r, res.entry_rip), res.entry_rip);
            assert_int_equal(ram_u8(r, BP + BP_HDR_FIELD(type_of_loader)), 0xFF);
            assert_int_equal(ram_u16(r, BP + BP_HDR_BOOT_FLAG), BP_BOOT_FLAG);
            assert_int_equal(ram_u64(r, BP + BP_HDR_FIELD(setup_data)), 0);
            assert_int_equal(ram_u32(r, BP + BP_HDR_FIELD(cmd_line_ptr)), LINUX_CMDLINE_GPA);
            if (req.initrd_len) {
                assert_int_equal(ram_u32(r, BP + BP_HDR_FIELD(ramdisk_image)), res.initrd_gpa);
                assert_true(res.initrd_gpa % PG == 0);
                assert_ram_equal(r, res.initrd_gpa, rd, sizeof rd);
            }
            for (size_t i = 0; i < sizeof spots / sizeof spots[0]; i++) {
                unsigned char *p = malloc(spots[i].len);
                assert_non_null(p);
                memset(p, POISON, spots[i].len);
                assert_int_equal(guest_mem_write(&r->gm, spots[i].gpa, p, spots[i].len), 0);
                free(p);
            }
        } else {
            refused++;
            assert_int_equal(rc, -1);
            assert_non_null(why);
            assert_true(strlen(why) > 0 && strlen(why) < 80);
            for (size_t i = 0; i < sizeof spots / sizeof spots[0]; i++)
                assert_true(ram_is(r, spots[i].gpa, spots[i].len, POISON));
        }
        image_free(&k);
    }
    /* The mutator must reach both outcomes to mean anything. */
    print_message("mutation: %u loaded, %u refused\n", ok, refused);
    assert_true(ok > 2000);
    assert_true(refused > 2000);
    image_free(&base);
    ram_free(r);
}

/* ---- a real kernel ---------------------------------------------------------- */

static void test_real_bzimage(void **state)
{
    (void)state;
    const char *path = getenv("KEEL_TEST_BZIMAGE");
    if (!path || !*path) {
        print_message("KEEL_TEST_BZIMAGE not set: skipping the real-kernel test\n");
        skip();
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        print_message("%s: cannot open: skipping\n", path);
        skip();
    }
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long flen = ftell(f);
    assert_true(flen > 0);
    rewind(f);
    struct image img = { malloc((size_t)flen), (size_t)flen };
    assert_non_null(img.buf);
    assert_int_equal(fread(img.buf, 1, img.len, f), img.len);
    fclose(f);

    uint16_t version;
    uint32_t init_size, syssize;
    uint64_t pref;
    memcpy(&version, img.buf + BP_HDR_VERSION, 2);
    memcpy(&init_size, img.buf + BP_HDR_FIELD(init_size), 4);
    memcpy(&syssize, img.buf + BP_HDR_FIELD(syssize), 4);
    memcpy(&pref, img.buf + BP_HDR_FIELD(pref_address), 8);
    uint8_t sects = img.buf[BP_HDR_FIELD(setup_sects)];
    size_t setup = ((size_t)(sects ? sects : 4) + 1) * 512;
    print_message("%s: protocol %u.%02u, setup_sects %u, pref_address %#llx, init_size %#x\n",
                  path, version >> 8, version & 0xFF, sects, (unsigned long long)pref, init_size);

    const uint64_t ram = 512 * MIB;
    struct ram *r = ram_new(ram);
    struct e820_map m = pc_e820(ram);
    size_t rdlen = 5 * MIB + 17;
    unsigned char *rd = malloc(rdlen);
    assert_non_null(rd);
    for (size_t i = 0; i < rdlen; i++)
        rd[i] = (unsigned char)(i * 7);
    struct linux_load_request req = req_for(&img, &m, "console=ttyS0 earlyprintk=serial panic=-1");
    req.initrd = rd;
    req.initrd_len = rdlen;
    req.acpi_rsdp_gpa = 0xF0000;
    struct linux_load_result res = expect_load(r, &req);

    assert_int_equal(res.load_gpa, pref);
    assert_ram_equal(r, res.load_gpa, img.buf + setup, (uint64_t)syssize * 16);
    size_t hdr_end = 0x202 + img.buf[0x201];
    assert_ram_equal(r, BP + BP_HDR_START, img.buf + BP_HDR_START,
                     BP_HDR_FIELD(type_of_loader) - BP_HDR_START);
    assert_int_equal(ram_u8(r, BP + BP_HDR_FIELD(type_of_loader)), 0xFF);
    assert_int_equal(ram_u32(r, BP + BP_HDR_FIELD(ramdisk_image)), res.initrd_gpa);
    assert_int_equal(ram_u32(r, BP + BP_HDR_FIELD(ramdisk_size)), rdlen);
    assert_ram_equal(r, res.initrd_gpa, rd, rdlen);
    assert_true(res.initrd_gpa >= pref + init_size);
    assert_ram_equal(r, BP + BP_HDR_FIELD(initrd_addr_max), img.buf + BP_HDR_FIELD(initrd_addr_max),
                     BP_HDR_FIELD(setup_data) - BP_HDR_FIELD(initrd_addr_max));
    assert_ram_equal(r, BP + BP_HDR_FIELD(pref_address), img.buf + BP_HDR_FIELD(pref_address),
                     hdr_end - BP_HDR_FIELD(pref_address));
    assert_cmdline(r, "console=ttyS0 earlyprintk=serial panic=-1");
    assert_int_equal(ram_u64(r, BP + BP_ACPI_RSDP_ADDR), version >= 0x20E ? 0xF0000 : 0);
    assert_identity_map(r, 4);
    assert_gdt(r);
    assert_int_equal(translate(r, res.entry_rip), res.entry_rip);
    assert_int_equal(translate(r, pref + init_size - 1), pref + init_size - 1);

    /* Too little RAM for init_size is refused with the size it needs. */
    ram_free(r);
    uint64_t need = (pref + init_size + MIB - 1) / MIB;
    uint64_t small = (need - 1) * MIB;
    r = ram_new(small);
    m = pc_e820(small);
    req.nr_e820 = m.n;
    req.e820 = m.e;
    req.initrd_len = 0;
    char reason[80];
    snprintf(reason, sizeof reason, "kernel does not fit in guest memory (needs %llu MiB)",
             (unsigned long long)need);
    expect_refusal(r, &req, reason);

    free(rd);
    ram_free(r);
    image_free(&img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loads_standard_image),
        cmocka_unit_test(test_setup_sects_zero_means_four),
        cmocka_unit_test(test_trailing_bytes_not_loaded),
        cmocka_unit_test(test_initrd_high_and_aligned),
        cmocka_unit_test(test_initrd_picks_highest_ram_range),
        cmocka_unit_test(test_ram_split_over_extents),
        cmocka_unit_test(test_identity_map_follows_e820),
        cmocka_unit_test(test_acpi_rsdp),
        cmocka_unit_test(test_header_length_from_jump),
        cmocka_unit_test(test_cmdline_limits),
        cmocka_unit_test(test_e820_limits),
        cmocka_unit_test(test_kernel_placement),
        cmocka_unit_test(test_non_relocatable),
        cmocka_unit_test(test_refuses_bad_signatures),
        cmocka_unit_test(test_refuses_old_protocol),
        cmocka_unit_test(test_refuses_missing_flags),
        cmocka_unit_test(test_refuses_truncated),
        cmocka_unit_test(test_refuses_bad_sizes),
        cmocka_unit_test(test_refuses_init_size_too_large),
        cmocka_unit_test(test_refuses_initrd_too_large),
        cmocka_unit_test(test_refuses_bad_arguments),
        cmocka_unit_test(test_mutation_no_crash),
        cmocka_unit_test(test_real_bzimage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
