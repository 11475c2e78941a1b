/* SPDX-License-Identifier: BSD-2-Clause */
/* A host CPUID of the test's choosing, for host unit tests of code that
 * executes the CPUID instruction itself (vcpu/cpuid.c, vcpu/msr.c): Linux's
 * CPUID faulting (arch_prctl ARCH_SET_CPUID) makes the instruction raise
 * SIGSEGV in this process, and the handler answers it from `answer`. Only
 * between fake_cpuid_begin and fake_cpuid_end; nothing else may run CPUID
 * in between (the libraries do theirs at start-up). */
#ifndef KEEL_TESTS_FAKE_CPUID_H
#define KEEL_TESTS_FAKE_CPUID_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/x86.h"

typedef struct cpuid_regs (*fake_cpuid_fn)(uint32_t leaf, uint32_t subleaf);

/* false when the CPU or kernel cannot fault CPUID (the caller skips). */
bool fake_cpuid_begin(fake_cpuid_fn answer);
void fake_cpuid_end(void);
/* CPUID instructions answered since the last begin. */
extern unsigned fake_cpuid_calls;

#endif
