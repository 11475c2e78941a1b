/* SPDX-License-Identifier: BSD-2-Clause */
/* Port I/O bus (pure): sorted regions, binary search. */
#include <stddef.h>
#include "dev/io_bus.h"

void io_bus_init(struct io_bus *b)
{
    b->count = 0;
    b->hint = 0;
}

/* Index of the first region whose last port is >= port (count when none). */
static unsigned lower_bound(const struct io_bus *b, uint16_t port)
{
    unsigned lo = 0, hi = b->count;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (b->region[mid].last < port)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int io_bus_register(struct io_bus *b, uint16_t first, uint16_t last, const struct io_ops *ops,
                    void *ctx)
{
    if (first > last || !ops || b->count == IO_BUS_REGIONS)
        return -1;
    unsigned i = lower_bound(b, first);
    if (i < b->count && b->region[i].first <= last)
        return -1;          /* the next region starts inside [first, last] */
    for (unsigned j = b->count; j > i; j--)
        b->region[j] = b->region[j - 1];
    b->region[i] = (struct io_region){ first, last, ops, ctx };
    b->count++;
    return 0;
}

int io_bus_unregister(struct io_bus *b, uint16_t first)
{
    unsigned i = lower_bound(b, first);
    if (i == b->count || b->region[i].first != first)
        return -1;
    for (b->count--; i < b->count; i++)
        b->region[i] = b->region[i + 1];
    return 0;
}

const struct io_region *io_bus_search(struct io_bus *b, uint16_t port)
{
    unsigned i = lower_bound(b, port);
    if (i == b->count || b->region[i].first > port)
        return NULL;
    b->hint = i;
    return &b->region[i];
}
