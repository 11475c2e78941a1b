/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for the ACPI table builder and AML encoder (fw/acpi_tables.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw/acpi_tables.h"

/* ------------------------------------------------------------ helpers */

static struct acpi_platform plat(unsigned n)
{
    struct acpi_platform p = {
        .nr_cpus = n, .lapic_addr = 0xFEE00000, .ioapic_addr = 0xFEC00000,
        .ioapic_id = (uint8_t)n, .pm1a_evt = 0x600, .pm1a_cnt = 0x604,
        .pm_tmr = 0x608, .sci_irq = 9, .s5_slp_typ = 0,
    };
    return p;
}

static uint8_t sum8(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s = (uint8_t)(s + *p++);
    return s;
}

/* A built set of tables, with the buffer's GPA. */
struct built {
    uint8_t buf[ACPI_TABLES_BUF_SIZE];
    size_t len;
    uint64_t gpa, rsdp_gpa;
    struct acpi_rsdp rsdp;
    struct acpi_fadt fadt;
    const uint8_t *xsdt, *fadt_p, *madt, *dsdt, *facs;
};

static struct built B;

static const uint8_t *at(const struct built *b, uint64_t gpa, size_t n)
{
    assert_true(gpa >= b->gpa);
    assert_true(gpa - b->gpa + n <= b->len);
    return b->buf + (gpa - b->gpa);
}

/* Checks signature, length and checksum of the table at gpa. */
static const uint8_t *table(const struct built *b, uint64_t gpa, const char *sig)
{
    struct acpi_table_header h;
    const uint8_t *t = at(b, gpa, sizeof(h));
    memcpy(&h, t, sizeof(h));
    assert_memory_equal(h.signature, sig, 4);
    assert_true(h.length >= sizeof(h));
    at(b, gpa, h.length);
    assert_int_equal(sum8(t, h.length), 0);
    assert_memory_equal(h.oem_id, "KEEL  ", 6);
    assert_memory_equal(h.oem_table_id, "KEELVM  ", 8);
    return t;
}

static uint32_t tlen(const uint8_t *t)
{
    uint32_t l;
    memcpy(&l, t + 4, 4);
    return l;
}

static void build_p(const struct acpi_platform *p, uint64_t gpa)
{
    memset(&B, 0, sizeof(B));
    B.gpa = gpa;
    B.len = acpi_build_tables(p, B.buf, sizeof(B.buf), gpa, &B.rsdp_gpa);
    assert_true(B.len > 0);
    memcpy(&B.rsdp, at(&B, B.rsdp_gpa, sizeof(B.rsdp)), sizeof(B.rsdp));

    B.xsdt = table(&B, B.rsdp.xsdt_address, "XSDT");
    assert_int_equal(tlen(B.xsdt), 36 + 2 * 8);
    uint64_t e[2];
    memcpy(e, B.xsdt + 36, sizeof(e));
    B.fadt_p = table(&B, e[0], "FACP");
    B.madt = table(&B, e[1], "APIC");
    assert_int_equal(tlen(B.fadt_p), sizeof(struct acpi_fadt));
    memcpy(&B.fadt, B.fadt_p, sizeof(B.fadt));
    B.dsdt = table(&B, B.fadt.x_dsdt, "DSDT");
    uint64_t facs = B.fadt.firmware_ctrl ? B.fadt.firmware_ctrl : B.fadt.x_firmware_ctrl;
    B.facs = at(&B, facs, sizeof(struct acpi_facs));
}

static void emit_expect(const struct aml *a, const uint8_t *want, size_t n)
{
    assert_true(aml_ok(a));
    assert_int_equal(a->len, n);
    assert_memory_equal(a->buf, want, n);
}

/* ------------------------------------------------- tiny AML walker */

#define MAX_OBJS 512

struct obj {
    char path[48];              /* absolute, e.g. "\\_SB_.PCI0._HID" */
    bool device;
    const uint8_t *data;        /* DataRefObject of a Name, NULL for a Device */
};

struct ns {
    struct obj o[MAX_OBJS];
    unsigned n;
};

static struct ns NS;

/* Reads a PkgLength at *pp; returns the end of the package it delimits. */
static const uint8_t *pkg_end(const uint8_t **pp, const uint8_t *end)
{
    const uint8_t *start = *pp;
    assert_true(start < end);
    unsigned extra = start[0] >> 6;
    uint32_t len;
    if (extra == 0) {
        len = start[0] & 0x3F;
    } else {
        assert_int_equal(start[0] & 0x30, 0);
        assert_true(start + 1 + extra <= end);
        len = start[0] & 0x0F;
        for (unsigned i = 0; i < extra; i++)
            len |= (uint32_t)start[1 + i] << (4 + 8 * i);
    }
    assert_true(len >= extra + 1);
    assert_true(start + len <= end);
    *pp = start + 1 + extra;
    return start + len;
}

static bool lead_char(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || c == '_';
}

static bool name_char(uint8_t c)
{
    return lead_char(c) || (c >= '0' && c <= '9');
}

/* Parses a NameString relative to scope into an absolute dotted path. */
static void namestring(const uint8_t **pp, const uint8_t *end, const char *scope, char *out)
{
    const uint8_t *p = *pp;
    char path[48];
    unsigned segs;

    if (p < end && *p == '\\') {
        strcpy(path, "\\");
        p++;
    } else {
        strcpy(path, scope);
        while (p < end && *p == '^') {
            char *dot = strrchr(path, '.');
            if (dot)
                *dot = '\0';
            else
                strcpy(path, "\\");
            p++;
        }
    }
    assert_true(p < end);
    if (*p == 0x00) {
        segs = 0;
        p++;
    } else if (*p == 0x2E) {
        segs = 2;
        p++;
    } else if (*p == 0x2F) {
        assert_true(p + 1 < end);
        segs = p[1];
        p += 2;
    } else {
        segs = 1;
    }
    for (unsigned i = 0; i < segs; i++) {
        assert_true(p + 4 <= end);
        assert_true(lead_char(p[0]));
        for (unsigned j = 1; j < 4; j++)
            assert_true(name_char(p[j]));
        if (strcmp(path, "\\") != 0)
            strcat(path, ".");
        strncat(path, (const char *)p, 4);
        p += 4;
    }
    strcpy(out, path);
    *pp = p;
}

/* Skips one DataRefObject (the subset Keel emits), checking it is well formed. */
static void data_object(const uint8_t **pp, const uint8_t *end)
{
    const uint8_t *p = *pp;
    assert_true(p < end);
    switch (*p++) {
    case 0x00: case 0x01: case 0xFF:
        break;
    case 0x0A: p += 1; break;
    case 0x0B: p += 2; break;
    case 0x0C: p += 4; break;
    case 0x0E: p += 8; break;
    case 0x0D:
        while (p < end && *p)
            assert_true(*p++ < 0x80);
        p++;
        break;
    case 0x11: {
        const uint8_t *e = pkg_end(&p, end);
        data_object(&p, e);         /* BufferSize */
        p = e;
        break;
    }
    case 0x12: {
        const uint8_t *e = pkg_end(&p, end);
        assert_true(p < e);
        unsigned n = *p++, got = 0;
        while (p < e) {
            data_object(&p, e);
            got++;
        }
        assert_int_equal(got, n);
        break;
    }
    default:
        fail_msg("unexpected data opcode 0x%02x", p[-1]);
    }
    assert_true(p <= end);
    *pp = p;
}

static void add_obj(struct ns *ns, const char *path, bool device, const uint8_t *data)
{
    assert_true(ns->n < MAX_OBJS);
    for (unsigned i = 0; i < ns->n; i++)
        assert_string_not_equal(ns->o[i].path, path);
    strcpy(ns->o[ns->n].path, path);
    ns->o[ns->n].device = device;
    ns->o[ns->n].data = data;
    ns->n++;
}

static void term_list(const uint8_t *p, const uint8_t *end, const char *scope, struct ns *ns)
{
    char path[48];

    while (p < end) {
        if (*p == 0x08) {                       /* Name */
            p++;
            namestring(&p, end, scope, path);
            add_obj(ns, path, false, p);
            data_object(&p, end);
        } else if (*p == 0x10) {                /* Scope */
            p++;
            const uint8_t *e = pkg_end(&p, end);
            namestring(&p, e, scope, path);
            term_list(p, e, path, ns);
            p = e;
        } else if (p[0] == 0x5B && p + 1 < end && p[1] == 0x82) {   /* Device */
            p += 2;
            const uint8_t *e = pkg_end(&p, end);
            namestring(&p, e, scope, path);
            add_obj(ns, path, true, NULL);
            term_list(p, e, path, ns);
            p = e;
        } else {
            fail_msg("unexpected opcode 0x%02x", *p);
        }
    }
    assert_ptr_equal(p, end);
}

static void walk_dsdt(const uint8_t *dsdt)
{
    memset(&NS, 0, sizeof(NS));
    term_list(dsdt + 36, dsdt + tlen(dsdt), "\\", &NS);
}

static const struct obj *find(const char *path)
{
    for (unsigned i = 0; i < NS.n; i++)
        if (strcmp(NS.o[i].path, path) == 0)
            return &NS.o[i];
    return NULL;
}

static uint64_t int_at(const uint8_t **pp)
{
    const uint8_t *p = *pp;
    uint64_t v = 0;
    unsigned n = 0;
    switch (*p++) {
    case 0x00: v = 0; break;
    case 0x01: v = 1; break;
    case 0x0A: n = 1; break;
    case 0x0B: n = 2; break;
    case 0x0C: n = 4; break;
    case 0x0E: n = 8; break;
    default: fail_msg("not an integer: 0x%02x", p[-1]);
    }
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)*p++ << (8 * i);
    *pp = p;
    return v;
}

