/* SPDX-License-Identifier: BSD-2-Clause */
/* Debug-exit port compatible with QEMU's isa-debug-exit (iobase 0xf4, size 4):
 * writing v ends the VM with status (v << 1) | 1. */
#ifndef KEEL_DEV_DEBUG_EXIT_H
#define KEEL_DEV_DEBUG_EXIT_H

#include <stdint.h>
#include "vcpu/vcpu.h"

#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_SIZE 4

void debug_exit_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t val);

#endif
