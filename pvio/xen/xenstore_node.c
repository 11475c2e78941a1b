/* SPDX-License-Identifier: BSD-2-Clause */
/* Keel's xenstore, the store itself: error names, paths, the node table and its
 * string arena, views (what a transaction sees) and permissions (see xenstore.h
 * for the model); pure, under the VM's lock. */
#include "pvio/xen/xenstore_internal.h"

#include <string.h>

/* ==== Errors ======================================================================== */

static const char *const error_names[] = {
    [XS_OK] = "OK",             [XS_EINVAL] = "EINVAL",   [XS_EACCES] = "EACCES",
    [XS_EEXIST] = "EEXIST",     [XS_EISDIR] = "EISDIR",   [XS_ENOENT] = "ENOENT",
    [XS_ENOMEM] = "ENOMEM",     [XS_ENOSPC] = "ENOSPC",   [XS_EIO] = "EIO",
    [XS_ENOTEMPTY] = "ENOTEMPTY", [XS_ENOSYS] = "ENOSYS", [XS_EROFS] = "EROFS",
    [XS_EBUSY] = "EBUSY",       [XS_EAGAIN] = "EAGAIN",   [XS_EISCONN] = "EISCONN",
    [XS_E2BIG] = "E2BIG",
};

const char *xs_error_name(enum xs_error err)
{
    if ((unsigned)err >= sizeof error_names / sizeof error_names[0])
        return "EINVAL";
    return error_names[err];
}

/* ==== Paths ========================================================================= */

bool xs_path_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '@';
}

/* "/" or '/'-separated non-empty components of valid characters. */
static enum xs_error check_abs_path(const char *p, size_t len)
{
    if (len == 0 || p[0] != '/')
        return XS_EINVAL;
    if (len > XS_PATH_MAX)
        return XS_E2BIG;
    if (len == 1)
        return XS_OK;
    if (p[len - 1] == '/')
        return XS_EINVAL;
    for (size_t i = 1; i < len; i++) {
        if (p[i] == '/' ? p[i - 1] == '/' : !xs_path_char_ok(p[i]))
            return XS_EINVAL;
    }
    return XS_OK;
}

/* Is p strictly below anc? Everything but "/" is below "/". */
bool xs_path_below(const char *p, size_t len, const char *anc, size_t anc_len)
{
    if (anc_len == 1)
        return len > 1;
    return len > anc_len && p[anc_len] == '/' && memcmp(p, anc, anc_len) == 0;
}

bool xs_path_at_or_below(const char *p, size_t len, const char *anc, size_t anc_len)
{
    return (len == anc_len && memcmp(p, anc, len) == 0) || xs_path_below(p, len, anc, anc_len);
}

/* Length of p's parent path: "/a/b" -> 2 ("/a"), "/a" -> 1 ("/"). Not for "/". */
size_t xs_parent_len(const char *p, size_t len)
{
    while (len > 0 && p[len - 1] != '/')
        len--;
    return len > 1 ? len - 1 : 1;
}

bool xs_path_is_child(const char *p, size_t len, const char *dir, size_t dir_len)
{
    if (!xs_path_below(p, len, dir, dir_len))
        return false;
    size_t name = dir_len == 1 ? 1 : dir_len + 1;
    return memchr(p + name, '/', len - name) == NULL;
}

/* Keel's own paths: NUL-terminated, absolute. */
enum xs_error xs_keel_path(const char *path, size_t *len)
{
    const char *end = memchr(path, '\0', XS_PATH_MAX + 1);
    if (!end)
        return XS_E2BIG;
    *len = (size_t)(end - path);
    return check_abs_path(path, *len);
}

/* A guest path argument, made absolute into out[XS_PATH_MAX + 1]. */
enum xs_error xs_guest_path(const struct xenstore *xs, const char *arg, char *out, size_t *len)
{
    size_t arg_len = strlen(arg);
    if (arg_len == 0)
        return XS_EINVAL;
    if (arg[0] == '/') {
        if (arg_len > XS_PATH_MAX)
            return XS_E2BIG;
        memcpy(out, arg, arg_len);
        *len = arg_len;
    } else {
        *len = xs->home_len + 1u + arg_len;
        if (*len > XS_PATH_MAX)
            return XS_E2BIG;
        memcpy(out, xs->home, xs->home_len);
        out[xs->home_len] = '/';
        memcpy(out + xs->home_len + 1, arg, arg_len);
    }
    out[*len] = '\0';
    return check_abs_path(out, *len);
}

