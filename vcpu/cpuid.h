/* SPDX-License-Identifier: BSD-2-Clause */
/* The CPUID a guest sees: host values filtered to what Keel virtualizes. */
#ifndef KEEL_VCPU_CPUID_H
#define KEEL_VCPU_CPUID_H

#include <stdint.h>
#include "vcpu/vcpu.h"
#include "arch/x86/x86.h"

#define CPUID_KEEL_BASE       0x40000000u
#define CPUID_KEEL_SIGNATURE  "KeelKeelKeel"
#define KEEL_VERSION_MAJOR    0
#define KEEL_VERSION_MINOR    1

struct cpuid_regs cpuid_emulate(struct vcpu *v, uint32_t leaf, uint32_t subleaf);

#endif
