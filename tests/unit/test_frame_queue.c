/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for net/frame_queue.c: FIFO order, offloads, refusal without overwrite, the wrap, a random model check and producer threads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "net/ether.h"
#include "net/frame_queue.h"

static uint8_t src[NET_FRAME_MAX + 16], dst[NET_FRAME_MAX + 16];

static void fill(uint8_t *p, size_t len, unsigned tag)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)(tag * 31 + i * 7 + (i >> 8));
}

static void expect_pop(struct frame_queue *q, size_t len, unsigned tag, const struct net_offload *want)
{
    struct net_offload off, peeked;
    memset(&off, 0xAA, sizeof off);
    assert_int_equal(frame_queue_peek(q, &peeked), len);
    assert_int_equal(frame_queue_pop(q, dst, sizeof dst, &off), len);
    fill(src, len, tag);
    assert_memory_equal(dst, src, len);
    if (want) {
        assert_int_equal(off.csum_partial, want->csum_partial);
        assert_int_equal(off.data_validated, want->data_validated);
        assert_int_equal(off.gso_size, want->gso_size);
        assert_int_equal(off.gso_type, want->gso_type);
        assert_int_equal(peeked.csum_partial, off.csum_partial); /* (not memcmp: padding) */
        assert_int_equal(peeked.data_validated, off.data_validated);
        assert_int_equal(peeked.gso_size, off.gso_size);
        assert_int_equal(peeked.gso_type, off.gso_type);
    }
}

static bool push(struct frame_queue *q, size_t len, unsigned tag, const struct net_offload *off)
{
    fill(src, len, tag);
    return frame_queue_push(q, src, len, off);
}

static void test_fifo_and_offloads(void **state)
{
    (void)state;
    static uint8_t buf[4096];
    struct frame_queue q;
    struct frame_queue_stats st;
    frame_queue_init(&q, buf, sizeof buf);
    struct net_offload o1 = {
        .csum_partial = true, .data_validated = true, .gso_size = 1448, .gso_type = 1
    };
    struct net_offload o2 = { .data_validated = true };
    struct net_offload none = { 0 };

    assert_int_equal(frame_queue_peek(&q, NULL), 0);
    assert_int_equal(frame_queue_pop(&q, dst, sizeof dst, NULL), 0);
    assert_true(push(&q, 60, 1, &o1));
    assert_true(push(&q, 1514, 2, &o2));
    assert_true(push(&q, 1, 3, NULL));
    frame_queue_stats(&q, &st);
    assert_int_equal(st.frames, 3);
    assert_int_equal(st.bytes, 60 + 1514 + 1);
    assert_int_equal(st.pushed, 3);

    expect_pop(&q, 60, 1, &o1);
    expect_pop(&q, 1514, 2, &o2);
    expect_pop(&q, 1, 3, &none);
    assert_int_equal(frame_queue_peek(&q, NULL), 0);
    frame_queue_stats(&q, &st);
    assert_int_equal(st.frames, 0);
    assert_int_equal(st.bytes, 0);
    assert_int_equal(st.popped, 3);
    assert_int_equal(st.dropped, 0);
}

/* The consumer looks before it takes: too small a buffer changes nothing. */
static void test_pop_needs_room(void **state)
{
    (void)state;
    static uint8_t buf[4096];
    struct frame_queue q;
    frame_queue_init(&q, buf, sizeof buf);
    assert_true(push(&q, 1000, 5, NULL));
    assert_true(push(&q, 10, 6, NULL));
    memset(dst, 0x5A, 1000);
    assert_int_equal(frame_queue_pop(&q, dst, 999, NULL), 1000);
    assert_int_equal(dst[0], 0x5A); /* not copied */
    assert_int_equal(frame_queue_pop(&q, NULL, 0, NULL), 1000);
    assert_int_equal(frame_queue_peek(&q, NULL), 1000);
    expect_pop(&q, 1000, 5, NULL);

    assert_true(frame_queue_discard(&q)); /* the 10-byte frame, unread */
    assert_false(frame_queue_discard(&q));
    struct frame_queue_stats st;
    frame_queue_stats(&q, &st);
    assert_int_equal(st.discarded, 1);
    assert_int_equal(st.popped, 1);
    assert_int_equal(st.frames, 0);
}

