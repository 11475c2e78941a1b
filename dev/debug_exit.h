/* SPDX-License-Identifier: BSD-2-Clause */
/* Debug-exit port compatible with QEMU's isa-debug-exit (iobase 0xf4, size 4):
 * writing v ends the VM with status (v << 1) | 1. */
#ifndef KEEL_DEV_DEBUG_EXIT_H
#define KEEL_DEV_DEBUG_EXIT_H

#include "dev/io_bus.h"

#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_SIZE 4

/* Its port handlers (no state: register with any context). */
extern const struct io_ops debug_exit_io;

#endif