static uint64_t named_int(const char *path)
{
    const struct obj *o = find(path);
    assert_non_null(o);
    const uint8_t *p = o->data;
    return int_at(&p);
}

/* Elements of the Package at p: their starts, and their count. */
static unsigned package(const uint8_t *p, const uint8_t **elems, unsigned max)
{
    assert_int_equal(*p, 0x12);
    p++;
    const uint8_t *e = pkg_end(&p, p + 0x10000);
    unsigned n = *p++;
    assert_true(n <= max);
    for (unsigned i = 0; i < n; i++) {
        elems[i] = p;
        data_object(&p, e);
    }
    assert_ptr_equal(p, e);
    return n;
}

/* Bytes and size of the Buffer at p. */
static const uint8_t *buffer(const uint8_t *p, size_t *n)
{
    assert_int_equal(*p, 0x11);
    p++;
    const uint8_t *e = pkg_end(&p, p + 0x10000);
    *n = (size_t)int_at(&p);
    assert_int_equal(p + *n, e);
    return p;
}

/* ------------------------------------------------ AML encoder tests */

static void test_pkglen_encode(void **state)
{
    (void)state;
    static const struct { uint32_t v; unsigned n; uint8_t b[4]; } cases[] = {
        { 0, 1, { 0x00 } },
        { 1, 1, { 0x01 } },
        { 63, 1, { 0x3F } },
        { 64, 2, { 0x40, 0x04 } },
        { 65, 2, { 0x41, 0x04 } },
        { 0x123, 2, { 0x43, 0x12 } },
        { 4095, 2, { 0x4F, 0xFF } },
        { 4096, 3, { 0x80, 0x00, 0x01 } },
        { 0xFFFFF, 3, { 0x8F, 0xFF, 0xFF } },
        { 0x100000, 4, { 0xC0, 0x00, 0x00, 0x01 } },
        { 0xFFFFFFF, 4, { 0xCF, 0xFF, 0xFF, 0xFF } },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t out[4] = { 0 };
        assert_int_equal(aml_pkglen_encode(cases[i].v, out), cases[i].n);
        assert_memory_equal(out, cases[i].b, cases[i].n);
    }
    uint8_t out[4];
    assert_int_equal(aml_pkglen_encode(0x10000000, out), 0);
}

/* aml_end() must pick the smallest encoding that can count itself, and
 * move the body intact behind it. */
