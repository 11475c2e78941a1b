/* SPDX-License-Identifier: BSD-2-Clause */
/* A VM's Xen-compatible mode: building and tearing down the domain's Xen
 * state, the CPUID leaves and hypercall page that make Linux detect Xen, and
 * how an event-channel upcall reaches a vCPU (per-vCPU LAPIC vector, global
 * callback vector, or the platform device's INTx line). Boot CPU for
 * create/destroy; vCPUs' CPUs under the VM's lock otherwise. */
#include <string.h>
#include "dev/io_bus.h"
#include "ept/ept.h"
#include "host/palloc.h"
#include "lib/print.h"
#include "pvio/xen/xen.h"
#include "pvio/xen/xen_abi.h"
#include "pvio/xen/xenbus.h"
#include "vcpu/vcpu.h"

uint8_t *xen_guest_ptr(struct xen_domain *d, uint64_t gpa, uint64_t len)
{
    return guest_mem_ptr(d->mem, gpa, len);
}

/* --- upcalls ---------------------------------------------------------------- */

static uint8_t *vcpu_info_of(void *ctx, unsigned vcpu)
{
    struct xen_domain *d = ctx;
    if (vcpu >= d->machine->nr_vcpus)
        return NULL;
    if (d->vcpu[vcpu].vcpu_info_registered)
        return xen_guest_ptr(d, d->vcpu[vcpu].vcpu_info_gpa, XEN_VCPU_INFO_SIZE);
    if (d->shared_info_mapped && vcpu < XEN_LEGACY_MAX_VCPUS)
        return xen_guest_ptr(d, d->shared_info_gpa + vcpu * XEN_VCPU_INFO_SIZE, XEN_VCPU_INFO_SIZE);
    return NULL;
}

static bool upcall_pending(struct xen_domain *d, unsigned vcpu)
{
    uint8_t *vi = vcpu_info_of(d, vcpu);
    return vi && __atomic_load_n(vi + XEN_VCPU_UPCALL_PENDING, __ATOMIC_SEQ_CST);
}

/* The GSI/INTx callback is a level line that follows vCPU 0's
 * evtchn_upcall_pending (Xen's hvm_assert_evtchn_irq and
 * hvm_maybe_deassert_evtchn_irq). A per-vCPU vector on vCPU 0 takes
 * precedence: Linux then still sets CALLBACK_IRQ = 1, for the toolstack's
 * sake, and the line must stay idle. While asserted, the line is looked at
 * again before every VM entry (Xen: every exit), since the guest clears the
 * flag without exiting and may EOI through the 8259 or the IOAPIC. */
static void update_callback_line(struct xen_domain *d)
{
    if (d->callback_gsi < 0)
        return;
    bool level = !d->vcpu[0].upcall_vector && upcall_pending(d, 0);
    if (level != d->callback_level) {
        d->callback_level = level;
        d->board.set_gsi(d->board.ctx, (unsigned)d->callback_gsi, level);
    }
    if (level)
        xen_defer(d);
}

static void raise_upcall(void *ctx, unsigned vcpu)
{
    struct xen_domain *d = ctx;
    if (d->vcpu[vcpu].upcall_vector) {
        d->board.deliver_vector(d->board.ctx, vcpu, d->vcpu[vcpu].upcall_vector);
        return;
    }
    switch (HVM_PARAM_CALLBACK_TYPE(d->callback_via)) {
    case HVM_PARAM_CALLBACK_TYPE_VECTOR:
        vcpu_kick(&d->vcpus[vcpu]);     /* xen_callback_pending() injects it */
        break;
    case HVM_PARAM_CALLBACK_TYPE_GSI:
    case HVM_PARAM_CALLBACK_TYPE_PCI_INTX:
        if (vcpu == 0)
            update_callback_line(d);
        break;
    }
}

void xen_assert_upcall(struct xen_domain *d, unsigned vcpu)
{
    if (vcpu < d->machine->nr_vcpus && upcall_pending(d, vcpu))
        raise_upcall(d, vcpu);
}

int xen_callback_pending(struct xen_domain *d, unsigned vcpu)
{
    if (vcpu >= d->machine->nr_vcpus || d->vcpu[vcpu].upcall_vector || !d->callback_via ||
        HVM_PARAM_CALLBACK_TYPE(d->callback_via) != HVM_PARAM_CALLBACK_TYPE_VECTOR)
        return -1;
    return upcall_pending(d, vcpu) ? (int)(d->callback_via & 0xff) : -1;
}

void xen_callback_eoi(struct xen_domain *d)
{
    update_callback_line(d);
}

