/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the scheduler's core (host/sched.c): queue order, round
 * robin, credit shares by weight, boost on wake-up, yield, hard affinity,
 * stealing, removal in every state, hostile arguments; and a time-stepped
 * simulation of CPUs that pick, run, account, block and wake, with the
 * scheduler's invariants checked after every operation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>
#include "host/sched.h"

#define MS 1000000ull
#define US 1000ull

static struct sched S; /* big (64 CPUs' queues): not on the stack */

/* ---- invariants --------------------------------------------------------- */

static struct sched_entity *queued_at(const struct sched *s, unsigned cpu, unsigned i)
{
    const struct sched_link *l = s->cpu[cpu].runq.next;
    for (; l != &s->cpu[cpu].runq; l = l->next, i--)
        if (i == 0)
            return (struct sched_entity *)((char *)l - offsetof(struct sched_entity, runq_link));
    return NULL;
}

static unsigned times_queued(const struct sched *s, const struct sched_entity *e)
{
    unsigned n = 0;
    for (unsigned cpu = 0; cpu < s->nr_cpus; cpu++)
        for (unsigned i = 0; queued_at(s, cpu, i); i++)
            n += queued_at(s, cpu, i) == e;
    return n;
}

/* The module's own check, then the same facts from the entities' side:
 * each RUNNABLE entity in exactly one queue (its CPU's), each RUNNING one
 * the current entity of its CPU and of no other, none outside its
 * affinity, and the queue and member counts adding up. */
static void check_all(const struct sched *s, struct sched_entity *const *ents, unsigned n)
{
    const char *why = sched_check(s);
    if (why)
        fail_msg("sched_check: %s", why);
    unsigned runnable = 0, attached = 0, queued = 0, members = 0;
    for (unsigned i = 0; i < n; i++) {
        const struct sched_entity *e = ents[i];
        unsigned q = times_queued(s, e);
        unsigned curr_of = 0;
        for (unsigned cpu = 0; cpu < s->nr_cpus; cpu++)
            curr_of += s->cpu[cpu].curr == e;
        switch (e->state) {
        case SCHED_DETACHED:
            assert_int_equal(q, 0);
            assert_int_equal(curr_of, 0);
            continue;
        case SCHED_RUNNABLE:
            assert_int_equal(q, 1);
            assert_int_equal(curr_of, 0);
            runnable++;
            break;
        case SCHED_RUNNING:
            assert_int_equal(q, 0);
            assert_int_equal(curr_of, 1);
            assert_ptr_equal(s->cpu[e->cpu].curr, e);
            break;
        case SCHED_BLOCKED:
            assert_int_equal(q, 0);
            assert_true(curr_of <= 1);
            break;
        }
        attached++;
        assert_true(e->cpu < s->nr_cpus);
        assert_true(e->affinity & (1ull << e->cpu));
    }
    for (unsigned cpu = 0; cpu < s->nr_cpus; cpu++) {
        queued += s->cpu[cpu].nr_queued;
        members += s->cpu[cpu].nr_members;
    }
    assert_int_equal(queued, runnable);
    assert_int_equal(members, attached);
}

#define CHECK(...)                                           \
    do {                                                     \
        struct sched_entity *const all_[] = { __VA_ARGS__ }; \
        check_all(&S, all_, sizeof(all_) / sizeof(all_[0])); \
    } while (0)

static void ent(struct sched_entity *e, uint32_t weight, uint64_t affinity)
{
    assert_int_equal(sched_entity_init(e, weight, affinity), 0);
}

/* A fresh scheduler of nr_cpus and entities of the default weight that may
 * run on mask; each added to CPU add_to unless that is SCHED_CPU_NONE. */
static void start(unsigned nr_cpus, uint64_t mask, unsigned add_to, struct sched_entity *const *e,
                  unsigned n)
{
    assert_int_equal(sched_init(&S, nr_cpus, NULL, NULL), 0);
    for (unsigned i = 0; i < n; i++) {
        ent(e[i], SCHED_WEIGHT_DEFAULT, mask);
        if (add_to != SCHED_CPU_NONE)
            assert_true(sched_add(&S, e[i], add_to) >= SCHED_NO_KICK);
    }
}

#define START(nr_cpus, mask, add_to, ...)                             \
    do {                                                              \
        struct sched_entity *const e_[] = { __VA_ARGS__ };            \
        start(nr_cpus, mask, add_to, e_, sizeof(e_) / sizeof(e_[0])); \
    } while (0)

static uint64_t slice;

static struct sched_entity *pick(unsigned cpu, uint64_t now)
{
    return sched_pick(&S, cpu, now, &slice);
}

/* ---- a simulated machine ------------------------------------------------ */

/* Each step (100 us): due wake-ups are delivered (their kicks noted), the
 * period is replenished when due, every CPU that was kicked, whose slice
 * ended or whose entity blocked picks again (an idle CPU only when kicked,
 * as a halted CPU waits for an IPI), then every running entity runs the
 * step and is charged for it; a bursty one blocks when its burst is used
 * up and wakes sleep_ns later. */
#define STEP (100 * US)

struct sim_ent {
    struct sched_entity se;
    uint64_t burst_ns; /* 0: CPU-bound, never blocks */
    uint64_t sleep_ns;
    uint64_t left;
    uint64_t wake_at;
    bool sleeping;
    uint64_t ran;       /* steps it was seen running, in ns */
    uint64_t ran_on[2]; /* ... on CPU 0 and CPU 1 */
};

struct sim {
    unsigned nr_cpus, n;
    struct sim_ent *e;
    uint64_t now;
    uint64_t slice_end[SCHED_MAX_CPUS];
    bool kick[SCHED_MAX_CPUS];
    uint64_t busy[SCHED_MAX_CPUS];
};

static void sim_check(struct sim *m)
{
    struct sched_entity *ents[16];
    assert_true(m->n <= 16);
    for (unsigned i = 0; i < m->n; i++)
        ents[i] = &m->e[i].se;
    check_all(&S, ents, m->n);
}

