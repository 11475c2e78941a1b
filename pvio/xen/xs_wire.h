/* SPDX-License-Identifier: BSD-2-Clause */
/* Xenstore wire format: message types, the message header and the shared ring page (ABI only, no code). */
#ifndef KEEL_PVIO_XS_WIRE_H
#define KEEL_PVIO_XS_WIRE_H

/*
 * Keel's own definitions of the facts in Xen's xen/include/public/io/xs_wire.h,
 * docs/misc/xenstore.txt (messages) and docs/misc/xenstore-ring.txt (ring
 * page); ../shared/reference/xen-hvm-abi.md §5 says which ones Linux sends.
 */

#include <stddef.h>
#include <stdint.h>

/* Message types, in xs_wire.h's order (the value is the position). */
enum xs_msg_type {
    XS_CONTROL = 0,                 /* formerly DEBUG; dom0 tools only */
    XS_DIRECTORY = 1,
    XS_READ = 2,
    XS_GET_PERMS = 3,
    XS_WATCH = 4,
    XS_UNWATCH = 5,
    XS_TRANSACTION_START = 6,
    XS_TRANSACTION_END = 7,
    XS_INTRODUCE = 8,
    XS_RELEASE = 9,
    XS_GET_DOMAIN_PATH = 10,
    XS_WRITE = 11,
    XS_MKDIR = 12,
    XS_RM = 13,
    XS_SET_PERMS = 14,
    XS_WATCH_EVENT = 15,            /* server -> client only, req_id = tx_id = 0 */
    XS_ERROR = 16,                  /* reply payload: the errno name, e.g. "ENOENT\0" */
    XS_IS_DOMAIN_INTRODUCED = 17,
    XS_RESUME = 18,
    XS_SET_TARGET = 19,
    XS_RESTRICT = 20,               /* removed from Xen; never valid */
    XS_RESET_WATCHES = 21,
    XS_DIRECTORY_PART = 22,
    XS_MSG_TYPE_COUNT
};

/* Every message in either direction: this header, then `len` payload bytes. */
struct xsd_sockmsg {
    uint32_t type;                  /* enum xs_msg_type */
    uint32_t req_id;                /* chosen by the client, echoed in the reply */
    uint32_t tx_id;                 /* transaction, 0 for none; echoed */
    uint32_t len;                   /* payload bytes that follow */
};
_Static_assert(sizeof(struct xsd_sockmsg) == 16, "xsd_sockmsg is 16 bytes");

/* Larger payloads kill the connection (xenstore.txt), in both directions. */
#define XENSTORE_PAYLOAD_MAX    4096u
#define XS_MSG_MAX              (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)

/* ---- The ring page (xenstore-ring.txt) ---------------------------------------- */
#define XENSTORE_RING_SIZE      1024u           /* bytes per direction; a power of two */
#define XENSTORE_RING_MASK(idx) ((idx) & (XENSTORE_RING_SIZE - 1))

/* Indices are free-running u32 byte counts; the guest may write any field at any time. */
struct xenstore_domain_interface {
    char req[XENSTORE_RING_SIZE];   /* guest -> server */
    char rsp[XENSTORE_RING_SIZE];   /* server -> guest: replies and watch events */
    uint32_t req_cons;              /* server advances */
    uint32_t req_prod;              /* guest advances */
    uint32_t rsp_cons;              /* guest advances */
    uint32_t rsp_prod;              /* server advances */
    uint32_t server_features;       /* XENSTORE_SERVER_FEATURE_*; only the server sets bits */
    uint32_t connection;            /* XENSTORE_CONNECTED unless reconnection is offered */
    uint32_t error;                 /* XENSTORE_ERROR_*: why the server stopped */
    uint32_t evtchn_port;           /* newer Xen: the ring's event channel */
};
_Static_assert(offsetof(struct xenstore_domain_interface, rsp) == 1024, "rsp ring");
_Static_assert(offsetof(struct xenstore_domain_interface, req_cons) == 2048, "req_cons");
_Static_assert(offsetof(struct xenstore_domain_interface, req_prod) == 2052, "req_prod");
_Static_assert(offsetof(struct xenstore_domain_interface, rsp_cons) == 2056, "rsp_cons");
_Static_assert(offsetof(struct xenstore_domain_interface, rsp_prod) == 2060, "rsp_prod");
_Static_assert(offsetof(struct xenstore_domain_interface, server_features) == 2064, "features");
_Static_assert(offsetof(struct xenstore_domain_interface, connection) == 2068, "connection");
_Static_assert(offsetof(struct xenstore_domain_interface, error) == 2072, "error");
_Static_assert(offsetof(struct xenstore_domain_interface, evtchn_port) == 2076, "evtchn_port");
_Static_assert(sizeof(struct xenstore_domain_interface) <= 4096, "fits one page");

#define XENSTORE_SERVER_FEATURE_RECONNECTION  (1u << 0)
#define XENSTORE_SERVER_FEATURE_ERROR         (1u << 1)   /* the error field is meaningful */

#define XENSTORE_CONNECTED      0u
#define XENSTORE_RECONNECT      1u

#define XENSTORE_ERROR_NONE     0u
#define XENSTORE_ERROR_COMM     1u      /* event channel not working */
#define XENSTORE_ERROR_RINGIDX  2u      /* inconsistent producer or consumer index */
#define XENSTORE_ERROR_PROTO    3u      /* protocol violation, e.g. len > payload max */

#endif
