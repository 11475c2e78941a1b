/* SPDX-License-Identifier: BSD-2-Clause */
/* Virtual network interface control path: xenstore nodes and the
 * XenbusState handshake with netfront (xen/include/public/io/netif.h;
 * Linux drivers/net/xen-netfront.c talk_to_netback, netback_changed), and
 * the glue between netback and the switch:
 *   backend publishes features, InitWait -> frontend writes tx-ring-ref,
 *   rx-ring-ref, event-channel, request-rx-copy and its features, then
 *   Connected -> backend maps the rings, binds the channel, scans both rings
 *   once (kicks sent before the binding are lost), Connected.
 *   Frontend Closing/Closed -> backend disconnects, Closing/Closed; a
 *   frontend back at Initialising (module reload, reboot) finds InitWait. */
#include <string.h>
#include "host/palloc.h"
#include "lib/print.h"
#include "pvio/net/vif.h"
#include "pvio/xen/xen.h"

static void say(struct xen_vif *vif, const char *fmt, const char *detail)
{
    xenbus_dev_say(&vif->dev, fmt, detail);
}

/* --- data path glue ------------------------------------------------------------------ */

static void notify_frontend(void *ctx)
{
    struct xen_vif *vif = ctx;
    evtchn_notify_guest(&vif->d->evtchn, vif->port, vif);
}

/* A frame from the guest (netback, under the VM's lock) into the switch. */
static void transmit(void *ctx, const uint8_t *frame, size_t len, const struct net_offload *off)
{
    struct xen_vif *vif = ctx;
    vswitch_send(&vif->sw, frame, len, off);
}

/* A frame for the guest, from any CPU under the bridge's lock: queue it and
 * let the VM's next entry copy it into the guest's buffers. */
static bool deliver(void *ctx, const uint8_t *frame, size_t len, const struct net_offload *off)
{
    struct xen_vif *vif = ctx;
    if (!vif->connected || !frame_queue_push(&vif->rxq, frame, len, off))
        return false;
    xen_backend_wake(vif->d, vif->index);
    return true;
}

static const struct net_port_ops port_ops = { .deliver = deliver };

static void flush_queue(struct xen_vif *vif)
{
    while (frame_queue_discard(&vif->rxq))
        ;
}

static void disconnect(struct xen_vif *vif)
{
    if (!vif->nb.connected)
        return;
    vif->connected = false;
    netback_disconnect(&vif->nb);
    evtchn_unbind_backend(&vif->d->evtchn, vif->port, vif);
    vif->port = 0;
    flush_queue(vif);
}

/* The frontend notified us, or the switch queued frames: serve both rings,
 * one budget's worth; the rest waits for the next VM entry. A frontend that
 * breaks the protocol loses the interface; the guest and Keel go on. */
static void kick(void *ctx)
{
    struct xen_vif *vif = ctx;
    int rc = netback_kick(&vif->nb);
    if (rc == NETBACK_MORE)
        xen_backend_defer(vif->d, vif->index);
    if (rc == NETBACK_EBROKEN && vif->connected) {
        say(vif, "the frontend broke the protocol (%s): interface disabled", vif->nb.fatal);
        vif->connected = false;         /* the switch stops queueing for it */
        flush_queue(vif);
        xenbus_dev_switch_state(&vif->dev, XB_CLOSING);
    }
}

/* --- handshake ------------------------------------------------------------------------ */