static void sim_init(struct sim *m, unsigned nr_cpus, struct sim_ent *e, unsigned n, bool place)
{
    memset(m, 0, sizeof(*m));
    m->nr_cpus = nr_cpus;
    m->e = e;
    m->n = n;
    for (unsigned cpu = 0; cpu < nr_cpus; cpu++)
        m->slice_end[cpu] = UINT64_MAX;
    for (unsigned i = 0; i < n; i++) {
        e[i].left = e[i].burst_ns;
        if (!place)
            continue;
        int cpu = sched_place(&S, &e[i].se);
        assert_true(cpu >= 0);
        int kick = sched_add(&S, &e[i].se, (unsigned)cpu);
        if (kick >= 0)
            m->kick[kick] = true;
        sim_check(m);
    }
}

/* A fresh scheduler with n entities of the default weight that may run on
 * mask, placed by sched_place if place, and a machine to run them. */
static void sim_start(struct sim *m, unsigned nr_cpus, struct sim_ent *e, unsigned n, uint64_t mask,
                      bool place)
{
    assert_int_equal(sched_init(&S, nr_cpus, NULL, NULL), 0);
    for (unsigned i = 0; i < n; i++)
        ent(&e[i].se, SCHED_WEIGHT_DEFAULT, mask);
    sim_init(m, nr_cpus, e, n, place);
}

static void sim_run(struct sim *m, uint64_t duration)
{
    uint64_t end = m->now + duration;
    for (; m->now < end; m->now += STEP) {
        uint64_t now = m->now;
        for (unsigned i = 0; i < m->n; i++) {
            struct sim_ent *x = &m->e[i];
            if (!x->sleeping || x->wake_at > now)
                continue;
            x->sleeping = false;
            x->left = x->burst_ns;
            int kick = sched_wake(&S, &x->se, now);
            assert_true(kick >= SCHED_NO_KICK);
            if (kick >= 0)
                m->kick[kick] = true;
            sim_check(m);
        }
        if (sched_replenish_due(&S, now)) {
            sched_replenish(&S, now);
            sim_check(m);
        }
        for (unsigned cpu = 0; cpu < m->nr_cpus; cpu++) {
            struct sched_entity *cur = sched_current(&S, cpu);
            if (!m->kick[cpu] && now < m->slice_end[cpu] && !(cur && cur->state != SCHED_RUNNING))
                continue;
            m->kick[cpu] = false;
            uint64_t sl;
            struct sched_entity *e = sched_pick(&S, cpu, now, &sl);
            if (getenv("SCHED_TRACE")) /* SCHED_TRACE=1 test_sched: every pick */
                fprintf(stderr, "t=%.1f ms cpu%u picks %ld, slice %.1f ms\n", (double)now / MS, cpu,
                        e ? (long)((struct sim_ent *)e - m->e) : -1L,
                        sl == SCHED_SLICE_NONE ? -1.0 : (double)sl / MS);
            m->slice_end[cpu] = sl == SCHED_SLICE_NONE ? UINT64_MAX : now + sl;
            if (e) {
                assert_true(e->affinity & (1ull << cpu)); /* never outside its mask */
                assert_int_equal(e->cpu, cpu);
                assert_int_equal(e->state, SCHED_RUNNING);
            } else {
                assert_int_equal(sl, SCHED_SLICE_NONE);
            }
            sim_check(m);
        }
        for (unsigned cpu = 0; cpu < m->nr_cpus; cpu++) {
            struct sched_entity *e = sched_current(&S, cpu);
            if (!e || e->state != SCHED_RUNNING)
                continue;
            struct sim_ent *x = (struct sim_ent *)e;
            x->ran += STEP;
            if (cpu < 2)
                x->ran_on[cpu] += STEP;
            m->busy[cpu] += STEP;
            assert_int_equal(sched_account(&S, cpu, e, STEP), 0);
            if (x->burst_ns) {
                x->left -= STEP;
                if (x->left == 0) {
                    assert_int_equal(sched_block(&S, e), (int)cpu);
                    x->sleeping = true;
                    x->wake_at = now + STEP + x->sleep_ns;
                }
            }
            sim_check(m);
        }
    }
}

/* ---- hostile arguments -------------------------------------------------- */