static void test_pkglen_insert_boundaries(void **state)
{
    (void)state;
    static const struct { size_t body; unsigned n; uint8_t b[3]; } cases[] = {
        { 0, 1, { 0x01 } },
        { 62, 1, { 0x3F } },            /* 62 + 1 = 63 */
        { 63, 2, { 0x41, 0x04 } },      /* 63 + 1 = 64 no longer fits 6 bits: 63 + 2 = 65 */
        { 4093, 2, { 0x4F, 0xFF } },    /* 4093 + 2 = 4095 */
        { 4094, 3, { 0x81, 0x00, 0x01 } },  /* 4094 + 2 = 4096 too big: 4094 + 3 = 4097 */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t body = cases[i].body, cap = 1 + body + cases[i].n;
        uint8_t *buf = malloc(cap);
        struct aml a;
        assert_non_null(buf);
        aml_init(&a, buf, cap);
        aml_byte(&a, 0x12);
        size_t m = aml_begin(&a);
        for (size_t j = 0; j < body; j++)
            aml_byte(&a, (uint8_t)(j * 7 + 3));
        aml_end(&a, m);
        assert_true(aml_ok(&a));
        assert_int_equal(a.len, cap);
        assert_int_equal(buf[0], 0x12);
        assert_memory_equal(buf + 1, cases[i].b, cases[i].n);
        for (size_t j = 0; j < body; j++)
            assert_int_equal(buf[1 + cases[i].n + j], (uint8_t)(j * 7 + 3));
        /* The walker's decoder agrees. */
        const uint8_t *p = buf + 1;
        assert_ptr_equal(pkg_end(&p, buf + cap), buf + cap);
        free(buf);
    }
}

static void test_integer_encodings(void **state)
{
    (void)state;
    static const struct { uint64_t v; size_t n; uint8_t b[9]; } cases[] = {
        { 0, 1, { 0x00 } },
        { 1, 1, { 0x01 } },
        { 2, 2, { 0x0A, 0x02 } },
        { 0xFF, 2, { 0x0A, 0xFF } },
        { 0x100, 3, { 0x0B, 0x00, 0x01 } },
        { 0xFFFF, 3, { 0x0B, 0xFF, 0xFF } },
        { 0x10000, 5, { 0x0C, 0x00, 0x00, 0x01, 0x00 } },
        { 0xFFFFFFFF, 5, { 0x0C, 0xFF, 0xFF, 0xFF, 0xFF } },
        { 0x100000000ull, 9, { 0x0E, 0, 0, 0, 0, 0x01, 0, 0, 0 } },
        { 0x0123456789ABCDEFull, 9, { 0x0E, 0xEF, 0xCD, 0xAB, 0x89, 0x67, 0x45, 0x23, 0x01 } },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[16];
        struct aml a;
        aml_init(&a, buf, sizeof(buf));
        aml_integer(&a, cases[i].v);
        emit_expect(&a, cases[i].b, cases[i].n);
    }
}

static void test_namestrings(void **state)
{
    (void)state;
    static const struct { const char *path; size_t n; uint8_t b[20]; } cases[] = {
        { "_S5_", 4, { '_', 'S', '5', '_' } },
        { "\\_S5_", 5, { 0x5C, '_', 'S', '5', '_' } },
        { "\\_SB_.PCI0", 10, { 0x5C, 0x2E, '_', 'S', 'B', '_', 'P', 'C', 'I', '0' } },
        { "\\_SB.PCI0", 10, { 0x5C, 0x2E, '_', 'S', 'B', '_', 'P', 'C', 'I', '0' } },
        { "\\_SB_.PCI0._PRT", 15, { 0x5C, 0x2F, 0x03, '_', 'S', 'B', '_', 'P', 'C', 'I', '0',
                                   '_', 'P', 'R', 'T' } },
        { "^^FOO", 6, { 0x5E, 0x5E, 'F', 'O', 'O', '_' } },
        { "\\", 2, { 0x5C, 0x00 } },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[32];
        struct aml a;
        aml_init(&a, buf, sizeof(buf));
        aml_namestring(&a, cases[i].path);
        emit_expect(&a, cases[i].b, cases[i].n);
    }
}

static void test_named_objects(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct aml a;

    static const uint8_t name_uid[] = { 0x08, '_', 'U', 'I', 'D', 0x00 };
    aml_init(&a, buf, sizeof(buf));
    aml_name(&a, "_UID");
    aml_integer(&a, 0);
    emit_expect(&a, name_uid, sizeof(name_uid));

    static const uint8_t name_hid[] = { 0x08, '_', 'H', 'I', 'D', 0x0C, 0x41, 0xD0, 0x0A, 0x03 };
    aml_init(&a, buf, sizeof(buf));
    aml_name(&a, "_HID");
    aml_integer(&a, aml_eisaid("PNP0A03"));
    emit_expect(&a, name_hid, sizeof(name_hid));

    static const uint8_t str[] = { 0x0D, 'A', 'C', 'P', 'I', '0', '0', '0', '7', 0x00 };
    aml_init(&a, buf, sizeof(buf));
    aml_string(&a, "ACPI0007");
    emit_expect(&a, str, sizeof(str));
}

