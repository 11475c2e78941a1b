/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for Keel's xenstore (pvio/xen/xenstore_*.c) as a hostile guest drives it: requests over the ring, raw frames, ring indices, beside Keel's own calls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvio/xen/xenstore.h"
#include "tests/common/xenstore_check.h"
#include "tests/fuzz/fuzz_common.h"

/*
 * The input is a script of up to OPS_MAX operations (see the op_* functions
 * and LLVMFuzzerTestOneInput for the encoding): guest requests built from a path
 * dictionary (so that paths collide) and sent through the shared ring page,
 * one by one or many at once, raw frames, writes to the ring's indices and
 * error field, bursts of requests (large writes and removals that push the
 * arena to compaction, many nodes, many watches), direct calls of
 * xenstore_handle_request with any bytes, a guest that stops reading,
 * connection resets, and Keel's own xs_* calls and internal watches (whose
 * callbacks write to the store too).
 * The store starts as vbd.c leaves it for one PV disk.
 *
 * After every operation:
 *  - xenstore_check(): arena and node-table bookkeeping (no two strings
 *    overlapping), path shapes, transactions, watches, queues;
 *  - permissions: no guest request changes or removes a node that the
 *    guest may not write and that has no ancestor it may write, or adds a
 *    child to one, and a guest that grew the store stays out of Keel's
 *    reserve;
 *  - the ring: our indices never run more than a ring ahead of the guest's,
 *    and a stopped connection says why in the page's error field;
 *  - framing: while the guest's streams are in step (it has not scribbled
 *    on indices), every request gets exactly one well-framed reply, in
 *    order, with its req_id and tx_id, a valid type and a payload of the
 *    right shape; watch events are "path\0token\0" with well-formed paths.
 */

#define GUEST 5
#define HOME "/local/domain/5"
#define FRONT HOME "/device/vbd/51712"
#define BACK "/local/domain/0/backend/vbd/5/51712"
#define CB_DIR "/local/domain/0/cb"     /* what internal watch callbacks write */
#define OPS_MAX 64
#define PENDING_MAX 512
#define OUT_MAX (64 * 1024)

static struct xenstore *xs;
static struct xenstore_domain_interface *ring;
static bool trace;      /* FUZZ_TRACE=1: print each request and reply (for reading an artifact) */

/* A payload for the trace: printable bytes as they are, others as \xNN. */
static void trace_bytes(const char *what, uint32_t type, uint32_t req_id, uint32_t tx_id, const void *p, uint32_t len)
{
    if (!trace)
        return;
    fprintf(stderr, "%s type %u req %u tx %u len %u: ", what, type, req_id, tx_id, len);
    const uint8_t *b = p;
    for (uint32_t i = 0; i < len && i < 300; i++)
        fprintf(stderr, b[i] >= 0x20 && b[i] < 0x7F ? "%c" : "\\x%02x", b[i]);
    fprintf(stderr, len > 300 ? "...\n" : "\n");
}

/* ---- The guest's side of the ring ------------------------------------------------- */

struct expect {
    uint32_t type, req_id, tx_id;
};

static struct {
    uint8_t out[OUT_MAX];           /* request bytes not yet in the ring */
    size_t out_len;
    uint8_t in[2 * XS_MSG_MAX];     /* response bytes read, not yet parsed */
    size_t in_len;
    bool synced;                    /* both streams framed as we sent and read them */
    bool stalled;                   /* the guest stops reading responses */
    struct expect pending[PENDING_MAX];
    unsigned head, count;
    uint32_t req_prod;              /* the guest's own producer index */
} g;

static unsigned callback_writes;

static bool ring_stopped(void)
{
    return xs->ring_error != XENSTORE_ERROR_NONE;
}

/* The connection stopped or the streams lost their framing: no more replies to wait for. */
static void forget_requests(void)
{
    g.head = g.count = 0;
    g.out_len = 0;
    g.in_len = 0;
}

/* A fresh ring page and guest; the store's side is the caller's. */
static void guest_start(void)
{
    memset(ring, 0, 4096);
    memset(&g, 0, sizeof g);
    g.synced = true;
}

/* The guest reboots: Keel forgets its connection. */
static void guest_reset(void)
{
    guest_start();
    xenstore_reset_connection(xs);
}

static void queue_request(uint32_t type, uint32_t req_id, uint32_t tx_id, const void *payload, uint32_t len,
                          uint32_t claimed_len)
{
    struct xsd_sockmsg hdr = { type, req_id, tx_id, claimed_len };
    if (g.out_len + sizeof hdr + len > OUT_MAX || g.count == PENDING_MAX || ring_stopped())
        return;
    trace_bytes("ring request", type, req_id, tx_id, payload, len);
    memcpy(g.out + g.out_len, &hdr, sizeof hdr);
    memcpy(g.out + g.out_len + sizeof hdr, payload, len);
    g.out_len += sizeof hdr + len;
    if (claimed_len != len || claimed_len > XENSTORE_PAYLOAD_MAX)
        g.synced = false;   /* the server frames the stream differently from us */
    if (g.synced)
        g.pending[(g.head + g.count++) % PENDING_MAX] = (struct expect){ type, req_id, tx_id };
}

