/* SPDX-License-Identifier: BSD-2-Clause */
/* Host-side consistency check of a struct xenstore (see xenstore_check.h); single-threaded. */
#include "tests/common/xenstore_check.h"
#include "pvio/xen/xenstore_internal.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *fail(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static const char *fail(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return buf;
}

static bool path_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '@';
}

/* "/" or '/'-separated non-empty components of valid characters. */
static bool path_ok(const char *p, size_t len)
{
    if (len == 0 || len > XS_PATH_MAX || p[0] != '/')
        return false;
    if (len == 1)
        return true;
    if (p[len - 1] == '/')
        return false;
    for (size_t i = 1; i < len; i++) {
        if (p[i] == '/' ? p[i - 1] == '/' : !path_char_ok(p[i]))
            return false;
    }
    return true;
}

/* A NUL within cap bytes, at `len` if len is given (not SIZE_MAX). */
static bool terminated(const char *s, size_t cap, size_t len)
{
    const char *nul = memchr(s, '\0', cap);
    return nul && (len == SIZE_MAX || (size_t)(nul - s) == len);
}

/* memcmp, as a plain loop: under libFuzzer every memcmp call is traced for
 * the mutator, and the checker's sorts made that most of a run's time. */
static int bytes_cmp(const uint8_t *a, const uint8_t *b, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {    /* paths share long prefixes: skip them a word at a time */
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y)
            break;
    }
    for (; i < n; i++) {
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    }
    return 0;
}

/* qsort has no context argument: the store being checked. */
static const struct xenstore *sort_xs;

static int cmp_offset(const void *a, const void *b)
{
    uint32_t x = sort_xs->node[*(const int *)a].str_off, y = sort_xs->node[*(const int *)b].str_off;
    return x < y ? -1 : x > y;
}

/* By transaction (0 for committed nodes), then path bytes, then length. */
static int cmp_path(const void *a, const void *b)
{
    const struct xs_node *x = &sort_xs->node[*(const int *)a], *y = &sort_xs->node[*(const int *)b];
    unsigned tx = x->state == XS_NODE_LIVE ? 0 : x->tx, ty = y->state == XS_NODE_LIVE ? 0 : y->tx;
    if (tx != ty)
        return tx < ty ? -1 : 1;
    size_t n = x->path_len < y->path_len ? x->path_len : y->path_len;
    int c = bytes_cmp(&sort_xs->arena[x->str_off], &sort_xs->arena[y->str_off], n);
    if (c)
        return c;
    return x->path_len < y->path_len ? -1 : x->path_len > y->path_len;
}