static void test_device_scope_package_buffer(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct aml a;
    size_t m;

    static const uint8_t dev_empty[] = { 0x5B, 0x82, 0x05, 'T', 'E', 'S', 'T' };
    aml_init(&a, buf, sizeof(buf));
    m = aml_device_begin(&a, "TEST");
    aml_end(&a, m);
    emit_expect(&a, dev_empty, sizeof(dev_empty));

    static const uint8_t dev_uid[] = { 0x5B, 0x82, 0x0B, 'T', 'E', 'S', 'T',
                                       0x08, '_', 'U', 'I', 'D', 0x01 };
    aml_init(&a, buf, sizeof(buf));
    m = aml_device_begin(&a, "TEST");
    aml_name(&a, "_UID");
    aml_integer(&a, 1);
    aml_end(&a, m);
    emit_expect(&a, dev_uid, sizeof(dev_uid));

    static const uint8_t scope[] = { 0x10, 0x06, 0x5C, '_', 'S', 'B', '_' };
    aml_init(&a, buf, sizeof(buf));
    m = aml_scope_begin(&a, "\\_SB_");
    aml_end(&a, m);
    emit_expect(&a, scope, sizeof(scope));

    static const uint8_t pkg2[] = { 0x12, 0x05, 0x02, 0x01, 0x0A, 0x02 };
    aml_init(&a, buf, sizeof(buf));
    m = aml_package_begin(&a, 2);
    aml_integer(&a, 1);
    aml_integer(&a, 2);
    aml_end(&a, m);
    emit_expect(&a, pkg2, sizeof(pkg2));

    static const uint8_t pkg0[] = { 0x12, 0x02, 0x00 };
    aml_init(&a, buf, sizeof(buf));
    m = aml_package_begin(&a, 0);
    aml_end(&a, m);
    emit_expect(&a, pkg0, sizeof(pkg0));

    static const uint8_t end_tag[] = { 0x79, 0x00 };
    static const uint8_t buf2[] = { 0x11, 0x05, 0x0A, 0x02, 0x79, 0x00 };
    aml_init(&a, buf, sizeof(buf));
    aml_buffer(&a, end_tag, sizeof(end_tag));
    emit_expect(&a, buf2, sizeof(buf2));

    static const uint8_t one = 0xAA;
    static const uint8_t buf1[] = { 0x11, 0x03, 0x01, 0xAA };
    aml_init(&a, buf, sizeof(buf));
    aml_buffer(&a, &one, 1);
    emit_expect(&a, buf1, sizeof(buf1));

    static const uint8_t buf0[] = { 0x11, 0x02, 0x00 };
    aml_init(&a, buf, sizeof(buf));
    aml_buffer(&a, NULL, 0);
    emit_expect(&a, buf0, sizeof(buf0));

    /* Nested: Scope (\_SB) { Device (PCI0) { Name (_UID, Zero) } }: the scope
     * body is 5 (name) + 13 (device), so its PkgLength is 19. */
    static const uint8_t nested[] = { 0x10, 0x13, 0x5C, '_', 'S', 'B', '_',
                                      0x5B, 0x82, 0x0B, 'P', 'C', 'I', '0',
                                      0x08, '_', 'U', 'I', 'D', 0x00 };
    aml_init(&a, buf, sizeof(buf));
    size_t s = aml_scope_begin(&a, "\\_SB_");
    m = aml_device_begin(&a, "PCI0");
    aml_name(&a, "_UID");
    aml_integer(&a, 0);
    aml_end(&a, m);
    aml_end(&a, s);
    emit_expect(&a, nested, sizeof(nested));
}

static void test_eisaid(void **state)
{
    (void)state;
    assert_int_equal(aml_eisaid("PNP0A03"), 0x030AD041);
    assert_int_equal(aml_eisaid("PNP0A08"), 0x080AD041);
    assert_int_equal(aml_eisaid("PNP0C0F"), 0x0F0CD041);
    assert_int_equal(aml_eisaid("PNP0303"), 0x0303D041);
    assert_int_equal(aml_eisaid("ABC1234"), 0x34124304);
    assert_int_equal(aml_eisaid("pnp0a03"), 0);
    assert_int_equal(aml_eisaid("PNP0A0"), 0);
    assert_int_equal(aml_eisaid("PNP0A0G"), 0);
    assert_int_equal(aml_eisaid("PNP0A030"), 0);
}

static void test_resource_descriptors(void **state)
{
    (void)state;
    uint8_t buf[32];
    struct aml r;

    static const uint8_t io[] = { 0x47, 0x01, 0xF8, 0x0C, 0xF8, 0x0C, 0x01, 0x08 };
    aml_init(&r, buf, sizeof(buf));
    aml_res_io(&r, 0xCF8, 0xCF8, 1, 8);
    emit_expect(&r, io, sizeof(io));

    static const uint8_t bus[] = { 0x88, 0x0D, 0x00, 0x02, 0x0C, 0x00, 0x00, 0x00,
                                   0x00, 0x00, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x01 };
    aml_init(&r, buf, sizeof(buf));
    aml_res_word_bus(&r, 0, 0xFF);
    emit_expect(&r, bus, sizeof(bus));

    static const uint8_t wio[] = { 0x88, 0x0D, 0x00, 0x01, 0x0C, 0x03, 0x00, 0x00,
                                   0x00, 0x0D, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0xF3 };
    aml_init(&r, buf, sizeof(buf));
    aml_res_word_io(&r, 0x0D00, 0xFFFF);
    emit_expect(&r, wio, sizeof(wio));

    static const uint8_t mem[] = { 0x87, 0x17, 0x00, 0x00, 0x0C, 0x01,
                                   0x00, 0x00, 0x00, 0x00,  0x00, 0x00, 0x00, 0xE0,
                                   0xFF, 0xFF, 0xBF, 0xFE,  0x00, 0x00, 0x00, 0x00,
                                   0x00, 0x00, 0xC0, 0x1E };
    aml_init(&r, buf, sizeof(buf));
    aml_res_dword_mem(&r, 0xE0000000, 0xFEBFFFFF, false);
    emit_expect(&r, mem, sizeof(mem));

    static const uint8_t vga[] = { 0x87, 0x17, 0x00, 0x00, 0x0C, 0x03,
                                   0x00, 0x00, 0x00, 0x00,  0x00, 0x00, 0x0A, 0x00,
                                   0xFF, 0xFF, 0x0B, 0x00,  0x00, 0x00, 0x00, 0x00,
                                   0x00, 0x00, 0x02, 0x00 };
    aml_init(&r, buf, sizeof(buf));
    aml_res_dword_mem(&r, 0xA0000, 0xBFFFF, true);
    emit_expect(&r, vga, sizeof(vga));

    static const uint8_t end[] = { 0x79, 0x00 };
    aml_init(&r, buf, sizeof(buf));
    aml_res_end(&r);
    emit_expect(&r, end, sizeof(end));
}

