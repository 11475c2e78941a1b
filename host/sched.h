/* SPDX-License-Identifier: BSD-2-Clause */
/* The vCPU scheduler's core: per-CPU run queues and a proportional-share
 * policy after Xen's credit scheduler (xen/common/sched/credit.c). Pure:
 * time is passed in (nanoseconds), entities are owned by the caller, nothing
 * is allocated, no hardware is touched and no lock is taken. Every call
 * returns a decision (which entity to run, for how long, which CPU to kick);
 * the caller arms the timer, sends the IPI and switches the VMCS.
 *
 * Policy (Xen's credit scheduler, per entity = per vCPU):
 *  - Credits: running costs 10 credits per millisecond (charged by
 *    sched_account, with the sub-credit remainder carried). Every period
 *    (one time slice, 30 ms by default) sched_replenish hands out
 *    10 credits/ms x slice x CPUs among the *active* entities in proportion
 *    to their weights, each capped at one CPU's worth; what a capped entity
 *    cannot take goes to the others. A vCPU of a VM gets the VM's
 *    cpu_weight, so a VM's share is its weight times its busy vCPUs, as in
 *    Xen, where a domain's share is weight x active vCPUs.
 *  - Priorities: an entity with credit >= 0 is UNDER, below 0 OVER; UNDER
 *    runs before OVER. Credits below -one slice's worth are clamped there;
 *    an entity holding more than one slice's worth stops earning (inactive)
 *    and its credit is halved; it becomes active again once it has run for
 *    a tick (a third of a slice, 10 ms).
 *  - BOOST: an UNDER entity that wakes from blocking gets BOOST, ahead of
 *    every UNDER one, and preempts a running UNDER/OVER entity (its CPU is
 *    kicked). Boost ends after a tick of run time, or at the next period,
 *    so I/O-bound entities keep low wake-up latency and CPU-bound ones
 *    keep no advantage.
 *  - Queue: ordered by priority, first in first out within one; an entity
 *    put back after its slice goes behind its equals (round robin). A
 *    yielding entity goes behind one entity of lower priority as well, if
 *    there is one, and is not stolen while it waits.
 *  - Rate limit: an entity that has run for less than the rate limit (1 ms)
 *    is not preempted by a re-pick; it continues for the rest of it.
 *  - Load balance: a CPU with nothing better than OVER work (or nothing)
 *    steals the first entity of strictly higher priority from another busy
 *    CPU's queue, which its hard affinity allows, not yielding. An idle CPU
 *    always looks; a CPU with OVER work at most once per millisecond.
 *  - Wake-up: the woken entity's own CPU is kicked when it is idle or when
 *    the newcomer outranks what runs there; otherwise an idle CPU the
 *    entity may run on is kicked and steals it; otherwise no one is.
 *  - Weight: 1..65535 (xl.cfg cpu_weight; default 256); anything else is
 *    refused (libxl refuses it too: "Cpu weight out of range"). Hard
 *    affinity: a mask of CPUs (xl.cfg cpus=); bits for CPUs the scheduler
 *    does not have are ignored; a mask with none of its CPUs is refused.
 *
 * Where it differs from credit.c: no caps, no soft affinity, no SMT- or
 * NUMA-aware placement (a new entity goes to the least loaded CPU it may
 * use); credit is kept per entity rather than per domain (the same shares,
 * see above); Xen's 10 ms tick that ends a boost and activates whoever runs
 * is emulated from the entity's own run time (no timer); the queue is kept
 * strictly by priority (but for yielders) instead of sorted lazily; and an
 * idle CPU balances without the 1 ms rate limit.
 *
 * Use (not wired yet): a CPU whose slice ended, or that was kicked, charges
 * what ran (sched_account) and asks sched_pick for the next entity and its
 * slice, arms the VMX-preemption or LAPIC timer with it, and reloads the
 * vCPU's VMCS if it moved (e->migrated); NULL means halt until a kick. HLT
 * with interrupts on is sched_block then sched_pick; an interrupt, IPI,
 * timer or event channel for a vCPU is sched_wake, whose answer is the CPU
 * to send an IPI to. One CPU runs sched_replenish each period.
 *
 * Locking (the caller's; this module takes none). Each CPU's run queue has
 * one lock. An attached entity belongs to CPU e->cpu and everything in it is
 * protected by that CPU's lock: to lock an entity, read e->cpu, lock that
 * CPU, and retry if e->cpu changed meanwhile (only a steal moves it, with
 * both CPUs' locks held).
 *  - sched_pick(cpu): cpu's lock. When it balances it takes each peer
 *    through lock_ops.trylock and never waits, so two CPUs stealing from
 *    each other cannot deadlock; a peer whose lock is busy is skipped.
 *  - sched_add(cpu): cpu's lock. sched_wake, sched_block, sched_yield_cpu,
 *    sched_remove, sched_account, sched_set_weight: the entity's CPU lock.
 *  - sched_replenish: every CPU's lock, taken in ascending CPU order, by one
 *    CPU when sched_replenish_due says so.
 *  - sched_place, sched_replenish_due and the wake-up's choice of an idle
 *    CPU read other CPUs' loads and the idle mask without their locks
 *    (atomic loads): a hint, as Xen's idlers mask is.
 */