static void test_hostile_values(void **state)
{
    (void)state;
    struct sched_entity e, f;
    struct sched_params p = { 30 * MS, 1 * MS, 1 * MS };

    assert_int_equal(sched_init(&S, 0, NULL, NULL), SCHED_EINVAL);
    assert_int_equal(sched_init(&S, SCHED_MAX_CPUS + 1, NULL, NULL), SCHED_EINVAL);
    p.tslice_ns = 0;
    assert_int_equal(sched_init(&S, 2, &p, NULL), SCHED_EINVAL);
    p.tslice_ns = 2000 * MS;
    assert_int_equal(sched_init(&S, 2, &p, NULL), SCHED_EINVAL);
    p.tslice_ns = 30 * MS, p.ratelimit_ns = 50 * US; /* under Xen's 100 us minimum */
    assert_int_equal(sched_init(&S, 2, &p, NULL), SCHED_EINVAL);
    p.ratelimit_ns = 31 * MS; /* longer than the slice */
    assert_int_equal(sched_init(&S, 2, &p, NULL), SCHED_EINVAL);
    p.ratelimit_ns = 0, p.balance_ns = 2000 * MS;
    assert_int_equal(sched_init(&S, 2, &p, NULL), SCHED_EINVAL);
    struct sched_lock_ops half = { 0 };
    half.ctx = &half;
    half.unlock = NULL;
    half.trylock = NULL;
    assert_int_equal(sched_init(&S, 2, NULL, &half), 0); /* both NULL: no locking */
    assert_int_equal(sched_init(&S, SCHED_MAX_CPUS, NULL, NULL), 0);
    assert_int_equal(S.cpu_mask, ~0ull);
    assert_int_equal(sched_init(&S, 2, NULL, NULL), 0);

    /* Weight: xl.cfg's 1..65535, refused outside (as libxl refuses). */
    assert_int_equal(sched_entity_init(&e, 0, 1), SCHED_EINVAL);
    assert_int_equal(sched_entity_init(&e, 65536, 1), SCHED_EINVAL);
    assert_int_equal(sched_entity_init(&e, UINT32_MAX, 1), SCHED_EINVAL);
    assert_int_equal(sched_entity_init(&e, 1, 1), 0);
    assert_int_equal(sched_entity_init(&e, 65535, 1), 0);
    assert_int_equal(sched_set_weight(&e, 0), SCHED_EINVAL);
    assert_int_equal(sched_set_weight(&e, 70000), SCHED_EINVAL);
    assert_int_equal(e.weight, 65535); /* unchanged by a refused call */
    assert_int_equal(sched_set_weight(&e, SCHED_WEIGHT_DEFAULT), 0);
    /* Affinity: an empty mask, or one with none of the scheduler's CPUs. */
    assert_int_equal(sched_entity_init(&f, 256, 0), SCHED_EINVAL);
    ent(&f, 256, 1ull << 5); /* CPU 5 of a 2-CPU scheduler */
    assert_int_equal(sched_place(&S, &f), SCHED_EINVAL);
    assert_int_equal(sched_add(&S, &f, 0), SCHED_EINVAL);
    assert_int_equal(sched_add(&S, &f, 5), SCHED_EINVAL);
    assert_int_equal(sched_set_affinity(&f, 0), SCHED_EINVAL);
    assert_int_equal(sched_set_affinity(&f, 0x6), 0); /* CPUs 1 and 2: 1 exists */
    assert_int_equal(sched_place(&S, &f), 1);
    assert_int_equal(sched_add(&S, &f, 0), SCHED_EINVAL); /* outside its mask */
    CHECK(&e, &f);

    /* Calls on a detached entity, on CPUs that do not exist. */
    assert_int_equal(sched_wake(&S, &e, 0), SCHED_EINVAL);
    assert_int_equal(sched_block(&S, &e), SCHED_EINVAL);
    assert_int_equal(sched_yield_cpu(&S, &e), SCHED_EINVAL);
    assert_int_equal(sched_remove(&S, &e), SCHED_EINVAL);
    assert_int_equal(sched_account(&S, 0, &e, MS), SCHED_EINVAL);
    assert_int_equal(sched_add(&S, &e, 2), SCHED_EINVAL);
    assert_int_equal(sched_add(&S, &e, UINT32_MAX), SCHED_EINVAL);
    assert_null(sched_pick(&S, 2, 0, &slice));
    assert_int_equal(slice, SCHED_SLICE_NONE);
    assert_null(sched_current(&S, 99));
    CHECK(&e, &f);

    assert_int_equal(sched_add(&S, &e, 0), 0);                    /* CPU 0 idles: kick it */
    assert_int_equal(sched_add(&S, &e, 0), SCHED_EINVAL);         /* twice */
    assert_int_equal(sched_set_affinity(&e, 3), SCHED_EINVAL);    /* attached */
    assert_int_equal(sched_account(&S, 1, &e, MS), SCHED_EINVAL); /* not its CPU */
    assert_int_equal(sched_account(&S, 7, &e, MS), SCHED_EINVAL);
    CHECK(&e, &f);
    /* Charges that would overflow saturate (UBSan watches the arithmetic). */
    assert_ptr_equal(pick(0, 0), &e);
    assert_int_equal(sched_account(&S, 0, &e, UINT64_MAX), 0);
    assert_int_equal(sched_account(&S, 0, &e, UINT64_MAX), 0);
    assert_true(e.credit < 0);
    assert_int_equal(e.ran_ns, UINT64_MAX);
    sched_replenish(&S, 0);
    assert_int_equal(e.credit, -S.credits_per_tslice); /* clamped at one slice */
    assert_int_equal(e.pri, SCHED_PRI_OVER);
    /* Time going backwards: it counts as no run time (the rate limit
     * holds), not as a wrapped huge one. */
    assert_ptr_equal(pick(0, 50 * MS), &e);
    assert_int_equal(slice, SCHED_TSLICE_DEFAULT_NS);
    assert_ptr_equal(pick(0, 10 * MS), &e);
    assert_int_equal(slice, SCHED_RATELIMIT_DEFAULT_NS);
    assert_int_equal(sched_replenish(&S, 5 * MS), SCHED_TSLICE_DEFAULT_NS); /* not due */
    /* The same entity from a time near the end of the clock. */
    assert_ptr_equal(pick(0, UINT64_MAX), &e);
    assert_int_equal(slice, SCHED_TSLICE_DEFAULT_NS);
    assert_true(sched_replenish(&S, UINT64_MAX) >= SCHED_TSLICE_DEFAULT_NS);
    CHECK(&e, &f);
}

/* The check is not vacuous: it notices a broken structure. */
static void test_check_catches_corruption(void **state)
{
    (void)state;
    struct sched_entity a, b;
    START(2, 3, 0, &a, &b);
    assert_null(sched_check(&S));
    a.state = SCHED_BLOCKED; /* queued but not RUNNABLE */
    assert_non_null(sched_check(&S));
    a.state = SCHED_RUNNABLE;
    S.cpu[0].nr_queued++; /* count off */
    assert_non_null(sched_check(&S));
    S.cpu[0].nr_queued--;
    a.pri = SCHED_PRI_OVER; /* order broken: OVER ahead of UNDER */
    assert_non_null(sched_check(&S));
    a.pri = SCHED_PRI_UNDER;
    a.affinity = 2; /* on CPU 0, which its mask excludes */
    assert_non_null(sched_check(&S));
    a.affinity = 3;
    S.idlers |= 1; /* idle mark with a current entity */
    assert_ptr_equal(pick(0, 0), &a);
    S.idlers |= 1;
    assert_non_null(sched_check(&S));
    S.idlers &= ~1ull;
    assert_null(sched_check(&S));
}

/* ---- queue order -------------------------------------------------------- */

