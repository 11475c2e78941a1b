/* SPDX-License-Identifier: BSD-2-Clause */
/* A host CPUID of the test's choosing (see fake_cpuid.h). */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "tests/unit/fake_cpuid.h"

unsigned fake_cpuid_calls;
static fake_cpuid_fn answer_fn;
static struct sigaction saved;

static void on_segv(int sig, siginfo_t *si, void *uc_void)
{
    ucontext_t *uc = uc_void;
    greg_t *g = uc->uc_mcontext.gregs;
    const uint8_t *ip = (const uint8_t *)(uintptr_t)g[REG_RIP];
    if (!answer_fn || ip[0] != 0x0f || ip[1] != 0xa2) {
        /* A real fault: let it be reported as one. */
        sigaction(SIGSEGV, &saved, NULL);
        (void)si;
        raise(sig);
        return;
    }
    struct cpuid_regs r = answer_fn((uint32_t)g[REG_RAX], (uint32_t)g[REG_RCX]);
    g[REG_RAX] = r.eax;
    g[REG_RBX] = r.ebx;
    g[REG_RCX] = r.ecx;
    g[REG_RDX] = r.edx;
    g[REG_RIP] += 2;
    fake_cpuid_calls++;
}

bool fake_cpuid_begin(fake_cpuid_fn answer)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &saved))
        return false;
    answer_fn = answer;
    fake_cpuid_calls = 0;
    if (syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0)) {
        sigaction(SIGSEGV, &saved, NULL);
        answer_fn = NULL;
        return false;
    }
    return true;
}

void fake_cpuid_end(void)
{
    syscall(SYS_arch_prctl, ARCH_SET_CPUID, 1);
    sigaction(SIGSEGV, &saved, NULL);
    answer_fn = NULL;
}