/* Moves queued request bytes into the req ring as far as it has room. */
static bool guest_put(void)
{
    uint32_t used = g.req_prod - ring->req_cons;
    if (used > XENSTORE_RING_SIZE || !g.out_len)
        return false;
    size_t n = XENSTORE_RING_SIZE - used;
    if (n > g.out_len)
        n = g.out_len;
    for (size_t i = 0; i < n; i++)
        ring->req[XENSTORE_RING_MASK(g.req_prod + (uint32_t)i)] = (char)g.out[i];
    memmove(g.out, g.out + n, g.out_len - n);
    g.out_len -= n;
    g.req_prod += (uint32_t)n;
    ring->req_prod = g.req_prod;
    return n > 0;
}

static bool is_error_name(const char *p, uint32_t len)
{
    for (int e = XS_OK; e <= XS_E2BIG; e++) {
        const char *name = xs_error_name((enum xs_error)e);
        if (e != XS_OK && len == strlen(name) + 1 && memcmp(p, name, len) == 0)
            return true;
    }
    return false;
}

static bool component_ok(const char *s, size_t n)
{
    if (!n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || c == '@'))
            return false;
    }
    return true;
}

/* Absolute ("/a/b"), relative ("a/b") or special ("@x") watch paths. */
static bool event_path_ok(const char *p, size_t n)
{
    if (n && p[0] == '@')
        return n <= XS_PATH_MAX;
    if (n == 1 && p[0] == '/')
        return true;
    size_t start = n && p[0] == '/' ? 1 : 0;
    if (n > XS_PATH_MAX || start == n)
        return false;
    for (size_t i = start; i <= n; i++) {
        if (i == n || p[i] == '/') {
            if (!component_ok(p + start, i - start))
                return false;
            start = i + 1;
        }
    }
    return true;
}

/* Payload strings: count of NULs, and the payload ends in one. */
static unsigned nul_count(const char *p, uint32_t len)
{
    unsigned n = 0;
    for (uint32_t i = 0; i < len; i++)
        n += p[i] == '\0';
    return n;
}

/* A successful reply's payload, by request type. */
static void check_payload(uint32_t type, const char *p, uint32_t len)
{
    bool ends_nul = len && p[len - 1] == '\0';
    switch (type) {
    case XS_WRITE: case XS_MKDIR: case XS_RM: case XS_SET_PERMS: case XS_WATCH: case XS_UNWATCH:
    case XS_TRANSACTION_END: case XS_RESET_WATCHES:
        FUZZ_CHECK(len == 3 && memcmp(p, "OK", 3) == 0, "type %u: reply is not OK", type);
        break;
    case XS_READ:
        FUZZ_CHECK(len <= XS_VALUE_MAX, "read reply of %u bytes", len);
        break;
    case XS_TRANSACTION_START:
        FUZZ_CHECK(ends_nul && len >= 2 && len <= 11, "transaction id reply of %u bytes", len);
        for (uint32_t i = 0; i + 1 < len; i++)
            FUZZ_CHECK(p[i] >= '0' && p[i] <= '9', "transaction id '%.*s'", (int)len, p);
        FUZZ_CHECK(!(len == 2 && p[0] == '0'), "transaction id 0");
        break;
    case XS_GET_DOMAIN_PATH:
        FUZZ_CHECK(ends_nul && len > 15 && memcmp(p, "/local/domain/", 14) == 0 && nul_count(p, len) == 1,
                   "domain path '%.*s'", (int)len, p);
        break;
    case XS_DIRECTORY:
        FUZZ_CHECK(len == 0 || ends_nul, "directory reply not NUL-terminated");
        for (uint32_t at = 0; at < len;) {
            size_t n = strlen(p + at);
            FUZZ_CHECK(component_ok(p + at, n), "directory entry '%s'", p + at);
            at += (uint32_t)n + 1;
        }
        break;
    case XS_GET_PERMS: {
        unsigned entries = nul_count(p, len);
        FUZZ_CHECK(ends_nul && entries >= 1 && entries <= 2, "%u permission entries", entries);
        for (uint32_t at = 0; at < len;) {
            size_t n = strlen(p + at);
            FUZZ_CHECK(n >= 2 && n <= 6 && strchr("nrwb", p[at]) && p[at] && strspn(p + at + 1, "0123456789") == n - 1,
                       "permission entry '%s'", p + at);
            at += (uint32_t)n + 1;
        }
        break;
    }
    default:
        fuzz_fail("type %u succeeded", type);
    }
}

/* One reply or event (header already checked for length). */
static void check_message(const struct xsd_sockmsg *h, const char *p, bool from_ring)
{
    trace_bytes("  reply", h->type, h->req_id, h->tx_id, p, h->len);
    if (h->type == XS_WATCH_EVENT) {
        FUZZ_CHECK(h->req_id == 0 && h->tx_id == 0, "watch event with req_id %u tx_id %u", h->req_id, h->tx_id);
        FUZZ_CHECK(h->len >= 4 && p[h->len - 1] == '\0' && nul_count(p, h->len) == 2, "watch event framing");
        size_t path_len = strlen(p), token_len = strlen(p + path_len + 1);
        FUZZ_CHECK(event_path_ok(p, path_len), "watch event path '%s'", p);
        FUZZ_CHECK(token_len <= XS_TOKEN_MAX, "watch event token of %zu bytes", token_len);
        return;
    }
    if (!from_ring)
        return;
    FUZZ_CHECK(g.count > 0, "reply (type %u, req_id %u) to no request", h->type, h->req_id);
    struct expect e = g.pending[g.head];
    g.head = (g.head + 1) % PENDING_MAX;
    g.count--;
    FUZZ_CHECK(h->req_id == e.req_id && h->tx_id == e.tx_id, "reply req_id %u tx_id %u, expected %u %u",
               h->req_id, h->tx_id, e.req_id, e.tx_id);
    if (h->type == XS_ERROR) {
        FUZZ_CHECK(is_error_name(p, h->len), "error reply '%.*s'", (int)h->len, p);
        return;
    }
    FUZZ_CHECK(h->type == e.type, "reply type %u to request type %u", h->type, e.type);
    check_payload(h->type, p, h->len);
}

