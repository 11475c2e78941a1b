/* SPDX-License-Identifier: BSD-2-Clause */
/* Virtual block device control path: backing store, xenstore nodes and the
 * XenbusState handshake with blkfront (xen/include/public/io/xenbus.h,
 * io/blkif.h; Linux drivers/block/xen-blkfront.c blkback_changed):
 *   backend publishes features, InitWait -> frontend writes ring-ref(s),
 *   event-channel, protocol, Initialised -> backend maps the ring, writes
 *   sectors/info/sector-size, Connected -> frontend Connected.
 *   Frontend Closing/Closed -> backend disconnects, Closing/Closed; a
 *   frontend back at Initialising (driver reload, kexec) finds InitWait. */
#include <string.h>
#include "host/palloc.h"
#include "lib/print.h"
#include "pvio/blk/vbd.h"
#include "pvio/xen/xen.h"
#include "pvio/xen/xenstore.h"

#define VDISK_READONLY 4u       /* backend `info` bit (blkif.h) */

static void say(struct xen_vbd *vbd, const char *fmt, const char *detail)
{
    xenbus_dev_say(&vbd->dev, fmt, detail);
}

static void be_write(struct xen_vbd *vbd, const char *key, uint64_t val)
{
    xenbus_dev_write_u64(&vbd->dev, key, val);
}

static void switch_state(struct xen_vbd *vbd, enum xenbus_state s)
{
    xenbus_dev_switch_state(&vbd->dev, s);
}

/* --- data path glue ---------------------------------------------------------------- */

static void notify_frontend(void *ctx)
{
    struct xen_vbd *vbd = ctx;
    evtchn_notify_guest(&vbd->d->evtchn, vbd->port, vbd);
}

static void disconnect(struct xen_vbd *vbd)
{
    if (!vbd->blk.connected)
        return;
    blkback_disconnect(&vbd->blk);
    evtchn_unbind_backend(&vbd->d->evtchn, vbd->port, vbd);
    vbd->port = 0;
}

/* The frontend notified us: serve the ring, one budget's worth; the rest
 * waits for the next VM entry. A frontend that breaks the ring loses the
 * device; the guest and Keel go on. */
static void frontend_kick(void *ctx)
{
    struct xen_vbd *vbd = ctx;
    int rc = blkback_kick(&vbd->blk);
    if (rc == BLKBACK_MORE)
        xen_backend_defer(vbd->d, vbd->index);
    if (rc == BLKBACK_EBROKEN) {
        say(vbd, "%s", "the frontend broke the ring (producer index out of range): device closed");
        disconnect(vbd);
        switch_state(vbd, XB_CLOSING);
    }
}

/* --- handshake ------------------------------------------------------------------------ */

static int fe_read_u64(struct xen_vbd *vbd, const char *key, uint64_t *val)
{
    return xenbus_dev_read_u64(&vbd->dev, key, val);
}

