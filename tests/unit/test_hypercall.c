/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for the Xen mode's hypercall layer (pvio/xen/hypercall.c)
 * and what xen_domain_create (pvio/xen/xen.c) registers on the machine: a real
 * domain is built over the parts of a VM (guest RAM with 4-level identity
 * page tables, EPT, machine, vCPUs, PCI host, I/O bus; no vm/), over the
 * real event channels, grant table and platform device, with fakes for the
 * host page allocator, the xenstore and the vendor layer
 * (tests/unit/fake_vmx.c). Hypercalls arrive as VMCALL exits through the
 * neutral dispatch, so the whole path guest -> machine hook -> Xen is
 * exercised; a guest's hostile arguments must come back as Xen's error
 * codes, never as a crash or a changed domain. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "arch/x86/msr_index.h"
#include "dev/io_bus.h"
#include "dev/mmio_bus.h"
#include "dev/pci_host.h"
#include "ept/ept.h"
#include "host/palloc.h"
#include "lib/print.h"
#include "pvio/xen/xen.h"
#include "pvio/xen/xen_abi.h"
#include "pvio/xen/xenbus.h"
#include "vcpu/cpuid.h"
#include "vcpu/dispatch.h"
#include "vcpu/msr.h"
#include "tests/unit/fake_vmx.h"

#define PG 0x1000u
#define RAM_SIZE (2u << 20)         /* one 2 MiB page, identity-mapped */
#define ARG 0x10000u                /* where hypercall arguments are put */
#define UNMAPPED 0x40000000ull      /* canonical, beyond the page tables */

/* --- test doubles: the host page allocator, the backends, printk ---------------------- */

uint64_t palloc_alloc(uint64_t pages, uint64_t align)
{
    void *p = aligned_alloc(align, pages * PAGE_SIZE);
    if (p)
        memset(p, 0, pages * PAGE_SIZE);
    return (uint64_t)(uintptr_t)p;
}

void palloc_free(uint64_t phys, uint64_t pages)
{
    (void)pages;
    free((void *)(uintptr_t)phys);
}

static unsigned xenbus_created, store_kicks;
static char trace[64];          /* what deferred work ran, in order */

static void trace_add(const char *what)
{
    strncat(trace, what, sizeof(trace) - strlen(trace) - 1);
}

int xenbus_create(struct xen_domain *d, const char **key, char *why, size_t why_size)
{
    (void)d, (void)key, (void)why, (void)why_size;
    xenbus_created++;
    return 0;
}

void xenbus_destroy(struct xen_domain *d) { (void)d; }
int xenbus_request_shutdown(struct xen_domain *d, const char *reason)
{
    (void)d, (void)reason;
    return 0;
}
void xenbus_store_kick(struct xen_domain *d)
{
    (void)d;
    store_kicks++;
    trace_add("s");
}

void printk(const char *fmt, ...)
{
    (void)fmt;
}

static uint64_t ept_page(void)
{
    return palloc_alloc(1, PAGE_SIZE);
}

static void ept_free(uint64_t page)
{
    palloc_free(page, 1);
}

/* --- the VM ---------------------------------------------------------------------------- */

struct board_rec {
    unsigned gsi_calls, last_gsi;
    bool last_level;
    unsigned vectors, last_vcpu;
    uint8_t last_vector;
};

static void rec_set_gsi(void *ctx, unsigned gsi, bool level)
{
    struct board_rec *b = ctx;
    b->gsi_calls++;
    b->last_gsi = gsi;
    b->last_level = level;
}

static void rec_deliver_vector(void *ctx, unsigned vcpu, uint8_t vector)
{
    struct board_rec *b = ctx;
    b->vectors++;
    b->last_vcpu = vcpu;
    b->last_vector = vector;
}

static const struct vcpu_ops no_ops;

/* The parts of a VM a domain is built over (vm/ is not linked). */
struct test_vm {
    struct guest_mem mem;
    struct ept ept;
    struct machine machine;
    struct vcpu vcpus[2];
    struct pci_host pci;
    struct io_bus io_bus;
    struct mmio_bus mmio_bus;
    struct xen_domain *xen;
};

struct fixture {
    struct test_vm *vm;
    uint8_t *ram;
    struct xen_domain *d;
    struct vcpu *v;
    struct fake_vmx *hw;
    struct board_rec board;
};

static void put64(uint8_t *ram, uint64_t gpa, uint64_t val)
{
    memcpy(ram + gpa, &val, 8);
}

static int setup(void **state)
{
    fake_vmx_reset();
    xenbus_created = store_kicks = 0;
    trace[0] = '\0';
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->ram = aligned_alloc(RAM_SIZE, RAM_SIZE);
    assert_non_null(f->ram);
    memset(f->ram, 0, RAM_SIZE);
    /* 4-level paging: PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> one 2 MiB page at 0. */
    put64(f->ram, 0x1000, 0x2000 | 3);
    put64(f->ram, 0x2000, 0x3000 | 3);
    put64(f->ram, 0x3000, 0x0 | 0x83);

    struct test_vm *vm = calloc(1, sizeof(*vm));
    assert_non_null(vm);
    f->vm = vm;
    vm->mem.size = RAM_SIZE;
    vm->mem.nr_extents = 1;
    vm->mem.extent[0] = (struct guest_extent){ 0, (uint64_t)(uintptr_t)f->ram, RAM_SIZE };
    vm->ept.alloc_page = ept_page;
    vm->ept.free_page = ept_free;
    assert_int_equal(ept_init(&vm->ept), 0);
    machine_init(&vm->machine, &vm->mem, &no_ops, 2);
    pci_host_init(&vm->pci);
    io_bus_init(&vm->io_bus);
    for (unsigned i = 0; i < 2; i++) {
        vm->vcpus[i].machine = &vm->machine;
        vm->vcpus[i].id = i;
        vm->vcpus[i].io_bus = &vm->io_bus;
        vm->vcpus[i].mmio_bus = &vm->mmio_bus;
        struct fake_vmx *hw = fake_vmx_of(&vm->vcpus[i].vmx);
        hw->reg[VREG_CR0] = CR0_PG | 1;
        hw->reg[VREG_CR3] = 0x1000;
        hw->reg[VREG_CR4] = 1u << 5;        /* PAE */
        hw->reg[VREG_EFER] = EFER_LME | EFER_LMA;
        hw->reg[VREG_RIP] = 0x8000;
        hw->insn_len = 3;                    /* vmcall */
    }

    const struct xen_domain_env env = {
        .machine = &vm->machine, .vcpus = vm->vcpus, .ept = &vm->ept, .io_bus = &vm->io_bus,
        .pci = &vm->pci, .name = "guest",
        .board = { rec_set_gsi, rec_deliver_vector, NULL, &f->board },
    };
    const char *key = NULL;
    char why[128] = "";
    vm->xen = xen_domain_create(&env, &key, why, sizeof(why));
    assert_non_null(vm->xen);
    assert_int_equal(xenbus_created, 1);
    f->d = vm->xen;
    f->v = &vm->vcpus[0];
    f->hw = fake_vmx_of(&f->v->vmx);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    if (f->vm->xen)
        xen_domain_destroy(f->vm->xen);
    ept_destroy(&f->vm->ept);
    free(f->vm);
    free(f->ram);
    free(f);
    return 0;
}

