/* SPDX-License-Identifier: BSD-2-Clause */
/* The vCPU scheduler's core: run queues and credit accounting, pure (see
 * sched.h for the policy, its Xen sources and the locking the caller does). */
#include <stddef.h>
#include "host/sched.h"

#define NS_PER_MS        1000000ull
#define CREDITS_PER_MS   10 /* credit.c CSCHED_CREDITS_PER_MSEC */
#define NS_PER_CREDIT    (NS_PER_MS / CREDITS_PER_MS)
#define TICKS_PER_TSLICE 3                  /* credit.c CSCHED_TICKS_PER_TSLICE */
#define MIN_TIMER_NS     100000ull          /* XEN_SYSCTL_SCHED_RATELIMIT_MIN: 100 us */
#define RATELIMIT_MAX_NS 500000000ull       /* XEN_SYSCTL_SCHED_RATELIMIT_MAX: 500 ms */
#define TSLICE_MIN_NS    NS_PER_MS          /* XEN_SYSCTL_CSCHED_TSLICE_MIN: 1 ms */
#define TSLICE_MAX_NS    (1000 * NS_PER_MS) /* XEN_SYSCTL_CSCHED_TSLICE_MAX: 1 s */
#define BALANCE_MAX_NS   (1000 * NS_PER_MS) /* CSCHED_MAX_LOAD_BALANCE_RATELIMIT_US */
/* Far below any credit a period can give back, far above any charge's
 * reach: keeps a hostile ran_ns from wrapping the 64-bit credit. */
#define CREDIT_FLOOR (-(1ll << 60))

#define ENTITY_OF(link, field) \
    ((struct sched_entity *)((char *)(link)-offsetof(struct sched_entity, field)))

/* ---- intrusive lists ---------------------------------------------------- */

static void list_init(struct sched_link *head)
{
    head->prev = head->next = head;
}

static bool list_empty(const struct sched_link *head)
{
    return head->next == head;
}

static void list_insert_before(struct sched_link *pos, struct sched_link *l)
{
    l->prev = pos->prev;
    l->next = pos;
    pos->prev->next = l;
    pos->prev = l;
}

static void list_unlink(struct sched_link *l)
{
    l->prev->next = l->next;
    l->next->prev = l->prev;
    l->prev = l->next = NULL;
}

/* ---- small helpers ------------------------------------------------------ */

static uint64_t bit(unsigned cpu)
{
    return 1ull << cpu;
}

static bool weight_ok(uint32_t weight)
{
    return weight >= SCHED_WEIGHT_MIN && weight <= SCHED_WEIGHT_MAX;
}

static bool attached(const struct sched *s, const struct sched_entity *e)
{
    return e->state != SCHED_DETACHED && e->cpu < s->nr_cpus;
}

/* The load others read without the lock. */
static void update_load(struct sched_cpu *c)
{
    unsigned load = c->nr_queued + (c->curr && c->curr->state == SCHED_RUNNING);
    __atomic_store_n(&c->load, load, __ATOMIC_RELAXED);
}

static void set_idle(struct sched *s, unsigned cpu, bool idle)
{
    if (idle)
        __atomic_fetch_or(&s->idlers, bit(cpu), __ATOMIC_RELAXED);
    else
        __atomic_fetch_and(&s->idlers, ~bit(cpu), __ATOMIC_RELAXED);
}

/* ---- the run queue ------------------------------------------------------ */

/* After every entity of its priority or higher (round robin among equals);
 * a yielding one also behind the first of lower priority, if there is one
 * (credit.c __runq_insert). */
static void runq_insert(struct sched_cpu *c, struct sched_entity *e)
{
    struct sched_link *pos = c->runq.next;
    while (pos != &c->runq && ENTITY_OF(pos, runq_link)->pri >= e->pri)
        pos = pos->next;
    if (e->yielding && pos != &c->runq)
        pos = pos->next;
    list_insert_before(pos, &e->runq_link);
    c->nr_queued++;
}

static void runq_remove(struct sched_cpu *c, struct sched_entity *e)
{
    list_unlink(&e->runq_link);
    c->nr_queued--;
}

static struct sched_entity *runq_head(const struct sched_cpu *c)
{
    return list_empty(&c->runq) ? NULL : ENTITY_OF(c->runq.next, runq_link);
}

/* Stable insertion sort by priority, after a period changed priorities
 * (credit.c csched_runq_sort moves UNDER ahead of OVER the same way). */