static void test_queue_order(void **state)
{
    (void)state;
    struct sched_entity a, b, c, d;
    START(1, 1, SCHED_CPU_NONE, &a, &b, &c, &d);
    assert_int_equal(sched_add(&S, &a, 0), 0); /* idle CPU: kicked */
    assert_int_equal(sched_add(&S, &b, 0), 0); /* still idle: it has not picked */
    assert_int_equal(sched_add(&S, &c, 0), 0);
    CHECK(&a, &b, &c, &d);
    /* First in, first out among equals. */
    assert_ptr_equal(queued_at(&S, 0, 0), &a);
    assert_ptr_equal(queued_at(&S, 0, 1), &b);
    assert_ptr_equal(queued_at(&S, 0, 2), &c);
    assert_ptr_equal(pick(0, 0), &a);
    assert_int_equal(slice, SCHED_TSLICE_DEFAULT_NS);
    assert_int_equal(sched_add(&S, &d, 0), SCHED_NO_KICK); /* busy, d no better */
    CHECK(&a, &b, &c, &d);

    /* a runs 100 ms: it spends 1000 credits, a period gives 300 back (it
     * is the only active one), so it is OVER and goes behind b, c, d. */
    assert_int_equal(sched_account(&S, 0, &a, 100 * MS), 0);
    assert_int_equal(a.credit, -1000);
    assert_true(a.active);
    sched_replenish(&S, 100 * MS);
    assert_int_equal(a.pri, SCHED_PRI_OVER);
    assert_int_equal(a.credit, -300); /* clamped: at most one slice in debt */
    assert_ptr_equal(pick(0, 100 * MS), &b);
    assert_ptr_equal(queued_at(&S, 0, 0), &c);
    assert_ptr_equal(queued_at(&S, 0, 1), &d);
    assert_ptr_equal(queued_at(&S, 0, 2), &a);
    CHECK(&a, &b, &c, &d);

    /* A woken entity with credit is boosted ahead of every UNDER one. */
    assert_int_equal(sched_block(&S, &d), SCHED_NO_KICK); /* queued: just leaves */
    assert_ptr_equal(queued_at(&S, 0, 1), &a);
    assert_int_equal(sched_wake(&S, &d, 101 * MS), 0); /* outranks b: kick */
    assert_int_equal(d.pri, SCHED_PRI_BOOST);
    assert_ptr_equal(queued_at(&S, 0, 0), &d);
    assert_ptr_equal(queued_at(&S, 0, 1), &c);
    assert_ptr_equal(queued_at(&S, 0, 2), &a);
    CHECK(&a, &b, &c, &d);
    /* b has run 1 ms, the rate limit: it is put back behind c (UNDER). */
    assert_ptr_equal(pick(0, 101 * MS), &d);
    assert_int_equal(d.max_wait_ns, 0);
    assert_ptr_equal(queued_at(&S, 0, 0), &c);
    assert_ptr_equal(queued_at(&S, 0, 1), &b);
    assert_ptr_equal(queued_at(&S, 0, 2), &a);
    CHECK(&a, &b, &c, &d);

    /* The period re-sorts: a, OVER, is still last; d's boost lasts until a
     * tick of run time, then it is UNDER. */
    assert_int_equal(sched_account(&S, 0, &d, 3 * MS), 0);
    assert_int_equal(d.pri, SCHED_PRI_BOOST);
    assert_int_equal(sched_account(&S, 0, &d, 7 * MS), 0);
    assert_int_equal(d.pri, SCHED_PRI_UNDER);
    CHECK(&a, &b, &c, &d);
}

/* Equal CPU-bound entities share a CPU slice by slice, in turn. */
static void test_round_robin(void **state)
{
    (void)state;
    struct sim_ent e[3] = { 0 };
    struct sim m;

    /* At one priority (no period has run, all UNDER) each runs its slice
     * and goes behind the others: a, b, c, a, b, c, ... */
    sim_start(&m, 1, e, 3, 1, true);
    for (int k = 0; k < 9; k++) {
        struct sched_entity *got = pick(0, k * SCHED_TSLICE_DEFAULT_NS);
        assert_ptr_equal(got, &e[k % 3].se);
        assert_int_equal(slice, SCHED_TSLICE_DEFAULT_NS);
        assert_int_equal(sched_account(&S, 0, got, slice), 0);
        sim_check(&m);
    }
    assert_int_equal(sched_remove(&S, &e[0].se), SCHED_NO_KICK);
    assert_int_equal(sched_remove(&S, &e[1].se), SCHED_NO_KICK);
    assert_int_equal(sched_remove(&S, &e[2].se), 0); /* the running one */

    /* With the periods running, priorities move with credit, and over a
     * second each gets a third, within one slice. */
    sim_start(&m, 1, e, 3, 1, true);
    sim_run(&m, 1000 * MS);
    for (int i = 0; i < 3; i++) {
        assert_true(e[i].ran + SCHED_TSLICE_DEFAULT_NS >= 1000 * MS / 3);
        assert_true(e[i].ran <= 1000 * MS / 3 + SCHED_TSLICE_DEFAULT_NS);
    }
    assert_int_equal(m.busy[0], 1000 * MS); /* never idle */
}

