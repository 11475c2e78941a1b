/* SPDX-License-Identifier: BSD-2-Clause */
/* Emulating a guest instruction that touched device memory (MMIO). */
#ifndef KEEL_VCPU_MMIO_H
#define KEEL_VCPU_MMIO_H

#include <stdbool.h>
#include <stdint.h>
#include "vcpu/vcpu.h"

/* Emulate the instruction at the guest's RIP that accessed `gpa`. Returns
 * false when no device claims gpa (the caller ends the VM); true otherwise,
 * including when it queued a fault or ended the VM with a reason. */
bool mmio_emulate(struct vcpu *v, uint64_t gpa);

#endif