/* A VMCALL exit with RAX = nr and the first three arguments. */
static long hcall(struct fixture *f, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
    uint64_t *g = f->v->regs.gpr;
    g[GPR_RAX] = nr;
    g[GPR_RDI] = a0;
    g[GPR_RSI] = a1;
    g[GPR_RDX] = a2;
    uint64_t rip = f->hw->reg[VREG_RIP];
    struct vexit x = { .kind = VEXIT_VMCALL };
    vcpu_dispatch(f->v, &x);
    assert_int_equal(f->vm->machine.lock.locked, 0);
    assert_int_equal(f->hw->reg[VREG_RIP], rip + 3);       /* always past the VMCALL */
    assert_int_equal(f->hw->exceptions, 0);                 /* never a fault for the guest */
    return (long)g[GPR_RAX];
}

static void put_arg(struct fixture *f, const void *arg, size_t len)
{
    memcpy(f->ram + ARG, arg, len);
}

/* --- what the domain registers ------------------------------------------------------- */

static void test_create_registers_leaves_msr_and_hook(void **state)
{
    struct fixture *f = *state;
    struct machine *m = &f->vm->machine;
    assert_ptr_equal(m->hypercall, xen_hypercall);
    assert_ptr_equal(m->hypercall_ctx, f->d);
    assert_non_null(m->deferred);

    struct cpuid_regs r = cpuid_emulate(f->v, 0x40000000, 0);
    assert_int_equal(r.eax, 0x40000004);
    assert_int_equal(r.ebx, XEN_CPUID_SIG_EBX);
    assert_int_equal(r.ecx, XEN_CPUID_SIG_ECX);
    assert_int_equal(r.edx, XEN_CPUID_SIG_EDX);
    r = cpuid_emulate(&f->vm->vcpus[1], 0x40000004, 0);
    assert_int_equal(r.ebx, 1);                             /* the vCPU id */
    assert_int_equal(r.ecx, XEN_GUEST_DOMID);
    r = cpuid_emulate(f->v, 0x40000002, 0);
    assert_int_equal(r.ebx, XEN_HYPERCALL_MSR);
    assert_int_equal(cpuid_emulate(f->v, 0x40000100, 0).eax, 0);

    /* The hypercall page: stubs "mov eax, n; vmcall; ret", ud2 for iret. */
    assert_int_equal(msr_write(f->v, XEN_HYPERCALL_MSR, 0x5000), 0);
    for (unsigned i = 0; i < XEN_HYPERCALL_STUBS; i++) {
        const uint8_t *p = f->ram + 0x5000 + i * XEN_HYPERCALL_STUB_SIZE;
        if (i == HYPERVISOR_iret) {
            assert_int_equal(p[0], 0x0f);
            assert_int_equal(p[1], 0x0b);
            continue;
        }
        const uint8_t want[] = { 0xb8, (uint8_t)i, 0, 0, 0, 0x0f, 0x01, 0xc1, 0xc3 };
        assert_memory_equal(p, want, sizeof(want));
    }
    /* Page index other than 0, or a page outside RAM: #GP. */
    assert_int_equal(msr_write(f->v, XEN_HYPERCALL_MSR, 0x6001), -1);
    assert_int_equal(msr_write(f->v, XEN_HYPERCALL_MSR, RAM_SIZE), -1);
    assert_int_equal(msr_write(f->v, XEN_HYPERCALL_MSR, 0xfffffffffffff000ull), -1);
    assert_int_equal(f->ram[0x6000], 0);
}

/* --- who may call ------------------------------------------------------------------------ */

static void test_cpl_above_0_is_eperm(void **state)
{
    struct fixture *f = *state;
    put_arg(f, &(uint32_t){ SHUTDOWN_poweroff }, 4);
    for (unsigned cpl = 1; cpl <= 3; cpl++) {
        f->hw->cpl = cpl;
        assert_int_equal(hcall(f, HYPERVISOR_xen_version, XENVER_version, 0, 0), -XEN_EPERM);
        assert_int_equal(hcall(f, HYPERVISOR_sched_op, SCHEDOP_shutdown, ARG, 0), -XEN_EPERM);
        assert_int_equal(hcall(f, 9999, 0, 0, 0), -XEN_EPERM);
    }
    assert_int_equal(f->v->end, VCPU_RUNNING);
    assert_int_equal(f->d->hypercalls, 0);
}

/* The 32-bit ABI is not offered: a caller in 16- or 32-bit code gets
 * -ENOSYS even for a call that exists. */
