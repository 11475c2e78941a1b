/* SPDX-License-Identifier: BSD-2-Clause */
/* Keel's xenstore for one guest: node tree, permissions, transactions, watches
 * and the ring transport (see xenstore.h for the model); under the VM's lock. */
#include "pvio/xenstore.h"

#include <stdarg.h>
#include <string.h>
#include "lib/print.h"

#define HDR_SIZE ((uint32_t)sizeof(struct xsd_sockmsg))

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

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

static bool path_char_ok(char c)
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
        if (p[i] == '/' ? p[i - 1] == '/' : !path_char_ok(p[i]))
            return XS_EINVAL;
    }
    return XS_OK;
}

/* Is p strictly below anc? Everything but "/" is below "/". */
static bool path_below(const char *p, size_t len, const char *anc, size_t anc_len)
{
    if (anc_len == 1)
        return len > 1;
    return len > anc_len && p[anc_len] == '/' && memcmp(p, anc, anc_len) == 0;
}

static bool path_at_or_below(const char *p, size_t len, const char *anc, size_t anc_len)
{
    return (len == anc_len && memcmp(p, anc, len) == 0) || path_below(p, len, anc, anc_len);
}

/* Length of p's parent path: "/a/b" -> 2 ("/a"), "/a" -> 1 ("/"). Not for "/". */
static size_t parent_len(const char *p, size_t len)
{
    while (len > 0 && p[len - 1] != '/')
        len--;
    return len > 1 ? len - 1 : 1;
}

static bool path_is_child(const char *p, size_t len, const char *dir, size_t dir_len)
{
    if (!path_below(p, len, dir, dir_len))
        return false;
    size_t name = dir_len == 1 ? 1 : dir_len + 1;
    return memchr(p + name, '/', len - name) == NULL;
}

/* Keel's own paths: NUL-terminated, absolute. */
static enum xs_error keel_path(const char *path, size_t *len)
{
    const char *end = memchr(path, '\0', XS_PATH_MAX + 1);
    if (!end)
        return XS_E2BIG;
    *len = (size_t)(end - path);
    return check_abs_path(path, *len);
}

/* A guest path argument, made absolute into out[XS_PATH_MAX + 1]. */
static enum xs_error guest_path(const struct xenstore *xs, const char *arg, char *out, size_t *len)
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
static const char *node_path(const struct xenstore *xs, const struct xs_node *n)
{
    return (const char *)&xs->arena[n->str_off];
}

static const char *node_value(const struct xenstore *xs, const struct xs_node *n)
{
    return node_path(xs, n) + n->path_len;
}

static bool node_is(const struct xenstore *xs, const struct xs_node *n, const char *p, size_t len)
{
    return n->path_len == len && memcmp(node_path(xs, n), p, len) == 0;
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

static bool store_has_room(const struct xenstore *xs, unsigned nodes, size_t bytes)
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
static int node_alloc(struct xenstore *xs, const char *p, size_t len, const void *value, size_t value_len)
{
    int i = free_slot(xs);
    uint32_t off = arena_alloc(xs, len + value_len);
    struct xs_node *n = &xs->node[i];
    *n = (struct xs_node){ 0 };
    n->str_off = off;
    n->path_len = (uint16_t)len;
    n->value_len = (uint16_t)value_len;
    n->state = XS_NODE_LIVE;
    memcpy(&xs->arena[n->str_off], p, len);
    if (value_len)
        memcpy(&xs->arena[n->str_off + len], value, value_len);
    xs->nodes_used++;
    return i;
}

/* A copy of node src with room for a value of value_len bytes, which the
 * caller fills; the caller checked store_has_room. */
static int node_clone(struct xenstore *xs, int src, size_t value_len)
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
    memcpy(&xs->arena[n->str_off], node_path(xs, s), s->path_len);
    xs->nodes_used++;
    return i;
}

static void node_free(struct xenstore *xs, int i)
{
    struct xs_node *n = &xs->node[i];
    xs->arena_live -= n->path_len + n->value_len;
    *n = (struct xs_node){ 0 };
    xs->nodes_used--;
}

/* A longer value needs room for a new string (path + value); value does not
 * point into the arena. */
