/* SPDX-License-Identifier: BSD-2-Clause */
/* Xen hypercalls from a Xen-mode guest (vCPU's CPU, at a VMCALL exit): the
 * 64-bit ABI (RAX = number; RDI, RSI, RDX, R10, R8 = arguments; result in
 * RAX), pointer arguments read and written through the guest's own page
 * tables, and the sub-operations stock Linux needs. Everything else answers
 * -ENOSYS; a call from CPL > 0 answers -EPERM (Xen's hvm_hypercall). */
#include <string.h>
#include "fw/acpi_tables.h"
#include "ept/guest_walk.h"
#include "pvio/xen/xen.h"
#include "pvio/xen/xen_abi.h"
#include "vcpu/schedule.h"
#include "vcpu/string_io.h"
#include "vcpu/vcpu.h"

struct hypercall {
    struct vcpu *v;
    struct xen_domain *d;
    struct guest_paging paging;
    uint64_t arg[5];
};

/* The page walk looks at 48 bits only: a range must be canonical from its
 * first byte to its last, as the CPU would demand (64-bit callers only). */
static bool canonical_range(uint64_t gva, size_t len)
{
    return len == 0 || (is_canonical(gva) && gva + len - 1 >= gva && is_canonical(gva + len - 1));
}

/* Guest-virtual buffers, as Xen's copy_from_guest on HVM: a bad address
 * is -EFAULT for the caller, never a fault injected into the guest. */
static int copy_in(struct hypercall *h, uint64_t gva, void *dst, size_t len)
{
    if (!canonical_range(gva, len) ||
        guest_linear_read(h->v->machine->mem, &h->paging, gva, dst, len, 0, NULL))
        return -XEN_EFAULT;
    return 0;
}

static int copy_out(struct hypercall *h, uint64_t gva, const void *src, size_t len)
{
    if (!canonical_range(gva, len) ||
        guest_linear_write(h->v->machine->mem, &h->paging, gva, src, len, 0, NULL))
        return -XEN_EFAULT;
    return 0;
}

static bool is_self(const struct hypercall *h, uint16_t domid)
{
    return domid == DOMID_SELF || domid == h->d->domid;
}

/* --- xen_version ---------------------------------------------------------------- */

static long xen_version(struct hypercall *h)
{
    switch (h->arg[0]) {
    case XENVER_version:
        return XEN_VERSION_MAJOR << 16 | XEN_VERSION_MINOR;
    case XENVER_get_features: {
        struct xen_feature_info fi;
        if (copy_in(h, h->arg[1], &fi, sizeof(fi)))
            return -XEN_EFAULT;
        fi.submap = fi.submap_idx == 0 ?
            (1u << XENFEAT_auto_translated_physmap) | (1u << XENFEAT_hvm_callback_vector) : 0;
        return copy_out(h, h->arg[1], &fi, sizeof(fi));
    }
    }
    return -XEN_ENOSYS;
}

/* --- memory_op ----------------------------------------------------------------- */

static long add_to_physmap(struct hypercall *h)
{
    struct xen_domain *d = h->d;
    struct xen_add_to_physmap a;
    if (copy_in(h, h->arg[1], &a, sizeof(a)))
        return -XEN_EFAULT;
    if (!is_self(h, a.domid))
        return -XEN_ESRCH;
    uint64_t gpa = a.gpfn << 12;
    switch (a.space) {
    case XENMAPSPACE_shared_info: {
        /* Keel keeps shared_info in the guest RAM page named: from now on
         * it holds Xen's contents, starting empty. */
        uint8_t *page = a.idx == 0 && a.gpfn < (1ull << 40) ? xen_guest_ptr(d, gpa, 4096) : NULL;
        if (!page)
            return -XEN_EINVAL;
        /* Moving it keeps its contents (pending and mask bits), as moving
         * Xen's page would; mapping it the first time starts it empty. */
        if (d->shared_info_mapped && gpa == d->shared_info_gpa)
            return 0;
        if (d->evtchn.shared_info)
            memcpy(page, d->evtchn.shared_info, 4096);
        else
            memset(page, 0, 4096);
        d->shared_info_gpa = gpa;
        d->shared_info_mapped = true;
        d->evtchn.shared_info = page;
        return 0;
    }
    case XENMAPSPACE_grant_table:
        /* The frames live at fixed places at the start of BAR1, where
         * Linux's platform-pci driver puts them, wherever BAR1 is now. */
        if (a.idx >= XEN_GRANT_FRAMES || d->grant_gpa == PCI_BAR_NONE ||
            gpa != d->grant_gpa + a.idx * 4096)
            return -XEN_EINVAL;
        if (a.idx + 1 > d->grants.nr_frames)
            grant_table_set_nr_frames(&d->grants, (unsigned)a.idx + 1);
        return 0;
    }
    return -XEN_EINVAL;
}

