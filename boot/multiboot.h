/* SPDX-License-Identifier: BSD-2-Clause */
/* Multiboot 0.6.96 (v1) header and information-block layouts; data only, any context. */
#ifndef KEEL_BOOT_MULTIBOOT_H
#define KEEL_BOOT_MULTIBOOT_H

#include <stdint.h>

#define MULTIBOOT_HEADER_MAGIC      0x1BADB002u
#define MULTIBOOT_BOOTLOADER_MAGIC  0x2BADB002u /* EAX at kernel entry */
#define MULTIBOOT_SEARCH            8192u       /* header lies within these first bytes */
#define MULTIBOOT_HEADER_ALIGN      4u

/* multiboot_header.flags */
#define MULTIBOOT_PAGE_ALIGN        (1u << 0)
#define MULTIBOOT_MEMORY_INFO       (1u << 1)
#define MULTIBOOT_VIDEO_MODE        (1u << 2)
#define MULTIBOOT_AOUT_KLUDGE       (1u << 16)

/* multiboot_info.flags */
#define MULTIBOOT_INFO_MEMORY           (1u << 0)
#define MULTIBOOT_INFO_BOOTDEV          (1u << 1)
#define MULTIBOOT_INFO_CMDLINE          (1u << 2)
#define MULTIBOOT_INFO_MODS             (1u << 3)
#define MULTIBOOT_INFO_MEM_MAP          (1u << 6)
#define MULTIBOOT_INFO_BOOT_LOADER_NAME (1u << 9)

/* multiboot_mmap_entry.type */
#define MULTIBOOT_MEMORY_AVAILABLE  1u
#define MULTIBOOT_MEMORY_RESERVED   2u

/* The fields after checksum exist only when the matching flag is set. */
struct multiboot_header {
    uint32_t magic;
    uint32_t flags;
    uint32_t checksum;
    uint32_t header_addr;       /* a.out kludge (flag 16) */
    uint32_t load_addr;
    uint32_t load_end_addr;
    uint32_t bss_end_addr;
    uint32_t entry_addr;
    uint32_t mode_type;         /* video mode (flag 2) */
    uint32_t width;
    uint32_t height;
    uint32_t depth;
};

#define MULTIBOOT_HEADER_MIN_LEN    12u  /* magic, flags, checksum */
#define MULTIBOOT_HEADER_AOUT_LEN   32u  /* ... through entry_addr */

struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower;         /* KiB */
    uint32_t mem_upper;         /* KiB */
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
    uint32_t vbe_control_info;
    uint32_t vbe_mode_info;
    uint16_t vbe_mode;
    uint16_t vbe_interface_seg;
    uint16_t vbe_interface_off;
    uint16_t vbe_interface_len;
};

struct multiboot_mod_list {
    uint32_t mod_start;
    uint32_t mod_end;           /* exclusive */
    uint32_t string;
    uint32_t reserved;
};

/* `size` excludes itself; the u64 base/length are split so the struct needs
 * no packing (they sit at offset 4 in the spec's layout). */
struct multiboot_mmap_entry {
    uint32_t size;
    uint32_t base_addr_low;
    uint32_t base_addr_high;
    uint32_t length_low;
    uint32_t length_high;
    uint32_t type;
};

_Static_assert(sizeof(struct multiboot_header) == 48, "Multiboot header layout");
_Static_assert(sizeof(struct multiboot_info) == 88, "Multiboot information layout");
_Static_assert(sizeof(struct multiboot_mod_list) == 16, "Multiboot module layout");
_Static_assert(sizeof(struct multiboot_mmap_entry) == 24, "Multiboot memory map layout");

#endif