static void test_full_refuses_without_overwrite(void **state)
{
    (void)state;
    static uint8_t buf[256];
    struct frame_queue q;
    struct frame_queue_stats st;
    frame_queue_init(&q, buf, sizeof buf);
    assert_true(push(&q, 100, 1, NULL)); /* 8 + 104 */
    assert_true(push(&q, 100, 2, NULL)); /* 224 used */
    assert_false(push(&q, 100, 3, NULL));
    assert_false(push(&q, 25, 4, NULL)); /* 8 + 32 > 32 left */
    assert_true(push(&q, 24, 5, NULL));  /* 8 + 24: exactly full */
    assert_false(push(&q, 1, 6, NULL));
    frame_queue_stats(&q, &st);
    assert_int_equal(st.dropped, 3);
    assert_int_equal(st.frames, 3);
    expect_pop(&q, 100, 1, NULL);
    expect_pop(&q, 100, 2, NULL);
    expect_pop(&q, 24, 5, NULL);
    assert_int_equal(frame_queue_peek(&q, NULL), 0);
}

static void test_lengths(void **state)
{
    (void)state;
    static uint8_t buf[NET_FRAME_MAX + 64];
    struct frame_queue q, small;
    struct frame_queue_stats st;
    frame_queue_init(&q, buf, sizeof buf);
    assert_false(frame_queue_push(&q, src, 0, NULL));
    assert_false(frame_queue_push(&q, NULL, 10, NULL));
    assert_false(frame_queue_push(&q, src, NET_FRAME_MAX + 1, NULL));
    assert_true(push(&q, NET_FRAME_MAX, 9, NULL));
    expect_pop(&q, NET_FRAME_MAX, 9, NULL);
    frame_queue_stats(&q, &st);
    assert_int_equal(st.dropped, 3);

    /* A buffer of S usable bytes takes one frame of S - 8 when empty; an
     * odd-sized, unaligned buffer uses its whole multiple of 8. */
    frame_queue_init(&small, buf + 3, 203); /* 200 usable */
    assert_false(push(&small, 193, 1, NULL));
    assert_true(push(&small, 192, 2, NULL));
    assert_false(push(&small, 1, 3, NULL));
    expect_pop(&small, 192, 2, NULL);
    assert_true(push(&small, 185, 4, NULL)); /* rounds up to 192 */
    expect_pop(&small, 185, 4, NULL);

    frame_queue_init(&small, NULL, 100);
    assert_false(push(&small, 1, 1, NULL));
    frame_queue_init(&small, buf, 15); /* 8 usable: nothing fits */
    assert_false(push(&small, 1, 1, NULL));
    assert_int_equal(frame_queue_peek(&small, NULL), 0);
}

/* A record that would cross the end goes to the start behind a skip marker. */
static void test_wrap(void **state)
{
    (void)state;
    static uint8_t buf[256];
    struct frame_queue q;
    struct net_offload oc = { .gso_size = 77, .gso_type = 2 };
    frame_queue_init(&q, buf, sizeof buf);
    assert_true(push(&q, 100, 1, NULL)); /* [0, 112) */
    assert_true(push(&q, 100, 2, NULL)); /* [112, 224) */
    expect_pop(&q, 100, 1, NULL);
    assert_false(push(&q, 105, 3, NULL)); /* 120 bytes: neither [224, 256) nor [0, 112) */
    assert_true(push(&q, 50, 4, &oc));    /* 64 bytes: skip [224, 256), record at [0, 64) */
    assert_int_equal(q.tail, 64);
    assert_true(push(&q, 40, 5, NULL)); /* [64, 112) */
    assert_false(push(&q, 1, 6, NULL)); /* full up to head (112) */
    expect_pop(&q, 100, 2, NULL);       /* the consumer then steps over the marker */
    expect_pop(&q, 50, 4, &oc);
    assert_int_equal(q.head, 64);
    expect_pop(&q, 40, 5, NULL);
    assert_int_equal(frame_queue_peek(&q, NULL), 0);
    assert_int_equal(q.used, 0);

    /* A skip marker is stepped over by discard too. */
    assert_true(push(&q, 200, 7, NULL)); /* empty: restarts at 0, [0, 208) */
    expect_pop(&q, 200, 7, NULL);
    assert_true(push(&q, 180, 8, NULL)); /* empty again: [0, 192) */
    assert_true(push(&q, 40, 9, NULL));  /* [192, 240) */
    expect_pop(&q, 180, 8, NULL);
    assert_true(push(&q, 100, 10, NULL)); /* [240, 256) skipped, [0, 112) */
    expect_pop(&q, 40, 9, NULL);
    assert_true(frame_queue_discard(&q)); /* 10, behind the marker */
    assert_int_equal(frame_queue_peek(&q, NULL), 0);
    assert_int_equal(q.used, 0);
}