/* Reads the rsp ring and checks every whole message it holds. */
static bool guest_get(void)
{
    uint32_t cons = ring->rsp_cons, avail = ring->rsp_prod - cons;
    /* Unless the guest moved the indices itself, ours stay within a ring of its. */
    FUZZ_CHECK(!g.synced || ring_stopped() || avail <= XENSTORE_RING_SIZE, "rsp_prod %u is %u ahead of rsp_cons",
               ring->rsp_prod, avail);
    if (!avail || avail > XENSTORE_RING_SIZE || g.stalled)
        return false;
    if (!g.synced) {
        ring->rsp_cons = cons + avail;      /* read and ignored */
        return true;
    }
    for (uint32_t i = 0; i < avail; i++)
        g.in[g.in_len++] = (uint8_t)ring->rsp[XENSTORE_RING_MASK(cons + i)];
    ring->rsp_cons = cons + avail;
    size_t at = 0;
    while (g.in_len - at >= sizeof(struct xsd_sockmsg)) {
        struct xsd_sockmsg h;
        memcpy(&h, g.in + at, sizeof h);
        FUZZ_CHECK(h.len <= XENSTORE_PAYLOAD_MAX, "message of %u bytes (type %u)", h.len, h.type);
        if (g.in_len - at < sizeof h + h.len)
            break;
        check_message(&h, (const char *)g.in + at + sizeof h, true);
        at += sizeof h + h.len;
    }
    memmove(g.in, g.in + at, g.in_len - at);
    g.in_len -= at;
    return true;
}

static void check_ring_indices(void)
{
    if (ring_stopped()) {
        FUZZ_CHECK(ring->error == xs->ring_error, "stopped with error %u, page says %u", xs->ring_error, ring->error);
        return;
    }
    if (!g.synced)
        return;     /* the guest wrote the indices: only the server's own view counts */
    FUZZ_CHECK(ring->req_cons == xs->req_cons && ring->rsp_prod == xs->rsp_prod, "published indices differ");
    FUZZ_CHECK(g.req_prod - ring->req_cons <= XENSTORE_RING_SIZE, "req_cons %u passed req_prod %u", ring->req_cons,
               g.req_prod);
}

/* Lets the server and the guest exchange everything they can. */
static void pump(void)
{
    for (unsigned round = 0; round < 512; round++) {
        if (ring_stopped()) {
            forget_requests();
            return;
        }
        bool progress = guest_put();
        progress |= xenstore_ring_process(xs, ring);
        check_ring_indices();
        progress |= guest_get();
        if (!progress && !xenstore_input_deferred(xs))
            break;
    }
    if (ring_stopped())
        forget_requests();
}

/* ---- What the guest may not touch ---------------------------------------------------- */

static bool guest_may_write(const struct xs_perms *p)
{
    unsigned have = GUEST == p->extra_domid ? p->extra_perm : p->others;
    return p->owner == GUEST || (have & XS_PERM_WRITE);
}

/* A word at a time (values reach 1 KiB, and every check hashes them all). */
static uint64_t hash_bytes(uint64_t h, const void *data, size_t len)
{
    const uint8_t *b = data;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, b + i, sizeof w);
        h = (h ^ w) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 29;
    }
    for (; i < len; i++)
        h = (h ^ b[i]) * 0x100000001B3ull;
    return h;
}

static int cmp_len(const void *a, const void *b)
{
    const struct xs_node *x = &xs->node[*(const int *)a], *y = &xs->node[*(const int *)b];
    return x->path_len < y->path_len ? -1 : x->path_len > y->path_len;
}

/* The committed tree as the permission check sees it: per node, hashes of
 * its path, its parent's path and its contents (value and permissions), and
 * whether it is guarded: neither it nor an ancestor lets the guest write.
 * Nodes below CB_DIR (where Keel's callbacks write) are left out. */
struct tree_node {
    uint64_t path, parent, contents;
    bool guarded;
};

struct tree {
    struct tree_node n[XS_NODES_MAX];
    unsigned count;
};

/* Committed nodes by path hash: open addressing, twice the node table. */
#define SLOTS (2 * XS_NODES_MAX)
static struct {
    uint64_t hash;
    int node;       /* -1: empty */
} slot[SLOTS];

static const char *path_of(int i)
{
    return (const char *)&xs->arena[xs->node[i].str_off];
}

/* The slot for a path (hash h), holding it or empty. */
static unsigned find_slot(uint64_t h, const char *p, size_t len)
{
    unsigned s = (unsigned)(h % SLOTS);
    while (slot[s].node >= 0 && !(slot[s].hash == h && xs->node[slot[s].node].path_len == len &&
                                  memcmp(path_of(slot[s].node), p, len) == 0))
        s = (s + 1) % SLOTS;
    return s;
}

static int cmp_tree_node(const void *a, const void *b)
{
    uint64_t x = ((const struct tree_node *)a)->path, y = ((const struct tree_node *)b)->path;
    return x < y ? -1 : x > y;
}

