/* SPDX-License-Identifier: BSD-2-Clause */
/* longmode.c — test guest: the long mode crt0 entered is real. EFER.LMA is set,
 * CR0/CR3/CR4 read back what was written, and the guest's own page tables are
 * walked: a fresh 4 KiB alias mapping works, INVLPG takes effect, and CR0.WP
 * decides whether a supervisor write to a read-only page faults. */
#include "guest.h"

const char test_name[] = "longmode";

#define PTE_P       (1ull << 0)
#define PTE_RW      (1ull << 1)
#define PF_ERR_P    (1ull << 0)
#define PF_ERR_W    (1ull << 1)
#define ALIAS_VA    0x0000008000000000ull   /* PML4 slot 1: nothing else maps there */
#define CPUID_EXT_EDX_LM (1u << 29)

extern uint64_t boot_pml4[512];

static uint64_t alias_pdpt[512] __attribute__((aligned(4096)));
static uint64_t alias_pd[512] __attribute__((aligned(4096)));
static uint64_t alias_pt[512] __attribute__((aligned(4096)));
static volatile uint64_t page_a[512] __attribute__((aligned(4096)));
static volatile uint64_t page_b[512] __attribute__((aligned(4096)));

static uint64_t pa(const volatile void *p)
{
    return (uint64_t)(uintptr_t)p;          /* identity map: VA == GPA */
}

static void check_modes(void)
{
    check(cpuid(0x80000001u, 0).edx & CPUID_EXT_EDX_LM, "CPUID.80000001h:EDX.LM is set");
    uint64_t efer = rdmsr(MSR_EFER);
    check((efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA),
          "EFER.LME and EFER.LMA are set (efer=0x%lx)", (unsigned long)efer);
    uint64_t cr0 = read_cr0(), cr3 = read_cr3(), cr4 = read_cr4();
    check(cr0 == boot_cr0, "CR0 reads 0x%lx, crt0 wrote 0x%x", (unsigned long)cr0, boot_cr0);
    check((cr0 & (CR0_PE | CR0_PG)) == (CR0_PE | CR0_PG), "CR0.PE and CR0.PG are set");
    check(cr4 == boot_cr4, "CR4 reads 0x%lx, crt0 wrote 0x%x", (unsigned long)cr4, boot_cr4);
    check(cr4 & CR4_PAE, "CR4.PAE is set");
    check(cr3 == pa(boot_pml4), "CR3 reads 0x%lx, crt0 wrote 0x%lx", (unsigned long)cr3,
          (unsigned long)pa(boot_pml4));
}

static void check_cr_writes(void)
{
    uint64_t cr0 = read_cr0(), cr4 = read_cr4();
    write_cr0(cr0 | CR0_WP);
    check(read_cr0() == (cr0 | CR0_WP), "CR0 with WP set reads back (0x%lx)", (unsigned long)read_cr0());
    write_cr0(cr0 & ~CR0_WP);
    check(read_cr0() == (cr0 & ~CR0_WP), "CR0 with WP clear reads back (0x%lx)", (unsigned long)read_cr0());
    write_cr0(cr0);

    uint64_t more = CR4_PGE | CR4_OSFXSR;
    write_cr4(cr4 | more);
    check(read_cr4() == (cr4 | more), "CR4 with PGE|OSFXSR set reads back (0x%lx)", (unsigned long)read_cr4());
    write_cr4(cr4 & ~more);
    check(read_cr4() == (cr4 & ~more), "CR4 with PGE|OSFXSR clear reads back (0x%lx)", (unsigned long)read_cr4());
    write_cr4(cr4);

    uint64_t cr3 = read_cr3();
    write_cr3(cr3);
    check(read_cr3() == cr3, "CR3 reload reads back 0x%lx", (unsigned long)read_cr3());
}

/* Write through a read-only alias; returns the vector (FAULT_NONE if the write went through). */
static int write_alias_ro(uint64_t value)
{
    if (fault_try())
        return last_fault.vector;
    *(volatile uint64_t *)(uintptr_t)(ALIAS_VA + 4096) = value;
    fault_end();
    return FAULT_NONE;
}

static void check_paging(void)
{
    volatile uint64_t *rw = (volatile uint64_t *)(uintptr_t)ALIAS_VA;
    volatile uint64_t *ro = (volatile uint64_t *)(uintptr_t)(ALIAS_VA + 4096);

    alias_pt[0] = pa(page_a) | PTE_P | PTE_RW;
    alias_pt[1] = pa(page_b) | PTE_P;                   /* read-only */
    alias_pd[0] = pa(alias_pt) | PTE_P | PTE_RW;
    alias_pdpt[0] = pa(alias_pd) | PTE_P | PTE_RW;
    boot_pml4[1] = pa(alias_pdpt) | PTE_P | PTE_RW;
    write_cr3(read_cr3());

    page_a[0] = 0x1111222233334444ull;
    page_b[0] = 0x5555666677778888ull;
    check(rw[0] == page_a[0], "alias VA 0x%lx reads page_a (0x%lx)", (unsigned long)ALIAS_VA,
          (unsigned long)rw[0]);
    rw[1] = 0xA5A5A5A5A5A5A5A5ull;
    check(page_a[1] == 0xA5A5A5A5A5A5A5A5ull, "write through the alias lands in page_a");
    check(ro[0] == page_b[0], "read-only alias reads page_b");

    /* Retarget the first alias page; INVLPG must drop the stale translation. */
    alias_pt[0] = pa(page_b) | PTE_P | PTE_RW;
    invlpg(ALIAS_VA);
    check(rw[0] == page_b[0], "after INVLPG the alias reads page_b (0x%lx)", (unsigned long)rw[0]);

    uint64_t cr0 = read_cr0();
    write_cr0(cr0 | CR0_WP);
    int vec = write_alias_ro(0xDEAD);
    check(vec == VEC_PF, "CR0.WP=1: supervisor write to a read-only page raises #PF, got %s",
          vector_name(vec));
    if (vec == VEC_PF) {
        check((last_fault.error_code & (PF_ERR_P | PF_ERR_W)) == (PF_ERR_P | PF_ERR_W),
              "#PF error code 0x%lx has P and W", (unsigned long)last_fault.error_code);
        check(last_fault.cr2 == ALIAS_VA + 4096, "CR2 = 0x%lx is the faulting address",
              (unsigned long)last_fault.cr2);
    }
    check(page_b[0] == 0x5555666677778888ull, "the faulting write did not land");

    write_cr0(cr0 & ~CR0_WP);
    vec = write_alias_ro(0xBEEF);
    check(vec == FAULT_NONE, "CR0.WP=0: supervisor write to a read-only page succeeds, got %s",
          vector_name(vec));
    check(page_b[0] == 0xBEEF, "the write landed in page_b (0x%lx)", (unsigned long)page_b[0]);
    write_cr0(cr0);

    boot_pml4[1] = 0;
    write_cr3(read_cr3());
}

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)magic;
    (void)mbi;
    check_modes();
    check_cr_writes();
    check_paging();
    test_finish();
}
