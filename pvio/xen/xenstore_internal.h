/* SPDX-License-Identifier: BSD-2-Clause */
/* What the four files of Keel's xenstore share and nothing else may use: the
 * store's internal functions, by the file that defines them (pvio/xen/xenstore.h
 * is the interface and the model); pure, under the VM's lock. */
#ifndef KEEL_PVIO_XENSTORE_INTERNAL_H
#define KEEL_PVIO_XENSTORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pvio/xen/xenstore.h"

#define HDR_SIZE ((uint32_t)sizeof(struct xsd_sockmsg))

static inline uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* Who asks (a domain) and in which transaction slot + 1 (0: none). */
struct xs_who {
    uint16_t domid;
    unsigned tx;
};

/* MKDIR and RM, for Keel or the guest. */
typedef enum xs_error (*xs_path_op)(struct xenstore *xs, struct xs_who who, const char *p, size_t len);

/* ---- xenstore_node.c: paths, nodes and the string arena, views, permissions ---- */

bool xs_path_char_ok(char c);
/* Is p strictly below anc? Everything but "/" is below "/". */
bool xs_path_below(const char *p, size_t len, const char *anc, size_t anc_len);
bool xs_path_at_or_below(const char *p, size_t len, const char *anc, size_t anc_len);
/* Length of p's parent path: "/a/b" -> 2 ("/a"), "/a" -> 1 ("/"). Not for "/". */
size_t xs_parent_len(const char *p, size_t len);
bool xs_path_is_child(const char *p, size_t len, const char *dir, size_t dir_len);
/* Keel's own paths: NUL-terminated, absolute. */
enum xs_error xs_keel_path(const char *path, size_t *len);
/* A guest path argument, made absolute into out[XS_PATH_MAX + 1]. */
enum xs_error xs_guest_path(const struct xenstore *xs, const char *arg, char *out, size_t *len);

/* Arena bytes move when the arena compacts (any node allocation or longer
 * value): never hold a node's path or value across one. */
const char *xs_node_path(const struct xenstore *xs, const struct xs_node *n);
const char *xs_node_value(const struct xenstore *xs, const struct xs_node *n);
uint32_t xs_path_hash(const char *p, size_t len);
bool xs_node_is(const struct xenstore *xs, const struct xs_node *n, const char *p, size_t len);
bool xs_store_has_room(const struct xenstore *xs, unsigned nodes, size_t bytes);
int xs_node_alloc(struct xenstore *xs, const char *p, size_t len, const void *value, size_t value_len);
int xs_node_clone(struct xenstore *xs, int src, size_t value_len);
void xs_node_free(struct xenstore *xs, int i);
void xs_node_set_value(struct xenstore *xs, int i, const void *value, size_t value_len);

/* The node at p that transaction tx (0: none) sees, or -1. */
int xs_lookup(const struct xenstore *xs, unsigned tx, const char *p, size_t len);
int xs_tx_record(const struct xenstore *xs, unsigned tx, const char *p, size_t len);
int xs_nearest_ancestor(const struct xenstore *xs, unsigned tx, const char *p, size_t len,
                        size_t *anc_len);

bool xs_may(const struct xs_perms *p, uint16_t domid, enum xs_perm need);
bool xs_guest_may_read(const struct xenstore *xs, const struct xs_perms *p);
bool xs_guest_may_read_subtree(const struct xenstore *xs, const char *p, size_t len);
enum xs_error xs_missing_error(const struct xenstore *xs, struct xs_who who, const char *p, size_t len);
enum xs_error xs_find_node(const struct xenstore *xs, struct xs_who who, const char *p, size_t len,
                           enum xs_perm need, int *out);

/* ---- xenstore_tree.c: change queue and delivery, tree operations, transactions ---- */

/* The output queue: replies and watch events on their way to the guest. */
uint32_t xs_out_room(const struct xenstore *xs);
void xs_out_push(struct xenstore *xs, const void *data, size_t len);
void xs_out_pop(struct xenstore *xs, void *dst, uint32_t len);
/* The delivery point (xenstore.h: change delivery and reentrancy). */
void xs_deliver_changes(struct xenstore *xs);

enum xs_error xs_op_write(struct xenstore *xs, struct xs_who who, const char *p, size_t len,
                          const void *value, size_t value_len);
enum xs_error xs_op_mkdir(struct xenstore *xs, struct xs_who who, const char *p, size_t len);
enum xs_error xs_op_rm(struct xenstore *xs, struct xs_who who, const char *p, size_t len);
enum xs_error xs_op_set_perms(struct xenstore *xs, struct xs_who who, const char *p, size_t len,
                              const struct xs_perms *perms);

unsigned xs_tx_slot_for_id(const struct xenstore *xs, uint32_t id);
void xs_tx_discard(struct xenstore *xs, unsigned tx);
enum xs_error xs_tx_commit(struct xenstore *xs, unsigned tx);
/* The guest's transactions and watches go (a reset or a broken ring). */
void xs_drop_guest_state(struct xenstore *xs);

/* ---- xenstore_guest.c: guest requests ---- */

/* One request whose payload (hdr->len <= XENSTORE_PAYLOAD_MAX bytes) is
 * readable; the reply goes to reply[XS_MSG_MAX]. Changes stay queued. */
size_t xs_build_reply(struct xenstore *xs, const struct xsd_sockmsg *hdr, const char *payload,
                      uint8_t *reply);

#endif
