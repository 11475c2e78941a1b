/* SPDX-License-Identifier: BSD-2-Clause */
/* vmcall.c — test guest: VMCALL is answered with RAX = -ENOSYS (-38) for any RAX,
 * execution continues at the next instruction, and no other register changes. */
#include "guest.h"

const char test_name[] = "vmcall";

struct regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15, rbp;
};

/* Loads every GPR but RSP from *in, executes VMCALL, stores them all to *out. */
extern void vmcall_all_regs(const struct regs *in, struct regs *out);
__asm__(
    ".pushsection .text\n"
    ".globl vmcall_all_regs\n"
    "vmcall_all_regs:\n"
    "    push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
    "    push %rsi\n"                       /* out */
    "    mov 8(%rdi), %rbx; mov 16(%rdi), %rcx; mov 24(%rdi), %rdx; mov 32(%rdi), %rsi\n"
    "    mov 48(%rdi), %r8; mov 56(%rdi), %r9; mov 64(%rdi), %r10; mov 72(%rdi), %r11\n"
    "    mov 80(%rdi), %r12; mov 88(%rdi), %r13; mov 96(%rdi), %r14; mov 104(%rdi), %r15\n"
    "    mov 112(%rdi), %rbp; mov 0(%rdi), %rax; mov 40(%rdi), %rdi\n"
    "    vmcall\n"
    "    xchg %rdi, (%rsp)\n"               /* rdi = out, stack keeps the guest's rdi */
    "    mov %rax, 0(%rdi); mov %rbx, 8(%rdi); mov %rcx, 16(%rdi); mov %rdx, 24(%rdi)\n"
    "    mov %rsi, 32(%rdi); mov %r8, 48(%rdi); mov %r9, 56(%rdi); mov %r10, 64(%rdi)\n"
    "    mov %r11, 72(%rdi); mov %r12, 80(%rdi); mov %r13, 88(%rdi); mov %r14, 96(%rdi)\n"
    "    mov %r15, 104(%rdi); mov %rbp, 112(%rdi)\n"
    "    pop %rax; mov %rax, 40(%rdi)\n"
    "    pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
    "    ret\n"
    ".popsection\n");

static int run(const struct regs *in, struct regs *out)
{
    if (fault_try())
        return last_fault.vector;
    vmcall_all_regs(in, out);
    fault_end();
    return FAULT_NONE;
}

static void check_call(uint64_t rax)
{
    struct regs in, out;
    uint64_t *w = (uint64_t *)&in;
    for (unsigned i = 0; i < sizeof(in) / 8; i++)
        w[i] = (0x0101010101010101ull * (i + 1)) ^ rax;   /* distinct per register and call */
    in.rax = rax;
    memset(&out, 0, sizeof(out));

    int vec = run(&in, &out);
    if (!check(vec == FAULT_NONE, "VMCALL with RAX=0x%lx does not fault (got %s)",
               (unsigned long)rax, vector_name(vec)))
        return;
    check(out.rax == (uint64_t)-38, "VMCALL with RAX=0x%lx returns RAX=0x%lx, want -38 (0x%lx)",
          (unsigned long)rax, (unsigned long)out.rax, (unsigned long)(uint64_t)-38);
    const char *names[] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10",
                            "r11", "r12", "r13", "r14", "r15", "rbp" };
    const uint64_t *o = (const uint64_t *)&out;
    unsigned changed = 0;
    for (unsigned i = 1; i < sizeof(in) / 8; i++) {
        if (w[i] != o[i]) {
            kprintf("vmcall: %s was 0x%lx, now 0x%lx\n", names[i], (unsigned long)w[i],
                    (unsigned long)o[i]);
            changed++;
        }
    }
    check(changed == 0, "VMCALL with RAX=0x%lx leaves the other 14 GPRs unchanged", (unsigned long)rax);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)magic;
    (void)mbi;
    check_call(0);
    check_call(1);
    check_call(0x12345678);
    check_call(0xFFFFFFFFFFFFFFFFull);
    test_finish();
}
