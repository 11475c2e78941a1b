/* SPDX-License-Identifier: BSD-2-Clause */
/* Resetting FPU/SSE/AVX state so one VM never sees another's registers. */
#ifndef KEEL_VCPU_FPU_H
#define KEEL_VCPU_FPU_H

/* Put x87, SSE and every XSAVE component in its initial state. Root mode,
 * before a new vCPU first runs on this CPU. */
void fpu_reset(void);

#endif
