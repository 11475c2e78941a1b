/* SPDX-License-Identifier: BSD-2-Clause */
/* The virtual switch: bridge table, per-bridge FDB (learning, ageing, static vif entries), forwarding with per-port offload adaptation; any CPU. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arch/x86/spinlock.h"
#include "net/csum.h"
#include "net/gso.h"
#include "net/vswitch.h"

struct fdb_entry {
    struct net_port *port; /* NULL: a free slot */
    uint64_t seen_ms;      /* last frame from mac (learnt entries) */
    uint8_t mac[NET_MAC_LEN];
    bool is_static; /* a mac_locked port's own MAC */
};

struct vswitch_bridge {
    bool in_use;
    char name[VSWITCH_NAME_MAX + 1];
    struct spinlock lock; /* everything below, and every deliver */
    struct net_port *ports;
    struct fdb_entry fdb[VSWITCH_FDB_MAX];
    uint8_t scratch[NET_FRAME_MAX]; /* checksum-completed copy, or the segment being built */
};

static struct vswitch_bridge bridges[VSWITCH_BRIDGES_MAX];
static struct spinlock table_lock; /* in_use and name of every bridge */
static uint64_t (*clock_now)(void *ctx);
static void *clock_ctx;

void vswitch_init(uint64_t (*now_ms)(void *ctx), void *ctx)
{
    memset(bridges, 0, sizeof bridges);
    clock_now = now_ms;
    clock_ctx = ctx;
}

static uint64_t now_ms(void)
{
    return clock_now ? clock_now(clock_ctx) : 0;
}

/* ---- bridges ------------------------------------------------------------- */