/* --- CPUID and the hypercall page ------------------------------------------------ */

static struct cpuid_regs xen_cpuid(void *ctx, struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
    (void)subleaf;
    const struct xen_domain *d = ctx;
    struct cpuid_regs r = { 0, 0, 0, 0 };
    switch (leaf - XEN_CPUID_BASE) {
    case 0:
        r = (struct cpuid_regs){ XEN_CPUID_BASE + XEN_CPUID_LEAVES - 1, XEN_CPUID_SIG_EBX,
                                 XEN_CPUID_SIG_ECX, XEN_CPUID_SIG_EDX };
        break;
    case 1:
        r.eax = XEN_VERSION_MAJOR << 16 | XEN_VERSION_MINOR;
        break;
    case 2:
        r.eax = 1;                      /* one hypercall page */
        r.ebx = XEN_HYPERCALL_MSR;
        break;
    case 4:
        r.eax = XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT |
                XEN_HVM_CPUID_UPCALL_VECTOR;
        r.ebx = v->id;                  /* = the MADT processor UID */
        r.ecx = d->domid;
        break;
    }
    return r;
}

/* 128 stubs of 32 bytes: mov eax, i; vmcall; ret. The iret stub is ud2:
 * it only makes sense for PV guests (Xen's vmx_init_hypercall_page). */
static void fill_hypercall_page(uint8_t *page)
{
    memset(page, 0xcc, 4096);           /* int3 between the stubs */
    for (unsigned i = 0; i < XEN_HYPERCALL_STUBS; i++) {
        uint8_t *p = page + i * XEN_HYPERCALL_STUB_SIZE;
        if (i == HYPERVISOR_iret) {
            p[0] = 0x0f;
            p[1] = 0x0b;
            continue;
        }
        p[0] = 0xb8;
        memcpy(p + 1, &i, 4);
        p[5] = 0x0f;
        p[6] = 0x01;
        p[7] = 0xc1;
        p[8] = 0xc3;
    }
}

static int xen_msr_write(void *ctx, struct vcpu *v, uint32_t msr, uint64_t val)
{
    struct xen_domain *d = ctx;
    (void)v, (void)msr;
    if (val & 0xfff)
        return -1;                      /* only page index 0 exists */
    uint8_t *page = xen_guest_ptr(d, val, 4096);
    if (!page)
        return -1;
    fill_hypercall_page(page);
    return 0;
}

static int xen_msr_read(void *ctx, struct vcpu *v, uint32_t msr, uint64_t *val)
{
    (void)ctx, (void)v, (void)msr;
    *val = 0;
    return 0;
}

/* The unplug ports, registered on the VM's I/O bus while the domain exists. */
static uint32_t unplug_io_read(void *ctx, uint16_t port, unsigned size)
{
    struct xen_domain *d = ctx;
    return xen_unplug_read(&d->platform_dev, port, size);
}

static void unplug_io_write(void *ctx, uint16_t port, unsigned size, uint32_t val,
                            struct dev_reply *reply)
{
    struct xen_domain *d = ctx;
    (void)reply;
    xen_unplug_write(&d->platform_dev, port, size, val);
}

static const struct io_ops unplug_io = { .read = unplug_io_read, .write = unplug_io_write };

void xen_print_stats(struct xen_domain *d)
{
    printk("keel: vm %s xen: hypercalls %lu\n", d->name, d->hypercalls);
    for (unsigned i = 0; i < d->nr_backends; i++)
        if (d->backend[i].ops->print_stats)
            d->backend[i].ops->print_stats(d->backend[i].ctx);
}

void xen_message(struct xen_domain *d, const char *line)
{
    if (d->board.message)
        d->board.message(d->board.ctx, line);
    else
        printk("keel: vm %s: %s\n", d->name, line);
}

/* --- backends and deferred work ------------------------------------------------------ */

int xen_backend_add(struct xen_domain *d, const struct xen_backend_ops *ops, void *ctx)
{
    if (d->nr_backends >= XEN_BACKENDS_MAX)
        return -1;
    d->backend[d->nr_backends] = (struct xen_backend){ ops, ctx };
    return (int)d->nr_backends++;
}

void xen_defer(struct xen_domain *d)
{
    d->machine->deferred_pending = true;
}

void xen_backend_defer(struct xen_domain *d, unsigned index)
{
    __atomic_or_fetch(&d->deferred_backends, 1u << index, __ATOMIC_SEQ_CST);
    xen_defer(d);
}

