/* SPDX-License-Identifier: BSD-2-Clause */
/* The xenstore side every PV backend device shares (Linux's xenbus driver
 * core has the same role): its frontend and backend directories, the
 * XenbusState it publishes, reads of the frontend's keys, and its console
 * lines. Boot CPU at create; watch callbacks under the VM's lock. */
#ifndef KEEL_PVIO_XENBUS_DEVICE_H
#define KEEL_PVIO_XENBUS_DEVICE_H

#include <stdbool.h>
#include <stdint.h>
#include "pvio/xen/xenstore.h"

struct xen_domain;

/* xen/include/public/io/xenbus.h */
enum xenbus_state {
    XB_UNKNOWN, XB_INITIALISING, XB_INIT_WAIT, XB_INITIALISED, XB_CONNECTED,
    XB_CLOSING, XB_CLOSED, XB_RECONFIGURING, XB_RECONFIGURED,
};

/* Lines a device may print per VM life: a guest cycling its frontend
 * through failing connects must not flood Keel's console. */
#define XENBUS_DEV_MESSAGES_MAX 8

struct xenbus_device {
    struct xen_domain *d;
    char name[16];              /* in messages: "xvda", "vif1.0" */
    char fe_path[64];           /* /local/domain/<D>/device/<type>/<devid> */
    char be_path[64];           /* /local/domain/0/backend/<type>/<D>/<devid> */
    unsigned state;             /* the backend's XenbusState */
    unsigned messages;
};

/* Name the device and its two directories (nothing written yet). */
void xenbus_dev_init(struct xenbus_device *dev, struct xen_domain *d, const char *type,
                     unsigned devid, const char *name);

/* Create both directories: the backend's Keel-owned and guest-readable with
 * frontend, frontend-id and online=1; the frontend's guest-owned with
 * backend and backend-id=0. The device then writes its own keys and calls
 * xenbus_dev_start. */
void xenbus_dev_publish(struct xenbus_device *dev);
/* A key in the frontend's directory (before xenbus_dev_start). */
void xenbus_dev_write_fe(struct xenbus_device *dev, const char *key, const char *value);

/* Write the frontend's state=1, go to InitWait and watch the frontend's
 * directory: fn(ctx, path) on every change there. 0, or -1 when the store
 * has no watch left. */
int xenbus_dev_start(struct xenbus_device *dev, xs_watch_fn fn, void *ctx);

/* A backend key: a decimal number, or a string. */
void xenbus_dev_write_u64(struct xenbus_device *dev, const char *key, uint64_t val);
void xenbus_dev_write(struct xenbus_device *dev, const char *key, const char *value);
/* A frontend key as a decimal number: 0, or -1 if absent or not a number. */
int xenbus_dev_read_u64(struct xenbus_device *dev, const char *key, uint64_t *val);
/* A frontend feature flag: true only if present and 1. */
bool xenbus_dev_read_flag(struct xenbus_device *dev, const char *key);
/* The frontend's XenbusState, or XB_UNKNOWN when it removed its node. */
unsigned xenbus_dev_frontend_state(struct xenbus_device *dev);

/* Publish the backend's state (no-op if unchanged); the frontend's watch
 * fires even when no store request of its own is under way. */
void xenbus_dev_switch_state(struct xenbus_device *dev, enum xenbus_state s);

/* "keel: vm NAME: <dev name>: <fmt with detail>", counted against
 * XENBUS_DEV_MESSAGES_MAX (the last one says the rest are suppressed). */
void xenbus_dev_say(struct xenbus_device *dev, const char *fmt, const char *detail);

#endif