/* Random pushes and pops against a model FIFO, on several buffer sizes. */
static void test_random_against_model(void **state)
{
    (void)state;
    enum { MODEL = 4096 };
    static uint8_t buf[8192 + 1];
    static size_t mlen[MODEL];
    static unsigned mtag[MODEL];
    static struct net_offload moff[MODEL];
    const size_t sizes[] = { 64, 200, 1000, 1003, 4096, 8192 };
    srand(1);
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        struct frame_queue q;
        struct frame_queue_stats st;
        unsigned head = 0, count = 0, tag = 0;
        size_t bytes = 0, usable = sizes[si] & ~(size_t)7;
        uint64_t dropped = 0;
        frame_queue_init(&q, buf + (si & 1), sizes[si]);
        for (int step = 0; step < 60000; step++) {
            if (rand() % 100 < 55) {
                size_t len = 1 + (size_t)rand() % (usable < 400 ? usable : 400);
                struct net_offload o = { .csum_partial = rand() & 1,
                                         .data_validated = rand() & 1,
                                         .gso_size = (uint16_t)rand(),
                                         .gso_type = (uint8_t)(rand() % 3) };
                bool was_empty = count == 0;
                if (push(&q, len, tag, &o)) {
                    assert_true(count < MODEL);
                    unsigned at = (head + count) % MODEL;
                    mlen[at] = len, mtag[at] = tag, moff[at] = o;
                    count++;
                    bytes += len;
                } else {
                    dropped++;
                    /* An empty queue takes anything up to usable - 8. */
                    assert_false(was_empty && 8 + ((len + 7) & ~(size_t)7) <= usable);
                }
                tag++;
            } else if (count) {
                if (rand() % 10 == 0) {
                    assert_true(frame_queue_discard(&q));
                } else {
                    expect_pop(&q, mlen[head], mtag[head], &moff[head]);
                }
                bytes -= mlen[head];
                head = (head + 1) % MODEL;
                count--;
            } else {
                assert_int_equal(frame_queue_pop(&q, dst, sizeof dst, NULL), 0);
            }
            frame_queue_stats(&q, &st);
            assert_int_equal(st.frames, count);
            assert_int_equal(st.bytes, bytes);
            assert_int_equal(st.dropped, dropped);
            assert_true(q.used <= q.size);
        }
    }
}

/* Producers on three threads, one consumer: every frame arrives whole and
 * in its producer's order, or is counted as dropped. */
#define PRODUCERS  3
#define PER_THREAD 20000

static struct frame_queue tq;
static uint8_t tbuf[16384];

static void *producer(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    uint8_t f[300];
    for (unsigned seq = 0; seq < PER_THREAD; seq++) {
        size_t len = 8 + (seq * 37 + id * 11) % 290;
        memcpy(f, &id, 4);
        memcpy(f + 4, &seq, 4);
        for (size_t i = 8; i < len; i++)
            f[i] = (uint8_t)(id + seq + i);
        struct net_offload o = { .gso_size = (uint16_t)seq };
        frame_queue_push(&tq, f, len, &o);
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t t[PRODUCERS];
    unsigned next[PRODUCERS] = { 0 };
    uint64_t got = 0;
    uint8_t f[300];
    frame_queue_init(&tq, tbuf, sizeof tbuf);
    for (uintptr_t i = 0; i < PRODUCERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, producer, (void *)i), 0);

    struct frame_queue_stats st;
    for (;;) {
        struct net_offload o;
        size_t len = frame_queue_pop(&tq, f, sizeof f, &o);
        if (len == 0) {
            frame_queue_stats(&tq, &st);
            if (st.pushed + st.dropped == (uint64_t)PRODUCERS * PER_THREAD && st.frames == 0)
                break;
            continue;
        }
        unsigned id, seq;
        memcpy(&id, f, 4);
        memcpy(&seq, f + 4, 4);
        assert_true(id < PRODUCERS);
        assert_true(seq >= next[id]); /* in order; gaps are drops */
        next[id] = seq + 1;
        assert_int_equal(len, 8 + (seq * 37 + id * 11) % 290);
        assert_int_equal(o.gso_size, (uint16_t)seq);
        for (size_t i = 8; i < len; i++)
            assert_int_equal(f[i], (uint8_t)(id + seq + i));
        got++;
    }
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(t[i], NULL);
    frame_queue_stats(&tq, &st);
    assert_int_equal(st.popped, got);
    assert_int_equal(st.pushed, got);
    assert_true(got > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_and_offloads),
        cmocka_unit_test(test_pop_needs_room),
        cmocka_unit_test(test_full_refuses_without_overwrite),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_random_against_model),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