#ifndef KEEL_HOST_SCHED_H
#define KEEL_HOST_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#define SCHED_MAX_CPUS       64 /* the width of an affinity mask */
#define SCHED_WEIGHT_MIN     1
#define SCHED_WEIGHT_MAX     65535
#define SCHED_WEIGHT_DEFAULT 256
#define SCHED_CPU_NONE       (~0u)
#define SCHED_NO_KICK        (-1)       /* a call's answer: no CPU needs an IPI */
#define SCHED_EINVAL         (-2)       /* a call's answer: the arguments were refused */
#define SCHED_SLICE_NONE     UINT64_MAX /* the slice of an idle CPU: wait for a kick */

/* Xen's defaults (credit.c CSCHED_DEFAULT_TSLICE_MS, sched/private.h
 * SCHED_DEFAULT_RATELIMIT_US, credit.c CSCHED_DEFAULT_LOAD_BALANCE_RATELIMIT_US). */
#define SCHED_TSLICE_DEFAULT_NS    30000000ull
#define SCHED_RATELIMIT_DEFAULT_NS 1000000ull
#define SCHED_BALANCE_DEFAULT_NS   1000000ull

/* Priorities, higher runs first (credit.c CSCHED_PRI_*). */
enum sched_pri {
    SCHED_PRI_IDLE = -64, /* what an empty queue offers */
    SCHED_PRI_OVER = -2,  /* spent its credit */
    SCHED_PRI_UNDER = -1, /* has credit */
    SCHED_PRI_BOOST = 0,  /* woke from blocking with credit */
};

enum sched_state {
    SCHED_DETACHED, /* not in the scheduler */
    SCHED_RUNNABLE, /* in its CPU's run queue */
    SCHED_RUNNING,  /* its CPU's current entity */
    SCHED_BLOCKED,  /* waiting for a wake-up (may still be its CPU's current
                       entity until that CPU picks again) */
};

struct sched_link {
    struct sched_link *prev, *next; /* next == NULL: on no list */
};

/* One schedulable vCPU; embedded in its owner, initialised with
 * sched_entity_init. The caller reads the fields; only this module writes. */
struct sched_entity {
    struct sched_link runq_link;   /* in cpu's run queue while RUNNABLE */
    struct sched_link member_link; /* in cpu's members while attached */
    uint64_t affinity;             /* hard affinity: bit n = CPU n may run it */
    uint32_t weight;               /* SCHED_WEIGHT_MIN..MAX */
    enum sched_state state;
    int pri;              /* enum sched_pri */
    int64_t credit;       /* 10 per millisecond of CPU */
    uint64_t residual_ns; /* charged time not yet a whole credit */
    uint64_t tick_ns;     /* run time towards the next emulated tick */
    bool active;          /* earns credit at each period */
    bool yielding;        /* yielded; cleared when picked */
    bool migrated;        /* set by sched_pick: it last ran on another CPU, so
                             the caller reloads its per-CPU state there */
    unsigned cpu;         /* the CPU it belongs to while attached */
    unsigned last_cpu;    /* where it last ran, SCHED_CPU_NONE before */
    uint64_t run_start;   /* when sched_pick last chose it */
    uint64_t woke_at;     /* when it last woke, for the wait statistics */
    bool waiting;         /* woken and not yet picked */
    /* Statistics. */
    uint64_t ran_ns;        /* all time charged */
    uint64_t max_wait_ns;   /* the longest wake-to-run delay */
    uint64_t nr_migrations; /* times stolen by another CPU */
};

struct sched_params {
    uint64_t tslice_ns;    /* 1 ms .. 1 s (Xen's TSLICE_MIN/MAX); also the period */
    uint64_t ratelimit_ns; /* 0 (off) or 100 us .. min(tslice, 500 ms) */
    uint64_t balance_ns;   /* 0 .. 1 s between balancing tries of a busy CPU */
};

/* How sched_pick takes a peer CPU's lock to steal from it: trylock answers
 * whether it got the lock. Both NULL: no locking (one thread, the tests). */
struct sched_lock_ops {
    bool (*trylock)(void *ctx, unsigned cpu);
    void (*unlock)(void *ctx, unsigned cpu);
    void *ctx;
};

struct sched_cpu {
    struct sched_link runq;    /* RUNNABLE entities, by priority */
    struct sched_link members; /* every entity attached to this CPU */
    struct sched_entity *curr; /* RUNNING, or BLOCKED until the next pick */
    unsigned nr_queued;
    unsigned nr_members;
    unsigned load;         /* nr_queued + a running curr; read unlocked */
    uint64_t last_balance; /* when a busy pick last tried to steal */
    unsigned balance_bias; /* the peer it stole from last; it looks after it next */
    unsigned last_tickle;  /* the idle CPU a wake-up here kicked last */
};