static void runq_sort(struct sched_cpu *c)
{
    struct sched_link sorted;
    list_init(&sorted);
    while (!list_empty(&c->runq)) {
        struct sched_link *l = c->runq.next;
        struct sched_entity *e = ENTITY_OF(l, runq_link);
        list_unlink(l);
        struct sched_link *pos = sorted.prev; /* behind the last of >= priority */
        while (pos != &sorted && ENTITY_OF(pos, runq_link)->pri < e->pri)
            pos = pos->prev;
        list_insert_before(pos->next, l);
    }
    if (list_empty(&sorted))
        return;
    c->runq.next = sorted.next;
    c->runq.prev = sorted.prev;
    sorted.next->prev = &c->runq;
    sorted.prev->next = &c->runq;
}

/* ---- set-up ------------------------------------------------------------- */

int sched_init(struct sched *s, unsigned nr_cpus, const struct sched_params *params,
               const struct sched_lock_ops *lock_ops)
{
    struct sched_params p = { SCHED_TSLICE_DEFAULT_NS, SCHED_RATELIMIT_DEFAULT_NS,
                              SCHED_BALANCE_DEFAULT_NS };
    if (params)
        p = *params;
    if (nr_cpus == 0 || nr_cpus > SCHED_MAX_CPUS)
        return SCHED_EINVAL;
    if (p.tslice_ns < TSLICE_MIN_NS || p.tslice_ns > TSLICE_MAX_NS)
        return SCHED_EINVAL;
    if (p.ratelimit_ns != 0 && (p.ratelimit_ns < MIN_TIMER_NS ||
                                p.ratelimit_ns > RATELIMIT_MAX_NS || p.ratelimit_ns > p.tslice_ns))
        return SCHED_EINVAL;
    if (p.balance_ns > BALANCE_MAX_NS)
        return SCHED_EINVAL;
    if (lock_ops && (!lock_ops->trylock) != (!lock_ops->unlock))
        return SCHED_EINVAL;

    s->nr_cpus = nr_cpus;
    s->cpu_mask = nr_cpus == 64 ? ~0ull : bit(nr_cpus) - 1;
    s->idlers = s->cpu_mask; /* nothing runs yet */
    s->tslice_ns = p.tslice_ns;
    s->ratelimit_ns = p.ratelimit_ns;
    s->balance_ns = p.balance_ns;
    /* credit.c __csched_set_tslice: three ticks a slice, one if under 3 ms. */
    s->tick_ns = p.tslice_ns < TICKS_PER_TSLICE * NS_PER_MS ? p.tslice_ns
                                                            : p.tslice_ns / TICKS_PER_TSLICE;
    s->credits_per_tslice = (int64_t)(p.tslice_ns / NS_PER_CREDIT);
    s->credit_balance = 0;
    s->next_period = 0;
    s->lock_ops = lock_ops ? *lock_ops : (struct sched_lock_ops){ 0 };
    for (unsigned i = 0; i < SCHED_MAX_CPUS; i++) {
        struct sched_cpu *c = &s->cpu[i];
        list_init(&c->runq);
        list_init(&c->members);
        c->curr = NULL;
        c->nr_queued = c->nr_members = c->load = 0;
        c->last_balance = 0;
        c->balance_bias = c->last_tickle = i;
    }
    return 0;
}

int sched_entity_init(struct sched_entity *e, uint32_t weight, uint64_t affinity)
{
    if (!weight_ok(weight) || affinity == 0)
        return SCHED_EINVAL;
    *e = (struct sched_entity){ 0 };
    e->weight = weight;
    e->affinity = affinity;
    e->state = SCHED_DETACHED;
    e->pri = SCHED_PRI_UNDER;
    e->cpu = e->last_cpu = SCHED_CPU_NONE;
    return 0;
}

int sched_set_weight(struct sched_entity *e, uint32_t weight)
{
    if (!weight_ok(weight))
        return SCHED_EINVAL;
    e->weight = weight;
    return 0;
}

int sched_set_affinity(struct sched_entity *e, uint64_t affinity)
{
    if (affinity == 0 || e->state != SCHED_DETACHED)
        return SCHED_EINVAL;
    e->affinity = affinity;
    return 0;
}

