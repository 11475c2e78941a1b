/* SPDX-License-Identifier: BSD-2-Clause */
/* MSR policy: every MSR a guest may touch is emulated, passed through to
 * hardware, or refused with #GP. */
#ifndef KEEL_VCPU_MSR_H
#define KEEL_VCPU_MSR_H

#include <stdint.h>
#include "vcpu/vcpu.h"

/* 0 on success; -1 means the guest gets #GP. */
int msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
int msr_write(struct vcpu *v, uint32_t msr, uint64_t val);
/* Give the pass-through MSRs their reset values before a new vCPU runs. */
void msr_reset_passthrough(void);

#endif
