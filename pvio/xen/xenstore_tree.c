/* SPDX-License-Identifier: BSD-2-Clause */
/* Keel's xenstore, its changes: the change queue and watch delivery, tree
 * operations for Keel or the guest, transactions, and Keel's xs_* API (see
 * xenstore.h for the model); pure, under the VM's lock. */
#include "pvio/xen/xenstore_internal.h"

#include <stdarg.h>
#include <string.h>
#include "lib/print.h"

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
        while (!xs_path_at_or_below(p, len, last->path, common))
            common = xs_parent_len(last->path, common);
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
    if (xs_path_at_or_below(c->path, c->path_len, w, w_len))
        return c->path;
    if (c->subtree && xs_path_below(w, w_len, c->path, c->path_len))
        return w;
    return NULL;
}

uint32_t xs_out_room(const struct xenstore *xs)
{
    return XS_OUT_SIZE - xs->out_len;
}

/* The caller checked out_room. */
void xs_out_push(struct xenstore *xs, const void *data, size_t len)
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

void xs_out_pop(struct xenstore *xs, void *dst, uint32_t len)
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
    if (xs_out_room(xs) < HDR_SIZE + hdr.len) {
        xs->events_dropped++;
        return;
    }
    xs_out_push(xs, &hdr, sizeof hdr);
    xs_out_push(xs, path, path_len + 1);
    xs_out_push(xs, w->token, token_len + 1);
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
void xs_deliver_changes(struct xenstore *xs)
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
    return xs_store_has_room(xs, nodes, bytes);
}

/* The committed parent's child list changed: transactions that removed it conflict. */
static void touch_parent(struct xenstore *xs, const char *p, size_t len)
{
    int parent = xs_lookup(xs, 0, p, xs_parent_len(p, len));
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
        int copy = xs_node_clone(xs, i, value_len);
        if (value_len)
            memcpy(&xs->arena[xs->node[copy].str_off + len], value, value_len);
        xs->node[copy].state = XS_NODE_TX_LIVE;
        xs->node[copy].tx = (uint8_t)who.tx;
        xs->node[copy].base_gen = xs->node[i].gen;
        return XS_OK;
    }
    if (value_len > xs->node[i].value_len && !room_for(xs, who, 0, len + value_len))
        return XS_ENOSPC;
    xs_node_set_value(xs, i, value, value_len);
    if (!who.tx) {
        xs->node[i].gen = ++xs->gen;
        note_change(xs, p, len, false, xs_guest_may_read(xs, &xs->node[i].perms));
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
        i = xs_node_alloc(xs, p, len, value, value_len);
        xs->node[i].gen = ++xs->gen;
    } else if ((i = xs_tx_record(xs, who.tx, p, len)) >= 0) {
        /* Removed earlier in this transaction: it returns, with what was below still gone. */
        xs_node_set_value(xs, i, value, value_len);
        xs->node[i].state = XS_NODE_TX_LIVE;
    } else {
        int committed = xs_lookup(xs, 0, p, len);      /* exists only if hidden by a removal */
        uint32_t base_gen = committed >= 0 ? xs->node[committed].gen : 0;
        i = xs_node_alloc(xs, p, len, value, value_len);
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
    int anc = xs_nearest_ancestor(xs, who.tx, p, len, &anc_len);
    if (anc < 0 || !xs_may(&xs->node[anc].perms, who.domid, XS_PERM_WRITE))
        return XS_EACCES;

    /* Check room before changing anything (generous: revived nodes need none). */
    unsigned new_nodes = 0;
    size_t new_bytes = value_len;
    for (size_t l = len; l > anc_len; l = xs_parent_len(p, l)) {
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
        note_change(xs, p, len, false, xs_guest_may_read(xs, &perms));
    }
    return XS_OK;
}

enum xs_error xs_op_write(struct xenstore *xs, struct xs_who who, const char *p, size_t len,
                          const void *value, size_t value_len)
{
    if (value_len > XS_VALUE_MAX)
        return XS_E2BIG;
    int i = xs_lookup(xs, who.tx, p, len);
    if (i < 0)
        return create_path(xs, who, p, len, value, value_len);
    if (!xs_may(&xs->node[i].perms, who.domid, XS_PERM_WRITE))
        return XS_EACCES;
    return change_value(xs, who, i, p, len, value, value_len);
}

/* Like xenstored: an existing node needs write access and stays as it is. */
enum xs_error xs_op_mkdir(struct xenstore *xs, struct xs_who who, const char *p, size_t len)
{
    int i = xs_lookup(xs, who.tx, p, len);
    if (i < 0)
        return create_path(xs, who, p, len, NULL, 0);
    return xs_may(&xs->node[i].perms, who.domid, XS_PERM_WRITE) ? XS_OK : XS_EACCES;
}

