/* SPDX-License-Identifier: BSD-2-Clause */
/* The toolstack's part for a Keel guest (what xl and xenstored do in Xen):
 * the guest's xenstore and the nodes it expects, and the xenstore ring
 * served on the store event channel. The backends (vbds) add their own
 * nodes when the VM attaches them. */
#include "host/palloc.h"
#include "lib/print.h"
#include "pvio/xen/xen.h"
#include "pvio/xen/xenbus.h"
#include "pvio/xen/xenstore.h"

static uint64_t store_pages(void)
{
    return (sizeof(struct xenstore) + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* The guest notified the store channel: serve its ring (XS_REQUESTS_PER_CALL
 * requests at most; the rest waits for the next VM entry, so a guest that
 * refills the ring from another vCPU cannot hold Keel here), then let it
 * know about replies and watch events. */
void xenbus_store_kick(struct xen_domain *d)
{
    bool wrote = xenstore_ring_process(d->store, d->store_ring);
    if (xenstore_input_deferred(d->store))
        xen_store_defer(d);
    if (wrote)
        evtchn_set_pending(&d->evtchn, d->store_port);
}

static void store_kick(void *ctx)
{
    xenbus_store_kick(ctx);
}

int xenbus_create(struct xen_domain *d, const char **key, char *why, size_t why_size)
{
    uint64_t phys = palloc_alloc(store_pages(), PAGE_SIZE);
    if (!phys)
        return xen_create_fail(key, "xen_platform_pci", why, why_size, "no memory left for the xenstore");
    d->store = (struct xenstore *)(uintptr_t)phys;
    xenstore_init(d->store, d->domid);

    const struct evtchn_backend store_end = { store_kick, d };
    int port = evtchn_alloc_backend(&d->evtchn, &store_end);
    if (port < 0)
        return xen_create_fail(key, "xen_platform_pci", why, why_size, "no event channel for the xenstore");
    d->store_port = (uint32_t)port;

    /* The nodes libxl writes that Linux reads; memory/target stays absent so
     * the balloon driver leaves the guest's memory alone. */
    char home[32];
    snprintf(home, sizeof(home), "/local/domain/%u", d->domid);
    char path[96];
    snprintf(path, sizeof(path), "%s/name", home);
    xs_write(d->store, path, d->name);
    snprintf(path, sizeof(path), "%s/domid", home);
    xs_printf(d->store, path, "%u", d->domid);
    snprintf(path, sizeof(path), "%s/control/platform-feature-xs_reset_watches", home);
    xs_write(d->store, path, "1");
    /* What `xl shutdown` and `xl reboot` write; the guest empties it when it
     * has read it (Linux drivers/xen/manage.c). */
    snprintf(path, sizeof(path), "%s/control/shutdown", home);
    xs_write(d->store, path, "");
    return 0;
}

int xenbus_request_shutdown(struct xen_domain *d, const char *reason)
{
    char path[64];
    snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", d->domid);
    if (xs_write(d->store, path, reason) != XS_OK)
        return -1;
    xenbus_store_kick(d);       /* the watch event goes out now */
    return 0;
}

void xenbus_destroy(struct xen_domain *d)
{
    if (d->store)
        palloc_free((uint64_t)(uintptr_t)d->store, store_pages());
    d->store = NULL;
}