/* cpu_weight 256 and 512, both CPU-bound on one CPU: about 1:2. */
static void test_weights_one_to_two(void **state)
{
    (void)state;
    struct sim_ent e[2] = { 0 };
    struct sim m;
    assert_int_equal(sched_init(&S, 1, NULL, NULL), 0);
    ent(&e[0].se, 256, 1);
    ent(&e[1].se, 512, 1);
    sim_init(&m, 1, e, 2, true);
    sim_run(&m, 1000 * MS);
    double a = (double)e[0].ran, b = (double)e[1].ran;
    print_message("weights 256:512 over 1 s: %.1f ms : %.1f ms (share %.3f, ideal 0.333)\n", a / MS,
                  b / MS, a / (a + b));
    assert_int_equal(e[0].ran + e[1].ran, 1000 * MS);
    /* Ideal: 333.3 ms : 666.7 ms. Tolerance: one 30 ms slice in the second,
     * 3% of the CPU. A CPU-bound entity is switched only at a slice's end,
     * so shares move in whole slices; and both start inactive with no
     * credit (csched_alloc_udata), earning nothing until they have run a
     * tick, so the first slices go round robin (a, b, a, b, a) before the
     * credits settle into a, b, b, which puts a about one slice ahead. The
     * simulation is deterministic: this is a bound, not a flaky margin. */
    assert_true(a / (a + b) > 1.0 / 3 - 0.03);
    assert_true(a / (a + b) < 1.0 / 3 + 0.03);

    /* Over three seconds the same head start is a third as large: 1%. */
    sim_run(&m, 2000 * MS);
    a = (double)e[0].ran, b = (double)e[1].ran;
    print_message("weights 256:512 over 3 s: share %.4f\n", a / (a + b));
    assert_true(a / (a + b) > 1.0 / 3 - 0.01);
    assert_true(a / (a + b) < 1.0 / 3 + 0.01);
}

/* One period's credit, 10 per ms of a 30 ms slice per CPU, is shared by
 * weight among the active entities (credit.c csched_acct). */
static void test_replenish_by_weight(void **state)
{
    (void)state;
    struct sched_entity a, b, idle;
    assert_int_equal(sched_init(&S, 1, NULL, NULL), 0);
    ent(&a, 256, 1);
    ent(&b, 512, 1);
    ent(&idle, 256, 1);
    sched_add(&S, &a, 0);
    sched_add(&S, &b, 0);
    sched_add(&S, &idle, 0);
    /* A tick of run time (10 ms = 100 credits) makes each active; idle,
     * never charged, stays inactive and takes no share. */
    assert_int_equal(sched_account(&S, 0, &a, 10 * MS), 0);
    assert_int_equal(sched_account(&S, 0, &b, 10 * MS), 0);
    assert_true(a.active && b.active && !idle.active);
    assert_int_equal(sched_replenish(&S, 0), SCHED_TSLICE_DEFAULT_NS);
    assert_int_equal(a.credit, -100 + 100); /* 300 * 256 / 768 */
    assert_int_equal(b.credit, -100 + 200); /* 300 * 512 / 768 */
    assert_int_equal(idle.credit, 0);
    assert_int_equal(a.pri, SCHED_PRI_UNDER);
    /* Not due again before the period ends. */
    assert_int_equal(sched_replenish(&S, SCHED_TSLICE_DEFAULT_NS - 1), SCHED_TSLICE_DEFAULT_NS);
    assert_int_equal(b.credit, 100);
    assert_false(sched_replenish_due(&S, SCHED_TSLICE_DEFAULT_NS - 1));
    assert_true(sched_replenish_due(&S, SCHED_TSLICE_DEFAULT_NS));
    /* b, never charged again, gains 200 a period until it holds more than
     * a slice's worth (300): it then stops earning and keeps half. */
    sched_replenish(&S, SCHED_TSLICE_DEFAULT_NS);
    assert_int_equal(b.credit, 300);
    assert_true(b.active);
    sched_replenish(&S, 2 * SCHED_TSLICE_DEFAULT_NS);
    assert_false(b.active);
    assert_int_equal(b.credit, (300 + 200) / 2);
    assert_int_equal(a.credit, 200); /* 0, then 100 a period */
    /* a alone is active now: it gets the whole period (300), which takes
     * it over a slice's worth as well. */
    sched_replenish(&S, 3 * SCHED_TSLICE_DEFAULT_NS);
    assert_int_equal(a.credit, (200 + 300) / 2);
    assert_false(a.active);
    CHECK(&a, &b, &idle);
}

/* A weight cannot buy more than one CPU per entity: on two CPUs, weights
 * 65535 and 1 both get a whole CPU (credit.c csched_acct's peak). */
static void test_weight_capped_at_one_cpu(void **state)
{
    (void)state;
    struct sched_entity a, b;
    assert_int_equal(sched_init(&S, 2, NULL, NULL), 0);
    ent(&a, 65535, 3);
    ent(&b, 1, 3);
    sched_add(&S, &a, 0);
    sched_add(&S, &b, 1);
    assert_ptr_equal(pick(0, 0), &a);
    assert_ptr_equal(pick(1, 0), &b);
    sched_account(&S, 0, &a, 30 * MS);
    sched_account(&S, 1, &b, 30 * MS);
    sched_replenish(&S, 30 * MS);
    assert_int_equal(a.credit, 0); /* 300 spent, 300 given */
    assert_int_equal(b.credit, 0); /* its tiny weight's share plus a's excess */
    CHECK(&a, &b);
}

/* One never blocks; two others run 1 ms and sleep 9 ms. The CPU-bound one
 * cannot starve them: woken with credit, they are boosted and preempt it
 * once it has run the 1 ms rate limit. */
static void test_hog_does_not_starve_others(void **state)
{
    (void)state;
    struct sim_ent e[3] = { 0 };
    struct sim m;
    e[1].burst_ns = e[2].burst_ns = 1 * MS;
    e[1].sleep_ns = e[2].sleep_ns = 9 * MS;
    sim_start(&m, 1, e, 3, 1, true);
    /* The first periods are a transient: each starts inactive with no
     * credit and is charged before it earns, so a bursty one can be OVER
     * for a period (not boosted, waiting up to a slice), as in Xen. */
    sim_run(&m, 300 * MS);
    for (int i = 0; i < 3; i++)
        e[i].ran = 0, e[i].se.max_wait_ns = 0;
    sim_run(&m, 1000 * MS);
    print_message("hog %.1f ms, io %.1f ms (max wait %.2f ms), io %.1f ms (max wait %.2f ms)\n",
                  (double)e[0].ran / MS, (double)e[1].ran / MS, (double)e[1].se.max_wait_ns / MS,
                  (double)e[2].ran / MS, (double)e[2].se.max_wait_ns / MS);
    for (int i = 1; i < 3; i++) {
        /* It asks for 1 ms each 10 ms plus its waits: at least 90 ms. */
        assert_true(e[i].ran >= 90 * MS);
        /* Waits: the hog's rate limit, or the other one's 1 ms burst. */
        assert_true(e[i].se.max_wait_ns <= 2 * MS + STEP);
    }
    assert_true(e[0].ran >= 750 * MS); /* and the hog gets the rest */
    assert_int_equal(e[0].ran + e[1].ran + e[2].ran, 1000 * MS);
}

