/* SPDX-License-Identifier: BSD-2-Clause */
/* Host paging (boot CPU, once): identity map of RAM and the low 4 GiB of MMIO.
 * Keel's text is read-only and executable; all other memory is non-executable
 * (SDM Vol. 3A 4.5, 4-level paging; PTE bits Table 4-19). */
#include <string.h>
#include "host/palloc.h"
#include "host/paging.h"
#include "arch/x86/x86.h"

#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_PS   (1ull << 7)
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

extern char _kernel_start[], _text_end[], _rodata_end[], _kernel_end[];

uint64_t host_cr3;

static uint64_t *table_at(uint64_t *parent, unsigned idx)
{
    if (!(parent[idx] & PTE_P)) {
        uint64_t page = palloc_page();
        if (!page)
            return NULL;
        parent[idx] = page | PTE_P | PTE_W;
    }
    return (uint64_t *)(uintptr_t)(parent[idx] & PTE_ADDR);
}

static int is_ram(const struct boot_info *bi, uint64_t start, uint64_t end)
{
    for (unsigned i = 0; i < bi->nr_mmap; i++) {
        const struct boot_mmap_entry *e = &bi->mmap[i];
        if (e->type == 1 && e->base <= start && end <= e->base + e->len)
            return 1;
    }
    return 0;
}

/* 4 KiB mappings for a 2 MiB region that holds part of Keel's image. */
static int map_image_region(uint64_t *pd, uint64_t region)
{
    uint64_t pt_phys = palloc_page();
    if (!pt_phys)
        return -1;
    uint64_t *pt = (uint64_t *)(uintptr_t)pt_phys;
    for (unsigned i = 0; i < 512; i++) {
        uint64_t a = region + ((uint64_t)i << 12);
        uint64_t flags = PTE_P | PTE_W | PTE_NX;
        if (a >= (uintptr_t)_kernel_start && a < (uintptr_t)_text_end)
            flags = PTE_P;
        else if (a >= (uintptr_t)_text_end && a < (uintptr_t)_rodata_end)
            flags = PTE_P | PTE_NX;
        pt[i] = a | flags;
    }
    pd[(region >> 21) & 511] = pt_phys | PTE_P | PTE_W;
    return 0;
}

int host_paging_init(const struct boot_info *bi)
{
    uint64_t top = palloc_ram_top();
    if (top < (4ull << 30))
        top = 4ull << 30;           /* LAPIC, IOAPIC, firmware and PCI holes */
    uint64_t pml4_phys = palloc_page();
    if (!pml4_phys)
        return -1;
    uint64_t *pml4 = (uint64_t *)(uintptr_t)pml4_phys;
    uint64_t img_lo = (uintptr_t)_kernel_start & ~(LARGE_PAGE_SIZE - 1);
    uint64_t img_hi = (uintptr_t)_kernel_end;

    for (uint64_t a = 0; a < top; a += LARGE_PAGE_SIZE) {
        uint64_t *pdpt = table_at(pml4, (a >> 39) & 511);
        uint64_t *pd = pdpt ? table_at(pdpt, (a >> 30) & 511) : NULL;
        if (!pd)
            return -1;
        if (a >= img_lo && a < img_hi) {
            if (map_image_region(pd, a))
                return -1;
            continue;
        }
        uint64_t cache = is_ram(bi, a, a + LARGE_PAGE_SIZE) ? 0 : (PTE_PCD | PTE_PWT);
        pd[(a >> 21) & 511] = a | PTE_P | PTE_W | PTE_PS | PTE_NX | cache;
    }
    write_cr0(read_cr0() | CR0_WP);     /* read-only pages bind Keel too */
    host_cr3 = pml4_phys;
    write_cr3(pml4_phys);
    return 0;
}
