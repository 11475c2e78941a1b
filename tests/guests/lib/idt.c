/* SPDX-License-Identifier: BSD-2-Clause */
/* idt.c — the guest's 64-bit IDT and the C exception dispatcher: resumes an armed
 * fault_try() region, otherwise reports the unexpected exception and FAILs. */
#include "fault.h"
#include "cpu.h"
#include "print.h"
#include "exit.h"

struct idt_gate {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
} __attribute__((packed));

struct table_ptr {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

#define NR_VECTORS  32
#define SEL_CODE64  0x08
#define GATE_INTR   0x8E    /* present, DPL 0, 64-bit interrupt gate */

extern const uint64_t isr_stub_table[NR_VECTORS];

static struct idt_gate idt[NR_VECTORS] __attribute__((aligned(16)));
struct fault_record last_fault;

void idt_load_limit(uint16_t limit)
{
    struct table_ptr p = { .limit = limit, .base = (uint64_t)(uintptr_t)idt };
    __asm__ volatile("lidt %0" : : "m"(p) : "memory");
}

void idt_init(void)
{
    for (int v = 0; v < NR_VECTORS; v++) {
        uint64_t h = isr_stub_table[v];
        idt[v] = (struct idt_gate){
            .offset_lo = (uint16_t)h,
            .selector = SEL_CODE64,
            .ist = 0,
            .type_attr = GATE_INTR,
            .offset_mid = (uint16_t)(h >> 16),
            .offset_hi = (uint32_t)(h >> 32),
        };
    }
    idt_load_limit(sizeof(idt) - 1);
    last_fault.vector = FAULT_NONE;
}

const char *vector_name(int vector)
{
    static const char *const names[NR_VECTORS] = {
        "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
        "#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "reserved",
        "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
    };
    if (vector == FAULT_NONE)
        return "no exception";
    if (vector < 0 || vector >= NR_VECTORS || !names[vector])
        return "reserved";
    return names[vector];
}

void exception_dispatch(struct trap_frame *f);
void exception_dispatch(struct trap_frame *f)
{
    last_fault.vector = (int)f->vector;
    last_fault.error_code = f->error_code;
    last_fault.rip = f->rip;
    last_fault.cr2 = read_cr2();

    if (fault_ctx.armed) {
        /* Make the IRETQ look like fault_try() returning 1 in its caller. */
        fault_ctx.armed = 0;
        f->rbx = fault_ctx.rbx;
        f->rbp = fault_ctx.rbp;
        f->r12 = fault_ctx.r12;
        f->r13 = fault_ctx.r13;
        f->r14 = fault_ctx.r14;
        f->r15 = fault_ctx.r15;
        f->rsp = fault_ctx.rsp;
        f->rip = fault_ctx.rip;
        f->rax = 1;
        return;
    }

    test_fail("unexpected exception %s (vector %lu) error code 0x%lx at rip 0x%lx, cr2 0x%lx",
              vector_name((int)f->vector), (unsigned long)f->vector,
              (unsigned long)f->error_code, (unsigned long)f->rip,
              (unsigned long)last_fault.cr2);
}