void xen_backend_wake(struct xen_domain *d, unsigned index)
{
    xen_backend_defer(d, index);
    /* A halted vCPU runs deferred work when it wakes (it may be what raises
     * the guest's interrupt), so waking vCPU 0 is enough. */
    vcpu_kick(&d->vcpus[0]);
}

void xen_store_defer(struct xen_domain *d)
{
    d->deferred_store = true;
    xen_defer(d);
}

static void xen_run_deferred(void *ctx)
{
    struct xen_domain *d = ctx;
    struct machine *m = d->machine;
    spin_lock(&m->lock);
    m->deferred_pending = false;
    {
        uint32_t backends = __atomic_exchange_n(&d->deferred_backends, 0, __ATOMIC_SEQ_CST);
        for (unsigned i = 0; i < d->nr_backends; i++)
            if (backends & (1u << i))
                d->backend[i].ops->kick(d->backend[i].ctx);
        if (d->deferred_store) {    /* after the backends: their state changes land there */
            d->deferred_store = false;
            xenbus_store_kick(d);
        }
        if (d->callback_level)
            update_callback_line(d);
    }
    spin_unlock(&m->lock);
}

/* --- the grant frames follow the platform device's BAR1 -------------------------------- */

static void unmap_grant_frames(struct xen_domain *d)
{
    if (d->grant_gpa == PCI_BAR_NONE)
        return;
    ept_unmap(d->ept, d->grant_gpa, XEN_GRANT_FRAMES * PAGE_SIZE);
    d->grant_gpa = PCI_BAR_NONE;
    vcpus_flush_ept(d->vcpus, d->machine->nr_vcpus);
}

/* Map them at gpa, unless something is mapped there already (guest RAM,
 * the xenstore page): then, or without memory for EPT tables, they stay
 * unmapped until the BAR moves again, as a BAR over RAM decodes nothing. */
static void map_grant_frames(struct xen_domain *d, uint64_t gpa)
{
    const uint64_t len = XEN_GRANT_FRAMES * PAGE_SIZE;
    uint64_t hpa, perms;
    for (uint64_t off = 0; off < len; off += PAGE_SIZE)
        if (ept_translate(d->ept, gpa + off, &hpa, &perms) == 0)
            return;
    /* Write-back: Linux maps them WB. */
    if (ept_map(d->ept, gpa, d->grant_frames, len, EPT_READ | EPT_WRITE, EPT_MT_WB, false)) {
        ept_unmap(d->ept, gpa, len);        /* what was mapped before the tables ran out */
        vcpus_flush_ept(d->vcpus, d->machine->nr_vcpus);
        return;
    }
    d->grant_gpa = gpa;
}

/* The guest moved BAR1, sized it or switched memory decoding (pci_host
 * reports only real changes, never the sizing pattern). BAR0's ports are
 * decoded by nothing in Keel (Linux only reserves them), so they have
 * nothing to move. Under the VM's lock, on a vCPU's CPU. */
static void platform_bar_moved(void *ctx, unsigned bar, uint64_t from, uint64_t to)
{
    struct xen_domain *d = ctx;
    (void)from;
    if (bar != XEN_PLATFORM_GRANT_BAR)
        return;
    unmap_grant_frames(d);
    if (to != PCI_BAR_NONE)
        map_grant_frames(d, to);
}

/* --- life cycle ------------------------------------------------------------------- */

int xen_create_fail(const char **key, const char *k, char *why, size_t size, const char *msg)
{
    *key = k;
    snprintf(why, size, "%s", msg);
    return -1;
}

static uint64_t domain_pages(void)
{
    return (sizeof(struct xen_domain) + PAGE_SIZE - 1) / PAGE_SIZE;
}

