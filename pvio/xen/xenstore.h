/* SPDX-License-Identifier: BSD-2-Clause */
/* Keel's in-hypervisor xenstore for one guest domain: the node tree with
 * permissions and transactions, guest and internal watches, and the guest's
 * shared ring. Pure C without hardware access, so host unit tests drive it;
 * callers serialize every call (Keel: the VM's lock). */
#ifndef KEEL_PVIO_XENSTORE_H
#define KEEL_PVIO_XENSTORE_H

/*
 * Model (docs/misc/xenstore.txt; ../shared/reference/xen-hvm-abi.md §5):
 *  - Two parties: the guest, domain `domid`, speaking the wire protocol over
 *    its ring, and Keel, domain 0, calling the xs_* functions below. Keel may
 *    do anything; the guest is held to node permissions.
 *  - Paths are absolute ("/local/domain/5/device/vbd/51712/state"); the
 *    guest's relative paths are below its home "/local/domain/<domid>".
 *    Valid paths: "/" or '/'-separated non-empty components of [A-Za-z0-9-_@],
 *    at most XS_PATH_MAX bytes. Values are byte strings of at most XS_VALUE_MAX.
 *  - Writing a node creates its missing parents with empty values. A new node
 *    inherits its parent's permissions; when the guest creates it, the guest
 *    becomes its owner (as in xenstored).
 *  - Permissions per node: the owner and Keel have full access; one optional
 *    extra entry gives one domain its own access; everyone else gets `others`.
 *    The guest creates nodes where it may write the nearest existing ancestor.
 *    Missing nodes read as ENOENT, or EACCES when the guest may not read the
 *    nearest existing ancestor (so it cannot probe what exists there).
 *
 * Storage is fixed-size inside struct xenstore (no allocation): XS_NODES_MAX
 * nodes whose paths and values share one XS_ARENA_SIZE byte arena. A full
 * store answers ENOSPC, and the guest meets it XS_KEEL_RESERVED_* early so
 * that Keel's backends can always write; oversize paths, values and tokens
 * answer E2BIG.
 *
 * Change delivery and reentrancy: every committed change (write, mkdir that
 * creates, rm, set_perms, transaction commit) is queued. The queue is drained
 * just before the outermost call into this module returns: after the guest
 * request's reply has been queued (ring, handle_request), or at the end of
 * xs_write/xs_rm/... when Keel calls them directly. Draining sends WATCH_EVENTs
 * for the guest's watches and calls internal watch callbacks, in change order.
 * Callbacks may call the xs_* functions (and xs_watch_internal/unwatch): their
 * changes join the queue and are delivered in the same drain, after the
 * callback returns; callbacks never nest. Callbacks must not call
 * xenstore_handle_request/xenstore_ring_process, and must converge (writing
 * only what changes), or the drain never ends.
 *
 * Guest watch events are queued output: after Keel-side changes, call
 * xenstore_ring_process (or check xenstore_has_pending_output) so that they
 * reach the ring.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pvio/xen/xs_wire.h"

#define XS_KEEL_DOMID           0           /* Keel's backends act as domain 0 */
#define XS_DOMID_NONE           0xffffu     /* no extra permission entry */

#define XS_NODES_MAX            512
#define XS_INDEX_SLOTS          (2 * XS_NODES_MAX)  /* the path index: half full at most */
#define XS_ARENA_SIZE           (128u * 1024)   /* all nodes' path and value bytes */
#define XS_PATH_MAX             256         /* bytes of an absolute path, without NUL */
#define XS_VALUE_MAX            1024
#define XS_TOKEN_MAX            128
#define XS_GUEST_WATCHES_MAX    64
#define XS_INTERNAL_WATCHES_MAX 32
#define XS_TRANSACTIONS_MAX     8
#define XS_CHANGES_MAX          64          /* beyond this, changes merge (xenstore_tree.c: note_change) */
#define XS_OUT_SIZE             (32u * 1024) /* queued replies and events; a power of two */
#define XS_REQUESTS_PER_CALL    64          /* guest requests one ring_process call handles */
#define XS_KEEL_RESERVED_NODES  32          /* the guest cannot fill the store to the last */
#define XS_KEEL_RESERVED_BYTES  (8u * 1024) /* node: Keel keeps room for backend state */

/* Error results, named on the wire as in xs_wire.h's xsd_errors ("ENOENT"). */
enum xs_error {
    XS_OK,
    XS_EINVAL,
    XS_EACCES,
    XS_EEXIST,
    XS_EISDIR,
    XS_ENOENT,
    XS_ENOMEM,
    XS_ENOSPC,
    XS_EIO,
    XS_ENOTEMPTY,
    XS_ENOSYS,
    XS_EROFS,
    XS_EBUSY,
    XS_EAGAIN,
    XS_EISCONN,
    XS_E2BIG,
};

