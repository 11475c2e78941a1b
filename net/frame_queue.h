/* SPDX-License-Identifier: BSD-2-Clause */
/* A bounded FIFO of frames and their offload state in a caller's buffer: producers on any CPU, one consumer; its own leaf lock. */
#ifndef KEEL_NET_FRAME_QUEUE_H
#define KEEL_NET_FRAME_QUEUE_H

/*
 * How a frame crosses from whoever produces it (the switch delivering to a
 * port, on any CPU) to the one consumer that drains it (a backend filling
 * a guest's RX ring). Pushing never blocks and never overwrites: a frame
 * that does not fit is refused and counted. The consumer first peeks at
 * the head's length, since it may lack room to take it yet, then pops it
 * into its own buffer, or discards it if it can never take it.
 *
 * Layout: each frame is one record, an 8-byte header (length, offload)
 * and the frame rounded up to 8 bytes, contiguous in the buffer. A record
 * that would cross the buffer's end goes to its start instead, behind a
 * skip marker that fills the rest. So a frame needs 8 + roundup(len, 8)
 * bytes, plus at worst the unused tail, and a buffer of size S holds any
 * one frame of up to S - 8 bytes when empty.
 *
 * Locking: q->lock is a leaf lock (the switch's deliver takes it under the
 * bridge lock). Producers copy under it; the one consumer copies out of the
 * head record without it, as no producer touches a record until the
 * consumer releases it. peek, pop and discard must not run concurrently on
 * one queue; push may run alongside them, from any number of CPUs.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/spinlock.h"
#include "net/net_frame.h"

struct frame_queue_stats {
    uint64_t pushed;    /* frames queued */
    uint64_t popped;    /* frames handed to the consumer */
    uint64_t dropped;   /* pushes refused: no room, or a length of 0 or over NET_FRAME_MAX */
    uint64_t discarded; /* frames the consumer threw away unread */
    size_t frames;      /* in the queue now */
    size_t bytes;       /* frame bytes in the queue now (headers and padding not counted) */
};

struct frame_queue {
    struct spinlock lock;
    uint8_t *buf;
    size_t size; /* usable bytes of buf: a multiple of 8 */
    size_t head; /* the oldest record (or a skip marker) */
    size_t tail; /* where the next record goes */
    size_t used; /* bytes from head to tail, skip markers included; size = full */
    struct frame_queue_stats stats;
};

/* An empty queue over buf[0, size) (any alignment; only a multiple of 8
 * bytes of it is used). */
void frame_queue_init(struct frame_queue *q, void *buf, size_t size);

/* Appends a copy of frame[0, len) with *off (NULL: no offload). Returns
 * false, counting a drop, if len is 0 or over NET_FRAME_MAX or there is no
 * room; nothing queued is ever overwritten. Any CPU; never waits except
 * for the lock. */
bool frame_queue_push(struct frame_queue *q, const uint8_t *frame, size_t len,
                      const struct net_offload *off);

/* The head frame's length with its offload in *off (when not NULL), or 0
 * if the queue is empty. Consumer only. */
size_t frame_queue_peek(struct frame_queue *q, struct net_offload *off);

/* The head frame's length, or 0 if the queue is empty. If that length is
 * at most dst_size, the frame is copied to dst, its offload to *off (when
 * not NULL), and it leaves the queue; otherwise nothing changes, and the
 * consumer can make room, or discard the frame. Consumer only. */
size_t frame_queue_pop(struct frame_queue *q, uint8_t *dst, size_t dst_size, struct net_offload *off);

/* Removes the head frame unread, counting it as discarded; false if the
 * queue was empty. Consumer only. */
bool frame_queue_discard(struct frame_queue *q);

/* A consistent copy of the counters. Any CPU. */
void frame_queue_stats(struct frame_queue *q, struct frame_queue_stats *out);

#endif
