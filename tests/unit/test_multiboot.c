/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for boot/multiboot_loader.c: ELF32/ELF64/a.out-kludge loading, the info block, refusals, fuzzing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ept/guest_mem.h"
#include "boot/elf.h"
#include "boot/multiboot.h"
#include "boot/multiboot_loader.h"

#define KIB         0x400ull
#define MIB         0x100000ull
#define PG          0x1000ull
#define POISON      0xCC
#define INFO_GPA    0x9000u
#define INFO_LIMIT  0x9FC00u
#define INFO_FLAGS  (MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE | MULTIBOOT_INFO_MODS | \
                     MULTIBOOT_INFO_MEM_MAP | MULTIBOOT_INFO_BOOT_LOADER_NAME)

#define E_NO_HEADER   "no Multiboot header in the first 8192 bytes"
#define E_FEATURES    "kernel requests unsupported Multiboot features"
#define E_NOT_FIT     "kernel does not fit in guest memory"
#define E_OVERLAP     "kernel overlaps the Multiboot information area at 0x9000"
#define E_MODS        "modules do not fit in guest memory"
#define E_SMALL       "guest memory too small for a Multiboot kernel"

/* ---- guest RAM ------------------------------------------------------------ */

struct ram {
    struct guest_mem gm;
    unsigned char *buf[GUEST_MEM_EXTENTS_MAX];
};

/* RAM made of extents of the given lengths, poisoned so that every byte the
 * loader writes (or does not) can be told apart. */
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
    return ram_new_split(&size, size ? 1 : 0);
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

static uint32_t ram_u32(const struct ram *r, uint64_t gpa)
{
    uint32_t v;
    ram_read(r, gpa, &v, sizeof v);
    return v;
}

static bool ram_is(const struct ram *r, uint64_t gpa, uint64_t len, unsigned char byte)
{
    unsigned char c;
    for (uint64_t i = 0; i < len; i++) {
        ram_read(r, gpa + i, &c, 1);
        if (c != byte)
            return false;
    }
    return true;
}

static bool ram_untouched(const struct ram *r)
{
    for (unsigned i = 0; i < r->gm.nr_extents; i++)
        for (uint64_t j = 0; j < r->gm.extent[i].len; j++)
            if (r->buf[i][j] != POISON)
                return false;
    return true;
}

/* NUL-terminated string at gpa, which must lie in the information area. */
static void ram_str(const struct ram *r, uint64_t gpa, char *dst, size_t cap)
{
    assert_true(gpa >= INFO_GPA && gpa < INFO_LIMIT);
    for (size_t i = 0; i < cap; i++) {
        ram_read(r, gpa + i, &dst[i], 1);
        if (!dst[i])
            return;
        assert_true(gpa + i + 1 < INFO_LIMIT);
    }
    fail_msg("string at %#llx longer than %zu", (unsigned long long)gpa, cap);
}

/* ---- kernel images -------------------------------------------------------- */

struct image {
    unsigned char *buf;
    size_t len;
    size_t mb_off;
};

struct seg {
    uint32_t type;
    uint64_t offset, vaddr, paddr, filesz, memsz;
};

static unsigned char pattern(size_t off)
{
    return (unsigned char)((off * 13 + 0x5A) ^ (off >> 8));
}

static struct image image_new(size_t len)
{
    struct image img = { malloc(len ? len : 1), len, 0 };
    assert_non_null(img.buf);
    for (size_t i = 0; i < len; i++)
        img.buf[i] = pattern(i);
    return img;
}

static void mb_checksum(struct image *img)
{
    struct multiboot_header *h = (struct multiboot_header *)(img->buf + img->mb_off);
    h->checksum = 0u - h->magic - h->flags;
}

/* Only magic, flags and checksum: the ELF case. */
static void put_mb_header(struct image *img, size_t off, uint32_t flags)
{
    uint32_t w[3] = { MULTIBOOT_HEADER_MAGIC, flags, 0u - MULTIBOOT_HEADER_MAGIC - flags };
    memcpy(img->buf + off, w, sizeof w);
    img->mb_off = off;
}

static struct image build_elf(bool is64, uint64_t entry, const struct seg *segs, unsigned n,
                              size_t len, size_t mb_off, uint32_t mb_flags)
{
    struct image img = image_new(len);
    unsigned char ident[ELF_NIDENT] = { 0x7f, 'E', 'L', 'F',
                                        is64 ? ELF_CLASS64 : ELF_CLASS32, ELF_DATA2LSB,
                                        ELF_EV_CURRENT };
    if (is64) {
        struct elf64_ehdr eh = { .e_type = ELF_ET_EXEC, .e_machine = ELF_EM_X86_64,
                                 .e_version = 1, .e_entry = entry, .e_phoff = sizeof eh,
                                 .e_ehsize = sizeof eh, .e_phentsize = sizeof(struct elf64_phdr),
                                 .e_phnum = (uint16_t)n };
        memcpy(eh.e_ident, ident, sizeof ident);
        memcpy(img.buf, &eh, sizeof eh);
        for (unsigned i = 0; i < n; i++) {
            struct elf64_phdr ph = { segs[i].type, 7, segs[i].offset, segs[i].vaddr,
                                     segs[i].paddr, segs[i].filesz, segs[i].memsz, PG };
            memcpy(img.buf + sizeof eh + i * sizeof ph, &ph, sizeof ph);
        }
    } else {
        struct elf32_ehdr eh = { .e_type = ELF_ET_EXEC, .e_machine = ELF_EM_386,
                                 .e_version = 1, .e_entry = (uint32_t)entry, .e_phoff = sizeof eh,
                                 .e_ehsize = sizeof eh, .e_phentsize = sizeof(struct elf32_phdr),
                                 .e_phnum = (uint16_t)n };
        memcpy(eh.e_ident, ident, sizeof ident);
        memcpy(img.buf, &eh, sizeof eh);
        for (unsigned i = 0; i < n; i++) {
            struct elf32_phdr ph = { segs[i].type, (uint32_t)segs[i].offset,
                                     (uint32_t)segs[i].vaddr, (uint32_t)segs[i].paddr,
                                     (uint32_t)segs[i].filesz, (uint32_t)segs[i].memsz, 7, PG };
            memcpy(img.buf + sizeof eh + i * sizeof ph, &ph, sizeof ph);
        }
    }
    put_mb_header(&img, mb_off, mb_flags);
    return img;
}

/* The standard test kernel: text [0x100000, 0x101800) and data+bss
 * [0x102000, 0x104000) of which 0x300 bytes come from the file, linked at
 * `vbase` + physical address. */
#define STD_ENTRY_OFF 0x10
#define STD_END       0x104000u
#define STD_LEN       0x3000u

static const struct seg std_segs[2] = {
    { ELF_PT_LOAD, 0x1000, 0x100000, 0x100000, 0x1800, 0x1800 },
    { ELF_PT_LOAD, 0x2800, 0x102000, 0x102000, 0x300, 0x2000 },
};

static struct image std_elf(bool is64, uint64_t vbase)
{
    struct seg s[2] = { std_segs[0], std_segs[1] };
    s[0].vaddr += vbase;
    s[1].vaddr += vbase;
    return build_elf(is64, vbase + 0x100000 + STD_ENTRY_OFF, s, 2, STD_LEN, 0x200,
                     MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO);
}

/* Program header i of an image built by build_elf (aligned in the buffer). */
static struct elf32_phdr *ph32(struct image *img, unsigned i)
{
    return (struct elf32_phdr *)(img->buf + sizeof(struct elf32_ehdr) + i * sizeof(struct elf32_phdr));
}

