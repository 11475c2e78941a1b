/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers shared by Keel's libFuzzer targets (see fuzz_common.h). */
#include "tests/fuzz/fuzz_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char *__progname;  /* glibc: the target's name, for the report line */

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "INVARIANT: %s: ", __progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

uint8_t fin_u8(struct fuzz_input *in)
{
    if (!in->left)
        return 0;
    in->left--;
    return *in->p++;
}

size_t fin_bytes(struct fuzz_input *in, void *dst, size_t n)
{
    size_t got = n < in->left ? n : in->left;
    memcpy(dst, in->p, got);
    memset((uint8_t *)dst + got, 0, n - got);
    in->p += got;
    in->left -= got;
    return got;
}

uint16_t fin_u16(struct fuzz_input *in)
{
    uint16_t v;
    fin_bytes(in, &v, sizeof v);
    return v;
}

uint32_t fin_u32(struct fuzz_input *in)
{
    uint32_t v;
    fin_bytes(in, &v, sizeof v);
    return v;
}

uint64_t fin_u64(struct fuzz_input *in)
{
    uint64_t v;
    fin_bytes(in, &v, sizeof v);
    return v;
}

void fuzz_ram_init(struct fuzz_ram *r, uint64_t capacity)
{
    memset(r, 0, sizeof *r);
    r->base = aligned_alloc(4096, capacity);
    if (!r->base) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    r->capacity = capacity;
}

void fuzz_ram_layout(struct fuzz_ram *r, uint64_t size, unsigned nr)
{
    if (size > r->capacity)
        size = r->capacity;
    if (nr == 0 || nr > GUEST_MEM_EXTENTS_MAX)
        nr = 1;
    uint64_t pages = size / 4096, each = pages / nr;
    if (each == 0)
        nr = 1, each = pages;
    memset(&r->gm, 0, sizeof r->gm);
    uint64_t gpa = 0;
    for (unsigned i = 0; i < nr; i++) {
        uint64_t len = (i + 1 == nr ? pages - each * i : each) * 4096;
        r->gm.extent[i] = (struct guest_extent){ gpa, (uint64_t)(uintptr_t)(r->base + gpa), len };
        gpa += len;
    }
    r->gm.nr_extents = pages ? nr : 0;
    r->gm.size = gpa;
}

void fuzz_ram_fill(struct fuzz_ram *r, uint8_t byte)
{
    memset(r->base, byte, r->capacity);
}

int64_t fuzz_ram_find_change(const struct fuzz_ram *r, uint64_t from, uint64_t to, uint8_t byte)
{
    static uint8_t ref[65536];
    if (ref[0] != byte || ref[sizeof ref - 1] != byte)
        memset(ref, byte, sizeof ref);
    for (uint64_t at = from; at < to;) {
        uint64_t n = to - at < sizeof ref ? to - at : sizeof ref;
        if (memcmp(r->base + at, ref, n) != 0) {
            for (uint64_t i = 0; i < n; i++) {
                if (r->base[at + i] != byte)
                    return (int64_t)(at + i);
            }
        }
        at += n;
    }
    return -1;
}

uint64_t fuzz_ram_scan_end(const struct fuzz_ram *r)
{
    uint64_t end = r->gm.size + 0x10000;
    return end < r->capacity ? end : r->capacity;
}