int sched_place(const struct sched *s, const struct sched_entity *e)
{
    uint64_t allowed = e->affinity & s->cpu_mask;
    int best = SCHED_EINVAL;
    unsigned best_load = ~0u;
    for (unsigned cpu = 0; cpu < s->nr_cpus; cpu++) {
        if (!(allowed & bit(cpu)))
            continue;
        unsigned load = __atomic_load_n(&s->cpu[cpu].load, __ATOMIC_RELAXED);
        if (load < best_load) {
            best = (int)cpu;
            best_load = load;
        }
    }
    return best;
}

/* ---- wake-up: which CPU to kick (credit.c __runq_tickle) ---------------- */

static int tickle(struct sched *s, const struct sched_entity *e)
{
    const struct sched_cpu *c = &s->cpu[e->cpu];
    if (!c->curr || c->curr->state != SCHED_RUNNING) {
        set_idle(s, e->cpu, false); /* idle, or about to pick anyway */
        return (int)e->cpu;
    }
    uint64_t idle = __atomic_load_n(&s->idlers, __ATOMIC_RELAXED) & e->affinity & s->cpu_mask;
    idle &= ~bit(e->cpu);
    if (idle) {
        /* One idler, the next after the one kicked last, so that wake-ups
         * spread; it stops counting as idle until it picks. */
        struct sched_cpu *own = &s->cpu[e->cpu]; /* its lock is held */
        unsigned cpu = own->last_tickle;
        do {
            cpu = (cpu + 1) % s->nr_cpus;
        } while (!(idle & bit(cpu)));
        own->last_tickle = cpu;
        set_idle(s, cpu, false);
        return (int)cpu;
    }
    if (e->pri > c->curr->pri)
        return (int)e->cpu; /* preempt what runs there */
    return SCHED_NO_KICK;
}

/* ---- attaching ---------------------------------------------------------- */

/* e becomes RUNNABLE in its CPU's queue; answers whom to kick. */
static int enqueue(struct sched *s, struct sched_entity *e)
{
    struct sched_cpu *c = &s->cpu[e->cpu];
    e->state = SCHED_RUNNABLE;
    e->yielding = false;
    runq_insert(c, e);
    update_load(c);
    return tickle(s, e);
}

int sched_add(struct sched *s, struct sched_entity *e, unsigned cpu)
{
    if (e->state != SCHED_DETACHED || cpu >= s->nr_cpus || !(e->affinity & bit(cpu)) ||
        !weight_ok(e->weight))
        return SCHED_EINVAL;
    struct sched_cpu *c = &s->cpu[cpu];
    e->cpu = cpu;
    e->waiting = false;
    list_insert_before(&c->members, &e->member_link);
    c->nr_members++;
    return enqueue(s, e);
}

int sched_remove(struct sched *s, struct sched_entity *e)
{
    int kick = sched_block(s, e); /* out of the queue, not running */
    if (kick == SCHED_EINVAL)
        return kick;
    struct sched_cpu *c = &s->cpu[e->cpu];
    if (c->curr == e) {
        c->curr = NULL;
        kick = (int)e->cpu;
    }
    list_unlink(&e->member_link);
    c->nr_members--;
    update_load(c);
    e->state = SCHED_DETACHED;
    if (e->pri == SCHED_PRI_BOOST)
        e->pri = SCHED_PRI_UNDER; /* a boost is for one wake-up */
    e->active = false;
    e->yielding = false;
    e->waiting = false;
    e->cpu = SCHED_CPU_NONE;
    return kick;
}

/* ---- picking ------------------------------------------------------------ */

/* Take the first entity of peer's queue that outranks pri, may run on cpu
 * and has not yielded (credit.c csched_runq_steal). Both locks held. */
static struct sched_entity *steal_from(struct sched *s, unsigned cpu, unsigned peer, int pri)
{
    struct sched_cpu *pc = &s->cpu[peer];
    /* An idle peer is about to pick its own queue. */
    if (!pc->curr || pc->curr->state != SCHED_RUNNING)
        return NULL;
    for (struct sched_link *l = pc->runq.next; l != &pc->runq; l = l->next) {
        struct sched_entity *e = ENTITY_OF(l, runq_link);
        if (e->pri <= pri)
            break; /* the rest rank no higher */
        if (e->yielding || !(e->affinity & bit(cpu)))
            continue;
        runq_remove(pc, e);
        list_unlink(&e->member_link);
        pc->nr_members--;
        update_load(pc);
        struct sched_cpu *c = &s->cpu[cpu];
        list_insert_before(&c->members, &e->member_link);
        c->nr_members++;
        e->cpu = cpu;
        e->nr_migrations++;
        return e;
    }
    return NULL;
}

