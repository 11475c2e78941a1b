/* Platform glue between a VM's vCPUs and its interrupt controllers and
 * timers (vCPU's CPU, just before VM entry and while the vCPU halts).
 * Multiboot test guests have no interrupt sources yet. */
#include "vm/platform.h"

int platform_pending_interrupt(struct vcpu *v)
{
    (void)v;
    return -1;
}

void platform_ack_interrupt(struct vcpu *v, int vector)
{
    (void)v;
    (void)vector;
}

uint64_t platform_update(struct vcpu *v, uint64_t now)
{
    (void)v;
    (void)now;
    return NO_DEADLINE;
}
