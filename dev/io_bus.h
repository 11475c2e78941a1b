/* SPDX-License-Identifier: BSD-2-Clause */
/* Port I/O dispatch: which emulated device answers which port. Unclaimed
 * ports read as all-ones and ignore writes, like an empty ISA bus. */
#ifndef KEEL_DEV_IO_BUS_H
#define KEEL_DEV_IO_BUS_H

#include <stdint.h>
#include "vcpu/vcpu.h"

/* size is 1, 2 or 4; reads return the value in the low `size` bytes. */
uint32_t io_read(struct vcpu *v, uint16_t port, unsigned size);
void io_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t val);

#endif
