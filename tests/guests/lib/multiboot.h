/* SPDX-License-Identifier: BSD-2-Clause */
/* multiboot.h — Multiboot v1 boot information layout (as the loader hands it over in
 * EBX) and the guest image bounds from link.ld, for the loader-placement checks. */
#ifndef GUEST_MULTIBOOT_H
#define GUEST_MULTIBOOT_H

#include <stdint.h>

#define MULTIBOOT_BOOTLOADER_MAGIC  0x2BADB002u

#define MBI_FLAG_MEM        (1u << 0)
#define MBI_FLAG_BOOTDEV    (1u << 1)
#define MBI_FLAG_CMDLINE    (1u << 2)
#define MBI_FLAG_MODS       (1u << 3)
#define MBI_FLAG_MMAP       (1u << 6)
#define MBI_FLAG_LOADER     (1u << 9)

#define MMAP_TYPE_RAM       1u

struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower;         /* KiB below 1 MiB */
    uint32_t mem_upper;         /* KiB from 1 MiB to the first hole */
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count;
    uint32_t mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length;
    uint32_t mmap_addr;
    uint32_t drives_length;
    uint32_t drives_addr;
    uint32_t config_table;
    uint32_t boot_loader_name;
    uint32_t apm_table;
} __attribute__((packed));

struct multiboot_module {
    uint32_t mod_start;
    uint32_t mod_end;           /* exclusive */
    uint32_t string;
    uint32_t reserved;
} __attribute__((packed));

/* `size` counts the bytes after itself; the next entry is at +size+4. */
struct multiboot_mmap_entry {
    uint32_t size;
    uint64_t base;
    uint64_t length;
    uint32_t type;
} __attribute__((packed));

/* Image bounds (link.ld): the loader must not put anything in [__image_start, __bss_end). */
extern char __image_start[], __load_end[], __bss_start[], __bss_end[];

/* Values crt0 recorded at entry and while switching to long mode. */
extern uint32_t boot_magic, boot_mbi, boot_cr0, boot_cr4;

static inline const void *gpa_ptr(uint32_t gpa)
{
    return (const void *)(uintptr_t)gpa;   /* identity-mapped by crt0 */
}

#endif