/* Look at the busy peers, round robin from the one after balance_bias,
 * for work better than pri (credit.c csched_load_balance). */
static struct sched_entity *balance(struct sched *s, unsigned cpu, int pri)
{
    const struct sched_lock_ops *ops = &s->lock_ops;
    unsigned first = (s->cpu[cpu].balance_bias + 1) % s->nr_cpus;
    for (unsigned i = 0; i < s->nr_cpus; i++) {
        unsigned peer = (first + i) % s->nr_cpus;
        if (peer == cpu)
            continue;
        /* An idle peer picks its own queue; one running its only entity has
         * nothing to give (both read unlocked, credit.c's "workers"). */
        if ((__atomic_load_n(&s->idlers, __ATOMIC_RELAXED) & bit(peer)) ||
            __atomic_load_n(&s->cpu[peer].load, __ATOMIC_RELAXED) <= 1)
            continue;
        if (ops->trylock && !ops->trylock(ops->ctx, peer))
            continue;
        struct sched_entity *e = steal_from(s, cpu, peer, pri);
        if (ops->unlock)
            ops->unlock(ops->ctx, peer);
        if (e) {
            s->cpu[cpu].balance_bias = peer; /* the next try starts after it */
            return e;
        }
    }
    return NULL;
}

static uint64_t since(uint64_t now, uint64_t then)
{
    return now > then ? now - then : 0;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

struct sched_entity *sched_pick(struct sched *s, unsigned cpu, uint64_t now, uint64_t *slice_ns)
{
    *slice_ns = SCHED_SLICE_NONE;
    if (cpu >= s->nr_cpus)
        return NULL;
    struct sched_cpu *c = &s->cpu[cpu];
    struct sched_entity *prev = c->curr;

    if (prev && prev->state == SCHED_RUNNING) {
        /* credit.c csched_schedule: a runnable entity that has run for less
         * than the rate limit keeps the CPU, unless it yields. */
        uint64_t ran = since(now, prev->run_start);
        if (s->ratelimit_ns && !prev->yielding && ran < s->ratelimit_ns) {
            uint64_t left = s->ratelimit_ns - ran;
            *slice_ns = left < MIN_TIMER_NS ? MIN_TIMER_NS : left;
            return prev;
        }
        prev->state = SCHED_RUNNABLE;
        runq_insert(c, prev);
    }
    c->curr = NULL;

    struct sched_entity *next = runq_head(c);
    struct sched_entity *stolen = NULL;
    if (!next) {
        stolen = balance(s, cpu, SCHED_PRI_IDLE);
    } else if (next->pri <= SCHED_PRI_OVER && since(now, c->last_balance) >= s->balance_ns) {
        c->last_balance = now;
        stolen = balance(s, cpu, next->pri);
    }
    if (stolen)
        next = stolen;
    else if (next)
        runq_remove(c, next);

    if (!next) {
        update_load(c);
        set_idle(s, cpu, true);
        return NULL;
    }
    next->state = SCHED_RUNNING;
    next->yielding = false;
    next->run_start = now;
    next->migrated = next->last_cpu != SCHED_CPU_NONE && next->last_cpu != cpu;
    next->last_cpu = cpu;
    if (next->waiting) {
        uint64_t waited = since(now, next->woke_at);
        if (waited > next->max_wait_ns)
            next->max_wait_ns = waited;
        next->waiting = false;
    }
    c->curr = next;
    update_load(c);
    set_idle(s, cpu, false);
    *slice_ns = s->tslice_ns;
    return next;
}

/* ---- events ------------------------------------------------------------- */

int sched_account(struct sched *s, unsigned cpu, struct sched_entity *e, uint64_t ran_ns)
{
    if (cpu >= s->nr_cpus || !attached(s, e) || e->cpu != cpu)
        return SCHED_EINVAL;
    /* credit.c burn_credits: whole credits, the remainder carried. */
    uint64_t total = ran_ns > UINT64_MAX - NS_PER_CREDIT ? UINT64_MAX - NS_PER_CREDIT : ran_ns;
    total += e->residual_ns;
    uint64_t credits = total / NS_PER_CREDIT;
    e->residual_ns = total % NS_PER_CREDIT;
    if (credits > (1ull << 62))
        credits = 1ull << 62;
    if (e->credit < CREDIT_FLOOR + (int64_t)credits)
        e->credit = CREDIT_FLOOR;
    else
        e->credit -= (int64_t)credits;
    e->ran_ns = add_sat(e->ran_ns, ran_ns);

    /* credit.c csched_tick fires every tick_ns on a CPU and charges whoever
     * runs: csched_unit_acct ends a boost and makes the entity active. Here
     * the entity is hit once per tick_ns of its own run time, the same rate
     * on average, without a timer. */
    e->tick_ns += ran_ns > s->tick_ns ? s->tick_ns : ran_ns;
    if (e->tick_ns >= s->tick_ns) {
        e->tick_ns -= s->tick_ns;
        if (e->pri == SCHED_PRI_BOOST)
            e->pri = SCHED_PRI_UNDER;
        e->active = true;
    }
    return 0;
}

int sched_block(struct sched *s, struct sched_entity *e)
{
    if (!attached(s, e))
        return SCHED_EINVAL;
    struct sched_cpu *c = &s->cpu[e->cpu];
    int kick = SCHED_NO_KICK;
    if (e->state == SCHED_RUNNABLE)
        runq_remove(c, e);
    else if (e->state == SCHED_RUNNING)
        kick = (int)e->cpu; /* c->curr until that CPU picks */
    e->state = SCHED_BLOCKED;
    e->waiting = false;
    update_load(c);
    return kick;
}

int sched_wake(struct sched *s, struct sched_entity *e, uint64_t now)
{
    if (!attached(s, e))
        return SCHED_EINVAL;
    if (e->state != SCHED_BLOCKED)
        return SCHED_NO_KICK; /* runs already, or will */
    struct sched_cpu *c = &s->cpu[e->cpu];
    if (c->curr == e) {
        /* Blocked, but its CPU has not picked since: it simply runs on.
         * The kick closes the window in which that CPU goes idle unaware. */
        e->state = SCHED_RUNNING;
        update_load(c);
        return (int)e->cpu;
    }
    /* credit.c csched_unit_wake: an entity with credit is boosted. */
    if (e->pri == SCHED_PRI_UNDER)
        e->pri = SCHED_PRI_BOOST;
    e->woke_at = now;
    e->waiting = true;
    return enqueue(s, e);
}

int sched_yield_cpu(struct sched *s, struct sched_entity *e)
{
    if (!attached(s, e))
        return SCHED_EINVAL;
    if (e->state == SCHED_RUNNING)
        e->yielding = true; /* used when sched_pick puts it back */
    return 0;
}

/* ---- the accounting period (credit.c csched_acct) ----------------------- */

static int64_t div_up(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

uint64_t sched_replenish(struct sched *s, uint64_t now)
{
    if (now < s->next_period)
        return s->next_period;

    int64_t cpt = s->credits_per_tslice;
    int64_t weight_total = 0;
    for (unsigned cpu = 0; cpu < s->nr_cpus; cpu++) {
        const struct sched_cpu *c = &s->cpu[cpu];
        for (const struct sched_link *l = c->members.next; l != &c->members; l = l->next) {
            const struct sched_entity *e = ENTITY_OF(l, member_link);
            if (e->active)
                weight_total += e->weight;
        }
    }

    /* One CPU's slice worth of credit per CPU; a negative balance (credit
     * the active entities were short of) is added back so it converges. */
    int64_t credit_total = cpt * (int64_t)s->nr_cpus;
    int64_t old_balance = s->credit_balance;
    if (old_balance < 0)
        credit_total -= old_balance;

    if (weight_total == 0) {
        s->credit_balance = 0;
    } else {
        int64_t weight_left = weight_total, balance = 0;
        for (unsigned cpu = 0; cpu < s->nr_cpus; cpu++) {
            struct sched_cpu *c = &s->cpu[cpu];
            for (struct sched_link *l = c->members.next; l != &c->members; l = l->next) {
                struct sched_entity *e = ENTITY_OF(l, member_link);
                if (!e->active)
                    continue;
                int64_t w = e->weight;
                weight_left -= w;
                /* At most one CPU for a period, more only when the machine
                 * as a whole was short last period. */
                int64_t peak = cpt;
                if (old_balance < 0)
                    peak += div_up(-old_balance * w, weight_total);
                int64_t fair = div_up(credit_total * w, weight_total);
                if (fair >= peak) {
                    /* What it cannot take is shared among those after it. */
                    if (weight_left != 0)
                        credit_total += div_up((fair - peak) * weight_total, weight_left);
                    fair = peak;
                }
                e->credit += fair;
                if (e->credit < 0) {
                    e->pri = SCHED_PRI_OVER;
                    if (e->credit < -cpt)
                        e->credit = -cpt;
                } else {
                    e->pri = SCHED_PRI_UNDER;
                    if (e->credit > cpt) {
                        /* It does not use its share: it stops earning, and
                         * keeps half to start a little ahead when it does. */
                        e->active = false;
                        e->credit /= 2;
                    }
                }
                balance += e->credit;
            }
        }
        s->credit_balance = balance;
    }

    for (unsigned cpu = 0; cpu < s->nr_cpus; cpu++)
        runq_sort(&s->cpu[cpu]);

    uint64_t next = add_sat(s->next_period, s->tslice_ns);
    if (next <= now || s->next_period == 0)
        next = add_sat(now, s->tslice_ns);
    __atomic_store_n(&s->next_period, next, __ATOMIC_RELAXED);
    return next;
}

/* ---- consistency -------------------------------------------------------- */

const char *sched_check(const struct sched *s)
{
    if (s->nr_cpus == 0 || s->nr_cpus > SCHED_MAX_CPUS)
        return "nr_cpus out of range";
    for (unsigned cpu = 0; cpu < SCHED_MAX_CPUS; cpu++) {
        const struct sched_cpu *c = &s->cpu[cpu];
        if (cpu >= s->nr_cpus) {
            if (!list_empty(&c->runq) || !list_empty(&c->members) || c->curr)
                return "a CPU the scheduler does not have holds entities";
            continue;
        }
        /* Members: linked both ways, each on this CPU, counted. */
        unsigned members = 0, runnable = 0;
        const struct sched_link *l;
        for (l = c->members.next; l != &c->members; l = l->next) {
            if (l->next->prev != l || ++members > c->nr_members)
                return "member list broken or longer than its count";
            const struct sched_entity *e = ENTITY_OF(l, member_link);
            if (e->cpu != cpu || e->state == SCHED_DETACHED)
                return "a member is not attached to its CPU";
            if (!(e->affinity & bit(cpu)))
                return "a member's affinity excludes its CPU";
            if (!weight_ok(e->weight))
                return "a member's weight is out of range";
            if (e->state == SCHED_RUNNABLE) {
                runnable++;
                if (!e->runq_link.next)
                    return "a RUNNABLE entity is in no queue";
            } else if (e->runq_link.next) {
                return "an entity that is not RUNNABLE is queued";
            }
            if (e->state == SCHED_RUNNING && c->curr != e)
                return "a RUNNING entity is not its CPU's current one";
        }
        if (members != c->nr_members)
            return "member count wrong";
        /* The queue: linked both ways, members only, by priority (but for
         * yielding entities, which may wait behind a lower one). */
        unsigned queued = 0;
        int last_pri = SCHED_PRI_BOOST;
        for (l = c->runq.next; l != &c->runq; l = l->next) {
            if (l->next->prev != l || ++queued > c->nr_queued)
                return "run queue broken or longer than its count";
            const struct sched_entity *e = ENTITY_OF(l, runq_link);
            if (e->cpu != cpu || e->state != SCHED_RUNNABLE)
                return "a queued entity is not RUNNABLE on this CPU";
            if (e->yielding)
                continue;
            if (e->pri > last_pri)
                return "run queue out of priority order";
            last_pri = e->pri;
        }
        /* Every RUNNABLE member was counted in the queue, and the queue holds
         * only RUNNABLE members of this CPU: each is there exactly once. */
        if (queued != c->nr_queued || runnable != queued)
            return "queued count differs from RUNNABLE members";
        if (c->curr) {
            const struct sched_entity *e = c->curr;
            if (e->cpu != cpu || (e->state != SCHED_RUNNING && e->state != SCHED_BLOCKED))
                return "current entity not RUNNING or BLOCKED on this CPU";
        }
        if (c->load != c->nr_queued + (c->curr && c->curr->state == SCHED_RUNNING))
            return "load differs from queued + running";
        if ((s->idlers & bit(cpu)) && c->curr)
            return "a CPU marked idle has a current entity";
    }
    return NULL;
}
