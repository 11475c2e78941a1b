/* SPDX-License-Identifier: BSD-2-Clause */
/* Physical page allocator: a bitmap over RAM that never hands out memory used
 * by Keel's image, the boot information or the boot modules. Any CPU (VT-x
 * state and EPT tables are allocated on vCPUs' CPUs at run time). */
#ifndef KEEL_CORE_PALLOC_H
#define KEEL_CORE_PALLOC_H

#include <stddef.h>
#include <stdint.h>
#include "host/bootinfo.h"

#define PAGE_SIZE       ((uint64_t)4096)
#define PAGE_SHIFT      12
#define LARGE_PAGE_SIZE ((uint64_t)2 << 20)
#define PALLOC_MAX_PHYS ((uint64_t)8 << 30)    /* RAM above this is left unused */

void palloc_init(const struct boot_info *bi);
/* Zeroed, physically contiguous run of `pages` pages aligned to `align` bytes
 * (a power of two >= 4 KiB); returns its physical address, 0 when none. */
uint64_t palloc_alloc(uint64_t pages, uint64_t align);
static inline uint64_t palloc_page(void) { return palloc_alloc(1, PAGE_SIZE); }
void palloc_free(uint64_t phys, uint64_t pages);
uint64_t palloc_free_pages(void);
/* Highest address of usable RAM the allocator manages, exclusive. */
uint64_t palloc_ram_top(void);
/* Fill with zeros quickly (rep stos): pages are zeroed on every allocation. */
void zero_bytes(void *p, uint64_t n);

#endif