static const char *connect(struct xen_vif *vif)
{
    struct xenbus_device *dev = &vif->dev;
    uint64_t queues, tx_ref, rx_ref, port;
    if (xenbus_dev_read_u64(dev, "multi-queue-num-queues", &queues) == 0 && queues != 1)
        return "multi-queue-num-queues must be 1 (multi-queue-max-queues is not offered)";
    if (!xenbus_dev_read_flag(dev, "request-rx-copy"))
        return "request-rx-copy is not 1 (Keel's RX path only copies)";
    if (xenbus_dev_read_u64(dev, "tx-ring-ref", &tx_ref) || tx_ref > UINT32_MAX ||
        xenbus_dev_read_u64(dev, "rx-ring-ref", &rx_ref) || rx_ref > UINT32_MAX)
        return "missing or bad tx-ring-ref or rx-ring-ref";
    if (xenbus_dev_read_u64(dev, "event-channel", &port) || port > UINT32_MAX)
        return "missing or bad event-channel (split channels are not offered)";

    uint64_t no_csum;
    struct netback_features fe = {
        .rx_notify = xenbus_dev_read_flag(dev, "feature-rx-notify"),
        .sg = xenbus_dev_read_flag(dev, "feature-sg"),
        .gso_tcpv4 = xenbus_dev_read_flag(dev, "feature-gso-tcpv4"),
        .gso_tcpv6 = xenbus_dev_read_flag(dev, "feature-gso-tcpv6"),
        .csum_offload = !(xenbus_dev_read_u64(dev, "feature-no-csum-offload", &no_csum) == 0 &&
                          no_csum == 1),
        .ipv6_csum_offload = xenbus_dev_read_flag(dev, "feature-ipv6-csum-offload"),
    };
    int rc = netback_connect(&vif->nb, &vif->d->grants, (uint32_t)tx_ref, (uint32_t)rx_ref, &fe);
    if (rc == NETBACK_EBROKEN)
        return "a ring's indices are impossible";
    if (rc)
        return "cannot map the rings (bad grant reference)";
    const struct evtchn_backend end = { kick, vif };
    if (evtchn_bind_backend(&vif->d->evtchn, (uint32_t)port, &end)) {
        netback_disconnect(&vif->nb);
        return "event-channel is not an unbound port for domain 0";
    }
    vif->port = (uint32_t)port;

    /* What the switch may hand it as is; anything else it converts first. */
    vif->sw.accepts_gso = fe.sg && fe.gso_tcpv4 && fe.gso_tcpv6;
    vif->sw.accepts_csum_partial = fe.csum_offload && fe.ipv6_csum_offload;
    flush_queue(vif);
    vif->connected = true;
    xenbus_dev_switch_state(dev, XB_CONNECTED);
    char detail[80];
    const uint8_t *m = vif->cfg.mac;
    snprintf(detail, sizeof(detail), "%02x:%02x:%02x:%02x:%02x:%02x on %s%s", m[0], m[1], m[2], m[3],
             m[4], m[5], vswitch_bridge_name(vif->sw.bridge), fe.rx_notify ? "" : " (no rx-notify)");
    say(vif, "connected: %s", detail);
    /* Both rings may hold work already: serve them before the next entry,
     * not inside this xenstore callback (budgets must not nest). */
    xen_backend_defer(vif->d, vif->index);
    return NULL;
}

static void frontend_changed(void *ctx, const char *changed)
{
    struct xen_vif *vif = ctx;
    (void)changed;
    switch (xenbus_dev_frontend_state(&vif->dev)) {
    case XB_INITIALISING:
        if (vif->dev.state == XB_CLOSED || vif->dev.state == XB_CLOSING) {
            disconnect(vif);
            xenbus_dev_switch_state(&vif->dev, XB_INIT_WAIT);
        }
        break;
    case XB_INITIALISED:
    case XB_CONNECTED:
        if (vif->dev.state == XB_INIT_WAIT) {
            const char *why = connect(vif);
            if (why) {
                say(vif, "cannot connect: %s", why);
                xenbus_dev_switch_state(&vif->dev, XB_CLOSING);
            }
        }
        break;
    case XB_CLOSING:
        disconnect(vif);
        xenbus_dev_switch_state(&vif->dev, XB_CLOSING);
        break;
    case XB_CLOSED:
    case XB_UNKNOWN:
        disconnect(vif);
        xenbus_dev_switch_state(&vif->dev, XB_CLOSED);
        break;
    }
}

/* --- set-up ------------------------------------------------------------------------------- */

static uint64_t vif_pages(void)
{
    return (sizeof(struct xen_vif) + PAGE_SIZE - 1) / PAGE_SIZE;
}

static void vif_destroy(void *ctx)
{
    struct xen_vif *vif = ctx;
    vswitch_detach(&vif->sw);       /* no delivery runs or starts after this */
    disconnect(vif);
    palloc_free((uint64_t)(uintptr_t)vif, vif_pages());
}

