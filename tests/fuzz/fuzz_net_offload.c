/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for Keel's backend-neutral networking (net/csum.c, gso.c, vswitch.c, frame_queue.c) fed hostile frames and offload fields. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/csum.h"
#include "net/ether.h"
#include "net/frame_queue.h"
#include "net/gso.h"
#include "net/vswitch.h"
#include "tests/fuzz/fuzz_common.h"

/*
 * The input is up to SENDS_MAX records, each
 *   u8  ctl       bits 0-1: sending port (3 = 0); bit 2: csum_partial;
 *                 bit 3: data_validated; bit 4: port 1's queue is full;
 *                 bits 5-7: scratch size for the direct GSO call (see below)
 *   u16 gso_size, u8 gso_type
 *   u16 len       the frame's length, cut to what the input still holds
 *   len bytes     the frame
 * Each frame, in an exact-size heap copy (ASan sees every stray byte), goes
 *  - to net_l4_locate and net_l4_csum_ok: offsets within the frame;
 *  - to net_csum_complete on a copy: success means only its checksum
 *    field changed, refusal that nothing did; and on a copy whose field
 *    holds the pseudo-header sum (what a csum_partial sender leaves), which
 *    must then verify;
 *  - to net_gso_segment with an exact-size scratch: every segment lies in
 *    the scratch, verifies (L4 and IPv4 header), carries at most gso_size
 *    bytes of payload, and the payloads join up to the original's; a
 *    refusal emits nothing;
 *  - through vswitch_send from one of three ports: port 0 (a vif) takes
 *    GSO and partial checksums, port 1 (a vif) partial checksums only,
 *    port 2 (an uplink) neither. A port never gets an offload it did not
 *    ask for, nor one that cannot be done (the switch refuses those at
 *    ingress); anything the switch built verifies; each delivery is
 *    counted once in tx_frames; the sender's buffer is never written.
 *    Port 1's frames also go through a frame queue and come out whole.
 * A csum_partial frame that net_l4_locate takes gets the pseudo-header sum
 * in its checksum field first, as a real sender would leave it: otherwise
 * no completed copy could verify. Headers and lengths stay the input's.
 */

#define SENDS_MAX 4u
#define PORTS     3u

struct fport {
    struct net_port port;
    uint64_t delivered;
    bool refuse;
};

static struct fport ports[PORTS];
static const uint8_t *sender_frame; /* the buffer vswitch_send was given */
static size_t sender_len;
static uint64_t clock_ms;
static struct frame_queue queue;
static uint8_t queue_buf[NET_FRAME_MAX + 4096], popped[NET_FRAME_MAX];

static uint64_t fake_clock(void *ctx)
{
    (void)ctx;
    return clock_ms;
}

static bool fdeliver(void *ctx, const uint8_t *frame, size_t len, const struct net_offload *off)
{
    struct fport *p = ctx;
    unsigned i = (unsigned)(p - ports);
    FUZZ_CHECK(len >= NET_ETH_HLEN && len <= NET_FRAME_MAX, "port %u got a frame of %zu bytes", i, len);
    FUZZ_CHECK(p->port.accepts_gso || off->gso_size == 0,
               "port %u got a GSO frame it did not ask for", i);
    FUZZ_CHECK(p->port.accepts_csum_partial || !off->csum_partial,
               "port %u got a partial checksum it did not ask for", i);
    struct net_l4 l4;
    FUZZ_CHECK((!off->csum_partial && !off->gso_size) || net_l4_locate(frame, len, &l4) == 0,
               "port %u got an offload on a frame that is not TCP/UDP over IP", i);
    FUZZ_CHECK(!off->gso_size || net_gso_valid(frame, len, off),
               "port %u got a GSO frame that cannot be cut", i);
    if (frame != sender_frame) {
        /* A completed copy or a segment: the switch built it. */
        FUZZ_CHECK(net_l4_csum_ok(frame, len),
                   "port %u got a built frame (%zu bytes) that does not verify", i, len);
        FUZZ_CHECK(!off->csum_partial && off->gso_size == 0,
                   "port %u got a built frame with offloads", i);
    } else {
        FUZZ_CHECK(len == sender_len, "port %u got the sender's buffer at another length", i);
    }
    if (p->refuse)
        return false;
    if (i == 1) {
        /* Through a queue and back out, as a backend would take it. */
        if (frame_queue_push(&queue, frame, len, off)) {
            struct net_offload got;
            size_t n = frame_queue_pop(&queue, popped, sizeof popped, &got);
            FUZZ_CHECK(n == len && memcmp(popped, frame, len) == 0,
                       "the queue gave back another frame");
            FUZZ_CHECK(got.gso_size == off->gso_size && got.gso_type == off->gso_type &&
                           got.csum_partial == off->csum_partial &&
                           got.data_validated == off->data_validated,
                       "the queue gave back other offloads");
        }
    }
    p->delivered++;
    return true;
}