/* ---- block, wake, boost ------------------------------------------------- */

static void test_block_wake_boost(void **state)
{
    (void)state;
    struct sched_entity a, b;
    START(1, 1, 0, &a, &b);
    assert_int_equal(sched_block(&S, &b), SCHED_NO_KICK); /* an AP waiting for SIPI */
    assert_int_equal(sched_block(&S, &b), SCHED_NO_KICK); /* twice: nothing */
    CHECK(&a, &b);
    assert_ptr_equal(pick(0, 0), &a);
    assert_int_equal(sched_wake(&S, &a, 0), SCHED_NO_KICK); /* running: nothing */
    CHECK(&a, &b);

    /* b wakes with credit: boosted, and the CPU is kicked to preempt a. */
    assert_int_equal(sched_wake(&S, &b, 5 * MS), 0);
    assert_int_equal(b.pri, SCHED_PRI_BOOST);
    assert_int_equal(sched_wake(&S, &b, 5 * MS), SCHED_NO_KICK); /* queued: nothing */
    CHECK(&a, &b);
    /* Within the rate limit a keeps the CPU for the rest of it. */
    sched_account(&S, 0, &a, MS / 2);
    assert_ptr_equal(pick(0, MS / 2), &a);
    assert_int_equal(slice, MS / 2);
    sched_account(&S, 0, &a, MS / 2);
    assert_ptr_equal(pick(0, 1 * MS), &b);
    assert_int_equal(b.max_wait_ns, 0); /* woke at 5 ms "before" 1 ms: no wrap */
    CHECK(&a, &b);

    /* b blocks (HLT): its CPU must pick again; a runs. */
    assert_int_equal(sched_block(&S, &b), 0);
    assert_int_equal(b.state, SCHED_BLOCKED);
    assert_ptr_equal(sched_current(&S, 0), &b); /* until the pick */
    assert_int_equal(S.cpu[0].load, 1);
    CHECK(&a, &b);
    /* A wake-up between the block and the pick: b simply runs on. */
    assert_int_equal(sched_wake(&S, &b, 2 * MS), 0);
    assert_int_equal(b.state, SCHED_RUNNING);
    assert_int_equal(sched_block(&S, &b), 0);
    assert_ptr_equal(pick(0, 2 * MS), &a);
    CHECK(&a, &b);

    /* An entity in debt (OVER) is not boosted when it wakes, and does not
     * preempt. */
    sched_account(&S, 0, &b, 50 * MS); /* b is charged for what it ran */
    sched_replenish(&S, 2 * MS);
    assert_int_equal(b.pri, SCHED_PRI_OVER);
    assert_int_equal(sched_wake(&S, &b, 3 * MS), SCHED_NO_KICK);
    assert_int_equal(b.pri, SCHED_PRI_OVER);
    CHECK(&a, &b);
}

static void test_yield(void **state)
{
    (void)state;
    struct sched_entity a, b, c;
    START(1, 1, SCHED_CPU_NONE, &a, &b, &c);
    sched_add(&S, &a, 0);
    assert_ptr_equal(pick(0, 0), &a);
    /* Alone, a yielding entity runs on, and the rate limit does not hold a
     * yielding one. */
    assert_int_equal(sched_yield_cpu(&S, &a), 0);
    assert_ptr_equal(pick(0, 10 * US), &a);
    assert_int_equal(slice, SCHED_TSLICE_DEFAULT_NS);
    assert_false(a.yielding);

    /* c in debt (OVER), b UNDER: a yielding UNDER entity goes behind b and
     * one entity of lower priority, c. */
    sched_add(&S, &b, 0);
    sched_add(&S, &c, 0);
    assert_ptr_equal(queued_at(&S, 0, 0), &b);
    sched_account(&S, 0, &c, 60 * MS); /* charged as if it had run */
    sched_replenish(&S, 0);
    assert_int_equal(c.pri, SCHED_PRI_OVER);
    assert_int_equal(sched_yield_cpu(&S, &a), 0);
    assert_int_equal(sched_yield_cpu(&S, &b), 0); /* queued: nothing to do */
    assert_ptr_equal(pick(0, 20 * US), &b);
    assert_ptr_equal(queued_at(&S, 0, 0), &c);
    assert_ptr_equal(queued_at(&S, 0, 1), &a);
    CHECK(&a, &b, &c);
}

/* ---- affinity, stealing, migration -------------------------------------- */

static bool trylock_ok = true;
static unsigned nr_trylocks, nr_unlocks, held;

static bool test_trylock(void *ctx, unsigned cpu)
{
    assert_ptr_equal(ctx, &S);
    assert_true(cpu < S.nr_cpus);
    nr_trylocks++;
    if (!trylock_ok)
        return false;
    held++;
    return true;
}

static void test_unlock(void *ctx, unsigned cpu)
{
    (void)ctx, (void)cpu;
    assert_true(held > 0);
    held--;
    nr_unlocks++;
}

static const struct sched_lock_ops lock_ops = { test_trylock, test_unlock, &S };