static void read_tree(struct tree *t)
{
    static int order[XS_NODES_MAX];
    static bool guarded[XS_NODES_MAX];
    unsigned n = 0;
    for (unsigned i = 0; i < SLOTS; i++)
        slot[i].node = -1;
    for (int i = 0; i < XS_NODES_MAX; i++) {
        if (xs->node[i].state == XS_NODE_LIVE)
            order[n++] = i;
    }
    qsort(order, n, sizeof order[0], cmp_len);    /* parents before children */
    t->count = 0;
    for (unsigned k = 0; k < n; k++) {
        const struct xs_node *nd = &xs->node[order[k]];
        const char *p = path_of(order[k]);
        /* FNV-1a goes byte by byte: the parent's hash is the state at its last byte. */
        size_t plen = 0;
        for (size_t i = 1; i < nd->path_len; i++) {
            if (p[i] == '/')
                plen = i;
        }
        plen = plen ? plen : 1;
        uint64_t h = 0xCBF29CE484222325ull, h_parent = 0;
        for (size_t i = 0; i < nd->path_len; i++) {
            h = (h ^ (uint8_t)p[i]) * 0x100000001B3ull;
            if (i + 1 == plen)
                h_parent = h;
        }
        bool parent_guarded = true;
        if (nd->path_len > 1) {
            int parent = slot[find_slot(h_parent, p, plen)].node;
            parent_guarded = parent >= 0 && guarded[parent];
        }
        unsigned s = find_slot(h, p, nd->path_len);
        slot[s].hash = h;
        slot[s].node = order[k];
        guarded[order[k]] = parent_guarded && !guest_may_write(&nd->perms);
        if (nd->path_len >= sizeof CB_DIR - 1 && memcmp(p, CB_DIR, sizeof CB_DIR - 1) == 0)
            continue;
        uint64_t c = hash_bytes(h, p + nd->path_len, nd->value_len);
        c = hash_bytes(c, &nd->value_len, sizeof nd->value_len);
        c = hash_bytes(c, &nd->perms.owner, sizeof nd->perms.owner);
        c = hash_bytes(c, &nd->perms.extra_domid, sizeof nd->perms.extra_domid);
        c = hash_bytes(c, &nd->perms.others, 1);
        c = hash_bytes(c, &nd->perms.extra_perm, 1);
        t->n[t->count++] = (struct tree_node){ h, nd->path_len > 1 ? h_parent : 0, c, guarded[order[k]] };
    }
    qsort(t->n, t->count, sizeof t->n[0], cmp_tree_node);
}

static const struct tree_node *tree_find(const struct tree *t, uint64_t path)
{
    struct tree_node key = { .path = path };
    return bsearch(&key, t->n, t->count, sizeof t->n[0], cmp_tree_node);
}

/* The guest cannot change, remove or add a child to a node that was
 * guarded before its request; nodes it gave up its own rights to may
 * become guarded, which is fine. */
static void check_guarded(const struct tree *before, const struct tree *after, const char *what)
{
    for (unsigned i = 0; i < before->count; i++) {
        const struct tree_node *b = &before->n[i];
        if (!b->guarded)
            continue;
        const struct tree_node *a = tree_find(after, b->path);
        FUZZ_CHECK(a && a->contents == b->contents, "%s %s a node the guest may not write", what,
                   a ? "changed" : "removed");
    }
    for (unsigned i = 0; i < after->count; i++) {
        const struct tree_node *a = &after->n[i], *parent = tree_find(before, a->parent);
        FUZZ_CHECK(!parent || !parent->guarded || tree_find(before, a->path),
                   "%s created a node below one the guest may not write", what);
    }
}

static void check_store(const char *after)
{
    char why[256];
    const char *err = xenstore_check(xs, true, why, sizeof why);
    FUZZ_CHECK(!err, "after %s: %s", after, err);
}

struct snapshot {
    unsigned nodes, callbacks;
    uint32_t bytes;
};

/* The tree as the last check left it, and the one being read. */
static struct tree tree_now, tree_next;

static struct snapshot snap(void)
{
    return (struct snapshot){ xs->nodes_used, callback_writes, xs->arena_live };
}

/* After Keel's own calls, which may change anything. */
static void check_keel_op(const char *what)
{
    check_store(what);
    read_tree(&tree_now);
}

/* After a guest operation: nothing guarded moved, and the guest kept out of Keel's reserve. */
static void check_guest_op(const struct snapshot *before, const char *what)
{
    check_store(what);
    read_tree(&tree_next);
    check_guarded(&tree_now, &tree_next, what);
    tree_now = tree_next;
    if (callback_writes != before->callbacks)
        return;     /* Keel's callbacks wrote too: their room is Keel's */
    FUZZ_CHECK(xs->nodes_used <= before->nodes || xs->nodes_used <= XS_NODES_MAX - XS_KEEL_RESERVED_NODES,
               "%s: the guest took Keel's reserved nodes (%u used)", what, xs->nodes_used);
    FUZZ_CHECK(xs->arena_live <= before->bytes || xs->arena_live <= XS_ARENA_SIZE - XS_KEEL_RESERVED_BYTES,
               "%s: the guest took Keel's reserved bytes (%u live)", what, xs->arena_live);
}

/* ---- Keel's internal watches ------------------------------------------------------------ */

