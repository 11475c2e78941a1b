/* SPDX-License-Identifier: BSD-2-Clause */
/* xen_guest.c — hypercall helpers for the Xen-mode test guests (see xen_guest.h):
 * a hypercall that reports any exception it raises instead of dying of it, the few
 * wrappers the guests share, and the PV drivers' shared_info and grant-table set-up. */
#include "xen_guest.h"
#include <stddef.h>
#include "exit.h"
#include "fault.h"
#include "pci.h"

int xen_hypercall_safe(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, long *rc)
{
    if (fault_try())
        return last_fault.vector;
    long r = xen_hypercall5(nr, a1, a2, a3, 0, 0);
    fault_end();
    *rc = r;
    return FAULT_NONE;
}

long xen_call(const char *what, uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
    long rc = 0;
    int vec = xen_hypercall_safe(nr, a1, a2, a3, &rc);
    if (vec != FAULT_NONE) {
        check(false, "%s: the hypercall raised %s (vector %d) in the guest", what,
              vector_name(vec), vec);
        return XEN_FAULTED;
    }
    return rc;
}

long xen_add_to_physmap(uint16_t domid, uint32_t space, uint64_t idx, uint64_t gpfn)
{
    struct xen_add_to_physmap a = { .domid = domid, .space = space, .idx = idx, .gpfn = gpfn };
    return xen_call("add_to_physmap", __HYPERVISOR_memory_op, XENMEM_add_to_physmap,
                    (uint64_t)(uintptr_t)&a, 0);
}

long xen_get_param(uint32_t index, uint64_t *value)
{
    struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index, .value = 0xdead0000beefull };
    long rc = xen_call("HVMOP_get_param", __HYPERVISOR_hvm_op, HVMOP_get_param,
                       (uint64_t)(uintptr_t)&p, 0);
    *value = p.value;
    return rc;
}

long xen_set_param(uint16_t domid, uint32_t index, uint64_t value)
{
    struct xen_hvm_param p = { .domid = domid, .index = index, .value = value };
    return xen_call("HVMOP_set_param", __HYPERVISOR_hvm_op, HVMOP_set_param,
                    (uint64_t)(uintptr_t)&p, 0);
}

long xen_alloc_unbound(uint16_t dom, uint16_t remote)
{
    struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote, .port = 0 };
    long rc = xen_call("EVTCHNOP_alloc_unbound", __HYPERVISOR_event_channel_op,
                       EVTCHNOP_alloc_unbound, (uint64_t)(uintptr_t)&a, 0);
    return rc ? rc : (long)a.port;
}

long xen_evtchn_port_op(unsigned op, uint32_t port)
{
    struct evtchn_port_arg a = { .port = port };
    return xen_call("event_channel_op", __HYPERVISOR_event_channel_op, op,
                    (uint64_t)(uintptr_t)&a, 0);
}

long xen_evtchn_status(uint32_t port, struct evtchn_status *st)
{
    *st = (struct evtchn_status){ .dom = DOMID_SELF, .port = port, .status = 0xffff };
    return xen_call("EVTCHNOP_status", __HYPERVISOR_event_channel_op, EVTCHNOP_status,
                    (uint64_t)(uintptr_t)st, 0);
}

bool xen_platform_find(unsigned *dev, uint32_t *bar1)
{
    for (unsigned d = 0; d < 32; d++) {
        uint32_t id = pci_read32(0, d, 0, 0x00);
        if ((id & 0xffff) == XEN_PLATFORM_VENDOR && (id >> 16) == XEN_PLATFORM_DEVICE) {
            *dev = d;
            *bar1 = pci_read32(0, d, 0, 0x14);
            return true;
        }
    }
    return false;
}

volatile struct grant_entry_v1 *xen_map_shinfo_and_grants(uint8_t *shinfo, uint32_t *bar1)
{
    unsigned dev = 0;
    bool found = xen_platform_find(&dev, bar1);
    *bar1 &= ~0xfu;
    if (!check(found && *bar1, "platform device 5853:0001 at 00:%02x.0, BAR1 0x%x", dev, *bar1))
        return NULL;
    long rc = xen_add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, (uint64_t)(uintptr_t)shinfo >> 12);
    if (!check(rc == 0, "add_to_physmap(shared_info) (%ld)", rc))
        return NULL;
    rc = xen_add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table, 0, *bar1 >> 12);
    if (!check(rc == 0, "add_to_physmap(grant_table, idx 0) at BAR1 (%ld)", rc))
        return NULL;
    volatile struct grant_entry_v1 *gnt = (volatile struct grant_entry_v1 *)(uintptr_t)*bar1;
    for (unsigned i = 0; i < 512; i++)
        gnt[i] = (struct grant_entry_v1){ 0, 0, 0 };
    return gnt;
}
