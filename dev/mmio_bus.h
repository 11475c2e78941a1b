/* SPDX-License-Identifier: BSD-2-Clause */
/* MMIO bus of a VM (pure; built at VM creation, changed and dispatched at
 * exits under the VM's lock): devices register the guest-physical ranges
 * they decode, with their handlers and a context; the bus finds the device
 * by binary search and names none. A device sees the offset inside its
 * range, the access size and the index of the CPU that made the access,
 * never a vCPU or a VM; like the port I/O bus (dev/io_bus.h), a device that
 * needs the time takes it through its context.
 *
 * Per-CPU ranges. A LAPIC's page is private to its CPU: every vCPU's LAPIC
 * decodes the page at that vCPU's own IA32_APIC_BASE, usually all at the
 * same address, and each CPU reaches only its own there (SDM Vol. 3A
 * 11.4.1, 11.4.5). Such ranges cannot share the one sorted, disjoint list of
 * the machine's ranges, so each CPU has a small table of its own, the same
 * sorted, disjoint list at a smaller size, consulted before the shared one:
 * a CPU's range shadows whatever is registered for all CPUs at those
 * addresses, as a CPU's accesses to its APIC page reach its APIC whatever
 * else lies there. A
 * per-CPU range is therefore checked for overlap only against that CPU's
 * other ranges, and a range for all CPUs only against the others for all
 * CPUs: a guest moving its APIC base onto a device's page is legal and does
 * not fail. The alternative, a CPU index on every region of one list, would
 * make the list overlap itself and the binary search ambiguous.
 *
 * Moving: a BAR write or a guest relocating its APIC base moves a range with
 * mmio_bus_move (same length, handlers and context); mmio_bus_unregister
 * removes one (an APIC disabled or switched to x2APIC mode). */
#ifndef KEEL_DEV_MMIO_BUS_H
#define KEEL_DEV_MMIO_BUS_H

#include <stdbool.h>
#include <stdint.h>

#define MMIO_BUS_REGIONS      16    /* ranges for all CPUs */
#define MMIO_BUS_CPUS         8     /* CPUs with a table of their own */
#define MMIO_BUS_CPU_REGIONS  2     /* ranges per CPU */
#define MMIO_BUS_ALL_CPUS     (~0u) /* `cpu` of a range every CPU decodes */

/* A device's handlers. `offset` is from the start of the range and
 * offset + size never passes its end; size is 1, 2, 4 or 8 and reads return
 * the value in the low `size` bytes. `cpu` is the accessing CPU's index.
 * `kicks`: a write may change an interrupt's condition or a timer deadline
 * the device does not signal itself, so the dispatcher looks at interrupts
 * again before the next entry (reads are taken not to). */
struct mmio_ops {
    uint64_t (*read)(void *ctx, unsigned cpu, uint64_t offset, unsigned size);  /* NULL: all-ones */
    void (*write)(void *ctx, unsigned cpu, uint64_t offset, unsigned size, uint64_t val); /* NULL: ignored */
    bool kicks;
};

struct mmio_region {
    uint64_t first, last;       /* guest-physical, inclusive */
    const struct mmio_ops *ops;
    void *ctx;
};

/* Each table sorted by first address, never overlapping. */
struct mmio_cpu_table {
    unsigned count;
    struct mmio_region region[MMIO_BUS_CPU_REGIONS];
};

struct mmio_bus {
    unsigned count;
    unsigned hint;              /* the shared region found last: guests poll one register */
    struct mmio_region region[MMIO_BUS_REGIONS];
    struct mmio_cpu_table cpu[MMIO_BUS_CPUS];
};

void mmio_bus_init(struct mmio_bus *b);
/* Claim [base, base + size) for CPU `cpu` only, or for every CPU with
 * MMIO_BUS_ALL_CPUS. 0, or -1 when size is 0, the range wraps past 2^64,
 * ops is NULL, cpu is neither MMIO_BUS_ALL_CPUS nor below MMIO_BUS_CPUS,
 * the range overlaps one in the same table, or that table is full. */
int mmio_bus_register(struct mmio_bus *b, unsigned cpu, uint64_t base, uint64_t size,
                      const struct mmio_ops *ops, void *ctx);
/* Give back the range of `cpu`'s table that starts at base; 0, or -1 when none does. */
int mmio_bus_unregister(struct mmio_bus *b, unsigned cpu, uint64_t base);
/* Move the range of `cpu`'s table that starts at old_base to new_base,
 * keeping its length, handlers and context. 0, or -1 when no range starts
 * at old_base, or the new place wraps or overlaps another range of that
 * table (the range then stays where it was). */
int mmio_bus_move(struct mmio_bus *b, unsigned cpu, uint64_t old_base, uint64_t new_base);

/* The region that decodes gpa for CPU `cpu`, or NULL: that CPU's own table
 * first, then the shared one. The shared search remembers its hit. */
const struct mmio_region *mmio_bus_find(struct mmio_bus *b, unsigned cpu, uint64_t gpa);

/* One access by CPU `cpu`. false when nothing decodes gpa. Claimed, an
 * access of a size other than 1, 2, 4 or 8 or one running past the end of
 * its range is not passed on: it reads all-ones and writes nothing. *kick
 * is set when the device asked for it. */
bool mmio_bus_read(struct mmio_bus *b, unsigned cpu, uint64_t gpa, unsigned size, uint64_t *val);
bool mmio_bus_write(struct mmio_bus *b, unsigned cpu, uint64_t gpa, unsigned size, uint64_t val,
                    bool *kick);

#endif