/* Callbacks that converge: each writes only what changes. */
static void cb_mark_seen(void *ctx, const char *path)
{
    (void)ctx;
    (void)path;
    char buf[8];
    if (xs_read(xs, CB_DIR "/seen", buf, sizeof buf) != XS_OK || strcmp(buf, "1") != 0) {
        callback_writes++;
        xs_write(xs, CB_DIR "/seen", "1");
    }
}

static void cb_record_path(void *ctx, const char *path)
{
    (void)ctx;
    char buf[XS_PATH_MAX + 1];
    if (xs_read(xs, CB_DIR "/last", buf, sizeof buf) != XS_OK || strcmp(buf, path) != 0) {
        callback_writes++;
        xs_write(xs, CB_DIR "/last", path);
    }
}

/* Like vbd.c's frontend watch: mirrors a frontend state into the backend's. */
static void cb_backend_state(void *ctx, const char *path)
{
    (void)ctx;
    (void)path;
    char fe[16], be[16];
    if (xs_read(xs, FRONT "/state", fe, sizeof fe) != XS_OK || strlen(fe) != 1)
        return;
    if (xs_read(xs, CB_DIR "/state", be, sizeof be) != XS_OK || strcmp(fe, be) != 0) {
        callback_writes++;
        xs_write(xs, CB_DIR "/state", fe);
    }
}

static void cb_unwatch_self(void *ctx, const char *path)
{
    (void)path;
    xs_unwatch_internal(xs, (const char *)ctx, cb_unwatch_self, ctx);
}

/* ---- Building requests from the input ------------------------------------------------ */

static const char *const words[] = {
    "local", "domain", "0", "5", "7", "backend", "vbd", "51712", "device", "state", "ring-ref",
    "event-channel", "data", "a", "b", "t", "x", "cb", "seen", "frontend", "protocol", "control",
    "feature-barrier", "@releaseDomain", "memory", "name", "vif", "error", "A-Za_z09", "last", "secret",
};
#define NWORDS (sizeof words / sizeof words[0])

/* A path argument (NUL-terminated, maybe invalid) into buf[XS_PATH_MAX + 64]. */
static size_t make_path(struct fuzz_input *in, char *buf, size_t cap)
{
    uint8_t f = fin_u8(in);
    static const char *const prefixes[] = { "/", HOME "/", BACK "/", "" };
    const char *prefix = f & 1 ? prefixes[(f >> 1) & 3] : "";
    size_t len = 0;
    if ((f & 0xE0) == 0xE0) {   /* raw bytes: invalid characters, embedded slashes */
        len = fin_u8(in) % 40;
        fin_bytes(in, buf, len);
        buf[len] = '\0';
        return strlen(buf);
    }
    len = (size_t)snprintf(buf, cap, "%s", prefix);
    unsigned comps = (f >> 3) & 7;
    for (unsigned i = 0; i < comps && len < cap - 40; i++) {
        uint8_t w = fin_u8(in);
        const char *sep = i ? "/" : "";
        if (w == 0xFF) {        /* a long component, up to past XS_PATH_MAX */
            size_t n = fin_u8(in);
            len += (size_t)snprintf(buf + len, cap - len, "%s", sep);
            for (size_t k = 0; k < n && len < cap - 2; k++)
                buf[len++] = 'z';
            buf[len] = '\0';
        } else {
            len += (size_t)snprintf(buf + len, cap - len, "%s%s", sep, words[w % NWORDS]);
        }
    }
    if ((f & 0xE0) == 0xC0 && len < cap - 1) {    /* a trailing slash */
        buf[len++] = '/';
        buf[len] = '\0';
    }
    return len;
}

/* A value: raw bytes from the input, or a long run of one byte. */
static size_t make_value(struct fuzz_input *in, uint8_t *buf, size_t cap)
{
    uint8_t f = fin_u8(in);
    if (f < 0xC0)
        return fin_bytes(in, buf, f % 64 < cap ? f % 64 : cap);
    size_t n = fin_u16(in) % (XS_VALUE_MAX + 80);
    if (n > cap)
        n = cap;
    memset(buf, 'a' + f % 26, n);
    return n;
}

/* The transaction id for a request: none, an open one, or any number. */
static uint32_t make_tx(struct fuzz_input *in)
{
    uint8_t t = fin_u8(in);
    if (t < 0x80)
        return 0;
    if (t < 0xF0) {
        unsigned t_slot = t % XS_TRANSACTIONS_MAX;
        return xs->tx[t_slot].in_use ? xs->tx[t_slot].id : 0;
    }
    return fin_u32(in);
}

