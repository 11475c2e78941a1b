/* SPDX-License-Identifier: BSD-2-Clause */
/* Keel's virtual switch: named learning bridges joining ports (vifs, the uplink NIC), adapting offloads per port; any CPU. */
#ifndef KEEL_NET_VSWITCH_H
#define KEEL_NET_VSWITCH_H

/*
 * A bridge is what Linux's bridge does with STP off (xen-netif.md §6,
 * Linux net/bridge br_input.c, br_forward.c, br_fdb.c), minus what Keel
 * needs not:
 *  - a frame is dropped, counted on its port, if it is under 14 bytes or
 *    over NET_FRAME_MAX, its source MAC is a group address or zero, its
 *    offload cannot be done (below) (all `invalid`), or the port is
 *    mac_locked and the source is not the port's MAC (`spoofed`); dropped
 *    frames teach the FDB nothing;
 *  - its source is learnt on its port (a MAC seen on another port moves),
 *    and entries age out after VSWITCH_AGEING_MS without a frame;
 *  - a mac_locked port's own MAC is a static entry from attach to detach:
 *    it never ages, moves or is evicted (a frame from elsewhere with that
 *    source is still forwarded, as Linux does for sticky entries, but
 *    teaches nothing);
 *  - frames to 01:80:C2:00:00:00..0F (link-local) are never forwarded;
 *  - group (broadcast, multicast) and unknown unicast destinations flood
 *    to every other port; a known unicast goes to its port only, and
 *    never back out of the port it came in on;
 *  - the FDB holds VSWITCH_FDB_MAX entries per bridge; when it is full, a
 *    new source replaces the learnt entry seen longest ago (static entries
 *    stay), so active stations keep their entries.
 *
 * Offloads, per destination port (net_frame.h):
 *  - a GSO frame goes as it is to a port that accepts both GSO and
 *    partial checksums; any other port gets it cut into ordinary frames
 *    (net_gso_segment), each with a complete checksum;
 *  - a csum_partial frame goes as it is to a port that accepts that, else
 *    a copy with the checksum completed (net_csum_complete) is delivered;
 *  - data_validated travels with the frame and its copies and segments;
 *  - offloads are checked once, at ingress, as Linux netback does
 *    (skb_checksum_setup): a csum_partial frame must be TCP/UDP over IPv4
 *    or IPv6 as net_l4_locate takes it (no VLAN tag, no IPv6 extension
 *    headers), a GSO frame one net_gso_segment takes (net_gso_valid). Any
 *    other is dropped for every port, even one that would take it as it
 *    is: no port is ever handed an offload that could not be carried out.
 * A port that refuses a frame (deliver returns false) counts tx_dropped;
 * the other ports still get it. Of a segmented frame, a port gets the
 * segments up to the first it refuses (one tx_dropped), none after.
 *
 * Locking: one spinlock per bridge, held across FDB lookup and every
 * deliver call. Lock order: (the port owner's VM lock) -> bridge lock ->
 * port queue lock (a leaf, taken inside deliver). deliver therefore must
 * never take an owner's VM lock, nor call back into the switch, and the
 * clock given to vswitch_init (read under the bridge lock) must take no
 * lock. The bridge table has its own lock, never held with a bridge's.
 *
 * Storage is static (VSWITCH_BRIDGES_MAX bridges, each with its FDB and
 * one NET_FRAME_MAX scratch buffer for copies and segments, used under the
 * bridge lock); bridges live until the next vswitch_init.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/ether.h"
#include "net/net_frame.h"

#define VSWITCH_BRIDGES_MAX 8u
#define VSWITCH_FDB_MAX     256u    /* entries per bridge */
#define VSWITCH_NAME_MAX    15u     /* bridge names: 1..15 of [A-Za-z0-9_.-] */
#define VSWITCH_AGEING_MS   300000u /* Linux BR_DEFAULT_AGEING_TIME, 300 s */

struct vswitch_bridge;
struct net_port;

struct net_port_ops {
    /* One frame for the port's owner. Called with the bridge's lock held,
     * from any CPU: it must only queue (take at most a leaf lock, never the
     * owner's VM lock) and return fast; frame is gone once it returns.
     * false = not taken (queue full): counted as a drop. */
    bool (*deliver)(void *ctx, const uint8_t *frame, size_t len, const struct net_offload *off);
};

struct net_port_stats {
    uint64_t rx_frames, rx_bytes; /* owner -> switch: frames that passed the checks above */
    uint64_t tx_frames, tx_bytes; /* switch -> owner: frames (segments) deliver took */
    uint64_t spoofed;             /* source MAC not the port's own (mac_locked) */
    uint64_t invalid;             /* bad length or source MAC, offload that cannot be done */
    uint64_t tx_dropped;          /* deliver said no */
};

struct net_port {
    /* set by the owner before vswitch_attach: */
    char name[16]; /* for messages: "vif1.0", "uplink" */
    uint8_t mac[NET_MAC_LEN];
    bool mac_locked;           /* frames must come from `mac` (a vif); the uplink is not locked */
    bool accepts_csum_partial; /* else the switch completes checksums before delivering */
    bool accepts_gso;          /* else the switch segments GSO frames first */
    const struct net_port_ops *ops;
    void *ctx;
    /* the switch's: */
    struct vswitch_bridge *bridge;
    struct net_port *next;
    struct net_port_stats stats;
    bool seg_stopped; /* refused a segment of the frame being segmented */
};

/* Forgets every bridge and takes now_ms(ctx), a millisecond clock that
 * never goes back, for FDB ageing (NULL: time stands still, nothing ages).
 * Call once before anything else; tests call it again to start afresh. */
void vswitch_init(uint64_t (*now_ms)(void *ctx), void *ctx);

/* The bridge called name, created empty if there is none: NULL if name is
 * not 1..VSWITCH_NAME_MAX characters of [A-Za-z0-9_.-] or all
 * VSWITCH_BRIDGES_MAX bridges exist. Any CPU. */
struct vswitch_bridge *vswitch_bridge_create(const char *name);

/* The bridge called name, or NULL. Any CPU. */
struct vswitch_bridge *vswitch_bridge_find(const char *name);

const char *vswitch_bridge_name(const struct vswitch_bridge *br);

/* Joins p (fields above the line set; p not attached anywhere) to br;
 * from then on p may send, and deliver may be called at once, on any CPU.
 * Returns 0, or -1 (p unchanged) if p has no deliver, if p is mac_locked
 * with a MAC that cannot be a source, if p's MAC is that of a port already
 * on br and either of the two is mac_locked (duplicate MAC), or if a
 * mac_locked p finds the FDB full of static entries. Clears p's stats. */
int vswitch_attach(struct vswitch_bridge *br, struct net_port *p);

/* Takes p off its bridge (nothing if it is on none): once this returns,
 * deliver is never called for p again and no FDB entry names p. The owner
 * must not call vswitch_send(p) concurrently with or after this. */
void vswitch_detach(struct net_port *p);

/* The owner of `from` (attached) hands in one frame, frame[0, len), with
 * *off (NULL: no offload), from any CPU, possibly holding its own locks;
 * the switch forwards it as above before returning, and never keeps or
 * changes the caller's buffer. */
void vswitch_send(struct net_port *from, const uint8_t *frame, size_t len,
                  const struct net_offload *off);

/* A consistent copy of p's counters (p attached or not). */
void vswitch_port_stats(const struct net_port *p, struct net_port_stats *out);

/* Entries in br's FDB now, static and learnt, expired ones not counted
 * (diagnostics and tests). */
size_t vswitch_fdb_count(struct vswitch_bridge *br);

#endif
