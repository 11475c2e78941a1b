/* SPDX-License-Identifier: BSD-2-Clause */
/* msr.c — test guest: the MSR policy. Allowed MSRs keep what is written; refused
 * accesses must raise #GP through the guest's own IDT, and leave the old value. */
#include "guest.h"

const char test_name[] = "msr";

#define CPUID_EXT_EDX_NX    (1u << 20)

/* Write v, read it back; restore the old value afterwards so later checks start clean. */
static void check_roundtrip(uint32_t msr, const char *name, uint64_t v)
{
    uint64_t old = 0, got = 0;
    int vr = rdmsr_safe(msr, &old);
    int vw = wrmsr_safe(msr, v);
    int vr2 = rdmsr_safe(msr, &got);
    check(vr == FAULT_NONE && vw == FAULT_NONE && vr2 == FAULT_NONE && got == v,
          "%s (0x%x): wrote 0x%lx, read 0x%lx (read %s, write %s)", name, msr,
          (unsigned long)v, (unsigned long)got, vector_name(vr), vector_name(vw));
    if (vr == FAULT_NONE)
        wrmsr_safe(msr, old);
}

static void check_read_gp(uint32_t msr, const char *why)
{
    uint64_t v = 0;
    int vec = rdmsr_safe(msr, &v);
    check(vec == VEC_GP, "rdmsr 0x%x (%s) raises #GP, got %s", msr, why, vector_name(vec));
}

/* A refused write must fault with #GP and leave the MSR's value unchanged. */
static void check_write_gp(uint32_t msr, uint64_t v, const char *why)
{
    uint64_t before = 0, after = 0;
    bool readable = rdmsr_safe(msr, &before) == FAULT_NONE;
    int vec = wrmsr_safe(msr, v);
    check(vec == VEC_GP, "wrmsr 0x%x <- 0x%lx (%s) raises #GP, got %s", msr, (unsigned long)v,
          why, vector_name(vec));
    if (readable) {
        rdmsr_safe(msr, &after);
        check(after == before, "0x%x unchanged after refused write (0x%lx -> 0x%lx)", msr,
              (unsigned long)before, (unsigned long)after);
    }
}

static void test_sysenter(void)
{
    check_roundtrip(MSR_SYSENTER_CS, "SYSENTER_CS", 0x10);
    check_roundtrip(MSR_SYSENTER_ESP, "SYSENTER_ESP", 0xFFFFFFFF80123450ull);
    check_roundtrip(MSR_SYSENTER_EIP, "SYSENTER_EIP", 0x0000000000ABCDEFull);
}

static void test_pat(void)
{
    uint64_t pat = 0;
    int vec = rdmsr_safe(MSR_PAT, &pat);     /* read before printing: argument order is unspecified */
    check(vec == FAULT_NONE, "PAT readable (0x%016lx)", (unsigned long)pat);
    /* Every valid type (UC WC WT WP WB UC-) in some entry. Entry 0 stays WB: the page
     * tables use it for all memory. Invalid types go in entries nothing uses. */
    check_roundtrip(MSR_PAT, "PAT", 0x0007050100070406ull);
    check_roundtrip(MSR_PAT, "PAT", 0x0007040600070406ull);   /* power-on default */
    check_write_gp(MSR_PAT, 0x0007040600020406ull, "type 0x02 in entry 2");
    check_write_gp(MSR_PAT, 0x0007040603070406ull, "type 0x03 in entry 3");
    check_write_gp(MSR_PAT, 0x0807040600070406ull, "type 0x08 in entry 7");
    wrmsr_safe(MSR_PAT, pat);
}

