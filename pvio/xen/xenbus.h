/* SPDX-License-Identifier: BSD-2-Clause */
/* What Xen's toolstack and xenstored do for a Keel guest: its xenstore with
 * the domain's nodes, the store ring and event channel. Boot CPU
 * (create/destroy); the store kick runs on a vCPU's CPU under the VM's lock. */
#ifndef KEEL_PVIO_XENBUS_H
#define KEEL_PVIO_XENBUS_H

#include <stddef.h>

struct xen_domain;

/* 0, or -1 with *key (the config key at fault) and why[] set. */
int xenbus_create(struct xen_domain *d, const char **key, char *why, size_t why_size);
/* Free the store. */
void xenbus_destroy(struct xen_domain *d);
/* Serve the xenstore ring (the store channel's notification, or deferred work). */
void xenbus_store_kick(struct xen_domain *d);
/* Ask the guest to shut down ("poweroff") or restart ("reboot") through
 * control/shutdown, as xl does; 0, or -1 when the store refused the write.
 * Under the VM's lock. */
int xenbus_request_shutdown(struct xen_domain *d, const char *reason);

#endif