static void test_steal_by_idle_cpu(void **state)
{
    (void)state;
    struct sched_entity a, b, p;
    assert_int_equal(sched_init(&S, 2, NULL, &lock_ops), 0);
    ent(&a, 256, 3);
    ent(&b, 256, 3);
    ent(&p, 256, 1); /* pinned to CPU 0 */
    sched_add(&S, &a, 0);
    sched_add(&S, &b, 0);
    sched_add(&S, &p, 0);
    /* CPU 1 picks before CPU 0 does: CPU 0 was kicked, so it no longer
     * counts as idle and is looked at, but it runs nothing yet and will
     * pick its own queue: nothing is taken from it. */
    assert_null(pick(1, 0));
    assert_int_equal(nr_trylocks, 1);
    assert_int_equal(nr_unlocks, 1);
    nr_trylocks = nr_unlocks = 0;
    assert_ptr_equal(pick(0, 0), &a);
    CHECK(&a, &b, &p);

    /* Now CPU 0 is busy with two queued: a failed trylock skips it. */
    trylock_ok = false;
    assert_null(pick(1, 1 * MS));
    assert_int_equal(nr_trylocks, 1);
    assert_int_equal(nr_unlocks, 0);
    trylock_ok = true;
    struct sched_entity *got = pick(1, 2 * MS);
    assert_ptr_equal(got, &b); /* the first that CPU 1 may run */
    assert_int_equal(b.cpu, 1);
    assert_int_equal(b.nr_migrations, 1);
    assert_false(b.migrated); /* it had never run: nothing to reload */
    assert_int_equal(nr_trylocks, 2);
    assert_int_equal(nr_unlocks, 1); /* each lock taken let go */
    assert_int_equal(held, 0);
    CHECK(&a, &b, &p);

    /* p is pinned to CPU 0: an idle CPU 1 does not take it. */
    assert_int_equal(sched_block(&S, &b), 1);
    assert_null(pick(1, 3 * MS));
    assert_int_equal(p.cpu, 0);
    assert_int_equal(p.state, SCHED_RUNNABLE);
    CHECK(&a, &b, &p);

    /* a, having run on CPU 0, is stolen by CPU 1: migrated, so the caller
     * reloads its VMCS there. */
    sched_account(&S, 0, &a, 30 * MS);
    assert_ptr_equal(pick(0, 30 * MS), &p);
    assert_ptr_equal(pick(1, 30 * MS), &a);
    assert_true(a.migrated);
    assert_int_equal(a.last_cpu, 1);
    CHECK(&a, &b, &p);
    /* b wakes on CPU 1, which runs a; CPU 0 is busy too, so no idler:
     * b, boosted, outranks a and CPU 1 is kicked to preempt it. */
    assert_int_equal(sched_wake(&S, &b, 31 * MS), 1);
    assert_int_equal(b.pri, SCHED_PRI_BOOST);
    CHECK(&a, &b, &p);
}

/* A wake-up finds an idle CPU the entity may run on and kicks it; that CPU
 * steals the entity. */
static void test_wake_kicks_idle_cpu(void **state)
{
    (void)state;
    struct sched_entity a, b;
    START(2, 3, 0, &a, &b);
    sched_block(&S, &b);
    assert_ptr_equal(pick(0, 0), &a);
    assert_null(pick(1, 0));
    assert_int_equal(sched_wake(&S, &b, 1 * MS), 1); /* CPU 1 idles */
    assert_ptr_equal(pick(1, 1 * MS), &b);
    assert_int_equal(b.cpu, 1);
    CHECK(&a, &b);

    /* With its mask CPU 0 only, it kicks CPU 0 to preempt (boosted). */
    sched_block(&S, &b);
    assert_null(pick(1, 2 * MS));
    sched_remove(&S, &b);
    assert_int_equal(sched_set_affinity(&b, 1), 0);
    assert_int_equal(sched_add(&S, &b, 0), SCHED_NO_KICK); /* UNDER = UNDER */
    sched_block(&S, &b);
    assert_int_equal(sched_wake(&S, &b, 3 * MS), 0);
    CHECK(&a, &b);
}

/* A busy CPU whose best is OVER takes UNDER work from a peer, at most once
 * per balance interval. */
static void test_busy_cpu_balances(void **state)
{
    (void)state;
    struct sched_entity a, b, c, d;
    START(2, 3, 0, &a, &b);
    ent(&c, 256, 3);
    ent(&d, 256, 3);
    sched_add(&S, &c, 1);
    sched_add(&S, &d, 1);
    assert_ptr_equal(pick(0, 0), &a);
    assert_ptr_equal(pick(1, 0), &c);
    /* c and d go into debt; b still has credit. */
    sched_account(&S, 1, &c, 60 * MS);
    sched_account(&S, 1, &d, 60 * MS);
    sched_replenish(&S, 60 * MS);
    assert_int_equal(d.pri, SCHED_PRI_OVER);
    assert_int_equal(b.pri, SCHED_PRI_UNDER);
    /* CPU 1's best is d (OVER) and c (OVER): it takes b from CPU 0. */
    assert_ptr_equal(pick(1, 60 * MS), &b);
    assert_int_equal(b.cpu, 1);
    CHECK(&a, &b, &c, &d);
    /* Within the balance interval (1 ms) it does not look again. */
    assert_int_equal(sched_remove(&S, &b), 1);
    assert_int_equal(sched_add(&S, &b, 0), SCHED_NO_KICK);
    assert_ptr_equal(pick(1, 60 * MS + 500 * US), &d);
    assert_int_equal(b.cpu, 0);
    CHECK(&a, &b, &c, &d);
    assert_ptr_equal(pick(1, 60 * MS + 1600 * US), &b); /* interval over */
    assert_int_equal(b.cpu, 1);
    assert_ptr_equal(queued_at(&S, 1, 0), &c);
    assert_ptr_equal(queued_at(&S, 1, 1), &d);
    CHECK(&a, &b, &c, &d);
}

/* Pinned and free entities on two CPUs over a second: none is ever picked
 * outside its mask (sim_run asserts each pick). CPU 0's own entity sleeps
 * three quarters of the time; the free one, added on the crowded CPU 1, is
 * taken over there by stealing. */
