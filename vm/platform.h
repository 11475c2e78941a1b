/* The emulated PC platform of a VM, as its vCPUs see it: which interrupt is
 * pending for a vCPU, and when the platform's timers next need attention. */
#ifndef KEEL_VM_PLATFORM_H
#define KEEL_VM_PLATFORM_H

#include <stdint.h>
#include "vcpu/vcpu.h"

#define NO_DEADLINE UINT64_MAX

/* Highest-priority external interrupt vector the vCPU should take, or -1. */
int platform_pending_interrupt(struct vcpu *v);
/* The vCPU is taking `vector` (the INTA cycle: IRR to ISR). */
void platform_ack_interrupt(struct vcpu *v, int vector);
/* Advance the platform's timers to `now` (host TSC); returns the host TSC of
 * the next timer event, or NO_DEADLINE. */
uint64_t platform_update(struct vcpu *v, uint64_t now);

#endif