static void test_32_bit_callers_get_enosys(void **state)
{
    struct fixture *f = *state;
    static const unsigned bits[] = { 16, 32 };
    for (unsigned i = 0; i < 2; i++) {
        f->hw->code_bits = bits[i];
        assert_int_equal(hcall(f, HYPERVISOR_xen_version, XENVER_version, 0, 0), -XEN_ENOSYS);
    }
    f->hw->code_bits = 64;
    assert_int_equal(hcall(f, HYPERVISOR_xen_version, XENVER_version, 0, 0),
                     XEN_VERSION_MAJOR << 16 | XEN_VERSION_MINOR);
    assert_int_equal(f->d->hypercalls, 1);
}

/* Numbers with no entry, past the table, and huge ones (RAX is the guest's). */
static void test_unknown_numbers_get_enosys(void **state)
{
    struct fixture *f = *state;
    static const uint64_t nrs[] = {
        0, 1, 11, 13, HYPERVISOR_iret, 33, 35, 36, 64, 0xffff, 0xffffffffull, 0x100000011ull,
        1ull << 63, ~0ull,
    };
    for (unsigned i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++)
        assert_int_equal(hcall(f, nrs[i], ARG, ARG, ARG), -XEN_ENOSYS);
    assert_int_equal(f->d->hypercalls, 0);
    /* Known calls, unknown sub-operations. */
    assert_int_equal(hcall(f, HYPERVISOR_xen_version, 0xffffffff, ARG, 0), -XEN_ENOSYS);
    assert_int_equal(hcall(f, HYPERVISOR_memory_op, 1ull << 40, ARG, 0), -XEN_ENOSYS);
    assert_int_equal(hcall(f, HYPERVISOR_hvm_op, HVMOP_pagetable_dying, ARG, 0), -XEN_ENOSYS);
    assert_int_equal(hcall(f, HYPERVISOR_vcpu_op, 0, 0, ARG), -XEN_ENOSYS);
    assert_int_equal(hcall(f, HYPERVISOR_event_channel_op, EVTCHNOP_init_control, ARG, 0), -XEN_ENOSYS);
    assert_int_equal(hcall(f, HYPERVISOR_sched_op, 99, ARG, 0), -XEN_ENOSYS);
    assert_int_equal(hcall(f, HYPERVISOR_grant_table_op, 0, ARG, 1), -XEN_ENOSYS);
}

/* --- pointer arguments ----------------------------------------------------------------- */

/* A buffer the guest's tables do not map, one not canonical, or one that
 * runs from canonical into non-canonical space: -EFAULT, nothing done. */
static void test_bad_buffers_are_efault(void **state)
{
    struct fixture *f = *state;
    static const uint64_t bad[] = {
        UNMAPPED, RAM_SIZE - 2, 0x0000800000000000ull, 0x00007ffffffffffeull,
        0xffff7fffffffffffull, ~0ull - 3,
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(hcall(f, HYPERVISOR_xen_version, XENVER_get_features, bad[i], 0), -XEN_EFAULT);
        assert_int_equal(hcall(f, HYPERVISOR_hvm_op, HVMOP_set_param, bad[i], 0), -XEN_EFAULT);
        assert_int_equal(hcall(f, HYPERVISOR_hvm_op, HVMOP_get_param, bad[i], 0), -XEN_EFAULT);
        assert_int_equal(hcall(f, HYPERVISOR_memory_op, XENMEM_add_to_physmap, bad[i], 0), -XEN_EFAULT);
        assert_int_equal(hcall(f, HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, bad[i], 0),
                         -XEN_EFAULT);
        assert_int_equal(hcall(f, HYPERVISOR_sched_op, SCHEDOP_shutdown, bad[i], 0), -XEN_EFAULT);
        assert_int_equal(hcall(f, HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, bad[i]), -XEN_EFAULT);
    }
    assert_int_equal(f->v->end, VCPU_RUNNING);
    assert_false(f->d->shared_info_mapped);
}

/* Where the tables map both sides of the non-canonical hole (and the top
 * of the address space and address 0), a buffer running across it, or
 * wrapping past 2^64, is still -EFAULT: the walk alone would accept it. */
static void test_buffers_across_the_canonical_hole_are_efault(void **state)
{
    struct fixture *f = *state;
    put64(f->ram, 0x1000 + 255 * 8, 0x7000 | 3);    /* the top of the lower half */
    put64(f->ram, 0x1000 + 256 * 8, 0x2000 | 3);    /* the bottom of the upper half, as the walk sees it */
    put64(f->ram, 0x1000 + 511 * 8, 0x7000 | 3);    /* the top of the upper half */
    put64(f->ram, 0x7000 + 511 * 8, 0x9000 | 3);
    put64(f->ram, 0x9000 + 511 * 8, 0x0 | 0x83);
    /* Just below each end, the buffer is fine (the mappings work). */
    assert_int_equal(hcall(f, HYPERVISOR_xen_version, XENVER_get_features, 0x00007ffffffffff8ull, 0), 0);
    assert_int_equal(hcall(f, HYPERVISOR_xen_version, XENVER_get_features, 0xfffffffffffffff8ull, 0), 0);
    assert_int_equal(hcall(f, HYPERVISOR_xen_version, XENVER_get_features, 0xffff800000000000ull, 0), 0);
    static const uint64_t across[] = {
        0x00007ffffffffffcull, 0x00007fffffffffffull, 0xfffffffffffffffcull, 0xffffffffffffffffull,
    };
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(hcall(f, HYPERVISOR_xen_version, XENVER_get_features, across[i], 0), -XEN_EFAULT);
        assert_int_equal(hcall(f, HYPERVISOR_hvm_op, HVMOP_get_param, across[i], 0), -XEN_EFAULT);
    }
}