/* Too little room: nothing written past cap, not ok, lengths still counted. */
static void test_emitter_overflow(void **state)
{
    (void)state;
    for (size_t cap = 0; cap < 13; cap++) {
        uint8_t *buf = malloc(cap ? cap : 1);
        struct aml a;
        assert_non_null(buf);
        aml_init(&a, buf, cap);
        size_t m = aml_device_begin(&a, "TEST");
        aml_name(&a, "_UID");
        aml_integer(&a, 1);
        aml_end(&a, m);
        assert_false(aml_ok(&a));
        assert_int_equal(a.len, 13);
        free(buf);
    }
    struct aml a;
    aml_init(&a, NULL, 100);            /* measuring */
    aml_string(&a, "ACPI0007");
    assert_int_equal(a.len, 10);
    assert_false(aml_ok(&a));
}

/* ---------------------------------------------------- table tests */

static void check_rsdp(void)
{
    assert_int_equal(B.rsdp_gpa % 16, 0);
    assert_true(B.rsdp_gpa - B.gpa < 16);
    assert_memory_equal(B.rsdp.signature, "RSD PTR ", 8);
    assert_int_equal(B.rsdp.revision, 2);
    assert_int_equal(B.rsdp.length, 36);
    assert_memory_equal(B.rsdp.oem_id, "KEEL  ", 6);
    const uint8_t *r = at(&B, B.rsdp_gpa, 36);
    assert_int_equal(sum8(r, 20), 0);
    assert_int_equal(sum8(r, 36), 0);
}

static void check_fadt(const struct acpi_platform *p, bool low)
{
    const struct acpi_fadt *f = &B.fadt;
    uint64_t facs = low ? f->firmware_ctrl : f->x_firmware_ctrl;

    assert_int_equal(f->hdr.revision, 6);
    assert_int_equal(f->sci_int, p->sci_irq);
    assert_int_equal(f->smi_cmd, 0);
    assert_int_equal(f->acpi_enable, 0);
    assert_int_equal(f->acpi_disable, 0);
    assert_int_equal(f->pm1a_evt_blk, p->pm1a_evt);
    assert_int_equal(f->pm1a_cnt_blk, p->pm1a_cnt);
    assert_int_equal(f->pm_tmr_blk, p->pm_tmr);
    assert_int_equal(f->pm1b_evt_blk, 0);
    assert_int_equal(f->pm1b_cnt_blk, 0);
    assert_int_equal(f->pm2_cnt_blk, 0);
    assert_int_equal(f->gpe0_blk, 0);
    assert_int_equal(f->gpe1_blk, 0);
    assert_int_equal(f->pm1_evt_len, 4);
    assert_int_equal(f->pm1_cnt_len, 2);
    assert_int_equal(f->pm_tmr_len, 4);
    assert_true(f->p_lvl2_lat > 100);
    assert_true(f->p_lvl3_lat > 1000);
    assert_int_equal(f->iapc_boot_arch, ACPI_BOOT_LEGACY_DEVICES | ACPI_BOOT_8042);
    uint32_t must = ACPI_FADT_WBINVD | ACPI_FADT_PROC_C1 | ACPI_FADT_SLP_BUTTON |
                    ACPI_FADT_RESET_REG_SUP;
    assert_int_equal(f->flags & must, must);
    assert_int_equal(f->flags & (ACPI_FADT_TMR_VAL_EXT | ACPI_FADT_HW_REDUCED |
                                 ACPI_FADT_PWR_BUTTON), 0);
    /* Reset register: SystemIO 0xCF9, byte, value 6 */
    assert_int_equal(f->reset_reg.space_id, ACPI_GAS_SYSTEM_IO);
    assert_int_equal(f->reset_reg.bit_width, 8);
    assert_int_equal(f->reset_reg.bit_offset, 0);
    assert_int_equal(f->reset_reg.address, 0xCF9);
    assert_int_equal(f->reset_value, 6);
    /* X_ blocks mirror the 32-bit ones */
    assert_int_equal(f->x_pm1a_evt_blk.space_id, ACPI_GAS_SYSTEM_IO);
    assert_int_equal(f->x_pm1a_evt_blk.bit_width, 32);
    assert_int_equal(f->x_pm1a_evt_blk.address, p->pm1a_evt);
    assert_int_equal(f->x_pm1a_cnt_blk.space_id, ACPI_GAS_SYSTEM_IO);
    assert_int_equal(f->x_pm1a_cnt_blk.bit_width, 16);
    assert_int_equal(f->x_pm1a_cnt_blk.address, p->pm1a_cnt);
    assert_int_equal(f->x_pm_tmr_blk.space_id, ACPI_GAS_SYSTEM_IO);
    assert_int_equal(f->x_pm_tmr_blk.bit_width, 32);
    assert_int_equal(f->x_pm_tmr_blk.address, p->pm_tmr);
    assert_int_equal(f->x_pm1b_evt_blk.address, 0);
    assert_int_equal(f->x_gpe0_blk.address, 0);
    /* DSDT: both pointers when low; FACS: exactly one pointer */
    assert_int_equal(f->x_dsdt, (uint64_t)(B.dsdt - B.buf) + B.gpa);
    assert_int_equal(f->dsdt, low ? f->x_dsdt : 0);
    if (low)
        assert_int_equal(f->x_firmware_ctrl, 0);
    else
        assert_int_equal(f->firmware_ctrl, 0);
    assert_int_equal(facs % 64, 0);
    struct acpi_facs fs;
    memcpy(&fs, at(&B, facs, sizeof(fs)), sizeof(fs));
    assert_memory_equal(fs.signature, "FACS", 4);
    assert_int_equal(fs.length, 64);
    assert_int_equal(fs.version, 2);
    assert_int_equal(fs.firmware_waking_vector, 0);
}