/* A guest request's type and payload; returns the payload length. */
static uint32_t make_request(struct fuzz_input *in, uint32_t *type, char *p)
{
    static const uint8_t types[] = { XS_READ, XS_WRITE, XS_WRITE, XS_WRITE, XS_MKDIR, XS_RM, XS_RM,
                                     XS_DIRECTORY, XS_GET_PERMS, XS_SET_PERMS, XS_SET_PERMS, XS_WATCH,
                                     XS_WATCH, XS_UNWATCH, XS_TRANSACTION_START, XS_TRANSACTION_START,
                                     XS_TRANSACTION_END, XS_TRANSACTION_END, XS_GET_DOMAIN_PATH,
                                     XS_RESET_WATCHES, XS_INTRODUCE, XS_RESTRICT, XS_DIRECTORY_PART,
                                     XS_WATCH_EVENT, XS_ERROR, XS_CONTROL };
    *type = types[fin_u8(in) % sizeof types];
    size_t len = make_path(in, p, XS_PATH_MAX + 64) + 1;
    switch (*type) {
    case XS_WRITE:
        len += make_value(in, (uint8_t *)p + len, XENSTORE_PAYLOAD_MAX - len);
        break;
    case XS_WATCH:
    case XS_UNWATCH: {
        uint8_t t = fin_u8(in);
        if (t == 0xFF)  /* an oversize token */
            len += (size_t)snprintf(p + len, 200, "%0150d", 7) + 1;
        else
            len += (size_t)snprintf(p + len, 16, "tok%u", t % 4) + 1;
        break;
    }
    case XS_SET_PERMS: {
        unsigned entries = fin_u8(in) % 4;
        for (unsigned i = 0; i < entries; i++) {
            uint8_t e = fin_u8(in);
            static const uint16_t domids[] = { 0, GUEST, 7, 65535, 65536u & 0xffff };
            len += (size_t)snprintf(p + len, 16, "%c%u", "nrwbx"[e % 5], domids[(e >> 3) % 5]) + 1;
        }
        break;
    }
    case XS_TRANSACTION_START:
        p[0] = '\0';
        len = 1;
        break;
    case XS_TRANSACTION_END: {
        uint8_t e = fin_u8(in);
        len = (size_t)snprintf(p, 4, "%s", e < 0x70 ? "T" : e < 0xE0 ? "F" : "X") + 1;
        break;
    }
    case XS_GET_DOMAIN_PATH:
        len = (size_t)snprintf(p, 12, "%u", fin_u16(in) % 70000) + 1;
        break;
    default:
        break;
    }
    if (fin_u8(in) == 0xA5 && len > 1)
        len--;      /* drop the final NUL */
    return (uint32_t)len;
}

/* ---- Operations ------------------------------------------------------------------------ */

static char payload[XENSTORE_PAYLOAD_MAX + 256];

/* One request; `now` false leaves it queued, so that many reach the ring together. */
static void op_ring_request(struct fuzz_input *in, uint32_t *req_id, bool now)
{
    uint32_t type, tx = make_tx(in);
    uint32_t len = make_request(in, &type, payload);
    queue_request(type, (*req_id)++, tx, payload, len, len);
    if (now)
        pump();
}

static void op_raw_frame(struct fuzz_input *in, bool now)
{
    uint32_t type = fin_u8(in), req_id = fin_u32(in), tx = make_tx(in);
    uint32_t len = fin_u16(in) % (XENSTORE_PAYLOAD_MAX + 64), claimed = len;
    if (fin_u8(in) == 0xEE)
        claimed = fin_u32(in);  /* a header that lies about its length */
    size_t got = fin_bytes(in, payload, len < 512 ? len : 512);
    if (len > got)
        memset(payload + got, 'r', len - got);
    if (len > XENSTORE_PAYLOAD_MAX)
        len = (uint32_t)got;    /* an oversize header: what follows hardly matters */
    queue_request(type, req_id, tx, payload, len, claimed);
    if (now)
        pump();
}

/* The guest writes whatever it likes into the shared page. */
static void op_scribble(struct fuzz_input *in)
{
    uint8_t what = fin_u8(in);
    uint32_t v = what & 0x80 ? fin_u32(in) : (uint32_t)(int32_t)(int8_t)fin_u8(in);
    switch (what % 8) {
    case 0: ring->req_prod = what & 0x80 ? v : ring->req_prod + v; g.req_prod = ring->req_prod; break;
    case 1: ring->rsp_cons = what & 0x80 ? v : ring->rsp_cons + v; break;
    case 2: ring->req_cons = what & 0x80 ? v : ring->req_cons + v; break;
    case 3: ring->rsp_prod = what & 0x80 ? v : ring->rsp_prod + v; break;
    case 4: ring->error = v; break;
    case 5: ring->server_features = v; ring->connection = v >> 8; break;
    default:
        ((char *)ring)[fin_u16(in) % 2048] = (char)v;     /* request or response bytes in flight */
        break;
    }
    g.synced = false;
    forget_requests();
    pump();
}

/* One guest WRITE (value_len bytes) or RM through xenstore_handle_request; true if it succeeded. */
static bool burst_request(uint32_t type, const char *path, size_t value_len, uint32_t tx, uint32_t *req_id)
{
    static uint8_t req[XS_MSG_MAX], reply[XS_MSG_MAX];
    size_t plen = strlen(path) + 1;
    uint32_t len = (uint32_t)(plen + value_len);
    struct xsd_sockmsg h = { type, (*req_id)++, tx, len }, r;
    memcpy(req, &h, sizeof h);
    memcpy(req + sizeof h, path, plen);
    memset(req + sizeof h + plen, 'v', value_len);
    trace_bytes("burst request", h.type, h.req_id, h.tx_id, req + sizeof h, len);
    size_t n = xenstore_handle_request(xs, req, sizeof h + len, reply, sizeof reply);
    memcpy(&r, reply, sizeof r);
    trace_bytes("  reply", r.type, r.req_id, r.tx_id, reply + sizeof r, r.len);
    FUZZ_CHECK(n == sizeof r + r.len && r.len <= XENSTORE_PAYLOAD_MAX, "burst reply framing");
    FUZZ_CHECK(r.type == h.type || r.type == XS_ERROR, "burst reply type %u", r.type);
    return r.type == h.type;
}

/* Many requests at once, through xenstore_handle_request. Count 0xFF writes
 * and removes until the arena's top is within a chosen number of bytes of
 * its end, as a guest that keeps track of it can. Otherwise flags bits 6-7:
 * write and remove one node again and again (the top climbs to compaction;
 * two paths), write distinct nodes (the store fills up, a commit queues
 * many changes), or set watches on "data" with distinct tokens; bits 0-5
 * size the values. */
