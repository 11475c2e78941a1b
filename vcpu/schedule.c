/* SPDX-License-Identifier: BSD-2-Clause */
/* The per-CPU scheduling loop over every VM's vCPUs (see schedule.h). Each
 * CPU: pick (host/sched.c), switch what it holds if the pick differs, run the
 * slice, then account it and block, re-queue or drop the vCPU by how its
 * slice ended. Root mode, interrupts off. */
#include <stddef.h>
#include "arch/x86/percpu.h"
#include "arch/x86/spinlock.h"
#include "host/apic.h"
#include "host/sched.h"
#include "host/smp.h"
#include "host/tsc.h"
#include "vcpu/fpu.h"
#include "vcpu/msr.h"
#include "vcpu/schedule.h"
#include "arch/x86/x86.h"
#include "lib/print.h"

_Static_assert(VCPU_MSR_SLOTS == MSR_GUEST_HW_MAX, "a vCPU keeps every pass-through MSR");

#define DR6_RESET    0xffff0ff0ull      /* SDM Vol. 3B 18.2.3 */
/* CPU 0 does Keel's own work (the console, VMs that ended) at least this
 * often, whatever its vCPUs do. */
#define CONTROL_PERIOD_NS 20000000ull

static struct sched sched;
static struct spinlock rq_lock[MAX_PCPUS];
/* Per CPU: switches from one vCPU to another, and the cycles each took from
 * the top of the loop to the new vCPU's slice (pick, put, load). */
static struct {
    uint64_t switches, cycles;
} switch_stats[MAX_PCPUS];
static const struct vsched_hooks *hooks;
static volatile bool ready;
static volatile bool control_requested;

static struct vcpu *vcpu_of(struct sched_entity *e)
{
    return (struct vcpu *)((char *)e - offsetof(struct vcpu, sched));
}

static bool rq_trylock(void *ctx, unsigned cpu)
{
    (void)ctx;
    return spin_trylock(&rq_lock[cpu]);
}

static void rq_unlock(void *ctx, unsigned cpu)
{
    (void)ctx;
    spin_unlock(&rq_lock[cpu]);
}

void vsched_init(unsigned nr_cpus, const struct vsched_hooks *h)
{
    static const struct sched_lock_ops lock_ops = { rq_trylock, rq_unlock, NULL };
    hooks = h;
    sched_init(&sched, nr_cpus, NULL, &lock_ops);
    sched.next_period = tsc_to_ns(rdtsc()) + sched.tslice_ns;
    __atomic_store_n(&ready, true, __ATOMIC_RELEASE);
    for (unsigned i = 1; i < nr_cpus; i++)
        smp_kick(&pcpus[i]);        /* they wait in vsched_cpu_loop for this */
}

uint64_t vsched_cpu_mask(void)
{
    return sched.cpu_mask;
}

/* The CPU whose run-queue lock guards e, taken; SCHED_CPU_NONE (nothing
 * taken) once e is detached. Only a steal moves e, under both CPUs' locks. */
static unsigned lock_entity(struct sched_entity *e)
{
    for (;;) {
        unsigned c = __atomic_load_n(&e->cpu, __ATOMIC_ACQUIRE);
        if (c >= sched.nr_cpus)
            return SCHED_CPU_NONE;
        spin_lock(&rq_lock[c]);
        if (e->cpu == c)
            return c;
        spin_unlock(&rq_lock[c]);
    }
}

/* The scheduler's answer "kick CPU c": it picks again at its next exit, or
 * leaves its HLT now. */
static void resched(int c)
{
    if (c < 0)
        return;
    pcpus[c].resched = true;
    if (&pcpus[c] != this_pcpu())
        smp_kick(&pcpus[c]);            /* out of its guest: on_none sees resched */
    else if (pcpus[c].loaded)
        pcpus[c].loaded->leave = true;  /* from this vCPU's exit: it stops at once */
}

void vsched_yield(struct vcpu *v)
{
    unsigned c = lock_entity(&v->sched);
    if (c == SCHED_CPU_NONE)
        return;
    sched_yield_cpu(&sched, &v->sched);
    spin_unlock(&rq_lock[c]);
    v->leave = true;
}