static const char *connect(struct xen_vbd *vbd)
{
    char path[96], protocol[32];
    snprintf(path, sizeof(path), "%s/protocol", vbd->dev.fe_path);
    enum xs_error err = xs_read(vbd->d->store, path, protocol, sizeof(protocol));
    if (err != XS_ENOENT && (err != XS_OK || strcmp(protocol, "x86_64-abi") != 0))
        return "unsupported ring protocol (only x86_64-abi)";

    uint64_t order = 0, port, ref[BLKBACK_MAX_RING_PAGES];
    if (fe_read_u64(vbd, "ring-page-order", &order) == 0) {
        if (order > BLKBACK_MAX_RING_PAGE_ORDER)
            return "ring-page-order larger than max-ring-page-order";
        for (unsigned i = 0; i < (1u << order); i++) {
            char key[16];
            snprintf(key, sizeof(key), "ring-ref%u", i);
            if (fe_read_u64(vbd, key, &ref[i]) || ref[i] > UINT32_MAX)
                return "missing or bad ring-refN";
        }
    } else if (fe_read_u64(vbd, "ring-ref", &ref[0]) || ref[0] > UINT32_MAX) {
        return "missing or bad ring-ref";
    }
    if (fe_read_u64(vbd, "event-channel", &port) || port > UINT32_MAX)
        return "missing or bad event-channel";

    uint32_t refs[BLKBACK_MAX_RING_PAGES];
    for (unsigned i = 0; i < (1u << order); i++)
        refs[i] = (uint32_t)ref[i];
    int rc = blkback_connect(&vbd->blk, &vbd->d->grants, refs, 1u << order, notify_frontend, vbd);
    if (rc == BLKBACK_EBROKEN)
        return "the ring's indices are impossible";
    if (rc)
        return "cannot map the ring (bad grant reference)";
    const struct evtchn_backend end = { frontend_kick, vbd };
    if (evtchn_bind_backend(&vbd->d->evtchn, (uint32_t)port, &end)) {
        blkback_disconnect(&vbd->blk);
        return "event-channel is not an unbound port for domain 0";
    }
    vbd->port = (uint32_t)port;

    be_write(vbd, "sectors", vbd->store->sectors);
    be_write(vbd, "info", vbd->cfg.read_only ? VDISK_READONLY : 0);
    be_write(vbd, "sector-size", BLK_SECTOR_SIZE);
    be_write(vbd, "physical-sector-size", BLK_SECTOR_SIZE);
    switch_state(vbd, XB_CONNECTED);
    char detail[96];
    snprintf(detail, sizeof(detail), "%s, %lu sectors, %s, %lu ring page%s", vbd->cfg.target,
             vbd->store->sectors, vbd->cfg.read_only ? "read-only" : "read-write",
             1ul << order, order ? "s" : "");
    say(vbd, "connected: %s", detail);
    /* Requests may already sit in the ring: serve them before the next
     * entry, not inside this xenstore callback (budgets must not nest). */
    xen_backend_defer(vbd->d, vbd->index);
    return NULL;
}

static void frontend_changed(void *ctx, const char *changed)
{
    struct xen_vbd *vbd = ctx;
    (void)changed;
    switch (xenbus_dev_frontend_state(&vbd->dev)) {
    case XB_INITIALISING:
        if (vbd->dev.state == XB_CLOSED || vbd->dev.state == XB_CLOSING) {
            disconnect(vbd);
            switch_state(vbd, XB_INIT_WAIT);
        }
        break;
    case XB_INITIALISED:
    case XB_CONNECTED:
        if (vbd->dev.state == XB_INIT_WAIT) {
            const char *why = connect(vbd);
            if (why) {
                say(vbd, "cannot connect: %s", why);
                switch_state(vbd, XB_CLOSING);
            }
        }
        break;
    case XB_CLOSING:
        disconnect(vbd);
        switch_state(vbd, XB_CLOSING);
        break;
    case XB_CLOSED:
    case XB_UNKNOWN:
        disconnect(vbd);
        switch_state(vbd, XB_CLOSED);
        break;
    }
}

/* --- set-up ------------------------------------------------------------------------------- */

static int open_store(struct xen_vbd *vbd, const struct boot_info *bi, char *why, size_t size)
{
    const char *target = vbd->cfg.target;
    if (strncmp(target, "/dev/", 5) == 0) {
        if (blk_disk_open(target, &vbd->backing.disk, why, size))
            return -1;
        vbd->store = &vbd->backing.disk.store;
        return 0;
    }
    const struct boot_module *m = boot_module_find(bi, target);
    if (!m) {
        snprintf(why, size, "%s was not given to the boot loader (no module2 line names it)", target);
        return -1;
    }
    uint64_t bytes = m->end - m->start;
    if (bytes == 0 || bytes % BLK_SECTOR_SIZE) {
        snprintf(why, size, "%s: a RAM disk's size must be a non-zero multiple of 512 bytes", target);
        return -1;
    }
    blk_ramdisk_init(&vbd->backing.ram, (void *)(uintptr_t)m->start, bytes, false);
    vbd->store = &vbd->backing.ram.store;
    return 0;
}

static uint64_t vbd_pages(void)
{
    return (sizeof(struct xen_vbd) + PAGE_SIZE - 1) / PAGE_SIZE;
}