/* ==== Nodes and the string arena ==================================================== */

/* Arena bytes move when arena_alloc compacts: never hold these across it. */
const char *xs_node_path(const struct xenstore *xs, const struct xs_node *n)
{
    return (const char *)&xs->arena[n->str_off];
}

const char *xs_node_value(const struct xenstore *xs, const struct xs_node *n)
{
    return xs_node_path(xs, n) + n->path_len;
}

/* FNV-1a: a node keeps its path's hash, so a lookup over the node table
 * compares bytes only where the hash and length already match. */
uint32_t xs_path_hash(const char *p, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)p[i]) * 16777619u;
    return h;
}

static bool node_is_hashed(const struct xenstore *xs, const struct xs_node *n, const char *p, size_t len,
                           uint32_t hash)
{
    return n->path_hash == hash && n->path_len == len && memcmp(xs_node_path(xs, n), p, len) == 0;
}

/* ---- The path index: every non-free slot, by its path's hash ---- */

static unsigned index_home(uint32_t hash)
{
    return hash % XS_INDEX_SLOTS;
}

static void index_add(struct xenstore *xs, int i)
{
    unsigned s = index_home(xs->node[i].path_hash);
    while (xs->index[s])
        s = (s + 1) % XS_INDEX_SLOTS;
    xs->index[s] = (uint16_t)(i + 1);
}

/* Removes node i and closes the gap (backward shift), so that every entry
 * stays reachable from its home slot without tombstones. */
static void index_remove(struct xenstore *xs, int i)
{
    unsigned s = index_home(xs->node[i].path_hash);
    while (xs->index[s] != i + 1)
        s = (s + 1) % XS_INDEX_SLOTS;
    for (unsigned hole = s, next = (s + 1) % XS_INDEX_SLOTS;; next = (next + 1) % XS_INDEX_SLOTS) {
        xs->index[hole] = 0;
        for (;; next = (next + 1) % XS_INDEX_SLOTS) {
            if (!xs->index[next])
                return;
            unsigned home = index_home(xs->node[xs->index[next] - 1].path_hash);
            /* The entry at next may fill the hole if its home is not in (hole, next]. */
            bool stays = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
            if (!stays)
                break;
        }
        xs->index[hole] = xs->index[next];
        hole = next;
    }
}

bool xs_node_is(const struct xenstore *xs, const struct xs_node *n, const char *p, size_t len)
{
    return n->path_len == len && memcmp(xs_node_path(xs, n), p, len) == 0;
}

static bool arena_has_room(const struct xenstore *xs, size_t bytes)
{
    return xs->arena_live + bytes <= XS_ARENA_SIZE;
}

/* Slides every node's string down to close the gaps, in arena order. Rare, so
 * the quadratic pick of the next string is fine. Needs every non-free node to
 * own its string alone: a second node at the same offset would be skipped and
 * keep a stale one. So a slot is filled only after its string's arena_alloc. */
static void arena_compact(struct xenstore *xs)
{
    uint32_t dst = 0, floor = 0;
    for (;;) {
        struct xs_node *next = NULL;
        for (unsigned i = 0; i < XS_NODES_MAX; i++) {
            struct xs_node *n = &xs->node[i];
            if (n->state != XS_NODE_FREE && n->str_off >= floor && (!next || n->str_off < next->str_off))
                next = n;
        }
        if (!next)
            break;
        uint32_t size = next->path_len + next->value_len;
        floor = next->str_off + size;   /* strings never overlap: the rest start here or later */
        memmove(&xs->arena[dst], &xs->arena[next->str_off], size);
        next->str_off = dst;
        dst += size;
    }
    xs->arena_top = dst;
}

/* The caller checked arena_has_room(bytes). May move every string. */
static uint32_t arena_alloc(struct xenstore *xs, size_t bytes)
{
    if (xs->arena_top + bytes > XS_ARENA_SIZE)
        arena_compact(xs);
    uint32_t off = xs->arena_top;
    xs->arena_top += (uint32_t)bytes;
    xs->arena_live += (uint32_t)bytes;
    return off;
}

