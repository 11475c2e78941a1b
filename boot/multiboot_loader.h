/* SPDX-License-Identifier: BSD-2-Clause */
/* Multiboot (v1) guest kernel loader, following QEMU's `-kernel` behaviour.
 * Pure: works on guest RAM through guest_mem, no hardware access. */
#ifndef KEEL_BOOT_MULTIBOOT_LOADER_H
#define KEEL_BOOT_MULTIBOOT_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include "ept/guest_mem.h"

#define MULTIBOOT_LOADER_MODULES_MAX 8

struct multiboot_module_image {
    const void *data;
    size_t len;
    const char *string;     /* module command line: path then its arguments */
};

struct multiboot_load_request {
    const void *kernel;
    size_t kernel_len;
    const char *cmdline;    /* full Multiboot command line: kernel path, then arguments */
    unsigned nr_modules;
    struct multiboot_module_image module[MULTIBOOT_LOADER_MODULES_MAX];
};

struct multiboot_load_result {
    uint32_t entry;         /* EIP at start (32-bit protected mode, paging off) */
    uint32_t info_gpa;      /* EBX at start: the Multiboot information block */
};

/* Load the kernel and modules into guest RAM and build the information block.
 * Returns 0, or -1 with *why set to a static one-line reason. */
int multiboot_load(const struct guest_mem *gm, const struct multiboot_load_request *req,
                   struct multiboot_load_result *res, const char **why);

#endif
