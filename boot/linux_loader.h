/* SPDX-License-Identifier: BSD-2-Clause */
/* Linux bzImage guest loader for the 64-bit boot protocol, following QEMU's `-kernel` behaviour.
 * Pure: works on guest RAM through guest_mem, no hardware access. */
#ifndef KEEL_BOOT_LINUX_LOADER_H
#define KEEL_BOOT_LINUX_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include "ept/guest_mem.h"

/*
 * Guest-physical layout (guest RAM is [0, size) at GPA 0):
 *
 *   0x01000 - 0x0101F   GDT: null, null (0x08 unused), 0x10 64-bit code, 0x18 data
 *   0x07000 - 0x07FFF   boot_params (the "zero page")
 *   0x09000 - 0x09FFF   PML4 (CR3)
 *   0x0A000 - 0x0AFFF   PDPT
 *   0x20000 - 0x2FFFF   kernel command line (its length + NUL; at most 64 KiB)
 *   0x30000 - ...       page directories, one per GiB mapped, 2 MiB identity
 *                       pages; at most 108 (up to 0x9C000), so below the EBDA
 *                       and the kernel's 5-level-paging trampoline slot
 *   kernel              relocatable: at pref_address (or the lowest address
 *                       above it, aligned to kernel_alignment, that fits);
 *                       otherwise at 0x100000 (it moves itself to pref_address).
 *                       init_size bytes from where it runs stay reserved.
 *   initrd              page-aligned, as high as possible below initrd_addr_max
 *                       and the end of its e820 RAM range, above the kernel
 *
 * The identity map covers max(4 GiB, end of e820 RAM, end of the kernel)
 * rounded up to 1 GiB, capped at 108 GiB. Everything but the zero page's
 * contents lives in RAM the caller's e820 map reports as usable (type 1), so
 * the guest reclaims it once it has booted.
 */
#define LINUX_GDT_GPA           0x1000ull
#define LINUX_BOOT_PARAMS_GPA   0x7000ull
#define LINUX_PML4_GPA          0x9000ull
#define LINUX_PDPT_GPA          0xA000ull
#define LINUX_CMDLINE_GPA       0x20000ull
#define LINUX_CMDLINE_MAX       0x10000ull  /* bytes including the NUL */
#define LINUX_PD_GPA            0x30000ull
#define LINUX_PD_MAX            108u        /* GiB of identity map at most */
#define LINUX_KERNEL_LOW_GPA    0x100000ull /* non-relocatable kernels */

#define LINUX_BOOT_CS           0x10u       /* __BOOT_CS */
#define LINUX_BOOT_DS           0x18u       /* __BOOT_DS */

#define LINUX_E820_MAX          128u        /* what the zero page holds */

struct linux_e820_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;          /* 1 = RAM, 2 = reserved, 3 = ACPI, 4 = NVS, 5 = unusable */
};

struct linux_load_request {
    const void *kernel;     /* bzImage, protocol 2.12+ with a 64-bit entry point */
    size_t kernel_len;
    const void *initrd;     /* may be NULL when initrd_len is 0 */
    size_t initrd_len;
    const char *cmdline;    /* NUL-terminated; NULL means empty */
    /* The e820 map the guest gets; the caller knows its platform (RAM, BIOS
     * area, ACPI tables...). Everything the loader writes goes into ranges
     * this map reports as RAM. */
    unsigned nr_e820;       /* at most LINUX_E820_MAX */
    const struct linux_e820_entry *e820;
    uint64_t acpi_rsdp_gpa; /* 0 = none; boot_params.acpi_rsdp_addr for protocol 2.14+ */
};

/* The caller starts the vCPU in 64-bit mode with: CR0 = PE|PG|NE (plus ET),
 * CR4 = PAE, EFER = LME|LMA, CR3 = cr3, GDTR = {gdt_gpa, gdt_limit},
 * CS = cs (64-bit code, base 0), DS = ES = SS = ds (flat data), RIP =
 * entry_rip, RSI = boot_params_gpa, RFLAGS = 0x2 (interrupts off). */
struct linux_load_result {
    uint64_t entry_rip;         /* 64-bit entry: load_gpa + 0x200 */
    uint64_t boot_params_gpa;   /* RSI at entry */
    uint64_t cr3;               /* PML4 of the identity map */
    uint64_t gdt_gpa;
    uint16_t gdt_limit;
    uint16_t cs, ds;            /* LINUX_BOOT_CS, LINUX_BOOT_DS */
    uint64_t load_gpa;          /* where the protected-mode kernel was copied */
    uint64_t initrd_gpa;        /* 0 without an initrd */
    uint64_t mapped_bytes;      /* identity map covers [0, mapped_bytes) */
    char why_buf[80];           /* holds a refusal reason that carries a number */
};

/* Load the kernel, command line and initrd into guest RAM and build the zero
 * page, page tables and GDT. Every check happens before the first write: a
 * refused load leaves guest RAM untouched. Returns 0, or -1 with *why set to
 * a one-line reason (a static string, or res->why_buf). */
int linux_load(const struct guest_mem *gm, const struct linux_load_request *req,
               struct linux_load_result *res, const char **why);

#endif
