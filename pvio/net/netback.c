/* SPDX-License-Identifier: BSD-2-Clause */
/* netback's data path: TX requests to frames, queued frames to RX responses
 * (the rules are in netback.h); pure, under the VM's lock. */
#include <string.h>
#include "pvio/net/netback.h"

void netback_init(struct netback *nb, struct frame_queue *rxq,
                  void (*transmit)(void *ctx, const uint8_t *frame, size_t len,
                                   const struct net_offload *off),
                  void (*notify)(void *ctx), void *ctx)
{
    memset(nb, 0, offsetof(struct netback, frame));
    nb->rxq = rxq;
    nb->transmit = transmit;
    nb->notify = notify;
    nb->ctx = ctx;
}

static int attach_ring(struct netback *nb, uint32_t ref, uint32_t entry_size,
                       struct xen_back_ring *ring)
{
    void *page;
    if (grant_pin(nb->gt, ref, true, &page) != GNT_OK)
        return NETBACK_EGRANT;
    if (xen_back_ring_attach(ring, &page, 1, entry_size)) {
        grant_unpin(nb->gt, ref, true);
        return NETBACK_EBROKEN;
    }
    return NETBACK_OK;
}

int netback_connect(struct netback *nb, struct grant_table *gt, uint32_t tx_ref, uint32_t rx_ref,
                    const struct netback_features *fe)
{
    if (nb->connected || !gt)
        return NETBACK_EINVAL;
    nb->gt = gt;
    int rc = attach_ring(nb, tx_ref, NETIF_TX_ENTRY_SIZE, &nb->tx);
    if (rc)
        return rc;
    rc = attach_ring(nb, rx_ref, NETIF_RX_ENTRY_SIZE, &nb->rx);
    if (rc) {
        grant_unpin(gt, tx_ref, true);
        return rc;
    }
    nb->tx_ref = tx_ref;
    nb->rx_ref = rx_ref;
    nb->fe = *fe;
    nb->connected = true;
    nb->disabled = false;
    nb->fatal = NULL;
    return NETBACK_OK;
}

void netback_disconnect(struct netback *nb)
{
    if (!nb->connected)
        return;
    grant_unpin(nb->gt, nb->tx_ref, true);
    grant_unpin(nb->gt, nb->rx_ref, true);
    memset(&nb->tx, 0, sizeof(nb->tx));
    memset(&nb->rx, 0, sizeof(nb->rx));
    nb->connected = false;
    nb->disabled = false;
}

static int fatal(struct netback *nb, const char *why)
{
    nb->disabled = true;
    nb->fatal = why;
    return NETBACK_EBROKEN;
}

/* ---- TX: guest -> switch --------------------------------------------------------- */

/* One packet's slots, copied out of the ring. Extras are kept by type. */
struct tx_packet {
    struct netif_tx_request first;
    uint32_t first_len;                         /* first.size minus the later slots */
    unsigned nr_extras;
    bool has_gso, has_mcast;
    struct netif_extra_info gso;
    unsigned nr_frags;                          /* data slots after the first */
    bool drop;
    struct netif_tx_request frag[NETIF_FATAL_SLOTS];    /* last: not cleared per packet */
};

static void tx_respond(struct netback *nb, uint16_t id, int16_t status)
{
    struct netif_tx_response rsp = { .id = id, .status = status };
    xen_back_ring_write(&nb->tx, nb->tx.rsp_prod_pvt++, &rsp, sizeof(rsp));
}

/* Answer every slot of the packet: the first, its extras (NULL), its frags. */
static void tx_respond_packet(struct netback *nb, const struct tx_packet *p, int16_t status)
{
    tx_respond(nb, p->first.id, status);
    for (unsigned i = 0; i < p->nr_extras; i++)
        tx_respond(nb, 0, NETIF_RSP_NULL);
    for (unsigned i = 0; i < p->nr_frags; i++)
        tx_respond(nb, p->frag[i].id, status);
}

