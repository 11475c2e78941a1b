/* SPDX-License-Identifier: BSD-2-Clause */
/* Xen 2-level event channels for one guest (pure; callers hold the VM's lock).
 * Pending and mask bits live in the guest's shared_info page and are changed
 * with atomic operations, because the guest's other vCPUs use them at the
 * same time without exiting. */
#include <string.h>
#include "pvio/xen/evtchn.h"

void evtchn_init(struct evtchn *e, unsigned nr_vcpus,
                 uint8_t *(*vcpu_info)(void *ctx, unsigned vcpu),
                 void (*raise_upcall)(void *ctx, unsigned vcpu), void *ctx)
{
    memset(e, 0, sizeof(*e));
    e->nr_vcpus = nr_vcpus > EVTCHN_VCPUS_MAX ? EVTCHN_VCPUS_MAX : nr_vcpus;
    e->vcpu_info = vcpu_info;
    e->raise_upcall = raise_upcall;
    e->ctx = ctx;
}

void evtchn_reset(struct evtchn *e)
{
    memset(e->port, 0, sizeof(e->port));
    memset(e->virq_port, 0, sizeof(e->virq_port));
    e->shared_info = NULL;
}

/* Port 0 is never valid (Xen reserves it). */
static struct evtchn_port *lookup(struct evtchn *e, uint32_t port)
{
    if (port == 0 || port >= EVTCHN_PORTS_MAX || e->port[port].state == EVTCHN_FREE)
        return NULL;
    return &e->port[port];
}

static int alloc_port(struct evtchn *e, enum evtchn_state state, unsigned vcpu)
{
    for (uint32_t p = 1; p < EVTCHN_PORTS_MAX; p++) {
        if (e->port[p].state == EVTCHN_FREE) {
            memset(&e->port[p], 0, sizeof(e->port[p]));
            e->port[p].state = (uint8_t)state;
            e->port[p].vcpu = (uint8_t)vcpu;
            return (int)p;
        }
    }
    return -XEN_ENOSPC;
}

static uint64_t *bit_word(uint8_t *base, unsigned offset, uint32_t port)
{
    return (uint64_t *)(void *)(base + offset) + port / 64;
}

static bool test_and_set(uint64_t *word, unsigned bit)
{
    uint64_t m = 1ull << bit;
    return __atomic_fetch_or(word, m, __ATOMIC_SEQ_CST) & m;
}

/* The notify vCPU's selector bit and upcall flag (event_2l.c's set_pending
 * and unmask share this part). */
static void mark_vcpu_pending(struct evtchn *e, uint32_t port, unsigned vcpu)
{
    uint8_t *vi = e->vcpu_info ? e->vcpu_info(e->ctx, vcpu) : NULL;
    if (!vi)
        return;
    uint64_t *sel = (uint64_t *)(void *)(vi + XEN_VCPU_PENDING_SEL);
    if (test_and_set(sel, port / 64))
        return;             /* the guest has not consumed the word yet: it will look */
    uint8_t *upcall = vi + XEN_VCPU_UPCALL_PENDING;
    if (__atomic_exchange_n(upcall, 1, __ATOMIC_SEQ_CST) == 0 && e->raise_upcall)
        e->raise_upcall(e->ctx, vcpu);
}

void evtchn_set_pending(struct evtchn *e, uint32_t port)
{
    if (!e->shared_info || port == 0 || port >= EVTCHN_PORTS_MAX)
        return;
    if (test_and_set(bit_word(e->shared_info, XEN_SHINFO_PENDING, port), port % 64))
        return;
    uint64_t mask = __atomic_load_n(bit_word(e->shared_info, XEN_SHINFO_MASK, port), __ATOMIC_SEQ_CST);
    if (mask & (1ull << (port % 64)))
        return;
    mark_vcpu_pending(e, port, e->port[port].vcpu);
}

int evtchn_unmask(struct evtchn *e, uint32_t port)
{
    if (!lookup(e, port))
        return -XEN_EINVAL;
    if (!e->shared_info)
        return 0;
    uint64_t bit = 1ull << (port % 64);
    __atomic_fetch_and(bit_word(e->shared_info, XEN_SHINFO_MASK, port), ~bit, __ATOMIC_SEQ_CST);
    uint64_t pending = __atomic_load_n(bit_word(e->shared_info, XEN_SHINFO_PENDING, port), __ATOMIC_SEQ_CST);
    if (pending & bit)
        mark_vcpu_pending(e, port, e->port[port].vcpu);
    return 0;
}

int evtchn_alloc_unbound(struct evtchn *e, uint16_t remote_dom)
{
    /* Only Keel's backends (domain 0) are there to bind the other end. */
    if (remote_dom != EVTCHN_BACKEND_DOMID)
        return -XEN_ESRCH;
    int p = alloc_port(e, EVTCHN_UNBOUND, 0);
    if (p > 0)
        e->port[p].remote_dom = remote_dom;
    return p;
}