/* Is there a committed node at p[0..len) among the sorted indices? */
static bool live_exists(const struct xenstore *xs, const int *sorted, unsigned n, const char *p, size_t len)
{
    unsigned lo = 0, hi = n;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        const struct xs_node *m = &xs->node[sorted[mid]];
        if (m->state != XS_NODE_LIVE) {
            hi = mid;   /* committed nodes sort first (tx 0) */
            continue;
        }
        size_t k = m->path_len < len ? m->path_len : len;
        int c = bytes_cmp(&xs->arena[m->str_off], (const uint8_t *)p, k);
        if (!c)
            c = m->path_len < len ? -1 : m->path_len > len;
        if (!c)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static const char *check_nodes(const struct xenstore *xs, char *buf, size_t size)
{
    static int used[XS_NODES_MAX];
    unsigned n = 0;
    uint64_t live_bytes = 0;

    if (xs->arena_top > XS_ARENA_SIZE || xs->arena_live > xs->arena_top)
        return fail(buf, size, "arena top %u, live %u", xs->arena_top, xs->arena_live);
    for (int i = 0; i < XS_NODES_MAX; i++) {
        const struct xs_node *nd = &xs->node[i];
        if (nd->state == XS_NODE_FREE) {
            if (nd->str_off || nd->path_len || nd->path_hash || nd->value_len || nd->gen || nd->base_gen || nd->tx || nd->opaque)
                return fail(buf, size, "free node %d not cleared", i);
            continue;
        }
        if (nd->state > XS_NODE_TX_GONE)
            return fail(buf, size, "node %d: state %u", i, nd->state);
        uint64_t end = (uint64_t)nd->str_off + nd->path_len + nd->value_len;
        if (end > xs->arena_top)
            return fail(buf, size, "node %d: string [%u, %llu) beyond arena top %u", i, nd->str_off,
                        (unsigned long long)end, xs->arena_top);
        if (nd->value_len > XS_VALUE_MAX)
            return fail(buf, size, "node %d: value of %u bytes", i, nd->value_len);
        if (!path_ok((const char *)&xs->arena[nd->str_off], nd->path_len))
            return fail(buf, size, "node %d: malformed path '%.*s'", i, (int)nd->path_len,
                        (const char *)&xs->arena[nd->str_off]);
        if (nd->path_hash != xs_path_hash((const char *)&xs->arena[nd->str_off], nd->path_len))
            return fail(buf, size, "node %d: path hash does not match '%.*s'", i, (int)nd->path_len,
                        (const char *)&xs->arena[nd->str_off]);
        if (nd->state == XS_NODE_LIVE) {
            if (nd->tx || nd->opaque || nd->base_gen)
                return fail(buf, size, "node %d: committed with transaction fields", i);
            if (!nd->gen || nd->gen > xs->gen)
                return fail(buf, size, "node %d: gen %u, store gen %u", i, nd->gen, xs->gen);
        } else {
            if (nd->tx < 1 || nd->tx > XS_TRANSACTIONS_MAX || !xs->tx[nd->tx - 1].in_use)
                return fail(buf, size, "node %d: record of closed transaction %u", i, nd->tx);
            if (nd->state == XS_NODE_TX_GONE && (nd->value_len || !nd->opaque))
                return fail(buf, size, "node %d: removal with a value or not opaque", i);
        }
        live_bytes += nd->path_len + nd->value_len;
        used[n++] = i;
    }
    if (n != xs->nodes_used)
        return fail(buf, size, "nodes_used %u, counted %u", xs->nodes_used, n);
    if (live_bytes != xs->arena_live)
        return fail(buf, size, "arena_live %u, counted %llu", xs->arena_live, (unsigned long long)live_bytes);

    /* The path index holds each non-free node once, reachable from its home
     * slot without crossing an empty one. */
    static unsigned char indexed[XS_NODES_MAX];
    memset(indexed, 0, sizeof indexed);
    unsigned entries = 0;
    for (unsigned s = 0; s < XS_INDEX_SLOTS; s++) {
        if (!xs->index[s])
            continue;
        int i = xs->index[s] - 1;
        if (i >= XS_NODES_MAX || xs->node[i].state == XS_NODE_FREE || indexed[i]++)
            return fail(buf, size, "index slot %u: node %d is free, out of range or indexed twice", s, i);
        for (unsigned at = xs->node[i].path_hash % XS_INDEX_SLOTS; at != s; at = (at + 1) % XS_INDEX_SLOTS)
            if (!xs->index[at])
                return fail(buf, size, "index slot %u: node %d unreachable from its home slot", s, i);
        entries++;
    }
    if (entries != xs->nodes_used)
        return fail(buf, size, "index holds %u nodes, %u in use", entries, xs->nodes_used);

    /* Compaction assumes every string is owned by one node alone. */
    sort_xs = xs;
    qsort(used, n, sizeof used[0], cmp_offset);
    for (unsigned k = 1; k < n; k++) {
        const struct xs_node *a = &xs->node[used[k - 1]], *b = &xs->node[used[k]];
        if (a->str_off + a->path_len + a->value_len > b->str_off)
            return fail(buf, size, "nodes %d and %d: strings overlap at %u", used[k - 1], used[k], b->str_off);
    }

    qsort(used, n, sizeof used[0], cmp_path);
    unsigned live = 0;
    for (unsigned k = 0; k < n; k++) {
        if (xs->node[used[k]].state == XS_NODE_LIVE)
            live++;
        if (k && cmp_path(&used[k - 1], &used[k]) == 0)
            return fail(buf, size, "nodes %d and %d: same path '%.*s'", used[k - 1], used[k],
                        (int)xs->node[used[k]].path_len, (const char *)&xs->arena[xs->node[used[k]].str_off]);
    }
    if (!live_exists(xs, used, live, "/", 1))
        return fail(buf, size, "no root node");
    for (unsigned k = 0; k < live; k++) {
        const struct xs_node *nd = &xs->node[used[k]];
        const char *p = (const char *)&xs->arena[nd->str_off];
        size_t len = nd->path_len;
        if (len == 1)
            continue;
        while (p[len - 1] != '/')
            len--;
        if (len > 1)
            len--;
        if (!live_exists(xs, used, live, p, len))
            return fail(buf, size, "node %d '%.*s': no parent", used[k], (int)nd->path_len, p);
    }
    return NULL;
}

static const char *check_rest(const struct xenstore *xs, bool idle, char *buf, size_t size)
{
    for (unsigned t = 0; t < XS_TRANSACTIONS_MAX; t++) {
        const struct xs_transaction *tx = &xs->tx[t];
        if (!tx->in_use) {
            if (tx->id)
                return fail(buf, size, "closed transaction slot %u keeps id %u", t, tx->id);
            continue;
        }
        if (!tx->id)
            return fail(buf, size, "transaction slot %u: id 0", t);
        for (unsigned u = 0; u < t; u++) {
            if (xs->tx[u].in_use && xs->tx[u].id == tx->id)
                return fail(buf, size, "transaction id %u twice", tx->id);
        }
    }
    for (unsigned i = 0; i < XS_GUEST_WATCHES_MAX; i++) {
        const struct xs_guest_watch *w = &xs->guest_watch[i];
        if (!w->in_use)
            continue;
        if (w->path_len > XS_PATH_MAX || !terminated(w->path, sizeof w->path, w->path_len) ||
            !terminated(w->token, sizeof w->token, SIZE_MAX))
            return fail(buf, size, "guest watch %u: unterminated path or token", i);
        if (w->path[0] == '@') {
            for (size_t k = 1; k < w->path_len; k++) {
                if (w->path[k] != '/' && !path_char_ok(w->path[k]))
                    return fail(buf, size, "guest watch %u: special path '%s'", i, w->path);
            }
        } else if (!path_ok(w->path, w->path_len)) {
            return fail(buf, size, "guest watch %u: malformed path '%s'", i, w->path);
        }
        if (w->relative && (w->path_len <= xs->home_len + 1u || memcmp(w->path, xs->home, xs->home_len) != 0 ||
                            w->path[xs->home_len] != '/'))
            return fail(buf, size, "guest watch %u: relative but '%s' not below home", i, w->path);
    }
    for (unsigned i = 0; i < XS_INTERNAL_WATCHES_MAX; i++) {
        const struct xs_internal_watch *w = &xs->internal_watch[i];
        if (w->fn && (!terminated(w->path, sizeof w->path, w->path_len) || !path_ok(w->path, w->path_len)))
            return fail(buf, size, "internal watch %u: malformed path", i);
    }
    if (xs->change_count > XS_CHANGES_MAX || xs->change_head >= XS_CHANGES_MAX)
        return fail(buf, size, "change queue head %u count %u", xs->change_head, xs->change_count);
    for (unsigned k = 0; k < xs->change_count; k++) {
        const struct xs_change *c = &xs->change[(xs->change_head + k) % XS_CHANGES_MAX];
        if (!terminated(c->path, sizeof c->path, c->path_len) || !path_ok(c->path, c->path_len))
            return fail(buf, size, "queued change %u: malformed path", k);
    }
    if (idle && (xs->change_count || xs->delivering))
        return fail(buf, size, "idle with %u undelivered changes%s", xs->change_count,
                    xs->delivering ? ", delivering" : "");
    if (xs->out_len > XS_OUT_SIZE || xs->out_head >= XS_OUT_SIZE || xs->in_len > XS_MSG_MAX)
        return fail(buf, size, "queues: out %u at %u, in %u", xs->out_len, xs->out_head, xs->in_len);
    char home[sizeof xs->home];
    int home_len = snprintf(home, sizeof home, "/local/domain/%u", (unsigned)xs->domid);
    if (home_len != xs->home_len || strcmp(home, xs->home) != 0)
        return fail(buf, size, "home '%s' for domain %u", xs->home, (unsigned)xs->domid);
    return NULL;
}

const char *xenstore_check(const struct xenstore *xs, bool idle, char *buf, size_t size)
{
    const char *err = check_nodes(xs, buf, size);
    return err ? err : check_rest(xs, idle, buf, size);
}