/* Copy one packet's requests out of the ring (req_cons moves past all of
 * them) and check them: NETBACK_OK (p->drop says whether to use it) or
 * NETBACK_EBROKEN. `avail` requests are published. */
static int tx_read_packet(struct netback *nb, uint32_t avail, struct tx_packet *p)
{
    uint32_t used = 1;
    memset(p, 0, offsetof(struct tx_packet, frag));
    xen_back_ring_read(&nb->tx, nb->tx.req_cons, &p->first, sizeof(p->first));

    uint16_t flags = p->first.flags;
    if (flags & NETTXF_EXTRA_INFO) {
        struct netif_extra_info ex;
        do {
            if (used >= avail)
                return fatal(nb, "an extra-info slot is missing");
            xen_back_ring_read(&nb->tx, nb->tx.req_cons + used, &ex, sizeof(ex));
            used++;
            p->nr_extras++;
            if (ex.type == NETIF_EXTRA_TYPE_NONE || ex.type >= NETIF_EXTRA_TYPE_MAX)
                return fatal(nb, "an extra-info slot of an unknown type");
            if (ex.type == NETIF_EXTRA_TYPE_GSO) {
                p->has_gso = true;
                p->gso = ex;
            } else if (ex.type == NETIF_EXTRA_TYPE_MCAST_ADD || ex.type == NETIF_EXTRA_TYPE_MCAST_DEL) {
                p->has_mcast = true;
            }
        } while (ex.flags & NETIF_EXTRA_FLAG_MORE);
    }

    uint32_t left = p->first.size;
    bool more = flags & NETTXF_MORE_DATA;
    while (more) {
        if (used >= avail)
            return fatal(nb, "a packet claims more slots than were published");
        if (p->nr_frags >= NETIF_FATAL_SLOTS)
            return fatal(nb, "a packet of more than 20 slots");
        struct netif_tx_request *f = &p->frag[p->nr_frags++];
        xen_back_ring_read(&nb->tx, nb->tx.req_cons + used, f, sizeof(*f));
        used++;
        more = f->flags & NETTXF_MORE_DATA;
        if ((uint32_t)f->offset + f->size > NETIF_PAGE_SIZE)
            return fatal(nb, "a slot crosses its page");
        if (p->nr_frags > NETIF_NR_SLOTS_MIN)
            p->drop = true;
        if (f->size > left)
            p->drop = true;         /* "buggy frontends": sizes do not add up */
        else
            left -= f->size;
    }
    nb->tx.req_cons += used;
    if (p->drop)
        return NETBACK_OK;
    p->first_len = left;
    if (p->has_mcast && !p->has_gso)
        return NETBACK_OK;          /* a multicast filter update, no frame */
    if (p->first_len < NET_ETH_HLEN) {
        p->drop = true;
        return NETBACK_OK;
    }
    if ((uint32_t)p->first.offset + p->first_len > NETIF_PAGE_SIZE)
        return fatal(nb, "the first slot crosses its page");
    if (p->has_gso) {
        uint8_t type = p->gso.u.gso.type;
        if (p->gso.u.gso.size == 0)
            return fatal(nb, "a GSO extra with size 0");
        if (type != NETIF_GSO_TYPE_TCPV4 && type != NETIF_GSO_TYPE_TCPV6)
            return fatal(nb, "a GSO extra of an unknown type");
    }
    return NETBACK_OK;
}

/* Gather the packet's data into nb->frame: its length, or 0 when a grant
 * could not be read. */
static uint32_t tx_gather(struct netback *nb, const struct tx_packet *p)
{
    uint32_t len = p->first_len;
    if (grant_copy_from(nb->gt, p->first.gref, p->first.offset, nb->frame, len) != GNT_OK)
        return 0;
    for (unsigned i = 0; i < p->nr_frags; i++) {
        const struct netif_tx_request *f = &p->frag[i];
        if (f->size && grant_copy_from(nb->gt, f->gref, f->offset, nb->frame + len, f->size) != GNT_OK)
            return 0;
        len += f->size;
    }
    return len;
}

