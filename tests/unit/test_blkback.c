/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for pvio/blk/blkback.c and pvio/blk/blk_ramdisk.c: a test frontend drives the ring over fake guest RAM and a logging RAM disk. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "pvio/blk/blk_ramdisk.h"
#include "pvio/blk/blkback.h"

#define PG              0x1000u
#define SECTOR          512u
#define RAM_PAGES       1024u           /* two extents of 512 pages */
#define DISK_SECTORS    8192u           /* 4 MiB */
#define RING_REF0       8u              /* ring page i: ref 8 + i */
#define INDIRECT_REF0   40u             /* indirect page i: ref 40 + i, gfn 900 + i */
#define INDIRECT_GFN0   900u
#define DATA_REF0       100u            /* data page i: ref 100 + i, gfn i */
#define RING_HDR        64u
#define ENTRY           112u

/* ---- A RAM disk wrapped to log calls and inject faults or guest races. ---- */

struct fixture;

struct test_store {
    struct blk_store st;
    struct blk_ramdisk rd;
    char log[512];              /* 'r' 'w' 'f' 'd' per call */
    unsigned nlog;
    int fail_write_at;          /* 1-based write call that fails; 0 = none */
    unsigned writes;
    int flush_result;
    void (*hook)(struct fixture *f);    /* runs inside each read/write */
    struct fixture *f;
};

static struct test_store *ts_of(struct blk_store *s)
{
    return (struct test_store *)(void *)s;
}

static void ts_log(struct test_store *t, char c)
{
    if (t->nlog < sizeof t->log - 1)
        t->log[t->nlog++] = c;
}

static int ts_read(struct blk_store *s, uint64_t sector, uint32_t count, void *buf)
{
    struct test_store *t = ts_of(s);
    ts_log(t, 'r');
    assert_true(count >= 1 && sector + count <= s->sectors);
    if (t->hook)
        t->hook(t->f);
    return t->rd.store.read(&t->rd.store, sector, count, buf);
}

static int ts_write(struct blk_store *s, uint64_t sector, uint32_t count, const void *buf)
{
    struct test_store *t = ts_of(s);
    ts_log(t, 'w');
    assert_true(count >= 1 && sector + count <= s->sectors);
    if (t->hook)
        t->hook(t->f);
    if (t->fail_write_at && ++t->writes == (unsigned)t->fail_write_at)
        return -1;
    return t->rd.store.write(&t->rd.store, sector, count, buf);
}

static int ts_flush(struct blk_store *s)
{
    struct test_store *t = ts_of(s);
    ts_log(t, 'f');
    return t->flush_result;
}

static int ts_discard(struct blk_store *s, uint64_t sector, uint64_t count)
{
    struct test_store *t = ts_of(s);
    ts_log(t, 'd');
    return t->rd.store.discard(&t->rd.store, sector, count);
}

/* ---- Guest RAM, grant table, disk, and the test frontend's ring. ---- */

struct fixture {
    struct guest_mem gm;
    uint8_t *ram[2];
    uint8_t *table[2];
    struct grant_table *gt;
    uint8_t *disk;
    struct test_store ts;
    struct blkback *bb;

    unsigned ring_pages;
    uint32_t ring_size;
    uint32_t ring_gfn[8];
    uint32_t req_prod_pvt;
    uint32_t rsp_cons;
    unsigned notified;

    /* for hooks */
    unsigned hook_calls;
    uint32_t hook_slot;
};

static uint8_t pattern(uint64_t sector, unsigned off)
{
    return (uint8_t)(sector * 31 + off * 7 + 1);
}

static uint8_t *gfn_host(struct fixture *f, uint32_t gfn)
{
    assert_true(gfn < RAM_PAGES);
    return f->ram[gfn / 512] + (size_t)(gfn % 512) * PG;
}

static struct grant_entry_v1 *gentry(struct fixture *f, uint32_t ref)
{
    return (struct grant_entry_v1 *)(void *)(f->table[ref / 512] + (ref % 512) * 8);
}

static void grant(struct fixture *f, uint32_t ref, uint32_t gfn, bool readonly)
{
    struct grant_entry_v1 *e = gentry(f, ref);
    e->frame = gfn;
    e->domid = 0;
    e->flags = (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0));
}