static void check_sdts(bool low)
{
    uint64_t fadt = (uint64_t)(B.fadt_p - B.buf) + B.gpa;
    uint64_t madt = (uint64_t)(B.madt - B.buf) + B.gpa;
    uint64_t x[2];

    memcpy(x, B.xsdt + 36, sizeof(x));
    assert_int_equal(x[0], fadt);
    assert_int_equal(x[1], madt);
    if (!low) {
        assert_int_equal(B.rsdp.rsdt_address, 0);
        return;
    }
    const uint8_t *rsdt = table(&B, B.rsdp.rsdt_address, "RSDT");
    uint32_t r[2];
    assert_int_equal(tlen(rsdt), 36 + 2 * 4);
    memcpy(r, rsdt + 36, sizeof(r));
    assert_int_equal(r[0], fadt);
    assert_int_equal(r[1], madt);
}

static void check_madt(const struct acpi_platform *p)
{
    struct acpi_madt m;
    memcpy(&m, B.madt, sizeof(m));
    assert_int_equal(m.hdr.revision, ACPI_MADT_REVISION);
    assert_int_equal(m.lapic_address, p->lapic_addr);
    assert_int_equal(m.flags, ACPI_MADT_PCAT_COMPAT);

    const uint8_t *e = B.madt + sizeof(m), *end = B.madt + m.hdr.length;
    unsigned lapics = 0, ioapics = 0, isos = 0, nmis = 0;
    bool irq0 = false, sci = false;
    while (e < end) {
        assert_true(e + 2 <= end);
        assert_true(e[1] >= 2 && e + e[1] <= end);
        switch (e[0]) {
        case ACPI_MADT_TYPE_LAPIC: {
            struct acpi_madt_lapic l;
            assert_int_equal(e[1], sizeof(l));
            memcpy(&l, e, sizeof(l));
            assert_int_equal(l.processor_uid, lapics);
            assert_int_equal(l.apic_id, lapics);
            assert_int_equal(l.flags, ACPI_MADT_LAPIC_ENABLED);
            lapics++;
            break;
        }
        case ACPI_MADT_TYPE_IOAPIC: {
            struct acpi_madt_ioapic io;
            assert_int_equal(e[1], sizeof(io));
            memcpy(&io, e, sizeof(io));
            assert_int_equal(io.ioapic_id, p->ioapic_id);
            assert_int_equal(io.address, p->ioapic_addr);
            assert_int_equal(io.gsi_base, 0);
            ioapics++;
            break;
        }
        case ACPI_MADT_TYPE_ISO: {
            struct acpi_madt_iso iso;
            assert_int_equal(e[1], sizeof(iso));
            memcpy(&iso, e, sizeof(iso));
            assert_int_equal(iso.bus, 0);
            if (iso.source_irq == 0) {
                assert_int_equal(iso.gsi, 2);
                assert_int_equal(iso.flags, 0);
                irq0 = true;
            } else {
                assert_int_equal(iso.source_irq, p->sci_irq);
                assert_int_equal(iso.gsi, p->sci_irq);
                assert_int_equal(iso.flags, ACPI_INTI_POLARITY_HIGH | ACPI_INTI_TRIGGER_LEVEL);
                assert_int_equal(iso.flags, 0x000D);
                sci = true;
            }
            isos++;
            break;
        }
        case ACPI_MADT_TYPE_LAPIC_NMI: {
            struct acpi_madt_lapic_nmi n;
            assert_int_equal(e[1], sizeof(n));
            memcpy(&n, e, sizeof(n));
            assert_int_equal(n.processor_uid, 0xFF);
            assert_int_equal(n.lint, 1);
            assert_int_equal(n.flags, 0);
            nmis++;
            break;
        }
        default:
            fail_msg("unexpected MADT entry type %u", e[0]);
        }
        e += e[1];
    }
    assert_ptr_equal(e, end);
    assert_int_equal(lapics, p->nr_cpus);
    assert_int_equal(ioapics, 1);
    assert_int_equal(isos, 2);
    assert_true(irq0 && sci);
    assert_int_equal(nmis, 1);
}

static void check_s5(uint8_t typ)
{
    const struct obj *o = find("\\_S5_");
    const uint8_t *el[8];
    assert_non_null(o);
    assert_int_equal(package(o->data, el, 8), 4);
    assert_int_equal(int_at(&el[0]), typ);
    assert_int_equal(int_at(&el[1]), typ);
    assert_int_equal(int_at(&el[2]), 0);
    assert_int_equal(int_at(&el[3]), 0);
}

