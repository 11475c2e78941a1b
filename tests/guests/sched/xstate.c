/* SPDX-License-Identifier: BSD-2-Clause */
/* xstate.c — scheduler test guest: the extended register state a vCPU owns survives the
 * switches between VMs on one CPU. Enables every XCR0 component of x87, SSE, AVX and
 * AVX-512 that CPUID offers, loads x87 ST0, XMM/YMM/ZMM 0-31 (as offered) and opmask
 * k0-7 with values derived from `seed=` (xstate_b.cfg uses another), then for `ms=`
 * milliseconds of TSC (default 3000) stores them all back again and again, with IF=0 so
 * only Keel's slices take the CPU away, and compares each with what was loaded. Any
 * difference is another VM's (or Keel's) state leaking in: FAIL naming the register.
 * Else "xstate: SEED: N checks, registers intact" and PASS. */
#include "guest.h"
#include "irq.h"
#include "sched.h"

const char test_name[] = "xstate";

#define CPUID1_ECX_XSAVE    (1u << 26)
#define CPUID1_ECX_AVX      (1u << 28)
#define CPUID7_EBX_AVX512F  (1u << 16)
#define XCR0_X87_SSE        0x3ull
#define XCR0_AVX            (1ull << 2)
#define XCR0_AVX512         (7ull << 5)     /* opmask, ZMM_Hi256, Hi16_ZMM */
#define CR4_OSFXSR          (1ull << 9)
#define CR4_OSXMMEXCPT      (1ull << 10)
#define DEFAULT_MS          3000u

static uint64_t want[32][8] __attribute__((aligned(64)));   /* zmm0-31, 8 qwords each */
static uint64_t got[32][8] __attribute__((aligned(64)));
static uint64_t want_k[8], got_k[8];

static uint64_t mix(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x9E3779B97F4A7C15ull;
    return x ^ (x >> 29);
}

/* Each instruction names its registers, so one macro line per register. */
#define LOAD_ZMM(n)  __asm__ volatile("vmovdqu64 %0, %%zmm" #n ::"m"(want[n]))
#define STORE_ZMM(n) __asm__ volatile("vmovdqu64 %%zmm" #n ", %0" : "=m"(got[n]))
#define LOAD_YMM(n)  __asm__ volatile("vmovdqu %0, %%ymm" #n ::"m"(want[n]))
#define STORE_YMM(n) __asm__ volatile("vmovdqu %%ymm" #n ", %0" : "=m"(got[n]))
#define LOAD_XMM(n)  __asm__ volatile("movdqu %0, %%xmm" #n ::"m"(want[n]))
#define STORE_XMM(n) __asm__ volatile("movdqu %%xmm" #n ", %0" : "=m"(got[n]))
#define LOAD_K(n)    __asm__ volatile("kmovq %0, %%k" #n ::"m"(want_k[n]))
#define STORE_K(n)   __asm__ volatile("kmovq %%k" #n ", %0" : "=m"(got_k[n]))
#define EACH16(M) M(0); M(1); M(2); M(3); M(4); M(5); M(6); M(7); M(8); M(9); M(10); M(11); \
                  M(12); M(13); M(14); M(15)
#define EACH_HI16(M) M(16); M(17); M(18); M(19); M(20); M(21); M(22); M(23); M(24); M(25); \
                     M(26); M(27); M(28); M(29); M(30); M(31)
#define EACH8(M) M(0); M(1); M(2); M(3); M(4); M(5); M(6); M(7)

enum width { W_XMM = 2, W_YMM = 4, W_ZMM = 8 };     /* qwords per register */

static void load_all(enum width w)
{
    if (w == W_ZMM) {
        EACH16(LOAD_ZMM);
        EACH_HI16(LOAD_ZMM);
        EACH8(LOAD_K);
    } else if (w == W_YMM) {
        EACH16(LOAD_YMM);
    } else {
        EACH16(LOAD_XMM);
    }
}

static void store_all(enum width w)
{
    if (w == W_ZMM) {
        EACH16(STORE_ZMM);
        EACH_HI16(STORE_ZMM);
        EACH8(STORE_K);
    } else if (w == W_YMM) {
        EACH16(STORE_YMM);
    } else {
        EACH16(STORE_XMM);
    }
}

void guest_main(uint32_t magic, uint32_t mbi)
{
    cli();
    const char *cmdline = sched_cmdline(magic, mbi);
    uint64_t seed = sched_arg_u64(cmdline, "seed", 1, 1, ~0ull);
    uint64_t ms = sched_arg_u64(cmdline, "ms", DEFAULT_MS, 1, 3600000u);
    uint64_t hz = sched_tsc_hz();

    struct cpuid_regs r1 = cpuid(1, 0);
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
    enum width w = W_XMM;
    unsigned nregs = 16;
    if (r1.ecx & CPUID1_ECX_XSAVE) {
        write_cr4(read_cr4() | CR4_OSXSAVE);
        struct cpuid_regs xd = cpuid(0xD, 0);
        uint64_t offered = ((uint64_t)xd.edx << 32) | xd.eax, xcr0 = XCR0_X87_SSE;
        if ((r1.ecx & CPUID1_ECX_AVX) && (offered & XCR0_AVX)) {
            xcr0 |= XCR0_AVX;
            w = W_YMM;
            if ((cpuid(7, 0).ebx & CPUID7_EBX_AVX512F) && (offered & XCR0_AVX512) == XCR0_AVX512) {
                xcr0 |= XCR0_AVX512;
                w = W_ZMM;
                nregs = 32;
            }
        }
        check(xsetbv_safe(0, xcr0) == FAULT_NONE, "XCR0 <- 0x%lx", (unsigned long)xcr0);
    }
    for (unsigned r = 0; r < 32; r++)
        for (unsigned q = 0; q < 8; q++)
            want[r][q] = mix(seed * 1000003u + r * 8 + q);
    for (unsigned k = 0; k < 8; k++)
        want_k[k] = mix(~seed + k);
    static const char *const names[] = { [W_XMM] = "xmm", [W_YMM] = "ymm", [W_ZMM] = "zmm" };
    kprintf("xstate: %s0-%u%s loaded from seed 0x%lx; checking for %lu ms\n", names[w], nregs - 1,
            w == W_ZMM ? " and k0-7" : "", (unsigned long)seed, (unsigned long)ms);

    load_all(w);
    uint64_t checks = 0, t0 = rdtsc_ordered(), target = hz / 1000 * ms;
    do {
        store_all(w);
        for (unsigned r = 0; r < nregs; r++)
            for (unsigned q = 0; q < (unsigned)w; q++)
                if (got[r][q] != want[r][q])
                    test_fail("%s%u qword %u is 0x%lx after %lu checks, loaded 0x%lx", names[w], r, q,
                              (unsigned long)got[r][q], (unsigned long)checks,
                              (unsigned long)want[r][q]);
        if (w == W_ZMM)
            for (unsigned k = 0; k < 8; k++)
                if (got_k[k] != want_k[k])
                    test_fail("k%u is 0x%lx after %lu checks, loaded 0x%lx", k, (unsigned long)got_k[k],
                              (unsigned long)checks, (unsigned long)want_k[k]);
        checks++;
    } while (rdtsc_ordered() - t0 < target);
    kprintf("xstate: 0x%lx: %lu checks, registers intact\n", (unsigned long)seed, (unsigned long)checks);
    test_finish();
}