static long memory_op(struct hypercall *h)
{
    if (h->arg[0] == XENMEM_add_to_physmap)
        return add_to_physmap(h);
    return -XEN_ENOSYS;
}

/* --- hvm_op ------------------------------------------------------------------------- */

/* A refused value changes nothing: it is checked before it is kept. */
static long set_callback_via(struct xen_domain *d, uint64_t via)
{
    int gsi = -1;
    switch (HVM_PARAM_CALLBACK_TYPE(via)) {
    case HVM_PARAM_CALLBACK_TYPE_GSI:
        if (via >= 24)
            return -XEN_EINVAL;
        if (via)                            /* 0 turns the callback off */
            gsi = (int)via;
        break;
    case HVM_PARAM_CALLBACK_TYPE_PCI_INTX: {
        unsigned devfn = (via >> 8) & 0xff, pin = via & 3;
        if (via & 0x00ffffffffff0000ull)    /* segment 0, bus 0 only */
            return -XEN_EINVAL;
        gsi = (int)acpi_pci_intx_gsi(devfn >> 3, pin);
        break;
    }
    case HVM_PARAM_CALLBACK_TYPE_VECTOR:
        if ((via & 0xff) < 0x10 || (via & 0x00ffffffffffff00ull))
            return -XEN_EINVAL;
        break;
    default:
        return -XEN_EINVAL;
    }
    if (d->callback_gsi >= 0 && d->callback_level)
        d->board.set_gsi(d->board.ctx, (unsigned)d->callback_gsi, false);  /* the old line goes idle */
    d->callback_via = via;
    d->callback_gsi = gsi;
    d->callback_level = false;
    /* Upcalls already pending go out the new way (Xen asserts every vCPU). */
    for (unsigned i = 0; i < d->machine->nr_vcpus; i++)
        xen_assert_upcall(d, i);
    return 0;
}

static long hvm_param(struct hypercall *h, bool set)
{
    struct xen_domain *d = h->d;
    struct xen_hvm_param p;
    if (copy_in(h, h->arg[1], &p, sizeof(p)))
        return -XEN_EFAULT;
    if (!is_self(h, p.domid))
        return -XEN_ESRCH;
    if (p.index >= HVM_NR_PARAMS)
        return -XEN_EINVAL;
    if (set) {
        if (p.index != HVM_PARAM_CALLBACK_IRQ)
            return -XEN_EPERM;      /* the rest is the toolstack's to set */
        /* With per-vCPU upcall vectors Linux still writes 1 here: a no-op. */
        return set_callback_via(d, p.value);
    }
    switch (p.index) {
    case HVM_PARAM_CALLBACK_IRQ: p.value = d->callback_via; break;
    case HVM_PARAM_STORE_PFN:    p.value = XEN_STORE_GPA >> 12; break;
    case HVM_PARAM_STORE_EVTCHN: p.value = d->store_port; break;
    default:                     p.value = 0; break;    /* no PV console, ... */
    }
    return copy_out(h, h->arg[1], &p, sizeof(p));
}

static long hvm_op(struct hypercall *h)
{
    switch (h->arg[0]) {
    case HVMOP_set_param:
        return hvm_param(h, true);
    case HVMOP_get_param:
        return hvm_param(h, false);
    case HVMOP_set_evtchn_upcall_vector: {
        struct xen_hvm_evtchn_upcall_vector u;
        if (copy_in(h, h->arg[1], &u, sizeof(u)))
            return -XEN_EFAULT;
        if (u.vector < 0x10)
            return -XEN_EINVAL;
        if (u.vcpu >= h->d->machine->nr_vcpus)
            return -XEN_ENOENT;
        h->d->vcpu[u.vcpu].upcall_vector = u.vector;
        xen_assert_upcall(h->d, u.vcpu);
        return 0;
    }
    }
    return -XEN_ENOSYS;
}

/* --- vcpu_op ---------------------------------------------------------------- */

