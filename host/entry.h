/* SPDX-License-Identifier: BSD-2-Clause */
/* What the host kernel runs once it is in long mode. The top floor names
 * its main function with HOST_MAIN(fn); the linker collects that pointer
 * (host/keel.ld, section .host_main, checked to be exactly one) and
 * boot.asm calls through it, so the host names nothing above it. */
#ifndef KEEL_HOST_ENTRY_H
#define KEEL_HOST_ENTRY_H

#include <stdint.h>

/* magic: the boot loader's EAX; info: the physical address of its
 * Multiboot2 information. Never returns. */
typedef void (*host_main_fn)(uint32_t magic, uint64_t info);

#define HOST_MAIN(fn)                                                                      \
    static const host_main_fn host_main_entry __attribute__((section(".host_main"), used)) = \
        (fn)

#endif
