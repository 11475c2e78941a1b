/* SPDX-License-Identifier: BSD-2-Clause */
/* xs_raw.c — the raw xenstore client of the Xen-mode test guests (see xs_raw.h): byte
 * copies in and out of the shared ring, one request and its reply at a time. */
#include "xs_raw.h"
#include "exit.h"
#include "kstring.h"
#include "xen_guest.h"

struct xs_msg xs_msg;
uint32_t xs_next_id;
unsigned xs_events;
char xs_event_path[160];
bool xs_bad_reply;
static uint32_t xs_port;

bool xs_connect(uint32_t first_id, uint32_t *port)
{
    uint64_t v = 0;
    long rc = xen_get_param(HVM_PARAM_STORE_PFN, &v);
    if (!check(rc == 0 && v << 12 == XS_RING_GPA, "xenstore ring at pfn 0x%lx", (unsigned long)v))
        return false;
    rc = xen_get_param(HVM_PARAM_STORE_EVTCHN, &v);
    *port = (uint32_t)v;
    if (!check(rc == 0 && v, "xenstore event channel %u", *port))
        return false;
    xs_port = *port;
    xs_next_id = first_id;
    return true;
}

void xs_kick(void)
{
    xen_evtchn_port_op(EVTCHNOP_send, xs_port);
}

/* The ring is full (xs_put) or empty (xs_get): kick the server and let the caller look
 * again, or give up after `most` tries. */
static bool xs_stall(unsigned *stalls, unsigned most)
{
    if (++*stalls > most)
        return false;
    xs_kick();
    return true;
}

/* How much of len bytes one copy at ring index idx takes: at most `space` (the room or the
 * bytes waiting), and not past the end of the ring. */
static uint32_t xs_chunk(uint32_t idx, uint32_t len, uint32_t space)
{
    uint32_t n = len, to_end = XS_RING_SIZE - (idx & (XS_RING_SIZE - 1));
    if (n > space)
        n = space;
    if (n > to_end)
        n = to_end;
    return n;
}

bool xs_put(const void *data, uint32_t len)
{
    volatile struct xs_ring *r = XS_RING;
    const uint8_t *p = data;
    unsigned stalls = 0;
    while (len) {
        uint32_t prod = r->req_prod, cons = r->req_cons;
        if (prod - cons > XS_RING_SIZE)
            return false;
        uint32_t room = XS_RING_SIZE - (prod - cons);
        if (!room) {
            if (!xs_stall(&stalls, 8))
                return false;
            continue;
        }
        uint32_t n = xs_chunk(prod, len, room);
        memcpy((void *)&r->req[prod & (XS_RING_SIZE - 1)], p, n);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        r->req_prod = prod + n;
        p += n;
        len -= n;
    }
    return true;
}

/* Takes len bytes from the reply ring; false if the indices are impossible or nothing
 * comes. */
static bool xs_get(void *dst, uint32_t len)
{
    volatile struct xs_ring *r = XS_RING;
    uint8_t *p = dst;
    unsigned stalls = 0;
    while (len) {
        uint32_t prod = r->rsp_prod, cons = r->rsp_cons;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        uint32_t avail = prod - cons;
        if (avail > XS_RING_SIZE)
            return false;
        if (!avail) {
            if (!xs_stall(&stalls, 4))
                return false;
            continue;
        }
        uint32_t n = xs_chunk(cons, len, avail);
        memcpy(p, (const void *)&r->rsp[cons & (XS_RING_SIZE - 1)], n);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        r->rsp_cons = cons + n;
        p += n;
        len -= n;
    }
    return true;
}

/* One whole message into xs_msg; false if it does not come or claims over 4096 bytes. */
static bool xs_get_msg(void)
{
    if (!xs_get(&xs_msg.h, sizeof(xs_msg.h)) || xs_msg.h.len > 4096 ||
        !xs_get(xs_msg.body, xs_msg.h.len))
        return false;
    xs_msg.body[xs_msg.h.len] = 0;
    return true;
}

int xs_raw(uint32_t type, uint32_t tx, const void *payload, uint32_t len)
{
    static uint8_t buf[sizeof(struct xs_hdr) + 4096];
    uint32_t id = xs_next_id++;
    struct xs_hdr h = { type, id, tx, len };
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), payload, len);
    if (!xs_put(buf, sizeof(h) + len))
        return -1;
    xs_kick();
    for (unsigned i = 0; i < 32; i++) {
        if (!xs_get_msg())
            return -1;
        if (xs_msg.h.type == XS_WATCH_EVENT) {
            xs_events++;
            memcpy(xs_event_path, xs_msg.body, sizeof(xs_event_path) - 1);
            continue;
        }
        if (xs_msg.h.req_id != id || xs_msg.h.tx_id != tx) {
            note("xenstore reply id %u tx %u for request %u tx %u", xs_msg.h.req_id, xs_msg.h.tx_id,
                 id, tx);
            xs_bad_reply = true;
            continue;
        }
        return (int)xs_msg.h.type;
    }
    return -1;
}

int xs_req(uint32_t type, uint32_t tx, const char *a, const char *b, bool b_nul)
{
    static char payload[4096];
    uint32_t la = (uint32_t)strlen(a) + 1, lb = b ? (uint32_t)strlen(b) + (b_nul ? 1 : 0) : 0;
    if (la + lb > sizeof(payload))
        return -1;
    memcpy(payload, a, la);
    if (b)
        memcpy(payload + la, b, lb);
    return xs_raw(type, tx, payload, la + lb);
}

const char *xs_read(const char *path)
{
    return xs_req(XS_READ, 0, path, NULL, false) == XS_READ ? xs_msg.body : NULL;
}

bool xs_write_tx(uint32_t tx, const char *path, const char *value)
{
    return xs_req(XS_WRITE, tx, path, value, false) == XS_WRITE && strcmp(xs_msg.body, "OK") == 0;
}

bool xs_write(const char *path, const char *value)
{
    return xs_write_tx(0, path, value);
}

const char *xs_path(const char *dir, const char *key)
{
    static char bufs[4][160];
    static unsigned next;
    char *p = bufs[next++ % 4];
    size_t n = strlen(dir), k = strlen(key);
    if (n + 1 + k >= sizeof(bufs[0]))
        return "";
    memcpy(p, dir, n);
    p[n] = '/';
    memcpy(p + n + 1, key, k + 1);
    return p;
}