static void op_burst(struct fuzz_input *in, uint32_t *req_id)
{
    uint8_t c = fin_u8(in), f = fin_u8(in);
    uint32_t tx = make_tx(in);
    char path[32];
    if (c == 0xFF) {
        const char *node = f & 0x80 ? "data/b" : "data/big/x";
        size_t plen = strlen(HOME "/") + strlen(node), stop = f & 0x3F;
        for (unsigned i = 0; i < 256; i++) {
            size_t room = XS_ARENA_SIZE - xs->arena_top;
            if (room < stop + plen + 1)
                break;
            size_t value_len = room - stop - plen;
            if (value_len > XS_VALUE_MAX)
                value_len = XS_VALUE_MAX;
            if (!burst_request(XS_WRITE, node, value_len, tx, req_id) || !burst_request(XS_RM, node, 0, tx, req_id))
                break;
        }
        return;
    }
    size_t value_len = (f & 0x3F) == 0x3F ? XS_VALUE_MAX : (f & 0x3F) * 16u;
    for (unsigned i = 0; i < c % 128 + 1u; i++) {
        switch (f >> 6) {
        case 0:
        case 1:
            snprintf(path, sizeof path, "%s", f & 0x40 ? "data/big/x" : "data/b");
            burst_request(i & 1 ? XS_RM : XS_WRITE, path, i & 1 ? 0 : value_len, tx, req_id);
            break;
        case 2:
            snprintf(path, sizeof path, "data/n%u", i);
            burst_request(XS_WRITE, path, value_len, tx, req_id);
            break;
        default: {  /* watches on "data" with distinct tokens: each change there fires them all */
            static uint8_t req[64], reply[XS_MSG_MAX];
            int n_token = snprintf(path, sizeof path, "w%u", i) + 1;
            struct xsd_sockmsg h = { XS_WATCH, (*req_id)++, 0, (uint32_t)(sizeof "data" + n_token) };
            memcpy(req, &h, sizeof h);
            memcpy(req + sizeof h, "data", sizeof "data");
            memcpy(req + sizeof h + sizeof "data", path, (size_t)n_token);
            size_t n = xenstore_handle_request(xs, req, sizeof h + h.len, reply, sizeof reply);
            FUZZ_CHECK(n >= sizeof h, "watch burst reply");
            break;
        }
        }
    }
}

/* xenstore_handle_request with any bytes: the reply must still be well framed. */
static void op_direct(struct fuzz_input *in, uint32_t *req_id)
{
    static uint8_t req[XS_MSG_MAX + 64], reply[XS_MSG_MAX];
    size_t req_len;
    struct xsd_sockmsg h = { 0 };
    if (fin_u8(in) & 1) {
        h.type = 0;
        h.tx_id = make_tx(in);
        h.req_id = (*req_id)++;
        h.len = make_request(in, &h.type, (char *)req + sizeof h);
        memcpy(req, &h, sizeof h);
        req_len = sizeof h + h.len;
    } else {
        req_len = fin_u8(in) % 48;
        fin_bytes(in, req, req_len);
        if (req_len >= sizeof h)
            memcpy(&h, req, sizeof h);
    }
    trace_bytes("direct request", h.type, h.req_id, h.tx_id, req + sizeof h,
                req_len >= sizeof h ? (uint32_t)(req_len - sizeof h) : 0);
    size_t n = xenstore_handle_request(xs, req, req_len, reply, sizeof reply);
    struct xsd_sockmsg r;
    FUZZ_CHECK(n >= sizeof r, "direct reply of %zu bytes", n);
    memcpy(&r, reply, sizeof r);
    trace_bytes("  reply", r.type, r.req_id, r.tx_id, reply + sizeof r, r.len);
    FUZZ_CHECK(n == sizeof r + r.len && r.len <= XENSTORE_PAYLOAD_MAX, "direct reply framing: %zu, len %u", n, r.len);
    if (req_len >= sizeof h)
        FUZZ_CHECK(r.req_id == h.req_id && r.tx_id == h.tx_id, "direct reply ids");
    if (r.type == XS_ERROR)
        FUZZ_CHECK(is_error_name((const char *)reply + sizeof r, r.len), "direct error reply");
    else
        FUZZ_CHECK(r.type == h.type && req_len == sizeof h + h.len, "direct reply type %u to %u", r.type, h.type);
    if (r.type != XS_ERROR)
        check_payload(r.type, (const char *)reply + sizeof r, r.len);
    pump();     /* watch events it queued */
}

