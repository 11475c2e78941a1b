/* SPDX-License-Identifier: BSD-2-Clause */
/* AML encoder (pure; runs in Keel at VM setup and in host tests). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "fw/aml.h"

/* ---------------------------------------------------------------- AML */

void aml_init(struct aml *a, uint8_t *buf, size_t cap)
{
    a->buf = buf;
    a->cap = buf ? cap : 0;
    a->len = 0;
    a->error = false;
}

bool aml_ok(const struct aml *a)
{
    return !a->error && a->len <= a->cap;
}

/* Writes only while everything so far fits: once len > cap, nothing is. */
void aml_bytes(struct aml *a, const void *src, size_t n)
{
    if (n && a->len <= a->cap && n <= a->cap - a->len)
        memcpy(a->buf + a->len, src, n);
    a->len += n;
}

void aml_byte(struct aml *a, uint8_t b)
{
    aml_bytes(a, &b, 1);
}

void aml_le(struct aml *a, uint64_t v, unsigned n)
{
    uint8_t b[8];
    for (unsigned i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    aml_bytes(a, b, n);
}

/*
 * PkgLength (20.2.4): lead byte bits 7:6 = count of following bytes. With
 * none, bits 5:0 are the length (0..63); otherwise bits 3:0 are its low
 * nibble and each following byte the next 8 bits.
 */
unsigned aml_pkglen_encode(uint32_t len, uint8_t out[4])
{
    unsigned extra;

    if (len <= 0x3F) {
        out[0] = (uint8_t)len;
        return 1;
    }
    if (len <= 0xFFF)
        extra = 1;
    else if (len <= 0xFFFFF)
        extra = 2;
    else if (len <= 0xFFFFFFF)
        extra = 3;
    else
        return 0;
    out[0] = (uint8_t)((extra << 6) | (len & 0xF));
    for (unsigned i = 1; i <= extra; i++)
        out[i] = (uint8_t)(len >> (4 + 8 * (i - 1)));
    return extra + 1;
}

size_t aml_begin(struct aml *a)
{
    return a->len;
}

void aml_end(struct aml *a, size_t mark)
{
    size_t body = a->len - mark;
    uint8_t enc[4];
    unsigned n = 0;

    /* The length counts its own bytes: take the smallest encoding that fits. */
    for (unsigned size = 1; size <= 4 && !n; size++) {
        if (body + size <= 0x0FFFFFFF) {
            n = aml_pkglen_encode((uint32_t)(body + size), enc);
            if (n != size)
                n = 0;
        }
    }
    if (!n) {
        a->error = true;
        return;
    }
    if (a->len <= a->cap && n <= a->cap - a->len) {
        for (size_t i = a->len; i > mark; i--)
            a->buf[i - 1 + n] = a->buf[i - 1];
        memcpy(a->buf + mark, enc, n);
    }
    a->len += n;
}

void aml_integer(struct aml *a, uint64_t v)
{
    if (v == 0) {
        aml_byte(a, AML_ZERO_OP);
    } else if (v == 1) {
        aml_byte(a, AML_ONE_OP);
    } else if (v <= 0xFF) {
        aml_byte(a, AML_BYTE_PREFIX);
        aml_le(a, v, 1);
    } else if (v <= 0xFFFF) {
        aml_byte(a, AML_WORD_PREFIX);
        aml_le(a, v, 2);
    } else if (v <= 0xFFFFFFFF) {
        aml_byte(a, AML_DWORD_PREFIX);
        aml_le(a, v, 4);
    } else {
        aml_byte(a, AML_QWORD_PREFIX);
        aml_le(a, v, 8);
    }
}

void aml_namestring(struct aml *a, const char *path)
{
    unsigned segs = 0;
    const char *s;

    while (*path == '\\' || *path == '^')
        aml_byte(a, (uint8_t)*path++);
    if (*path)
        segs = 1;
    for (s = path; *s; s++)
        if (*s == '.')
            segs++;
    if (segs == 0) {
        aml_byte(a, AML_ZERO_OP);       /* NullName */
        return;
    }
    if (segs == 2) {
        aml_byte(a, AML_DUAL_NAME_PREFIX);
    } else if (segs > 2) {
        aml_byte(a, AML_MULTI_NAME_PREFIX);
        aml_byte(a, (uint8_t)segs);
    }
    s = path;
    for (unsigned i = 0; i < segs; i++) {
        uint8_t seg[4] = { '_', '_', '_', '_' };
        for (unsigned j = 0; *s && *s != '.'; s++, j++)
            if (j < 4)
                seg[j] = (uint8_t)*s;
        if (*s == '.')
            s++;
        aml_bytes(a, seg, 4);
    }
}

void aml_string(struct aml *a, const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    aml_byte(a, AML_STRING_PREFIX);
    aml_bytes(a, s, n + 1);             /* with the NUL */
}

void aml_name(struct aml *a, const char *path)
{
    aml_byte(a, AML_NAME_OP);
    aml_namestring(a, path);
}

size_t aml_package_begin(struct aml *a, uint8_t nr_elements)
{
    aml_byte(a, AML_PACKAGE_OP);
    size_t mark = aml_begin(a);
    aml_byte(a, nr_elements);
    return mark;
}

size_t aml_scope_begin(struct aml *a, const char *path)
{
    aml_byte(a, AML_SCOPE_OP);
    size_t mark = aml_begin(a);
    aml_namestring(a, path);
    return mark;
}

size_t aml_device_begin(struct aml *a, const char *path)
{
    aml_byte(a, AML_EXT_OP_PREFIX);
    aml_byte(a, AML_DEVICE_OP);
    size_t mark = aml_begin(a);
    aml_namestring(a, path);
    return mark;
}

void aml_buffer(struct aml *a, const uint8_t *bytes, size_t n)
{
    aml_byte(a, AML_BUFFER_OP);
    size_t mark = aml_begin(a);
    aml_integer(a, n);
    aml_bytes(a, bytes, n);
    aml_end(a, mark);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Three letters, 5 bits each (A = 1), then four hex digits; stored big-endian. */
uint32_t aml_eisaid(const char *id)
{
    uint8_t b[4];
    uint32_t vendor = 0;

    for (unsigned i = 0; i < 3; i++) {
        if (id[i] < 'A' || id[i] > 'Z')
            return 0;
        vendor = (vendor << 5) | (uint32_t)(id[i] - 0x40);
    }
    for (unsigned i = 3; i < 7; i++)
        if (hex_digit(id[i]) < 0)
            return 0;
    if (id[7] != '\0')
        return 0;
    b[0] = (uint8_t)(vendor >> 8);
    b[1] = (uint8_t)vendor;
    b[2] = (uint8_t)(hex_digit(id[3]) << 4 | hex_digit(id[4]));
    b[3] = (uint8_t)(hex_digit(id[5]) << 4 | hex_digit(id[6]));
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* ---------------------------------------------- resource descriptors */

/* Small I/O Port Descriptor (6.4.2.5): tag 0x47, 16-bit decode. */
void aml_res_io(struct aml *r, uint16_t min, uint16_t max, uint8_t align, uint8_t len)
{
    aml_byte(r, 0x47);
    aml_byte(r, 0x01);
    aml_le(r, min, 2);
    aml_le(r, max, 2);
    aml_byte(r, align);
    aml_byte(r, len);
}

#define RES_TYPE_MEMORY   0
#define RES_TYPE_IO       1
#define RES_TYPE_BUS      2
/* General flags: producer (bit 0 clear), positive decode, _MIF | _MAF. */
#define RES_GEN_FIXED     0x0C

/* Word Address Space Descriptor (6.4.3.5.3): tag 0x88, 13 data bytes. */
static void res_word(struct aml *r, uint8_t type, uint8_t tflags, uint16_t min, uint16_t max)
{
    aml_byte(r, 0x88);
    aml_le(r, 13, 2);
    aml_byte(r, type);
    aml_byte(r, RES_GEN_FIXED);
    aml_byte(r, tflags);
    aml_le(r, 0, 2);                    /* granularity */
    aml_le(r, min, 2);
    aml_le(r, max, 2);
    aml_le(r, 0, 2);                    /* translation offset */
    aml_le(r, (uint32_t)max - min + 1, 2);
}

void aml_res_word_bus(struct aml *r, uint16_t min, uint16_t max)
{
    res_word(r, RES_TYPE_BUS, 0, min, max);
}

/* I/O type flags: _RNG = 3, both ISA and non-ISA ranges (EntireRange). */
void aml_res_word_io(struct aml *r, uint16_t min, uint16_t max)
{
    res_word(r, RES_TYPE_IO, 0x03, min, max);
}

/* DWord Address Space Descriptor (6.4.3.5.2): tag 0x87, 23 data bytes.
 * Memory flags: _RW = 1, _MEM = cacheable (1) or non-cacheable (0). */
void aml_res_dword_mem(struct aml *r, uint32_t min, uint32_t max, bool cacheable)
{
    aml_byte(r, 0x87);
    aml_le(r, 23, 2);
    aml_byte(r, RES_TYPE_MEMORY);
    aml_byte(r, RES_GEN_FIXED);
    aml_byte(r, (uint8_t)(0x01 | (cacheable ? 0x02 : 0x00)));
    aml_le(r, 0, 4);                    /* granularity */
    aml_le(r, min, 4);
    aml_le(r, max, 4);
    aml_le(r, 0, 4);                    /* translation offset */
    aml_le(r, (uint64_t)max - min + 1, 4);
}

/* End Tag (6.4.2.9); checksum 0 means "treat as valid". */
void aml_res_end(struct aml *r)
{
    aml_byte(r, 0x79);
    aml_byte(r, 0x00);
}