static long register_vcpu_info(struct hypercall *h, uint32_t vcpu)
{
    struct xen_domain *d = h->d;
    struct vcpu_register_vcpu_info r;
    if (vcpu >= d->machine->nr_vcpus)
        return -XEN_ENOENT;
    if (copy_in(h, h->arg[2], &r, sizeof(r)))
        return -XEN_EFAULT;
    if (d->vcpu[vcpu].vcpu_info_registered)
        return -XEN_EINVAL;         /* once only, as in Xen */
    uint64_t gpa = (r.mfn << 12) + r.offset;
    if (r.mfn >= (1ull << 40) || r.offset > 4096 - XEN_VCPU_INFO_SIZE)
        return -XEN_EINVAL;
    if (r.offset % 8)
        return -XEN_ENXIO;          /* its words are changed atomically */
    uint8_t *to = xen_guest_ptr(d, gpa, XEN_VCPU_INFO_SIZE);
    if (!to)
        return -XEN_EINVAL;
    /* Carry over what the shared_info slot held (pending selectors). */
    uint8_t *from = d->shared_info_mapped && vcpu < XEN_LEGACY_MAX_VCPUS ?
        xen_guest_ptr(d, d->shared_info_gpa + vcpu * XEN_VCPU_INFO_SIZE, XEN_VCPU_INFO_SIZE) : NULL;
    if (from)
        memcpy(to, from, XEN_VCPU_INFO_SIZE);
    else
        memset(to, 0, XEN_VCPU_INFO_SIZE);
    d->vcpu[vcpu].vcpu_info_gpa = gpa;
    d->vcpu[vcpu].vcpu_info_registered = true;
    /* Unlike Xen, nothing is marked pending here: Linux registers an AP's
     * vcpu_info from the boot CPU before that AP's LAPIC exists, and an
     * upcall raised then would be lost while leaving the flag set, so the
     * AP would never get another. What was pending moved with the copy. */
    xen_assert_upcall(d, vcpu);
    return 0;
}

static long vcpu_op(struct hypercall *h)
{
    if (h->arg[0] == VCPUOP_register_vcpu_info)
        return register_vcpu_info(h, (uint32_t)h->arg[1]);
    return -XEN_ENOSYS;
}

/* --- event_channel_op --------------------------------------------------------------- */

/* In/out argument structs are copied in, handled, and copied back. */
#define WITH_ARG(type, var, body)                                   \
    do {                                                            \
        type var;                                                   \
        if (copy_in(h, h->arg[1], &var, sizeof(var)))               \
            return -XEN_EFAULT;                                     \
        body                                                        \
    } while (0)

static long bound_port(struct hypercall *h, int port, uint32_t *field, void *arg, size_t len)
{
    if (port < 0)
        return port;
    *field = (uint32_t)port;
    return copy_out(h, h->arg[1], arg, len);
}

static long event_channel_op(struct hypercall *h)
{
    struct evtchn *e = &h->d->evtchn;
    switch (h->arg[0]) {
    case EVTCHNOP_alloc_unbound:
        WITH_ARG(struct evtchn_alloc_unbound, a, {
            if (!is_self(h, a.dom))
                return -XEN_ESRCH;
            return bound_port(h, evtchn_alloc_unbound(e, a.remote_dom), &a.port, &a, sizeof(a));
        });
    case EVTCHNOP_bind_virq:
        WITH_ARG(struct evtchn_bind_virq, a, {
            return bound_port(h, evtchn_bind_virq(e, a.virq, a.vcpu), &a.port, &a, sizeof(a));
        });
    case EVTCHNOP_bind_ipi:
        WITH_ARG(struct evtchn_bind_ipi, a, {
            return bound_port(h, evtchn_bind_ipi(e, a.vcpu), &a.port, &a, sizeof(a));
        });
    case EVTCHNOP_bind_vcpu:
        WITH_ARG(struct evtchn_bind_vcpu, a, { return evtchn_bind_vcpu(e, a.port, a.vcpu); });
    case EVTCHNOP_send:
        WITH_ARG(struct evtchn_port_arg, a, { return evtchn_send(e, a.port); });
    case EVTCHNOP_unmask:
        WITH_ARG(struct evtchn_port_arg, a, { return evtchn_unmask(e, a.port); });
    case EVTCHNOP_close:
        WITH_ARG(struct evtchn_port_arg, a, { return evtchn_close(e, a.port); });
    case EVTCHNOP_status:
        WITH_ARG(struct evtchn_status, a, {
            if (!is_self(h, a.dom))
                return -XEN_ESRCH;
            long rc = evtchn_get_status(e, a.port, &a);
            return rc ? rc : copy_out(h, h->arg[1], &a, sizeof(a));
        });
    }
    return -XEN_ENOSYS;     /* init_control included: the guest falls back to 2-level */
}

/* --- sched_op ------------------------------------------------------------------------ */

