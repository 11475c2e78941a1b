/* SPDX-License-Identifier: BSD-2-Clause */
/* GPA->host pointer lookups and copies over a VM's RAM extents; pure, any context (hypervisor and host tests). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "ept/guest_mem.h"

enum xfer_op { XFER_WRITE, XFER_READ, XFER_ZERO };

static const struct guest_extent *find_extent(const struct guest_mem *gm, uint64_t gpa)
{
    /* A corrupt count must not walk off the array. */
    unsigned n = gm->nr_extents < GUEST_MEM_EXTENTS_MAX ? gm->nr_extents : GUEST_MEM_EXTENTS_MAX;

    for (unsigned i = 0; i < n; i++) {
        const struct guest_extent *e = &gm->extent[i];
        if (gpa >= e->gpa && gpa - e->gpa < e->len)
            return e;
    }
    return NULL;
}

/* [gpa, gpa+len) within [0, size), written so gpa+len cannot wrap. */
static bool within_size(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
    return len <= gm->size && gpa <= gm->size - len;
}

void *guest_mem_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
    if (!gm || !within_size(gm, gpa, len))
        return NULL;
    const struct guest_extent *e = find_extent(gm, gpa);
    if (!e)
        return NULL;
    uint64_t off = gpa - e->gpa;
    if (len > e->len - off)
        return NULL;
    return (void *)(uintptr_t)(e->hpa + off);
}

/* One pass over the extents covering the range; with do_it false it only
 * checks coverage, so a failing copy never leaves a partial write. */
static bool walk(const struct guest_mem *gm, uint64_t gpa, uint64_t len, enum xfer_op op,
                 const unsigned char *src, unsigned char *dst, bool do_it)
{
    while (len) {
        const struct guest_extent *e = find_extent(gm, gpa);
        if (!e)
            return false;
        uint64_t off = gpa - e->gpa;
        uint64_t step = e->len - off;
        if (step > len)
            step = len;
        if (do_it) {
            void *host = (void *)(uintptr_t)(e->hpa + off);
            if (op == XFER_WRITE) {
                memcpy(host, src, (size_t)step);
                src += step;
            } else if (op == XFER_READ) {
                memcpy(dst, host, (size_t)step);
                dst += step;
            } else {
                memset(host, 0, (size_t)step);
            }
        }
        /* Cannot wrap: within_size() bounded gpa+len by gm->size. */
        gpa += step;
        len -= step;
    }
    return true;
}

static int xfer(const struct guest_mem *gm, uint64_t gpa, uint64_t len, enum xfer_op op,
                const void *src, void *dst)
{
    if (!gm || !within_size(gm, gpa, len))
        return -1;
    if (len && ((op == XFER_WRITE && !src) || (op == XFER_READ && !dst)))
        return -1;
    if (!walk(gm, gpa, len, op, NULL, NULL, false))
        return -1;
    walk(gm, gpa, len, op, src, dst, true);
    return 0;
}

int guest_mem_write(const struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len)
{
    return xfer(gm, gpa, len, XFER_WRITE, src, NULL);
}

int guest_mem_read(const struct guest_mem *gm, uint64_t gpa, void *dst, uint64_t len)
{
    return xfer(gm, gpa, len, XFER_READ, NULL, dst);
}

int guest_mem_zero(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
    return xfer(gm, gpa, len, XFER_ZERO, NULL, NULL);
}