/* A read-only page of the guest's is not written through. */
static void test_readonly_buffer_is_not_written(void **state)
{
    struct fixture *f = *state;
    /* Map linear 2 MiB..4 MiB read-only onto the same RAM; CR0.WP makes
     * that bind supervisor writes too. */
    put64(f->ram, 0x3008, 0x0 | 0x81);
    f->hw->reg[VREG_CR0] |= 1u << 16;
    struct xen_feature_info fi = { 0, 0x5a5a5a5a };
    put_arg(f, &fi, sizeof(fi));
    assert_int_equal(hcall(f, HYPERVISOR_xen_version, XENVER_get_features, RAM_SIZE + ARG, 0),
                     -XEN_EFAULT);
    assert_memory_equal(f->ram + ARG, &fi, sizeof(fi));
    /* Through the writable alias it works. */
    assert_int_equal(hcall(f, HYPERVISOR_xen_version, XENVER_get_features, ARG, 0), 0);
    memcpy(&fi, f->ram + ARG, sizeof(fi));
    assert_int_equal(fi.submap, (1u << XENFEAT_auto_translated_physmap) | (1u << XENFEAT_hvm_callback_vector));
    fi.submap_idx = 0xffffffff;
    put_arg(f, &fi, sizeof(fi));
    assert_int_equal(hcall(f, HYPERVISOR_xen_version, XENVER_get_features, ARG, 0), 0);
    memcpy(&fi, f->ram + ARG, sizeof(fi));
    assert_int_equal(fi.submap, 0);
}

/* --- hvm_op ------------------------------------------------------------------------------ */

static long hvm_param(struct fixture *f, unsigned op, uint16_t domid, uint32_t index, uint64_t value)
{
    struct xen_hvm_param p = { .domid = domid, .index = index, .value = value };
    put_arg(f, &p, sizeof(p));
    return hcall(f, HYPERVISOR_hvm_op, op, ARG, 0);
}

static void test_hvm_param_rejects_hostile_arguments(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(hvm_param(f, HVMOP_set_param, DOMID_SELF, HVM_NR_PARAMS, 1), -XEN_EINVAL);
    assert_int_equal(hvm_param(f, HVMOP_set_param, DOMID_SELF, 0xffffffff, 1), -XEN_EINVAL);
    assert_int_equal(hvm_param(f, HVMOP_get_param, DOMID_SELF, 0x80000000, 0), -XEN_EINVAL);
    assert_int_equal(hvm_param(f, HVMOP_set_param, 0, HVM_PARAM_CALLBACK_IRQ, 5), -XEN_ESRCH);
    assert_int_equal(hvm_param(f, HVMOP_set_param, 0x7fff, HVM_PARAM_CALLBACK_IRQ, 5), -XEN_ESRCH);
    /* The toolstack's parameters are not the guest's to set. */
    assert_int_equal(hvm_param(f, HVMOP_set_param, DOMID_SELF, HVM_PARAM_STORE_PFN, 0x10), -XEN_EPERM);
    assert_int_equal(hvm_param(f, HVMOP_set_param, DOMID_SELF, HVM_PARAM_STORE_EVTCHN, 1), -XEN_EPERM);

    /* Bad callback values change nothing. */
    static const uint64_t bad_via[] = {
        24, 0xffffff,                               /* GSI out of range */
        (2ull << 56) | 0x0f,                        /* vector below 0x10 */
        (2ull << 56) | 0x1f0,                       /* vector with junk above it */
        (1ull << 56) | (1ull << 32) | 0x1800,       /* INTx on segment 1 */
        (1ull << 56) | (1ull << 16) | 0x1800,       /* INTx on bus 1 */
        3ull << 56, 0xffull << 56,                  /* unknown types */
    };
    for (unsigned i = 0; i < sizeof(bad_via) / sizeof(bad_via[0]); i++)
        assert_int_equal(hvm_param(f, HVMOP_set_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, bad_via[i]),
                         -XEN_EINVAL);
    assert_int_equal(f->d->callback_via, 0);
    assert_int_equal(f->d->callback_gsi, -1);
    assert_int_equal(f->board.gsi_calls, 0);
}

static void test_hvm_param_set_and_get(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(hvm_param(f, HVMOP_set_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, 5), 0);
    assert_int_equal(f->d->callback_gsi, 5);
    assert_int_equal(hvm_param(f, HVMOP_get_param, XEN_GUEST_DOMID, HVM_PARAM_CALLBACK_IRQ, 0), 0);
    struct xen_hvm_param p;
    memcpy(&p, f->ram + ARG, sizeof(p));
    assert_int_equal(p.value, 5);
    /* INTx of device 3 pin A: GSI 16 + (3 + 0) % 8. */
    assert_int_equal(hvm_param(f, HVMOP_set_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ,
                               (1ull << 56) | (3u << 11)), 0);
    assert_int_equal(f->d->callback_gsi, 19);
    assert_int_equal(hvm_param(f, HVMOP_get_param, DOMID_SELF, HVM_PARAM_STORE_PFN, 0), 0);
    memcpy(&p, f->ram + ARG, sizeof(p));
    assert_int_equal(p.value, XEN_STORE_GPA >> 12);
    assert_int_equal(hvm_param(f, HVMOP_get_param, DOMID_SELF, HVM_NR_PARAMS - 1, 0x77), 0);
    memcpy(&p, f->ram + ARG, sizeof(p));
    assert_int_equal(p.value, 0);
}

static void test_upcall_vector_rejects_hostile_arguments(void **state)
{
    struct fixture *f = *state;
    struct xen_hvm_evtchn_upcall_vector u = { .vcpu = 2, .vector = 0xf3 };
    put_arg(f, &u, sizeof(u));
    assert_int_equal(hcall(f, HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, ARG, 0), -XEN_ENOENT);
    u.vcpu = 0xffffffff;
    put_arg(f, &u, sizeof(u));
    assert_int_equal(hcall(f, HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, ARG, 0), -XEN_ENOENT);
    u = (struct xen_hvm_evtchn_upcall_vector){ .vcpu = 1, .vector = 0x0f };
    put_arg(f, &u, sizeof(u));
    assert_int_equal(hcall(f, HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, ARG, 0), -XEN_EINVAL);
    assert_int_equal(f->d->vcpu[1].upcall_vector, 0);
    u.vector = 0xf3;
    put_arg(f, &u, sizeof(u));
    assert_int_equal(hcall(f, HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, ARG, 0), 0);
    assert_int_equal(f->d->vcpu[1].upcall_vector, 0xf3);
}

