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
/* The MSRs whose guest values live in hardware while the vCPU runs (the MSR
 * bitmap passes them through, or Keel writes them through): saved when it
 * leaves its CPU, loaded when it comes back. All zero is their reset state. */
#define MSR_GUEST_HW_MAX 8
void msr_save_guest(uint64_t vals[MSR_GUEST_HW_MAX]);
void msr_load_guest(const uint64_t vals[MSR_GUEST_HW_MAX]);

#endif
