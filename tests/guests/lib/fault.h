/* SPDX-License-Identifier: BSD-2-Clause */
/* fault.h — expecting exceptions: fault_try()/fault_end() bracket code that may fault
 * (setjmp-style); the IDT handler resumes at fault_try's return with value 1 and
 * records the fault in last_fault. Unexpected exceptions FAIL the test. */
#ifndef GUEST_FAULT_H
#define GUEST_FAULT_H

#include <stdint.h>

#define FAULT_NONE (-1)

/* Stack image built by isr.asm's isr_common; field order is the reverse of the pushes. */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;
};

/* Filled by fault_try (isr.asm); offsets are fixed there. */
struct fault_ctx {
    uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip;
    uint64_t armed;
};

struct fault_record {
    int vector;
    uint64_t error_code;
    uint64_t rip;
    uint64_t cr2;
};

extern struct fault_ctx fault_ctx;
extern struct fault_record last_fault;

/* Returns 0 when called; returns 1 a second time if an exception occurs before
 * fault_end(). Locals changed between the two must not be relied on (as with setjmp). */
int fault_try(void) __attribute__((returns_twice));
void fault_end(void);

void idt_init(void);
/* Loads an IDT with the given limit (0 = empty IDT); for the triple-fault test. */
void idt_load_limit(uint16_t limit);

/* Each runs one instruction and returns FAULT_NONE, or the vector it raised. */
int rdmsr_safe(uint32_t msr, uint64_t *val);
int wrmsr_safe(uint32_t msr, uint64_t val);
int write_cr4_safe(uint64_t val);
int xsetbv_safe(uint32_t xcr, uint64_t val);
int xgetbv_safe(uint32_t xcr, uint64_t *val);

const char *vector_name(int vector);

#endif
