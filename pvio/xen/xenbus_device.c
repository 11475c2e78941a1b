/* SPDX-License-Identifier: BSD-2-Clause */
/* A PV backend device's xenstore side: directories, state, frontend keys,
 * console lines (xenbus_device.h). */
#include <string.h>
#include "lib/print.h"
#include "pvio/xen/xen.h"
#include "pvio/xen/xenbus_device.h"

void xenbus_dev_init(struct xenbus_device *dev, struct xen_domain *d, const char *type,
                     unsigned devid, const char *name)
{
    memset(dev, 0, sizeof(*dev));
    dev->d = d;
    snprintf(dev->name, sizeof(dev->name), "%s", name);
    snprintf(dev->fe_path, sizeof(dev->fe_path), "/local/domain/%u/device/%s/%u", d->domid, type, devid);
    snprintf(dev->be_path, sizeof(dev->be_path), "/local/domain/0/backend/%s/%u/%u", type, d->domid,
             devid);
}

static void write_at(struct xenbus_device *dev, const char *dir, const char *key, const char *value)
{
    char path[96];
    snprintf(path, sizeof(path), "%s/%s", dir, key);
    xs_write(dev->d->store, path, value);
}

void xenbus_dev_write(struct xenbus_device *dev, const char *key, const char *value)
{
    write_at(dev, dev->be_path, key, value);
}

void xenbus_dev_write_u64(struct xenbus_device *dev, const char *key, uint64_t val)
{
    char value[24];
    snprintf(value, sizeof(value), "%lu", val);
    xenbus_dev_write(dev, key, value);
}

int xenbus_dev_read_u64(struct xenbus_device *dev, const char *key, uint64_t *val)
{
    char path[96];
    snprintf(path, sizeof(path), "%s/%s", dev->fe_path, key);
    return xs_read_u64(dev->d->store, path, val) == XS_OK ? 0 : -1;
}

bool xenbus_dev_read_flag(struct xenbus_device *dev, const char *key)
{
    uint64_t v;
    return xenbus_dev_read_u64(dev, key, &v) == 0 && v == 1;
}

unsigned xenbus_dev_frontend_state(struct xenbus_device *dev)
{
    uint64_t s;
    return xenbus_dev_read_u64(dev, "state", &s) == 0 && s <= XB_RECONFIGURED ? (unsigned)s
                                                                              : XB_UNKNOWN;
}

void xenbus_dev_switch_state(struct xenbus_device *dev, enum xenbus_state s)
{
    if (dev->state == s)
        return;
    dev->state = s;
    xenbus_dev_write_u64(dev, "state", s);
    /* The frontend's watch event must reach its ring even when this change
     * did not come from a store request (a broken ring, deferred work). */
    xen_store_defer(dev->d);
}

void xenbus_dev_publish(struct xenbus_device *dev)
{
    struct xenstore *xs = dev->d->store;
    uint16_t domid = dev->d->domid;
    /* Backend directory: Keel's, readable by the guest. Its keys inherit that. */
    xs_mkdir(xs, dev->be_path);
    xs_set_perms(xs, dev->be_path, XS_KEEL_DOMID, XS_PERM_NONE, domid, XS_PERM_READ);
    xenbus_dev_write(dev, "frontend", dev->fe_path);
    xenbus_dev_write_u64(dev, "frontend-id", domid);
    xenbus_dev_write_u64(dev, "online", 1);
    write_at(dev, dev->fe_path, "backend", dev->be_path);
    write_at(dev, dev->fe_path, "backend-id", "0");
}

void xenbus_dev_write_fe(struct xenbus_device *dev, const char *key, const char *value)
{
    write_at(dev, dev->fe_path, key, value);
}

int xenbus_dev_start(struct xenbus_device *dev, xs_watch_fn fn, void *ctx)
{
    /* The frontend's state last: a guest probing on its appearance finds
     * every other key (state 1 at probe, or the device is ignored). */
    write_at(dev, dev->fe_path, "state", "1");
    xenbus_dev_switch_state(dev, XB_INIT_WAIT);
    return xs_watch_internal(dev->d->store, dev->fe_path, fn, ctx) == XS_OK ? 0 : -1;
}

void xenbus_dev_say(struct xenbus_device *dev, const char *fmt, const char *detail)
{
    char msg[160], line[176];
    if (dev->messages >= XENBUS_DEV_MESSAGES_MAX)
        return;
    if (++dev->messages == XENBUS_DEV_MESSAGES_MAX)
        fmt = "%s: further messages about this device are suppressed";
    snprintf(msg, sizeof(msg), fmt, detail);
    snprintf(line, sizeof(line), "%s: %s", dev->name, msg);
    xen_message(dev->d, line);
}