static struct elf64_phdr *ph64(struct image *img, unsigned i)
{
    return (struct elf64_phdr *)(img->buf + sizeof(struct elf64_ehdr) + i * sizeof(struct elf64_phdr));
}

static struct elf32_ehdr *eh32(struct image *img)
{
    return (struct elf32_ehdr *)img->buf;
}

static struct elf64_ehdr *eh64(struct image *img)
{
    return (struct elf64_ehdr *)img->buf;
}

struct aout {
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

static struct image build_aout(size_t len, size_t hoff, const struct aout *a, uint32_t extra_flags)
{
    struct image img = image_new(len);
    struct multiboot_header h = {
        .magic = MULTIBOOT_HEADER_MAGIC,
        .flags = MULTIBOOT_AOUT_KLUDGE | MULTIBOOT_PAGE_ALIGN | extra_flags,
        .header_addr = a->header_addr, .load_addr = a->load_addr,
        .load_end_addr = a->load_end_addr, .bss_end_addr = a->bss_end_addr,
        .entry_addr = a->entry_addr,
    };
    h.checksum = 0u - h.magic - h.flags;
    memcpy(img.buf + hoff, &h, MULTIBOOT_HEADER_AOUT_LEN);
    img.mb_off = hoff;
    return img;
}

/* a.out kludge kernel: file [0, 0x2800) at 0x200000, bss up to 0x205000. */
static const struct aout std_aout_fields = { 0x200040, 0x200000, 0x202800, 0x205000, 0x200100 };

static struct image std_aout(void)
{
    return build_aout(STD_LEN, 0x40, &std_aout_fields, 0);
}

static void image_free(struct image *img)
{
    free(img->buf);
}

static struct multiboot_load_request req_for(const struct image *img, const char *cmdline)
{
    struct multiboot_load_request req = { .kernel = img->buf, .kernel_len = img->len,
                                          .cmdline = cmdline };
    return req;
}

static void expect_refusal(struct ram *r, const struct multiboot_load_request *req,
                           const char *reason)
{
    struct multiboot_load_result res = { 0xdead, 0xbeef };
    const char *why = NULL;
    assert_int_equal(multiboot_load(&r->gm, req, &res, &why), -1);
    assert_non_null(why);
    assert_string_equal(why, reason);
    assert_true(ram_untouched(r));   /* validation precedes every write */
}

static void expect_image_refused(uint64_t ram_size, struct image img, const char *reason)
{
    struct ram *r = ram_new(ram_size);
    struct multiboot_load_request req = req_for(&img, "k");
    expect_refusal(r, &req, reason);
    image_free(&img);
    ram_free(r);
}

static struct multiboot_load_result expect_load(struct ram *r, const struct multiboot_load_request *req)
{
    struct multiboot_load_result res = { 0, 0 };
    const char *why = NULL;
    int rc = multiboot_load(&r->gm, req, &res, &why);
    if (rc)
        fail_msg("refused: %s", why ? why : "(null)");
    assert_int_equal(res.info_gpa, INFO_GPA);
    return res;
}

/* Guest bytes [gpa, +len) equal image bytes [off, +len). */
static void assert_loaded(const struct ram *r, uint64_t gpa, const struct image *img,
                          size_t off, size_t len)
{
    unsigned char *tmp = malloc(len ? len : 1);
    assert_non_null(tmp);
    ram_read(r, gpa, tmp, len);
    assert_memory_equal(tmp, img->buf + off, len);
    free(tmp);
}

/* The standard ELF kernel's segments, bss and the gaps around them. */
static void assert_std_elf_loaded(const struct ram *r, const struct image *img)
{
    assert_true(ram_is(r, 0x100000 - 16, 16, POISON));
    assert_loaded(r, 0x100000, img, 0x1000, 0x1800);
    assert_true(ram_is(r, 0x101800, 0x800, POISON));       /* gap between segments */
    assert_loaded(r, 0x102000, img, 0x2800, 0x300);
    assert_true(ram_is(r, 0x102300, 0x1d00, 0));            /* bss zeroed */
}

/* ---- loading -------------------------------------------------------------- */

static void test_elf32_loads_segments_and_bss(void **state)
{
    (void)state;
    struct ram *r = ram_new(4 * MIB);
    struct image img = std_elf(false, 0);
    struct multiboot_load_request req = req_for(&img, "kernel");
    struct multiboot_load_result res = expect_load(r, &req);

    assert_int_equal(res.entry, 0x100000 + STD_ENTRY_OFF);
    assert_std_elf_loaded(r, &img);
    assert_true(ram_is(r, STD_END, 0x1000, POISON));       /* nothing past the kernel */
    assert_true(ram_is(r, 0, INFO_GPA, POISON));            /* nothing below the info block */
    image_free(&img);
    ram_free(r);
}

static void test_elf32_higher_half_entry_translated(void **state)
{
    (void)state;
    struct ram *r = ram_new(4 * MIB);
    struct image img = std_elf(false, 0xC0000000);
    struct multiboot_load_request req = req_for(&img, "kernel");
    struct multiboot_load_result res = expect_load(r, &req);

    assert_int_equal(res.entry, 0x100000 + STD_ENTRY_OFF);
    assert_std_elf_loaded(r, &img);
    image_free(&img);
    ram_free(r);
}

static void test_elf32_entry_in_second_segment_translated(void **state)
{
    (void)state;
    struct ram *r = ram_new(4 * MIB);
    struct image img = std_elf(false, 0xC0000000);
    eh32(&img)->e_entry = 0xC0102008;
    struct multiboot_load_request req = req_for(&img, "kernel");
    assert_int_equal(expect_load(r, &req).entry, 0x102008);
    image_free(&img);
    ram_free(r);
}

static void test_elf32_physical_entry_accepted(void **state)
{
    (void)state;
    /* Linked high, but e_entry already given as a physical address. */
    struct ram *r = ram_new(4 * MIB);
    struct image img = std_elf(false, 0xC0000000);
    eh32(&img)->e_entry = 0x100020;
    struct multiboot_load_request req = req_for(&img, "kernel");
    assert_int_equal(expect_load(r, &req).entry, 0x100020);
    image_free(&img);
    ram_free(r);
}

static void test_elf64_loads_and_translates_entry(void **state)
{
    (void)state;
    struct ram *r = ram_new(4 * MIB);
    struct image img = std_elf(true, 0xFFFFFFFF80000000ull);
    struct multiboot_load_request req = req_for(&img, "kernel");
    struct multiboot_load_result res = expect_load(r, &req);

    assert_int_equal(res.entry, 0x100000 + STD_ENTRY_OFF);
    assert_std_elf_loaded(r, &img);
    assert_true(ram_is(r, STD_END, 0x1000, POISON));
    image_free(&img);
    ram_free(r);
}

static void test_elf64_identity_mapped(void **state)
{
    (void)state;
    struct ram *r = ram_new(4 * MIB);
    struct image img = std_elf(true, 0);
    struct multiboot_load_request req = req_for(&img, "kernel");
    assert_int_equal(expect_load(r, &req).entry, 0x100000 + STD_ENTRY_OFF);
    assert_std_elf_loaded(r, &img);
    image_free(&img);
    ram_free(r);
}

static void test_elf_ignores_non_load_and_empty_segments(void **state)
{
    (void)state;
    struct seg s[4] = {
        { 4 /* PT_NOTE */, 0xFFFFFF00, 0, 0xFFFFF000, 0x1000, 0x1000 },
        std_segs[0],
        { ELF_PT_LOAD, 0, 0x9000, 0x9000, 0, 0 },   /* empty: no overlap with 0x9000 */
        std_segs[1],
    };
    struct ram *r = ram_new(4 * MIB);
    struct image img = build_elf(false, 0x100010, s, 4, STD_LEN, 0x200, 0);
    struct multiboot_load_request req = req_for(&img, "kernel");
    assert_int_equal(expect_load(r, &req).entry, 0x100010);
    assert_std_elf_loaded(r, &img);
    image_free(&img);
    ram_free(r);
}

static void test_elf_segment_ending_at_ram_end(void **state)
{
    (void)state;
    struct seg s[1] = { { ELF_PT_LOAD, 0x1000, 0x3FF000, 0x3FF000, 0x800, 0x1000 } };
    struct ram *r = ram_new(4 * MIB);
    struct image img = build_elf(false, 0x3FF000, s, 1, 0x1800, 0x100, 0);
    struct multiboot_load_request req = req_for(&img, "kernel");
    assert_int_equal(expect_load(r, &req).entry, 0x3FF000);
    assert_loaded(r, 0x3FF000, &img, 0x1000, 0x800);
    assert_true(ram_is(r, 0x3FF800, 0x800, 0));
    image_free(&img);
    ram_free(r);
}

static void test_elf_below_info_area(void **state)
{
    (void)state;
    /* Ending exactly at 0x9000 and starting exactly at 0xA0000 are fine. */
    struct seg s[2] = {
        { ELF_PT_LOAD, 0x1000, 0x8000, 0x8000, 0x1000, 0x1000 },
        { ELF_PT_LOAD, 0x2000, 0xA0000, 0xA0000, 0x100, 0x100 },
    };
    struct ram *r = ram_new(4 * MIB);
    struct image img = build_elf(false, 0x8000, s, 2, 0x2100, 0x100, 0);
    struct multiboot_load_request req = req_for(&img, "kernel");
    assert_int_equal(expect_load(r, &req).entry, 0x8000);
    assert_loaded(r, 0x8000, &img, 0x1000, 0x1000);
    assert_loaded(r, 0xA0000, &img, 0x2000, 0x100);
    image_free(&img);
    ram_free(r);
}

static void test_aout_kludge_loads(void **state)
{
    (void)state;
    struct ram *r = ram_new(4 * MIB);
    struct image img = std_aout();
    struct multiboot_load_request req = req_for(&img, "kernel");
    struct multiboot_load_result res = expect_load(r, &req);

    assert_int_equal(res.entry, 0x200100);
    assert_true(ram_is(r, 0x200000 - 16, 16, POISON));
    assert_loaded(r, 0x200000, &img, 0, 0x2800);
    assert_true(ram_is(r, 0x202800, 0x2800, 0));            /* bss */
    assert_true(ram_is(r, 0x205000, 0x1000, POISON));
    image_free(&img);
    ram_free(r);
}

static void test_aout_kludge_defaults_and_file_prefix(void **state)
{
    (void)state;
    /* load_end_addr 0: load to the end of the file; bss_end_addr 0: no bss;
     * the header at file offset 0x1040 means file bytes from 0x1000 load. */
    struct aout a = { 0x300040, 0x300000, 0, 0, 0x300000 };
    struct ram *r = ram_new(4 * MIB);
    struct image img = build_aout(0x2345, 0x1040, &a, MULTIBOOT_MEMORY_INFO | MULTIBOOT_VIDEO_MODE);
    struct multiboot_load_request req = req_for(&img, "kernel");
    assert_int_equal(expect_load(r, &req).entry, 0x300000);
    assert_loaded(r, 0x300000, &img, 0x1000, 0x1345);
    assert_true(ram_is(r, 0x301345, 0x100, POISON));
    image_free(&img);
    ram_free(r);
}

static void test_aout_kludge_wins_over_elf(void **state)
{
    (void)state;
    /* An ELF file whose header asks for the a.out kludge loads as a.out. */
    struct ram *r = ram_new(4 * MIB);
    struct image img = std_elf(false, 0);
    struct aout a = { 0x300200, 0x300000, 0x301000, 0x302000, 0x300300 };
    struct image tmp = build_aout(0x200 + MULTIBOOT_HEADER_AOUT_LEN, 0x200, &a, 0);
    memcpy(img.buf + 0x200, tmp.buf + 0x200, MULTIBOOT_HEADER_AOUT_LEN);
    image_free(&tmp);
    struct multiboot_load_request req = req_for(&img, "kernel");
    assert_int_equal(expect_load(r, &req).entry, 0x300300);
    assert_loaded(r, 0x300000, &img, 0, 0x1000);
    assert_true(ram_is(r, 0x301000, 0x1000, 0));
    assert_true(ram_is(r, 0x100000, 0x1000, POISON));      /* ELF segments ignored */
    image_free(&img);
    ram_free(r);
}

static void test_header_search_window(void **state)
{
    (void)state;
    struct seg s[1] = { { ELF_PT_LOAD, 0x2000, 0x100000, 0x100000, 0x1000, 0x1000 } };
    struct ram *r = ram_new(4 * MIB);

    /* Last position whose 12 bytes end at byte 8192. */
    struct image img = build_elf(false, 0x100000, s, 1, 0x3000, 8180, 0);
    struct multiboot_load_request req = req_for(&img, "kernel");
    expect_load(r, &req);
    image_free(&img);

    /* Straddles byte 8192. */
    img = build_elf(false, 0x100000, s, 1, 0x3000, 8184, 0);
    expect_image_refused(4 * MIB, img, E_NO_HEADER);

    /* Misaligned. */
    img = build_elf(false, 0x100000, s, 1, 0x3000, 0x202, 0);
    expect_image_refused(4 * MIB, img, E_NO_HEADER);

    /* A bad-checksum magic is skipped; a later valid header is used. */
    img = build_elf(false, 0x100000, s, 1, 0x3000, 0x300, 0);
    uint32_t bad[3] = { MULTIBOOT_HEADER_MAGIC, 0, 1 };
    memcpy(img.buf + 0x100, bad, sizeof bad);
    req = req_for(&img, "kernel");
    expect_load(r, &req);
    image_free(&img);

    /* a.out kludge header ending exactly at byte 8192. */
    struct aout a = { 0x200000 + 8160, 0x200000, 0, 0, 0x200000 };
    img = build_aout(0x3000, 8160, &a, 0);
    req = req_for(&img, "kernel");
    expect_load(r, &req);
    image_free(&img);
    ram_free(r);
}

/* ---- information block ---------------------------------------------------- */

static const char std_cmdline[] = "/boot/kernel.elf console=ttyS0 loglevel=7";
static const size_t std_mod_len[3] = { 5000, 0x1000, 1 };
static const char *const std_mod_str[3] = { "/boot/mod0 a=1 b=2", "/boot/mod1", "" };

static void std_modules(struct multiboot_load_request *req, unsigned char *data[3])
{
    for (unsigned i = 0; i < 3; i++) {
        data[i] = malloc(std_mod_len[i]);
        assert_non_null(data[i]);
        for (size_t j = 0; j < std_mod_len[i]; j++)
            data[i][j] = (unsigned char)(j * 7 + i * 40 + 1);
        req->module[i] = (struct multiboot_module_image){ data[i], std_mod_len[i], std_mod_str[i] };
    }
    req->nr_modules = 3;
}

static void assert_mmap_entry(const struct ram *r, uint64_t gpa, uint64_t base, uint64_t len,
                              uint32_t type)
{
    struct multiboot_mmap_entry e;
    ram_read(r, gpa, &e, sizeof e);
    assert_int_equal(e.size, 20);
    assert_int_equal(((uint64_t)e.base_addr_high << 32) | e.base_addr_low, base);
    assert_int_equal(((uint64_t)e.length_high << 32) | e.length_low, len);
    assert_int_equal(e.type, type);
}

static bool disjoint(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a + alen <= b || b + blen <= a;
}

/* Everything the standard ELF32 kernel + 3 modules should produce. */
static void assert_std_boot(const struct ram *r, const struct image *img,
                            const struct multiboot_load_result *res)
{
    char s[256];
    struct multiboot_info info;

    assert_int_equal(res->entry, 0x100000 + STD_ENTRY_OFF);
    assert_int_equal(res->info_gpa, INFO_GPA);
    assert_std_elf_loaded(r, img);

    ram_read(r, INFO_GPA, &info, sizeof info);
    assert_int_equal(info.flags, INFO_FLAGS);
    assert_int_equal(info.mem_lower, 639);
    assert_int_equal(info.mem_upper, (r->gm.size - MIB) / KIB);
    assert_int_equal(info.boot_device, 0);
    assert_int_equal(info.drives_length, 0);
    assert_int_equal(info.config_table, 0);
    assert_int_equal(info.apm_table, 0);
    assert_int_equal(info.vbe_mode, 0);

    ram_str(r, info.cmdline, s, sizeof s);
    assert_string_equal(s, std_cmdline);
    ram_str(r, info.boot_loader_name, s, sizeof s);
    assert_string_equal(s, "keel");

    assert_int_equal(info.mmap_length, 4 * sizeof(struct multiboot_mmap_entry));
    assert_true(info.mmap_addr >= INFO_GPA + sizeof info);
    assert_true(info.mmap_addr + info.mmap_length <= INFO_LIMIT);
    assert_mmap_entry(r, info.mmap_addr, 0, 0x9FC00, MULTIBOOT_MEMORY_AVAILABLE);
    assert_mmap_entry(r, info.mmap_addr + 24, 0x9FC00, 0x400, MULTIBOOT_MEMORY_RESERVED);
    assert_mmap_entry(r, info.mmap_addr + 48, 0xF0000, 0x10000, MULTIBOOT_MEMORY_RESERVED);
    assert_mmap_entry(r, info.mmap_addr + 72, MIB, r->gm.size - MIB, MULTIBOOT_MEMORY_AVAILABLE);

    assert_int_equal(info.mods_count, 3);
    assert_true(info.mods_addr >= INFO_GPA + sizeof info);
    assert_true(info.mods_addr + 3 * 16 <= INFO_LIMIT);
    assert_true(disjoint(info.mods_addr, 3 * 16, info.mmap_addr, info.mmap_length));
    uint64_t prev_end = STD_END;
    const uint32_t want_start[3] = { 0x104000, 0x106000, 0x107000 };
    for (unsigned i = 0; i < 3; i++) {
        struct multiboot_mod_list m;
        ram_read(r, info.mods_addr + i * sizeof m, &m, sizeof m);
        assert_int_equal(m.mod_start % PG, 0);
        assert_true(m.mod_start >= prev_end);
        assert_int_equal(m.mod_start, want_start[i]);
        assert_int_equal(m.mod_end - m.mod_start, std_mod_len[i]);
        assert_int_equal(m.reserved, 0);
        ram_str(r, m.string, s, sizeof s);
        assert_string_equal(s, std_mod_str[i]);
        assert_true(disjoint(m.string, strlen(s) + 1, info.cmdline, sizeof std_cmdline));
        unsigned char *tmp = malloc(std_mod_len[i]);
        assert_non_null(tmp);
        ram_read(r, m.mod_start, tmp, std_mod_len[i]);
        for (size_t j = 0; j < std_mod_len[i]; j++)
            assert_int_equal(tmp[j], (unsigned char)(j * 7 + i * 40 + 1));
        free(tmp);
        prev_end = m.mod_end;
    }
    /* Only the module bytes themselves are written, not their page tails. */
    assert_true(ram_is(r, 0x104000 + 5000, 0x106000 - 0x104000 - 5000, POISON));
    assert_true(ram_is(r, 0x107001, 0x100, POISON));
    assert_true(ram_is(r, 0, INFO_GPA, POISON));
    assert_true(ram_is(r, INFO_LIMIT, 0x400, POISON));
}

static void run_std_boot(struct ram *r)
{
    unsigned char *data[3];
    struct image img = std_elf(false, 0);
    struct multiboot_load_request req = req_for(&img, std_cmdline);
    std_modules(&req, data);
    struct multiboot_load_result res = expect_load(r, &req);
    assert_std_boot(r, &img, &res);
    for (unsigned i = 0; i < 3; i++)
        free(data[i]);
    image_free(&img);
}

static void test_info_block_and_modules(void **state)
{
    (void)state;
    struct ram *r = ram_new(16 * MIB);
    run_std_boot(r);
    ram_free(r);
}

static void test_ram_split_over_extents(void **state)
{
    (void)state;
    /* Boundaries at the info block (0x9000), inside the first segment
     * (0x101000) and inside module 0 (0x105000), then 1 MiB pieces. */
    uint64_t lens[10] = { 0x9000, 0x101000 - 0x9000, 0x4000, 0x200000 - 0x105000 };
    unsigned n = 4;
    for (; n < 10; n++)
        lens[n] = MIB;
    struct ram *r = ram_new_split(lens, n);
    assert_int_equal(r->gm.size, 8 * MIB);
    run_std_boot(r);
    ram_free(r);
}

static void test_exactly_2mib_and_no_modules(void **state)
{
    (void)state;
    struct ram *r = ram_new(2 * MIB);
    struct image img = std_elf(false, 0);
    struct multiboot_load_request req = req_for(&img, NULL);     /* NULL: empty */
    expect_load(r, &req);
    struct multiboot_info info;
    ram_read(r, INFO_GPA, &info, sizeof info);
    assert_int_equal(info.flags, INFO_FLAGS);
    assert_int_equal(info.mem_upper, 1024);
    assert_int_equal(info.mods_count, 0);
    char s[8];
    ram_str(r, info.cmdline, s, sizeof s);
    assert_string_equal(s, "");
    image_free(&img);
    ram_free(r);
}

static void test_module_alignment_and_empty_modules(void **state)
{
    (void)state;
    /* a.out kernel ending mid-page (bss to 0x205001); an empty module. */
    struct aout a = std_aout_fields;
    a.bss_end_addr = 0x205001;
    struct ram *r = ram_new(4 * MIB);
    struct image img = build_aout(STD_LEN, 0x40, &a, 0);
    struct multiboot_load_request req = req_for(&img, "k");
    unsigned char d[3] = { 1, 2, 3 };
    req.module[0] = (struct multiboot_module_image){ d, 3, "a" };
    req.module[1] = (struct multiboot_module_image){ NULL, 0, NULL };
    req.module[2] = (struct multiboot_module_image){ d, 2, "c" };
    req.nr_modules = 3;
    expect_load(r, &req);

    uint32_t mods = ram_u32(r, INFO_GPA + offsetof(struct multiboot_info, mods_addr));
    struct multiboot_mod_list m[3];
    ram_read(r, mods, m, sizeof m);
    assert_int_equal(m[0].mod_start, 0x206000);
    assert_int_equal(m[0].mod_end, 0x206003);
    assert_int_equal(m[1].mod_start, 0x207000);
    assert_int_equal(m[1].mod_end, 0x207000);
    assert_int_equal(m[2].mod_start, 0x207000);
    assert_int_equal(m[2].mod_end, 0x207002);
    char s[4];
    ram_str(r, m[1].string, s, sizeof s);
    assert_string_equal(s, "");
    assert_true(ram_is(r, 0x205000, 1, 0));
    assert_true(ram_is(r, 0x205001, 0x1000 - 1, POISON));
    image_free(&img);
    ram_free(r);
}

static void test_modules_fill_ram_exactly(void **state)
{
    (void)state;
    /* Module 1 must be pushed to the last page by alignment and end at RAM's end. */
    size_t len0 = 4 * MIB - STD_END - PG - 1;
    unsigned char *big = calloc(1, len0);
    unsigned char tail[0x1001] = { 0 };
    assert_non_null(big);
    struct image img = std_elf(false, 0);
    struct multiboot_load_request req = req_for(&img, "k");
    req.module[0] = (struct multiboot_module_image){ big, len0, "big" };
    req.module[1] = (struct multiboot_module_image){ tail, 0x1000, "tail" };
    req.nr_modules = 2;

    struct ram *r = ram_new(4 * MIB);
    expect_load(r, &req);
    uint32_t mods = ram_u32(r, INFO_GPA + offsetof(struct multiboot_info, mods_addr));
    assert_int_equal(ram_u32(r, mods + 16), 4 * MIB - PG);
    assert_int_equal(ram_u32(r, mods + 20), 4 * MIB);
    ram_free(r);

    r = ram_new(4 * MIB);
    req.module[1].len = 0x1001;
    expect_refusal(r, &req, E_MODS);
    ram_free(r);
    free(big);
    image_free(&img);
}

static void test_cmdline_fills_info_area_exactly(void **state)
{
    (void)state;
    /* Info (88) + mmap (96) + "keel\0" (5) + command line + NUL reach 0x9FC00. */
    size_t room = INFO_LIMIT - INFO_GPA - 88 - 96 - 5;
    char *cmd = malloc(room + 1);
    assert_non_null(cmd);
    memset(cmd, 'x', room);
    cmd[room - 1] = '\0';
    struct image img = std_elf(false, 0);
    struct multiboot_load_request req = req_for(&img, cmd);

    struct ram *r = ram_new(4 * MIB);
    expect_load(r, &req);
    assert_true(ram_is(r, INFO_LIMIT - 2, 1, 'x'));
    assert_true(ram_is(r, INFO_LIMIT - 1, 1, 0));
    assert_true(ram_is(r, INFO_LIMIT, 1, POISON));
    ram_free(r);

    r = ram_new(4 * MIB);
    cmd[room - 1] = 'x';
    cmd[room] = '\0';
    expect_refusal(r, &req, "Multiboot command lines do not fit below 0x9FC00");
    ram_free(r);

    /* Module strings share the area. */
    r = ram_new(4 * MIB);
    cmd[room - 40] = '\0';
    unsigned char d = 0;
    req.module[0] = (struct multiboot_module_image){ &d, 1, "0123456789012345678901234567890123456789" };
    req.nr_modules = 1;
    expect_refusal(r, &req, "Multiboot command lines do not fit below 0x9FC00");
    ram_free(r);

    free(cmd);
    image_free(&img);
}

/* Guest RAM claiming `size` bytes with only [0, 4 MiB) backed: enough for
 * loads that stay low and for refusals, which write nothing. */
static struct ram *ram_sparse(uint64_t size)
{
    struct ram *r = ram_new(4 * MIB);
    r->gm.size = size;
    return r;
}

static void test_ram_above_4gib(void **state)
{
    (void)state;
    struct ram *r = ram_sparse(8ull << 30);
    struct image img = std_elf(false, 0);
    struct multiboot_load_request req = req_for(&img, "k");
    expect_load(r, &req);
    struct multiboot_info info;
    ram_read(r, INFO_GPA, &info, sizeof info);
    assert_int_equal(info.mem_upper, ((8ull << 30) - MIB) / KIB);
    assert_mmap_entry(r, info.mmap_addr + 72, MIB, (8ull << 30) - MIB, MULTIBOOT_MEMORY_AVAILABLE);
    ram_free(r);

    r = ram_sparse(8ull << 40);                  /* mem_upper saturates */
    expect_load(r, &req);
    assert_int_equal(ram_u32(r, INFO_GPA + offsetof(struct multiboot_info, mem_upper)), UINT32_MAX);
    ram_free(r);
    image_free(&img);

    /* In RAM, but out of a 32-bit kernel's reach. */
    r = ram_sparse(8ull << 30);
    img = std_elf(true, 0);
    ph64(&img, 1)->p_paddr = 0x100000000ull;
    req = req_for(&img, "k");
    expect_refusal(r, &req, "kernel lies above 4 GiB");
    image_free(&img);
    img = std_elf(false, 0);
    ph32(&img, 1)->p_paddr = 0xFFFFF000;
    req = req_for(&img, "k");
    expect_refusal(r, &req, "kernel lies above 4 GiB");
    image_free(&img);
    struct aout a = { 0xFFFFF040, 0xFFFFF000, 0, 0, 0xFFFFF000 };
    img = build_aout(STD_LEN, 0x40, &a, 0);
    req = req_for(&img, "k");
    expect_refusal(r, &req, "kernel lies above 4 GiB");
    image_free(&img);

    /* Kernel ends at 0xFFFFF000: a one-page module would end at 2^32. */
    img = std_elf(false, 0);
    ph32(&img, 0)->p_paddr = 0xFFFFC000;
    ph32(&img, 1)->p_paddr = 0xFFFFD000;
    eh32(&img)->e_entry = 0xFFFFC000;
    ph32(&img, 0)->p_vaddr = 0xFFFFC000;
    unsigned char d[0x1000] = { 0 };
    req = req_for(&img, "k");
    req.module[0] = (struct multiboot_module_image){ d, sizeof d, "m" };
    req.nr_modules = 1;
    expect_refusal(r, &req, E_MODS);
    image_free(&img);
    ram_free(r);
}

/* ---- refusals ------------------------------------------------------------- */

static void test_refuses_no_header(void **state)
{
    (void)state;
    expect_image_refused(4 * MIB, image_new(0x4000), E_NO_HEADER);
    expect_image_refused(4 * MIB, image_new(0), E_NO_HEADER);
    expect_image_refused(4 * MIB, image_new(11), E_NO_HEADER);

    struct image img = std_elf(false, 0);
    ((struct multiboot_header *)(img.buf + img.mb_off))->checksum ^= 1;
    expect_image_refused(4 * MIB, img, E_NO_HEADER);

    img = std_aout();
    ((struct multiboot_header *)(img.buf + img.mb_off))->magic = 0x2BADB002;
    mb_checksum(&img);
    expect_image_refused(4 * MIB, img, E_NO_HEADER);
}

static void test_flags(void **state)
{
    (void)state;
    static const uint32_t refused[] = { 1u << 3, 1u << 4, 1u << 8, 1u << 15, 0xFFFFu };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        struct image img = std_elf(false, 0);
        put_mb_header(&img, 0x200, MULTIBOOT_MEMORY_INFO | refused[i]);
        expect_image_refused(4 * MIB, img, E_FEATURES);
        img = std_aout();
        ((struct multiboot_header *)(img.buf + img.mb_off))->flags |= refused[i];
        mb_checksum(&img);
        expect_image_refused(4 * MIB, img, E_FEATURES);
    }
    /* Bits 0-2 are honoured; bits 17-31 are optional and ignored. */
    static const uint32_t accepted[] = { 0, 7, 1u << 17, 0xFFFE0000u | 7 };
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
        struct ram *r = ram_new(4 * MIB);
        struct image img = std_elf(false, 0);
        put_mb_header(&img, 0x200, accepted[i]);
        struct multiboot_load_request req = req_for(&img, "k");
        expect_load(r, &req);
        image_free(&img);
        ram_free(r);
    }
}