enum xs_perm {
    XS_PERM_NONE = 0,
    XS_PERM_READ = 1,
    XS_PERM_WRITE = 2,
    XS_PERM_BOTH = 3,
};

struct xs_perms {
    uint16_t owner;             /* full access */
    uint16_t extra_domid;       /* XS_DOMID_NONE: no extra entry */
    uint8_t others;             /* enum xs_perm for every other domain */
    uint8_t extra_perm;         /* enum xs_perm for extra_domid */
};

/* Called with the absolute path that changed (or the watched path itself when
 * a removal took it away with an ancestor). The string lives until return. */
typedef void (*xs_watch_fn)(void *ctx, const char *path);

/* ---- Internal state (callers use the functions below) ------------------------- */

enum xs_node_state {
    XS_NODE_FREE,               /* zeroed: a zeroed struct xenstore holds no nodes */
    XS_NODE_LIVE,               /* committed, visible outside transactions */
    XS_NODE_TX_LIVE,            /* a transaction's own new or changed copy */
    XS_NODE_TX_GONE,            /* a transaction removed this path and everything below */
};

struct xs_node {
    uint32_t str_off;           /* arena: path bytes, then value bytes (no NULs) */
    uint16_t path_len;
    uint16_t value_len;
    uint32_t path_hash;         /* xs_path_hash of the path: lookups compare it before the bytes */
    uint32_t gen;               /* LIVE: store generation of its last change or child change */
    uint32_t base_gen;          /* TX_*: the committed node's gen when first touched, 0 if none */
    struct xs_perms perms;
    uint8_t state;              /* enum xs_node_state */
    uint8_t tx;                 /* TX_*: transaction slot + 1 */
    bool opaque;                /* TX_*: committed nodes below this path are hidden (removed) */
};

struct xs_transaction {
    uint32_t id;                /* the guest's tx_id */
    bool in_use;
};

struct xs_guest_watch {
    bool in_use;
    bool relative;              /* registered relative to home: events are relative too */
    bool initial_pending;       /* the registration event is still to be sent */
    uint16_t path_len;
    char path[XS_PATH_MAX + 1]; /* absolute, or "@special" (never fires after registration) */
    char token[XS_TOKEN_MAX + 1];
};

struct xs_internal_watch {
    xs_watch_fn fn;             /* NULL: free slot */
    void *ctx;
    uint16_t path_len;
    char path[XS_PATH_MAX + 1];
};

struct xs_change {
    uint16_t path_len;
    bool subtree;               /* a removal: also fires watches below the path */
    bool guest_may_read;        /* guest watches see it only if the guest could read the node */
    char path[XS_PATH_MAX + 1];
};

struct xenstore {
    uint16_t domid;             /* the guest */
    uint16_t home_len;
    char home[24];              /* "/local/domain/<domid>" */
    uint32_t gen;               /* bumped by every committed change */
    uint32_t next_tx_id;

    struct xs_node node[XS_NODES_MAX];
    unsigned nodes_used;
    /* Every non-free node by path_hash: open addressing, linear probing,
     * node index + 1 (0: empty), so lookups need not scan the node table. */
    uint16_t index[XS_INDEX_SLOTS];
    uint32_t arena_top;         /* next free arena byte */
    uint32_t arena_live;        /* bytes owned by nodes; the rest is reclaimed by compaction */
    uint8_t arena[XS_ARENA_SIZE];

    struct xs_transaction tx[XS_TRANSACTIONS_MAX];
    struct xs_guest_watch guest_watch[XS_GUEST_WATCHES_MAX];
    struct xs_internal_watch internal_watch[XS_INTERNAL_WATCHES_MAX];

    struct xs_change change[XS_CHANGES_MAX];    /* FIFO of undelivered changes */
    unsigned change_head, change_count;
    bool delivering;

    /* Ring transport. Our own indices are private; the page's copies are only published. */
    bool ring_attached;         /* req_cons/rsp_prod below were taken from the page */
    uint32_t req_cons, rsp_prod;
    uint32_t ring_error;        /* XENSTORE_ERROR_*: non-zero stops all ring traffic */
    bool input_deferred;        /* the per-call request budget ran out */
    uint32_t in_len;            /* bytes of the current request in in_buf */
    uint8_t in_buf[XS_MSG_MAX];
    uint32_t out_head, out_len; /* byte FIFO of replies and events for the rsp ring */
    uint8_t out[XS_OUT_SIZE];
    uint8_t reply[XS_MSG_MAX];  /* the reply being built */
    uint32_t events_dropped;    /* watch events lost to a full output queue */
};

