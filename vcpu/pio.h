/* SPDX-License-Identifier: BSD-2-Clause */
/* A vCPU's port I/O (vCPU's CPU, at I/O exits, under the VM's lock): one
 * access on the VM's I/O bus, and what it asks of the vCPU afterwards. */
#ifndef KEEL_VCPU_PIO_H
#define KEEL_VCPU_PIO_H

#include <stdint.h>
#include "dev/io_bus.h"
#include "vcpu/vcpu.h"

/* size is 1, 2 or 4; reads return the value in the low `size` bytes. Inline:
 * a guest polling a status port spends its exits here. */
static inline uint32_t vcpu_port_read(struct vcpu *v, uint16_t port, unsigned size)
{
    bool kick = false;
    uint32_t val = io_bus_read(v->io_bus, port, size, &kick);
    if (kick)
        vcpu_kick(v);
    return val;
}
/* A write that asks for a reset, a power-off or a debug exit ends the VM. */
void vcpu_port_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t val);

#endif