/* --- memory_op --------------------------------------------------------------------------- */

static long add_to_physmap(struct fixture *f, uint16_t domid, uint32_t space, uint64_t idx, uint64_t gpfn)
{
    struct xen_add_to_physmap a = { .domid = domid, .space = space, .idx = idx, .gpfn = gpfn };
    put_arg(f, &a, sizeof(a));
    return hcall(f, HYPERVISOR_memory_op, XENMEM_add_to_physmap, ARG, 0);
}

static void test_add_to_physmap_rejects_bad_gpas(void **state)
{
    struct fixture *f = *state;
    static const uint64_t bad_gpfn[] = {
        RAM_SIZE / PG, 0xfeffc /* the xenstore ring: not RAM */, 1ull << 40, 1ull << 52,
        (1ull << 52) + 0x20 /* wraps to 0x20000 when shifted */, ~0ull,
    };
    for (unsigned i = 0; i < sizeof(bad_gpfn) / sizeof(bad_gpfn[0]); i++)
        assert_int_equal(add_to_physmap(f, DOMID_SELF, XENMAPSPACE_shared_info, 0, bad_gpfn[i]),
                         -XEN_EINVAL);
    assert_int_equal(add_to_physmap(f, DOMID_SELF, XENMAPSPACE_shared_info, 1, 0x20), -XEN_EINVAL);
    assert_int_equal(add_to_physmap(f, 0, XENMAPSPACE_shared_info, 0, 0x20), -XEN_ESRCH);
    assert_int_equal(add_to_physmap(f, DOMID_SELF, 2, 0, 0x20), -XEN_EINVAL);
    assert_int_equal(add_to_physmap(f, DOMID_SELF, 0xffffffff, 0, 0x20), -XEN_EINVAL);
    assert_false(f->d->shared_info_mapped);
    assert_null(f->d->evtchn.shared_info);

    /* Grant frames only where the platform device's BAR puts them. */
    const uint64_t bar = XEN_PLATFORM_MMIO_BAR / PG;
    assert_int_equal(add_to_physmap(f, DOMID_SELF, XENMAPSPACE_grant_table, XEN_GRANT_FRAMES,
                                    bar + XEN_GRANT_FRAMES), -XEN_EINVAL);
    assert_int_equal(add_to_physmap(f, DOMID_SELF, XENMAPSPACE_grant_table, 1, bar), -XEN_EINVAL);
    assert_int_equal(add_to_physmap(f, DOMID_SELF, XENMAPSPACE_grant_table, ~0ull, bar - 1), -XEN_EINVAL);
    assert_int_equal(add_to_physmap(f, DOMID_SELF, XENMAPSPACE_grant_table, 2, bar + 2), 0);
    assert_int_equal(f->d->grants.nr_frames, 3);
}

static void test_add_to_physmap_shared_info(void **state)
{
    struct fixture *f = *state;
    memset(f->ram + 0x20000, 0xee, PG);
    assert_int_equal(add_to_physmap(f, DOMID_SELF, XENMAPSPACE_shared_info, 0, 0x20), 0);
    assert_true(f->d->shared_info_mapped);
    assert_int_equal(f->d->shared_info_gpa, 0x20000);
    assert_ptr_equal(f->d->evtchn.shared_info, f->ram + 0x20000);
    for (unsigned i = 0; i < PG; i++)
        assert_int_equal(f->ram[0x20000 + i], 0);   /* starts empty */
    /* Moving it carries its contents. */
    f->ram[0x20000 + XEN_SHINFO_MASK] = 0x42;
    assert_int_equal(add_to_physmap(f, XEN_GUEST_DOMID, XENMAPSPACE_shared_info, 0, 0x21), 0);
    assert_int_equal(f->ram[0x21000 + XEN_SHINFO_MASK], 0x42);
    assert_int_equal(f->d->shared_info_gpa, 0x21000);
}

/* --- vcpu_op ----------------------------------------------------------------------------- */

static long register_vcpu_info(struct fixture *f, uint64_t vcpu, uint64_t mfn, uint32_t offset)
{
    struct vcpu_register_vcpu_info r = { .mfn = mfn, .offset = offset };
    put_arg(f, &r, sizeof(r));
    return hcall(f, HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, vcpu, ARG);
}

static void test_register_vcpu_info_rejects_hostile_arguments(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(register_vcpu_info(f, 2, 0x30, 0), -XEN_ENOENT);
    assert_int_equal(register_vcpu_info(f, 0xffffffff, 0x30, 0), -XEN_ENOENT);
    assert_int_equal(register_vcpu_info(f, 0x100000000ull, 0x30, 0), 0);   /* the id is 32 bits: vCPU 0 */
    assert_int_equal(register_vcpu_info(f, 0, 0x30, 0), -XEN_EINVAL);      /* once only */
    assert_int_equal(register_vcpu_info(f, 1, 0x30, PG - XEN_VCPU_INFO_SIZE + 8), -XEN_EINVAL);
    assert_int_equal(register_vcpu_info(f, 1, 0x30, 0xffffffff), -XEN_EINVAL);
    assert_int_equal(register_vcpu_info(f, 1, 0x30, 4), -XEN_ENXIO);
    assert_int_equal(register_vcpu_info(f, 1, 1ull << 40, 0), -XEN_EINVAL);
    assert_int_equal(register_vcpu_info(f, 1, (1ull << 52) + 0x30, 0), -XEN_EINVAL);
    assert_int_equal(register_vcpu_info(f, 1, RAM_SIZE / PG, 0), -XEN_EINVAL);
    assert_false(f->d->vcpu[1].vcpu_info_registered);
    assert_int_equal(register_vcpu_info(f, 1, 0x31, PG - XEN_VCPU_INFO_SIZE), 0);
    assert_int_equal(f->d->vcpu[1].vcpu_info_gpa, 0x32000 - XEN_VCPU_INFO_SIZE);
}

/* --- event_channel_op -------------------------------------------------------------------- */