/* Frees the committed nodes below p, and p itself if with_self. */
static void remove_committed(struct xenstore *xs, const char *p, size_t len, bool with_self)
{
    for (int i = 0; i < XS_NODES_MAX; i++) {
        const struct xs_node *n = &xs->node[i];
        if (n->state != XS_NODE_LIVE)
            continue;
        const char *np = xs_node_path(xs, n);
        if (xs_path_below(np, n->path_len, p, len) || (with_self && xs_node_is(xs, n, p, len)))
            xs_node_free(xs, i);
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
            xs_path_below(xs_node_path(xs, n), n->path_len, p, len))
            xs_node_free(xs, j);
    }
    int gone = i;
    if (own) {
        xs_node_set_value(xs, gone, NULL, 0);
    } else {
        gone = xs_node_clone(xs, i, 0);
        xs->node[gone].tx = (uint8_t)tx;
        xs->node[gone].base_gen = xs->node[i].gen;
    }
    xs->node[gone].state = XS_NODE_TX_GONE;
    xs->node[gone].opaque = true;
    return XS_OK;
}

enum xs_error xs_op_rm(struct xenstore *xs, struct xs_who who, const char *p, size_t len)
{
    if (len == 1)
        return XS_EINVAL;   /* "/" stays */
    int i = xs_lookup(xs, who.tx, p, len);
    if (i < 0) {
        /* xenstored: a missing node is fine as long as its parent exists. */
        enum xs_error err = xs_missing_error(xs, who, p, len);
        if (err != XS_ENOENT)
            return err;
        return xs_lookup(xs, who.tx, p, xs_parent_len(p, len)) >= 0 ? XS_OK : XS_ENOENT;
    }
    if (!xs_may(&xs->node[i].perms, who.domid, XS_PERM_WRITE))
        return XS_EACCES;
    if (who.tx)
        return tx_remove(xs, who, i, p, len);
    bool guest_saw = xs_guest_may_read_subtree(xs, p, len);
    remove_committed(xs, p, len, true);
    xs->gen++;
    touch_parent(xs, p, len);
    note_change(xs, p, len, true, guest_saw);
    return XS_OK;
}

/* Only Keel changes an owner; the guest may change the rest where it may write. */
enum xs_error xs_op_set_perms(struct xenstore *xs, struct xs_who who, const char *p, size_t len,
                              const struct xs_perms *perms)
{
    int i;
    enum xs_error err = xs_find_node(xs, who, p, len, XS_PERM_WRITE, &i);
    if (err)
        return err;
    if (who.domid != XS_KEEL_DOMID && perms->owner != xs->node[i].perms.owner)
        return XS_EACCES;
    if (who.tx && xs->node[i].state == XS_NODE_LIVE) {
        if (!room_for(xs, who, 1, len + xs->node[i].value_len))
            return XS_ENOSPC;
        int copy = xs_node_clone(xs, i, xs->node[i].value_len);
        memcpy(&xs->arena[xs->node[copy].str_off + len], xs_node_value(xs, &xs->node[i]), xs->node[i].value_len);
        xs->node[copy].state = XS_NODE_TX_LIVE;
        xs->node[copy].tx = (uint8_t)who.tx;
        xs->node[copy].base_gen = xs->node[i].gen;
        i = copy;
    }
    bool guest_saw = xs_guest_may_read(xs, &xs->node[i].perms);
    xs->node[i].perms = *perms;
    if (!who.tx) {
        xs->node[i].gen = ++xs->gen;
        note_change(xs, p, len, false, guest_saw || xs_guest_may_read(xs, perms));
    }
    return XS_OK;
}

/* ==== Transactions =================================================================== */

unsigned xs_tx_slot_for_id(const struct xenstore *xs, uint32_t id)
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

void xs_tx_discard(struct xenstore *xs, unsigned tx)
{
    for (int i = 0; i < XS_NODES_MAX; i++) {
        if (is_tx_record(&xs->node[i], tx))
            xs_node_free(xs, i);
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
        const char *p = xs_node_path(xs, n);
        int committed = xs_lookup(xs, 0, p, n->path_len);
        if ((committed >= 0 ? xs->node[committed].gen : 0) != n->base_gen)
            return true;
        if (n->state == XS_NODE_TX_LIVE && n->path_len > 1) {
            size_t plen = xs_parent_len(p, n->path_len);
            int own_parent = xs_tx_record(xs, tx, p, plen);
            bool parent_stays = own_parent >= 0 ? xs->node[own_parent].state == XS_NODE_TX_LIVE
                                                : xs_lookup(xs, 0, p, plen) >= 0;
            if (!parent_stays)
                return true;
        }
    }
    return false;
}

/* Publishes tx's records: removals first (whole subtrees), then new and
 * changed nodes, each a committed change. Nothing here can run out of room. */