static const struct net_port_ops fops = { .deliver = fdeliver };

/* ---- direct segmentation ----------------------------------------------- */

struct seg_check {
    const uint8_t *scratch;
    size_t scratch_size;
    unsigned gso_size;
    uint8_t *joined; /* payloads so far */
    size_t joined_len;
    unsigned emitted;
};

static int check_segment(void *ctx, const uint8_t *seg, size_t len)
{
    struct seg_check *c = ctx;
    struct net_l4 l4;
    FUZZ_CHECK(seg == c->scratch && len <= c->scratch_size,
               "segment %u (%zu bytes) outside the scratch (%zu)", c->emitted, len, c->scratch_size);
    FUZZ_CHECK(net_l4_locate(seg, len, &l4) == 0 && l4.proto == NET_IPPROTO_TCP,
               "segment %u is not a TCP frame", c->emitted);
    FUZZ_CHECK(l4.l4_off + l4.l4_len == len, "segment %u has bytes past its IP length", c->emitted);
    FUZZ_CHECK(net_l4_csum_ok(seg, len), "segment %u does not verify", c->emitted);
    FUZZ_CHECK(l4.ethertype != NET_ETHERTYPE_IPV4 || net_ipv4_header_csum_ok(seg + l4.l3_off),
               "segment %u: IPv4 header checksum", c->emitted);
    size_t payload = l4.l4_len - l4.l4_hlen;
    FUZZ_CHECK(payload <= c->gso_size, "segment %u carries %zu bytes, MSS %u", c->emitted, payload,
               c->gso_size);
    memcpy(c->joined + c->joined_len, seg + l4.l4_off + l4.l4_hlen, payload);
    c->joined_len += payload;
    c->emitted++;
    return 0;
}

static void check_gso(const uint8_t *f, size_t len, const struct net_offload *off, unsigned scratch_class)
{
    static const size_t sizes[8] = { 0, 14, 60, 200, 1514, 9000, 65535, 70000 };
    size_t scratch_size = sizes[scratch_class];
    uint8_t *scratch = malloc(scratch_size ? scratch_size : 1), *joined = malloc(len + 1);
    if (!scratch || !joined)
        abort();
    struct seg_check c = {
        .scratch = scratch, .scratch_size = scratch_size, .gso_size = off->gso_size, .joined = joined
    };
    int n = net_gso_segment(f, len, off, scratch, scratch_size, check_segment, &c);
    if (n < 0) {
        FUZZ_CHECK(c.emitted == 0, "a refused frame emitted %u segments", c.emitted);
    } else {
        struct net_l4 l4;
        FUZZ_CHECK((unsigned)n == c.emitted, "returned %d, emitted %u", n, c.emitted);
        FUZZ_CHECK(net_l4_locate(f, len, &l4) == 0, "segmented a frame net_l4_locate refuses");
        size_t payload = l4.l4_len - l4.l4_hlen;
        size_t want = payload ? (payload + off->gso_size - 1) / off->gso_size : 1;
        FUZZ_CHECK((size_t)n == want, "%d segments for %zu bytes at MSS %u", n, payload, off->gso_size);
        FUZZ_CHECK(c.joined_len == payload && memcmp(joined, f + l4.l4_off + l4.l4_hlen, payload) == 0,
                   "the segments' payloads do not join up to the frame's");
    }
    free(scratch);
    free(joined);
}

/* ---- checksums ------------------------------------------------------------- */

