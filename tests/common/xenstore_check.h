/* SPDX-License-Identifier: BSD-2-Clause */
/* Host-side consistency check of a struct xenstore's bookkeeping, shared by the unit tests and the fuzz target. */
#ifndef KEEL_TESTS_XENSTORE_CHECK_H
#define KEEL_TESTS_XENSTORE_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "pvio/xen/xenstore.h"

/*
 * Walks the node table, the arena, transactions, watches and queues, and
 * returns NULL when everything holds, else a one-line description of the
 * first violation (in buf, which it NUL-terminates). Checked:
 *  - nodes_used and arena_live agree with the node table; free slots are zero;
 *  - every string lies below arena_top, and no two nodes' strings overlap or
 *    share an offset (what compaction relies on);
 *  - every path is well formed, values and paths within their limits;
 *  - committed nodes: unique paths, "/" present, every parent present, no
 *    transaction fields; transaction records: an open transaction, unique
 *    paths per transaction, removals empty and opaque;
 *  - open transactions have distinct non-zero ids, closed ones are zero;
 *  - watches hold terminated, well-formed paths and tokens;
 *  - queue indices in range; with `idle` (no call into xenstore in
 *    progress), no undelivered change and no delivery under way.
 */
const char *xenstore_check(const struct xenstore *xs, bool idle, char *buf, size_t size);

#endif
