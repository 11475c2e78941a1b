/* SPDX-License-Identifier: BSD-2-Clause */
/* The toolstack's part for a Keel guest (what xl and xenstored do in Xen):
 * the guest's xenstore and the nodes it expects, the xenstore ring served
 * on the store event channel, and a virtual block device per disk. */
#include <string.h>
#include "host/palloc.h"
#include "lib/print.h"
#include "pvio/vbd.h"
#include "pvio/xen.h"
#include "pvio/xenbus.h"
#include "pvio/xenstore.h"
#include "vm/vm.h"

static uint64_t store_pages(void)
{
    return (sizeof(struct xenstore) + PAGE_SIZE - 1) / PAGE_SIZE;
}

static uint64_t vbd_pages(void)
{
    return (sizeof(struct xen_vbd) + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* The guest notified the store channel: serve its ring (XS_REQUESTS_PER_CALL
 * requests at most; the rest waits for the next VM entry, so a guest that
 * refills the ring from another vCPU cannot hold Keel here), then let it
 * know about replies and watch events. */
void xenbus_store_kick(struct xen_domain *d)
{
    bool wrote = xenstore_ring_process(d->store, d->store_ring);
    if (xenstore_input_deferred(d->store)) {
        d->deferred_store = true;
        xen_defer(d);
    }
    if (wrote)
        evtchn_set_pending(&d->evtchn, d->store_port);
}

static void store_kick(void *ctx)
{
    xenbus_store_kick(ctx);
}

/* "/dev/hdb" and "/dev/hdb1" name overlapping sectors, as do two equal
 * targets. */
static bool same_disk(const char *a, const char *b)
{
    if (strncmp(a, "/dev/hd", 7) || strncmp(b, "/dev/hd", 7))
        return strcmp(a, b) == 0;
    if (a[7] != b[7])
        return false;
    return a[8] == '\0' || b[8] == '\0' || strcmp(a, b) == 0;
}

/* Two vbds over the same sectors would corrupt each other; a writable RAM
 * disk over the guest's own kernel or initrd would change what a restart
 * boots. */
static const char *disk_conflict(const struct vm_config *c, unsigned i)
{
    const char *t = c->disks[i].target;
    for (unsigned j = 0; j < i; j++)
        if (same_disk(t, c->disks[j].target))
            return "two disks use the same sectors";
    if (strcmp(t, c->kernel) == 0 || strcmp(t, c->ramdisk) == 0)
        return "a disk cannot be the VM's own kernel or ramdisk";
    return NULL;
}

int xenbus_create(struct xen_domain *d, const struct boot_info *bi, const char **key,
                  char *why, size_t why_size)
{
    const struct vm_config *c = &d->vm->cfg;
    uint64_t phys = palloc_alloc(store_pages(), PAGE_SIZE);
    if (!phys)
        return xen_create_fail(key, "xen_platform_pci", why, why_size, "no memory left for the xenstore");
    d->store = (struct xenstore *)(uintptr_t)phys;
    xenstore_init(d->store, XEN_GUEST_DOMID);

    const struct evtchn_backend store_end = { store_kick, d };
    int port = evtchn_alloc_backend(&d->evtchn, &store_end);
    if (port < 0)
        return xen_create_fail(key, "xen_platform_pci", why, why_size, "no event channel for the xenstore");
    d->store_port = (uint32_t)port;

    /* The nodes libxl writes that Linux reads; memory/target stays absent so
     * the balloon driver leaves the guest's memory alone. */
    char home[32];
    snprintf(home, sizeof(home), "/local/domain/%u", XEN_GUEST_DOMID);
    char path[96];
    snprintf(path, sizeof(path), "%s/name", home);
    xs_write(d->store, path, c->name);
    snprintf(path, sizeof(path), "%s/domid", home);
    xs_printf(d->store, path, "%u", XEN_GUEST_DOMID);
    snprintf(path, sizeof(path), "%s/control/platform-feature-xs_reset_watches", home);
    xs_write(d->store, path, "1");

    for (unsigned i = 0; i < c->nr_disks; i++) {
        const char *conflict = disk_conflict(c, i);
        if (conflict) {
            snprintf(why, why_size, "%s: %s", c->disks[i].target, conflict);
            *key = "disk";
            return -1;
        }
        uint64_t vphys = palloc_alloc(vbd_pages(), PAGE_SIZE);
        if (!vphys)
            return xen_create_fail(key, "disk", why, why_size, "no memory left for a virtual disk");
        d->vbd[i] = (struct xen_vbd *)(uintptr_t)vphys;
        d->nr_vbds = i + 1;
        if (vbd_create(d->vbd[i], i, d, &c->disks[i], bi, why, why_size)) {
            *key = "disk";
            return -1;
        }
    }
    return 0;
}

void xenbus_destroy(struct xen_domain *d)
{
    for (unsigned i = 0; i < d->nr_vbds; i++) {
        vbd_destroy(d->vbd[i]);
        palloc_free((uint64_t)(uintptr_t)d->vbd[i], vbd_pages());
    }
    d->nr_vbds = 0;
    if (d->store)
        palloc_free((uint64_t)(uintptr_t)d->store, store_pages());
    d->store = NULL;
}