static void test_affinity_in_simulation(void **state)
{
    (void)state;
    struct sim_ent e[4] = { 0 };
    struct sim m;
    assert_int_equal(sched_init(&S, 2, NULL, NULL), 0);
    ent(&e[0].se, 256, 1); /* CPU 0 only */
    ent(&e[1].se, 256, 2); /* CPU 1 only */
    ent(&e[2].se, 256, 2); /* CPU 1 only */
    ent(&e[3].se, 256, 3); /* either */
    e[0].burst_ns = 5 * MS, e[0].sleep_ns = 15 * MS;
    sim_init(&m, 2, e, 4, false);
    static const unsigned where[4] = { 0, 1, 1, 1 };
    for (int i = 0; i < 4; i++) {
        int kick = sched_add(&S, &e[i].se, where[i]);
        if (kick >= 0)
            m.kick[kick] = true;
        sim_check(&m);
    }
    sim_run(&m, 1000 * MS);
    print_message("free entity: %.0f ms on CPU 0, %.0f ms on CPU 1, %lu moves; CPU 0 busy %.0f ms\n",
                  (double)e[3].ran_on[0] / MS, (double)e[3].ran_on[1] / MS,
                  (unsigned long)e[3].se.nr_migrations, (double)m.busy[0] / MS);
    assert_int_equal(e[0].ran_on[1], 0);
    assert_int_equal(e[1].ran_on[0] + e[2].ran_on[0], 0);
    assert_true(e[3].ran_on[0] > 0);
    assert_true(e[3].se.nr_migrations > 0);
    assert_true(m.busy[0] >= 900 * MS); /* the idle time went to the free one */
}

/* Overcommit: a 4-vCPU VM on 2 CPUs. Placement puts two on each; each gets
 * half a CPU; neither CPU idles. */
static void test_overcommit(void **state)
{
    (void)state;
    struct sim_ent e[4] = { 0 };
    struct sim m;
    sim_start(&m, 2, e, 4, 3, true);
    assert_int_equal(S.cpu[0].nr_members, 2);
    assert_int_equal(S.cpu[1].nr_members, 2);
    sim_run(&m, 1000 * MS);
    assert_int_equal(m.busy[0], 1000 * MS);
    assert_int_equal(m.busy[1], 1000 * MS);
    for (int i = 0; i < 4; i++) {
        assert_true(e[i].ran + SCHED_TSLICE_DEFAULT_NS >= 500 * MS);
        assert_true(e[i].ran <= 500 * MS + SCHED_TSLICE_DEFAULT_NS);
    }
}

/* Three CPU-bound entities all added to CPU 0 of two: the idle CPU steals,
 * and both CPUs stay busy. */
static void test_idle_cpu_takes_work(void **state)
{
    (void)state;
    struct sim_ent e[3] = { 0 };
    struct sim m;
    sim_start(&m, 2, e, 3, 3, false);
    for (int i = 0; i < 3; i++) {
        int kick = sched_add(&S, &e[i].se, 0);
        if (kick >= 0)
            m.kick[kick] = true;
    }
    m.kick[1] = true; /* CPU 1 looks once, as an AP entering its idle loop */
    sim_run(&m, 1000 * MS);
    assert_int_equal(m.busy[0], 1000 * MS);
    assert_true(m.busy[1] >= 1000 * MS - 2 * STEP);
    for (int i = 0; i < 3; i++)
        assert_true(e[i].ran >= 500 * MS); /* 2/3 of a CPU each, give or take */
}

/* ---- removal ------------------------------------------------------------ */

static void test_remove_in_every_state(void **state)
{
    (void)state;
    struct sched_entity run, q, blk, bcur;
    START(1, 1, 0, &run, &q, &blk, &bcur);
    sched_block(&S, &blk);
    assert_ptr_equal(pick(0, 0), &run);
    CHECK(&run, &q, &blk, &bcur);

    /* Runnable: leaves the queue. */
    assert_int_equal(sched_remove(&S, &q), SCHED_NO_KICK);
    assert_int_equal(q.state, SCHED_DETACHED);
    assert_int_equal(S.cpu[0].nr_queued, 1);
    CHECK(&run, &q, &blk, &bcur);
    /* Blocked: just leaves. */
    assert_int_equal(sched_remove(&S, &blk), SCHED_NO_KICK);
    CHECK(&run, &q, &blk, &bcur);
    /* Running: its CPU must stop it and pick again. */
    assert_int_equal(sched_remove(&S, &run), 0);
    assert_null(sched_current(&S, 0));
    assert_int_equal(sched_account(&S, 0, &run, MS), SCHED_EINVAL);
    CHECK(&run, &q, &blk, &bcur);
    assert_ptr_equal(pick(0, 1 * MS), &bcur);
    /* Blocked but still current. */
    assert_int_equal(sched_block(&S, &bcur), 0);
    assert_int_equal(sched_remove(&S, &bcur), 0);
    assert_null(sched_current(&S, 0));
    assert_int_equal(sched_remove(&S, &bcur), SCHED_EINVAL); /* twice */
    CHECK(&run, &q, &blk, &bcur);
    assert_null(pick(0, 2 * MS));
    assert_int_equal(S.idlers, 1);

    /* Added back, they run again. */
    assert_int_equal(sched_add(&S, &q, 0), 0);
    assert_ptr_equal(pick(0, 3 * MS), &q);
    CHECK(&run, &q, &blk, &bcur);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_values),
        cmocka_unit_test(test_check_catches_corruption),
        cmocka_unit_test(test_queue_order),
        cmocka_unit_test(test_round_robin),
        cmocka_unit_test(test_weights_one_to_two),
        cmocka_unit_test(test_replenish_by_weight),
        cmocka_unit_test(test_weight_capped_at_one_cpu),
        cmocka_unit_test(test_hog_does_not_starve_others),
        cmocka_unit_test(test_block_wake_boost),
        cmocka_unit_test(test_yield),
        cmocka_unit_test(test_steal_by_idle_cpu),
        cmocka_unit_test(test_wake_kicks_idle_cpu),
        cmocka_unit_test(test_busy_cpu_balances),
        cmocka_unit_test(test_affinity_in_simulation),
        cmocka_unit_test(test_overcommit),
        cmocka_unit_test(test_idle_cpu_takes_work),
        cmocka_unit_test(test_remove_in_every_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