static int tx_serve(struct netback *nb, bool *notify)
{
    unsigned done = 0;
    for (;;) {
        int avail = xen_back_ring_final_check(&nb->tx);
        if (avail < 0) {
            *notify |= xen_back_ring_push_responses(&nb->tx);
            return fatal(nb, "the TX producer index jumped more than a ring ahead");
        }
        if (avail == 0)
            break;
        if (done++ == NETBACK_KICK_BUDGET) {
            *notify |= xen_back_ring_push_responses(&nb->tx);
            return NETBACK_MORE;
        }
        struct tx_packet p;
        if (tx_read_packet(nb, (uint32_t)avail, &p)) {
            *notify |= xen_back_ring_push_responses(&nb->tx);   /* what was answered stays so */
            return NETBACK_EBROKEN;
        }
        uint32_t len = 0;
        if (!p.drop && !(p.has_mcast && !p.has_gso) && (len = tx_gather(nb, &p)) == 0)
            p.drop = true;
        /* Grants are released (copies done) before the responses: netfront
         * disables the device if a granted page is still in use then. */
        tx_respond_packet(nb, &p, p.drop ? NETIF_RSP_ERROR : NETIF_RSP_OKAY);
        if (p.drop) {
            nb->stats.tx_errors++;
            continue;
        }
        if (len == 0)
            continue;               /* multicast control */
        struct net_offload off = {
            .csum_partial = (p.first.flags & NETTXF_CSUM_BLANK) != 0,
            .data_validated = (p.first.flags & (NETTXF_CSUM_BLANK | NETTXF_DATA_VALIDATED)) != 0,
        };
        if (p.has_gso) {
            off.gso_size = p.gso.u.gso.size;
            off.gso_type = p.gso.u.gso.type == NETIF_GSO_TYPE_TCPV4 ? NET_GSO_TCPV4 : NET_GSO_TCPV6;
        }
        nb->stats.tx_packets++;
        nb->stats.tx_bytes += len;
        nb->transmit(nb->ctx, nb->frame, len, &off);
    }
    *notify |= xen_back_ring_push_responses(&nb->tx);
    return NETBACK_OK;
}

/* ---- RX: switch -> guest --------------------------------------------------------- */

static bool rx_takes_gso(const struct netback *nb, const struct net_offload *off)
{
    return (off->gso_type == NET_GSO_TCPV4 && nb->fe.gso_tcpv4) ||
           (off->gso_type == NET_GSO_TCPV6 && nb->fe.gso_tcpv6);
}

/* Requests posted and not yet used; when fewer than `needed`, ask for a
 * kick at the next post and look once more. -1: the index jumped. */
