/* SPDX-License-Identifier: BSD-2-Clause */
/* Bounded frame FIFO: contiguous records in a ring buffer, skip markers at the wrap; producers under the lock, one consumer. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net/ether.h"
#include "net/frame_queue.h"

/* Record header, copied in and out with memcpy (the buffer may sit at any
 * alignment). */
struct rec_hdr {
    uint32_t len; /* frame bytes; REC_SKIP: the rest of the buffer is unused */
    uint16_t gso_size;
    uint8_t gso_type;
    uint8_t flags;
};
_Static_assert(sizeof(struct rec_hdr) == 8, "record headers keep records 8-byte aligned");

#define REC_ALIGN          8u
#define REC_SKIP           0xFFFFFFFFu
#define REC_CSUM_PARTIAL   0x01u
#define REC_DATA_VALIDATED 0x02u

static size_t rec_size(size_t len)
{
    return sizeof(struct rec_hdr) + ((len + REC_ALIGN - 1) & ~(size_t)(REC_ALIGN - 1));
}

void frame_queue_init(struct frame_queue *q, void *buf, size_t size)
{
    memset(q, 0, sizeof *q);
    q->buf = buf;
    q->size = buf ? size & ~(size_t)(REC_ALIGN - 1) : 0;
}

/* Where a record of `need` bytes goes, writing a skip marker if it wraps;
 * q->size if there is no room. Lock held. */
static size_t reserve(struct frame_queue *q, size_t need)
{
    if (q->used == 0)
        q->head = q->tail = 0; /* empty: all of the buffer is one free run */
    else if (q->used == q->size)
        return q->size;
    if (q->tail >= q->head) {
        /* Free: [tail, size) and [0, head). */
        if (need <= q->size - q->tail)
            return q->tail;
        if (need > q->head)
            return q->size;
        /* Both offsets are multiples of 8 and tail < size, so the marker fits. */
        struct rec_hdr skip = { .len = REC_SKIP };
        memcpy(q->buf + q->tail, &skip, sizeof skip);
        q->used += q->size - q->tail;
        q->tail = 0;
        return 0;
    }
    return need <= q->head - q->tail ? q->tail : q->size;
}

bool frame_queue_push(struct frame_queue *q, const uint8_t *frame, size_t len,
                      const struct net_offload *off)
{
    bool ok = false;
    spin_lock(&q->lock);
    if (frame && len > 0 && len <= NET_FRAME_MAX && rec_size(len) <= q->size) {
        size_t need = rec_size(len), at = reserve(q, need);
        if (at < q->size) {
            struct rec_hdr h = { .len = (uint32_t)len };
            if (off) {
                h.gso_size = off->gso_size;
                h.gso_type = off->gso_type;
                h.flags = (uint8_t)((off->csum_partial ? REC_CSUM_PARTIAL : 0) |
                                    (off->data_validated ? REC_DATA_VALIDATED : 0));
            }
            memcpy(q->buf + at, &h, sizeof h);
            memcpy(q->buf + at + sizeof h, frame, len);
            q->tail = at + need == q->size ? 0 : at + need;
            q->used += need;
            q->stats.pushed++;
            q->stats.frames++;
            q->stats.bytes += len;
            ok = true;
        }
    }
    if (!ok)
        q->stats.dropped++;
    spin_unlock(&q->lock);
    return ok;
}

/* The head record's header, past any skip marker; false if empty. Lock held. */
static bool head_record(struct frame_queue *q, struct rec_hdr *h)
{
    if (q->used == 0)
        return false;
    memcpy(h, q->buf + q->head, sizeof *h);
    if (h->len == REC_SKIP) {
        /* The push that wrote the marker put a record at 0 in the same breath. */
        q->used -= q->size - q->head;
        q->head = 0;
        memcpy(h, q->buf, sizeof *h);
    }
    return true;
}

/* Releases the head record of frame length len. Lock held. */
static void release_head(struct frame_queue *q, size_t len)
{
    size_t sz = rec_size(len);
    q->head = q->head + sz == q->size ? 0 : q->head + sz;
    q->used -= sz;
    q->stats.frames--;
    q->stats.bytes -= len;
}

static void offload_of(const struct rec_hdr *h, struct net_offload *off)
{
    off->csum_partial = h->flags & REC_CSUM_PARTIAL;
    off->data_validated = h->flags & REC_DATA_VALIDATED;
    off->gso_size = h->gso_size;
    off->gso_type = h->gso_type;
}

size_t frame_queue_peek(struct frame_queue *q, struct net_offload *off)
{
    struct rec_hdr h;
    spin_lock(&q->lock);
    bool any = head_record(q, &h);
    spin_unlock(&q->lock);
    if (!any)
        return 0;
    if (off)
        offload_of(&h, off);
    return h.len;
}

size_t frame_queue_pop(struct frame_queue *q, uint8_t *dst, size_t dst_size, struct net_offload *off)
{
    struct rec_hdr h;
    spin_lock(&q->lock);
    bool any = head_record(q, &h);
    size_t at = q->head;
    spin_unlock(&q->lock);
    if (!any)
        return 0;
    if (h.len > dst_size || !dst)
        return h.len;

    /* The record is the consumer's until released: producers only write
     * outside [head, head + used). */
    memcpy(dst, q->buf + at + sizeof h, h.len);
    if (off)
        offload_of(&h, off);

    spin_lock(&q->lock);
    release_head(q, h.len);
    q->stats.popped++;
    spin_unlock(&q->lock);
    return h.len;
}

bool frame_queue_discard(struct frame_queue *q)
{
    struct rec_hdr h;
    spin_lock(&q->lock);
    bool any = head_record(q, &h);
    if (any) {
        release_head(q, h.len);
        q->stats.discarded++;
    }
    spin_unlock(&q->lock);
    return any;
}

void frame_queue_stats(struct frame_queue *q, struct frame_queue_stats *out)
{
    spin_lock(&q->lock);
    *out = q->stats;
    spin_unlock(&q->lock);
}