static void node_set_value(struct xenstore *xs, int i, const void *value, size_t value_len)
{
    struct xs_node *n = &xs->node[i];
    if (value_len > n->value_len) {
        uint32_t off = arena_alloc(xs, n->path_len + value_len);   /* may move n's string */
        memcpy(&xs->arena[off], node_path(xs, n), n->path_len);
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

/* The node at p that tx sees, or -1. A transaction's own record for the path
 * decides; otherwise the committed node, unless a removal in tx hides it. */
static int lookup(const struct xenstore *xs, unsigned tx, const char *p, size_t len)
{
    int committed = -1;
    bool hidden = false;
    for (int i = 0; i < XS_NODES_MAX; i++) {
        const struct xs_node *n = &xs->node[i];
        if (n->state == XS_NODE_LIVE) {
            if (committed < 0 && node_is(xs, n, p, len))
                committed = i;
        } else if (n->state != XS_NODE_FREE && tx != 0 && n->tx == tx) {
            if (node_is(xs, n, p, len))
                return n->state == XS_NODE_TX_LIVE ? i : -1;
            if (n->opaque && path_below(p, len, node_path(xs, n), n->path_len))
                hidden = true;
        }
    }
    return hidden ? -1 : committed;
}

/* Transaction tx's own record for p (live or removed), or -1. */
static int tx_record(const struct xenstore *xs, unsigned tx, const char *p, size_t len)
{
    for (int i = 0; i < XS_NODES_MAX; i++) {
        const struct xs_node *n = &xs->node[i];
        if (n->state != XS_NODE_FREE && n->state != XS_NODE_LIVE && n->tx == tx && node_is(xs, n, p, len))
            return i;
    }
    return -1;
}

/* The nearest existing proper ancestor of p; *anc_len gets its length. */
static int nearest_ancestor(const struct xenstore *xs, unsigned tx, const char *p, size_t len, size_t *anc_len)
{
    int i = -1;
    while (i < 0 && len > 1) {
        len = parent_len(p, len);
        i = lookup(xs, tx, p, len);
    }
    *anc_len = len;
    return i;   /* -1 only if "/" is gone, which nothing allows */
}

/* ==== Permissions ==================================================================== */

/* Who asks (a domain) and in which transaction slot + 1 (0: none). */
struct xs_who {
    uint16_t domid;
    unsigned tx;
};

static const struct xs_who keel = { XS_KEEL_DOMID, 0 };

static bool may(const struct xs_perms *p, uint16_t domid, enum xs_perm need)
{
    if (domid == XS_KEEL_DOMID || domid == p->owner)
        return true;
    unsigned have = domid == p->extra_domid ? p->extra_perm : p->others;
    return (have & need) == need;
}

static bool guest_may_read(const struct xenstore *xs, const struct xs_perms *p)
{
    return may(p, xs->domid, XS_PERM_READ);
}

/* For a removal: could the guest read the node or anything below it? Its
 * watches there rely on hearing of the removal (xenstore.txt, WATCH). */
static bool guest_may_read_subtree(const struct xenstore *xs, const char *p, size_t len)
{
    for (int i = 0; i < XS_NODES_MAX; i++) {
        const struct xs_node *n = &xs->node[i];
        if (n->state == XS_NODE_LIVE && path_at_or_below(node_path(xs, n), n->path_len, p, len) &&
            guest_may_read(xs, &n->perms))
            return true;
    }
    return false;
}

/* A missing path: ENOENT, or EACCES if `who` may not read its nearest
 * existing ancestor, so the guest cannot probe other domains' trees. */
static enum xs_error missing_error(const struct xenstore *xs, struct xs_who who, const char *p, size_t len)
{
    size_t anc_len;
    int anc = nearest_ancestor(xs, who.tx, p, len, &anc_len);
    if (anc < 0 || !may(&xs->node[anc].perms, who.domid, XS_PERM_READ))
        return XS_EACCES;
    return XS_ENOENT;
}

static enum xs_error find_node(const struct xenstore *xs, struct xs_who who, const char *p, size_t len,
                               enum xs_perm need, int *out)
{
    int i = lookup(xs, who.tx, p, len);
    if (i < 0)
        return missing_error(xs, who, p, len);
    if (!may(&xs->node[i].perms, who.domid, need))
        return XS_EACCES;
    *out = i;
    return XS_OK;
}

/* ==== Change queue and delivery ====================================================== */

/* Queues a committed change for delivery. A full queue merges the change into
 * the newest entry: their common ancestor, as a subtree change. That fires
 * every watch the two would have fired (and maybe more: watches may fire
 * spuriously, xenstore.txt), so nothing is lost. */
static void note_change(struct xenstore *xs, const char *p, size_t len, bool subtree, bool guest_may_see)
{
    if (xs->change_count == XS_CHANGES_MAX) {
        struct xs_change *last = &xs->change[(xs->change_head + XS_CHANGES_MAX - 1) % XS_CHANGES_MAX];
        size_t common = last->path_len;
        while (!path_at_or_below(p, len, last->path, common))
            common = parent_len(last->path, common);
        last->path_len = (uint16_t)common;
        last->path[common] = '\0';
        last->subtree = true;
        last->guest_may_read |= guest_may_see;
        return;
    }
    struct xs_change *c = &xs->change[(xs->change_head + xs->change_count) % XS_CHANGES_MAX];
    xs->change_count++;
    memcpy(c->path, p, len);
    c->path[len] = '\0';
    c->path_len = (uint16_t)len;
    c->subtree = subtree;
    c->guest_may_read = guest_may_see;
}

/* The path a watch on w reports for change c, or NULL if it does not fire.
 * A removal of w's ancestor reports w itself (xenstore.txt, WATCH_EVENT). */
static const char *watch_event_path(const struct xs_change *c, const char *w, size_t w_len)
{
    if (w[0] != '/')
        return NULL;    /* "@special" watches: Keel raises no special events */
    if (path_at_or_below(c->path, c->path_len, w, w_len))
        return c->path;
    if (c->subtree && path_below(w, w_len, c->path, c->path_len))
        return w;
    return NULL;
}

static uint32_t out_room(const struct xenstore *xs)
{
    return XS_OUT_SIZE - xs->out_len;
}

/* The caller checked out_room. */
static void out_push(struct xenstore *xs, const void *data, size_t len)
{
    const uint8_t *src = data;
    while (len) {
        uint32_t tail = (xs->out_head + xs->out_len) & (XS_OUT_SIZE - 1);
        uint32_t chunk = min_u32((uint32_t)len, XS_OUT_SIZE - tail);
        memcpy(&xs->out[tail], src, chunk);
        xs->out_len += chunk;
        src += chunk;
        len -= chunk;
    }
}

static void out_pop(struct xenstore *xs, void *dst, uint32_t len)
{
    uint8_t *d = dst;
    while (len) {
        uint32_t chunk = min_u32(len, XS_OUT_SIZE - xs->out_head);
        memcpy(d, &xs->out[xs->out_head], chunk);
        xs->out_head = (xs->out_head + chunk) & (XS_OUT_SIZE - 1);
        xs->out_len -= chunk;
        d += chunk;
        len -= chunk;
    }
}

/* WATCH_EVENT "path\0token\0" for guest watch w; dropped (and counted) when
 * the output queue is full. */
static void send_watch_event(struct xenstore *xs, const struct xs_guest_watch *w, const char *abs_path)
{
    const char *path = abs_path;
    if (w->relative)
        path += xs->home_len + 1;   /* w is below home, and so is anything that fires it */
    size_t path_len = strlen(path), token_len = strlen(w->token);
    struct xsd_sockmsg hdr = { XS_WATCH_EVENT, 0, 0, (uint32_t)(path_len + token_len + 2) };
    if (out_room(xs) < HDR_SIZE + hdr.len) {
        xs->events_dropped++;
        return;
    }
    out_push(xs, &hdr, sizeof hdr);
    out_push(xs, path, path_len + 1);
    out_push(xs, w->token, token_len + 1);
}

static void deliver_change(struct xenstore *xs, const struct xs_change *c)
{
    for (unsigned i = 0; i < XS_GUEST_WATCHES_MAX; i++) {
        const struct xs_guest_watch *w = &xs->guest_watch[i];
        const char *path = w->in_use && c->guest_may_read ? watch_event_path(c, w->path, w->path_len) : NULL;
        if (path)
            send_watch_event(xs, w, path);
    }
    for (unsigned i = 0; i < XS_INTERNAL_WATCHES_MAX; i++) {
        const struct xs_internal_watch *w = &xs->internal_watch[i];
        const char *path = w->fn ? watch_event_path(c, w->path, w->path_len) : NULL;
        if (path) {
            char copy[XS_PATH_MAX + 1];     /* the callback may unregister w */
            memcpy(copy, path, strlen(path) + 1);
            w->fn(w->ctx, copy);
        }
    }
}

/* The delivery point: registration events, then queued changes in order,
 * including those callbacks add meanwhile. Nested calls return at once. */
static void deliver_changes(struct xenstore *xs)
{
    if (xs->delivering)
        return;
    xs->delivering = true;
    for (unsigned i = 0; i < XS_GUEST_WATCHES_MAX; i++) {
        struct xs_guest_watch *w = &xs->guest_watch[i];
        if (w->in_use && w->initial_pending) {
            w->initial_pending = false;
            send_watch_event(xs, w, w->path);
        }
    }
    while (xs->change_count) {
        struct xs_change c = xs->change[xs->change_head];   /* callbacks may refill the slot */
        xs->change_head = (xs->change_head + 1) % XS_CHANGES_MAX;
        xs->change_count--;
        deliver_change(xs, &c);
    }
    xs->delivering = false;
}

/* ==== Tree operations, for Keel or the guest ========================================= */

/* The guest cannot take the last nodes and bytes: Keel's backends keep room
 * to publish their state whatever the guest stores. */
static bool room_for(const struct xenstore *xs, struct xs_who who, unsigned nodes, size_t bytes)
{
    if (who.domid != XS_KEEL_DOMID) {
        nodes += XS_KEEL_RESERVED_NODES;
        bytes += XS_KEEL_RESERVED_BYTES;
    }
    return store_has_room(xs, nodes, bytes);
}

/* The committed parent's child list changed: transactions that removed it conflict. */
static void touch_parent(struct xenstore *xs, const char *p, size_t len)
{
    int parent = lookup(xs, 0, p, parent_len(p, len));
    if (parent >= 0)
        xs->node[parent].gen = xs->gen;
}

/* Gives node i (visible to who) a new value. In a transaction the first change
 * to a committed node makes the transaction's own copy. */
static enum xs_error change_value(struct xenstore *xs, struct xs_who who, int i, const char *p, size_t len,
                                  const void *value, size_t value_len)
{
    if (who.tx && xs->node[i].state == XS_NODE_LIVE) {
        if (!room_for(xs, who, 1, len + value_len))
            return XS_ENOSPC;
        int copy = node_clone(xs, i, value_len);
        if (value_len)
            memcpy(&xs->arena[xs->node[copy].str_off + len], value, value_len);
        xs->node[copy].state = XS_NODE_TX_LIVE;
        xs->node[copy].tx = (uint8_t)who.tx;
        xs->node[copy].base_gen = xs->node[i].gen;
        return XS_OK;
    }
    if (value_len > xs->node[i].value_len && !room_for(xs, who, 0, len + value_len))
        return XS_ENOSPC;
    node_set_value(xs, i, value, value_len);
    if (!who.tx) {
        xs->node[i].gen = ++xs->gen;
        note_change(xs, p, len, false, guest_may_read(xs, &xs->node[i].perms));
    }
    return XS_OK;
}

/* Creates the path prefix p[0..len) as a node of transaction who.tx or as a
 * committed node; the caller checked room. */
static void create_node(struct xenstore *xs, struct xs_who who, const char *p, size_t len,
                        const void *value, size_t value_len, const struct xs_perms *perms)
{
    int i;
    if (!who.tx) {
        i = node_alloc(xs, p, len, value, value_len);
        xs->node[i].gen = ++xs->gen;
    } else if ((i = tx_record(xs, who.tx, p, len)) >= 0) {
        /* Removed earlier in this transaction: it returns, with what was below still gone. */
        node_set_value(xs, i, value, value_len);
        xs->node[i].state = XS_NODE_TX_LIVE;
    } else {
        int committed = lookup(xs, 0, p, len);      /* exists only if hidden by a removal */
        uint32_t base_gen = committed >= 0 ? xs->node[committed].gen : 0;
        i = node_alloc(xs, p, len, value, value_len);
        xs->node[i].state = XS_NODE_TX_LIVE;
        xs->node[i].tx = (uint8_t)who.tx;
        xs->node[i].base_gen = base_gen;
    }
    xs->node[i].perms = *perms;
}

/* Creates p and its missing parents: who needs write access to the nearest
 * existing ancestor, whose permissions they inherit. */
static enum xs_error create_path(struct xenstore *xs, struct xs_who who, const char *p, size_t len,
                                 const void *value, size_t value_len)
{
    size_t anc_len;
    int anc = nearest_ancestor(xs, who.tx, p, len, &anc_len);
    if (anc < 0 || !may(&xs->node[anc].perms, who.domid, XS_PERM_WRITE))
        return XS_EACCES;

    /* Check room before changing anything (generous: revived nodes need none). */
    unsigned new_nodes = 0;
    size_t new_bytes = value_len;
    for (size_t l = len; l > anc_len; l = parent_len(p, l)) {
        new_nodes++;
        new_bytes += l;
    }
    if (!room_for(xs, who, new_nodes, new_bytes))
        return XS_ENOSPC;

    struct xs_perms perms = xs->node[anc].perms;
    if (who.domid != XS_KEEL_DOMID)
        perms.owner = who.domid;    /* unprivileged domains own what they create */
    for (size_t l = anc_len; l < len;) {
        const char *slash = memchr(p + l + 1, '/', len - l - 1);
        size_t next = slash ? (size_t)(slash - p) : len;
        bool last = next == len;
        create_node(xs, who, p, next, last ? value : NULL, last ? value_len : 0, &perms);
        l = next;
    }
    if (!who.tx) {
        xs->node[anc].gen = xs->gen;
        note_change(xs, p, len, false, guest_may_read(xs, &perms));
    }
    return XS_OK;
}

static enum xs_error op_write(struct xenstore *xs, struct xs_who who, const char *p, size_t len,
                              const void *value, size_t value_len)
{
    if (value_len > XS_VALUE_MAX)
        return XS_E2BIG;
    int i = lookup(xs, who.tx, p, len);
    if (i < 0)
        return create_path(xs, who, p, len, value, value_len);
    if (!may(&xs->node[i].perms, who.domid, XS_PERM_WRITE))
        return XS_EACCES;
    return change_value(xs, who, i, p, len, value, value_len);
}

/* Like xenstored: an existing node needs write access and stays as it is. */
static enum xs_error op_mkdir(struct xenstore *xs, struct xs_who who, const char *p, size_t len)
{
    int i = lookup(xs, who.tx, p, len);
    if (i < 0)
        return create_path(xs, who, p, len, NULL, 0);
    return may(&xs->node[i].perms, who.domid, XS_PERM_WRITE) ? XS_OK : XS_EACCES;
}

/* Frees the committed nodes below p, and p itself if with_self. */
static void remove_committed(struct xenstore *xs, const char *p, size_t len, bool with_self)
{
    for (int i = 0; i < XS_NODES_MAX; i++) {
        const struct xs_node *n = &xs->node[i];
        if (n->state != XS_NODE_LIVE)
            continue;
        const char *np = node_path(xs, n);
        if (path_below(np, n->path_len, p, len) || (with_self && node_is(xs, n, p, len)))
            node_free(xs, i);
    }
}

/* Removal inside transaction tx: tx's own records below p go, and p becomes
 * a tombstone that hides every committed node at and below it. */
static enum xs_error tx_remove(struct xenstore *xs, struct xs_who who, int i, const char *p, size_t len)
{
    unsigned tx = who.tx;
    bool own = xs->node[i].state == XS_NODE_TX_LIVE;
    if (!own && !room_for(xs, who, 1, len))
        return XS_ENOSPC;
    for (int j = 0; j < XS_NODES_MAX; j++) {
        const struct xs_node *n = &xs->node[j];
        if (n->state != XS_NODE_FREE && n->state != XS_NODE_LIVE && n->tx == tx &&
            path_below(node_path(xs, n), n->path_len, p, len))
            node_free(xs, j);
    }
    int gone = i;
    if (own) {
        node_set_value(xs, gone, NULL, 0);
    } else {
        gone = node_clone(xs, i, 0);
        xs->node[gone].tx = (uint8_t)tx;
        xs->node[gone].base_gen = xs->node[i].gen;
    }
    xs->node[gone].state = XS_NODE_TX_GONE;
    xs->node[gone].opaque = true;
    return XS_OK;
}

static enum xs_error op_rm(struct xenstore *xs, struct xs_who who, const char *p, size_t len)
{
    if (len == 1)
        return XS_EINVAL;   /* "/" stays */
    int i = lookup(xs, who.tx, p, len);
    if (i < 0) {
        /* xenstored: a missing node is fine as long as its parent exists. */
        enum xs_error err = missing_error(xs, who, p, len);
        if (err != XS_ENOENT)
            return err;
        return lookup(xs, who.tx, p, parent_len(p, len)) >= 0 ? XS_OK : XS_ENOENT;
    }
    if (!may(&xs->node[i].perms, who.domid, XS_PERM_WRITE))
        return XS_EACCES;
    if (who.tx)
        return tx_remove(xs, who, i, p, len);
    bool guest_saw = guest_may_read_subtree(xs, p, len);
    remove_committed(xs, p, len, true);
    xs->gen++;
    touch_parent(xs, p, len);
    note_change(xs, p, len, true, guest_saw);
    return XS_OK;
}

/* Only Keel changes an owner; the guest may change the rest where it may write. */
static enum xs_error op_set_perms(struct xenstore *xs, struct xs_who who, const char *p, size_t len,
                                  const struct xs_perms *perms)
{
    int i;
    enum xs_error err = find_node(xs, who, p, len, XS_PERM_WRITE, &i);
    if (err)
        return err;
    if (who.domid != XS_KEEL_DOMID && perms->owner != xs->node[i].perms.owner)
        return XS_EACCES;
    if (who.tx && xs->node[i].state == XS_NODE_LIVE) {
        if (!room_for(xs, who, 1, len + xs->node[i].value_len))
            return XS_ENOSPC;
        int copy = node_clone(xs, i, xs->node[i].value_len);
        memcpy(&xs->arena[xs->node[copy].str_off + len], node_value(xs, &xs->node[i]), xs->node[i].value_len);
        xs->node[copy].state = XS_NODE_TX_LIVE;
        xs->node[copy].tx = (uint8_t)who.tx;
        xs->node[copy].base_gen = xs->node[i].gen;
        i = copy;
    }
    bool guest_saw = guest_may_read(xs, &xs->node[i].perms);
    xs->node[i].perms = *perms;
    if (!who.tx) {
        xs->node[i].gen = ++xs->gen;
        note_change(xs, p, len, false, guest_saw || guest_may_read(xs, perms));
    }
    return XS_OK;
}

/* MKDIR and RM, for Keel or the guest. */
typedef enum xs_error (*xs_path_op)(struct xenstore *xs, struct xs_who who, const char *p, size_t len);

/* ==== Transactions =================================================================== */

static unsigned tx_slot_for_id(const struct xenstore *xs, uint32_t id)
{
    for (unsigned t = 0; t < XS_TRANSACTIONS_MAX; t++) {
        if (xs->tx[t].in_use && xs->tx[t].id == id)
            return t + 1;
    }
    return 0;
}

static bool is_tx_record(const struct xs_node *n, unsigned tx)
{
    return n->state != XS_NODE_FREE && n->state != XS_NODE_LIVE && n->tx == tx;
}

static void tx_discard(struct xenstore *xs, unsigned tx)
{
    for (int i = 0; i < XS_NODES_MAX; i++) {
        if (is_tx_record(&xs->node[i], tx))
            node_free(xs, i);
    }
    xs->tx[tx - 1] = (struct xs_transaction){ 0 };
}

/* Conflict: another writer changed or removed a node tx wrote or removed
 * (its gen moved), or removed the parent of a node tx created. */
static bool tx_conflicts(const struct xenstore *xs, unsigned tx)
{
    for (int i = 0; i < XS_NODES_MAX; i++) {
        const struct xs_node *n = &xs->node[i];
        if (!is_tx_record(n, tx))
            continue;
        const char *p = node_path(xs, n);
        int committed = lookup(xs, 0, p, n->path_len);
        if ((committed >= 0 ? xs->node[committed].gen : 0) != n->base_gen)
            return true;
        if (n->state == XS_NODE_TX_LIVE && n->path_len > 1) {
            size_t plen = parent_len(p, n->path_len);
            int own_parent = tx_record(xs, tx, p, plen);
            bool parent_stays = own_parent >= 0 ? xs->node[own_parent].state == XS_NODE_TX_LIVE
                                                : lookup(xs, 0, p, plen) >= 0;
            if (!parent_stays)
                return true;
        }
    }
    return false;
}

/* Publishes tx's records: removals first (whole subtrees), then new and
 * changed nodes, each a committed change. Nothing here can run out of room. */
static enum xs_error tx_commit(struct xenstore *xs, unsigned tx)
{
    if (tx_conflicts(xs, tx)) {
        tx_discard(xs, tx);
        return XS_EAGAIN;
    }
    xs->gen++;
    for (int i = 0; i < XS_NODES_MAX; i++) {
        struct xs_node *n = &xs->node[i];
        if (!is_tx_record(n, tx) || !n->opaque)
            continue;
        const char *p = node_path(xs, n);
        bool gone = n->state == XS_NODE_TX_GONE;
        if (gone && lookup(xs, 0, p, n->path_len) < 0)
            continue;   /* created and removed within the transaction */
        bool guest_saw = guest_may_read_subtree(xs, p, n->path_len);
        remove_committed(xs, p, n->path_len, gone);
        if (gone)
            touch_parent(xs, p, n->path_len);
        note_change(xs, p, n->path_len, true, guest_saw);
    }
    for (int i = 0; i < XS_NODES_MAX; i++) {
        struct xs_node *n = &xs->node[i];
        if (!is_tx_record(n, tx) || n->state != XS_NODE_TX_LIVE)
            continue;
        const char *p = node_path(xs, n);
        int committed = lookup(xs, 0, p, n->path_len);
        if (committed >= 0)
            node_free(xs, committed);
        n->state = XS_NODE_LIVE;
        n->tx = 0;
        n->opaque = false;
        n->base_gen = 0;
        n->gen = ++xs->gen;
        if (n->path_len > 1)
            touch_parent(xs, p, n->path_len);
        note_change(xs, p, n->path_len, false, guest_may_read(xs, &n->perms));
    }
    tx_discard(xs, tx);     /* the tombstones that remain */
    return XS_OK;
}

/* ==== Keel's API ======================================================================= */

void xenstore_init(struct xenstore *xs, uint16_t domid)
{
    memset(xs, 0, sizeof *xs);
    xs->domid = domid;
    xs->home_len = (uint16_t)snprintf(xs->home, sizeof xs->home, "/local/domain/%u", (unsigned)domid);
    xs->next_tx_id = 1;
    xs->node[node_alloc(xs, "/", 1, NULL, 0)].perms =
        (struct xs_perms){ XS_KEEL_DOMID, XS_DOMID_NONE, XS_PERM_NONE, XS_PERM_NONE };
    xs->gen = 1;
    xs->node[0].gen = 1;
    xs_mkdir(xs, "/local/domain");
    xs_mkdir(xs, xs->home);
    xs_set_perms(xs, xs->home, domid, XS_PERM_NONE, XS_DOMID_NONE, XS_PERM_NONE);
}

static void drop_guest_state(struct xenstore *xs)
{
    for (unsigned t = 1; t <= XS_TRANSACTIONS_MAX; t++)
        tx_discard(xs, t);
    memset(xs->guest_watch, 0, sizeof xs->guest_watch);
}

void xenstore_reset_connection(struct xenstore *xs)
{
    drop_guest_state(xs);
    xs->ring_attached = false;
    xs->ring_error = XENSTORE_ERROR_NONE;
    xs->input_deferred = false;
    xs->in_len = 0;
    xs->out_head = xs->out_len = 0;
}

enum xs_error xs_write(struct xenstore *xs, const char *path, const char *value)
{
    size_t len;
    enum xs_error err = keel_path(path, &len);
    if (!err)
        err = op_write(xs, keel, path, len, value, strlen(value));
    deliver_changes(xs);
    return err;
}

enum xs_error xs_printf(struct xenstore *xs, const char *path, const char *fmt, ...)
{
    char value[XS_VALUE_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    if (n < 0 || n > XS_VALUE_MAX)
        return XS_E2BIG;
    return xs_write(xs, path, value);
}

/* The committed node at Keel's path. */
static enum xs_error keel_lookup(const struct xenstore *xs, const char *path, int *node)
{
    size_t len;
    enum xs_error err = keel_path(path, &len);
    if (!err && (*node = lookup(xs, 0, path, len)) < 0)
        err = XS_ENOENT;
    return err;
}

enum xs_error xs_read(struct xenstore *xs, const char *path, char *buf, size_t size)
{
    int i;
    enum xs_error err = keel_lookup(xs, path, &i);
    if (err)
        return err;
    const struct xs_node *n = &xs->node[i];
    if (size < n->value_len + 1u) {
        if (size)
            buf[0] = '\0';
        return XS_E2BIG;
    }
    memcpy(buf, node_value(xs, n), n->value_len);
    buf[n->value_len] = '\0';
    return XS_OK;
}

enum xs_error xs_read_u64(struct xenstore *xs, const char *path, uint64_t *out)
{
    char buf[24];
    enum xs_error err = xs_read(xs, path, buf, sizeof buf);
    if (err)
        return err == XS_E2BIG ? XS_EINVAL : err;
    uint64_t v = 0;
    if (!buf[0])
        return XS_EINVAL;
    for (const char *c = buf; *c; c++) {
        if (*c < '0' || *c > '9' || v > (UINT64_MAX - (uint64_t)(*c - '0')) / 10)
            return XS_EINVAL;
        v = v * 10 + (uint64_t)(*c - '0');
    }
    *out = v;
    return XS_OK;
}

bool xs_exists(struct xenstore *xs, const char *path)
{
    int i;
    return keel_lookup(xs, path, &i) == XS_OK;
}

static enum xs_error keel_path_op(struct xenstore *xs, const char *path, xs_path_op op)
{
    size_t len;
    enum xs_error err = keel_path(path, &len);
    if (!err)
        err = op(xs, keel, path, len);
    deliver_changes(xs);
    return err;
}

enum xs_error xs_mkdir(struct xenstore *xs, const char *path)
{
    return keel_path_op(xs, path, op_mkdir);
}

enum xs_error xs_rm(struct xenstore *xs, const char *path)
{
    return keel_path_op(xs, path, op_rm);
}

enum xs_error xs_set_perms(struct xenstore *xs, const char *path, uint16_t owner,
                           enum xs_perm others, uint16_t extra_domid, enum xs_perm extra_perm)
{
    size_t len;
    const struct xs_perms perms = { owner, extra_domid, (uint8_t)(others & XS_PERM_BOTH),
                                    (uint8_t)(extra_perm & XS_PERM_BOTH) };
    enum xs_error err = keel_path(path, &len);
    if (!err)
        err = op_set_perms(xs, keel, path, len, &perms);
    deliver_changes(xs);
    return err;
}

enum xs_error xs_get_perms(struct xenstore *xs, const char *path, struct xs_perms *out)
{
    int i;
    enum xs_error err = keel_lookup(xs, path, &i);
    if (!err)
        *out = xs->node[i].perms;
    return err;
}

enum xs_error xs_watch_internal(struct xenstore *xs, const char *path, xs_watch_fn fn, void *ctx)
{
    size_t len;
    enum xs_error err = keel_path(path, &len);
    if (err || !fn)
        return err ? err : XS_EINVAL;
    for (unsigned i = 0; i < XS_INTERNAL_WATCHES_MAX; i++) {
        struct xs_internal_watch *w = &xs->internal_watch[i];
        if (w->fn)
            continue;
        w->fn = fn;
        w->ctx = ctx;
        w->path_len = (uint16_t)len;
        memcpy(w->path, path, len + 1);
        return XS_OK;
    }
    return XS_ENOSPC;
}

void xs_unwatch_internal(struct xenstore *xs, const char *path, xs_watch_fn fn, void *ctx)
{
    for (unsigned i = 0; i < XS_INTERNAL_WATCHES_MAX; i++) {
        struct xs_internal_watch *w = &xs->internal_watch[i];
        if (w->fn == fn && w->ctx == ctx && strcmp(w->path, path) == 0)
            *w = (struct xs_internal_watch){ 0 };
    }
}

/* ==== Guest requests ================================================================== */

struct xs_request {
    struct xenstore *xs;
    struct xs_who who;
    const struct xsd_sockmsg *hdr;
    const char *payload;        /* hdr->len bytes, private or caller-owned: read, never written */
    char *out;                  /* reply payload, XENSTORE_PAYLOAD_MAX bytes */
    uint32_t out_len;
};

/* The payload as NUL-terminated strings: it must end in NUL and hold at least
 * `need` strings (later ones are ignored, as reserved fields). */
static bool get_strings(const struct xs_request *r, const char **str, unsigned need)
{
    uint32_t len = r->hdr->len;
    if (len == 0 || r->payload[len - 1] != '\0')
        return false;
    const char *s = r->payload, *end = r->payload + len;
    for (unsigned i = 0; i < need; i++) {
        if (s == end)
            return false;
        str[i] = s;
        s += strlen(s) + 1;
    }
    return true;
}

static enum xs_error get_path_arg(const struct xs_request *r, char *path, size_t *len)
{
    const char *arg;
    if (!get_strings(r, &arg, 1))
        return XS_EINVAL;
    return guest_path(r->xs, arg, path, len);
}

/* The path argument of READ, DIRECTORY, GET_PERMS, and its node, readable by the guest. */
static enum xs_error get_readable_arg(const struct xs_request *r, char *path, size_t *len, int *node)
{
    enum xs_error err = get_path_arg(r, path, len);
    return err ? err : find_node(r->xs, r->who, path, *len, XS_PERM_READ, node);
}

static void reply_bytes(struct xs_request *r, const void *data, size_t len)
{
    memcpy(r->out + r->out_len, data, len);
    r->out_len += (uint32_t)len;
}

static void reply_string(struct xs_request *r, const char *s)
{
    reply_bytes(r, s, strlen(s) + 1);
}

static enum xs_error handle_read(struct xs_request *r)
{
    char path[XS_PATH_MAX + 1];
    size_t len;
    int i;
    enum xs_error err = get_readable_arg(r, path, &len, &i);
    if (!err)
        reply_bytes(r, node_value(r->xs, &r->xs->node[i]), r->xs->node[i].value_len);
    return err;
}

/* Child names, each NUL-terminated, as this transaction sees them. */
static enum xs_error handle_directory(struct xs_request *r)
{
    struct xenstore *xs = r->xs;
    char path[XS_PATH_MAX + 1];
    size_t len;
    int dir;
    enum xs_error err = get_readable_arg(r, path, &len, &dir);
    if (err)
        return err;
    for (int i = 0; i < XS_NODES_MAX; i++) {
        const struct xs_node *n = &xs->node[i];
        const char *child = node_path(xs, n);
        if (n->state == XS_NODE_FREE || n->state == XS_NODE_TX_GONE ||
            !path_is_child(child, n->path_len, path, len))
            continue;
        if (n->state == XS_NODE_TX_LIVE ? n->tx != r->who.tx
                                         : r->who.tx && lookup(xs, r->who.tx, child, n->path_len) != i)
            continue;   /* another transaction's, or replaced or removed in this one */
        size_t name = len == 1 ? 1 : len + 1;
        size_t name_len = n->path_len - name;
        if (r->out_len + name_len + 1 > XENSTORE_PAYLOAD_MAX)
            return XS_E2BIG;
        reply_bytes(r, child + name, name_len);
        reply_bytes(r, "", 1);
    }
    return XS_OK;
}

static const char perm_letters[] = { [XS_PERM_NONE] = 'n', [XS_PERM_READ] = 'r',
                                     [XS_PERM_WRITE] = 'w', [XS_PERM_BOTH] = 'b' };

static void reply_perm(struct xs_request *r, char letter, uint16_t domid)
{
    char entry[8];
    snprintf(entry, sizeof entry, "%c%u", letter, (unsigned)domid);
    reply_string(r, entry);
}

/* "<owner's letter for others><owner>\0" then the extra entry, if any. */
static enum xs_error handle_get_perms(struct xs_request *r)
{
    char path[XS_PATH_MAX + 1];
    size_t len;
    int i;
    enum xs_error err = get_readable_arg(r, path, &len, &i);
    if (err)
        return err;
    const struct xs_perms *p = &r->xs->node[i].perms;
    reply_perm(r, perm_letters[p->others], p->owner);
    if (p->extra_domid != XS_DOMID_NONE)
        reply_perm(r, perm_letters[p->extra_perm], p->extra_domid);
    return XS_OK;
}

/* Decimal 0..65535, nothing else. */
static bool parse_domid(const char *s, uint16_t *out)
{
    uint32_t v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || (v = v * 10 + (uint32_t)(*s - '0')) > 0xffff)
            return false;
    }
    *out = (uint16_t)v;
    return true;
}

static bool parse_perm(const char *s, uint8_t *perm, uint16_t *domid)
{
    for (uint8_t p = XS_PERM_NONE; p <= XS_PERM_BOTH; p++) {
        if (s[0] == perm_letters[p]) {
            *perm = p;
            return parse_domid(s + 1, domid);
        }
    }
    return false;
}

/* "path\0owner-entry\0[extra-entry\0]": Keel stores one extra entry. */
static enum xs_error handle_set_perms(struct xs_request *r)
{
    const char *str[4];
    char path[XS_PATH_MAX + 1];
    size_t len;
    struct xs_perms perms = { .extra_domid = XS_DOMID_NONE };
    if (!get_strings(r, str, 2))
        return XS_EINVAL;
    unsigned entries = get_strings(r, str, 4) ? 3 : get_strings(r, str, 3) ? 2 : 1;
    if (entries > 2)
        return XS_E2BIG;
    if (!parse_perm(str[1], &perms.others, &perms.owner) ||
        (entries == 2 && !parse_perm(str[2], &perms.extra_perm, &perms.extra_domid)))
        return XS_EINVAL;
    enum xs_error err = guest_path(r->xs, str[0], path, &len);
    if (!err)
        err = op_set_perms(r->xs, r->who, path, len, &perms);
    if (!err)
        reply_string(r, "OK");
    return err;
}

/* "path\0value": the value is every byte after the path's NUL. */
static enum xs_error handle_write(struct xs_request *r)
{
    char path[XS_PATH_MAX + 1];
    size_t len;
    const char *nul = memchr(r->payload, '\0', r->hdr->len);
    if (!nul)
        return XS_EINVAL;
    enum xs_error err = guest_path(r->xs, r->payload, path, &len);
    if (err)
        return err;
    size_t value_off = (size_t)(nul - r->payload) + 1;
    err = op_write(r->xs, r->who, path, len, r->payload + value_off, r->hdr->len - value_off);
    if (!err)
        reply_string(r, "OK");
    return err;
}

static enum xs_error guest_path_op(struct xs_request *r, xs_path_op op)
{
    char path[XS_PATH_MAX + 1];
    size_t len;
    enum xs_error err = get_path_arg(r, path, &len);
    if (!err)
        err = op(r->xs, r->who, path, len);
    if (!err)
        reply_string(r, "OK");
    return err;
}

static enum xs_error handle_mkdir(struct xs_request *r) { return guest_path_op(r, op_mkdir); }
static enum xs_error handle_rm(struct xs_request *r) { return guest_path_op(r, op_rm); }

/* WATCH and UNWATCH: "path\0token\0"; the path is kept absolute. */
static enum xs_error get_watch_args(struct xs_request *r, struct xs_guest_watch *w)
{
    const char *str[2];
    if (!get_strings(r, str, 2))
        return XS_EINVAL;
    size_t token_len = strlen(str[1]), len = strlen(str[0]);
    if (token_len > XS_TOKEN_MAX)
        return XS_E2BIG;
    memcpy(w->token, str[1], token_len + 1);
    if (str[0][0] == '@') {     /* "@releaseDomain" and the like: accepted, never raised */
        if (len > XS_PATH_MAX)
            return XS_E2BIG;
        for (size_t i = 1; i < len; i++) {
            if (str[0][i] != '/' && !path_char_ok(str[0][i]))
                return XS_EINVAL;
        }
        memcpy(w->path, str[0], len + 1);
    } else {
        enum xs_error err = guest_path(r->xs, str[0], w->path, &len);
        if (err)
            return err;
        w->relative = str[0][0] != '/';
    }
    w->path_len = (uint16_t)len;
    return XS_OK;
}

static struct xs_guest_watch *find_guest_watch(struct xenstore *xs, const struct xs_guest_watch *like)
{
    for (unsigned i = 0; i < XS_GUEST_WATCHES_MAX; i++) {
        struct xs_guest_watch *w = &xs->guest_watch[i];
        if (w->in_use && strcmp(w->path, like->path) == 0 && strcmp(w->token, like->token) == 0)
            return w;
    }
    return NULL;
}

/* Fires once at the delivery point after the reply, with the path as given. */
static enum xs_error handle_watch(struct xs_request *r)
{
    struct xs_guest_watch want = { 0 };
    enum xs_error err = get_watch_args(r, &want);
    if (err)
        return err;
    if (find_guest_watch(r->xs, &want))
        return XS_EEXIST;
    for (unsigned i = 0; i < XS_GUEST_WATCHES_MAX; i++) {
        struct xs_guest_watch *w = &r->xs->guest_watch[i];
        if (!w->in_use) {
            *w = want;
            w->in_use = true;
            w->initial_pending = true;
            reply_string(r, "OK");
            return XS_OK;
        }
    }
    return XS_E2BIG;    /* xenstored's answer when a domain's watch quota is used up */
}

static enum xs_error handle_unwatch(struct xs_request *r)
{
    struct xs_guest_watch want = { 0 };
    enum xs_error err = get_watch_args(r, &want);
    if (err)
        return err;
    struct xs_guest_watch *w = find_guest_watch(r->xs, &want);
    if (!w)
        return XS_ENOENT;
    *w = (struct xs_guest_watch){ 0 };
    reply_string(r, "OK");
    return XS_OK;
}

static enum xs_error handle_reset_watches(struct xs_request *r)
{
    drop_guest_state(r->xs);
    reply_string(r, "OK");
    return XS_OK;
}

/* "\0" -> "<id>\0"; ids are never 0 and never one still open. */
static enum xs_error handle_transaction_start(struct xs_request *r)
{
    struct xenstore *xs = r->xs;
    if (r->who.tx)
        return XS_EBUSY;    /* xenstored: no nested transactions */
    for (unsigned t = 0; t < XS_TRANSACTIONS_MAX; t++) {
        if (xs->tx[t].in_use)
            continue;
        while (xs->next_tx_id == 0 || tx_slot_for_id(xs, xs->next_tx_id))
            xs->next_tx_id++;
        xs->tx[t].id = xs->next_tx_id++;
        xs->tx[t].in_use = true;
        char id[12];
        snprintf(id, sizeof id, "%u", (unsigned)xs->tx[t].id);
        reply_string(r, id);
        return XS_OK;
    }
    return XS_ENOSPC;
}

/* "T\0" commits (or EAGAIN, discarding), "F\0" aborts; either way the id is done. */
static enum xs_error handle_transaction_end(struct xs_request *r)
{
    const char *arg;
    if (!r->who.tx)
        return XS_ENOENT;
    if (!get_strings(r, &arg, 1) || (strcmp(arg, "T") != 0 && strcmp(arg, "F") != 0))
        return XS_EINVAL;
    enum xs_error err = XS_OK;
    if (arg[0] == 'T')
        err = tx_commit(r->xs, r->who.tx);
    else
        tx_discard(r->xs, r->who.tx);
    if (!err)
        reply_string(r, "OK");
    return err;
}

static enum xs_error handle_get_domain_path(struct xs_request *r)
{
    const char *arg;
    uint16_t domid;
    if (!get_strings(r, &arg, 1) || !parse_domid(arg, &domid))
        return XS_EINVAL;
    char path[24];
    snprintf(path, sizeof path, "/local/domain/%u", (unsigned)domid);
    reply_string(r, path);
    return XS_OK;
}

/* Toolstack-only requests: xenstored allows them to privileged domains only. */
static enum xs_error handle_privileged(struct xs_request *r)
{
    (void)r;
    return XS_EACCES;
}

typedef enum xs_error (*xs_handler)(struct xs_request *r);

static const struct {
    xs_handler fn;
    bool uses_tx;               /* header tx_id must name an open transaction (or be 0) */
} handlers[XS_MSG_TYPE_COUNT] = {
    [XS_CONTROL]              = { handle_privileged, false },
    [XS_DIRECTORY]            = { handle_directory, true },
    [XS_READ]                 = { handle_read, true },
    [XS_GET_PERMS]            = { handle_get_perms, true },
    [XS_WATCH]                = { handle_watch, false },
    [XS_UNWATCH]              = { handle_unwatch, false },
    [XS_TRANSACTION_START]    = { handle_transaction_start, true },
    [XS_TRANSACTION_END]      = { handle_transaction_end, true },
    [XS_INTRODUCE]            = { handle_privileged, false },
    [XS_RELEASE]              = { handle_privileged, false },
    [XS_GET_DOMAIN_PATH]      = { handle_get_domain_path, false },
    [XS_WRITE]                = { handle_write, true },
    [XS_MKDIR]                = { handle_mkdir, true },
    [XS_RM]                   = { handle_rm, true },
    [XS_SET_PERMS]            = { handle_set_perms, true },
    [XS_IS_DOMAIN_INTRODUCED] = { handle_privileged, false },
    [XS_RESUME]               = { handle_privileged, false },
    [XS_SET_TARGET]           = { handle_privileged, false },
    [XS_RESET_WATCHES]        = { handle_reset_watches, false },
};

static size_t error_reply(const struct xsd_sockmsg *req, enum xs_error err, uint8_t *reply)
{
    const char *name = xs_error_name(err);
    struct xsd_sockmsg hdr = { XS_ERROR, req->req_id, req->tx_id, (uint32_t)strlen(name) + 1 };
    memcpy(reply, &hdr, HDR_SIZE);
    memcpy(reply + HDR_SIZE, name, hdr.len);
    return HDR_SIZE + hdr.len;
}

/* One request whose payload (hdr->len <= XENSTORE_PAYLOAD_MAX bytes) is
 * readable; the reply goes to reply[XS_MSG_MAX]. Changes stay queued. */
static size_t build_reply(struct xenstore *xs, const struct xsd_sockmsg *hdr, const char *payload, uint8_t *reply)
{
    struct xs_request r = { xs, { xs->domid, 0 }, hdr, payload, (char *)reply + HDR_SIZE, 0 };
    enum xs_error err;
    if (hdr->type >= XS_MSG_TYPE_COUNT || !handlers[hdr->type].fn)
        err = XS_ENOSYS;
    else if (handlers[hdr->type].uses_tx && hdr->tx_id && !(r.who.tx = tx_slot_for_id(xs, hdr->tx_id)))
        err = XS_ENOENT;
    else
        err = handlers[hdr->type].fn(&r);
    if (err)
        return error_reply(hdr, err, reply);
    struct xsd_sockmsg out = { hdr->type, hdr->req_id, hdr->tx_id, r.out_len };
    memcpy(reply, &out, HDR_SIZE);
    return HDR_SIZE + out.len;
}

size_t xenstore_handle_request(struct xenstore *xs, const void *req, size_t req_len,
                               void *reply, size_t reply_size)
{
    struct xsd_sockmsg hdr = { 0 };
    size_t n;
    if (reply_size < XS_MSG_MAX)
        return 0;
    if (req_len >= HDR_SIZE)
        memcpy(&hdr, req, HDR_SIZE);
    if (req_len < HDR_SIZE || hdr.len > XENSTORE_PAYLOAD_MAX || hdr.len != req_len - HDR_SIZE)
        n = error_reply(&hdr, XS_EINVAL, reply);
    else
        n = build_reply(xs, &hdr, (const char *)req + HDR_SIZE, reply);
    deliver_changes(xs);
    return n;
}

size_t xenstore_take_output(struct xenstore *xs, void *buf, size_t size)
{
    uint32_t n = min_u32(xs->out_len, size > XS_OUT_SIZE ? XS_OUT_SIZE : (uint32_t)size);
    out_pop(xs, buf, n);
    return n;
}

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
    drop_guest_state(xs);
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
        out_pop(xs, &ring->rsp[off], chunk);
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
        if (out_room(xs) < XS_MSG_MAX)
            break;      /* backpressure: the guest kicks us once it consumes replies */
        if (handled == XS_REQUESTS_PER_CALL) {
            xs->input_deferred = true;
            break;
        }
        if (!pull_request(xs, ring))
            break;
        struct xsd_sockmsg hdr;
        memcpy(&hdr, xs->in_buf, HDR_SIZE);
        size_t n = build_reply(xs, &hdr, (const char *)xs->in_buf + HDR_SIZE, xs->reply);
        xs->in_len = 0;
        out_push(xs, xs->reply, n);
        deliver_changes(xs);    /* events after the reply that caused them */
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
