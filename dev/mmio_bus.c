/* SPDX-License-Identifier: BSD-2-Clause */
/* MMIO bus (pure): a sorted table of ranges for all CPUs and a small one per
 * CPU, each searched by binary search. */
#include <stddef.h>
#include "dev/mmio_bus.h"

/* One table: the shared one or a CPU's own. */
struct table {
    struct mmio_region *region;
    unsigned *count;
    unsigned cap;
};

static bool table_of(struct mmio_bus *b, unsigned cpu, struct table *t)
{
    if (cpu == MMIO_BUS_ALL_CPUS) {
        *t = (struct table){ b->region, &b->count, MMIO_BUS_REGIONS };
        return true;
    }
    if (cpu >= MMIO_BUS_CPUS)
        return false;
    *t = (struct table){ b->cpu[cpu].region, &b->cpu[cpu].count, MMIO_BUS_CPU_REGIONS };
    return true;
}

/* Index of the first region whose last address is >= gpa (count when none). */
static unsigned lower_bound(const struct mmio_region *region, unsigned count, uint64_t gpa)
{
    unsigned lo = 0, hi = count;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (region[mid].last < gpa)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The index of the region containing gpa, or count. */
static unsigned search(const struct mmio_region *region, unsigned count, uint64_t gpa)
{
    unsigned i = lower_bound(region, count, gpa);
    return i < count && region[i].first <= gpa ? i : count;
}

static int insert(const struct table *t, const struct mmio_region *r)
{
    unsigned n = *t->count;
    if (n == t->cap)
        return -1;
    unsigned i = lower_bound(t->region, n, r->first);
    if (i < n && t->region[i].first <= r->last)
        return -1;          /* the next region starts inside [first, last] */
    for (unsigned j = n; j > i; j--)
        t->region[j] = t->region[j - 1];
    t->region[i] = *r;
    *t->count = n + 1;
    return 0;
}

/* Remove the region that starts at base into *out. */
static int take(const struct table *t, uint64_t base, struct mmio_region *out)
{
    unsigned n = *t->count;
    unsigned i = lower_bound(t->region, n, base);
    if (i == n || t->region[i].first != base)
        return -1;
    *out = t->region[i];
    for (n--; i < n; i++)
        t->region[i] = t->region[i + 1];
    *t->count = n;
    return 0;
}

void mmio_bus_init(struct mmio_bus *b)
{
    b->count = 0;
    b->hint = 0;
    for (unsigned i = 0; i < MMIO_BUS_CPUS; i++)
        b->cpu[i].count = 0;
}

int mmio_bus_register(struct mmio_bus *b, unsigned cpu, uint64_t base, uint64_t size,
                      const struct mmio_ops *ops, void *ctx)
{
    struct table t;
    if (!size || size - 1 > UINT64_MAX - base || !ops || !table_of(b, cpu, &t))
        return -1;
    const struct mmio_region r = { base, base + (size - 1), ops, ctx };
    return insert(&t, &r);
}

int mmio_bus_unregister(struct mmio_bus *b, unsigned cpu, uint64_t base)
{
    struct table t;
    struct mmio_region r;
    return table_of(b, cpu, &t) ? take(&t, base, &r) : -1;
}

int mmio_bus_move(struct mmio_bus *b, unsigned cpu, uint64_t old_base, uint64_t new_base)
{
    struct table t;
    struct mmio_region r;
    if (!table_of(b, cpu, &t) || take(&t, old_base, &r))
        return -1;
    uint64_t span = r.last - r.first;
    struct mmio_region moved = r;
    moved.first = new_base;
    moved.last = new_base + span;
    if (span <= UINT64_MAX - new_base && !insert(&t, &moved))
        return 0;
    insert(&t, &r);         /* its old place: free, since it was just taken from there */
    return -1;
}

const struct mmio_region *mmio_bus_find(struct mmio_bus *b, unsigned cpu, uint64_t gpa)
{
    if (cpu < MMIO_BUS_CPUS && b->cpu[cpu].count) {
        const struct mmio_cpu_table *c = &b->cpu[cpu];
        unsigned i = search(c->region, c->count, gpa);
        if (i < c->count)
            return &c->region[i];
    }
    const struct mmio_region *h = &b->region[b->hint];
    if (b->hint < b->count && gpa >= h->first && gpa <= h->last)
        return h;
    unsigned i = search(b->region, b->count, gpa);
    if (i == b->count)
        return NULL;
    b->hint = i;
    return &b->region[i];
}

/* Whether the access can be passed on: a size devices take, inside the range. */
static bool fits(const struct mmio_region *r, uint64_t gpa, unsigned size)
{
    return (size == 1 || size == 2 || size == 4 || size == 8) && size - 1 <= r->last - gpa;
}

bool mmio_bus_read(struct mmio_bus *b, unsigned cpu, uint64_t gpa, unsigned size, uint64_t *val)
{
    const struct mmio_region *r = mmio_bus_find(b, cpu, gpa);
    if (!r)
        return false;
    *val = UINT64_MAX;
    if (r->ops->read && fits(r, gpa, size))
        *val = r->ops->read(r->ctx, cpu, gpa - r->first, size);
    return true;
}

bool mmio_bus_write(struct mmio_bus *b, unsigned cpu, uint64_t gpa, unsigned size, uint64_t val,
                    bool *kick)
{
    const struct mmio_region *r = mmio_bus_find(b, cpu, gpa);
    if (!r)
        return false;
    if (r->ops->write && fits(r, gpa, size)) {
        *kick |= r->ops->kicks;
        r->ops->write(r->ctx, cpu, gpa - r->first, size, val);
    }
    return true;
}