void vsched_preempt(struct vcpu *vcpus, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        struct pcpu *cpu = __atomic_load_n(&vcpus[i].pcpu, __ATOMIC_ACQUIRE);
        if (cpu)
            resched((int)cpu->index);
    }
}

void vsched_print_stats(void)
{
    for (unsigned c = 0; c < sched.nr_cpus; c++)
        if (switch_stats[c].switches)
            printk("keel: cpu %u: %lu vCPU switches, %lu cycles each (pick, put, load)\n", c,
                   switch_stats[c].switches, switch_stats[c].cycles / switch_stats[c].switches);
}

void vsched_request_control(void)
{
    control_requested = true;
    resched(0);
}

static void cpu_state_reset(struct vcpu_cpu_state *st)
{
    fpu_area_init(&st->fpu);
    for (unsigned i = 0; i < VCPU_MSR_SLOTS; i++)
        st->msr[i] = 0;
    st->cr2 = 0;
    for (unsigned i = 0; i < 4; i++)
        st->dr[i] = 0;
    st->dr6 = DR6_RESET;
}

int vsched_attach(struct vcpu *v, uint32_t weight, uint64_t affinity)
{
    if (sched_entity_init(&v->sched, weight, affinity & sched.cpu_mask))
        return -1;
    cpu_state_reset(&v->cpu_state);
    v->created = false;
    v->pcpu = NULL;
    v->wake_tsc = NO_DEADLINE;
    v->cpus_used = 0;
    int c = sched_place(&sched, &v->sched);
    if (c < 0)
        return -1;
    spin_lock(&rq_lock[c]);
    int kick = sched_add(&sched, &v->sched, (unsigned)c);
    if (kick != SCHED_EINVAL && v->wait != VCPU_WAIT_NONE)
        sched_block(&sched, &v->sched);
    spin_unlock(&rq_lock[c]);
    if (kick == SCHED_EINVAL)
        return -1;
    resched(kick);
    return 0;
}

void vsched_wake(struct vcpu *v)
{
    unsigned c = lock_entity(&v->sched);
    if (c == SCHED_CPU_NONE)
        return;
    int kick = sched_wake(&sched, &v->sched, tsc_to_ns(rdtsc()));
    spin_unlock(&rq_lock[c]);
    resched(kick);
}

/* ---- Switching the vCPU a CPU holds ----------------------------------------- */

static void load(struct pcpu *cpu, struct vcpu *v)
{
    struct vcpu_cpu_state *st = &v->cpu_state;
    if (v->created && vmx_vcpu_load(&v->vmx))
        vcpu_end(v, END_ERROR, "VMPTRLD of vCPU %u failed on CPU %u", v->id, cpu->index);
    fpu_load(&st->fpu);
    msr_load_guest(st->msr);
    write_cr2(st->cr2);
    write_dr0(st->dr[0]);
    write_dr1(st->dr[1]);
    write_dr2(st->dr[2]);
    write_dr3(st->dr[3]);
    write_dr6(st->dr6);
    v->pcpu = cpu;
    v->cpus_used |= 1ull << cpu->index;
    cpu->loaded = v;
}

static void unload(struct pcpu *cpu, struct vcpu *v)
{
    struct vcpu_cpu_state *st = &v->cpu_state;
    fpu_save(&st->fpu);
    msr_save_guest(st->msr);
    st->cr2 = read_cr2();
    st->dr[0] = read_dr0();
    st->dr[1] = read_dr1();
    st->dr[2] = read_dr2();
    st->dr[3] = read_dr3();
    st->dr6 = read_dr6();
    if (v->created)
        vmx_vcpu_put(&v->vmx);
    v->pcpu = NULL;
    cpu->loaded = NULL;
}

/* ---- Waiting ------------------------------------------------------------------ */

/* Has what v waits for happened? Looks at its board (and takes a SIPI's
 * vector); sets v->wake_tsc, when to look again if not. v's CPU, no lock. */