enum xs_error xs_tx_commit(struct xenstore *xs, unsigned tx)
{
    if (tx_conflicts(xs, tx)) {
        xs_tx_discard(xs, tx);
        return XS_EAGAIN;
    }
    xs->gen++;
    for (int i = 0; i < XS_NODES_MAX; i++) {
        struct xs_node *n = &xs->node[i];
        if (!is_tx_record(n, tx) || !n->opaque)
            continue;
        const char *p = xs_node_path(xs, n);
        bool gone = n->state == XS_NODE_TX_GONE;
        if (gone && xs_lookup(xs, 0, p, n->path_len) < 0)
            continue;   /* created and removed within the transaction */
        bool guest_saw = xs_guest_may_read_subtree(xs, p, n->path_len);
        remove_committed(xs, p, n->path_len, gone);
        if (gone)
            touch_parent(xs, p, n->path_len);
        note_change(xs, p, n->path_len, true, guest_saw);
    }
    for (int i = 0; i < XS_NODES_MAX; i++) {
        struct xs_node *n = &xs->node[i];
        if (!is_tx_record(n, tx) || n->state != XS_NODE_TX_LIVE)
            continue;
        const char *p = xs_node_path(xs, n);
        int committed = xs_lookup(xs, 0, p, n->path_len);
        if (committed >= 0)
            xs_node_free(xs, committed);
        n->state = XS_NODE_LIVE;
        n->tx = 0;
        n->opaque = false;
        n->base_gen = 0;
        n->gen = ++xs->gen;
        if (n->path_len > 1)
            touch_parent(xs, p, n->path_len);
        note_change(xs, p, n->path_len, false, xs_guest_may_read(xs, &n->perms));
    }
    xs_tx_discard(xs, tx);     /* the tombstones that remain */
    return XS_OK;
}

/* ==== Keel's API ======================================================================= */

static const struct xs_who keel = { XS_KEEL_DOMID, 0 };

void xenstore_init(struct xenstore *xs, uint16_t domid)
{
    memset(xs, 0, sizeof *xs);
    xs->domid = domid;
    xs->home_len = (uint16_t)snprintf(xs->home, sizeof xs->home, "/local/domain/%u", (unsigned)domid);
    xs->next_tx_id = 1;
    xs->node[xs_node_alloc(xs, "/", 1, NULL, 0)].perms =
        (struct xs_perms){ XS_KEEL_DOMID, XS_DOMID_NONE, XS_PERM_NONE, XS_PERM_NONE };
    xs->gen = 1;
    xs->node[0].gen = 1;
    xs_mkdir(xs, "/local/domain");
    xs_mkdir(xs, xs->home);
    xs_set_perms(xs, xs->home, domid, XS_PERM_NONE, XS_DOMID_NONE, XS_PERM_NONE);
}

void xs_drop_guest_state(struct xenstore *xs)
{
    for (unsigned t = 1; t <= XS_TRANSACTIONS_MAX; t++)
        xs_tx_discard(xs, t);
    memset(xs->guest_watch, 0, sizeof xs->guest_watch);
}

void xenstore_reset_connection(struct xenstore *xs)
{
    xs_drop_guest_state(xs);
    xs->ring_attached = false;
    xs->ring_error = XENSTORE_ERROR_NONE;
    xs->input_deferred = false;
    xs->in_len = 0;
    xs->out_head = xs->out_len = 0;
}

enum xs_error xs_write(struct xenstore *xs, const char *path, const char *value)
{
    size_t len;
    enum xs_error err = xs_keel_path(path, &len);
    if (!err)
        err = xs_op_write(xs, keel, path, len, value, strlen(value));
    xs_deliver_changes(xs);
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
    enum xs_error err = xs_keel_path(path, &len);
    if (!err && (*node = xs_lookup(xs, 0, path, len)) < 0)
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
    memcpy(buf, xs_node_value(xs, n), n->value_len);
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
    enum xs_error err = xs_keel_path(path, &len);
    if (!err)
        err = op(xs, keel, path, len);
    xs_deliver_changes(xs);
    return err;
}

enum xs_error xs_mkdir(struct xenstore *xs, const char *path)
{
    return keel_path_op(xs, path, xs_op_mkdir);
}

enum xs_error xs_rm(struct xenstore *xs, const char *path)
{
    return keel_path_op(xs, path, xs_op_rm);
}

enum xs_error xs_set_perms(struct xenstore *xs, const char *path, uint16_t owner,
                           enum xs_perm others, uint16_t extra_domid, enum xs_perm extra_perm)
{
    size_t len;
    const struct xs_perms perms = { owner, extra_domid, (uint8_t)(others & XS_PERM_BOTH),
                                    (uint8_t)(extra_perm & XS_PERM_BOTH) };
    enum xs_error err = xs_keel_path(path, &len);
    if (!err)
        err = xs_op_set_perms(xs, keel, path, len, &perms);
    xs_deliver_changes(xs);
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
    enum xs_error err = xs_keel_path(path, &len);
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
