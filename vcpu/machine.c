/* SPDX-License-Identifier: BSD-2-Clause */
/* A machine's extension tables (boot CPU when a VM is created; looked up on
 * the vCPUs' CPUs at CPUID and MSR exits). */
#include <string.h>
#include "vcpu/machine.h"

void machine_init(struct machine *m, const struct guest_mem *mem, const struct vcpu_ops *ops,
                  unsigned nr_vcpus)
{
    memset(m, 0, sizeof(*m));
    m->mem = mem;
    m->ops = ops;
    m->nr_vcpus = nr_vcpus;
}

static bool overlaps(uint32_t a_first, uint32_t a_last, uint32_t b_first, uint32_t b_last)
{
    return a_first <= b_last && b_first <= a_last;
}

int machine_add_cpuid(struct machine *m, const struct cpuid_ext *e)
{
    if (m->nr_cpuid == MACHINE_CPUID_EXTS || e->first > e->last || !e->leaf)
        return -1;
    for (unsigned i = 0; i < m->nr_cpuid; i++)
        if (overlaps(e->first, e->last, m->cpuid[i].first, m->cpuid[i].last))
            return -1;
    m->cpuid[m->nr_cpuid++] = *e;
    return 0;
}

int machine_add_msr(struct machine *m, const struct msr_ext *e)
{
    if (m->nr_msr == MACHINE_MSR_EXTS || e->first > e->last || !e->read || !e->write)
        return -1;
    for (unsigned i = 0; i < m->nr_msr; i++)
        if (overlaps(e->first, e->last, m->msr[i].first, m->msr[i].last))
            return -1;
    m->msr[m->nr_msr++] = *e;
    return 0;
}

const struct cpuid_ext *machine_cpuid_ext(const struct machine *m, uint32_t leaf)
{
    for (unsigned i = 0; i < m->nr_cpuid; i++)
        if (leaf >= m->cpuid[i].first && leaf <= m->cpuid[i].last)
            return &m->cpuid[i];
    return NULL;
}

const struct msr_ext *machine_msr_ext(const struct machine *m, uint32_t msr)
{
    for (unsigned i = 0; i < m->nr_msr; i++)
        if (msr >= m->msr[i].first && msr <= m->msr[i].last)
            return &m->msr[i];
    return NULL;
}