static bool wait_over(struct vcpu *v)
{
    struct machine *m = v->machine;
    if (m->ending)
        return true;
    if (m->deferred_pending)
        m->deferred(m->deferred_ctx);   /* it may be what raises our interrupt */
    uint64_t now = rdtsc();
    bool over = false;
    v->wake_tsc = NO_DEADLINE;
    if (m->paused)
        return false;           /* unpausing wakes it */
    spin_lock(&m->lock);
    switch (v->wait) {
    case VCPU_WAIT_NONE:
    case VCPU_WAIT_PAUSED:
        over = true;
        break;
    case VCPU_WAIT_HLT:
        /* The board's next deadline covers its console too (a guest waiting
         * for input is polled for it): an idle guest costs nothing. */
        v->wake_tsc = m->ops->update_timers(v, now);
        over = m->ops->pending_intr(v) >= 0 || (v->id != 0 && m->ops->init_pending(v));
        break;
    case VCPU_WAIT_PARKED:
        if (v->id != 0 && m->ops->init_pending(v)) {
            m->halted_forever--;
            v->reset_by_init = true;    /* INIT ends the park: back to wait-for-SIPI */
            over = true;
        }
        break;
    case VCPU_WAIT_SIPI: {
        int vector = m->ops->take_startup(v);
        if (vector >= 0) {
            /* The SIPI start state (SDM Vol. 3A 9.4.4.2): real mode at vector << 12. */
            v->start = (struct vcpu_start){ .mode = START_REAL_MODE, .rip = 0, .cs = (uint16_t)(vector << 8) };
            over = true;
        }
        break;
    }
    }
    spin_unlock(&m->lock);
    if (over) {
        v->wait = VCPU_WAIT_NONE;
        v->intr_maybe_pending = true;
    }
    return over;
}

/* INIT to an AP (SDM Vol. 3A 9.4.4.1): its VT-x state goes, its registers
 * take INIT's values (Table 10-1: GPRs 0), and it waits for a SIPI. */
static void reset_by_init(struct vcpu *v)
{
    vcpu_destroy(v);
    v->created = false;
    v->reset_by_init = false;
    v->saw_init = false;
    for (unsigned i = 0; i < GPR_COUNT; i++)
        v->regs.gpr[i] = 0;
    v->wait = VCPU_WAIT_SIPI;
}

/* ---- One slice ---------------------------------------------------------------- */

static enum vcpu_stop run_slice(struct vcpu *v, uint64_t slice_end)
{
    struct machine *m = v->machine;
    if (m->paused && !m->ending && v->wait == VCPU_WAIT_NONE)
        v->wait = VCPU_WAIT_PAUSED;
    if (v->wait != VCPU_WAIT_NONE && !wait_over(v))
        return VCPU_STOP_WAIT;
    if (m->ending)
        return VCPU_STOP_END;
    if (v->reset_by_init)
        return VCPU_STOP_INIT;
    if (!v->created) {
        if (vcpu_create(v, m->eptp, m->tsc_offset, &v->start)) {
            vcpu_end(v, END_ERROR, "no memory left for the VMCS of vCPU %u", v->id);
            m->ops->ended(v);
            return VCPU_STOP_END;
        }
        v->created = true;
    }
    v->slice_end = slice_end;
    return vcpu_run(v);
}

/* After the slice: charge it, and block or drop the vCPU as it stopped. */
static void after_slice(unsigned c, struct pcpu *cpu, struct vcpu *v, enum vcpu_stop stop, uint64_t ran_ns)
{
    if (stop == VCPU_STOP_INIT) {
        reset_by_init(v);
        stop = VCPU_STOP_WAIT;
    }
    if (stop == VCPU_STOP_WAIT) {
        /* A kick from here on is seen below or finds the vCPU blocked. */
        __atomic_store_n(&v->intr_maybe_pending, false, __ATOMIC_SEQ_CST);
        if (wait_over(v))
            stop = VCPU_STOP_SLICE;     /* what it waits for is there already */
    }
    spin_lock(&rq_lock[c]);
    sched_account(&sched, c, &v->sched, ran_ns);
    if (stop == VCPU_STOP_WAIT)
        sched_block(&sched, &v->sched);
    else if (stop == VCPU_STOP_END)
        sched_remove(&sched, &v->sched);
    spin_unlock(&rq_lock[c]);

    if (stop == VCPU_STOP_WAIT && __atomic_load_n(&v->intr_maybe_pending, __ATOMIC_SEQ_CST))
        vsched_wake(v);                 /* kicked while it was getting blocked */
    if (stop == VCPU_STOP_END) {
        unload(cpu, v);
        v->machine->ops->gone(v);       /* the VM may be freed from here on */
    }
}

