/* SPDX-License-Identifier: BSD-2-Clause */
/* Port I/O bus of a VM (pure; built at VM creation, dispatched at I/O exits
 * under the VM's lock): devices register the port ranges they decode, with
 * their handlers and a context; the bus finds the device by binary search
 * and names none. Unclaimed ports read as all-ones and ignore writes, like
 * an empty ISA bus. */
#ifndef KEEL_DEV_IO_BUS_H
#define KEEL_DEV_IO_BUS_H

#include <stdbool.h>
#include <stdint.h>

#define IO_BUS_REGIONS 32

/* What a write asks of the machine beyond the device's own state; the
 * dispatcher turns it into the VM's end. */
enum dev_request {
    DEV_REQ_NONE,
    DEV_REQ_RESET,          /* 8042 pulse, reset control register */
    DEV_REQ_POWEROFF,       /* ACPI S5, the Bochs shutdown port */
    DEV_REQ_DEBUG_EXIT,     /* isa-debug-exit: status in dev_reply.status */
};
struct dev_reply {
    enum dev_request request;
    uint32_t status;
};

/* A device's handlers. size is 1, 2 or 4; reads return the value in the
 * low `size` bytes. `kicks`: an access may change an interrupt line's
 * condition or a timer deadline the device does not signal itself, so the
 * dispatcher looks at interrupts again before the next entry. */
struct io_ops {
    uint32_t (*read)(void *ctx, uint16_t port, unsigned size);      /* NULL: reads all-ones */
    void (*write)(void *ctx, uint16_t port, unsigned size, uint32_t val,
                  struct dev_reply *reply);                         /* NULL: ignored */
    bool kicks;
};

struct io_region {
    uint16_t first, last;
    const struct io_ops *ops;
    void *ctx;
};

/* Regions sorted by first port, never overlapping. */
struct io_bus {
    unsigned count;
    unsigned hint;              /* the region found last: guests poll one port in loops */
    struct io_region region[IO_BUS_REGIONS];
};

void io_bus_init(struct io_bus *b);
/* Claim ports first..last. 0, or -1 when the range is empty or inverted,
 * overlaps a registered one, or the bus is full. */
int io_bus_register(struct io_bus *b, uint16_t first, uint16_t last, const struct io_ops *ops,
                    void *ctx);
/* Give back the range that starts at first (a BAR moving); 0, or -1 when none does. */
int io_bus_unregister(struct io_bus *b, uint16_t first);
/* The region that decodes port, or NULL: the binary search behind io_bus_find. */
const struct io_region *io_bus_search(struct io_bus *b, uint16_t port);

/* The region that decodes port, or NULL. Inline: it is on every port I/O
 * exit, and the hint makes it two compares there. */
static inline const struct io_region *io_bus_find(struct io_bus *b, uint16_t port)
{
    const struct io_region *r = &b->region[b->hint];
    if (b->hint < b->count && port >= r->first && port <= r->last)
        return r;
    return io_bus_search(b, port);
}

/* One access, dispatched: *kick is set when the device asked for it. */
static inline uint32_t io_bus_read(struct io_bus *b, uint16_t port, unsigned size, bool *kick)
{
    const struct io_region *r = io_bus_find(b, port);
    if (!r || !r->ops->read)
        return 0xffffffffu;
    *kick |= r->ops->kicks;
    return r->ops->read(r->ctx, port, size);
}

static inline void io_bus_write(struct io_bus *b, uint16_t port, unsigned size, uint32_t val,
                                struct dev_reply *reply, bool *kick)
{
    const struct io_region *r = io_bus_find(b, port);
    if (!r || !r->ops->write)
        return;
    *kick |= r->ops->kicks;
    r->ops->write(r->ctx, port, size, val, reply);
}

#endif
