/* SPDX-License-Identifier: BSD-2-Clause */
/* GDT with a 64-bit TSS, and an IDT whose exception handlers report and halt
 * (boot CPU, once). Descriptor formats: SDM Vol. 3A 3.4.5, 6.14.1, 8.2.3. */
#include <string.h>
#include "host/apic.h"
#include "arch/x86/percpu.h"
#include "lib/print.h"
#include "host/cpu_tables.h"
#include "arch/x86/x86.h"

struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3, iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS is 104 bytes");

struct idt_gate {
    uint16_t offset_lo, selector;
    uint8_t ist, type_attr;
    uint16_t offset_mid;
    uint32_t offset_hi, reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate is 16 bytes");

struct __attribute__((packed)) table_ptr {
    uint16_t limit;
    uint64_t base;
};

#define IST_CRITICAL 1      /* #DF, NMI, #MC run on their own stack */

/* One GDT and TSS per CPU (a TSS is busy while loaded); one shared IDT. */
static uint64_t gdts[MAX_PCPUS][5] __attribute__((aligned(16)));
static struct tss64 tsses[MAX_PCPUS] __attribute__((aligned(16)));
static struct idt_gate idt[256] __attribute__((aligned(16)));
static uint8_t critical_stacks[MAX_PCPUS][8192] __attribute__((aligned(16)));
extern const uint64_t exception_stubs[32];
extern char host_interrupt_stub[], host_spurious_stub[];

static struct idt_gate interrupt_gate(uint64_t handler, uint8_t ist)
{
    return (struct idt_gate){
        .offset_lo = (uint16_t)handler, .selector = SEL_CODE, .ist = ist,
        .type_attr = 0x8e,          /* present, DPL 0, interrupt gate */
        .offset_mid = (uint16_t)(handler >> 16), .offset_hi = (uint32_t)(handler >> 32) };
}

static void idt_init(void)
{
    for (unsigned v = 0; v < 32; v++)
        idt[v] = interrupt_gate(exception_stubs[v],
                                (v == EXC_DF || v == EXC_NMI || v == EXC_MC) ? IST_CRITICAL : 0);
    for (unsigned v = 32; v < 256; v++)
        idt[v] = interrupt_gate((uintptr_t)host_interrupt_stub, 0);
    idt[HOST_SPURIOUS_VECTOR] = interrupt_gate((uintptr_t)host_spurious_stub, 0);
}

void cpu_tables_init(unsigned cpu)
{
    uint64_t *gdt = gdts[cpu];
    struct tss64 *tss = &tsses[cpu];
    if (cpu == 0)
        idt_init();
    gdt[0] = 0;
    gdt[1] = 0x00af9a000000ffffull;     /* 64-bit code, DPL 0 */
    gdt[2] = 0x00cf92000000ffffull;     /* data, DPL 0 */
    uint64_t base = (uintptr_t)tss, limit = sizeof(*tss) - 1;
    gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
             (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    gdt[4] = base >> 32;
    tss->ist[IST_CRITICAL - 1] = (uintptr_t)(critical_stacks[cpu] + sizeof(critical_stacks[cpu]));
    tss->iomap_base = sizeof(*tss);

    struct table_ptr g = { sizeof(gdts[cpu]) - 1, (uintptr_t)gdt };
    struct table_ptr i = { sizeof(idt) - 1, (uintptr_t)idt };
    __asm__ volatile("lgdt %0\n\t"
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "mov %2, %%ax\n\t"
                     "mov %%ax, %%ds\n\t"
                     "mov %%ax, %%es\n\t"
                     "mov %%ax, %%ss\n\t"
                     "ltr %w3\n\t"
                     "lidt %4"
                     :
                     : "m"(g), "i"(SEL_CODE), "i"(SEL_DATA), "r"(SEL_TSS), "m"(i)
                     : "rax", "memory");
}

struct cpu_tables_info cpu_tables(void)
{
    unsigned cpu = this_pcpu()->index;
    return (struct cpu_tables_info){ (uintptr_t)gdts[cpu], (uintptr_t)idt, (uintptr_t)&tsses[cpu] };
}

void host_interrupt(void);
void host_interrupt(void)
{
    host_apic_eoi();
}

void exception_handler(struct exception_frame *f)
{
    if (f->vector == EXC_NMI)       /* an NMI in root mode is not a bug: carry on */
        return;
    printk("\nkeel: PANIC: exception %lu error 0x%lx at rip %016lx\n", f->vector, f->error, f->rip);
    printk("rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
    printk("rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", f->rsi, f->rdi, f->rbp, f->rsp);
    printk("r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", f->r8, f->r9, f->r10, f->r11);
    printk("r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n", f->r12, f->r13, f->r14, f->r15);
    printk("cr0 %016lx cr2 %016lx cr3 %016lx cr4 %016lx rflags %08lx cs %lx\n",
           read_cr0(), read_cr2(), read_cr3(), read_cr4(), f->rflags, f->cs);
    printk("keel: halted\n");
    halt_forever();
}