/* ---- The loop --------------------------------------------------------------- */

/* Every CPU in ascending order: sched_replenish's rule. */
static void replenish(uint64_t now_ns)
{
    for (unsigned i = 0; i < sched.nr_cpus; i++)
        spin_lock(&rq_lock[i]);
    sched_replenish(&sched, now_ns);
    for (unsigned i = 0; i < sched.nr_cpus; i++)
        spin_unlock(&rq_lock[i]);
}

/* Under c's lock: wake the waiting vCPUs whose time to look has come, and
 * answer the next such time. */
static uint64_t wake_due(unsigned c, uint64_t now, uint64_t now_ns)
{
    struct sched_cpu *sc = &sched.cpu[c];
    uint64_t next = NO_DEADLINE;
    for (struct sched_link *l = sc->members.next; l != &sc->members; l = l->next) {
        struct sched_entity *e = (struct sched_entity *)((char *)l - offsetof(struct sched_entity, member_link));
        if (e->state != SCHED_BLOCKED)
            continue;
        struct vcpu *v = vcpu_of(e);
        if (v->wake_tsc <= now)
            resched(sched_wake(&sched, e, now_ns));
        else if (v->wake_tsc < next)
            next = v->wake_tsc;
    }
    return next;
}

void vsched_cpu_loop(void)
{
    struct pcpu *cpu = this_pcpu();
    unsigned c = cpu->index;
    uint64_t next_control = c == 0 ? 0 : NO_DEADLINE;
    while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
        __asm__ volatile("sti; hlt; cli" ::: "memory");     /* vsched_init kicks us */
    for (;;) {
        if (c == 0 && (control_requested || rdtsc() >= next_control)) {
            control_requested = false;
            next_control = rdtsc() + ns_to_tsc(CONTROL_PERIOD_NS);
            hooks->control();
        }
        uint64_t now = rdtsc(), now_ns = tsc_to_ns(now);
        uint64_t next_poll = c == 0 && hooks->poll ? hooks->poll(now) : NO_DEADLINE;
        if (sched_replenish_due(&sched, now_ns))
            replenish(now_ns);
        uint64_t slice_ns;
        spin_lock(&rq_lock[c]);
        uint64_t next_wake = wake_due(c, now, now_ns);
        if (next_control < next_wake)
            next_wake = next_control;   /* CPU 0's own work is one more thing to wake for */
        if (next_poll < next_wake)
            next_wake = next_poll;
        cpu->resched = false;           /* this pick is the one asked for */
        struct sched_entity *e = sched_pick(&sched, c, now_ns, &slice_ns);
        spin_unlock(&rq_lock[c]);

        struct vcpu *v = e ? vcpu_of(e) : NULL;
        bool switching = v && cpu->loaded && cpu->loaded != v;    /* one vCPU to another, no idle between */
        if (cpu->loaded && cpu->loaded != v)
            unload(cpu, cpu->loaded);
        if (!v) {
            if (c == 0 && control_requested)
                continue;
            /* Until a kick, or the next waiting vCPU's time to look. */
            if (next_wake == NO_DEADLINE)
                __asm__ volatile("sti; hlt; cli" ::: "memory");
            else
                host_sleep_until(next_wake);
            continue;
        }
        if (cpu->loaded != v)
            load(cpu, v);
        if (switching) {
            switch_stats[c].switches++;
            switch_stats[c].cycles += rdtsc() - now;
        }
        uint64_t start = rdtsc();
        uint64_t end = slice_ns == SCHED_SLICE_NONE ? NO_DEADLINE : start + ns_to_tsc(slice_ns);
        if (next_wake < end)
            end = next_wake;            /* a waiting vCPU here must be looked at */
        enum vcpu_stop stop = run_slice(v, end);
        after_slice(c, cpu, v, stop, tsc_to_ns(rdtsc() - start));
    }
}
