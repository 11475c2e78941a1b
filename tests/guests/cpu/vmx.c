/* SPDX-License-Identifier: BSD-2-Clause */
/* vmx.c — test guest: VMX is hidden from the guest. Every VMX instruction must raise
 * #UD, and setting CR4.VMXE must raise #GP (and leave CR4 unchanged). */
#include "guest.h"

const char test_name[] = "vmx";

/* 4 KiB-aligned dummy region: a valid-looking VMXON/VMCS pointer operand. */
static uint8_t region[4096] __attribute__((aligned(4096)));
static uint64_t region_pa = (uint64_t)(uintptr_t)region;
static struct { uint64_t a, b; } desc;     /* INVEPT/INVVPID descriptor */

/* Runs one instruction under fault_try; expands so each asm keeps its own operands. */
#define PROBE(vec_out, ...)                                     \
    do {                                                        \
        if (fault_try()) {                                      \
            (vec_out) = last_fault.vector;                      \
        } else {                                                \
            __asm__ volatile(__VA_ARGS__);                      \
            fault_end();                                        \
            (vec_out) = FAULT_NONE;                             \
        }                                                       \
    } while (0)

static void expect_ud(const char *insn, int vec)
{
    check(vec == VEC_UD, "%s raises #UD, got %s", insn, vector_name(vec));
}

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)magic;
    (void)mbi;
    int vec;
    uint64_t value = 0, field = 0x4400;     /* VM-instruction error field */

    check(!(cpuid(1, 0).ecx & (1u << 5)), "CPUID.1:ECX.VMX is clear");

    PROBE(vec, "vmxon %0" : : "m"(region_pa) : "memory", "cc");
    expect_ud("VMXON", vec);
    PROBE(vec, "vmclear %0" : : "m"(region_pa) : "memory", "cc");
    expect_ud("VMCLEAR", vec);
    PROBE(vec, "vmptrld %0" : : "m"(region_pa) : "memory", "cc");
    expect_ud("VMPTRLD", vec);
    PROBE(vec, "vmptrst %0" : "=m"(value) : : "memory", "cc");
    expect_ud("VMPTRST", vec);
    PROBE(vec, "vmread %1, %0" : "=r"(value) : "r"(field) : "memory", "cc");
    expect_ud("VMREAD", vec);
    PROBE(vec, "vmwrite %1, %0" : : "r"(field), "r"(value) : "memory", "cc");
    expect_ud("VMWRITE", vec);
    PROBE(vec, "vmlaunch" : : : "memory", "cc");
    expect_ud("VMLAUNCH", vec);
    PROBE(vec, "vmresume" : : : "memory", "cc");
    expect_ud("VMRESUME", vec);
    PROBE(vec, "vmxoff" : : : "memory", "cc");
    expect_ud("VMXOFF", vec);
    PROBE(vec, "invept %0, %1" : : "m"(desc), "r"(1ull) : "memory", "cc");
    expect_ud("INVEPT", vec);
    PROBE(vec, "invvpid %0, %1" : : "m"(desc), "r"(1ull) : "memory", "cc");
    expect_ud("INVVPID", vec);

    uint64_t cr4 = read_cr4();
    check(!(cr4 & CR4_VMXE), "CR4.VMXE reads clear (cr4=0x%lx)", (unsigned long)cr4);
    vec = write_cr4_safe(cr4 | CR4_VMXE);
    uint64_t cr4_after = read_cr4();
    if (cr4_after & CR4_VMXE)
        write_cr4(cr4);     /* put it back before anything else runs */
    check(vec == VEC_GP, "setting CR4.VMXE raises #GP, got %s", vector_name(vec));
    check(cr4_after == cr4, "CR4 unchanged after the refused write (0x%lx -> 0x%lx)",
          (unsigned long)cr4, (unsigned long)cr4_after);

    test_finish();
}
