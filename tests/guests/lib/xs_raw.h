/* SPDX-License-Identifier: BSD-2-Clause */
/* xs_raw.h — a raw xenstore client for the Xen-mode test guests (xen_hostile_blk,
 * xen_hostile_net): xs_wire messages (xen/include/public/io/xs_wire.h) written straight
 * into the shared xenstore ring page, written out here rather than taken from Keel's
 * pvio/ headers so the guests check Keel against the ABI. Nothing validates what it
 * sends: the guests use it to send malformed messages too. Polled, single vCPU; the
 * store event channel is kicked after each request and whenever the ring stalls. */
#ifndef GUEST_XS_RAW_H
#define GUEST_XS_RAW_H

#include <stdbool.h>
#include <stdint.h>

/* Where Keel puts the xenstore ring page; the guests check HVM_PARAM_STORE_PFN against it. */
#define XS_RING_GPA     0xfeffc000ull

/* Message types (xs_wire.h enum xsd_sockmsg_type), those the guests send or expect. */
enum {
    XS_DIRECTORY = 1, XS_READ = 2, XS_WATCH = 4, XS_TRANSACTION_START = 6,
    XS_TRANSACTION_END = 7, XS_INTRODUCE = 8, XS_WRITE = 11, XS_RM = 13, XS_SET_PERMS = 14,
    XS_WATCH_EVENT = 15, XS_ERROR = 16,
};

/* The ring page (xenstore_domain_interface): two 1024-byte byte rings and their indices. */
#define XS_RING_SIZE    1024u
struct xs_ring {
    char req[XS_RING_SIZE];
    char rsp[XS_RING_SIZE];
    uint32_t req_cons, req_prod, rsp_cons, rsp_prod;
    uint32_t server_features, connection, error, evtchn_port;
};
#define XS_RING ((volatile struct xs_ring *)(uintptr_t)XS_RING_GPA)
#define XENSTORE_ERROR_PROTO 3

struct xs_hdr {
    uint32_t type, req_id, tx_id, len;
};

/* The last message read: header, body NUL-terminated (error replies name the errno). */
extern struct xs_msg {
    struct xs_hdr h;
    char body[4097];
} xs_msg;
extern uint32_t xs_next_id;             /* req_id of the next request */
extern unsigned xs_events;              /* watch events met while waiting for replies */
extern char xs_event_path[160];         /* the last one's body (path, NUL, token) */
extern bool xs_bad_reply;               /* a reply echoed the wrong req_id or tx_id */

/* Before the first request: checks that HVM_PARAM_STORE_PFN names XS_RING_GPA and that
 * HVM_PARAM_STORE_EVTCHN gives a port, which it stores in *port (false after a failed
 * check). first_id: the first req_id (each guest numbers its requests from its own base,
 * so a log tells them apart). */
bool xs_connect(uint32_t first_id, uint32_t *port);

/* Notifies the store's event channel. */
void xs_kick(void);

/* Copies len bytes into the request ring and publishes them (no kick unless the ring is
 * full); false if the indices are impossible or the ring stays full. */
bool xs_put(const void *data, uint32_t len);

/* Sends a header for type, tx and len payload bytes as given, kicks, and reads until the
 * reply: returns its type with its body in xs_msg.body, or -1 when no reply came. Watch
 * events met on the way are counted in xs_events; replies to other requests set
 * xs_bad_reply and are skipped. */
int xs_raw(uint32_t type, uint32_t tx, const void *payload, uint32_t len);

/* Payload "a\0" (b NULL), "a\0b" (b_nul false, as WRITE wants) or "a\0b\0" (WATCH). */
int xs_req(uint32_t type, uint32_t tx, const char *a, const char *b, bool b_nul);

/* The value, or NULL (error reply or none; the error name stays in xs_msg.body). */
const char *xs_read(const char *path);

/* WRITE answered "OK". */
bool xs_write_tx(uint32_t tx, const char *path, const char *value);
bool xs_write(const char *path, const char *value);

/* dir + "/" + key, in one of 4 rotating static buffers (so several may be in use at
 * once); "" if longer than 159 bytes. */
const char *xs_path(const char *dir, const char *key);

#endif
