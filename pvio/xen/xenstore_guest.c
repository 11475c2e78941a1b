/* SPDX-License-Identifier: BSD-2-Clause */
/* Keel's xenstore, the guest's requests: the wire messages (xs_wire.h) parsed,
 * handled and answered, whether they come from the ring or
 * xenstore_handle_request; pure, under the VM's lock. */
#include "pvio/xen/xenstore_internal.h"

#include <string.h>
#include "lib/print.h"

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
    return xs_guest_path(r->xs, arg, path, len);
}

/* The path argument of READ, DIRECTORY, GET_PERMS, and its node, readable by the guest. */
static enum xs_error get_readable_arg(const struct xs_request *r, char *path, size_t *len, int *node)
{
    enum xs_error err = get_path_arg(r, path, len);
    return err ? err : xs_find_node(r->xs, r->who, path, *len, XS_PERM_READ, node);
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
        reply_bytes(r, xs_node_value(r->xs, &r->xs->node[i]), r->xs->node[i].value_len);
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
        const char *child = xs_node_path(xs, n);
        if (n->state == XS_NODE_FREE || n->state == XS_NODE_TX_GONE ||
            !xs_path_is_child(child, n->path_len, path, len))
            continue;
        if (n->state == XS_NODE_TX_LIVE ? n->tx != r->who.tx
                                         : r->who.tx && xs_lookup(xs, r->who.tx, child, n->path_len) != i)
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
    enum xs_error err = xs_guest_path(r->xs, str[0], path, &len);
    if (!err)
        err = xs_op_set_perms(r->xs, r->who, path, len, &perms);
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
    enum xs_error err = xs_guest_path(r->xs, r->payload, path, &len);
    if (err)
        return err;
    size_t value_off = (size_t)(nul - r->payload) + 1;
    err = xs_op_write(r->xs, r->who, path, len, r->payload + value_off, r->hdr->len - value_off);
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

static enum xs_error handle_mkdir(struct xs_request *r) { return guest_path_op(r, xs_op_mkdir); }
static enum xs_error handle_rm(struct xs_request *r) { return guest_path_op(r, xs_op_rm); }

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
            if (str[0][i] != '/' && !xs_path_char_ok(str[0][i]))
                return XS_EINVAL;
        }
        memcpy(w->path, str[0], len + 1);
    } else {
        enum xs_error err = xs_guest_path(r->xs, str[0], w->path, &len);
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
    xs_drop_guest_state(r->xs);
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
        while (xs->next_tx_id == 0 || xs_tx_slot_for_id(xs, xs->next_tx_id))
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
        err = xs_tx_commit(r->xs, r->who.tx);
    else
        xs_tx_discard(r->xs, r->who.tx);
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
size_t xs_build_reply(struct xenstore *xs, const struct xsd_sockmsg *hdr, const char *payload, uint8_t *reply)
{
    struct xs_request r = { xs, { xs->domid, 0 }, hdr, payload, (char *)reply + HDR_SIZE, 0 };
    enum xs_error err;
    if (hdr->type >= XS_MSG_TYPE_COUNT || !handlers[hdr->type].fn)
        err = XS_ENOSYS;
    else if (handlers[hdr->type].uses_tx && hdr->tx_id && !(r.who.tx = xs_tx_slot_for_id(xs, hdr->tx_id)))
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
        n = xs_build_reply(xs, &hdr, (const char *)req + HDR_SIZE, reply);
    xs_deliver_changes(xs);
    return n;
}

size_t xenstore_take_output(struct xenstore *xs, void *buf, size_t size)
{
    uint32_t n = min_u32(xs->out_len, size > XS_OUT_SIZE ? XS_OUT_SIZE : (uint32_t)size);
    xs_out_pop(xs, buf, n);
    return n;
}
