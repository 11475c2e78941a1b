/* SPDX-License-Identifier: BSD-2-Clause */
/* irq.c — the 256-entry IDT and the external-interrupt dispatcher (see irq.h). */
#include "irq.h"

struct idt_gate64 {
    uint16_t offset_lo;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi;
    uint32_t reserved;
} __attribute__((packed));

struct idt_ptr64 {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

#define SEL_CODE64  0x08    /* crt0's GDT */
#define GATE_INTR   0x8E    /* present, DPL 0, 64-bit interrupt gate (clears IF) */

extern const uint64_t isr_stub_table[IRQ_VEC_FIRST];                   /* isr.asm */
extern const uint64_t irq_stub_table[IRQ_NR_VECTORS - IRQ_VEC_FIRST];  /* irqstub.asm */

static struct idt_gate64 idt256[IRQ_NR_VECTORS] __attribute__((aligned(16)));
static irq_handler_t handlers[IRQ_NR_VECTORS];

volatile uint32_t irq_count[IRQ_NR_VECTORS];
volatile uint32_t irq_unhandled;
volatile uint32_t irq_unhandled_last;

static void set_gate(unsigned v, uint64_t h)
{
    idt256[v] = (struct idt_gate64){
        .offset_lo = (uint16_t)h,
        .selector = SEL_CODE64,
        .ist = 0,
        .type_attr = GATE_INTR,
        .offset_mid = (uint16_t)(h >> 16),
        .offset_hi = (uint32_t)(h >> 32),
    };
}

void irq_init(void)
{
    for (unsigned v = 0; v < IRQ_VEC_FIRST; v++)
        set_gate(v, isr_stub_table[v]);
    for (unsigned v = IRQ_VEC_FIRST; v < IRQ_NR_VECTORS; v++)
        set_gate(v, irq_stub_table[v - IRQ_VEC_FIRST]);
    struct idt_ptr64 p = { .limit = sizeof(idt256) - 1, .base = (uint64_t)(uintptr_t)idt256 };
    __asm__ volatile("lidt %0" : : "m"(p) : "memory");
}

void irq_register(unsigned vector, irq_handler_t h)
{
    if (vector >= IRQ_VEC_FIRST && vector < IRQ_NR_VECTORS)
        handlers[vector] = h;
}

void irq_dispatch(struct trap_frame *f);
void irq_dispatch(struct trap_frame *f)
{
    unsigned v = (unsigned)f->vector & 0xFF;
    irq_count[v]++;
    irq_handler_t h = handlers[v];
    if (h) {
        h(f);
    } else {
        irq_unhandled++;
        irq_unhandled_last = v;
    }
}
