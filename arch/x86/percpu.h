/* SPDX-License-Identifier: BSD-2-Clause */
/* Per-physical-CPU state, found through the GS base (the first field points
 * to the structure itself, so %gs:0 yields it). */
#ifndef KEEL_CORE_PERCPU_H
#define KEEL_CORE_PERCPU_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_PCPUS     8
#define AP_STACK_SIZE 16384     /* each application processor's root-mode stack */

struct vcpu;

struct pcpu {
    struct pcpu *self;
    unsigned index;             /* 0 = the boot CPU */
    uint32_t apic_id;
    uint64_t current_xcr0;      /* what XCR0 holds on this CPU */
    struct vcpu *loaded;        /* the vCPU whose VMCS and CPU state this CPU holds */
    volatile bool resched;      /* the scheduler wants this CPU to pick again */
    volatile bool online;
};

extern struct pcpu pcpus[MAX_PCPUS];
extern volatile unsigned nr_pcpus;

static inline struct pcpu *this_pcpu(void)
{
    struct pcpu *p;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(p));
    return p;
}

/* Point GS at pcpus[index] on the calling CPU. */
void percpu_init(unsigned index, uint32_t apic_id);

#endif
