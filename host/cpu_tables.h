/* SPDX-License-Identifier: BSD-2-Clause */
/* Keel's GDT, TSS and IDT for the boot CPU, and the exception frame. */
#ifndef KEEL_VMX_CPU_TABLES_H
#define KEEL_VMX_CPU_TABLES_H

#include <stdint.h>

#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define SEL_TSS  0x18

struct cpu_tables_info {
    uint64_t gdt_base, idt_base, tss_base;
};

/* Load CPU `cpu`'s GDT and TSS and the shared IDT (built by CPU 0). */
void cpu_tables_init(unsigned cpu);
struct cpu_tables_info cpu_tables(void);

/* Saved by exception.asm in this order (lowest address first). */
struct exception_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;
};

void exception_handler(struct exception_frame *f);

#endif