/* ---- Setup ------------------------------------------------------------------------ */

/* Empties the store for guest `domid` (not 0) and creates "/", "/local",
 * "/local/domain" (owner 0, others none) and the guest's home
 * "/local/domain/<domid>" (owner domid, others none). Keel then writes the
 * guest's initial nodes below home with xs_write (they inherit owner domid),
 * and creates backend directories with xs_mkdir + xs_set_perms(..., 0,
 * XS_PERM_NONE, domid, XS_PERM_READ) before writing their keys, so the keys
 * inherit "guest may read, not write". */
void xenstore_init(struct xenstore *xs, uint16_t domid);

/* Forgets the guest's connection: watches, transactions, partial input,
 * queued output and a ring error; the next ring_process re-reads the page's
 * indices. The tree and internal watches stay. For a guest reboot. */
void xenstore_reset_connection(struct xenstore *xs);

/* ---- Keel's side (domain 0): absolute paths only ------------------------------ */

enum xs_error xs_write(struct xenstore *xs, const char *path, const char *value);
enum xs_error xs_printf(struct xenstore *xs, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The value as a NUL-terminated string; E2BIG when size cannot hold it. */
enum xs_error xs_read(struct xenstore *xs, const char *path, char *buf, size_t size);
/* A decimal value (as frontends write ring-ref, event-channel); EINVAL if not one. */
enum xs_error xs_read_u64(struct xenstore *xs, const char *path, uint64_t *out);
bool xs_exists(struct xenstore *xs, const char *path);
enum xs_error xs_mkdir(struct xenstore *xs, const char *path);
/* Removes the node and everything below; OK if it is missing but its parent exists. */
enum xs_error xs_rm(struct xenstore *xs, const char *path);
/* extra_domid XS_DOMID_NONE: no extra entry. Not inherited by existing children. */
enum xs_error xs_set_perms(struct xenstore *xs, const char *path, uint16_t owner,
                           enum xs_perm others, uint16_t extra_domid, enum xs_perm extra_perm);
enum xs_error xs_get_perms(struct xenstore *xs, const char *path, struct xs_perms *out);

/* Calls fn(ctx, changed_path) for every committed change at or below `path`
 * (by Keel or the guest), at the delivery point described above. No call at
 * registration: read the current state yourself. ENOSPC when all slots are used. */
enum xs_error xs_watch_internal(struct xenstore *xs, const char *path, xs_watch_fn fn, void *ctx);
void xs_unwatch_internal(struct xenstore *xs, const char *path, xs_watch_fn fn, void *ctx);

const char *xs_error_name(enum xs_error err);

/* ---- The guest's side ---------------------------------------------------------------- */

/* Handles one whole request (header + payload, req_len bytes) from the guest
 * and writes its reply (header + payload) into `reply`, which must hold
 * XS_MSG_MAX bytes; returns the reply's length (0 only if reply_size is too
 * small). Watch events go to the output queue (xenstore_take_output). */
size_t xenstore_handle_request(struct xenstore *xs, const void *req, size_t req_len,
                               void *reply, size_t reply_size);

/* Moves up to `size` bytes of queued output (replies and events, as a byte
 * stream of whole messages) into buf; returns how many. For callers that
 * carry the stream themselves, and tests. */
size_t xenstore_take_output(struct xenstore *xs, void *buf, size_t size);

/* Serves the guest's ring page (4 KiB, host pointer): copies out whole
 * requests, handles them, and streams queued replies and events into the rsp
 * ring as far as it has room. Returns true if it wrote anything: the caller
 * then raises the guest's xenstore event channel. A hostile ring (an index
 * more than a ring ahead, a payload over XENSTORE_PAYLOAD_MAX) sets the page's
 * error field and stops the connection until xenstore_reset_connection. */
bool xenstore_ring_process(struct xenstore *xs, void *ring_page);

/* Output is waiting for room in the rsp ring. The guest kicks its event
 * channel whenever it consumes responses; call xenstore_ring_process then. */
bool xenstore_has_pending_output(const struct xenstore *xs);

/* The last ring_process stopped at XS_REQUESTS_PER_CALL with requests
 * possibly left: call it again (e.g. before the next VM entry). */
bool xenstore_input_deferred(const struct xenstore *xs);

#endif