/* One line of counters at the VM's end (for benchmarks). */
static void vif_print_stats(void *ctx)
{
    struct xen_vif *vif = ctx;
    const struct netback_stats *s = &vif->nb.stats;
    struct net_port_stats p;
    vswitch_port_stats(&vif->sw, &p);
    printk("keel: vm %s %s: tx %lu packets %lu bytes %lu errors, rx %lu packets %lu bytes "
           "%lu errors, notifications %lu; switch: spoofed %lu, invalid %lu, dropped %lu\n",
           vif->d->name, vif->cfg.name, s->tx_packets, s->tx_bytes, s->tx_errors, s->rx_packets,
           s->rx_bytes, s->rx_errors, s->notifications, p.spoofed, p.invalid, p.tx_dropped);
}

static const struct xen_backend_ops vif_ops = {
    .kick = kick, .print_stats = vif_print_stats, .destroy = vif_destroy,
};

static int publish(struct xen_vif *vif, char *why, size_t why_size)
{
    struct xenbus_device *dev = &vif->dev;
    const uint8_t *m = vif->cfg.mac;
    char mac[18];
    snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    xenbus_dev_init(dev, vif->d, "vif", vif->cfg.devid, vif->cfg.name);
    xenbus_dev_publish(dev);
    xenbus_dev_write_u64(dev, "handle", vif->cfg.devid);
    xenbus_dev_write(dev, "mac", mac);
    xenbus_dev_write(dev, "bridge", vswitch_bridge_name(vif->sw.bridge));
    xenbus_dev_write(dev, "type", "vif");
    xenbus_dev_write_u64(dev, "feature-rx-copy", 1);
    xenbus_dev_write_u64(dev, "feature-rx-flip", 0);
    xenbus_dev_write_u64(dev, "feature-sg", 1);
    xenbus_dev_write_u64(dev, "feature-gso-tcpv4", 1);
    xenbus_dev_write_u64(dev, "feature-gso-tcpv6", 1);
    xenbus_dev_write_u64(dev, "feature-ipv6-csum-offload", 1);
    char handle[12];
    snprintf(handle, sizeof(handle), "%u", vif->cfg.devid);
    xenbus_dev_write_fe(dev, "handle", handle);
    xenbus_dev_write_fe(dev, "mac", mac);       /* netfront reads its MAC here */
    if (xenbus_dev_start(dev, frontend_changed, vif)) {
        snprintf(why, why_size, "%s: no xenstore watch left", vif->cfg.name);
        return -1;
    }
    return 0;
}

int vif_create(struct xen_domain *d, const struct vif_config *cfg, struct vswitch_bridge *br,
               char *why, size_t why_size)
{
    uint64_t phys = palloc_alloc(vif_pages(), PAGE_SIZE);
    if (!phys) {
        snprintf(why, why_size, "%s", "no memory left for a network interface");
        return -1;
    }
    struct xen_vif *vif = (struct xen_vif *)(uintptr_t)phys;
    memset(vif, 0, offsetof(struct xen_vif, rxq_buf));
    vif->d = d;
    vif->cfg = *cfg;
    frame_queue_init(&vif->rxq, vif->rxq_buf, sizeof(vif->rxq_buf));
    netback_init(&vif->nb, &vif->rxq, transmit, notify_frontend, vif);
    memcpy(vif->sw.name, cfg->name, sizeof(vif->sw.name));
    memcpy(vif->sw.mac, cfg->mac, NET_MAC_LEN);
    vif->sw.mac_locked = true;
    vif->sw.ops = &port_ops;
    vif->sw.ctx = vif;
    if (vswitch_attach(br, &vif->sw)) {
        snprintf(why, why_size, "mac %02x:%02x:%02x:%02x:%02x:%02x is already on bridge %s",
                 cfg->mac[0], cfg->mac[1], cfg->mac[2], cfg->mac[3], cfg->mac[4], cfg->mac[5],
                 vswitch_bridge_name(br));
        palloc_free(phys, vif_pages());
        return -1;
    }
    int index = xen_backend_add(d, &vif_ops, vif);
    if (index < 0) {
        snprintf(why, why_size, "%s: the domain has no room for another device", cfg->name);
        vswitch_detach(&vif->sw);
        palloc_free(phys, vif_pages());
        return -1;
    }
    vif->index = (unsigned)index;
    return publish(vif, why, why_size);     /* attached: the domain destroys it */
}