static void check_csum(const uint8_t *f, size_t len)
{
    struct net_l4 l4;
    bool located = net_l4_locate(f, len, &l4) == 0;
    if (located) {
        FUZZ_CHECK(l4.l3_off == NET_ETH_HLEN && l4.l4_off == l4.l3_off + l4.l3_hlen &&
                       l4.l4_hlen <= l4.l4_len && l4.l4_off + l4.l4_len <= len &&
                       l4.csum_off + 2 <= l4.l4_off + l4.l4_hlen,
                   "net_l4_locate: offsets outside the frame");
    }
    (void)net_l4_csum_ok(f, len);

    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        abort();
    memcpy(copy, f, len);
    int rc = net_csum_complete(copy, len);
    FUZZ_CHECK((rc == 0) == located, "net_csum_complete and net_l4_locate disagree");
    if (rc == 0) {
        FUZZ_CHECK(memcmp(copy, f, l4.csum_off) == 0 &&
                       memcmp(copy + l4.csum_off + 2, f + l4.csum_off + 2, len - l4.csum_off - 2) == 0,
                   "net_csum_complete changed more than the checksum");
        uint16_t pseudo = (uint16_t)net_csum_pseudo(copy, &l4);
        copy[l4.csum_off] = (uint8_t)(pseudo >> 8);
        copy[l4.csum_off + 1] = (uint8_t)pseudo;
        FUZZ_CHECK(net_csum_complete(copy, len) == 0 && net_l4_csum_ok(copy, len),
                   "a completed partial frame does not verify");
    } else {
        FUZZ_CHECK(memcmp(copy, f, len) == 0, "a refused frame was changed");
    }
    free(copy);
}

/* What a csum_partial sender leaves in the checksum field. */
static void make_partial(uint8_t *f, size_t len)
{
    struct net_l4 l4;
    if (net_l4_locate(f, len, &l4) != 0)
        return;
    uint16_t pseudo = (uint16_t)net_csum_pseudo(f, &l4);
    f[l4.csum_off] = (uint8_t)(pseudo >> 8);
    f[l4.csum_off + 1] = (uint8_t)pseudo;
}

/* ---- the switch ------------------------------------------------------------ */

static struct vswitch_bridge *setup_switch(void)
{
    static const uint8_t macs[PORTS][6] = { { 2, 0, 0, 0, 0, 1 },
                                            { 2, 0, 0, 0, 0, 2 },
                                            { 2, 0, 0, 0, 0, 3 } };
    vswitch_init(fake_clock, NULL);
    struct vswitch_bridge *br = vswitch_bridge_create("fuzzbr0");
    FUZZ_CHECK(br != NULL, "bridge not created");
    for (unsigned i = 0; i < PORTS; i++) {
        struct fport *p = &ports[i];
        memset(p, 0, sizeof *p);
        snprintf(p->port.name, sizeof p->port.name, "port%u", i);
        memcpy(p->port.mac, macs[i], 6);
        p->port.mac_locked = i < 2;
        p->port.accepts_csum_partial = i < 2;
        p->port.accepts_gso = i == 0;
        p->port.ops = &fops;
        p->port.ctx = p;
        FUZZ_CHECK(vswitch_attach(br, &p->port) == 0, "port %u not attached", i);
    }
    frame_queue_init(&queue, queue_buf, sizeof queue_buf);
    return br;
}

static void check_send(unsigned from, const uint8_t *f, size_t len, const struct net_offload *off)
{
    uint64_t before[PORTS];
    for (unsigned i = 0; i < PORTS; i++)
        before[i] = ports[i].delivered;
    uint8_t *keep = malloc(len ? len : 1);
    if (!keep)
        abort();
    memcpy(keep, f, len);
    sender_frame = f;
    sender_len = len;
    vswitch_send(&ports[from].port, f, len, off);
    FUZZ_CHECK(memcmp(keep, f, len) == 0, "vswitch_send wrote the sender's buffer");
    FUZZ_CHECK(ports[from].delivered == before[from], "port %u got its own frame back", from);
    for (unsigned i = 0; i < PORTS; i++) {
        struct net_port_stats s;
        vswitch_port_stats(&ports[i].port, &s);
        FUZZ_CHECK(s.tx_frames == ports[i].delivered, "port %u: tx_frames %llu, delivered %llu", i,
                   (unsigned long long)s.tx_frames, (unsigned long long)ports[i].delivered);
    }
    free(keep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = { data, size };
    setup_switch();
    clock_ms = 0;
    for (unsigned r = 0; r < SENDS_MAX && in.left; r++) {
        uint8_t ctl = fin_u8(&in);
        struct net_offload off = { .csum_partial = ctl & 4, .data_validated = ctl & 8 };
        off.gso_size = fin_u16(&in);
        off.gso_type = fin_u8(&in);
        size_t len = fin_u16(&in);
        if (len > in.left)
            len = in.left;
        uint8_t *f = malloc(len ? len : 1);
        if (!f)
            abort();
        fin_bytes(&in, f, len);
        if (off.csum_partial)
            make_partial(f, len);

        check_csum(f, len);
        check_gso(f, len, &off, ctl >> 5);
        ports[1].refuse = ctl & 16;
        check_send((ctl & 3) % PORTS, f, len, &off);
        clock_ms += 150000; /* two records apart, learnt entries age out */
        free(f);
    }
    return 0;
}