static long evtchn_port_op(struct fixture *f, unsigned op, uint32_t port)
{
    struct evtchn_port_arg a = { port };
    put_arg(f, &a, sizeof(a));
    return hcall(f, HYPERVISOR_event_channel_op, op, ARG, 0);
}

static void test_event_channels_reject_bad_ports(void **state)
{
    struct fixture *f = *state;
    static const uint32_t bad[] = { 0, 5 /* free */, EVTCHN_PORTS_MAX - 1, EVTCHN_PORTS_MAX, 4096,
                                    0x80000000, 0xffffffff };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(evtchn_port_op(f, EVTCHNOP_send, bad[i]), -XEN_EINVAL);
        assert_int_equal(evtchn_port_op(f, EVTCHNOP_unmask, bad[i]), -XEN_EINVAL);
        assert_int_equal(evtchn_port_op(f, EVTCHNOP_close, bad[i]), -XEN_EINVAL);
        struct evtchn_bind_vcpu b = { .port = bad[i], .vcpu = 0 };
        put_arg(f, &b, sizeof(b));
        assert_int_equal(hcall(f, HYPERVISOR_event_channel_op, EVTCHNOP_bind_vcpu, ARG, 0), -XEN_ENOENT);
    }
    struct evtchn_status st = { .dom = DOMID_SELF, .port = 0xffffffff };
    put_arg(f, &st, sizeof(st));
    assert_int_equal(hcall(f, HYPERVISOR_event_channel_op, EVTCHNOP_status, ARG, 0), -XEN_EINVAL);
    st = (struct evtchn_status){ .dom = 0, .port = 1 };
    put_arg(f, &st, sizeof(st));
    assert_int_equal(hcall(f, HYPERVISOR_event_channel_op, EVTCHNOP_status, ARG, 0), -XEN_ESRCH);
}

static void test_event_channel_binds_check_their_arguments(void **state)
{
    struct fixture *f = *state;
    struct evtchn_alloc_unbound au = { .dom = 0, .remote_dom = 0 };
    put_arg(f, &au, sizeof(au));
    assert_int_equal(hcall(f, HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, ARG, 0), -XEN_ESRCH);
    au = (struct evtchn_alloc_unbound){ .dom = DOMID_SELF, .remote_dom = 7 };
    put_arg(f, &au, sizeof(au));
    assert_int_equal(hcall(f, HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, ARG, 0), -XEN_ESRCH);

    struct evtchn_bind_virq bv = { .virq = XEN_NR_VIRQS, .vcpu = 0 };
    put_arg(f, &bv, sizeof(bv));
    assert_int_equal(hcall(f, HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, ARG, 0), -XEN_EINVAL);
    bv = (struct evtchn_bind_virq){ .virq = 0, .vcpu = 2 };
    put_arg(f, &bv, sizeof(bv));
    assert_int_equal(hcall(f, HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, ARG, 0), -XEN_ENOENT);

    struct evtchn_bind_ipi bi = { .vcpu = 0xffffffff };
    put_arg(f, &bi, sizeof(bi));
    assert_int_equal(hcall(f, HYPERVISOR_event_channel_op, EVTCHNOP_bind_ipi, ARG, 0), -XEN_ENOENT);

    /* A good bind writes the port back; sending on it is fine, rebinding an
     * IPI is not, nor to a vCPU that does not exist. */
    bi.vcpu = 1;
    put_arg(f, &bi, sizeof(bi));
    assert_int_equal(hcall(f, HYPERVISOR_event_channel_op, EVTCHNOP_bind_ipi, ARG, 0), 0);
    memcpy(&bi, f->ram + ARG, sizeof(bi));
    assert_true(bi.port > 0 && bi.port < EVTCHN_PORTS_MAX);
    assert_int_equal(evtchn_port_op(f, EVTCHNOP_send, bi.port), 0);
    struct evtchn_bind_vcpu b = { .port = bi.port, .vcpu = 0 };
    put_arg(f, &b, sizeof(b));
    assert_int_equal(hcall(f, HYPERVISOR_event_channel_op, EVTCHNOP_bind_vcpu, ARG, 0), -XEN_EINVAL);
    b.vcpu = 2;
    put_arg(f, &b, sizeof(b));
    assert_int_equal(hcall(f, HYPERVISOR_event_channel_op, EVTCHNOP_bind_vcpu, ARG, 0), -XEN_ENOENT);
    assert_int_equal(evtchn_port_op(f, EVTCHNOP_close, bi.port), 0);
    assert_int_equal(evtchn_port_op(f, EVTCHNOP_close, bi.port), -XEN_EINVAL);
}

/* --- sched_op and grant_table_op ---------------------------------------------------------- */

static void test_sched_op_shutdown(void **state)
{
    struct fixture *f = *state;
    /* yield gives the slice away; block waits as HLT does (vcpu/schedule.c). */
    assert_int_equal(hcall(f, HYPERVISOR_sched_op, SCHEDOP_yield, UNMAPPED, 0), 0);
    assert_int_equal(fake_vsched_yields, 1);
    assert_true(f->v->leave);
    assert_int_equal(f->v->wait, VCPU_WAIT_NONE);
    f->v->leave = false;
    assert_int_equal(hcall(f, HYPERVISOR_sched_op, SCHEDOP_block, 0, 0), 0);
    assert_int_equal(f->v->wait, VCPU_WAIT_HLT);
    assert_true(f->v->leave);
    f->v->wait = VCPU_WAIT_NONE;
    static const uint32_t bad[] = { 2 /* suspend */, 4 /* watchdog */, 0xffffffff };
    for (unsigned i = 0; i < 3; i++) {
        put_arg(f, &bad[i], 4);
        assert_int_equal(hcall(f, HYPERVISOR_sched_op, SCHEDOP_shutdown, ARG, 0), -XEN_EINVAL);
        assert_int_equal(f->v->end, VCPU_RUNNING);
    }
    put_arg(f, &(uint32_t){ SHUTDOWN_crash }, 4);
    assert_int_equal(hcall(f, HYPERVISOR_sched_op, SCHEDOP_shutdown, ARG, 0), 0);
    assert_int_equal(f->v->end, END_ERROR);
    assert_non_null(strstr(f->v->end_reason, "crash"));
    f->v->end = VCPU_RUNNING;
    put_arg(f, &(uint32_t){ SHUTDOWN_poweroff }, 4);
    assert_int_equal(hcall(f, HYPERVISOR_sched_op, SCHEDOP_shutdown, ARG, 0), 0);
    assert_int_equal(f->v->end, END_POWEROFF);
}