static int build(struct xen_domain *d, const struct xen_domain_env *env, const char **key,
                 char *why, size_t why_size)
{
    evtchn_init(&d->evtchn, d->machine->nr_vcpus, vcpu_info_of, raise_upcall, d);
    grant_table_init(&d->grants, d->mem, EVTCHN_BACKEND_DOMID);

    /* Grant frames sit at the start of the platform device's BAR1, backed by
     * Keel's pages; they are mapped where BAR1 decodes, and follow it. */
    d->grant_frames = palloc_alloc(XEN_GRANT_FRAMES, PAGE_SIZE);
    if (!d->grant_frames)
        return xen_create_fail(key, "xen_platform_pci", why, why_size, "no memory left for grant frames");
    for (unsigned i = 0; i < XEN_GRANT_FRAMES; i++)
        grant_table_set_frame(&d->grants, i, (void *)(uintptr_t)(d->grant_frames + i * PAGE_SIZE));

    uint64_t ring = palloc_page();
    d->store_ring = (uint8_t *)(uintptr_t)ring;     /* set first: destroy frees it */
    if (!ring || ept_map(d->ept, XEN_STORE_GPA, ring, PAGE_SIZE, EPT_READ | EPT_WRITE, EPT_MT_WB, false))
        return xen_create_fail(key, "xen_platform_pci", why, why_size, "no memory left for the xenstore ring");

    if (xen_platform_init(&d->platform_dev, env->pci))
        return xen_create_fail(key, "xen_platform_pci", why, why_size, "no free PCI slot for the platform device");
    pci_function_watch_bars(d->platform_dev.pci, platform_bar_moved, d);   /* maps them */
    if (d->grant_gpa != XEN_PLATFORM_MMIO_BAR)
        return xen_create_fail(key, "xen_platform_pci", why, why_size, "no memory left for grant frames");
    /* Ports 0x10-0x1F (the unplug protocol); without Xen mode they read all-ones. */
    if (io_bus_register(d->io_bus, XEN_UNPLUG_PORT_FIRST, XEN_UNPLUG_PORT_LAST, &unplug_io, d))
        return xen_create_fail(key, "xen_platform_pci", why, why_size, "the unplug ports are taken");
    d->unplug_ports = true;
    /* What its vCPUs reach: CPUID leaves, the hypercall-page MSR, VMCALL, and
     * the backends' leftover work. */
    struct machine *m = d->machine;
    const struct cpuid_ext leaves = { XEN_CPUID_BASE, XEN_CPUID_BASE + 0xff, xen_cpuid, d };
    const struct msr_ext page_msr = { XEN_HYPERCALL_MSR, XEN_HYPERCALL_MSR, xen_msr_read, xen_msr_write, d };
    if (machine_add_cpuid(m, &leaves) || machine_add_msr(m, &page_msr))
        return xen_create_fail(key, "xen_platform_pci", why, why_size, "the Xen CPUID leaves or MSR are taken");
    m->hypercall = xen_hypercall;
    m->hypercall_ctx = d;
    m->deferred = xen_run_deferred;
    m->deferred_ctx = d;
    return xenbus_create(d, key, why, why_size);
}

struct xen_domain *xen_domain_create(const struct xen_domain_env *env, const char **key,
                                     char *why, size_t why_size)
{
    uint64_t phys = palloc_alloc(domain_pages(), PAGE_SIZE);
    if (!phys) {
        xen_create_fail(key, "xen_platform_pci", why, why_size, "no memory left for the Xen domain");
        return NULL;
    }
    struct xen_domain *d = (struct xen_domain *)(uintptr_t)phys;
    d->machine = env->machine;
    d->vcpus = env->vcpus;
    d->mem = env->machine->mem;
    d->ept = env->ept;
    d->io_bus = env->io_bus;
    snprintf(d->name, sizeof(d->name), "%s", env->name);
    d->domid = env->domid ? env->domid : XEN_GUEST_DOMID;
    d->board = env->board;
    d->callback_gsi = -1;
    d->grant_gpa = PCI_BAR_NONE;
    if (build(d, env, key, why, why_size)) {
        xen_domain_destroy(d);
        return NULL;
    }
    return d;
}

/* The machine's CPUID and MSR entries stay (its table has no removal); they
 * are the VM's until it is built again, and no vCPU runs after this. */
void xen_domain_destroy(struct xen_domain *d)
{
    struct machine *m = d->machine;
    if (m->hypercall_ctx == d) {
        m->hypercall = NULL;
        m->hypercall_ctx = NULL;
    }
    if (m->deferred_ctx == d) {
        m->deferred = NULL;
        m->deferred_ctx = NULL;
        m->deferred_pending = false;
    }
    if (d->platform_dev.pci)
        pci_function_watch_bars(d->platform_dev.pci, NULL, NULL);
    for (unsigned i = 0; i < d->nr_backends; i++)
        d->backend[i].ops->destroy(d->backend[i].ctx);
    d->nr_backends = 0;
    xenbus_destroy(d);
    if (d->unplug_ports)
        io_bus_unregister(d->io_bus, XEN_UNPLUG_PORT_FIRST);
    if (d->store_ring)
        palloc_free((uint64_t)(uintptr_t)d->store_ring, 1);
    if (d->grant_frames)
        palloc_free(d->grant_frames, XEN_GRANT_FRAMES);
    palloc_free((uint64_t)(uintptr_t)d, domain_pages());
}

int xen_request_shutdown(struct xen_domain *d, const char *reason)
{
    return xenbus_request_shutdown(d, reason);
}