static void check_pci0(void)
{
    const struct obj *o = find("\\_SB_.PCI0");
    assert_non_null(o);
    assert_true(o->device);
    assert_int_equal(named_int("\\_SB_.PCI0._HID"), 0x030AD041);
    assert_int_equal(named_int("\\_SB_.PCI0._UID"), 0);
    assert_int_equal(named_int("\\_SB_.PCI0._BBN"), 0);
    assert_int_equal(named_int("\\_SB_.PCI0._SEG"), 0);

    /* _CRS: walk the resource descriptors. */
    o = find("\\_SB_.PCI0._CRS");
    assert_non_null(o);
    size_t n;
    const uint8_t *r = buffer(o->data, &n), *end = r + n;
    bool bus = false, cfg = false, io_lo = false, io_hi = false, vga = false, mmio = false;
    bool ended = false;
    while (r < end) {
        assert_false(ended);
        if (r[0] & 0x80) {                      /* large */
            uint16_t len = (uint16_t)(r[1] | r[2] << 8);
            assert_true(r + 3 + len <= end);
            if (r[0] == 0x88) {
                assert_int_equal(len, 13);
                uint16_t min = (uint16_t)(r[8] | r[9] << 8), max = (uint16_t)(r[10] | r[11] << 8);
                uint16_t l = (uint16_t)(r[14] | r[15] << 8);
                assert_int_equal(r[4] & 1, 0);   /* producer */
                if (r[3] == 2) {
                    bus = min == 0 && max == 0xFF && l == 0x100;
                } else {
                    assert_int_equal(r[3], 1);
                    assert_int_equal(max - min + 1, l);
                    if (min == 0 && max == 0x0CF7)
                        io_lo = true;
                    if (min == 0x0D00 && max == 0xFFFF)
                        io_hi = true;
                }
            } else {
                assert_int_equal(r[0], 0x87);
                assert_int_equal(len, 23);
                assert_int_equal(r[3], 0);     /* memory */
                uint32_t min, max, l;
                memcpy(&min, r + 10, 4);
                memcpy(&max, r + 14, 4);
                memcpy(&l, r + 22, 4);
                assert_int_equal((uint64_t)max - min + 1, l);
                if (min == 0xA0000 && max == 0xBFFFF)
                    vga = true;
                if (min == ACPI_PCI_MMIO_BASE && max == ACPI_PCI_MMIO_LIMIT)
                    mmio = true;
            }
            r += 3 + len;
        } else {                                /* small */
            unsigned len = r[0] & 7;
            assert_true(r + 1 + len <= end);
            if (r[0] == 0x47) {
                cfg = r[2] == 0xF8 && r[3] == 0x0C && r[4] == 0xF8 && r[5] == 0x0C && r[7] == 8;
            } else {
                assert_int_equal(r[0], 0x79);
                ended = true;
            }
            r += 1 + len;
        }
    }
    assert_ptr_equal(r, end);
    assert_true(ended && bus && cfg && io_lo && io_hi && vga && mmio);

    /* _PRT: every slot 1..31 x INTA..INTD once, at 16 + (slot + pin) % 8. */
    o = find("\\_SB_.PCI0._PRT");
    assert_non_null(o);
    static const uint8_t *el[256];
    unsigned count = package(o->data, el, 256);
    assert_int_equal(count, 31 * 4);
    bool seen[32][4];
    memset(seen, 0, sizeof(seen));
    for (unsigned i = 0; i < count; i++) {
        const uint8_t *f[4];
        assert_int_equal(package(el[i], f, 4), 4);
        uint64_t addr = int_at(&f[0]), pin = int_at(&f[1]);
        uint64_t src = int_at(&f[2]), gsi = int_at(&f[3]);
        unsigned slot = (unsigned)(addr >> 16);
        assert_int_equal(addr & 0xFFFF, 0xFFFF);
        assert_true(slot >= 1 && slot <= 31);
        assert_true(pin < 4);
        assert_int_equal(src, 0);
        assert_int_equal(gsi, 16 + (slot + pin) % 8);
        assert_int_equal(gsi, acpi_pci_intx_gsi(slot, (unsigned)pin));
        assert_false(seen[slot][pin]);
        seen[slot][pin] = true;
    }
}

static void check_cpus(unsigned n)
{
    unsigned devices = 0;
    for (unsigned i = 0; i < NS.n; i++)
        if (NS.o[i].device)
            devices++;
    assert_int_equal(devices, 1 + n);           /* PCI0 + processors */
    for (unsigned i = 0; i < n; i++) {
        char path[32];
        snprintf(path, sizeof(path), "\\_SB_.C%03X", i);
        const struct obj *o = find(path);
        assert_non_null(o);
        assert_true(o->device);
        snprintf(path, sizeof(path), "\\_SB_.C%03X._HID", i);
        o = find(path);
        assert_non_null(o);
        assert_int_equal(o->data[0], 0x0D);
        assert_string_equal((const char *)o->data + 1, "ACPI0007");
        snprintf(path, sizeof(path), "\\_SB_.C%03X._UID", i);
        assert_int_equal(named_int(path), i);
    }
}

static void check_all(const struct acpi_platform *p, uint64_t gpa)
{
    bool low = gpa + B.len <= 0x100000000ull;
    check_rsdp();
    check_sdts(low);
    check_fadt(p, low);
    check_madt(p);
    assert_int_equal(B.dsdt[8], 2);            /* DSDT revision: 64-bit integers */
    walk_dsdt(B.dsdt);
    check_s5(p->s5_slp_typ);
    check_pci0();
    check_cpus(p->nr_cpus);
}

static void run_cpus(unsigned n)
{
    static const uint64_t gpas[] = { 0xE0000, 0xF0000, 0x7FFF0005, 0x9FC01 };
    for (size_t i = 0; i < sizeof(gpas) / sizeof(gpas[0]); i++) {
        struct acpi_platform p = plat(n);
        build_p(&p, gpas[i]);
        check_all(&p, gpas[i]);
    }
}

static void test_tables_1cpu(void **state)
{
    (void)state;
    run_cpus(1);
}

static void test_tables_2cpus(void **state)
{
    (void)state;
    run_cpus(2);
}

static void test_tables_64cpus(void **state)
{
    (void)state;
    run_cpus(64);
}

static void test_all_cpu_counts(void **state)
{
    (void)state;
    for (unsigned n = 1; n <= ACPI_MAX_CPUS; n++) {
        struct acpi_platform p = plat(n);
        build_p(&p, 0xE0000);
        check_all(&p, 0xE0000);
    }
}

static void test_s5_slp_typ_and_sci(void **state)
{
    (void)state;
    for (uint8_t t = 0; t <= 7; t++) {
        struct acpi_platform p = plat(2);
        p.s5_slp_typ = t;
        p.sci_irq = (uint8_t)(t == 2 ? 11 : 9);
        p.pm1a_evt = 0xB000;
        p.pm1a_cnt = 0xB004;
        p.pm_tmr = 0xB008;
        build_p(&p, 0xE0000);
        check_all(&p, 0xE0000);
    }
}

/* Tables above 4 GiB: 64-bit pointers only, no RSDT. */
static void test_above_4g(void **state)
{
    (void)state;
    static const uint64_t gpas[] = { 0x100000003ull, 0xFFFFF800ull, 0x7FFFFFFFF000ull };
    for (size_t i = 0; i < sizeof(gpas) / sizeof(gpas[0]); i++) {
        struct acpi_platform p = plat(4);
        build_p(&p, gpas[i]);
        assert_true(gpas[i] + B.len > 0x100000000ull);
        check_all(&p, gpas[i]);
        assert_int_equal(B.fadt.firmware_ctrl, 0);
        assert_int_equal(B.fadt.dsdt, 0);
        assert_int_not_equal(B.fadt.x_firmware_ctrl, 0);
    }
}

