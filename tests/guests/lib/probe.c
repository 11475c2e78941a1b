/* SPDX-License-Identifier: BSD-2-Clause */
/* probe.c — single-instruction probes that may fault (MSRs, CR4, XCR0): each returns
 * FAULT_NONE or the vector raised, so tests can assert on exactly which exception. */
#include "fault.h"
#include "cpu.h"

int rdmsr_safe(uint32_t msr, uint64_t *val)
{
    if (fault_try())
        return last_fault.vector;
    *val = rdmsr(msr);
    fault_end();
    return FAULT_NONE;
}

int wrmsr_safe(uint32_t msr, uint64_t val)
{
    if (fault_try())
        return last_fault.vector;
    wrmsr(msr, val);
    fault_end();
    return FAULT_NONE;
}

int write_cr4_safe(uint64_t val)
{
    if (fault_try())
        return last_fault.vector;
    write_cr4(val);
    fault_end();
    return FAULT_NONE;
}

int xsetbv_safe(uint32_t xcr, uint64_t val)
{
    if (fault_try())
        return last_fault.vector;
    __asm__ volatile("xsetbv" : : "c"(xcr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
                     : "memory");
    fault_end();
    return FAULT_NONE;
}

int xgetbv_safe(uint32_t xcr, uint64_t *val)
{
    uint32_t lo, hi;
    if (fault_try())
        return last_fault.vector;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(xcr) : "memory");
    fault_end();
    *val = ((uint64_t)hi << 32) | lo;
    return FAULT_NONE;
}