static void test_refuses_bad_elf_identity(void **state)
{
    (void)state;
    struct image img = std_elf(false, 0);
    img.buf[0] = 0x7e;
    expect_image_refused(4 * MIB, img, "kernel is not ELF and has no Multiboot a.out kludge");

    img = std_elf(false, 0);
    img.buf[ELF_EI_CLASS] = 3;
    expect_image_refused(4 * MIB, img, "ELF class is neither 32-bit nor 64-bit");
    img = std_elf(true, 0);
    img.buf[ELF_EI_DATA] = 2;
    expect_image_refused(4 * MIB, img, "ELF is not little-endian");
    img = std_elf(false, 0);
    img.buf[ELF_EI_VERSION] = 0;
    expect_image_refused(4 * MIB, img, "ELF version is not 1");

    img = std_elf(false, 0);
    eh32(&img)->e_type = 3;     /* ET_DYN */
    expect_image_refused(4 * MIB, img, "ELF is not an executable (ET_EXEC)");
    img = std_elf(false, 0);
    eh32(&img)->e_machine = ELF_EM_X86_64;
    expect_image_refused(4 * MIB, img, "ELF machine is not i386 (ELF32) or x86-64 (ELF64)");
    img = std_elf(true, 0);
    eh64(&img)->e_machine = ELF_EM_386;
    expect_image_refused(4 * MIB, img, "ELF machine is not i386 (ELF32) or x86-64 (ELF64)");
}