static void test_grant_table_op_counts_and_versions(void **state)
{
    struct fixture *f = *state;
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    put_arg(f, &q, sizeof(q));
    static const uint64_t counts[] = { 0, 2, 1ull << 32, ~0ull };
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(hcall(f, HYPERVISOR_grant_table_op, GNTTABOP_query_size, ARG, counts[i]),
                         -XEN_EINVAL);
        assert_int_equal(hcall(f, HYPERVISOR_grant_table_op, GNTTABOP_set_version, ARG, counts[i]),
                         -XEN_EINVAL);
    }
    assert_int_equal(hcall(f, HYPERVISOR_grant_table_op, GNTTABOP_query_size, ARG, 1), 0);
    memcpy(&q, f->ram + ARG, sizeof(q));
    assert_int_equal(q.status, GNTST_okay);
    assert_int_equal(q.max_nr_frames, XEN_GRANT_FRAMES);
    q = (struct gnttab_query_size){ .dom = 5 };
    put_arg(f, &q, sizeof(q));
    assert_int_equal(hcall(f, HYPERVISOR_grant_table_op, GNTTABOP_query_size, ARG, 1), 0);
    memcpy(&q, f->ram + ARG, sizeof(q));
    assert_int_equal(q.status, GNTST_bad_domain);

    struct gnttab_set_version s = { 2 };
    put_arg(f, &s, sizeof(s));
    assert_int_equal(hcall(f, HYPERVISOR_grant_table_op, GNTTABOP_set_version, ARG, 1), -XEN_EINVAL);
    memcpy(&s, f->ram + ARG, sizeof(s));
    assert_int_equal(s.version, 1);
}

/* --- the grant frames follow BAR1 ------------------------------------------------------ */

static void platform_cfg_write(struct fixture *f, unsigned off, unsigned size, uint32_t val)
{
    struct pci_host *h = &f->vm->pci;
    pci_host_io_write(h, PCI_CONFIG_ADDRESS, 4, 0x80000000u | XEN_PLATFORM_SLOT << 11 | (off & 0xfc));
    pci_host_io_write(h, (uint16_t)(PCI_CONFIG_DATA + (off & 3)), size, val);
}

/* All 32 frames mapped at gpa, to the domain's pages, read-write. */
static void assert_frames_at(struct fixture *f, uint64_t gpa)
{
    for (unsigned i = 0; i < XEN_GRANT_FRAMES; i++) {
        uint64_t hpa = 0, perms = 0;
        assert_int_equal(ept_translate(&f->vm->ept, gpa + i * PG, &hpa, &perms), 0);
        assert_int_equal(hpa, f->d->grant_frames + i * PG);
        assert_int_equal(perms, EPT_READ | EPT_WRITE);
    }
    assert_int_equal(f->d->grant_gpa, gpa);
    assert_int_equal(add_to_physmap(f, DOMID_SELF, XENMAPSPACE_grant_table, 1, gpa / PG + 1), 0);
}

static void assert_no_frames_at(struct fixture *f, uint64_t gpa)
{
    uint64_t hpa, perms;
    for (unsigned i = 0; i < XEN_GRANT_FRAMES; i++)
        assert_int_equal(ept_translate(&f->vm->ept, gpa + i * PG, &hpa, &perms), -1);
    assert_int_equal(add_to_physmap(f, DOMID_SELF, XENMAPSPACE_grant_table, 0, gpa / PG), -XEN_EINVAL);
}

/* Every vCPU must flush before its next entry: the generation moved and
 * each was kicked. */
static void assert_flush_requested(struct fixture *f, uint32_t *gen)
{
    assert_int_not_equal(f->vm->machine.ept_generation, *gen);
    *gen = f->vm->machine.ept_generation;
    for (unsigned i = 0; i < 2; i++) {
        assert_true(f->vm->vcpus[i].intr_maybe_pending);
        f->vm->vcpus[i].intr_maybe_pending = false;
    }
}