int evtchn_bind_virq(struct evtchn *e, uint32_t virq, uint32_t vcpu)
{
    if (virq >= XEN_NR_VIRQS)
        return -XEN_EINVAL;
    if (vcpu >= e->nr_vcpus)
        return -XEN_ENOENT;
    if (e->virq_port[vcpu][virq])
        return -XEN_EEXIST;
    int p = alloc_port(e, EVTCHN_VIRQ, vcpu);
    if (p > 0) {
        e->port[p].virq = virq;
        e->virq_port[vcpu][virq] = (uint16_t)p;
    }
    return p;
}

int evtchn_bind_ipi(struct evtchn *e, uint32_t vcpu)
{
    if (vcpu >= e->nr_vcpus)
        return -XEN_ENOENT;
    return alloc_port(e, EVTCHN_IPI, vcpu);
}

int evtchn_bind_vcpu(struct evtchn *e, uint32_t port, uint32_t vcpu)
{
    struct evtchn_port *p = lookup(e, port);
    if (!p)
        return -XEN_ENOENT;
    if (vcpu >= e->nr_vcpus)
        return -XEN_ENOENT;
    /* Xen allows rebinding interdomain, unbound and global-VIRQ ports; an
     * IPI or per-vCPU VIRQ stays where it was bound. */
    if (p->state == EVTCHN_IPI || p->state == EVTCHN_VIRQ)
        return -XEN_EINVAL;
    p->vcpu = (uint8_t)vcpu;
    return 0;
}

int evtchn_close(struct evtchn *e, uint32_t port)
{
    struct evtchn_port *p = lookup(e, port);
    if (!p)
        return -XEN_EINVAL;
    if (p->state == EVTCHN_VIRQ)
        e->virq_port[p->vcpu][p->virq] = 0;
    memset(p, 0, sizeof(*p));
    return 0;
}

int evtchn_send(struct evtchn *e, uint32_t port)
{
    struct evtchn_port *p = lookup(e, port);
    if (!p)
        return -XEN_EINVAL;
    switch (p->state) {
    case EVTCHN_INTERDOMAIN:
        if (p->backend.kick)
            p->backend.kick(p->backend.ctx);
        break;
    case EVTCHN_IPI:
        evtchn_set_pending(e, port);
        break;
    case EVTCHN_VIRQ:
        return -XEN_EINVAL;     /* only Xen raises a VIRQ (Xen's evtchn_send) */
    default:
        break;                  /* unbound: silently dropped, as Xen does */
    }
    return 0;
}

int evtchn_get_status(const struct evtchn *e, uint32_t port, struct evtchn_status *st)
{
    uint32_t dom = st->dom;
    memset(st, 0, sizeof(*st));
    st->dom = (uint16_t)dom;
    st->port = port;
    if (port == 0 || port >= EVTCHN_PORTS_MAX)
        return -XEN_EINVAL;
    const struct evtchn_port *p = &e->port[port];
    st->vcpu = p->vcpu;
    switch (p->state) {
    case EVTCHN_FREE:
        st->status = EVTCHNSTAT_closed;
        break;
    case EVTCHN_UNBOUND:
        st->status = EVTCHNSTAT_unbound;
        st->u.unbound.dom = p->remote_dom;
        break;
    case EVTCHN_INTERDOMAIN:
        st->status = EVTCHNSTAT_interdomain;
        st->u.interdomain.dom = p->remote_dom;
        st->u.interdomain.port = port;  /* Keel's end has no port of its own */
        break;
    case EVTCHN_VIRQ:
        st->status = EVTCHNSTAT_virq;
        st->u.virq = p->virq;
        break;
    case EVTCHN_IPI:
        st->status = EVTCHNSTAT_ipi;
        break;
    }
    return 0;
}

int evtchn_alloc_backend(struct evtchn *e, const struct evtchn_backend *b)
{
    int p = alloc_port(e, EVTCHN_INTERDOMAIN, 0);
    if (p > 0) {
        e->port[p].remote_dom = EVTCHN_BACKEND_DOMID;
        e->port[p].backend = *b;
    }
    return p;
}

int evtchn_bind_backend(struct evtchn *e, uint32_t port, const struct evtchn_backend *b)
{
    struct evtchn_port *p = lookup(e, port);
    if (!p || p->state != EVTCHN_UNBOUND || p->remote_dom != EVTCHN_BACKEND_DOMID)
        return -XEN_EINVAL;
    p->state = EVTCHN_INTERDOMAIN;
    p->backend = *b;
    return 0;
}

void evtchn_unbind_backend(struct evtchn *e, uint32_t port, const void *backend_ctx)
{
    struct evtchn_port *p = lookup(e, port);
    if (p && p->state == EVTCHN_INTERDOMAIN && p->backend.ctx == backend_ctx) {
        p->state = EVTCHN_UNBOUND;
        p->backend = (struct evtchn_backend){ NULL, NULL };
    }
}

void evtchn_notify_guest(struct evtchn *e, uint32_t port, const void *backend_ctx)
{
    struct evtchn_port *p = lookup(e, port);
    if (p && p->state == EVTCHN_INTERDOMAIN && p->backend.ctx == backend_ctx)
        evtchn_set_pending(e, port);
}