static int rx_slots(struct netback *nb, uint32_t needed)
{
    int avail = xen_back_ring_unconsumed(&nb->rx);
    if (avail < 0 || (uint32_t)avail >= needed)
        return avail;
    struct xen_sring_header *h = xen_back_ring_header(&nb->rx);
    __atomic_store_n(&h->req_event, __atomic_load_n(&h->req_prod, __ATOMIC_RELAXED) + 1,
                     __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return xen_back_ring_unconsumed(&nb->rx);
}

/* Take the next request, answer it in its own slot. */
static struct netif_rx_request rx_take(struct netback *nb)
{
    struct netif_rx_request req;
    xen_back_ring_read(&nb->rx, nb->rx.req_cons++, &req, sizeof(req));
    nb->rx.rsp_prod_pvt = nb->rx.req_cons;
    return req;
}

static void rx_put(struct netback *nb, const void *rsp)
{
    xen_back_ring_write(&nb->rx, nb->rx.rsp_prod_pvt - 1, rsp, NETIF_RX_ENTRY_SIZE);
}

static void rx_deliver(struct netback *nb, uint32_t len, const struct net_offload *off, bool gso)
{
    uint32_t done = 0;
    bool failed = false;
    for (unsigned slot = 0; done < len; slot++) {
        struct netif_rx_request req = rx_take(nb);
        uint32_t chunk = len - done < NETIF_PAGE_SIZE ? len - done : NETIF_PAGE_SIZE;
        struct netif_rx_response rsp = { .id = req.id, .offset = 0, .status = (int16_t)chunk };
        if (grant_copy_to(nb->gt, req.gref, 0, nb->frame + done, chunk) != GNT_OK) {
            rsp.status = NETIF_RSP_ERROR;
            failed = true;
        }
        done += chunk;
        if (done < len)
            rsp.flags |= NETRXF_MORE_DATA;
        if (slot == 0) {
            if (off->csum_partial)
                rsp.flags |= NETRXF_CSUM_BLANK | NETRXF_DATA_VALIDATED;
            else if (off->data_validated)
                rsp.flags |= NETRXF_DATA_VALIDATED;
            if (gso)
                rsp.flags |= NETRXF_EXTRA_INFO;
        }
        rx_put(nb, &rsp);
        if (slot == 0 && gso) {     /* extras follow the first data slot */
            rx_take(nb);
            struct netif_extra_info ex = { .type = NETIF_EXTRA_TYPE_GSO };
            ex.u.gso.size = off->gso_size;
            ex.u.gso.type = off->gso_type == NET_GSO_TCPV4 ? NETIF_GSO_TYPE_TCPV4
                                                           : NETIF_GSO_TYPE_TCPV6;
            rx_put(nb, &ex);
        }
    }
    if (failed) {
        nb->stats.rx_errors++;
    } else {
        nb->stats.rx_packets++;
        nb->stats.rx_bytes += len;
    }
}

static int rx_serve(struct netback *nb, bool *notify)
{
    int rc = NETBACK_OK;
    for (unsigned done = 0;; done++) {
        struct net_offload off;
        size_t len = frame_queue_peek(nb->rxq, &off);
        if (len == 0)
            break;
        if (done == NETBACK_KICK_BUDGET) {
            rc = NETBACK_MORE;
            break;
        }
        bool gso = off.gso_size != 0;
        if ((gso && !rx_takes_gso(nb, &off)) || len > NET_FRAME_MAX ||
            (len > NETIF_PAGE_SIZE && !nb->fe.sg)) {
            frame_queue_discard(nb->rxq);      /* it cannot be taken: drop */
            nb->stats.rx_errors++;
            continue;
        }
        uint32_t needed = (uint32_t)((len + NETIF_PAGE_SIZE - 1) / NETIF_PAGE_SIZE) + gso;
        int avail = rx_slots(nb, needed);
        if (avail < 0) {
            *notify |= xen_back_ring_push_responses(&nb->rx);   /* what was delivered stays so */
            return fatal(nb, "the RX producer index jumped more than a ring ahead");
        }
        if ((uint32_t)avail < needed)
            break;                  /* the frontend's next post kicks us */
        frame_queue_pop(nb->rxq, nb->frame, sizeof(nb->frame), &off);
        rx_deliver(nb, (uint32_t)len, &off, gso);
    }
    *notify |= xen_back_ring_push_responses(&nb->rx);
    return rc;
}

int netback_kick(struct netback *nb)
{
    if (!nb->connected)
        return NETBACK_ENOTCONN;
    if (nb->disabled)
        return NETBACK_EBROKEN;
    bool notify = false;
    int tx = tx_serve(nb, &notify);
    int rx = tx == NETBACK_EBROKEN ? NETBACK_OK : rx_serve(nb, &notify);
    if (notify) {
        nb->stats.notifications++;
        nb->notify(nb->ctx);
    }
    if (tx == NETBACK_EBROKEN || rx == NETBACK_EBROKEN)
        return NETBACK_EBROKEN;
    return tx == NETBACK_MORE || rx == NETBACK_MORE ? NETBACK_MORE : NETBACK_OK;
}