static void test_refuses_truncated_elf(void **state)
{
    (void)state;
    /* ELF ident, then the Multiboot header right after it, file cut short
     * anywhere before the end of the ELF header. */
    for (int is64 = 0; is64 < 2; is64++) {
        size_t full = is64 ? sizeof(struct elf64_ehdr) : sizeof(struct elf32_ehdr);
        for (size_t len = 28; len < full; len += 4) {
            struct image img = std_elf(is64, 0);
            put_mb_header(&img, 16, 0);
            img.len = len;
            expect_image_refused(4 * MIB, img, "ELF header is truncated");
        }
    }
}

static void test_refuses_bad_program_header_table(void **state)
{
    (void)state;
    struct image img = std_elf(false, 0);
    eh32(&img)->e_phnum = 0;
    expect_image_refused(4 * MIB, img, "ELF has no program headers");
    img = std_elf(false, 0);
    eh32(&img)->e_phnum = 0xFFFF;
    expect_image_refused(4 * MIB, img, "ELF uses extended program header numbering");
    img = std_elf(true, 0);
    eh64(&img)->e_phentsize = sizeof(struct elf64_phdr) - 1;
    expect_image_refused(4 * MIB, img, "ELF program header entry size is too small");

    const char *beyond = "ELF program headers extend beyond the file";
    img = std_elf(false, 0);
    eh32(&img)->e_phoff = STD_LEN - 40;
    expect_image_refused(4 * MIB, img, beyond);
    img = std_elf(false, 0);
    eh32(&img)->e_phoff = 0xFFFFFFFF;
    expect_image_refused(4 * MIB, img, beyond);
    img = std_elf(false, 0);
    eh32(&img)->e_phnum = 1000;
    expect_image_refused(4 * MIB, img, beyond);
    img = std_elf(false, 0);
    eh32(&img)->e_phentsize = 0xFFFF;
    expect_image_refused(4 * MIB, img, beyond);
    img = std_elf(true, 0);
    eh64(&img)->e_phoff = UINT64_MAX - 8;       /* phoff + table wraps */
    expect_image_refused(4 * MIB, img, beyond);
    img = std_elf(true, 0);
    eh64(&img)->e_phoff = STD_LEN;
    expect_image_refused(4 * MIB, img, beyond);
}

