/* SPDX-License-Identifier: BSD-2-Clause */
/* Guest-physical RAM of one VM: extents of host memory and GPA->HVA lookups.
 * Keel identity-maps host memory, so an extent's host address is usable as a
 * pointer; host unit tests build extents over malloc'd buffers the same way. */
#ifndef KEEL_EPT_GUEST_MEM_H
#define KEEL_EPT_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

#define GUEST_MEM_EXTENTS_MAX 64

struct guest_extent {
    uint64_t gpa;       /* guest-physical start */
    uint64_t hpa;       /* host-physical (== host-virtual) start */
    uint64_t len;       /* bytes, multiple of 4 KiB */
};

struct guest_mem {
    uint64_t size;      /* guest RAM covers [0, size) */
    unsigned nr_extents;
    struct guest_extent extent[GUEST_MEM_EXTENTS_MAX]; /* sorted by gpa, contiguous */
};

/* Host pointer for [gpa, gpa+len) if it lies within one extent, else NULL. */
void *guest_mem_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len);

/* Copy into / out of guest RAM, crossing extents. 0 on success, -1 if any
 * byte of the range is outside guest RAM (then nothing is copied). */
int guest_mem_write(const struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len);
int guest_mem_read(const struct guest_mem *gm, uint64_t gpa, void *dst, uint64_t len);
int guest_mem_zero(const struct guest_mem *gm, uint64_t gpa, uint64_t len);

#endif