/* One machine's scheduler; the caller owns it (a static, in practice). */
struct sched {
    unsigned nr_cpus;
    uint64_t cpu_mask; /* the CPUs it has */
    uint64_t idlers;   /* CPUs whose last pick found nothing (atomic) */
    uint64_t tslice_ns, ratelimit_ns, balance_ns, tick_ns;
    int64_t credits_per_tslice;
    int64_t credit_balance; /* what the last period left, summed */
    uint64_t next_period;   /* when sched_replenish is due */
    struct sched_lock_ops lock_ops;
    struct sched_cpu cpu[SCHED_MAX_CPUS];
};

/* nr_cpus 1..SCHED_MAX_CPUS; params NULL: Xen's defaults; lock_ops NULL: no
 * locking. 0, or SCHED_EINVAL for values out of range. */
int sched_init(struct sched *s, unsigned nr_cpus, const struct sched_params *params,
               const struct sched_lock_ops *lock_ops);

/* A detached entity with this weight and hard affinity: 0, or SCHED_EINVAL
 * (weight out of 1..65535, empty mask). */
int sched_entity_init(struct sched_entity *e, uint32_t weight, uint64_t affinity);
/* Change the weight of an attached or detached entity (xl sched-credit). */
int sched_set_weight(struct sched_entity *e, uint32_t weight);
/* Change the hard affinity of a detached entity; an attached one is
 * removed, changed and added again by the caller (SCHED_EINVAL here). */
int sched_set_affinity(struct sched_entity *e, uint64_t affinity);

/* Where to add e: the least loaded CPU its affinity allows, the lowest such
 * index on a tie; SCHED_EINVAL if it allows none of s's CPUs. No lock. */
int sched_place(const struct sched *s, const struct sched_entity *e);
/* Attach a detached entity to cpu, RUNNABLE (a vCPU that waits for SIPI is
 * then blocked with sched_block). Answers the CPU to kick, SCHED_NO_KICK,
 * or SCHED_EINVAL (attached, cpu out of range or outside its affinity). */
int sched_add(struct sched *s, struct sched_entity *e, unsigned cpu);
/* Detach e in any state. Answers its CPU if e was that CPU's current entity
 * (the CPU must stop running it and pick again), SCHED_NO_KICK otherwise. */
int sched_remove(struct sched *s, struct sched_entity *e);

/* What cpu runs next, from time now: the current entity goes back in the
 * queue if it is still running, the best queued one is chosen, and other
 * CPUs are stolen from when that is OVER or nothing. NULL: idle until a
 * kick. *slice_ns: how long before the caller must call sched_pick again
 * (the preemption timer), SCHED_SLICE_NONE when idle. A bad cpu: NULL. */
struct sched_entity *sched_pick(struct sched *s, unsigned cpu, uint64_t now, uint64_t *slice_ns);
/* Charge ran_ns of cpu's time to e (attached to cpu, in any state): burns
 * its credit, ends its boost and makes it active once per tick of run time.
 * 0, or SCHED_EINVAL. */
int sched_account(struct sched *s, unsigned cpu, struct sched_entity *e, uint64_t ran_ns);
/* e waits (HLT with interrupts on, SCHEDOP_block). Answers e's CPU if e is
 * its current entity (that CPU must pick again), else SCHED_NO_KICK. */
int sched_block(struct sched *s, struct sched_entity *e);
/* e may run again (an interrupt, IPI, timer or event channel). Answers the
 * CPU to kick, SCHED_NO_KICK, or SCHED_EINVAL (detached). */
int sched_wake(struct sched *s, struct sched_entity *e, uint64_t now);
/* e gives the rest of its slice away (SCHEDOP_yield, PAUSE loop); its CPU
 * then calls sched_pick. 0, or SCHED_EINVAL. (Not sched_yield: the host
 * C library's POSIX function of that name would be overridden in tests.) */
int sched_yield_cpu(struct sched *s, struct sched_entity *e);

/* The accounting period: if due at now, hand out credits by weight, reset
 * priorities and re-sort every queue. Answers when it is due next. */
uint64_t sched_replenish(struct sched *s, uint64_t now);
static inline bool sched_replenish_due(const struct sched *s, uint64_t now)
{
    return now >= __atomic_load_n(&s->next_period, __ATOMIC_RELAXED);
}

/* NULL if every structure is consistent, else what is not (for tests and
 * debug checks): queues ordered and counted, every RUNNABLE member queued
 * exactly once on its own CPU, curr and affinity agreeing. */
const char *sched_check(const struct sched *s);

static inline struct sched_entity *sched_current(const struct sched *s, unsigned cpu)
{
    return cpu < s->nr_cpus ? s->cpu[cpu].curr : (struct sched_entity *)0;
}

#endif
