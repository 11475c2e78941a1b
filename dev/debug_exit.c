/* SPDX-License-Identifier: BSD-2-Clause */
/* isa-debug-exit: end the VM with a status a test script reads (vCPU's CPU). */
#include "dev/debug_exit.h"

void debug_exit_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t val)
{
    (void)port;
    (void)size;
    /* QEMU reports (val << 1) | 1 as the exit code: keep that contract. */
    v->end_status = (val << 1) | 1;
    vcpu_end(v, END_DEBUG_EXIT, NULL);
}