static void vbd_destroy(void *ctx)
{
    struct xen_vbd *vbd = ctx;
    disconnect(vbd);
    if (vbd->store && vbd->blk.stats.sectors_written && vbd->store->flush(vbd->store))
        say(vbd, "%s", "flushing the disk at VM end failed");
    palloc_free((uint64_t)(uintptr_t)vbd, vbd_pages());
}

/* One line of counters at the VM's end (for benchmarks). */
static void vbd_print_stats(void *ctx)
{
    struct xen_vbd *vbd = ctx;
    const struct blkback_stats *s = &vbd->blk.stats;
    printk("keel: vm %s %s: requests %lu, segments %lu, sectors read %lu, written %lu, "
           "flushes %lu, notifications %lu, errors %lu\n", vbd->d->name, vbd->cfg.vdev_name,
           s->requests, s->segments, s->sectors_read, s->sectors_written, s->flushes,
           s->notifications, s->errors);
}

static const struct xen_backend_ops vbd_ops = {
    .kick = frontend_kick, .print_stats = vbd_print_stats, .destroy = vbd_destroy,
};

/* The backend's and the frontend's xenstore nodes, and the watch that
 * drives the handshake. */
static int publish(struct xen_vbd *vbd, char *why, size_t why_size)
{
    const struct vbd_config *cfg = &vbd->cfg;
    struct xenbus_device *dev = &vbd->dev;
    char vdev[8];
    xenbus_dev_init(dev, vbd->d, "vbd", cfg->vdev, cfg->vdev_name);
    xenbus_dev_publish(dev);
    be_write(vbd, "removable", 0);
    xenbus_dev_write(dev, "mode", cfg->read_only ? "r" : "w");
    xenbus_dev_write(dev, "params", cfg->target);
    xenbus_dev_write(dev, "dev", cfg->vdev_name);
    be_write(vbd, "feature-flush-cache", 1);
    be_write(vbd, "feature-persistent", 0);
    be_write(vbd, "feature-max-indirect-segments", BLKBACK_MAX_INDIRECT_SEGMENTS);
    be_write(vbd, "max-ring-page-order", BLKBACK_MAX_RING_PAGE_ORDER);
    if (vbd->store->discard && !cfg->read_only) {
        be_write(vbd, "feature-discard", 1);
        be_write(vbd, "discard-granularity", BLK_SECTOR_SIZE);
        be_write(vbd, "discard-alignment", 0);
        be_write(vbd, "discard-secure", 0);
    }
    snprintf(vdev, sizeof(vdev), "%u", cfg->vdev);
    xenbus_dev_write_fe(dev, "virtual-device", vdev);
    xenbus_dev_write_fe(dev, "device-type", "disk");

    if (xenbus_dev_start(dev, frontend_changed, vbd)) {
        snprintf(why, why_size, "%s: no xenstore watch left", cfg->vdev_name);
        return -1;
    }
    return 0;
}

int vbd_create(struct xen_domain *d, const struct vbd_config *cfg, const struct boot_info *bi,
               char *why, size_t why_size)
{
    uint64_t phys = palloc_alloc(vbd_pages(), PAGE_SIZE);
    if (!phys) {
        snprintf(why, why_size, "%s", "no memory left for a virtual disk");
        return -1;
    }
    struct xen_vbd *vbd = (struct xen_vbd *)(uintptr_t)phys;
    memset(vbd, 0, sizeof(*vbd));
    vbd->d = d;
    vbd->cfg = *cfg;
    if (open_store(vbd, bi, why, why_size)) {
        palloc_free(phys, vbd_pages());
        return -1;
    }
    blkback_init(&vbd->blk, vbd->store, cfg->read_only);
    int index = xen_backend_add(d, &vbd_ops, vbd);
    if (index < 0) {
        snprintf(why, why_size, "%s: the domain has no room for another device", cfg->target);
        palloc_free(phys, vbd_pages());
        return -1;
    }
    vbd->index = (unsigned)index;
    return publish(vbd, why, why_size);     /* attached: the domain destroys it */
}
