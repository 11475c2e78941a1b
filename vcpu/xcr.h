/* SPDX-License-Identifier: BSD-2-Clause */
/* XSETBV emulation: validating a guest's extended control register writes. */
#ifndef KEEL_VCPU_XCR_H
#define KEEL_VCPU_XCR_H

#include <stdint.h>
#include "vcpu/vcpu.h"

enum { XCR_OK = 0, XCR_FAULT_GP = 1, XCR_FAULT_UD = 2 };

/* Check and apply XSETBV(index, value); returns XCR_OK or the fault to raise. */
int xcr_write(struct vcpu *v, uint32_t index, uint64_t value);
/* Pure check of an XCR0 value against the bits offered (SDM Vol. 1 13.3). */
int xcr0_valid(uint64_t value, uint64_t supported);

#endif
