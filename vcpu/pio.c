/* SPDX-License-Identifier: BSD-2-Clause */
/* Port I/O of a vCPU through its VM's bus (vCPU's CPU, at I/O exits, under
 * the VM's lock). The devices say what an access asks for; this file turns
 * it into a kick or the VM's end. */
#include "dev/io_bus.h"
#include "vcpu/pio.h"

void vcpu_port_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t val)
{
    bool kick = false;
    struct dev_reply reply = { .request = DEV_REQ_NONE };
    io_bus_write(v->io_bus, port, size, val, &reply, &kick);
    if (kick)
        vcpu_kick(v);
    switch (reply.request) {
    case DEV_REQ_NONE:
        break;
    case DEV_REQ_RESET:
        vcpu_end(v, END_REBOOT, NULL);
        break;
    case DEV_REQ_POWEROFF:
        vcpu_end(v, END_POWEROFF, NULL);
        break;
    case DEV_REQ_DEBUG_EXIT:
        v->end_status = reply.status;
        vcpu_end(v, END_DEBUG_EXIT, NULL);
        break;
    }
}
