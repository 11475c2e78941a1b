/* SPDX-License-Identifier: BSD-2-Clause */
/* VMX instruction wrappers (SDM Vol. 3C ch. 31). VMfail on VMREAD/VMWRITE of
 * a field Keel knows to exist is a hypervisor bug and panics. Root mode. */
#ifndef KEEL_VMX_VMX_INSN_H
#define KEEL_VMX_VMX_INSN_H

#include <stdint.h>

void vmx_insn_failed(const char *insn, uint64_t arg) __attribute__((noreturn));

/* Returns 0 on VMsucceed, -1 on VMfailInvalid/VMfailValid. */
static inline int vmxon(uint64_t phys)
{
    uint8_t fail;
    __asm__ volatile("vmxon %1; setbe %0" : "=qm"(fail) : "m"(phys) : "cc", "memory");
    return fail ? -1 : 0;
}

static inline int vmclear(uint64_t phys)
{
    uint8_t fail;
    __asm__ volatile("vmclear %1; setbe %0" : "=qm"(fail) : "m"(phys) : "cc", "memory");
    return fail ? -1 : 0;
}

static inline int vmptrld(uint64_t phys)
{
    uint8_t fail;
    __asm__ volatile("vmptrld %1; setbe %0" : "=qm"(fail) : "m"(phys) : "cc", "memory");
    return fail ? -1 : 0;
}

static inline uint64_t vmread(uint64_t field)
{
    uint64_t v;
    uint8_t fail;
    __asm__ volatile("vmread %2, %0; setbe %1" : "=r"(v), "=qm"(fail) : "r"(field) : "cc");
    if (__builtin_expect(fail, 0))
        vmx_insn_failed("vmread", field);
    return v;
}

static inline void vmwrite(uint64_t field, uint64_t v)
{
    uint8_t fail;
    __asm__ volatile("vmwrite %2, %1; setbe %0" : "=qm"(fail) : "r"(field), "rm"(v) : "cc");
    if (__builtin_expect(fail, 0))
        vmx_insn_failed("vmwrite", field);
}

/* INVEPT/INVVPID descriptors (SDM Vol. 3C 31.3). */
#define INVEPT_SINGLE_CONTEXT  1
#define INVEPT_ALL_CONTEXT     2
#define INVVPID_SINGLE_CONTEXT 1
#define INVVPID_ALL_CONTEXT    2

static inline void invept(uint64_t type, uint64_t eptp)
{
    struct { uint64_t eptp, zero; } d = { eptp, 0 };
    uint8_t fail;
    __asm__ volatile("invept %1, %2; setbe %0" : "=qm"(fail) : "m"(d), "r"(type) : "cc", "memory");
    if (fail)
        vmx_insn_failed("invept", type);
}

static inline void invvpid(uint64_t type, uint16_t vpid)
{
    struct { uint64_t vpid, addr; } d = { vpid, 0 };
    uint8_t fail;
    __asm__ volatile("invvpid %1, %2; setbe %0" : "=qm"(fail) : "m"(d), "r"(type) : "cc", "memory");
    if (fail)
        vmx_insn_failed("invvpid", type);
}

#endif