static void test_refuses_bad_segments(void **state)
{
    (void)state;
    const char *data_beyond = "ELF segment data extends beyond the file";
    struct image img = std_elf(false, 0);
    ph32(&img, 1)->p_offset = STD_LEN - 0x100;   /* 0x300 bytes from there */
    expect_image_refused(4 * MIB, img, data_beyond);
    img = std_elf(false, 0);
    ph32(&img, 1)->p_offset = 0xFFFFFFFF;
    expect_image_refused(4 * MIB, img, data_beyond);
    img = std_elf(false, 0);
    ph32(&img, 1)->p_filesz = ph32(&img, 1)->p_memsz = 0xFFFFFFFF;
    expect_image_refused(4 * MIB, img, data_beyond);
    img = std_elf(true, 0);
    ph64(&img, 0)->p_offset = UINT64_MAX - 0x10;  /* offset + filesz wraps */
    expect_image_refused(4 * MIB, img, data_beyond);
    img = std_elf(true, 0);
    ph64(&img, 0)->p_filesz = ph64(&img, 0)->p_memsz = UINT64_MAX;
    expect_image_refused(4 * MIB, img, data_beyond);

    img = std_elf(false, 0);
    ph32(&img, 1)->p_filesz = ph32(&img, 1)->p_memsz + 1;
    expect_image_refused(4 * MIB, img, "ELF segment has p_filesz larger than p_memsz");
    img = std_elf(true, 0);
    ph64(&img, 0)->p_memsz = 0;
    expect_image_refused(4 * MIB, img, "ELF segment has p_filesz larger than p_memsz");

    /* Program headers that load nothing. */
    img = std_elf(false, 0);
    ph32(&img, 0)->p_type = 4;
    ph32(&img, 1)->p_type = 6;
    expect_image_refused(4 * MIB, img, "ELF has no loadable segments");
    img = std_elf(true, 0);
    ph64(&img, 0)->p_filesz = ph64(&img, 0)->p_memsz = 0;
    ph64(&img, 1)->p_filesz = ph64(&img, 1)->p_memsz = 0;
    expect_image_refused(4 * MIB, img, "ELF has no loadable segments");
}