/* Just below 4 GiB still gets the RSDT and 32-bit pointers. */
static void test_just_below_4g(void **state)
{
    (void)state;
    struct acpi_platform p = plat(8);
    build_p(&p, 0);
    size_t len = B.len;
    uint64_t gpa = 0x100000000ull - len;
    gpa &= ~0x3Full;                            /* same alignment as 0 */
    build_p(&p, gpa);
    assert_int_equal(B.len, len);
    check_all(&p, gpa);
    assert_int_not_equal(B.rsdp.rsdt_address, 0);
    assert_int_not_equal(B.fadt.firmware_ctrl, 0);
}

/* RSDP 16-aligned and FACS 64-aligned whatever buf_gpa's alignment. */
static void test_alignment_every_offset(void **state)
{
    (void)state;
    for (uint64_t off = 0; off < 64; off++) {
        struct acpi_platform p = plat(64);
        build_p(&p, 0xE0000 + off);
        assert_true(B.len <= ACPI_TABLES_BUF_SIZE);
        check_all(&p, 0xE0000 + off);
        assert_int_equal(B.rsdp_gpa % 16, 0);
        assert_int_equal(B.fadt.firmware_ctrl % 64, 0);
    }
}

/* Every buffer size below the needed one gives 0 and leaves buf untouched. */
static void test_buf_too_small(void **state)
{
    (void)state;
    static const unsigned cpus[] = { 1, 2, 64 };
    static const uint64_t gpas[] = { 0xE0000, 0x1000000F };
    for (size_t c = 0; c < 3; c++) {
        for (size_t g = 0; g < 2; g++) {
            struct acpi_platform p = plat(cpus[c]);
            build_p(&p, gpas[g]);
            size_t need = B.len;
            for (size_t sz = 0; sz < need; sz++) {
                uint8_t *buf = malloc(sz ? sz : 1);
                uint64_t rsdp = 0x1234;
                assert_non_null(buf);
                memset(buf, 0x5A, sz);
                assert_int_equal(acpi_build_tables(&p, buf, sz, gpas[g], &rsdp), 0);
                assert_int_equal(rsdp, 0x1234);
                for (size_t i = 0; i < sz; i++)
                    if (buf[i] != 0x5A)
                        fail_msg("byte %zu of %zu written", i, sz);
                free(buf);
            }
            /* Exactly enough works (ASan checks nothing past it is touched). */
            uint8_t *buf = malloc(need);
            assert_non_null(buf);
            assert_int_equal(acpi_build_tables(&p, buf, need, gpas[g], NULL), need);
            assert_memory_equal(buf, B.buf, need);
            free(buf);
        }
    }
}

static void test_invalid_platform(void **state)
{
    (void)state;
    static uint8_t buf[ACPI_TABLES_BUF_SIZE];
    struct acpi_platform p;
    uint64_t rsdp;

    p = plat(2);
    assert_int_equal(acpi_build_tables(NULL, buf, sizeof(buf), 0xE0000, &rsdp), 0);
    assert_int_equal(acpi_build_tables(&p, NULL, sizeof(buf), 0xE0000, &rsdp), 0);
    p.nr_cpus = 0;
    assert_int_equal(acpi_build_tables(&p, buf, sizeof(buf), 0xE0000, &rsdp), 0);
    p.nr_cpus = ACPI_MAX_CPUS + 1;
    assert_int_equal(acpi_build_tables(&p, buf, sizeof(buf), 0xE0000, &rsdp), 0);
    p = plat(2);
    p.sci_irq = 0;
    assert_int_equal(acpi_build_tables(&p, buf, sizeof(buf), 0xE0000, &rsdp), 0);
    p.sci_irq = 2;
    assert_int_equal(acpi_build_tables(&p, buf, sizeof(buf), 0xE0000, &rsdp), 0);
    p.sci_irq = 16;
    assert_int_equal(acpi_build_tables(&p, buf, sizeof(buf), 0xE0000, &rsdp), 0);
    p = plat(2);
    p.s5_slp_typ = 8;
    assert_int_equal(acpi_build_tables(&p, buf, sizeof(buf), 0xE0000, &rsdp), 0);
    p = plat(2);                                /* wraps past 2^64 */
    assert_int_equal(acpi_build_tables(&p, buf, sizeof(buf), UINT64_MAX - 100, &rsdp), 0);
}

/* Same inputs, same bytes; nothing written past the returned length. */
static void test_pure_and_bounded(void **state)
{
    (void)state;
    static uint8_t a[ACPI_TABLES_BUF_SIZE], b[ACPI_TABLES_BUF_SIZE];
    struct acpi_platform p = plat(64);
    uint64_t ra, rb;

    memset(a, 0xA5, sizeof(a));
    memset(b, 0x3C, sizeof(b));
    size_t la = acpi_build_tables(&p, a, sizeof(a), 0xE0000, &ra);
    size_t lb = acpi_build_tables(&p, b, sizeof(b), 0xE0000, &rb);
    assert_true(la > 0);
    assert_int_equal(la, lb);
    assert_int_equal(ra, rb);
    assert_memory_equal(a, b, la);
    for (size_t i = la; i < sizeof(a); i++)
        assert_int_equal(a[i], 0xA5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pkglen_encode),
        cmocka_unit_test(test_pkglen_insert_boundaries),
        cmocka_unit_test(test_integer_encodings),
        cmocka_unit_test(test_namestrings),
        cmocka_unit_test(test_named_objects),
        cmocka_unit_test(test_device_scope_package_buffer),
        cmocka_unit_test(test_eisaid),
        cmocka_unit_test(test_resource_descriptors),
        cmocka_unit_test(test_emitter_overflow),
        cmocka_unit_test(test_tables_1cpu),
        cmocka_unit_test(test_tables_2cpus),
        cmocka_unit_test(test_tables_64cpus),
        cmocka_unit_test(test_all_cpu_counts),
        cmocka_unit_test(test_s5_slp_typ_and_sci),
        cmocka_unit_test(test_above_4g),
        cmocka_unit_test(test_just_below_4g),
        cmocka_unit_test(test_alignment_every_offset),
        cmocka_unit_test(test_buf_too_small),
        cmocka_unit_test(test_invalid_platform),
        cmocka_unit_test(test_pure_and_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
