/* SPDX-License-Identifier: BSD-2-Clause */
/* The neutral VM exit: what a guest did that the hypervisor must answer, as
 * the vendor layer (vmx/) decodes it from its own exit information. The
 * neutral vCPU layer (vcpu/dispatch.c) answers it without knowing VT-x.
 * Exits that only VT-x has (CR access, #DB/#AC interception, host
 * interrupts, VMX instructions, INVD, EPT misconfiguration) are handled by
 * the vendor layer itself and come up as VEXIT_NONE. */
#ifndef KEEL_ARCH_X86_VEXIT_H
#define KEEL_ARCH_X86_VEXIT_H

#include <stdbool.h>
#include <stdint.h>

enum vexit_kind {
    VEXIT_NONE,         /* handled below: just enter again */
    VEXIT_CPUID,        /* leaf and subleaf in RAX/RCX; results to RAX..RDX */
    VEXIT_IO,           /* IN/OUT: io; the value in/from RAX */
    VEXIT_STRING_IO,    /* INS/OUTS, maybe REP: string_io */
    VEXIT_MSR_READ,     /* RDMSR of msr.index; result to EDX:EAX */
    VEXIT_MSR_WRITE,    /* WRMSR of msr.index with msr.value */
    VEXIT_HLT,          /* hlt.interrupts_on: RFLAGS.IF at the HLT */
    VEXIT_VMCALL,       /* a hypercall */
    VEXIT_XSETBV,       /* xcr.index, xcr.value */
    VEXIT_MMIO,         /* an access to guest-physical mmio.gpa outside RAM */
    VEXIT_WINDOW,       /* the guest can take the interrupt or NMI it waited for */
    VEXIT_TRIPLE_FAULT,
    VEXIT_FAILED,       /* entry failed or an exit Keel cannot handle: `why` says */
    VEXIT_KIND_COUNT
};

#define VEXIT_WHY_MAX 128

struct vexit {
    enum vexit_kind kind;
    unsigned reason;            /* the vendor's exit reason, for the exit statistics */
    union {
        struct {
            uint16_t port;
            uint8_t size;       /* 1, 2 or 4 */
            bool in;
        } io;
        struct {
            uint16_t port;
            uint8_t size;
            bool in, rep;
            uint8_t addr_bits;  /* 16, 32 or 64: width of RSI/RDI/RCX */
            uint64_t seg_base;  /* ES for INS, the source segment for OUTS */
        } string_io;
        struct {
            uint32_t index;
            uint64_t value;
        } msr, xcr;
        struct {
            bool interrupts_on;
        } hlt;
        struct {
            uint64_t gpa;
            bool write, fetch;
        } mmio;
    };
    char why[VEXIT_WHY_MAX];    /* VEXIT_FAILED */
};

#endif