static void op_keel(struct fuzz_input *in)
{
    char path[XS_PATH_MAX + 64], buf[XS_VALUE_MAX + 1];
    uint8_t what = fin_u8(in);
    make_path(in, path, sizeof path);
    if (trace)
        fprintf(stderr, "keel call %u on '%s'\n", what % 8, path);
    switch (what % 8) {
    case 6: {
        struct xs_perms perms;
        if (xs_get_perms(xs, path, &perms) == XS_OK)
            FUZZ_CHECK(perms.others <= XS_PERM_BOTH && perms.extra_perm <= XS_PERM_BOTH, "permissions of '%s'", path);
        break;
    }
    case 7:
        xs_printf(xs, path, "%u-%s", what, fin_u8(in) & 1 ? "x" : "");
        break;
    case 0: {
        size_t n = make_value(in, (uint8_t *)buf, XS_VALUE_MAX);
        for (size_t i = 0; i < n; i++)
            buf[i] = buf[i] ? buf[i] : '0';     /* Keel's values are C strings */
        buf[n] = '\0';
        xs_write(xs, path, buf);
        break;
    }
    case 1: xs_rm(xs, path); break;
    case 2: xs_mkdir(xs, path); break;
    case 3: {
        uint8_t p = fin_u8(in);
        xs_set_perms(xs, path, p & 0x40 ? GUEST : 0, (enum xs_perm)(p & 3), p & 0x80 ? GUEST : XS_DOMID_NONE,
                     (enum xs_perm)((p >> 2) & 3));
        break;
    }
    case 4: {
        uint64_t v;
        xs_read(xs, path, buf, fin_u8(in) % sizeof buf);
        xs_read_u64(xs, path, &v);
        xs_exists(xs, path);
        break;
    }
    default: {
        static const xs_watch_fn fns[] = { cb_mark_seen, cb_record_path, cb_backend_state, cb_unwatch_self };
        static char self_path[XS_PATH_MAX + 64];
        uint8_t f = fin_u8(in);
        xs_watch_fn fn = fns[f % 4];
        void *ctx = fn == cb_unwatch_self ? self_path : NULL;
        if (fn == cb_unwatch_self)
            memcpy(self_path, path, sizeof self_path);
        if (f & 0x80)
            xs_unwatch_internal(xs, path, fn, ctx);
        else
            xs_watch_internal(xs, path, fn, ctx);
        break;
    }
    }
    pump();     /* events for the guest's watches */
}

/* vbd.c's nodes for one disk, and its frontend watch. */
static void setup_store(void)
{
    xenstore_init(xs, GUEST);
    xs_mkdir(xs, BACK);
    xs_set_perms(xs, BACK, XS_KEEL_DOMID, XS_PERM_NONE, GUEST, XS_PERM_READ);
    xs_write(xs, BACK "/frontend", FRONT);
    xs_write(xs, BACK "/frontend-id", "5");
    xs_write(xs, BACK "/mode", "w");
    xs_write(xs, BACK "/feature-max-indirect-segments", "256");
    xs_write(xs, BACK "/state", "2");
    xs_write(xs, FRONT "/backend", BACK);
    xs_write(xs, FRONT "/backend-id", "0");
    xs_write(xs, FRONT "/state", "1");
    xs_mkdir(xs, "/local/domain/0/secret");     /* no access for the guest at all */
    xs_write(xs, "/local/domain/0/secret/key", "hidden");
    xs_watch_internal(xs, FRONT, cb_backend_state, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct xenstore *initial;    /* setup_store's result, copied for each input */
    static struct tree initial_tree;
    if (!initial) {
        initial = calloc(1, sizeof *initial);
        xs = calloc(1, sizeof *xs);
        ring = aligned_alloc(4096, 4096);   /* exactly the page: ASan sees any access past it */
        if (!initial || !xs || !ring)
            abort();
        trace = getenv("FUZZ_TRACE") != NULL;
        setup_store();
        check_keel_op("setup");
        memcpy(initial, xs, sizeof *xs);
        initial_tree = tree_now;
    }
    struct fuzz_input in = { data, size };
    memcpy(xs, initial, sizeof *xs);
    tree_now = initial_tree;
    callback_writes = 0;
    guest_start();

    uint32_t req_id = 1;
    for (unsigned ops = 0; in.left && ops < OPS_MAX; ops++) {
        uint8_t op = fin_u8(&in);
        struct snapshot before = snap();
        switch (op % 12) {
        case 0: case 1: case 2:
            op_ring_request(&in, &req_id, (op / 12) % 2 == 0);
            check_guest_op(&before, "a ring request");
            break;
        case 3:
            op_raw_frame(&in, (op / 12) % 2 == 0);
            check_guest_op(&before, "a raw frame");
            break;
        case 4:
            op_scribble(&in);
            check_guest_op(&before, "scribbling on the ring");
            break;
        case 5:
            op_burst(&in, &req_id);
            pump();
            check_guest_op(&before, "a burst of writes");
            break;
        case 6:
            op_direct(&in, &req_id);
            check_guest_op(&before, "a direct request");
            break;
        case 7:
            op_keel(&in);
            check_keel_op("a Keel call");
            break;
        case 8:
            guest_reset();
            check_guest_op(&before, "a connection reset");
            break;
        case 9:
            pump();
            check_guest_op(&before, "a pump");
            break;
        case 10:    /* the guest stops (or resumes) reading responses: backpressure, dropped events */
            g.stalled = !g.stalled;
            pump();
            check_guest_op(&before, "stalling the guest");
            break;
        default: {  /* a caller that takes the queued output itself: the guest misses it */
            static uint8_t taken[XS_OUT_SIZE];
            size_t n = xenstore_take_output(xs, taken, fin_u16(&in));
            FUZZ_CHECK(n <= sizeof taken, "took %zu bytes", n);
            g.synced = false;
            forget_requests();
            check_guest_op(&before, "taking the output");
            break;
        }
        }
    }

    /* Every request sent on a working, framed connection got its reply. */
    g.stalled = false;
    pump();
    FUZZ_CHECK(!g.synced || ring_stopped() || (g.count == 0 && g.out_len == 0),
               "%u replies missing, %zu request bytes unsent", g.count, g.out_len);
    return 0;
}