static void test_grant_frames_follow_bar1(void **state)
{
    struct fixture *f = *state;
    uint32_t gen = f->vm->machine.ept_generation;
    assert_frames_at(f, XEN_PLATFORM_MMIO_BAR);
    assert_int_equal(f->vm->machine.ept_generation, gen);      /* the first mapping needs no flush */

    /* A move: unmapped at the old base, flushed, mapped at the new one. */
    platform_cfg_write(f, 0x14, 4, 0xf2000000u);
    assert_no_frames_at(f, XEN_PLATFORM_MMIO_BAR);
    assert_frames_at(f, 0xf2000000u);
    assert_flush_requested(f, &gen);

    /* Sizing with decode on: nothing at the sizing pattern, back after. */
    platform_cfg_write(f, 0x14, 4, 0xffffffffu);
    assert_no_frames_at(f, 0xf2000000u);
    assert_no_frames_at(f, 0xff000000u);
    assert_int_equal(f->d->grant_gpa, PCI_BAR_NONE);
    assert_flush_requested(f, &gen);
    platform_cfg_write(f, 0x14, 4, 0xf2000000u);
    assert_frames_at(f, 0xf2000000u);

    /* Memory decoding off and on (BAR0's I/O decoding changes nothing). */
    platform_cfg_write(f, PCI_COMMAND, 2, PCI_COMMAND_IO);
    assert_no_frames_at(f, 0xf2000000u);
    assert_flush_requested(f, &gen);
    platform_cfg_write(f, 0x14, 4, 0xf3000000u);                 /* moved while off */
    assert_no_frames_at(f, 0xf3000000u);
    assert_int_equal(f->vm->machine.ept_generation, gen);
    platform_cfg_write(f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    assert_frames_at(f, 0xf3000000u);
    platform_cfg_write(f, 0x10, 4, 0xd000);
    assert_int_equal(f->vm->machine.ept_generation, gen);
    assert_frames_at(f, 0xf3000000u);

    /* Over something already mapped (as guest RAM would be): the frames
     * stay unmapped, what was there is untouched. */
    const uint64_t busy = 0xe0000000u;
    assert_int_equal(ept_map(&f->vm->ept, busy + 5 * PG, 0x7000000, PG, EPT_READ, EPT_MT_WB, false), 0);
    platform_cfg_write(f, 0x14, 4, (uint32_t)busy);
    assert_int_equal(f->d->grant_gpa, PCI_BAR_NONE);
    uint64_t hpa, perms;
    assert_int_equal(ept_translate(&f->vm->ept, busy, &hpa, &perms), -1);
    assert_int_equal(ept_translate(&f->vm->ept, busy + 5 * PG, &hpa, &perms), 0);
    assert_int_equal(hpa, 0x7000000);
    assert_int_equal(add_to_physmap(f, DOMID_SELF, XENMAPSPACE_grant_table, 0, busy / PG), -XEN_EINVAL);
    platform_cfg_write(f, 0x14, 4, XEN_PLATFORM_MMIO_BAR);
    assert_frames_at(f, XEN_PLATFORM_MMIO_BAR);
    assert_no_frames_at(f, 0xf3000000u);

    /* Once destroyed, the domain hears of no BAR write any more. */
    xen_domain_destroy(f->d);
    f->vm->xen = NULL;
    gen = f->vm->machine.ept_generation;
    platform_cfg_write(f, 0x14, 4, 0xf4000000u);
    assert_int_equal(f->vm->machine.ept_generation, gen);
}

/* --- backends ----------------------------------------------------------------------- */

struct fake_backend {
    char name[2];
    unsigned kicks, stats, destroyed;
};

static void fake_backend_kick(void *ctx)
{
    struct fake_backend *b = ctx;
    b->kicks++;
    trace_add(b->name);
}

static void fake_backend_stats(void *ctx) { ((struct fake_backend *)ctx)->stats++; }
static void fake_backend_destroy(void *ctx) { ((struct fake_backend *)ctx)->destroyed++; }

static const struct xen_backend_ops fake_backend_ops = {
    fake_backend_kick, fake_backend_stats, fake_backend_destroy,
};

/* Backends are attached after the domain exists and found by index; their
 * deferred work runs at the next entry, before the store's (their state
 * changes land there), each once; the domain prints and destroys them. */
static void test_backends_deferred_stats_and_destroy(void **state)
{
    struct fixture *f = *state;
    struct machine *m = &f->vm->machine;
    struct fake_backend b[XEN_BACKENDS_MAX] = { { .name = "a" }, { .name = "b" } };
    assert_int_equal(xen_backend_add(f->d, &fake_backend_ops, &b[0]), 0);
    assert_int_equal(xen_backend_add(f->d, &fake_backend_ops, &b[1]), 1);
    for (unsigned i = 2; i < XEN_BACKENDS_MAX; i++)
        assert_int_equal(xen_backend_add(f->d, &fake_backend_ops, &b[i]), (int)i);
    assert_int_equal(xen_backend_add(f->d, &fake_backend_ops, &b[0]), -1);

    assert_false(m->deferred_pending);
    xen_store_defer(f->d);
    xen_backend_defer(f->d, 1);
    xen_backend_defer(f->d, 1);
    assert_true(m->deferred_pending);
    m->deferred(m->deferred_ctx);
    assert_false(m->deferred_pending);
    assert_int_equal(m->lock.locked, 0);
    assert_string_equal(trace, "bs");
    assert_int_equal(b[0].kicks, 0);
    assert_int_equal(b[1].kicks, 1);
    m->deferred(m->deferred_ctx);                           /* nothing left */
    assert_string_equal(trace, "bs");

    xen_backend_defer(f->d, 0);
    xen_backend_defer(f->d, XEN_BACKENDS_MAX - 1);
    m->deferred(m->deferred_ctx);
    assert_string_equal(trace, "bsa");
    assert_int_equal(b[XEN_BACKENDS_MAX - 1].kicks, 1);

    xen_print_stats(f->d);
    for (unsigned i = 0; i < XEN_BACKENDS_MAX; i++)
        assert_int_equal(b[i].stats, 1);
    xen_domain_destroy(f->d);
    f->vm->xen = NULL;
    for (unsigned i = 0; i < XEN_BACKENDS_MAX; i++)
        assert_int_equal(b[i].destroyed, 1);
    assert_null(m->hypercall);
    assert_null(m->deferred);
    /* The unplug ports went with it. */
    assert_null(io_bus_find(&f->vm->io_bus, XEN_UNPLUG_PORT_FIRST));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_create_registers_leaves_msr_and_hook),
        T(test_cpl_above_0_is_eperm),
        T(test_32_bit_callers_get_enosys),
        T(test_unknown_numbers_get_enosys),
        T(test_bad_buffers_are_efault),
        T(test_buffers_across_the_canonical_hole_are_efault),
        T(test_readonly_buffer_is_not_written),
        T(test_hvm_param_rejects_hostile_arguments),
        T(test_hvm_param_set_and_get),
        T(test_upcall_vector_rejects_hostile_arguments),
        T(test_add_to_physmap_rejects_bad_gpas),
        T(test_add_to_physmap_shared_info),
        T(test_register_vcpu_info_rejects_hostile_arguments),
        T(test_event_channels_reject_bad_ports),
        T(test_event_channel_binds_check_their_arguments),
        T(test_sched_op_shutdown),
        T(test_grant_table_op_counts_and_versions),
        T(test_grant_frames_follow_bar1),
        T(test_backends_deferred_stats_and_destroy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
