/* SPDX-License-Identifier: BSD-2-Clause */
/* What the boot loader told Keel: command line, memory map, modules, ACPI RSDP
 * (parsed from the Multiboot2 information structure). */
#ifndef KEEL_CORE_BOOTINFO_H
#define KEEL_CORE_BOOTINFO_H

#include <stddef.h>
#include <stdint.h>

#define BOOT_MODULES_MAX 128
#define BOOT_MMAP_MAX    64

struct boot_module {
    uint64_t start, end;        /* physical, end exclusive */
    const char *string;         /* "path args..." as written on the module2 line */
};

struct boot_mmap_entry {
    uint64_t base, len;
    uint32_t type;              /* 1 = available RAM */
};

struct boot_info {
    const char *cmdline;
    uint64_t info_start, info_end;      /* the Multiboot2 structure itself */
    unsigned nr_modules;
    struct boot_module module[BOOT_MODULES_MAX];
    unsigned nr_mmap;
    struct boot_mmap_entry mmap[BOOT_MMAP_MAX];
    const void *rsdp;           /* copy of the ACPI RSDP, or NULL */
};

/* Parse the structure at `info`; returns 0, or -1 with *why set. */
int bootinfo_parse(uint64_t info, struct boot_info *bi, const char **why);

/* First word of a module string if it is a path ("/..."), length in *len
 * (0 when the string names no path). GRUB 2 passes only the words after the
 * file name on a module2 line, so Keel's ISOs repeat the path there. */
const char *boot_module_path(const struct boot_module *m, size_t *len);
/* The module whose path is exactly `path`, or NULL. */
const struct boot_module *boot_module_find(const struct boot_info *bi, const char *path);
/* Value of `key=...` among the words of s (up to the next space), or NULL. */
const char *cmdline_option(const char *s, const char *key, size_t *len);

#endif
