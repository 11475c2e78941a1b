/* SPDX-License-Identifier: BSD-2-Clause */
/* Guest RAM from the page allocator, in extents (boot CPU, at VM creation). */
#include <string.h>
#include "host/palloc.h"
#include "ept/guest_ram.h"

static int add_chunk(struct guest_mem *gm, uint64_t hpa, uint64_t len)
{
    struct guest_extent *last = gm->nr_extents ? &gm->extent[gm->nr_extents - 1] : NULL;
    if (last && last->hpa + last->len == hpa) {     /* physically contiguous: grow */
        last->len += len;
        return 0;
    }
    if (gm->nr_extents == GUEST_MEM_EXTENTS_MAX)
        return -1;
    uint64_t gpa = last ? last->gpa + last->len : 0;
    gm->extent[gm->nr_extents++] = (struct guest_extent){ gpa, hpa, len };
    return 0;
}

int guest_ram_alloc(struct guest_mem *gm, uint64_t size)
{
    memset(gm, 0, sizeof(*gm));
    if (!size || size % PAGE_SIZE)
        return -1;
    for (uint64_t done = 0; done < size;) {
        uint64_t len = size - done < LARGE_PAGE_SIZE ? size - done : LARGE_PAGE_SIZE;
        uint64_t pages = len / PAGE_SIZE;
        uint64_t hpa = 0;
        if (len == LARGE_PAGE_SIZE)
            hpa = palloc_alloc(pages, LARGE_PAGE_SIZE);   /* lets EPT use 2 MiB leaves */
        if (!hpa)
            hpa = palloc_alloc(pages, PAGE_SIZE);
        if (!hpa || add_chunk(gm, hpa, len)) {
            if (hpa)
                palloc_free(hpa, pages);
            gm->size = done;
            guest_ram_free(gm);
            return -1;
        }
        done += len;
        gm->size = done;
    }
    return 0;
}

int guest_ram_map(const struct guest_mem *gm, struct ept *ept, bool large_pages)
{
    for (unsigned i = 0; i < gm->nr_extents; i++) {
        const struct guest_extent *x = &gm->extent[i];
        if (ept_map(ept, x->gpa, x->hpa, x->len, EPT_RWX, EPT_MT_WB, large_pages))
            return -1;
    }
    return 0;
}

void guest_ram_free(struct guest_mem *gm)
{
    for (unsigned i = 0; i < gm->nr_extents; i++)
        palloc_free(gm->extent[i].hpa, gm->extent[i].len / PAGE_SIZE);
    memset(gm, 0, sizeof(*gm));
}