static void test_refuses_segment_outside_ram(void **state)
{
    (void)state;
    struct image img = std_elf(false, 0);
    ph32(&img, 1)->p_paddr = 4 * MIB - 0x1000;   /* memsz 0x2000 */
    expect_image_refused(4 * MIB, img, E_NOT_FIT);
    img = std_elf(false, 0);
    ph32(&img, 1)->p_paddr = 0xFFFFF000;
    expect_image_refused(4 * MIB, img, E_NOT_FIT);
    img = std_elf(false, 0);
    ph32(&img, 1)->p_memsz = 0xFFFFFFFF;
    expect_image_refused(4 * MIB, img, E_NOT_FIT);
    img = std_elf(true, 0);
    ph64(&img, 1)->p_paddr = 0xFFFFFFFFFFFFF000ull;   /* paddr + memsz wraps */
    expect_image_refused(4 * MIB, img, E_NOT_FIT);
    img = std_elf(true, 0);
    ph64(&img, 1)->p_memsz = UINT64_MAX;
    expect_image_refused(4 * MIB, img, E_NOT_FIT);
    img = std_elf(true, 0);
    ph64(&img, 1)->p_paddr = 0x100000000ull;
    expect_image_refused(4 * MIB, img, E_NOT_FIT);
}

static void test_refuses_bad_entry(void **state)
{
    (void)state;
    const char *outside = "ELF entry point is outside the loaded segments";
    const char *above = "ELF entry point is above 4 GiB";
    struct image img = std_elf(false, 0);
    eh32(&img)->e_entry = 0x200000;
    expect_image_refused(4 * MIB, img, outside);
    img = std_elf(false, 0);
    eh32(&img)->e_entry = 0x101800;              /* one past segment 0 */
    expect_image_refused(4 * MIB, img, outside);
    img = std_elf(false, 0);
    eh32(&img)->e_entry = 0xFFFFF;               /* one before it */
    expect_image_refused(4 * MIB, img, outside);
    img = std_elf(false, 0xC0000000);
    eh32(&img)->e_entry = 0xC0104000;            /* one past the bss, virtually */
    expect_image_refused(4 * MIB, img, outside);

    /* 64-bit entries no segment maps down below 4 GiB. */
    img = std_elf(true, 0);
    eh64(&img)->e_entry = 0xFFFFFFFF80100010ull;
    expect_image_refused(4 * MIB, img, above);
    img = std_elf(true, 0);
    eh64(&img)->e_entry = 0x100000000ull + 0x100010;
    expect_image_refused(4 * MIB, img, above);
    img = std_elf(true, 0xFFFFFFFF80000000ull);
    eh64(&img)->e_entry = UINT64_MAX;
    expect_image_refused(4 * MIB, img, above);
}