bool xs_store_has_room(const struct xenstore *xs, unsigned nodes, size_t bytes)
{
    return xs->nodes_used + nodes <= XS_NODES_MAX && arena_has_room(xs, bytes);
}

/* A free slot; the caller checked store_has_room. It stays free (invisible
 * to compaction) until the caller fills it. */
static int free_slot(const struct xenstore *xs)
{
    int i = 0;
    while (xs->node[i].state != XS_NODE_FREE)
        i++;
    return i;
}

/* A new node holding path + value (neither may point into the arena); the
 * caller checked store_has_room. Returns its index; fields besides the
 * strings are zero. */
int xs_node_alloc(struct xenstore *xs, const char *p, size_t len, const void *value, size_t value_len)
{
    int i = free_slot(xs);
    uint32_t off = arena_alloc(xs, len + value_len);
    struct xs_node *n = &xs->node[i];
    *n = (struct xs_node){ 0 };
    n->str_off = off;
    n->path_len = (uint16_t)len;
    n->path_hash = xs_path_hash(p, len);
    n->value_len = (uint16_t)value_len;
    n->state = XS_NODE_LIVE;
    memcpy(&xs->arena[n->str_off], p, len);
    if (value_len)
        memcpy(&xs->arena[n->str_off + len], value, value_len);
    xs->nodes_used++;
    index_add(xs, i);
    return i;
}

/* A copy of node src with room for a value of value_len bytes, which the
 * caller fills; the caller checked store_has_room. */
int xs_node_clone(struct xenstore *xs, int src, size_t value_len)
{
    const struct xs_node *s = &xs->node[src];
    int i = free_slot(xs);
    /* Allocate before the copy exists: a copy sharing s's offset while the
     * arena compacts would leave s, or itself, pointing at other bytes. */
    uint32_t off = arena_alloc(xs, s->path_len + value_len);   /* may move s's string */
    struct xs_node *n = &xs->node[i];
    *n = *s;
    n->str_off = off;
    n->value_len = (uint16_t)value_len;
    memcpy(&xs->arena[n->str_off], xs_node_path(xs, s), s->path_len);
    xs->nodes_used++;
    index_add(xs, i);
    return i;
}

void xs_node_free(struct xenstore *xs, int i)
{
    struct xs_node *n = &xs->node[i];
    index_remove(xs, i);
    xs->arena_live -= n->path_len + n->value_len;
    *n = (struct xs_node){ 0 };
    xs->nodes_used--;
}

/* A longer value needs room for a new string (path + value); value does not
 * point into the arena. */
void xs_node_set_value(struct xenstore *xs, int i, const void *value, size_t value_len)
{
    struct xs_node *n = &xs->node[i];
    if (value_len > n->value_len) {
        uint32_t off = arena_alloc(xs, n->path_len + value_len);   /* may move n's string */
        memcpy(&xs->arena[off], xs_node_path(xs, n), n->path_len);
        xs->arena_live -= n->path_len + n->value_len;
        n->str_off = off;
    } else {
        xs->arena_live -= n->value_len - (uint32_t)value_len;
    }
    n->value_len = (uint16_t)value_len;
    if (value_len)
        memcpy(&xs->arena[n->str_off + n->path_len], value, value_len);
}

/* ==== Views: the committed tree, as transaction tx sees it (tx 0: none) ============= */

/* Transaction tx's own record for p (hash: its path hash), live or removed, or -1. */
static int tx_record_hashed(const struct xenstore *xs, unsigned tx, const char *p, size_t len, uint32_t hash)
{
    for (unsigned s = index_home(hash); xs->index[s]; s = (s + 1) % XS_INDEX_SLOTS) {
        int i = xs->index[s] - 1;
        const struct xs_node *n = &xs->node[i];
        if (n->state != XS_NODE_LIVE && n->tx == tx && node_is_hashed(xs, n, p, len, hash))
            return i;
    }
    return -1;
}

int xs_tx_record(const struct xenstore *xs, unsigned tx, const char *p, size_t len)
{
    return tx_record_hashed(xs, tx, p, len, xs_path_hash(p, len));
}

