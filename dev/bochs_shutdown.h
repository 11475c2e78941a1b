/* SPDX-License-Identifier: BSD-2-Clause */
/* Bochs's shutdown port 0x8900: writing the bytes "Shutdown" powers off. Guests
 * that know it from Bochs or old QEMU can power their VM off the same way. */
#ifndef KEEL_DEV_BOCHS_SHUTDOWN_H
#define KEEL_DEV_BOCHS_SHUTDOWN_H

#include <stdint.h>
#include "vcpu/vcpu.h"

#define BOCHS_SHUTDOWN_PORT 0x8900

void bochs_shutdown_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t val);

#endif