static void test_efer(void)
{
    uint64_t efer = 0, got = 0;
    int vec = rdmsr_safe(MSR_EFER, &efer);
    check(vec == FAULT_NONE, "EFER readable (0x%lx)", (unsigned long)efer);
    check((efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA), "EFER.LME and EFER.LMA set in long mode");

    check(wrmsr_safe(MSR_EFER, efer | EFER_SCE) == FAULT_NONE, "EFER.SCE can be set");
    rdmsr_safe(MSR_EFER, &got);
    check(got & EFER_SCE, "EFER.SCE reads back set (0x%lx)", (unsigned long)got);
    check(wrmsr_safe(MSR_EFER, efer & ~EFER_SCE) == FAULT_NONE, "EFER.SCE can be cleared");
    rdmsr_safe(MSR_EFER, &got);
    check(!(got & EFER_SCE), "EFER.SCE reads back clear (0x%lx)", (unsigned long)got);

    if (cpuid(0x80000000u, 0).eax >= 0x80000001u && (cpuid(0x80000001u, 0).edx & CPUID_EXT_EDX_NX)) {
        check(wrmsr_safe(MSR_EFER, efer | EFER_NXE) == FAULT_NONE, "EFER.NXE can be set (NX advertised)");
        rdmsr_safe(MSR_EFER, &got);
        check(got & EFER_NXE, "EFER.NXE reads back set (0x%lx)", (unsigned long)got);
        wrmsr_safe(MSR_EFER, efer);
    } else {
        note("NX not advertised: EFER.NXE not tested");
    }
    check_write_gp(MSR_EFER, efer | (1ull << 3), "reserved EFER bit 3");
    check_write_gp(MSR_EFER, efer | (1ull << 63), "reserved EFER bit 63");
    wrmsr_safe(MSR_EFER, efer);
}

static void test_syscall_and_bases(void)
{
    check_roundtrip(MSR_STAR, "STAR", 0x0023001000000000ull);
    check_roundtrip(MSR_LSTAR, "LSTAR", 0xFFFFFFFF81000000ull);
    check_roundtrip(MSR_CSTAR, "CSTAR", 0xFFFFFFFF81000040ull);
    check_roundtrip(MSR_SFMASK, "SFMASK", 0x47700);
    check_roundtrip(MSR_KERNEL_GS_BASE, "KERNEL_GS_BASE", 0x00007FFFFFFFF000ull);
    check_roundtrip(MSR_FS_BASE, "FS_BASE", 0x0000000012345000ull);
    check_roundtrip(MSR_GS_BASE, "GS_BASE", 0xFFFF800000001000ull);
    check_write_gp(MSR_LSTAR, 0x0000800000000000ull, "non-canonical LSTAR");
    check_write_gp(MSR_FS_BASE, 0x8000000000000000ull, "non-canonical FS_BASE");
}

static void test_tsc(void)
{
    uint64_t a = 0, b = 0;
    uint64_t t0 = rdtsc_ordered();
    int va = rdmsr_safe(MSR_TSC, &a);
    int vb = rdmsr_safe(MSR_TSC, &b);
    uint64_t t1 = rdtsc_ordered();
    check(va == FAULT_NONE && vb == FAULT_NONE, "IA32_TSC readable");
    check(b > a, "IA32_TSC increases (0x%lx then 0x%lx)", (unsigned long)a, (unsigned long)b);
    /* Same clock as RDTSC: a TSC offset must apply to both or neither. */
    check(t0 <= a && b <= t1, "IA32_TSC agrees with RDTSC (0x%lx <= 0x%lx <= 0x%lx <= 0x%lx)",
          (unsigned long)t0, (unsigned long)a, (unsigned long)b, (unsigned long)t1);
}

static void test_refused(void)
{
    check_read_gp(0x12345678u, "no such MSR");
    check_read_gp(0xC0011234u, "no such MSR");
    check_write_gp(0x12345678u, 0, "no such MSR");
    check_write_gp(0xC0011234u, 1, "no such MSR");

    uint64_t fc = 0;
    int vec = rdmsr_safe(MSR_FEATURE_CONTROL, &fc);
    check(vec == FAULT_NONE && (fc & 1), "IA32_FEATURE_CONTROL reads locked (0x%lx, %s)",
          (unsigned long)fc, vector_name(vec));
    check_write_gp(MSR_FEATURE_CONTROL, fc | (1ull << 2), "FEATURE_CONTROL is locked");
}

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)magic;
    (void)mbi;
    test_sysenter();
    test_pat();
    test_efer();
    test_syscall_and_bases();
    test_tsc();
    test_refused();
    test_finish();
}