static void test_refuses_info_area_overlap(void **state)
{
    (void)state;
    static const uint32_t bad[][2] = {   /* paddr, memsz */
        { 0x9000, 0x10 }, { 0x8000, 0x1001 }, { 0x9FFFF, 1 }, { 0x50000, 0x10 },
        { 0x0, 0x100000 }, { 0x9FC00, 0x400 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct seg s[1] = { { ELF_PT_LOAD, 0x1000, bad[i][0], bad[i][0], 0, bad[i][1] } };
        struct image img = build_elf(false, bad[i][0], s, 1, 0x2000, 0x100, 0);
        expect_image_refused(4 * MIB, img, E_OVERLAP);
    }
    /* a.out whose bss reaches into the area. */
    struct aout a = { 0x4040, 0x4000, 0x5000, 0x9001, 0x4000 };
    expect_image_refused(4 * MIB, build_aout(0x2000, 0x40, &a, 0), E_OVERLAP);

    /* A low kernel whose module would land on the area. */
    struct seg s[1] = { { ELF_PT_LOAD, 0x1000, 0x1000, 0x1000, 0x1000, 0x1000 } };
    struct image img = build_elf(false, 0x1000, s, 1, 0x2000, 0x100, 0);
    unsigned char *d = calloc(1, 0x7001);
    assert_non_null(d);
    struct multiboot_load_request req = req_for(&img, "k");
    req.module[0] = (struct multiboot_module_image){ d, 0x7001, "m" };
    req.nr_modules = 1;
    struct ram *r = ram_new(4 * MIB);
    expect_refusal(r, &req, E_OVERLAP);
    req.module[0].len = 0x7000;                  /* ends exactly at 0x9000 */
    expect_load(r, &req);
    ram_free(r);
    free(d);
    image_free(&img);
}

static void test_refuses_modules_not_fitting(void **state)
{
    (void)state;
    struct image img = std_elf(false, 0);
    unsigned char *d = calloc(1, 4 * MIB);
    assert_non_null(d);
    struct multiboot_load_request req = req_for(&img, "k");
    req.nr_modules = 1;
    struct ram *r = ram_new(4 * MIB);

    req.module[0] = (struct multiboot_module_image){ d, 4 * MIB, "m" };
    expect_refusal(r, &req, E_MODS);
    req.module[0].len = 4 * MIB - STD_END + 1;
    expect_refusal(r, &req, E_MODS);
    req.module[0].len = SIZE_MAX;                /* start + len would wrap */
    expect_refusal(r, &req, E_MODS);
    req.module[0].len = SIZE_MAX - 0x100000 + 1;
    expect_refusal(r, &req, E_MODS);

    req.module[0] = (struct multiboot_module_image){ NULL, 5, "m" };
    expect_refusal(r, &req, "module has no data");
    req.module[0] = (struct multiboot_module_image){ d, 1, "m" };
    req.nr_modules = MULTIBOOT_LOADER_MODULES_MAX + 1;
    expect_refusal(r, &req, "too many modules");

    req.nr_modules = 1;
    req.module[0].len = 4 * MIB - STD_END;       /* fits exactly */
    expect_load(r, &req);
    ram_free(r);
    free(d);
    image_free(&img);
}

static void test_refuses_small_ram(void **state)
{
    (void)state;
    expect_image_refused(2 * MIB - PG, std_elf(false, 0), E_SMALL);
    expect_image_refused(0, std_elf(false, 0), E_SMALL);
}

static void test_refuses_bad_aout(void **state)
{
    (void)state;
    struct {
        struct aout a;
        const char *why;
    } cases[] = {
        { { 0x200040, 0x200041, 0x202800, 0, 0x200100 }, "a.out kludge: load_addr is above header_addr" },
        { { 0x200040, 0x1FFFF0, 0x202800, 0, 0x200100 }, "a.out kludge: load_addr lies before the start of the file" },
        { { 0xFFFFFFFF, 0, 0, 0, 0x100 }, "a.out kludge: load_addr lies before the start of the file" },
        { { 0x200040, 0x200000, 0x20005F, 0, 0x200000 }, "a.out kludge: load_end_addr does not cover the header" },
        { { 0x200040, 0x200000, 0x1000, 0, 0x200000 }, "a.out kludge: load_end_addr does not cover the header" },
        { { 0x200040, 0x200000, 0x203001, 0, 0x200100 }, "a.out kludge: load range extends beyond the file" },
        { { 0x200040, 0x200000, 0xFFFFFFFF, 0, 0x200100 }, "a.out kludge: load range extends beyond the file" },
        { { 0x200040, 0x200000, 0x202800, 0x2027FF, 0x200100 }, "a.out kludge: bss_end_addr is below load_end_addr" },
        { { 0x200040, 0x200000, 0x202800, 0, 0x1FFFFF }, "a.out kludge: entry_addr is outside the loaded image" },
        { { 0x200040, 0x200000, 0x202800, 0, 0x202800 }, "a.out kludge: entry_addr is outside the loaded image" },
        { { 0x200040, 0x200000, 0x202800, 0x205000, 0x204000 }, "a.out kludge: entry_addr is outside the loaded image" },
        { { 0x200040, 0x200000, 0x202800, 0xFFFFFFFF, 0x200100 }, E_NOT_FIT },
        { { 0x400040, 0x400000, 0, 0, 0x400000 }, E_NOT_FIT },     /* [4 MiB, ...) */
        { { 0xFFFFF040, 0xFFFFF000, 0, 0, 0xFFFFF000 }, E_NOT_FIT },/* end past 4 GiB */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_image_refused(4 * MIB, build_aout(STD_LEN, 0x40, &cases[i].a, 0), cases[i].why);

    /* Kludge fields cut off by the end of the file or by byte 8192. */
    struct image img = std_aout();
    img.len = 0x40 + 20;
    expect_image_refused(4 * MIB, img, "Multiboot header is truncated");
    struct aout a = { 0x200000 + 8164, 0x200000, 0, 0, 0x200000 };
    expect_image_refused(4 * MIB, build_aout(0x3000, 8164, &a, 0), "Multiboot header is truncated");
}

static void test_refuses_bad_arguments(void **state)
{
    (void)state;
    struct ram *r = ram_new(4 * MIB);
    struct image img = std_elf(false, 0);
    struct multiboot_load_request req = req_for(&img, "k");
    struct multiboot_load_result res;
    const char *why = NULL;
    assert_int_equal(multiboot_load(NULL, &req, &res, &why), -1);
    assert_non_null(why);
    assert_int_equal(multiboot_load(&r->gm, NULL, &res, NULL), -1);
    assert_int_equal(multiboot_load(&r->gm, &req, NULL, NULL), -1);
    req.kernel = NULL;
    assert_int_equal(multiboot_load(&r->gm, &req, &res, NULL), -1);
    assert_true(ram_untouched(r));
    image_free(&img);
    ram_free(r);
}

/* ---- mutation ------------------------------------------------------------- */

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static const uint64_t interesting[] = {
    0, 1, 2, 0x7f, 0x80, 0xff, 0x1000, 0x8000, 0x9000, 0x9fc00, 0xa0000, 0x100000,
    0x3ff000, 0x400000, 0x7fffffff, 0x80000000, 0xfffff000, 0xffffffff,
    0x100000000ull, 0xffffffff80000000ull, 0x8000000000000000ull, UINT64_MAX - 0xfff,
    UINT64_MAX,
};

static void mutate(unsigned char *buf, size_t *len, size_t mb_off, bool aout, uint64_t *seed)
{
    unsigned n = 1 + (unsigned)(xorshift(seed) % 6);
    for (unsigned k = 0; k < n; k++) {
        uint64_t r = xorshift(seed);
        /* Aim mostly at the headers, where the parsing is. */
        size_t region = (r >> 8) % 3 == 0 ? *len : (r >> 8) % 3 == 1 ? 0x100 : 48;
        size_t base = region == 48 ? mb_off : 0;
        if (base >= *len)
            continue;
        if (region > *len - base)
            region = *len - base;
        if (!region)
            continue;
        size_t off = base + (size_t)(xorshift(seed) % region);
        switch (r % 5) {
        case 0:
            buf[off] = (unsigned char)xorshift(seed);
            break;
        case 1:
            buf[off] ^= (unsigned char)(1u << (xorshift(seed) % 8));
            break;
        case 2: case 3: {
            uint64_t v = interesting[xorshift(seed) % (sizeof interesting / sizeof interesting[0])];
            v += (int64_t)(xorshift(seed) % 3) - 1;
            size_t w = r % 5 == 2 ? 4 : 8;
            off &= ~(size_t)3;
            if (off + w <= *len)
                memcpy(buf + off, &v, w);
            break;
        }
        default:
            if (xorshift(seed) % 4 == 0)
                *len = (size_t)(xorshift(seed) % (*len + 1));
            break;
        }
    }
    /* Keep the header valid most of the time so the kludge fields and the
     * ELF get exercised rather than the checksum. */
    if (xorshift(seed) % 4 && mb_off + 12 <= *len) {
        uint32_t w[3];
        memcpy(w, buf + mb_off, sizeof w);
        w[0] = MULTIBOOT_HEADER_MAGIC;
        if (aout)
            w[1] |= MULTIBOOT_AOUT_KLUDGE;
        w[1] &= ~0xFFF8u;
        w[2] = 0u - w[0] - w[1];
        memcpy(buf + mb_off, w, sizeof w);
    }
}

static void test_mutation_no_crash(void **state)
{
    (void)state;
    /* RAM split into extents so writes also cross boundaries. */
    uint64_t lens[4] = { 0x9000, 0x101000 - 0x9000, 0x3000, 4 * MIB - 0x104000 };
    struct ram *r = ram_new_split(lens, 4);
    unsigned char mod_a[100], mod_b[0x1800];
    memset(mod_a, 0x11, sizeof mod_a);
    memset(mod_b, 0x22, sizeof mod_b);
    struct image bases[4] = { std_elf(false, 0), std_elf(false, 0xC0000000),
                              std_elf(true, 0xFFFFFFFF80000000ull), std_aout() };
    unsigned ok = 0, refused = 0;
    uint64_t seed = 0x9E3779B97F4A7C15ull;

    for (unsigned it = 0; it < 24000; it++) {
        const struct image *b = &bases[it % 4];
        size_t len = b->len;
        unsigned char *tmp = malloc(len);
        assert_non_null(tmp);
        memcpy(tmp, b->buf, len);
        mutate(tmp, &len, b->mb_off, it % 4 == 3, &seed);
        /* Exactly len bytes, so ASan flags any read past the kernel. */
        unsigned char *k = malloc(len ? len : 1);
        assert_non_null(k);
        memcpy(k, tmp, len);
        free(tmp);

        struct multiboot_load_request req = { .kernel = k, .kernel_len = len, .cmdline = "fuzz x=1" };
        req.module[0] = (struct multiboot_module_image){ mod_a, sizeof mod_a, "a" };
        req.module[1] = (struct multiboot_module_image){ mod_b, sizeof mod_b, "b" };
        req.nr_modules = 2;
        struct multiboot_load_result res = { 0, 0 };
        const char *why = NULL;
        int rc = multiboot_load(&r->gm, &req, &res, &why);
        if (rc == 0) {
            ok++;
            assert_int_equal(res.info_gpa, INFO_GPA);
            assert_true(res.entry < r->gm.size);
            assert_true(res.entry < INFO_GPA || res.entry >= 0xA0000);
            assert_int_equal(ram_u32(r, INFO_GPA), INFO_FLAGS);
            uint32_t mods = ram_u32(r, INFO_GPA + offsetof(struct multiboot_info, mods_addr));
            assert_int_equal(ram_u32(r, mods + 16 + 4) - ram_u32(r, mods + 16), sizeof mod_b);
        } else {
            refused++;
            assert_int_equal(rc, -1);
            assert_non_null(why);
            assert_true(strlen(why) > 0);
        }
        free(k);
    }
    /* The mutator must reach both outcomes to mean anything. */
    assert_true(ok > 500);
    assert_true(refused > 500);
    for (unsigned i = 0; i < 4; i++)
        image_free(&bases[i]);
    ram_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_elf32_loads_segments_and_bss),
        cmocka_unit_test(test_elf32_higher_half_entry_translated),
        cmocka_unit_test(test_elf32_entry_in_second_segment_translated),
        cmocka_unit_test(test_elf32_physical_entry_accepted),
        cmocka_unit_test(test_elf64_loads_and_translates_entry),
        cmocka_unit_test(test_elf64_identity_mapped),
        cmocka_unit_test(test_elf_ignores_non_load_and_empty_segments),
        cmocka_unit_test(test_elf_segment_ending_at_ram_end),
        cmocka_unit_test(test_elf_below_info_area),
        cmocka_unit_test(test_aout_kludge_loads),
        cmocka_unit_test(test_aout_kludge_defaults_and_file_prefix),
        cmocka_unit_test(test_aout_kludge_wins_over_elf),
        cmocka_unit_test(test_header_search_window),
        cmocka_unit_test(test_info_block_and_modules),
        cmocka_unit_test(test_ram_split_over_extents),
        cmocka_unit_test(test_exactly_2mib_and_no_modules),
        cmocka_unit_test(test_module_alignment_and_empty_modules),
        cmocka_unit_test(test_modules_fill_ram_exactly),
        cmocka_unit_test(test_cmdline_fills_info_area_exactly),
        cmocka_unit_test(test_ram_above_4gib),
        cmocka_unit_test(test_refuses_no_header),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_refuses_bad_elf_identity),
        cmocka_unit_test(test_refuses_truncated_elf),
        cmocka_unit_test(test_refuses_bad_program_header_table),
        cmocka_unit_test(test_refuses_bad_segments),
        cmocka_unit_test(test_refuses_segment_outside_ram),
        cmocka_unit_test(test_refuses_bad_entry),
        cmocka_unit_test(test_refuses_info_area_overlap),
        cmocka_unit_test(test_refuses_modules_not_fitting),
        cmocka_unit_test(test_refuses_small_ram),
        cmocka_unit_test(test_refuses_bad_aout),
        cmocka_unit_test(test_refuses_bad_arguments),
        cmocka_unit_test(test_mutation_no_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