static void on_notify(void *ctx)
{
    ((struct fixture *)ctx)->notified++;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    for (unsigned i = 0; i < 2; i++) {
        f->ram[i] = aligned_alloc(PG, 512 * PG);
        assert_non_null(f->ram[i]);
        memset(f->ram[i], 0xEE, 512 * PG);
        f->gm.extent[i].gpa = (uint64_t)i * 512 * PG;
        f->gm.extent[i].hpa = (uint64_t)(uintptr_t)f->ram[i];
        f->gm.extent[i].len = 512 * PG;
        f->table[i] = aligned_alloc(PG, PG);
        assert_non_null(f->table[i]);
        memset(f->table[i], 0, PG);
    }
    f->gm.nr_extents = 2;
    f->gm.size = (uint64_t)RAM_PAGES * PG;

    f->gt = calloc(1, sizeof *f->gt);
    assert_non_null(f->gt);
    grant_table_init(f->gt, &f->gm, 0);
    assert_int_equal(grant_table_set_frame(f->gt, 0, f->table[0]), GNT_OK);
    assert_int_equal(grant_table_set_frame(f->gt, 1, f->table[1]), GNT_OK);
    assert_int_equal(grant_table_set_nr_frames(f->gt, 2), GNT_OK);

    f->disk = malloc((size_t)DISK_SECTORS * SECTOR);
    assert_non_null(f->disk);
    for (uint64_t s = 0; s < DISK_SECTORS; s++)
        for (unsigned o = 0; o < SECTOR; o++)
            f->disk[s * SECTOR + o] = pattern(s, o);
    assert_int_equal(blk_ramdisk_init(&f->ts.rd, f->disk, (uint64_t)DISK_SECTORS * SECTOR, false), 0);
    f->ts.st.sectors = DISK_SECTORS;
    f->ts.st.read = ts_read;
    f->ts.st.write = ts_write;
    f->ts.st.flush = ts_flush;
    f->ts.st.discard = ts_discard;
    f->ts.f = f;

    /* Data pages: page i at gfn i, granted writable as ref 100 + i. */
    for (uint32_t i = 0; i < 400; i++)
        grant(f, DATA_REF0 + i, i, false);

    f->bb = calloc(1, sizeof *f->bb);
    assert_non_null(f->bb);
    assert_int_equal(blkback_init(f->bb, &f->ts.st, false), BLKBACK_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    blkback_disconnect(f->bb);
    assert_int_equal(f->gt->active_pins, 0);
    for (unsigned i = 0; i < 2; i++) {
        free(f->ram[i]);
        free(f->table[i]);
    }
    free(f->gt);
    free(f->disk);
    free(f->bb);
    free(f);
    return 0;
}

/* Ring page i sits at gfn 1000 - 5 i: descending and not contiguous. */
static void front_init(struct fixture *f, unsigned pages)
{
    static const uint32_t sizes[9] = { 0, 32, 64, 0, 128, 0, 0, 0, 256 };
    f->ring_pages = pages;
    f->ring_size = sizes[pages];
    for (unsigned i = 0; i < pages; i++) {
        f->ring_gfn[i] = 1000 - 5 * i;
        memset(gfn_host(f, f->ring_gfn[i]), 0, PG);
        grant(f, RING_REF0 + i, f->ring_gfn[i], false);
    }
    uint32_t *hdr = (uint32_t *)(void *)gfn_host(f, f->ring_gfn[0]);
    hdr[1] = 1;     /* req_event */
    hdr[3] = 1;     /* rsp_event */
    f->req_prod_pvt = f->rsp_cons = 0;
}

static void front_connect(struct fixture *f, unsigned pages)
{
    front_init(f, pages);
    uint32_t refs[8];
    for (unsigned i = 0; i < pages; i++)
        refs[i] = RING_REF0 + i;
    assert_int_equal(blkback_connect(f->bb, f->gt, refs, pages, on_notify, f), BLKBACK_OK);
    assert_int_equal(f->gt->active_pins, pages);
}

static uint32_t *front_hdr(struct fixture *f)
{
    return (uint32_t *)(void *)gfn_host(f, f->ring_gfn[0]);
}

/* Byte by byte over the frontend's page list: deliberately simple. */
static void front_copy(struct fixture *f, uint32_t idx, void *buf, size_t len, bool into_ring)
{
    size_t off = RING_HDR + (size_t)(idx & (f->ring_size - 1)) * ENTRY;
    uint8_t *b = buf;
    for (size_t i = 0; i < len; i++, off++) {
        uint8_t *p = gfn_host(f, f->ring_gfn[off / PG]) + off % PG;
        if (into_ring)
            *p = b[i];
        else
            b[i] = *p;
    }
}

static void front_put(struct fixture *f, const void *req)
{
    front_copy(f, f->req_prod_pvt++, (void *)(uintptr_t)req, ENTRY, true);
}

static void front_publish(struct fixture *f)
{
    front_hdr(f)[0] = f->req_prod_pvt;
}

static void front_submit(struct fixture *f, const void *req)
{
    front_put(f, req);
    front_publish(f);
}

static struct blkif_response front_get(struct fixture *f)
{
    struct blkif_response r;
    assert_true(front_hdr(f)[2] - f->rsp_cons > 0);
    front_copy(f, f->rsp_cons++, &r, sizeof r, false);
    return r;
}

static void expect_rsp(struct fixture *f, uint64_t id, uint8_t op, int16_t status)
{
    struct blkif_response r = front_get(f);
    assert_int_equal(r.id, id);
    assert_int_equal(r.operation, op);
    assert_int_equal(r.status, status);
}

static void kick_ok(struct fixture *f)
{
    assert_int_equal(blkback_kick(f->bb), BLKBACK_OK);
    /* Between kicks only the ring stays pinned. */
    assert_int_equal(f->gt->active_pins, f->ring_pages);
}

static union blkif_ring_entry rw_req(uint8_t op, uint64_t id, uint64_t sector, unsigned nseg)
{
    union blkif_ring_entry e;
    memset(&e, 0, sizeof e);
    e.req.operation = op;
    e.req.nr_segments = (uint8_t)nseg;
    e.req.handle = 0x51;
    e.req.id = id;
    e.req.sector_number = sector;
    return e;
}

static struct blkif_segment seg(uint32_t data_page, uint8_t first, uint8_t last)
{
    return (struct blkif_segment){ .gref = DATA_REF0 + data_page, .first_sect = first,
                                   .last_sect = last };
}

static bool disk_is_pattern(struct fixture *f, uint64_t sector, uint64_t count)
{
    for (uint64_t s = sector; s < sector + count; s++)
        for (unsigned o = 0; o < SECTOR; o++)
            if (f->disk[s * SECTOR + o] != pattern(s, o))
                return false;
    return true;
}

static bool all_pattern(struct fixture *f)
{
    return disk_is_pattern(f, 0, DISK_SECTORS);
}

static void fill_page(struct fixture *f, uint32_t gfn, uint8_t seed)
{
    uint8_t *p = gfn_host(f, gfn);
    for (unsigned i = 0; i < PG; i++)
        p[i] = (uint8_t)(seed ^ (i * 13));
}

/* ---- Data path ---- */

static void test_read_one_segment(void **state)
{
    struct fixture *f = *state;
    front_connect(f, 1);
    union blkif_ring_entry e = rw_req(BLKIF_OP_READ, 0xABCDEF0123456789ull, 1000, 1);
    e.req.seg[0] = seg(3, 2, 5);
    front_submit(f, &e);
    kick_ok(f);

    expect_rsp(f, 0xABCDEF0123456789ull, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    uint8_t *page = gfn_host(f, 3);
    for (unsigned s = 0; s < 4; s++)
        for (unsigned o = 0; o < SECTOR; o++)
            assert_int_equal(page[(2 + s) * SECTOR + o], pattern(1000 + s, o));
    /* Sectors outside first..last untouched. */
    assert_int_equal(page[2 * SECTOR - 1], 0xEE);
    assert_int_equal(page[6 * SECTOR], 0xEE);
    assert_int_equal(gentry(f, DATA_REF0 + 3)->flags, GTF_permit_access);
    assert_int_equal(f->bb->stats.requests, 1);
    assert_int_equal(f->bb->stats.sectors_read, 4);
    assert_int_equal(f->bb->stats.errors, 0);
}

static void test_write_eleven_segments_contiguous_on_disk(void **state)
{
    struct fixture *f = *state;
    front_connect(f, 1);
    union blkif_ring_entry e = rw_req(BLKIF_OP_WRITE, 7, 64, 11);
    for (unsigned i = 0; i < 11; i++) {
        fill_page(f, 10 + i, (uint8_t)i);
        e.req.seg[i] = seg(10 + i, (uint8_t)(i % 2), 7);    /* 8 or 7 sectors */
    }
    front_submit(f, &e);
    kick_ok(f);
    expect_rsp(f, 7, BLKIF_OP_WRITE, BLKIF_RSP_OKAY);

    uint64_t sector = 64;
    for (unsigned i = 0; i < 11; i++) {
        unsigned first = i % 2, n = 8 - first;
        assert_memory_equal(f->disk + sector * SECTOR, gfn_host(f, 10 + i) + first * SECTOR,
                            (size_t)n * SECTOR);
        sector += n;
    }
    assert_true(disk_is_pattern(f, 0, 64));
    assert_true(disk_is_pattern(f, sector, DISK_SECTORS - sector));
    assert_int_equal(f->bb->stats.sectors_written, sector - 64);
    assert_int_equal(f->bb->stats.segments, 11);
}

static void test_segment_count_limits(void **state)
{
    struct fixture *f = *state;
    front_connect(f, 1);
    union blkif_ring_entry e = rw_req(BLKIF_OP_WRITE, 1, 0, 12);
    for (unsigned i = 0; i < 11; i++)
        e.req.seg[i] = seg(i, 0, 7);
    front_put(f, &e);
    e = rw_req(BLKIF_OP_READ, 2, 0, 0);
    front_put(f, &e);
    e = rw_req(BLKIF_OP_WRITE, 3, 0, 0);
    front_put(f, &e);
    e = rw_req(BLKIF_OP_WRITE, 4, 0, 255);
    front_put(f, &e);
    front_publish(f);
    kick_ok(f);
    expect_rsp(f, 1, BLKIF_OP_WRITE, BLKIF_RSP_ERROR);
    expect_rsp(f, 2, BLKIF_OP_READ, BLKIF_RSP_ERROR);
    expect_rsp(f, 3, BLKIF_OP_WRITE, BLKIF_RSP_ERROR);
    expect_rsp(f, 4, BLKIF_OP_WRITE, BLKIF_RSP_ERROR);
    assert_int_equal(f->ts.nlog, 0);
    assert_true(all_pattern(f));
    assert_int_equal(f->bb->stats.errors, 4);
}

static void test_bad_sector_numbers_in_segments(void **state)
{
    struct fixture *f = *state;
    front_connect(f, 1);
    union blkif_ring_entry e = rw_req(BLKIF_OP_WRITE, 1, 0, 2);
    e.req.seg[0] = seg(0, 0, 7);
    e.req.seg[1] = seg(1, 5, 4);                /* first > last */
    front_put(f, &e);
    e.req.id = 2;
    e.req.seg[1] = seg(1, 0, 8);                /* past the page */
    front_put(f, &e);
    e.req.id = 3;
    e.req.seg[1] = seg(1, 8, 8);
    front_put(f, &e);
    e.req.id = 4;
    e.req.seg[1] = seg(1, 255, 255);
    front_put(f, &e);
    front_publish(f);
    kick_ok(f);
    for (uint64_t id = 1; id <= 4; id++)
        expect_rsp(f, id, BLKIF_OP_WRITE, BLKIF_RSP_ERROR);
    assert_int_equal(f->ts.nlog, 0);
    assert_true(all_pattern(f));
}

static void test_sectors_past_end(void **state)
{
    struct fixture *f = *state;
    front_connect(f, 1);
    union blkif_ring_entry e = rw_req(BLKIF_OP_WRITE, 1, DISK_SECTORS - 1, 1);
    e.req.seg[0] = seg(0, 0, 1);                /* last sector + one beyond */
    front_put(f, &e);
    e = rw_req(BLKIF_OP_READ, 2, UINT64_MAX, 1);    /* sector + count wraps */
    e.req.seg[0] = seg(0, 0, 0);
    front_put(f, &e);
    e = rw_req(BLKIF_OP_READ, 3, DISK_SECTORS, 1);
    e.req.seg[0] = seg(0, 0, 0);
    front_put(f, &e);
    e = rw_req(BLKIF_OP_READ, 4, DISK_SECTORS - 2, 1);  /* the last two: fine */
    e.req.seg[0] = seg(0, 6, 7);
    front_put(f, &e);
    front_publish(f);
    kick_ok(f);
    expect_rsp(f, 1, BLKIF_OP_WRITE, BLKIF_RSP_ERROR);
    expect_rsp(f, 2, BLKIF_OP_READ, BLKIF_RSP_ERROR);
    expect_rsp(f, 3, BLKIF_OP_READ, BLKIF_RSP_ERROR);
    expect_rsp(f, 4, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    assert_int_equal(gfn_host(f, 0)[7 * SECTOR + 3], pattern(DISK_SECTORS - 1, 3));
    assert_true(all_pattern(f));
}

static void test_readonly_grant_for_read_refused(void **state)
{
    struct fixture *f = *state;
    front_connect(f, 1);
    grant(f, DATA_REF0 + 5, 5, true);
    union blkif_ring_entry e = rw_req(BLKIF_OP_READ, 9, 0, 2);
    e.req.seg[0] = seg(4, 0, 7);
    e.req.seg[1] = seg(5, 0, 7);
    front_submit(f, &e);
    kick_ok(f);
    expect_rsp(f, 9, BLKIF_OP_READ, BLKIF_RSP_ERROR);
    /* Nothing read: not even the first, valid, segment. */
    assert_int_equal(f->ts.nlog, 0);
    assert_int_equal(gfn_host(f, 4)[0], 0xEE);
    assert_int_equal(gfn_host(f, 5)[0], 0xEE);
    assert_int_equal(gentry(f, DATA_REF0 + 4)->flags, GTF_permit_access);
    assert_int_equal(gentry(f, DATA_REF0 + 5)->flags, GTF_permit_access | GTF_readonly);

    /* The same read-only grant is fine as the source of a WRITE. */
    fill_page(f, 5, 0x42);
    e = rw_req(BLKIF_OP_WRITE, 10, 8, 1);
    e.req.seg[0] = seg(5, 0, 0);
    front_submit(f, &e);
    kick_ok(f);
    expect_rsp(f, 10, BLKIF_OP_WRITE, BLKIF_RSP_OKAY);
    assert_memory_equal(f->disk + 8 * SECTOR, gfn_host(f, 5), SECTOR);
}

static void test_bad_grants_fail_before_any_io(void **state)
{
    struct fixture *f = *state;
    front_connect(f, 1);
    /* reserved x2, beyond the two mapped frames x2, never granted, granted
     * to domain 3, frame past RAM, frame in the LAPIC's MMIO page. */
    const uint32_t bad[] = { 3, 7, 1024, UINT32_MAX, 600, 601, 602, 603 };
    grant(f, 601, 20, false);
    gentry(f, 601)->domid = 3;
    grant(f, 602, RAM_PAGES, false);
    grant(f, 603, 0xFEE00, false);
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        union blkif_ring_entry e = rw_req(BLKIF_OP_WRITE, 100 + i, 0, 3);
        e.req.seg[0] = seg(0, 0, 7);
        e.req.seg[1] = seg(1, 0, 7);
        e.req.seg[2].gref = bad[i];
        e.req.seg[2].last_sect = 7;
        front_put(f, &e);
    }
    front_publish(f);
    kick_ok(f);
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_rsp(f, 100 + i, BLKIF_OP_WRITE, BLKIF_RSP_ERROR);
    assert_int_equal(f->ts.nlog, 0);
    assert_true(all_pattern(f));
    assert_int_equal(gentry(f, DATA_REF0)->flags, GTF_permit_access);
    assert_int_equal(gentry(f, 601)->flags, GTF_permit_access);
}

static void test_store_error_gives_error_and_releases_pins(void **state)
{
    struct fixture *f = *state;
    front_connect(f, 1);
    f->ts.fail_write_at = 2;
    union blkif_ring_entry e = rw_req(BLKIF_OP_FLUSH_DISKCACHE, 5, 0, 3);
    for (unsigned i = 0; i < 3; i++)
        e.req.seg[i] = seg(i, 0, 7);
    front_submit(f, &e);
    kick_ok(f);
    expect_rsp(f, 5, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_ERROR);
    /* Stopped at the failing write; no flush claimed success. */
    assert_string_equal(f->ts.log, "ww");
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(gentry(f, DATA_REF0 + i)->flags, GTF_permit_access);
}

static void test_readonly_vbd(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(blkback_init(f->bb, &f->ts.st, true), BLKBACK_OK);
    front_connect(f, 1);
    fill_page(f, 0, 0x77);

    union blkif_ring_entry e = rw_req(BLKIF_OP_WRITE, 1, 0, 1);
    e.req.seg[0] = seg(0, 0, 7);
    front_put(f, &e);
    e.req.operation = BLKIF_OP_FLUSH_DISKCACHE;
    e.req.id = 2;
    front_put(f, &e);
    e.req.operation = BLKIF_OP_WRITE_BARRIER;
    e.req.id = 3;
    front_put(f, &e);
    e = rw_req(BLKIF_OP_INDIRECT, 4, 0, 0);
    e.indirect.indirect_op = BLKIF_OP_WRITE;
    e.indirect.nr_segments = 1;
    e.indirect.indirect_grefs[0] = INDIRECT_REF0;
    grant(f, INDIRECT_REF0, INDIRECT_GFN0, true);
    memcpy(gfn_host(f, INDIRECT_GFN0), &(struct blkif_segment){ DATA_REF0, 0, 7, 0 }, 8);
    front_put(f, &e);
    e = rw_req(BLKIF_OP_DISCARD, 5, 0, 0);
    e.discard.nr_sectors = 8;
    front_put(f, &e);
    e = rw_req(BLKIF_OP_FLUSH_DISKCACHE, 6, 0, 0);     /* empty flush: fine */
    front_put(f, &e);
    e = rw_req(BLKIF_OP_READ, 7, 0, 1);
    e.req.seg[0] = seg(1, 0, 7);
    front_put(f, &e);
    front_publish(f);
    kick_ok(f);

    expect_rsp(f, 1, BLKIF_OP_WRITE, BLKIF_RSP_ERROR);
    expect_rsp(f, 2, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_ERROR);
    expect_rsp(f, 3, BLKIF_OP_WRITE_BARRIER, BLKIF_RSP_ERROR);
    expect_rsp(f, 4, BLKIF_OP_WRITE, BLKIF_RSP_ERROR);
    expect_rsp(f, 5, BLKIF_OP_DISCARD, BLKIF_RSP_ERROR);
    expect_rsp(f, 6, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_OKAY);
    expect_rsp(f, 7, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    assert_string_equal(f->ts.log, "fr");
    assert_true(all_pattern(f));
    assert_int_equal(gfn_host(f, 1)[5], pattern(0, 5));
}

static void test_readonly_store_medium(void **state)
{
    struct fixture *f = *state;
    f->ts.st.read_only = true;          /* the medium, not the vbd */
    front_connect(f, 1);
    union blkif_ring_entry e = rw_req(BLKIF_OP_WRITE, 1, 0, 1);
    e.req.seg[0] = seg(0, 0, 7);
    front_submit(f, &e);
    kick_ok(f);
    expect_rsp(f, 1, BLKIF_OP_WRITE, BLKIF_RSP_ERROR);
    assert_int_equal(f->ts.nlog, 0);
    assert_true(all_pattern(f));
}

static void test_flush_after_data(void **state)
{
    struct fixture *f = *state;
    front_connect(f, 1);
    union blkif_ring_entry e = rw_req(BLKIF_OP_FLUSH_DISKCACHE, 1, 100, 2);
    e.req.seg[0] = seg(0, 0, 7);
    e.req.seg[1] = seg(1, 0, 3);
    fill_page(f, 0, 1);
    fill_page(f, 1, 2);
    front_put(f, &e);
    e = rw_req(BLKIF_OP_FLUSH_DISKCACHE, 2, 0, 0);
    front_put(f, &e);
    e = rw_req(BLKIF_OP_WRITE_BARRIER, 3, 200, 1);
    e.req.seg[0] = seg(2, 0, 0);
    front_put(f, &e);
    e = rw_req(BLKIF_OP_WRITE_BARRIER, 4, 0, 0);
    front_put(f, &e);
    front_publish(f);
    kick_ok(f);
    expect_rsp(f, 1, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_OKAY);
    expect_rsp(f, 2, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_OKAY);
    expect_rsp(f, 3, BLKIF_OP_WRITE_BARRIER, BLKIF_RSP_OKAY);
    expect_rsp(f, 4, BLKIF_OP_WRITE_BARRIER, BLKIF_RSP_OKAY);
    assert_string_equal(f->ts.log, "wwffwff");
    assert_memory_equal(f->disk + 100 * SECTOR, gfn_host(f, 0), PG);
    assert_memory_equal(f->disk + 108 * SECTOR, gfn_host(f, 1), 4 * SECTOR);
    assert_int_equal(f->bb->stats.flushes, 4);

    /* A failing flush is an error even though the data was written. */
    f->ts.flush_result = -1;
    e = rw_req(BLKIF_OP_FLUSH_DISKCACHE, 5, 300, 1);
    e.req.seg[0] = seg(3, 0, 0);
    front_submit(f, &e);
    kick_ok(f);
    expect_rsp(f, 5, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_ERROR);
}

static void test_flush_without_store_flush_is_unsupported(void **state)
{
    struct fixture *f = *state;
    /* A store without flush is refused at init... */
    f->ts.st.flush = NULL;
    struct blkback other;
    assert_int_equal(blkback_init(&other, &f->ts.st, false), BLKBACK_EINVAL);
    f->ts.st.flush = ts_flush;
    assert_int_equal(blkback_init(&other, NULL, false), BLKBACK_EINVAL);
}

static void test_discard(void **state)
{
    struct fixture *f = *state;
    front_connect(f, 1);
    union blkif_ring_entry e = rw_req(BLKIF_OP_DISCARD, 1, 16, 0);
    e.discard.nr_sectors = 4;
    e.discard.flag = BLKIF_DISCARD_SECURE;
    front_put(f, &e);
    e.discard.id = 2;
    e.discard.sector_number = DISK_SECTORS - 2;
    e.discard.nr_sectors = 3;
    front_put(f, &e);
    e.discard.id = 3;
    e.discard.sector_number = 2;
    e.discard.nr_sectors = UINT64_MAX;
    front_put(f, &e);
    e.discard.id = 4;
    e.discard.sector_number = DISK_SECTORS;
    e.discard.nr_sectors = 0;
    front_put(f, &e);
    front_publish(f);
    kick_ok(f);
    expect_rsp(f, 1, BLKIF_OP_DISCARD, BLKIF_RSP_OKAY);
    expect_rsp(f, 2, BLKIF_OP_DISCARD, BLKIF_RSP_ERROR);
    expect_rsp(f, 3, BLKIF_OP_DISCARD, BLKIF_RSP_ERROR);
    expect_rsp(f, 4, BLKIF_OP_DISCARD, BLKIF_RSP_OKAY);
    assert_string_equal(f->ts.log, "d");
    for (unsigned i = 0; i < 4 * SECTOR; i++)
        assert_int_equal(f->disk[16 * SECTOR + i], 0);
    assert_true(disk_is_pattern(f, 0, 16));
    assert_true(disk_is_pattern(f, 20, DISK_SECTORS - 20));

    /* A store that cannot discard: EOPNOTSUPP. */
    f->ts.st.discard = NULL;
    e.discard.id = 5;
    e.discard.sector_number = 0;
    e.discard.nr_sectors = 1;
    front_submit(f, &e);
    kick_ok(f);
    expect_rsp(f, 5, BLKIF_OP_DISCARD, BLKIF_RSP_EOPNOTSUPP);
}

static void test_unknown_ops_unsupported(void **state)
{
    struct fixture *f = *state;
    front_connect(f, 1);
    const uint8_t ops[] = { BLKIF_OP_RESERVED_1, 7, 0x80, 0xFF };
    for (unsigned i = 0; i < sizeof ops; i++) {
        union blkif_ring_entry e = rw_req(ops[i], 50 + i, 0, 1);
        e.req.seg[0] = seg(0, 0, 7);
        front_put(f, &e);
    }
    front_publish(f);
    kick_ok(f);
    for (unsigned i = 0; i < sizeof ops; i++)
        expect_rsp(f, 50 + i, ops[i], BLKIF_RSP_EOPNOTSUPP);
    assert_int_equal(f->ts.nlog, 0);
    assert_int_equal(gfn_host(f, 0)[0], 0xEE);
}

/* ---- Indirect requests ---- */

static void put_indirect_segments(struct fixture *f, unsigned nseg, uint32_t first_page)
{
    for (unsigned i = 0; i < nseg; i++) {
        struct blkif_segment s = seg(first_page + i, 0, 7);
        unsigned page = i / 512;
        memcpy(gfn_host(f, INDIRECT_GFN0 + page) + (i % 512) * 8, &s, sizeof s);
    }
}

static union blkif_ring_entry indirect_req(uint8_t iop, uint64_t id, uint64_t sector, unsigned nseg)
{
    union blkif_ring_entry e;
    memset(&e, 0, sizeof e);
    e.indirect.operation = BLKIF_OP_INDIRECT;
    e.indirect.indirect_op = iop;
    e.indirect.nr_segments = (uint16_t)nseg;
    e.indirect.id = id;
    e.indirect.sector_number = sector;
    for (unsigned i = 0; i < 8; i++)
        e.indirect.indirect_grefs[i] = INDIRECT_REF0 + i;
    return e;
}

static void test_indirect_256_segments(void **state)
{
    struct fixture *f = *state;
    front_connect(f, 1);
    for (unsigned i = 0; i < 8; i++)
        grant(f, INDIRECT_REF0 + i, INDIRECT_GFN0 + i, true);

    /* WRITE 256 full pages (1 MiB) from pages 0..255 to sector 4096. */
    for (unsigned i = 0; i < 256; i++)
        fill_page(f, i, (uint8_t)(i * 5));
    put_indirect_segments(f, 256, 0);
    union blkif_ring_entry e = indirect_req(BLKIF_OP_WRITE, 77, 4096, 256);
    front_submit(f, &e);
    kick_ok(f);
    expect_rsp(f, 77, BLKIF_OP_WRITE, BLKIF_RSP_OKAY);     /* op = indirect_op */
    for (unsigned i = 0; i < 256; i++)
        assert_memory_equal(f->disk + (4096 + 8 * (size_t)i) * SECTOR, gfn_host(f, i), PG);
    assert_true(disk_is_pattern(f, 0, 4096));

    /* READ them back into pages 300..555 (reads cross into the second RAM extent). */
    for (uint32_t i = 0; i < 256; i++)
        grant(f, DATA_REF0 + 300 + i, 300 + i, false);
    put_indirect_segments(f, 256, 300);
    e = indirect_req(BLKIF_OP_READ, 78, 4096, 256);
    front_submit(f, &e);
    kick_ok(f);
    expect_rsp(f, 78, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    for (unsigned i = 0; i < 256; i++)
        assert_memory_equal(gfn_host(f, 300 + i), gfn_host(f, i), PG);
    assert_int_equal(f->bb->stats.segments, 512);
    assert_int_equal(f->bb->stats.sectors_read, 2048);
    assert_int_equal(gentry(f, INDIRECT_REF0)->flags, GTF_permit_access | GTF_readonly);
}

static void test_indirect_limits(void **state)
{
    struct fixture *f = *state;
    front_connect(f, 1);
    for (unsigned i = 0; i < 8; i++)
        grant(f, INDIRECT_REF0 + i, INDIRECT_GFN0 + i, true);
    put_indirect_segments(f, 300, 0);

    union blkif_ring_entry e = indirect_req(BLKIF_OP_WRITE, 1, 0, 257);
    front_put(f, &e);
    e = indirect_req(BLKIF_OP_WRITE, 2, 0, 0);
    front_put(f, &e);
    e = indirect_req(BLKIF_OP_WRITE, 3, 0, 0xFFFF);
    front_put(f, &e);
    e = indirect_req(BLKIF_OP_FLUSH_DISKCACHE, 4, 0, 1);  /* only READ/WRITE may be indirect */
    front_put(f, &e);
    e = indirect_req(BLKIF_OP_INDIRECT, 5, 0, 1);
    front_put(f, &e);
    e = indirect_req(BLKIF_OP_WRITE, 6, 0, 1);
    e.indirect.indirect_grefs[0] = 5;                   /* reserved ref */
    front_put(f, &e);
    e = indirect_req(BLKIF_OP_READ, 7, 0, 1);
    e.indirect.indirect_grefs[0] = DATA_REF0 + 399;     /* fine: any readable grant */
    memcpy(gfn_host(f, 399), &(struct blkif_segment){ DATA_REF0 + 1, 0, 9, 0 }, 8);
    front_put(f, &e);                                   /* ...but its segment is bad */
    front_publish(f);
    kick_ok(f);
    expect_rsp(f, 1, BLKIF_OP_WRITE, BLKIF_RSP_ERROR);
    expect_rsp(f, 2, BLKIF_OP_WRITE, BLKIF_RSP_ERROR);
    expect_rsp(f, 3, BLKIF_OP_WRITE, BLKIF_RSP_ERROR);
    expect_rsp(f, 4, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_ERROR);
    expect_rsp(f, 5, BLKIF_OP_INDIRECT, BLKIF_RSP_ERROR);
    expect_rsp(f, 6, BLKIF_OP_WRITE, BLKIF_RSP_ERROR);
    expect_rsp(f, 7, BLKIF_OP_READ, BLKIF_RSP_ERROR);
    assert_int_equal(f->ts.nlog, 0);
    assert_true(all_pattern(f));
}

/* ---- The guest changing shared memory mid-request ---- */

static void rewrite_ring_slot(struct fixture *f)
{
    if (f->hook_calls++)
        return;
    union blkif_ring_entry evil = rw_req(BLKIF_OP_READ, 0xBAD, DISK_SECTORS - 1, 11);
    for (unsigned i = 0; i < 11; i++)
        evil.req.seg[i] = seg(200, 0, 7);
    front_copy(f, f->hook_slot, &evil, ENTRY, true);
}

static void test_request_rewritten_mid_request(void **state)
{
    struct fixture *f = *state;
    front_connect(f, 1);
    f->ts.hook = rewrite_ring_slot;
    f->hook_slot = 0;
    fill_page(f, 0, 0x10);
    fill_page(f, 1, 0x20);
    union blkif_ring_entry e = rw_req(BLKIF_OP_WRITE, 0x1234, 40, 2);
    e.req.seg[0] = seg(0, 0, 7);
    e.req.seg[1] = seg(1, 0, 7);
    front_submit(f, &e);
    kick_ok(f);
    /* The copy was used: both segments written where first asked. */
    expect_rsp(f, 0x1234, BLKIF_OP_WRITE, BLKIF_RSP_OKAY);
    assert_string_equal(f->ts.log, "ww");
    assert_memory_equal(f->disk + 40 * SECTOR, gfn_host(f, 0), PG);
    assert_memory_equal(f->disk + 48 * SECTOR, gfn_host(f, 1), PG);
    assert_int_equal(gfn_host(f, 200)[0], 0xEE);
}

static void rewrite_indirect_page(struct fixture *f)
{
    if (f->hook_calls++)
        return;
    /* Retarget every segment at page 200 and beyond the page. */
    for (unsigned i = 0; i < 16; i++) {
        struct blkif_segment s = { DATA_REF0 + 200, 0, 200, 0 };
        memcpy(gfn_host(f, INDIRECT_GFN0) + i * 8, &s, 8);
    }
}

static void test_indirect_page_rewritten_mid_request(void **state)
{
    struct fixture *f = *state;
    front_connect(f, 1);
    grant(f, INDIRECT_REF0, INDIRECT_GFN0, true);
    put_indirect_segments(f, 16, 20);
    f->ts.hook = rewrite_indirect_page;
    union blkif_ring_entry e = indirect_req(BLKIF_OP_READ, 99, 512, 16);
    front_submit(f, &e);
    kick_ok(f);
    expect_rsp(f, 99, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(gfn_host(f, 20 + i)[SECTOR + 9], pattern(512 + 8 * i + 1, 9));
    assert_int_equal(gfn_host(f, 200)[0], 0xEE);
}

/* ---- Ring mechanics ---- */

static void test_multipage_ring_with_straddling_entries(void **state)
{
    struct fixture *f = *state;
    front_connect(f, 8);
    assert_int_equal(f->bb->ring.nr_entries, 256);
    /* 600 reads through a 256-entry ring: indices wrap twice, and entries
     * 72, 109, 145, 182, 218, 255 straddle page boundaries. Batches of 200. */
    uint32_t next = 0;
    for (unsigned batch = 0; batch < 3; batch++) {
        for (unsigned i = 0; i < 200; i++, next++) {
            union blkif_ring_entry e = rw_req(BLKIF_OP_READ, 0x1000000 + next, next, 1);
            e.req.seg[0] = seg(next % 64, next % 8, next % 8);
            front_put(f, &e);
        }
        front_publish(f);
        kick_ok(f);
        for (unsigned i = 0; i < 200; i++) {
            uint32_t n = f->rsp_cons;
            expect_rsp(f, 0x1000000 + n, BLKIF_OP_READ, BLKIF_RSP_OKAY);
        }
        assert_int_equal(front_hdr(f)[2], next);
    }
    /* Spot-check data of the last write into each page. */
    for (uint32_t n = 600 - 64; n < 600; n++)
        assert_int_equal(gfn_host(f, n % 64)[(n % 8) * SECTOR + 100], pattern(n, 100));
    assert_int_equal(f->bb->stats.requests, 600);
}

static void test_two_and_four_page_rings(void **state)
{
    struct fixture *f = *state;
    static const unsigned pages[] = { 2, 4 };
    for (unsigned k = 0; k < 2; k++) {
        front_connect(f, pages[k]);
        assert_int_equal(f->bb->ring.nr_entries, f->ring_size);
        for (uint32_t i = 0; i < f->ring_size; i++) {
            union blkif_ring_entry e = rw_req(BLKIF_OP_READ, i, i, 1);
            e.req.seg[0] = seg(0, 0, 0);
            front_put(f, &e);
        }
        front_publish(f);
        kick_ok(f);
        for (uint32_t i = 0; i < f->ring_size; i++)
            expect_rsp(f, i, BLKIF_OP_READ, BLKIF_RSP_OKAY);
        blkback_disconnect(f->bb);
        assert_int_equal(f->gt->active_pins, 0);
    }
}

static void test_producer_jump_breaks_ring(void **state)
{
    struct fixture *f = *state;
    front_connect(f, 1);
    union blkif_ring_entry e = rw_req(BLKIF_OP_READ, 1, 0, 1);
    e.req.seg[0] = seg(0, 0, 0);
    front_submit(f, &e);
    kick_ok(f);
    expect_rsp(f, 1, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    unsigned log_before = f->ts.nlog;

    /* A full ring is fine... */
    front_hdr(f)[0] = 1 + 32;
    /* ...one more is not. */
    front_hdr(f)[0] = 1 + 33;
    assert_int_equal(blkback_kick(f->bb), BLKBACK_EBROKEN);
    assert_true(f->bb->broken);
    assert_int_equal(front_hdr(f)[2], 1);       /* no response written */
    assert_int_equal(f->ts.nlog, log_before);
    /* Stays broken even if the guest repairs req_prod. */
    front_hdr(f)[0] = 1;
    assert_int_equal(blkback_kick(f->bb), BLKBACK_EBROKEN);
    blkback_disconnect(f->bb);
    assert_int_equal(f->gt->active_pins, 0);
    assert_int_equal(blkback_kick(f->bb), BLKBACK_ENOTCONN);
    /* A producer index moved backwards is a jump of almost 2^32. */
    front_connect(f, 1);
    front_hdr(f)[0] = UINT32_MAX;
    assert_int_equal(blkback_kick(f->bb), BLKBACK_EBROKEN);
}

static void test_full_ring_is_processed(void **state)
{
    struct fixture *f = *state;
    front_connect(f, 1);
    for (uint32_t i = 0; i < 32; i++) {
        union blkif_ring_entry e = rw_req(BLKIF_OP_READ, i, i, 1);
        e.req.seg[0] = seg(i, 0, 7);
        front_put(f, &e);
    }
    front_publish(f);
    kick_ok(f);
    for (uint32_t i = 0; i < 32; i++)
        expect_rsp(f, i, BLKIF_OP_READ, BLKIF_RSP_OKAY);
}

static void test_connect_refuses_broken_ring_and_bad_refs(void **state)
{
    struct fixture *f = *state;
    front_init(f, 4);
    uint32_t refs[4] = { RING_REF0, RING_REF0 + 1, RING_REF0 + 2, RING_REF0 + 3 };

    assert_int_equal(blkback_connect(f->bb, f->gt, refs, 3, on_notify, f), BLKBACK_EINVAL);
    assert_int_equal(blkback_connect(f->bb, f->gt, refs, 0, on_notify, f), BLKBACK_EINVAL);
    assert_int_equal(blkback_connect(f->bb, f->gt, refs, 16, on_notify, f), BLKBACK_EINVAL);
    assert_int_equal(blkback_connect(f->bb, f->gt, refs, 4, NULL, f), BLKBACK_EINVAL);

    /* Third page granted read-only: the ring must be writable. */
    grant(f, RING_REF0 + 2, f->ring_gfn[2], true);
    assert_int_equal(blkback_connect(f->bb, f->gt, refs, 4, on_notify, f), BLKBACK_EGRANT);
    assert_int_equal(f->gt->active_pins, 0);
    assert_int_equal(gentry(f, RING_REF0)->flags, GTF_permit_access);
    grant(f, RING_REF0 + 2, f->ring_gfn[2], false);

    /* req_prod already more than a ring (128) ahead of rsp_prod. */
    front_hdr(f)[0] = 1000;
    front_hdr(f)[2] = 1000 - 129;
    assert_int_equal(blkback_connect(f->bb, f->gt, refs, 4, on_notify, f), BLKBACK_EBROKEN);
    assert_int_equal(f->gt->active_pins, 0);

    /* Exactly a ring ahead: attaches and resumes at rsp_prod. */
    front_hdr(f)[2] = 1000 - 128;
    assert_int_equal(blkback_connect(f->bb, f->gt, refs, 4, on_notify, f), BLKBACK_OK);
    assert_int_equal(f->bb->ring.req_cons, 1000 - 128);
    assert_int_equal(blkback_connect(f->bb, f->gt, refs, 4, on_notify, f), BLKBACK_EINVAL);
    assert_int_equal(f->gt->active_pins, 4);
}

static void test_notification_batching(void **state)
{
    struct fixture *f = *state;
    front_connect(f, 1);
    /* Fresh ring: rsp_event = 1, so the first batch notifies, once. */
    for (uint32_t i = 0; i < 5; i++) {
        union blkif_ring_entry e = rw_req(BLKIF_OP_READ, i, i, 1);
        e.req.seg[0] = seg(0, 0, 0);
        front_put(f, &e);
    }
    front_publish(f);
    kick_ok(f);
    assert_int_equal(f->notified, 1);
    assert_int_equal(f->bb->stats.notifications, 1);
    assert_int_equal(front_hdr(f)[2], 5);
    /* The backend re-armed req_event for the next request. */
    assert_int_equal(front_hdr(f)[1], 6);

    /* The frontend has not consumed (rsp_event still 1): no notify. */
    union blkif_ring_entry e = rw_req(BLKIF_OP_READ, 5, 0, 1);
    e.req.seg[0] = seg(0, 0, 0);
    front_submit(f, &e);
    kick_ok(f);
    assert_int_equal(f->notified, 1);
    assert_int_equal(front_hdr(f)[2], 6);       /* but the response is published */

    /* The frontend asks to hear only after rsp 10: 3 more responses, no notify. */
    front_hdr(f)[3] = 10;
    for (uint32_t i = 0; i < 3; i++) {
        e.req.id = 6 + i;
        front_put(f, &e);
    }
    front_publish(f);
    kick_ok(f);
    assert_int_equal(f->notified, 1);
    /* The next two cross rsp_event 10: one notify. */
    for (uint32_t i = 0; i < 2; i++) {
        e.req.id = 9 + i;
        front_put(f, &e);
    }
    front_publish(f);
    kick_ok(f);
    assert_int_equal(f->notified, 2);

    /* A kick with nothing to do notifies nobody. */
    kick_ok(f);
    assert_int_equal(f->notified, 2);
    for (uint64_t id = 0; id < 11; id++)
        expect_rsp(f, id, BLKIF_OP_READ, BLKIF_RSP_OKAY);
}

/* A frontend on another CPU that keeps producing during our I/O. */
static void keep_producing(struct fixture *f)
{
    union blkif_ring_entry e = rw_req(BLKIF_OP_READ, 0xF00 + f->hook_calls++, 0, 1);
    e.req.seg[0] = seg(0, 0, 0);
    /* Reap our responses as it goes so the ring never overflows. */
    f->rsp_cons = front_hdr(f)[2];
    if (f->req_prod_pvt - f->rsp_cons < f->ring_size) {
        front_put(f, &e);
        front_publish(f);
    }
}

static void test_kick_budget_bounds_a_busy_frontend(void **state)
{
    struct fixture *f = *state;
    front_connect(f, 1);
    f->ts.hook = keep_producing;
    union blkif_ring_entry e = rw_req(BLKIF_OP_READ, 0, 0, 1);
    e.req.seg[0] = seg(0, 0, 0);
    front_submit(f, &e);
    assert_int_equal(blkback_kick(f->bb), BLKBACK_MORE);
    assert_int_equal(f->bb->stats.requests, BLKBACK_KICK_BUDGET_RINGS * 32);
    assert_int_equal(f->gt->active_pins, 1);
    f->ts.hook = NULL;
    /* The caller kicks again and drains what is left. */
    assert_int_equal(blkback_kick(f->bb), BLKBACK_OK);
    assert_int_equal(front_hdr(f)[2], f->req_prod_pvt);
}

/* Request 1's I/O publishes request 2 (a second batch); request 2's I/O
 * then looks at what the frontend can see of request 1. */
static void check_previous_completion(struct fixture *f)
{
    if (f->hook_calls++ == 0) {
        union blkif_ring_entry e = rw_req(BLKIF_OP_READ, 2, 0, 1);
        e.req.seg[0] = seg(1, 0, 0);
        front_submit(f, &e);
        return;
    }
    assert_int_equal(front_hdr(f)[2], 1);          /* response 1 published */
    struct blkif_response r;
    front_copy(f, 0, &r, sizeof r, false);
    assert_int_equal(r.id, 1);
    assert_int_equal(r.status, BLKIF_RSP_OKAY);
    /* ...and nothing of request 1 is still pinned. */
    assert_int_equal(gentry(f, DATA_REF0)->flags, GTF_permit_access);
    assert_int_equal(grant_pin_count(f->gt, DATA_REF0), 0);
    /* Request 2's own grant is pinned for writing while its I/O runs. */
    assert_int_equal(gentry(f, DATA_REF0 + 1)->flags,
                     GTF_permit_access | GTF_reading | GTF_writing);
}

static void test_grants_released_before_response_is_visible(void **state)
{
    struct fixture *f = *state;
    front_connect(f, 1);
    f->ts.hook = check_previous_completion;
    union blkif_ring_entry e = rw_req(BLKIF_OP_WRITE, 1, 0, 1);
    e.req.seg[0] = seg(0, 0, 7);
    front_submit(f, &e);
    kick_ok(f);
    assert_int_equal(f->hook_calls, 2);
    expect_rsp(f, 1, BLKIF_OP_WRITE, BLKIF_RSP_OKAY);
    expect_rsp(f, 2, BLKIF_OP_READ, BLKIF_RSP_OKAY);
}

static void test_same_grant_in_many_segments(void **state)
{
    struct fixture *f = *state;
    front_connect(f, 1);
    union blkif_ring_entry e = rw_req(BLKIF_OP_READ, 1, 0, 8);
    for (unsigned i = 0; i < 8; i++)
        e.req.seg[i] = seg(0, (uint8_t)i, (uint8_t)i);    /* one sector each, same page */
    front_submit(f, &e);
    kick_ok(f);
    expect_rsp(f, 1, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    assert_memory_equal(gfn_host(f, 0), f->disk, PG);
    assert_int_equal(gentry(f, DATA_REF0)->flags, GTF_permit_access);
}

/* ---- RAM disk ---- */

static void test_ramdisk(void **state)
{
    (void)state;
    static uint8_t buf[8 * SECTOR];
    struct blk_ramdisk rd;
    assert_int_equal(blk_ramdisk_init(&rd, buf, 0, false), -1);
    assert_int_equal(blk_ramdisk_init(&rd, buf, 1000, false), -1);
    assert_int_equal(blk_ramdisk_init(&rd, NULL, 512, false), -1);
    assert_int_equal(blk_ramdisk_init(&rd, buf, sizeof buf, false), 0);
    struct blk_store *s = &rd.store;
    assert_int_equal(s->sectors, 8);

    uint8_t in[2 * SECTOR], out[2 * SECTOR];
    for (unsigned i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i + 3);
    assert_int_equal(s->write(s, 6, 2, in), 0);
    assert_memory_equal(buf + 6 * SECTOR, in, sizeof in);
    assert_int_equal(s->read(s, 6, 2, out), 0);
    assert_memory_equal(out, in, sizeof out);
    assert_int_equal(s->write(s, 7, 2, in), -1);
    assert_int_equal(s->read(s, UINT64_MAX, 2, out), -1);
    assert_int_equal(s->flush(s), 0);
    assert_int_equal(s->discard(s, 6, 1), 0);
    for (unsigned i = 0; i < SECTOR; i++)
        assert_int_equal(buf[6 * SECTOR + i], 0);
    assert_int_equal(buf[7 * SECTOR], in[SECTOR]);
    assert_int_equal(s->discard(s, 7, 2), -1);

    assert_int_equal(blk_ramdisk_init(&rd, buf, sizeof buf, true), 0);
    assert_true(s->read_only);
    memset(out, 0x99, sizeof out);
    assert_int_equal(s->write(s, 0, 1, out), -1);
    assert_int_equal(s->discard(s, 7, 1), -1);
    assert_int_equal(buf[7 * SECTOR], in[SECTOR]);
    assert_int_equal(s->read(s, 7, 1, out), 0);
    assert_memory_equal(out, in + SECTOR, SECTOR);
}

/* UBSan findings (e.g. an index past a private array) fail the run
 * instead of scrolling by. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
    return "halt_on_error=1:print_stacktrace=1";
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_read_one_segment),
        T(test_write_eleven_segments_contiguous_on_disk),
        T(test_segment_count_limits),
        T(test_bad_sector_numbers_in_segments),
        T(test_sectors_past_end),
        T(test_readonly_grant_for_read_refused),
        T(test_bad_grants_fail_before_any_io),
        T(test_store_error_gives_error_and_releases_pins),
        T(test_readonly_vbd),
        T(test_readonly_store_medium),
        T(test_flush_after_data),
        T(test_flush_without_store_flush_is_unsupported),
        T(test_discard),
        T(test_unknown_ops_unsupported),
        T(test_indirect_256_segments),
        T(test_indirect_limits),
        T(test_request_rewritten_mid_request),
        T(test_indirect_page_rewritten_mid_request),
        T(test_multipage_ring_with_straddling_entries),
        T(test_two_and_four_page_rings),
        T(test_producer_jump_breaks_ring),
        T(test_full_ring_is_processed),
        T(test_connect_refuses_broken_ring_and_bad_refs),
        T(test_notification_batching),
        T(test_kick_budget_bounds_a_busy_frontend),
        T(test_grants_released_before_response_is_visible),
        T(test_same_grant_in_many_segments),
        T(test_ramdisk),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
