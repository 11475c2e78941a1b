/* SPDX-License-Identifier: BSD-2-Clause */
/* Xen event channels, 2-level ABI, for one guest domain: the port table, the
 * hypercall sub-operations and delivery into shared_info/vcpu_info (Xen's
 * common/event_channel.c and event_2l.c define the behaviour). Pure: guest
 * memory arrives as host pointers and upcalls leave through a callback, so
 * host unit tests drive it. Callers serialize (Keel: the VM's lock). */
#ifndef KEEL_PVIO_EVTCHN_H
#define KEEL_PVIO_EVTCHN_H

#include <stdbool.h>
#include <stdint.h>
#include "pvio/xen/xen_abi.h"

#define EVTCHN_PORTS_MAX  1024          /* of the 2-level ABI's 4096 */
#define EVTCHN_VCPUS_MAX  XEN_LEGACY_MAX_VCPUS
#define EVTCHN_BACKEND_DOMID 0          /* Keel's backends act as domain 0 */

enum evtchn_state {
    EVTCHN_FREE,
    EVTCHN_UNBOUND,         /* allocated, waiting for the remote domain to bind */
    EVTCHN_INTERDOMAIN,     /* connected to a Keel backend */
    EVTCHN_VIRQ,
    EVTCHN_IPI,
};

/* Keel's end of an interdomain channel: kick runs when the guest notifies it. */
struct evtchn_backend {
    void (*kick)(void *ctx);
    void *ctx;
};

struct evtchn_port {
    uint8_t state;          /* enum evtchn_state */
    uint8_t vcpu;           /* the vCPU notified */
    uint16_t remote_dom;    /* UNBOUND/INTERDOMAIN */
    uint32_t virq;          /* VIRQ */
    struct evtchn_backend backend;
};

struct evtchn {
    struct evtchn_port port[EVTCHN_PORTS_MAX];
    uint16_t virq_port[EVTCHN_VCPUS_MAX][XEN_NR_VIRQS];
    unsigned nr_vcpus;
    uint8_t *shared_info;   /* host pointer, NULL until the guest maps it */
    /* The vCPU's vcpu_info (64 bytes), or NULL if it has none yet. */
    uint8_t *(*vcpu_info)(void *ctx, unsigned vcpu);
    /* evtchn_upcall_pending went 0 -> 1 for the vCPU: interrupt it. */
    void (*raise_upcall)(void *ctx, unsigned vcpu);
    void *ctx;
};

void evtchn_init(struct evtchn *e, unsigned nr_vcpus,
                 uint8_t *(*vcpu_info)(void *ctx, unsigned vcpu),
                 void (*raise_upcall)(void *ctx, unsigned vcpu), void *ctx);

/* Guest operations (EVTCHNOP_*): a port number >= 1, 0, or -XEN_E*. */
int evtchn_alloc_unbound(struct evtchn *e, uint16_t remote_dom);
int evtchn_bind_virq(struct evtchn *e, uint32_t virq, uint32_t vcpu);
int evtchn_bind_ipi(struct evtchn *e, uint32_t vcpu);
int evtchn_bind_vcpu(struct evtchn *e, uint32_t port, uint32_t vcpu);
int evtchn_close(struct evtchn *e, uint32_t port);
int evtchn_send(struct evtchn *e, uint32_t port);
int evtchn_unmask(struct evtchn *e, uint32_t port);
int evtchn_get_status(const struct evtchn *e, uint32_t port, struct evtchn_status *st);

/* Keel's side. A port Keel allocates already bound to a backend (the
 * xenstore channel): its number, or -XEN_ENOSPC. */
int evtchn_alloc_backend(struct evtchn *e, const struct evtchn_backend *b);
/* Bind the backend to a port the guest allocated for domain 0 and published
 * in xenstore. 0, or -XEN_EINVAL when it is not such a port. */
int evtchn_bind_backend(struct evtchn *e, uint32_t port, const struct evtchn_backend *b);
/* The backend ends its side: the port goes back to unbound. */
void evtchn_unbind_backend(struct evtchn *e, uint32_t port, const void *backend_ctx);
/* A backend notifies the guest; dropped unless the port is still connected
 * to that backend (the guest may have closed it). */
void evtchn_notify_guest(struct evtchn *e, uint32_t port, const void *backend_ctx);
/* Mark a port pending and raise an upcall if it is unmasked (2-level rules). */
void evtchn_set_pending(struct evtchn *e, uint32_t port);
/* Forget every port and binding (guest reset). */
void evtchn_reset(struct evtchn *e);

#endif