static bool name_ok(const char *name)
{
    if (!name)
        return false;
    size_t n = 0;
    for (; name[n]; n++) {
        char c = name[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == '-';
        if (!ok || n == VSWITCH_NAME_MAX)
            return false;
    }
    return n > 0;
}

/* Table lock held. */
static struct vswitch_bridge *lookup(const char *name)
{
    for (unsigned i = 0; i < VSWITCH_BRIDGES_MAX; i++) {
        if (bridges[i].in_use && strcmp(bridges[i].name, name) == 0)
            return &bridges[i];
    }
    return NULL;
}

struct vswitch_bridge *vswitch_bridge_create(const char *name)
{
    if (!name_ok(name))
        return NULL;
    spin_lock(&table_lock);
    struct vswitch_bridge *br = lookup(name);
    for (unsigned i = 0; !br && i < VSWITCH_BRIDGES_MAX; i++) {
        if (!bridges[i].in_use) {
            br = &bridges[i];
            memset(br->fdb, 0, sizeof br->fdb);
            br->ports = NULL;
            memcpy(br->name, name, strlen(name) + 1);
            br->in_use = true;
        }
    }
    spin_unlock(&table_lock);
    return br;
}

struct vswitch_bridge *vswitch_bridge_find(const char *name)
{
    if (!name_ok(name))
        return NULL;
    spin_lock(&table_lock);
    struct vswitch_bridge *br = lookup(name);
    spin_unlock(&table_lock);
    return br;
}

const char *vswitch_bridge_name(const struct vswitch_bridge *br)
{
    return br->name;
}

/* ---- FDB (bridge lock held) ------------------------------------------------ */

static bool expired(const struct fdb_entry *e, uint64_t now)
{
    /* A clock that went back counts as no time passed. */
    return !e->is_static && now > e->seen_ms && now - e->seen_ms > VSWITCH_AGEING_MS;
}

/* The live entry for mac, or NULL; expired entries met on the way are freed. */
static struct fdb_entry *fdb_find(struct vswitch_bridge *br, const uint8_t *mac, uint64_t now)
{
    for (unsigned i = 0; i < VSWITCH_FDB_MAX; i++) {
        struct fdb_entry *e = &br->fdb[i];
        if (!e->port)
            continue;
        if (expired(e, now)) {
            e->port = NULL;
            continue;
        }
        if (net_mac_equal(e->mac, mac))
            return e;
    }
    return NULL;
}

/* A slot for a new entry: a free (or expired) one, else the learnt entry
 * seen longest ago; NULL if all are static. */
static struct fdb_entry *fdb_slot(struct vswitch_bridge *br, uint64_t now)
{
    struct fdb_entry *oldest = NULL;
    for (unsigned i = 0; i < VSWITCH_FDB_MAX; i++) {
        struct fdb_entry *e = &br->fdb[i];
        if (!e->port || expired(e, now))
            return e;
        if (!e->is_static && (!oldest || e->seen_ms < oldest->seen_ms))
            oldest = e;
    }
    return oldest;
}

static void fdb_learn(struct vswitch_bridge *br, const uint8_t *mac, struct net_port *p, uint64_t now)
{
    struct fdb_entry *e = fdb_find(br, mac, now);
    if (e && e->is_static)
        return; /* a vif's own MAC stays with the vif */
    if (!e && !(e = fdb_slot(br, now)))
        return;
    e->port = p;
    e->seen_ms = now;
    e->is_static = false;
    memcpy(e->mac, mac, NET_MAC_LEN);
}

size_t vswitch_fdb_count(struct vswitch_bridge *br)
{
    size_t n = 0;
    spin_lock(&br->lock);
    uint64_t now = now_ms();
    for (unsigned i = 0; i < VSWITCH_FDB_MAX; i++)
        n += br->fdb[i].port && !expired(&br->fdb[i], now);
    spin_unlock(&br->lock);
    return n;
}

/* ---- ports --------------------------------------------------------------- */

int vswitch_attach(struct vswitch_bridge *br, struct net_port *p)
{
    if (!br || !p || p->bridge || !p->ops || !p->ops->deliver)
        return -1;
    if (p->mac_locked && !net_mac_is_valid_source(p->mac))
        return -1;

    int rc = -1;
    spin_lock(&br->lock);
    struct net_port **link = &br->ports;
    for (; *link; link = &(*link)->next) {
        const struct net_port *q = *link;
        if (net_mac_equal(q->mac, p->mac) && (q->mac_locked || p->mac_locked))
            goto out;
    }
    if (p->mac_locked) {
        uint64_t now = now_ms();
        struct fdb_entry *e = fdb_find(br, p->mac, now); /* learnt elsewhere before: the vif wins */
        if (!e && !(e = fdb_slot(br, now)))
            goto out;
        e->port = p;
        e->seen_ms = now;
        e->is_static = true;
        memcpy(e->mac, p->mac, NET_MAC_LEN);
    }
    memset(&p->stats, 0, sizeof p->stats);
    p->seg_stopped = false;
    p->next = NULL;
    p->bridge = br;
    *link = p; /* at the end: flooding follows attach order */
    rc = 0;
out:
    spin_unlock(&br->lock);
    return rc;
}

void vswitch_detach(struct net_port *p)
{
    struct vswitch_bridge *br = p ? p->bridge : NULL;
    if (!br)
        return;
    spin_lock(&br->lock);
    for (struct net_port **link = &br->ports; *link; link = &(*link)->next) {
        if (*link == p) {
            *link = p->next;
            break;
        }
    }
    for (unsigned i = 0; i < VSWITCH_FDB_MAX; i++) {
        if (br->fdb[i].port == p)
            br->fdb[i].port = NULL;
    }
    p->next = NULL;
    p->bridge = NULL;
    spin_unlock(&br->lock);
}

void vswitch_port_stats(const struct net_port *p, struct net_port_stats *out)
{
    struct vswitch_bridge *br = p->bridge;
    if (br)
        spin_lock(&br->lock);
    *out = p->stats;
    if (br)
        spin_unlock(&br->lock);
}

/* ---- forwarding (bridge lock held) ----------------------------------------- */

/* One frame's way through the bridge. */
struct fwd {
    struct vswitch_bridge *br;
    struct net_port *from;
    struct net_port *to; /* known unicast destination; NULL: flood */
    const struct net_offload *off;
    struct net_offload adapted; /* what copies and segments carry */
    unsigned segmenting;        /* ports still taking segments */
};

static bool is_dest(const struct fwd *f, const struct net_port *p)
{
    return f->to ? p == f->to : p != f->from;
}

/* Whether p takes the frame with its offload as it is. */
static bool takes_as_is(const struct net_port *p, const struct net_offload *off)
{
    if (off->gso_size) /* GSO frames carry partial checksums (Linux requires it) */
        return p->accepts_gso && p->accepts_csum_partial;
    return !off->csum_partial || p->accepts_csum_partial;
}

static bool deliver(struct net_port *p, const uint8_t *frame, size_t len, const struct net_offload *off)
{
    if (!p->ops->deliver(p->ctx, frame, len, off)) {
        p->stats.tx_dropped++;
        return false;
    }
    p->stats.tx_frames++;
    p->stats.tx_bytes += len;
    return true;
}

static int emit_segment(void *ctx, const uint8_t *seg, size_t len)
{
    struct fwd *f = ctx;
    for (struct net_port *p = f->br->ports; p; p = p->next) {
        if (!is_dest(f, p) || takes_as_is(p, f->off) || p->seg_stopped)
            continue;
        if (!deliver(p, seg, len, &f->adapted)) {
            p->seg_stopped = true;
            f->segmenting--;
        }
    }
    return f->segmenting == 0; /* everyone refused: stop cutting */
}

static void forward(struct fwd *f, const uint8_t *frame, size_t len)
{
    struct vswitch_bridge *br = f->br;
    unsigned adapt = 0;

    for (struct net_port *p = br->ports; p; p = p->next) {
        if (!is_dest(f, p))
            continue;
        if (takes_as_is(p, f->off))
            deliver(p, frame, len, f->off);
        else
            adapt++;
    }
    if (!adapt)
        return;

    /* offload_ok vouched for both adaptations below. */
    f->adapted = (struct net_offload){ .data_validated = f->off->data_validated };
    if (f->off->gso_size) {
        for (struct net_port *p = br->ports; p; p = p->next)
            p->seg_stopped = false;
        f->segmenting = adapt;
        net_gso_segment(frame, len, f->off, br->scratch, sizeof br->scratch, emit_segment, f);
        return;
    }
    /* Only a partial checksum is left to finish; the sender's buffer is const. */
    memcpy(br->scratch, frame, len);
    if (net_csum_complete(br->scratch, len) != 0)
        return;
    for (struct net_port *p = br->ports; p; p = p->next) {
        if (is_dest(f, p) && !takes_as_is(p, f->off))
            deliver(p, br->scratch, len, &f->adapted);
    }
}

/* Whether the frame's offload can be done for any port, checked once at
 * ingress as Linux netback does (skb_checksum_setup): a frame no port
 * could have adapted reaches none, not even a port that takes it as is. */
static bool offload_ok(const uint8_t *frame, size_t len, const struct net_offload *off)
{
    struct net_l4 l4;
    if (off->gso_size)
        return net_gso_valid(frame, len, off);
    return !off->csum_partial || net_l4_locate(frame, len, &l4) == 0;
}

void vswitch_send(struct net_port *from, const uint8_t *frame, size_t len, const struct net_offload *off)
{
    static const struct net_offload none;
    struct vswitch_bridge *br = from ? from->bridge : NULL;
    if (!br)
        return;
    if (!off)
        off = &none;

    spin_lock(&br->lock);
    if (!frame || len < NET_ETH_HLEN || len > NET_FRAME_MAX ||
        !net_mac_is_valid_source(frame + NET_ETH_SRC)) {
        from->stats.invalid++;
        goto out;
    }
    if (from->mac_locked && !net_mac_equal(frame + NET_ETH_SRC, from->mac)) {
        from->stats.spoofed++;
        goto out;
    }
    if (!offload_ok(frame, len, off)) {
        from->stats.invalid++;
        goto out;
    }
    from->stats.rx_frames++;
    from->stats.rx_bytes += len;
    const uint8_t *src = frame + NET_ETH_SRC, *dst = frame + NET_ETH_DST;

    uint64_t now = now_ms();
    fdb_learn(br, src, from, now);
    if (net_mac_is_link_local(dst))
        goto out;

    struct fwd f = { .br = br, .from = from, .off = off };
    if (!net_mac_is_multicast(dst)) {
        struct fdb_entry *e = fdb_find(br, dst, now);
        if (e && e->port == from)
            goto out; /* never back out of the ingress port */
        f.to = e ? e->port : NULL;
    }
    forward(&f, frame, len);
out:
    spin_unlock(&br->lock);
}
