/* SPDX-License-Identifier: BSD-2-Clause */
/* Inline wrappers for the x86 instructions Keel's root mode uses (any context). */
#ifndef KEEL_VMX_X86_H
#define KEEL_VMX_X86_H

#include <stdbool.h>
#include <stdint.h>

/* A 48-bit linear address is canonical when bits 63:47 are all equal
 * (SDM Vol. 1 3.3.7.1). */
static inline bool is_canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_regs r;
    __asm__ volatile("cpuid"
                     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                     : "a"(leaf), "c"(subleaf));
    return r;
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

#define DEFINE_CR_ACCESSORS(n)                                             \
    static inline uint64_t read_cr##n(void)                                \
    {                                                                      \
        uint64_t v;                                                        \
        __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                  \
        return v;                                                          \
    }                                                                      \
    static inline void write_cr##n(uint64_t v)                             \
    {                                                                      \
        __asm__ volatile("mov %0, %%cr" #n ::"r"(v) : "memory");           \
    }
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
#undef DEFINE_CR_ACCESSORS

/* Debug registers DR0-DR3 and DR6 (DR7 is in the VMCS). */
#define DEFINE_DR_ACCESSORS(n)                                             \
    static inline uint64_t read_dr##n(void)                                \
    {                                                                      \
        uint64_t v;                                                        \
        __asm__ volatile("mov %%db" #n ", %0" : "=r"(v));                  \
        return v;                                                          \
    }                                                                      \
    static inline void write_dr##n(uint64_t v)                             \
    {                                                                      \
        __asm__ volatile("mov %0, %%db" #n ::"r"(v));                      \
    }
DEFINE_DR_ACCESSORS(0)
DEFINE_DR_ACCESSORS(1)
DEFINE_DR_ACCESSORS(2)
DEFINE_DR_ACCESSORS(3)
DEFINE_DR_ACCESSORS(6)
#undef DEFINE_DR_ACCESSORS

static inline uint64_t xgetbv(uint32_t xcr)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(xcr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void xsetbv(uint32_t xcr, uint64_t v)
{
    __asm__ volatile("xsetbv" ::"c"(xcr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void cpu_relax(void) { __asm__ volatile("pause"); }

static inline __attribute__((noreturn)) void halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* Control-register bits (SDM Vol. 3A 2.5). */
#define CR0_PE   (1ull << 0)
#define CR0_MP   (1ull << 1)
#define CR0_EM   (1ull << 2)
#define CR0_TS   (1ull << 3)
#define CR0_ET   (1ull << 4)
#define CR0_NE   (1ull << 5)
#define CR0_WP   (1ull << 16)
#define CR0_AM   (1ull << 18)
#define CR0_NW   (1ull << 29)
#define CR0_CD   (1ull << 30)
#define CR0_PG   (1ull << 31)

#define CR4_VME        (1ull << 0)
#define CR4_PVI        (1ull << 1)
#define CR4_TSD        (1ull << 2)
#define CR4_DE         (1ull << 3)
#define CR4_PSE        (1ull << 4)
#define CR4_PAE        (1ull << 5)
#define CR4_MCE        (1ull << 6)
#define CR4_PGE        (1ull << 7)
#define CR4_PCE        (1ull << 8)
#define CR4_OSFXSR     (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_UMIP       (1ull << 11)
#define CR4_LA57       (1ull << 12)
#define CR4_VMXE       (1ull << 13)
#define CR4_SMXE       (1ull << 14)
#define CR4_FSGSBASE   (1ull << 16)
#define CR4_PCIDE      (1ull << 17)
#define CR4_OSXSAVE    (1ull << 18)
#define CR4_SMEP       (1ull << 20)
#define CR4_SMAP       (1ull << 21)
#define CR4_PKE        (1ull << 22)

/* RFLAGS bits (SDM Vol. 1 3.4.3). */
#define RFLAGS_RESERVED1 (1ull << 1)
#define RFLAGS_TF        (1ull << 8)
#define RFLAGS_IF        (1ull << 9)
#define RFLAGS_VM        (1ull << 17)

/* Exception vectors (SDM Vol. 3A 6.3.1). */
#define EXC_DE  0
#define EXC_DB  1
#define EXC_NMI 2
#define EXC_BP  3
#define EXC_UD  6
#define EXC_NM  7
#define EXC_DF  8
#define EXC_TS  10
#define EXC_NP  11
#define EXC_SS  12
#define EXC_GP  13
#define EXC_PF  14
#define EXC_AC  17
#define EXC_MC  18

#endif