static long sched_op(struct hypercall *h)
{
    switch (h->arg[0]) {
    case SCHEDOP_yield:
        vsched_yield(h->v);     /* the rest of its slice goes to others */
        return 0;
    case SCHEDOP_block:
        /* Until an event or interrupt is pending, as HLT with interrupts on
         * (an HVM guest takes its events through its callback vector). */
        h->v->wait = VCPU_WAIT_HLT;
        h->v->leave = true;
        return 0;
    case SCHEDOP_poll:      /* returning at once is a legal spurious wake-up */
        return 0;
    case SCHEDOP_shutdown: {
        uint32_t reason;
        if (copy_in(h, h->arg[1], &reason, sizeof(reason)))
            return -XEN_EFAULT;
        if (reason == SHUTDOWN_poweroff)
            vcpu_end(h->v, END_POWEROFF, NULL);
        else if (reason == SHUTDOWN_reboot)
            vcpu_end(h->v, END_REBOOT, NULL);
        else if (reason == SHUTDOWN_crash)
            vcpu_end(h->v, END_ERROR, "the guest reported a crash (SCHEDOP_shutdown)");
        else
            return -XEN_EINVAL;
        return 0;
    }
    }
    return -XEN_ENOSYS;
}

/* --- grant_table_op ------------------------------------------------------------------ */

static long grant_table_op(struct hypercall *h)
{
    struct xen_domain *d = h->d;
    uint64_t count = h->arg[2];
    switch (h->arg[0]) {
    case GNTTABOP_query_size: {
        struct gnttab_query_size q;
        if (count != 1)
            return -XEN_EINVAL;         /* as Xen's gnttab_query_size */
        if (copy_in(h, h->arg[1], &q, sizeof(q)))
            return -XEN_EFAULT;
        q.status = is_self(h, q.dom) ? GNTST_okay : GNTST_bad_domain;
        q.nr_frames = d->grants.nr_frames ? d->grants.nr_frames : 1;
        q.max_nr_frames = XEN_GRANT_FRAMES;
        return copy_out(h, h->arg[1], &q, sizeof(q));
    }
    case GNTTABOP_set_version: {
        struct gnttab_set_version s;
        if (count != 1)
            return -XEN_EINVAL;
        if (copy_in(h, h->arg[1], &s, sizeof(s)))
            return -XEN_EFAULT;
        bool ok = s.version == 1;
        s.version = 1;
        if (copy_out(h, h->arg[1], &s, sizeof(s)))
            return -XEN_EFAULT;
        return ok ? 0 : -XEN_EINVAL;    /* only v1: the guest keeps using it */
    }
    case GNTTABOP_get_version: {
        uint32_t gv[2];                 /* { domid_t dom; uint32_t version; } */
        if (count != 1)
            return -XEN_EINVAL;
        if (copy_in(h, h->arg[1], gv, sizeof(gv)))
            return -XEN_EFAULT;
        gv[1] = 1;
        return copy_out(h, h->arg[1], gv, sizeof(gv));
    }
    }
    return -XEN_ENOSYS;
}

/* --- dispatch ------------------------------------------------------------------------ */

typedef long (*hypercall_fn)(struct hypercall *h);

static const hypercall_fn hypercalls[] = {
    [HYPERVISOR_memory_op] = memory_op,
    [HYPERVISOR_xen_version] = xen_version,
    [HYPERVISOR_grant_table_op] = grant_table_op,
    [HYPERVISOR_vcpu_op] = vcpu_op,
    [HYPERVISOR_sched_op] = sched_op,
    [HYPERVISOR_event_channel_op] = event_channel_op,
    [HYPERVISOR_hvm_op] = hvm_op,
};

void xen_hypercall(void *ctx, struct vcpu *v)
{
    struct guest_regs *r = &v->regs;
    uint64_t nr = r->gpr[GPR_RAX];
    long rc;
    if (vcpu_cpl(v) != 0) {
        rc = -XEN_EPERM;
    } else if (vcpu_code_bits(v) != 64 || nr >= sizeof(hypercalls) / sizeof(hypercalls[0]) ||
               !hypercalls[nr]) {
        rc = -XEN_ENOSYS;       /* the 32-bit ABI is not offered */
    } else {
        struct hypercall h = {
            .v = v, .d = ctx, .paging = vcpu_paging(v),
            .arg = { r->gpr[GPR_RDI], r->gpr[GPR_RSI], r->gpr[GPR_RDX], r->gpr[GPR_R10], r->gpr[GPR_R8] },
        };
        /* sched_op only yields or ends this vCPU: PV spinlock waiters polling
         * must not contend with the lock holder's exits. */
        bool locked = nr != HYPERVISOR_sched_op;
        if (locked)
            spin_lock(&v->machine->lock);
        __atomic_fetch_add(&h.d->hypercalls, 1, __ATOMIC_RELAXED);
        rc = hypercalls[nr](&h);
        if (locked)
            spin_unlock(&v->machine->lock);
    }
    r->gpr[GPR_RAX] = (uint64_t)rc;
}