/* Does a removal in tx (an opaque record) cover a proper ancestor of p? */
static bool hidden_in_tx(const struct xenstore *xs, unsigned tx, const char *p, size_t len)
{
    uint32_t h = 2166136261u;   /* xs_path_hash, extended one byte at a time */
    for (size_t i = 0; i < len && len > 1; i++) {
        if (p[i] == '/') {
            size_t anc_len = i ? i : 1;     /* "/" for the first separator */
            uint32_t anc_hash = i ? h : xs_path_hash(p, 1);
            int r = tx_record_hashed(xs, tx, p, anc_len, anc_hash);
            if (r >= 0 && xs->node[r].opaque)
                return true;
        }
        h = (h ^ (uint8_t)p[i]) * 16777619u;
    }
    return false;
}

/* The node at p that tx sees, or -1. A transaction's own record for the path
 * decides; otherwise the committed node, unless a removal in tx hides it. */
int xs_lookup(const struct xenstore *xs, unsigned tx, const char *p, size_t len)
{
    uint32_t hash = xs_path_hash(p, len);
    int committed = -1;
    for (unsigned s = index_home(hash); xs->index[s]; s = (s + 1) % XS_INDEX_SLOTS) {
        int i = xs->index[s] - 1;
        const struct xs_node *n = &xs->node[i];
        if (!node_is_hashed(xs, n, p, len, hash))
            continue;
        if (n->state == XS_NODE_LIVE)
            committed = i;
        else if (tx != 0 && n->tx == tx)
            return n->state == XS_NODE_TX_LIVE ? i : -1;
    }
    if (committed >= 0 && tx != 0 && hidden_in_tx(xs, tx, p, len))
        return -1;
    return committed;
}

/* The nearest existing proper ancestor of p; *anc_len gets its length. */
int xs_nearest_ancestor(const struct xenstore *xs, unsigned tx, const char *p, size_t len, size_t *anc_len)
{
    int i = -1;
    while (i < 0 && len > 1) {
        len = xs_parent_len(p, len);
        i = xs_lookup(xs, tx, p, len);
    }
    *anc_len = len;
    return i;   /* -1 only if "/" is gone, which nothing allows */
}

/* ==== Permissions ==================================================================== */

bool xs_may(const struct xs_perms *p, uint16_t domid, enum xs_perm need)
{
    if (domid == XS_KEEL_DOMID || domid == p->owner)
        return true;
    unsigned have = domid == p->extra_domid ? p->extra_perm : p->others;
    return (have & need) == need;
}

bool xs_guest_may_read(const struct xenstore *xs, const struct xs_perms *p)
{
    return xs_may(p, xs->domid, XS_PERM_READ);
}

/* For a removal: could the guest read the node or anything below it? Its
 * watches there rely on hearing of the removal (xenstore.txt, WATCH). */
bool xs_guest_may_read_subtree(const struct xenstore *xs, const char *p, size_t len)
{
    for (int i = 0; i < XS_NODES_MAX; i++) {
        const struct xs_node *n = &xs->node[i];
        if (n->state == XS_NODE_LIVE && xs_path_at_or_below(xs_node_path(xs, n), n->path_len, p, len) &&
            xs_guest_may_read(xs, &n->perms))
            return true;
    }
    return false;
}

/* A missing path: ENOENT, or EACCES if `who` may not read its nearest
 * existing ancestor, so the guest cannot probe other domains' trees. */
enum xs_error xs_missing_error(const struct xenstore *xs, struct xs_who who, const char *p, size_t len)
{
    size_t anc_len;
    int anc = xs_nearest_ancestor(xs, who.tx, p, len, &anc_len);
    if (anc < 0 || !xs_may(&xs->node[anc].perms, who.domid, XS_PERM_READ))
        return XS_EACCES;
    return XS_ENOENT;
}

enum xs_error xs_find_node(const struct xenstore *xs, struct xs_who who, const char *p, size_t len,
                           enum xs_perm need, int *out)
{
    int i = xs_lookup(xs, who.tx, p, len);
    if (i < 0)
        return xs_missing_error(xs, who, p, len);
    if (!xs_may(&xs->node[i].perms, who.domid, need))
        return XS_EACCES;
    *out = i;
    return XS_OK;
}
