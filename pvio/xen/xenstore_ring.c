/* SPDX-License-Identifier: BSD-2-Clause */
/* Keel's xenstore, the ring transport: requests and replies through the page
 * the guest shares, which it writes from other CPUs at any time; under the
 * VM's lock. */
#include "pvio/xen/xenstore_internal.h"

#include <string.h>

/* ==== The ring page ===================================================================== */

/*
 * The guest writes the page from other CPUs at any time. So: our own indices
 * (req_cons, rsp_prod) are private and only published; the guest's (req_prod,
 * rsp_cons) are read once per step and checked to be at most a ring ahead;
 * offsets are masked, so no access leaves the page; request bytes are copied
 * into in_buf once and only that copy is parsed. Acquire loads of the guest's
 * index order our data accesses after it; release stores of ours order them
 * before it (the guest uses full barriers: Linux xenbus_comms.c).
 */

/* Stops the connection: the guest learns why from the page's error field. */
static void ring_broken(struct xenstore *xs, struct xenstore_domain_interface *ring, uint32_t why)
{
    xs->ring_error = why;
    __atomic_store_n(&ring->error, why, __ATOMIC_RELEASE);
    xs_drop_guest_state(xs);
    xs->in_len = 0;
    xs->out_head = xs->out_len = 0;
}

/* Streams queued output into the rsp ring as far as it has room. Messages may
 * span calls: one can be larger than the ring, and Linux reads in pieces. */
static bool push_output(struct xenstore *xs, struct xenstore_domain_interface *ring)
{
    if (!xs->out_len)
        return false;
    uint32_t cons = __atomic_load_n(&ring->rsp_cons, __ATOMIC_ACQUIRE);
    uint32_t used = xs->rsp_prod - cons;
    if (used > XENSTORE_RING_SIZE) {
        ring_broken(xs, ring, XENSTORE_ERROR_RINGIDX);
        return false;
    }
    uint32_t n = min_u32(XENSTORE_RING_SIZE - used, xs->out_len);
    for (uint32_t done = 0; done < n;) {
        uint32_t off = XENSTORE_RING_MASK(xs->rsp_prod + done);
        uint32_t chunk = min_u32(n - done, XENSTORE_RING_SIZE - off);
        xs_out_pop(xs, &ring->rsp[off], chunk);
        done += chunk;
    }
    xs->rsp_prod += n;
    __atomic_store_n(&ring->rsp_prod, xs->rsp_prod, __ATOMIC_RELEASE);
    return n > 0;
}

/* Copies more of the current request into in_buf; true once it is whole.
 * A header may arrive before its payload, and either may wrap the ring. */
static bool pull_request(struct xenstore *xs, struct xenstore_domain_interface *ring)
{
    for (;;) {
        uint32_t want = HDR_SIZE;
        if (xs->in_len >= HDR_SIZE) {
            struct xsd_sockmsg hdr;
            memcpy(&hdr, xs->in_buf, HDR_SIZE);
            if (hdr.len > XENSTORE_PAYLOAD_MAX) {
                ring_broken(xs, ring, XENSTORE_ERROR_PROTO);
                return false;
            }
            want += hdr.len;
        }
        if (xs->in_len == want)
            return true;
        uint32_t prod = __atomic_load_n(&ring->req_prod, __ATOMIC_ACQUIRE);
        uint32_t avail = prod - xs->req_cons;
        if (avail > XENSTORE_RING_SIZE) {
            ring_broken(xs, ring, XENSTORE_ERROR_RINGIDX);
            return false;
        }
        if (!avail)
            return false;
        uint32_t off = XENSTORE_RING_MASK(xs->req_cons);
        uint32_t n = min_u32(min_u32(avail, want - xs->in_len), XENSTORE_RING_SIZE - off);
        memcpy(&xs->in_buf[xs->in_len], &ring->req[off], n);
        xs->in_len += n;
        xs->req_cons += n;
        __atomic_store_n(&ring->req_cons, xs->req_cons, __ATOMIC_RELEASE);
    }
}

bool xenstore_ring_process(struct xenstore *xs, void *ring_page)
{
    struct xenstore_domain_interface *ring = ring_page;
    if (xs->ring_error)
        return false;
    if (!xs->ring_attached) {
        xs->req_cons = __atomic_load_n(&ring->req_cons, __ATOMIC_RELAXED);
        xs->rsp_prod = __atomic_load_n(&ring->rsp_prod, __ATOMIC_RELAXED);
        xs->ring_attached = true;
    }
    __atomic_store_n(&ring->server_features, XENSTORE_SERVER_FEATURE_ERROR, __ATOMIC_RELAXED);

    bool wrote = push_output(xs, ring);
    xs->input_deferred = false;
    for (unsigned handled = 0; !xs->ring_error; handled++) {
        if (xs_out_room(xs) < XS_MSG_MAX)
            break;      /* backpressure: the guest kicks us once it consumes replies */
        if (handled == XS_REQUESTS_PER_CALL) {
            xs->input_deferred = true;
            break;
        }
        if (!pull_request(xs, ring))
            break;
        struct xsd_sockmsg hdr;
        memcpy(&hdr, xs->in_buf, HDR_SIZE);
        size_t n = xs_build_reply(xs, &hdr, (const char *)xs->in_buf + HDR_SIZE, xs->reply);
        xs->in_len = 0;
        xs_out_push(xs, xs->reply, n);
        xs_deliver_changes(xs);    /* events after the reply that caused them */
        wrote |= push_output(xs, ring);
    }
    return wrote;
}

bool xenstore_has_pending_output(const struct xenstore *xs)
{
    return xs->out_len != 0;
}

bool xenstore_input_deferred(const struct xenstore *xs)
{
    return xs->input_deferred;
}
