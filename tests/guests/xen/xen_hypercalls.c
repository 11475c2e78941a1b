/* SPDX-License-Identifier: BSD-2-Clause */
/* xen_hypercalls.c — the hypercall test of xen_pv.elf (cmdline test=hypercalls; VM
 * xen_hypercalls, xen_platform_pci = 1): Keel's Xen-compatible mode faced with a careless
 * or hostile PVHVM kernel. Detection (CPUID 0x40000000..), the hypercall page (MSR
 * 0x40000000), xen_version features, -ENOSYS for unknown hypercalls and sub-ops, -EFAULT
 * (never a guest fault) for unmapped, non-canonical and outside-RAM pointers,
 * add_to_physmap of shared_info and grant frames, HVM params, event channels with the
 * vector callback (pending bits, masks, upcalls), register_vcpu_info, grant table
 * queries, -EPERM for a hypercall made from ring 3, a refused CALLBACK_IRQ leaving
 * the callback alone, and the grant frames following the platform device's BAR1 when
 * it moves, is sized or stops decoding. Every result is checked against Xen's ABI (xen/include/public)
 * and the guest keeps running through all of it. */
#include "guest.h"
#include "irq.h"
#include "pci.h"
#include "xen_guest.h"

#define UPCALL_VECTOR   0xF3        /* what Linux uses */
#define GIB4            0x100000000ull

static uint8_t hcall_page[4096] __attribute__((aligned(4096)));
static uint8_t shinfo[4096] __attribute__((aligned(4096)));
static uint8_t vinfo_page[4096] __attribute__((aligned(4096)));
static uint8_t scratch[4096] __attribute__((aligned(4096)));

static uint32_t store_port;
static uint64_t ram_end;            /* end of the highest RAM range in the Multiboot map */

/* ---- the upcall (callback vector) ---------------------------------------------------------- */

static uint8_t *volatile upcall_vinfo = shinfo;     /* vCPU 0's vcpu_info */
static volatile unsigned upcalls;
static volatile uint64_t upcall_seen[16];           /* ports 0..1023 the handler consumed */

/* As Linux's 2-level handler: clear evtchn_upcall_pending, take the selector, then
 * consume the pending and unmasked ports of each selected word. */
static void upcall_handler(struct trap_frame *f)
{
    (void)f;
    upcalls++;
    __atomic_store_n(&upcall_vinfo[VCPU_UPCALL_PENDING], 0, __ATOMIC_SEQ_CST);
    uint64_t sel = __atomic_exchange_n((uint64_t *)(void *)(upcall_vinfo + VCPU_PENDING_SEL), 0,
                                       __ATOMIC_SEQ_CST);
    while (sel) {
        unsigned w = (unsigned)__builtin_ctzll(sel);
        sel &= sel - 1;
        uint64_t ready = *shinfo_word(shinfo, SHINFO_PENDING, w * 64) &
                         ~*shinfo_word(shinfo, SHINFO_MASK, w * 64);
        __atomic_fetch_and(shinfo_word(shinfo, SHINFO_PENDING, w * 64), ~ready, __ATOMIC_SEQ_CST);
        if (w < 16)
            upcall_seen[w] |= ready;
    }
}

/* Opens an interrupt window (IF=1) long enough for a pending upcall to be injected;
 * returns how many upcalls ran in it. */
static unsigned let_upcalls_in(void)
{
    unsigned before = upcalls;
    sti();
    for (unsigned i = 0; i < 20000 && upcalls == before; i++)
        cpu_pause();
    cli();
    return upcalls - before;
}

static bool seen(uint32_t port)
{
    return port < 1024 && ((upcall_seen[port / 64] >> (port % 64)) & 1);
}

static void forget_seen(void)
{
    for (unsigned i = 0; i < 16; i++)
        upcall_seen[i] = 0;
}

/* ---- detection ---------------------------------------------------------------------------- */

static uint32_t xen_version_leaf;

static void test_cpuid(void)
{
    struct cpuid_regs r = cpuid(XEN_CPUID_BASE, 0);
    char sig[13];
    memcpy(sig, &r.ebx, 4);
    memcpy(sig + 4, &r.ecx, 4);
    memcpy(sig + 8, &r.edx, 4);
    sig[12] = 0;
    check(memcmp(sig, "XenVMMXenVMM", 12) == 0, "CPUID 0x40000000 signature \"%s\"", sig);
    check(r.eax >= XEN_CPUID_BASE + 2, "CPUID 0x40000000 EAX 0x%x >= base+2 (Linux needs leaf 2)",
          r.eax);
    uint32_t max = r.eax;

    struct cpuid_regs v = cpuid(XEN_CPUID_BASE + 1, 0);
    xen_version_leaf = v.eax;
    check((v.eax >> 16) >= 4, "CPUID 0x40000001 version %u.%u, major >= 4", v.eax >> 16,
          v.eax & 0xffff);

    struct cpuid_regs h = cpuid(XEN_CPUID_BASE + 2, 0);
    check(h.eax >= 1 && h.ebx == XEN_HYPERCALL_MSR,
          "CPUID 0x40000002: %u hypercall page(s) via MSR 0x%x", h.eax, h.ebx);
    if (max >= XEN_CPUID_BASE + 4) {
        struct cpuid_regs f = cpuid(XEN_CPUID_BASE + 4, 0);
        note("CPUID 0x40000004 EAX 0x%x EBX %u ECX %u", f.eax, f.ebx, f.ecx);
        if (f.eax & (1u << 3))
            check(f.ebx == 0, "CPUID 0x40000004 vCPU id of the boot vCPU is 0 (%u)", f.ebx);
    }
}

/* ---- the hypercall page ------------------------------------------------------------------------ */

typedef long (*stub_fn)(uint64_t a1, uint64_t a2);

static int call_stub(unsigned nr, uint64_t a1, uint64_t a2, long *rc)
{
    stub_fn fn = (stub_fn)(void *)(hcall_page + nr * XEN_HYPERCALL_STUB);
    if (fault_try())
        return last_fault.vector;
    long r = fn(a1, a2);
    fault_end();
    *rc = r;
    return FAULT_NONE;
}

static void test_hypercall_page(void)
{
    memset(hcall_page, 0, sizeof(hcall_page));
    int vec = wrmsr_safe(XEN_HYPERCALL_MSR, (uint64_t)(uintptr_t)hcall_page);
    if (!check(vec == FAULT_NONE, "WRMSR 0x40000000 <- page 0x%lx accepted (%s)",
               (unsigned long)(uintptr_t)hcall_page, vector_name(vec)))
        return;
    static const unsigned stubs[] = { 0, 1, 12, 17, 34, 127 };
    unsigned good = 0;
    for (unsigned i = 0; i < sizeof(stubs) / sizeof(stubs[0]); i++) {
        const uint8_t *p = hcall_page + stubs[i] * XEN_HYPERCALL_STUB;
        uint32_t imm;
        memcpy(&imm, p + 1, 4);
        bool ok = p[0] == 0xb8 && imm == stubs[i] && p[5] == 0x0f && p[6] == 0x01 &&
                  p[7] == 0xc1 && p[8] == 0xc3;
        if (!ok)
            note("stub %u: %02x %02x %02x %02x %02x %02x %02x %02x %02x", stubs[i], p[0], p[1],
                 p[2], p[3], p[4], p[5], p[6], p[7], p[8]);
        good += ok;
    }
    check(good == sizeof(stubs) / sizeof(stubs[0]),
          "stubs 0 1 12 17 34 127 are 'mov eax, N; vmcall; ret' (b8 N32 0f 01 c1 c3): %u of 6", good);
    const uint8_t *iret = hcall_page + __HYPERVISOR_iret * XEN_HYPERCALL_STUB;
    check(iret[0] == 0x0f && iret[1] == 0x0b, "stub 23 (iret) is ud2 (%02x %02x)", iret[0], iret[1]);

    long rc = 0;
    vec = call_stub(__HYPERVISOR_xen_version, XENVER_version, 0, &rc);
    check(vec == FAULT_NONE && rc == (long)xen_version_leaf,
          "calling stub 17 (xen_version(XENVER_version)) returns 0x%lx = CPUID 0x40000001 0x%x (%s)",
          (unsigned long)rc, xen_version_leaf, vector_name(vec));
    vec = call_stub(__HYPERVISOR_iret, 0, 0, &rc);
    check(vec == VEC_UD, "calling stub 23 raises #UD (got %s)", vector_name(vec));

    vec = wrmsr_safe(XEN_HYPERCALL_MSR, (uint64_t)(uintptr_t)hcall_page | 1);
    check(vec == VEC_GP, "WRMSR 0x40000000 with page index 1 (none offered) raises #GP (%s)",
          vector_name(vec));
    vec = wrmsr_safe(XEN_HYPERCALL_MSR, 0x40000000ull);
    check(vec == VEC_GP, "WRMSR 0x40000000 <- GPA 0x40000000 (outside RAM) raises #GP (%s)",
          vector_name(vec));
    uint64_t val = 1;
    vec = rdmsr_safe(XEN_HYPERCALL_MSR, &val);
    check(vec == FAULT_NONE && val == 0, "RDMSR 0x40000000 reads 0 (0x%lx, %s)", (unsigned long)val,
          vector_name(vec));
}

/* ---- xen_version and unknown calls --------------------------------------------------------------- */

static void test_version(void)
{
    struct xen_feature_info fi = { .submap_idx = 0, .submap = 0xdeadbeef };
    long rc = xen_call("get_features", __HYPERVISOR_xen_version, XENVER_get_features,
                       (uint64_t)(uintptr_t)&fi, 0);
    check(rc == 0, "xen_version(XENVER_get_features) returns 0 (%ld)", rc);
    check(fi.submap != 0xdeadbeef && (fi.submap & (1u << XENFEAT_auto_translated_physmap)) &&
          (fi.submap & (1u << XENFEAT_hvm_callback_vector)),
          "features submap 0 = 0x%x has bit 2 (auto_translated_physmap) and 8 (hvm_callback_vector)",
          fi.submap);
    rc = xen_call("version", __HYPERVISOR_xen_version, XENVER_version, 0, 0);
    check(rc == (long)xen_version_leaf, "xen_version(XENVER_version) = 0x%lx = CPUID 0x40000001 EAX",
          (unsigned long)rc);
}

static void test_unknown(void)
{
    static const uint64_t numbers[] = {
        __HYPERVISOR_set_trap_table, __HYPERVISOR_iret, 40, 63, 64, 127, 128, 1000,
        (1ull << 32) | __HYPERVISOR_xen_version, ~0ull,
    };
    unsigned good = 0;
    for (unsigned i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
        long rc = xen_call("unknown hypercall", numbers[i], XENVER_version, 0, 0);
        if (rc != -XEN_ENOSYS)
            note("hypercall 0x%lx returned %ld", (unsigned long)numbers[i], rc);
        good += rc == -XEN_ENOSYS;
    }
    check(good == sizeof(numbers) / sizeof(numbers[0]),
          "unknown hypercalls (0, 23, 40, 63, 64, 127, 128, 1000, 2^32+17, ~0) answer -ENOSYS: %u of %u",
          good, (unsigned)(sizeof(numbers) / sizeof(numbers[0])));

    static const struct { uint64_t nr, cmd; const char *name; } subops[] = {
        { __HYPERVISOR_xen_version, 99, "xen_version(99)" },
        { __HYPERVISOR_xen_version, 0x1000, "xen_version(0x1000)" },
        { __HYPERVISOR_memory_op, 99, "memory_op(99)" },
        { __HYPERVISOR_hvm_op, 99, "hvm_op(99)" },
        { __HYPERVISOR_event_channel_op, 99, "event_channel_op(99)" },
        { __HYPERVISOR_grant_table_op, 99, "grant_table_op(99)" },
        { __HYPERVISOR_vcpu_op, 99, "vcpu_op(99)" },
        { __HYPERVISOR_sched_op, 99, "sched_op(99)" },
    };
    for (unsigned i = 0; i < sizeof(subops) / sizeof(subops[0]); i++) {
        long rc = xen_call(subops[i].name, subops[i].nr, subops[i].cmd, 0,
                           (uint64_t)(uintptr_t)scratch);
        check(rc == -XEN_ENOSYS, "%s answers -ENOSYS (%ld)", subops[i].name, rc);
    }

    struct evtchn_init_control ic = { .control_gfn = (uint64_t)(uintptr_t)scratch >> 12 };
    long rc = xen_call("init_control", __HYPERVISOR_event_channel_op, EVTCHNOP_init_control,
                       (uint64_t)(uintptr_t)&ic, 0);
    check(rc == -XEN_ENOSYS, "EVTCHNOP_init_control (FIFO ABI) answers -ENOSYS (%ld)", rc);
}

/* ---- shared_info and grant frames -------------------------------------------------------------------- */

static bool shinfo_mapped;

static void test_physmap(uint32_t bar1)
{
    memset(shinfo, 0xaa, sizeof(shinfo));
    long rc = xen_add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0,
                                 (uint64_t)(uintptr_t)shinfo >> 12);
    shinfo_mapped = check(rc == 0, "add_to_physmap(shared_info) at RAM gpfn 0x%lx returns 0 (%ld)",
                          (unsigned long)((uintptr_t)shinfo >> 12), rc);
    bool clean = true;
    for (unsigned off = SHINFO_PENDING; off < SHINFO_MASK + 512; off++)
        clean &= shinfo[off] == 0;
    check(clean, "the new shared_info has no event pending or masked (the RAM page was replaced)");

    rc = xen_add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, 0x40000);
    check(rc == -XEN_EINVAL, "add_to_physmap(shared_info) at gpfn 0x40000 (1 GiB, outside RAM): -EINVAL (%ld)", rc);
    rc = xen_add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, 0xfeffc);
    check(rc == -XEN_EINVAL, "add_to_physmap(shared_info) over the xenstore page 0xfeffc: -EINVAL (%ld)", rc);
    rc = xen_add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, 1ull << 52);
    check(rc == -XEN_EINVAL, "add_to_physmap(shared_info) at gpfn 2^52: -EINVAL (%ld)", rc);
    rc = xen_add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 1, (uint64_t)(uintptr_t)scratch >> 12);
    check(rc < 0, "add_to_physmap(shared_info, idx 1) fails (%ld)", rc);
    rc = xen_add_to_physmap(5, XENMAPSPACE_shared_info, 0, (uint64_t)(uintptr_t)scratch >> 12);
    check(rc == -XEN_ESRCH, "add_to_physmap for domain 5 (not us): -ESRCH (%ld)", rc);
    rc = xen_add_to_physmap(DOMID_SELF, 99, 0, (uint64_t)(uintptr_t)scratch >> 12);
    check(rc < 0, "add_to_physmap with space 99 fails (%ld)", rc);

    rc = xen_add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table, 0, bar1 >> 12);
    check(rc == 0, "add_to_physmap(grant_table, idx 0) at BAR1 0x%x returns 0 (%ld)", bar1, rc);
    rc = xen_add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table, 1000, (bar1 >> 12) + 1000);
    check(rc < 0, "add_to_physmap(grant_table, idx 1000) fails (%ld)", rc);
    rc = xen_add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table, 1ull << 40, bar1 >> 12);
    check(rc < 0, "add_to_physmap(grant_table, idx 2^40) fails (%ld)", rc);
}

/* ---- the grant frames follow BAR1 ------------------------------------------------------------------------ */

#define BAR1_REG      0x14
#define BAR1_MOVED    0xf2000000u     /* another 16 MiB-aligned place in the PCI window */
#define MARK_REF      100             /* a grant entry of ours, restored afterwards */

static uint32_t mark_at(uint32_t base)
{
    return ((volatile struct grant_entry_v1 *)(uintptr_t)base)[MARK_REF].frame;
}

static void test_bar_move(unsigned dev, uint32_t bar1)
{
    volatile struct grant_entry_v1 *gnt = (volatile struct grant_entry_v1 *)(uintptr_t)bar1;
    const struct grant_entry_v1 saved = gnt[MARK_REF];
    gnt[MARK_REF].frame = 0x5eed5;
    uint16_t cmd = pci_read16(0, dev, 0, 0x04);
    check(cmd & 2, "the platform device decodes memory as booted (command 0x%x)", cmd);

    pci_write32(0, dev, 0, BAR1_REG, BAR1_MOVED);
    uint32_t reg = pci_read32(0, dev, 0, BAR1_REG);
    check(reg == (BAR1_MOVED | 8), "BAR1 moved to 0x%x (reads 0x%x)", BAR1_MOVED, reg);
    check(mark_at(BAR1_MOVED) == 0x5eed5, "the grant table reads at the new BAR1 (frame 0x%x)",
          mark_at(BAR1_MOVED));
    long rc = xen_add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table, 0, BAR1_MOVED >> 12);
    check(rc == 0, "add_to_physmap(grant_table, idx 0) at the new BAR1 returns 0 (%ld)", rc);
    rc = xen_add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table, 0, bar1 >> 12);
    check(rc == -XEN_EINVAL, "add_to_physmap(grant_table) at the old BAR1: -EINVAL (%ld)", rc);

    /* Sizing while the device decodes: the frames must not land at the pattern. */
    pci_write32(0, dev, 0, BAR1_REG, 0xffffffffu);
    reg = pci_read32(0, dev, 0, BAR1_REG);
    check(reg == 0xff000008u, "BAR1 sizes as 16 MiB, prefetchable (reads 0x%x)", reg);
    rc = xen_add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table, 0, 0xff000);
    check(rc == -XEN_EINVAL, "no grant frames while BAR1 is being sized (%ld)", rc);
    pci_write32(0, dev, 0, BAR1_REG, BAR1_MOVED);
    check(mark_at(BAR1_MOVED) == 0x5eed5, "restored after sizing, the grant table reads again");

    /* Memory decoding off: no frames anywhere; on: back where BAR1 says. */
    pci_write16(0, dev, 0, 0x04, (uint16_t)(cmd & ~2u));
    rc = xen_add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table, 0, BAR1_MOVED >> 12);
    check(rc == -XEN_EINVAL, "memory decoding off: add_to_physmap(grant_table) -EINVAL (%ld)", rc);
    pci_write32(0, dev, 0, BAR1_REG, bar1);
    pci_write16(0, dev, 0, 0x04, cmd);
    check(mark_at(bar1) == 0x5eed5, "moved back to 0x%x while off and decoding again: it reads there",
          bar1);
    rc = xen_add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table, 0, bar1 >> 12);
    check(rc == 0, "add_to_physmap(grant_table, idx 0) at BAR1 0x%x returns 0 again (%ld)", bar1, rc);
    gnt[MARK_REF] = saved;
}

/* ---- HVM params ----------------------------------------------------------------------------------------- */

static void test_params(void)
{
    uint64_t v = 0;
    long rc = xen_get_param(HVM_PARAM_STORE_PFN, &v);
    check(rc == 0 && v == 0xfeffc, "HVMOP_get_param(STORE_PFN) = 0x%lx, want 0xfeffc (%ld)",
          (unsigned long)v, rc);
    rc = xen_get_param(HVM_PARAM_STORE_EVTCHN, &v);
    check(rc == 0 && v != 0 && v < 4096, "HVMOP_get_param(STORE_EVTCHN) = %lu, a real port (%ld)",
          (unsigned long)v, rc);
    store_port = (uint32_t)v;
    struct evtchn_status st;
    rc = xen_evtchn_status(store_port, &st);
    check(rc == 0 && st.status == EVTCHNSTAT_interdomain,
          "EVTCHNOP_status(store port %u): interdomain (status %u, rc %ld)", store_port, st.status, rc);

    rc = xen_get_param(1000, &v);
    check(rc == -XEN_EINVAL, "HVMOP_get_param(1000) answers -EINVAL (%ld)", rc);
    rc = xen_set_param(DOMID_SELF, HVM_PARAM_STORE_PFN, 0x1234);
    check(rc < 0, "HVMOP_set_param(STORE_PFN) by the guest is refused (%ld)", rc);
    rc = xen_get_param(HVM_PARAM_STORE_PFN, &v);
    check(rc == 0 && v == 0xfeffc, "STORE_PFN still 0x%lx after the refused set", (unsigned long)v);
    rc = xen_set_param(DOMID_SELF, HVM_PARAM_STORE_EVTCHN, 1);
    check(rc < 0, "HVMOP_set_param(STORE_EVTCHN) by the guest is refused (%ld)", rc);
    rc = xen_set_param(DOMID_SELF, 1000, 1);
    check(rc < 0, "HVMOP_set_param(1000) is refused (%ld)", rc);
    rc = xen_set_param(5, HVM_PARAM_CALLBACK_IRQ, HVM_CALLBACK_VECTOR(UPCALL_VECTOR));
    check(rc == -XEN_ESRCH, "HVMOP_set_param(CALLBACK_IRQ) for domain 5: -ESRCH (%ld)", rc);

    rc = xen_set_param(DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, HVM_CALLBACK_VECTOR(UPCALL_VECTOR));
    check(rc == 0, "HVMOP_set_param(CALLBACK_IRQ, vector 0x%x) returns 0 (%ld)", UPCALL_VECTOR, rc);
    rc = xen_get_param(HVM_PARAM_CALLBACK_IRQ, &v);
    check(rc == 0 && v == HVM_CALLBACK_VECTOR(UPCALL_VECTOR),
          "HVMOP_get_param(CALLBACK_IRQ) reads it back (0x%lx)", (unsigned long)v);
}

/* ---- -EFAULT for bad pointers --------------------------------------------------------------------------- */

static uint64_t ram_end_from_mbi(uint32_t mbi_gpa)
{
    const struct multiboot_info *mi = gpa_ptr(mbi_gpa);
    uint64_t end = 0;
    if (mi->flags & MBI_FLAG_MMAP) {
        for (uint32_t off = 0; off + 24 <= mi->mmap_length;) {
            const struct multiboot_mmap_entry *e = gpa_ptr(mi->mmap_addr + off);
            if (e->type == MMAP_TYPE_RAM && e->base + e->length > end && e->base + e->length <= GIB4)
                end = e->base + e->length;
            off += e->size + 4;
        }
    }
    if (!end && (mi->flags & MBI_FLAG_MEM))
        end = 0x100000 + (uint64_t)mi->mem_upper * 1024;
    return end;
}

static void efault_case(const char *what, uint64_t ptr, const void *bytes, size_t len)
{
    /* Each call's argument is the bad pointer; a decoy struct sits behind the aliasing one. */
    static const struct { const char *name; uint64_t nr, cmd; } calls[] = {
        { "xen_version(get_features)", __HYPERVISOR_xen_version, XENVER_get_features },
        { "hvm_op(get_param)", __HYPERVISOR_hvm_op, HVMOP_get_param },
        { "hvm_op(set_param)", __HYPERVISOR_hvm_op, HVMOP_set_param },
        { "memory_op(add_to_physmap)", __HYPERVISOR_memory_op, XENMEM_add_to_physmap },
        { "event_channel_op(alloc_unbound)", __HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound },
        { "event_channel_op(send)", __HYPERVISOR_event_channel_op, EVTCHNOP_send },
        { "grant_table_op(query_size)", __HYPERVISOR_grant_table_op, GNTTABOP_query_size },
        { "vcpu_op(register_vcpu_info)", __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info },
    };
    unsigned good = 0, n = sizeof(calls) / sizeof(calls[0]);
    for (unsigned i = 0; i < n; i++) {
        long rc;
        if (calls[i].nr == __HYPERVISOR_vcpu_op)      /* vcpu_op(cmd, vcpu, arg) */
            rc = xen_call(calls[i].name, calls[i].nr, calls[i].cmd, 0, ptr);
        else if (calls[i].nr == __HYPERVISOR_grant_table_op)      /* (cmd, arg, count) */
            rc = xen_call(calls[i].name, calls[i].nr, calls[i].cmd, ptr, 1);
        else
            rc = xen_call(calls[i].name, calls[i].nr, calls[i].cmd, ptr, 0);
        if (rc != -XEN_EFAULT)
            note("%s with %s pointer 0x%lx returned %ld", calls[i].name, what, (unsigned long)ptr, rc);
        good += rc == -XEN_EFAULT;
    }
    check(good == n, "%s pointer 0x%lx: %u of %u hypercalls answer -EFAULT, none faults the guest",
          what, (unsigned long)ptr, good, n);
    if (bytes)
        check(memcmp(bytes, scratch, len) == 0, "%s pointer: the memory it aliases is unchanged", what);
}

static void test_efault(void)
{
    efault_case("unmapped (4 GiB, no PDPT entry)", GIB4, NULL, 0);
    efault_case("outside-RAM (GVA=GPA 1 GiB)", 0x40000000ull, NULL, 0);

    /* A non-canonical pointer whose low 48 bits name a valid buffer: a CPU would #GP on
     * it, so Xen must not walk it by its low bits. The decoy holds arguments that would
     * succeed (or visibly change) if the call went through. */
    memset(scratch, 0, 64);
    struct xen_feature_info *fi = (void *)scratch;
    fi->submap_idx = 0;
    fi->submap = 0x5a5a5a5a;
    uint8_t before[64];
    memcpy(before, scratch, sizeof(before));
    efault_case("non-canonical (bit 63 | buffer)", (1ull << 63) | (uint64_t)(uintptr_t)scratch,
                before, sizeof(before));
    memcpy(scratch, before, sizeof(before));
    efault_case("non-canonical (bit 47 | buffer)", (1ull << 47) | (uint64_t)(uintptr_t)scratch,
                before, sizeof(before));

    /* A struct that starts in the last RAM bytes and runs past the end of RAM. */
    if (ram_end >= 0x200000) {
        /* 2 bytes before the end: even the 4-byte port argument of send crosses it. */
        uint8_t *tail = (uint8_t *)(uintptr_t)(ram_end - 2);
        memset(tail, 0x3c, 2);
        efault_case("RAM-end-straddling", ram_end - 2, NULL, 0);
        check(tail[0] == 0x3c && tail[1] == 0x3c, "the RAM part of the straddling buffer is unchanged");
    } else {
        check(false, "no RAM end found in the Multiboot map (0x%lx)", (unsigned long)ram_end);
    }
}

/* ---- event channels and upcalls ------------------------------------------------------------------------- */

static bool vinfo_pending(void)
{
    return __atomic_load_n(&upcall_vinfo[VCPU_UPCALL_PENDING], __ATOMIC_SEQ_CST) != 0;
}

static long bind_ipi(uint32_t vcpu, uint32_t *port)
{
    struct evtchn_bind_ipi b = { .vcpu = vcpu, .port = 0 };
    long rc = xen_call("bind_ipi", __HYPERVISOR_event_channel_op, EVTCHNOP_bind_ipi,
                       (uint64_t)(uintptr_t)&b, 0);
    *port = b.port;
    return rc;
}

static long bind_virq(uint32_t virq, uint32_t vcpu, uint32_t *port)
{
    struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu, .port = 0 };
    long rc = xen_call("bind_virq", __HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq,
                       (uint64_t)(uintptr_t)&b, 0);
    *port = b.port;
    return rc;
}

/* Sends on an IPI port with IF=0 and checks the 2-level state Xen must leave. */
static void ipi_round(uint32_t port, const char *where)
{
    forget_seen();
    long rc = xen_evtchn_port_op(EVTCHNOP_send, port);
    check(rc == 0, "EVTCHNOP_send(IPI port %u) returns 0 (%ld)", port, rc);
    uint64_t sel = *(volatile uint64_t *)(void *)(upcall_vinfo + VCPU_PENDING_SEL);
    check(evtchn_is_pending(shinfo, port) && ((sel >> (port / 64)) & 1) && vinfo_pending(),
          "send set evtchn_pending[%u], pending_sel bit %u and evtchn_upcall_pending in %s",
          port, port / 64, where);
    unsigned n = let_upcalls_in();
    check(n == 1 && seen(port) && !vinfo_pending(),
          "with IF=1 the callback vector 0x%x ran %u time(s) and consumed port %u", UPCALL_VECTOR,
          n, port);
}

static void test_evtchn(void)
{
    if (!shinfo_mapped) {
        check(false, "event channels need shared_info: skipped");
        return;
    }
    irq_init();
    irq_register(UPCALL_VECTOR, upcall_handler);

    long p = xen_alloc_unbound(DOMID_SELF, 0);
    check(p >= 1 && (uint32_t)p != store_port,
          "alloc_unbound(remote 0) returns a new port >= 1 (%ld; store port %u)", p, store_port);
    struct evtchn_status st;
    long rc = xen_evtchn_status((uint32_t)p, &st);
    check(rc == 0 && st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 0,
          "EVTCHNOP_status(%ld): unbound, remote domain 0 (status %u dom %u)", p, st.status,
          st.u.unbound.dom);
    long bad = xen_alloc_unbound(DOMID_SELF, 7);
    check(bad < 0, "alloc_unbound(remote 7, no such domain) fails (%ld)", bad);
    bad = xen_alloc_unbound(5, 0);
    check(bad == -XEN_ESRCH, "alloc_unbound for domain 5 (not us): -ESRCH (%ld)", bad);
    rc = xen_evtchn_port_op(EVTCHNOP_close, (uint32_t)p);
    check(rc == 0, "close(%ld) returns 0 (%ld)", p, rc);
    rc = xen_evtchn_port_op(EVTCHNOP_close, (uint32_t)p);
    check(rc == -XEN_EINVAL, "closing port %ld a second time: -EINVAL (%ld)", p, rc);
    rc = xen_evtchn_status((uint32_t)p, &st);
    check(rc == 0 && st.status == EVTCHNSTAT_closed, "EVTCHNOP_status(%ld): closed (%u)", p, st.status);

    uint32_t ipi = 0, dummy = 0;
    rc = bind_ipi(0, &ipi);
    check(rc == 0 && ipi >= 1, "bind_ipi(vCPU 0) returns port %u (%ld)", ipi, rc);
    rc = bind_ipi(1, &dummy);
    check(rc == -XEN_ENOENT, "bind_ipi(vCPU 1, which does not exist): -ENOENT (%ld)", rc);
    if (ipi >= 1)
        ipi_round(ipi, "shared_info's vcpu_info[0]");

    /* A masked port: pending but no upcall; unmask delivers it. */
    if (ipi >= 1) {
        evtchn_set_mask(shinfo, ipi, true);
        unsigned before = upcalls;
        rc = xen_evtchn_port_op(EVTCHNOP_send, ipi);
        check(rc == 0 && evtchn_is_pending(shinfo, ipi) && !vinfo_pending(),
              "send on masked port %u: pending set, no upcall flagged", ipi);
        let_upcalls_in();
        check(upcalls == before, "no upcall for a masked port (%u)", upcalls - before);
        evtchn_set_mask(shinfo, ipi, false);
        forget_seen();
        rc = xen_evtchn_port_op(EVTCHNOP_unmask, ipi);
        check(rc == 0 && vinfo_pending(), "EVTCHNOP_unmask(%u) of a pending port flags the upcall (%ld)",
              ipi, rc);
        unsigned n = let_upcalls_in();
        check(n == 1 && seen(ipi), "and the callback runs for it (%u)", n);
    }

    rc = xen_evtchn_port_op(EVTCHNOP_unmask, 0);
    check(rc == -XEN_EINVAL, "unmask(port 0): -EINVAL (%ld)", rc);
    rc = xen_evtchn_port_op(EVTCHNOP_unmask, 5000);
    check(rc == -XEN_EINVAL, "unmask(port 5000, beyond 4096): -EINVAL (%ld)", rc);
    rc = xen_evtchn_port_op(EVTCHNOP_unmask, 900);
    check(rc == -XEN_EINVAL, "unmask(port 900, never bound): -EINVAL (%ld)", rc);
    rc = xen_evtchn_port_op(EVTCHNOP_send, 0);
    check(rc == -XEN_EINVAL, "send(port 0): -EINVAL (%ld)", rc);
    rc = xen_evtchn_port_op(EVTCHNOP_send, 0xffffffffu);
    check(rc == -XEN_EINVAL, "send(port 0xffffffff): -EINVAL (%ld)", rc);

    uint32_t vp = 0;
    rc = bind_virq(VIRQ_DEBUG, 0, &vp);
    check(rc == 0 && vp >= 1, "bind_virq(VIRQ_DEBUG, vCPU 0) returns port %u (%ld)", vp, rc);
    rc = bind_virq(VIRQ_DEBUG, 0, &dummy);
    check(rc == -XEN_EEXIST, "binding VIRQ_DEBUG twice: -EEXIST (%ld)", rc);
    rc = bind_virq(99, 0, &dummy);
    check(rc == -XEN_EINVAL, "bind_virq(99): -EINVAL (%ld)", rc);
    rc = xen_evtchn_port_op(EVTCHNOP_close, vp);
    check(rc == 0, "close(VIRQ port %u) returns 0 (%ld)", vp, rc);
    rc = bind_virq(VIRQ_DEBUG, 0, &vp);
    check(rc == 0 && vp >= 1, "VIRQ_DEBUG can be bound again after close (port %u, %ld)", vp, rc);

    if (ipi >= 1) {
        rc = xen_evtchn_port_op(EVTCHNOP_close, ipi);
        check(rc == 0, "close(IPI port %u) returns 0 (%ld)", ipi, rc);
        rc = xen_evtchn_port_op(EVTCHNOP_send, ipi);
        check(rc == -XEN_EINVAL && !evtchn_is_pending(shinfo, ipi),
              "send on the closed IPI port: -EINVAL, nothing pending (%ld)", rc);
    }
}

/* ---- register_vcpu_info ---------------------------------------------------------------------------------- */

static long register_vcpu_info(uint32_t vcpu, uint64_t mfn, uint32_t offset)
{
    struct vcpu_register_vcpu_info r = { .mfn = mfn, .offset = offset };
    return xen_call("register_vcpu_info", __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, vcpu,
                    (uint64_t)(uintptr_t)&r);
}

static void test_vcpu_info(void)
{
    uint64_t mfn = (uint64_t)(uintptr_t)vinfo_page >> 12;
    long rc = register_vcpu_info(1, mfn, 0);
    check(rc == -XEN_ENOENT, "register_vcpu_info(vCPU 1, which does not exist): -ENOENT (%ld)", rc);
    rc = register_vcpu_info(0, mfn, 4096 - 32);
    check(rc == -XEN_EINVAL, "register_vcpu_info crossing the page end (offset 4064): -EINVAL (%ld)", rc);
    rc = register_vcpu_info(0, 0x40000, 0);
    check(rc == -XEN_EINVAL, "register_vcpu_info at gfn 0x40000 (outside RAM): -EINVAL (%ld)", rc);

    memset(vinfo_page, 0xee, sizeof(vinfo_page));
    rc = register_vcpu_info(0, mfn, 128);
    if (!check(rc == 0, "register_vcpu_info(vCPU 0, gfn 0x%lx + 128) returns 0 (%ld)",
               (unsigned long)mfn, rc))
        return;
    check(vinfo_page[127] == 0xee && vinfo_page[128 + 64] == 0xee,
          "the bytes around the registered 64-byte vcpu_info are untouched");
    upcall_vinfo = vinfo_page + 128;
    rc = register_vcpu_info(0, mfn, 256);
    check(rc == -XEN_EINVAL, "a second register_vcpu_info for vCPU 0: -EINVAL (%ld)", rc);

    uint32_t ipi = 0;
    rc = bind_ipi(0, &ipi);
    if (check(rc == 0 && ipi >= 1, "bind_ipi(vCPU 0) again: port %u", ipi)) {
        shinfo[VCPU_UPCALL_PENDING] = 0;
        ipi_round(ipi, "the registered vcpu_info");
        check(shinfo[VCPU_UPCALL_PENDING] == 0,
              "shared_info's old vcpu_info[0] slot is no longer used (upcall_pending %u)",
              shinfo[VCPU_UPCALL_PENDING]);
        xen_evtchn_port_op(EVTCHNOP_close, ipi);
    }
}

/* ---- grant table queries, sched_op ------------------------------------------------------------------------- */

static void test_grant_ops(void)
{
    struct gnttab_query_size q[2] = {
        { .dom = DOMID_SELF, .status = 99 },
        { .dom = 5, .status = 99 },
    };
    long rc = xen_call("query_size", __HYPERVISOR_grant_table_op, GNTTABOP_query_size,
                       (uint64_t)(uintptr_t)&q[0], 1);
    check(rc == 0 && q[0].status == GNTST_okay && q[0].max_nr_frames == 32 && q[0].nr_frames >= 1 &&
          q[0].nr_frames <= 32,
          "GNTTABOP_query_size: status %d, nr_frames %u, max_nr_frames %u (want 32) (%ld)",
          q[0].status, q[0].nr_frames, q[0].max_nr_frames, rc);
    rc = xen_call("query_size(dom 5)", __HYPERVISOR_grant_table_op, GNTTABOP_query_size,
                  (uint64_t)(uintptr_t)&q[1], 1);
    check(rc == 0 && q[1].status == GNTST_bad_domain, "query_size for domain 5: GNTST_bad_domain (%d, %ld)",
          q[1].status, rc);

    /* Xen's gnttab_query_size takes exactly one struct: count != 1 is -EINVAL, and
     * nothing is written (a count the hypervisor loops over is the guest's to choose). */
    struct gnttab_query_size two[2] = { { .dom = DOMID_SELF, .status = 99, .max_nr_frames = 7 },
                                        { .dom = DOMID_SELF, .status = 99, .max_nr_frames = 7 } };
    rc = xen_call("query_size(count 2)", __HYPERVISOR_grant_table_op, GNTTABOP_query_size,
                  (uint64_t)(uintptr_t)two, 2);
    check(rc == -XEN_EINVAL && two[1].status == 99 && two[1].max_nr_frames == 7,
          "query_size with count 2: -EINVAL, the second struct untouched (%ld, status %d)", rc,
          two[1].status);
    rc = xen_call("query_size(count 0)", __HYPERVISOR_grant_table_op, GNTTABOP_query_size,
                  (uint64_t)(uintptr_t)two, 0);
    check(rc == -XEN_EINVAL, "query_size with count 0: -EINVAL (%ld)", rc);

    struct gnttab_set_version sv = { .version = 2 };
    rc = xen_call("set_version", __HYPERVISOR_grant_table_op, GNTTABOP_set_version,
                  (uint64_t)(uintptr_t)&sv, 1);
    check(rc < 0, "GNTTABOP_set_version(2) is refused (%ld)", rc);
    struct gnttab_get_version gv = { .dom = DOMID_SELF, .version = 99 };
    rc = xen_call("get_version", __HYPERVISOR_grant_table_op, GNTTABOP_get_version,
                  (uint64_t)(uintptr_t)&gv, 1);
    check(rc == 0 && gv.version == 1, "GNTTABOP_get_version: still version 1 (%u, %ld)", gv.version, rc);

    rc = xen_call("yield", __HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0);
    check(rc == 0, "SCHEDOP_yield returns 0 (%ld)", rc);
    uint32_t reason = 99;
    rc = xen_call("shutdown(99)", __HYPERVISOR_sched_op, SCHEDOP_shutdown,
                  (uint64_t)(uintptr_t)&reason, 0);
    check(rc == -XEN_EINVAL, "SCHEDOP_shutdown with reason 99: -EINVAL, the VM goes on (%ld)", rc);
}

/* ---- a hypercall from ring 3 -------------------------------------------------------------------------------- */

#define SEL_KCODE   0x08
#define SEL_KDATA   0x10
#define SEL_UDATA   0x18
#define SEL_UCODE   0x20
#define SEL_TSS     0x28

struct tss64 {
    uint32_t rsvd0;
    uint64_t rsp[3];
    uint64_t rsvd1;
    uint64_t ist[7];
    uint64_t rsvd2;
    uint16_t rsvd3;
    uint16_t iomap_base;
} __attribute__((packed));

static struct tss64 tss;
static uint64_t gdt[7] __attribute__((aligned(16)));
static uint8_t trap_stack[8192] __attribute__((aligned(16)));
static uint8_t user_stack[4096] __attribute__((aligned(16)));
uint64_t user_saved_rsp;                /* user_call's kernel RSP (the asm below) */
extern uint64_t boot_pml4[];            /* crt0 */

/* long user_call(nr, a1, a2, user_rsp): IRETQ to ring 3 at user_entry with RAX = nr,
 * RDI = a1, RSI = a2; there VMCALL, then SYSCALL back to user_syscall_entry, which
 * resumes here with the hypercall's RAX. */
long user_call(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t user_rsp);
void user_syscall_entry(void);
__asm__(
    ".pushsection .text\n"
    ".globl user_call\n"
    "user_call:\n"
    "    push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
    "    mov %rsp, user_saved_rsp(%rip)\n"
    "    mov %rdi, %rax\n"
    "    mov %rsi, %rdi\n"
    "    mov %rdx, %rsi\n"
    "    pushq $0x1b\n"                     /* SS: user data | RPL 3 */
    "    push %rcx\n"                       /* RSP */
    "    pushq $0x2\n"                      /* RFLAGS: IF=0 */
    "    pushq $0x23\n"                     /* CS: user code | RPL 3 */
    "    lea user_entry(%rip), %rcx\n"
    "    push %rcx\n"
    "    iretq\n"
    "user_entry:\n"
    "    vmcall\n"
    "    syscall\n"
    "    ud2\n"
    ".globl user_syscall_entry\n"
    "user_syscall_entry:\n"
    "    mov user_saved_rsp(%rip), %rsp\n"
    "    mov $0x10, %ecx\n"
    "    mov %cx, %ds\n"
    "    mov %cx, %es\n"
    "    pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
    "    ret\n"
    ".popsection\n");

static bool user_mode_setup(void)
{
    /* GDT: crt0's three entries, user data and 64-bit code at DPL 3, and a TSS whose
     * RSP0 catches anything raised in ring 3 (it then FAILs through the IDT). */
    uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof(tss) - 1;
    memset(&tss, 0, sizeof(tss));
    tss.rsp[0] = (uint64_t)(uintptr_t)(trap_stack + sizeof(trap_stack));
    tss.iomap_base = sizeof(tss);
    gdt[0] = 0;
    gdt[1] = 0x00AF9A000000FFFFull;
    gdt[2] = 0x00CF92000000FFFFull;
    gdt[3] = 0x00CFF2000000FFFFull;
    gdt[4] = 0x00AFFA000000FFFFull;
    gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
             (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    gdt[6] = base >> 32;
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gp = {
        sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt };
    __asm__ volatile("lgdt %0" : : "m"(gp) : "memory");
    __asm__ volatile("ltr %w0" : : "r"((uint16_t)SEL_TSS) : "memory");

    /* SYSCALL returns to ring 0 with CS 0x08 / SS 0x10. */
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
    wrmsr(MSR_STAR, ((uint64_t)SEL_UDATA - 8) << 48 | (uint64_t)SEL_KCODE << 32);
    wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)user_syscall_entry);
    wrmsr(MSR_SFMASK, 0x700);           /* TF, IF, DF */

    /* Make the image (code, user stack, buffers) user-accessible: U/S at every level
     * of crt0's identity map for the 2 MiB pages it spans. */
    uint64_t end = (uint64_t)(uintptr_t)__bss_end;
    if (end > (1ull << 30))
        return false;
    uint64_t *pdpt = (uint64_t *)(uintptr_t)(boot_pml4[0] & ~0xfffull);
    uint64_t *pd = (uint64_t *)(uintptr_t)(pdpt[0] & ~0xfffull);
    boot_pml4[0] |= 4;
    pdpt[0] |= 4;
    for (uint64_t i = 0; i <= (end - 1) >> 21; i++)
        pd[i] |= 4;
    write_cr3(read_cr3());
    return true;
}

static void test_user_mode(void)
{
    if (!check(user_mode_setup(), "ring-3 set-up (GDT, TSS, SYSCALL, U/S pages)"))
        return;
    uint64_t ursp = (uint64_t)(uintptr_t)(user_stack + sizeof(user_stack));

    long rc = user_call(__HYPERVISOR_xen_version, XENVER_version, 0, ursp);
    check(rc == -XEN_EPERM, "xen_version from ring 3 answers -EPERM (%ld), and the guest goes on", rc);

    struct xen_feature_info fi = { .submap_idx = 0, .submap = 0x77777777 };
    rc = user_call(__HYPERVISOR_xen_version, XENVER_get_features, (uint64_t)(uintptr_t)&fi, ursp);
    check(rc == -XEN_EPERM && fi.submap == 0x77777777,
          "get_features from ring 3: -EPERM, buffer untouched (%ld, 0x%x)", rc, fi.submap);

    struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 0, .port = 0xabcd };
    rc = user_call(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, (uint64_t)(uintptr_t)&a, ursp);
    check(rc == -XEN_EPERM && a.port == 0xabcd, "alloc_unbound from ring 3: -EPERM, no port (%ld, %u)",
          rc, a.port);

    rc = user_call(99, 0, 0, ursp);
    check(rc == -XEN_EPERM, "unknown hypercall 99 from ring 3: -EPERM (privilege checked first) (%ld)", rc);

    rc = xen_call("xen_version after ring 3", __HYPERVISOR_xen_version, XENVER_version, 0, 0);
    check(rc == (long)xen_version_leaf, "back in ring 0 hypercalls work again (0x%lx)", (unsigned long)rc);
}

/* ---- a refused CALLBACK_IRQ must leave the callback as it was ----------------------------------------------- */

static void test_callback_refused(void)
{
    if (!shinfo_mapped)
        return;
    long rc = xen_set_param(DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, (7ull << 56) | UPCALL_VECTOR);
    check(rc == -XEN_EINVAL, "set_param(CALLBACK_IRQ, type 7): -EINVAL (%ld)", rc);
    rc = xen_set_param(DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, HVM_CALLBACK_VECTOR(5));
    check(rc == -XEN_EINVAL, "set_param(CALLBACK_IRQ, vector 5 < 0x10): -EINVAL (%ld)", rc);
    uint64_t v = 0;
    rc = xen_get_param(HVM_PARAM_CALLBACK_IRQ, &v);
    check(rc == 0 && v == HVM_CALLBACK_VECTOR(UPCALL_VECTOR),
          "after the refused sets CALLBACK_IRQ still reads 0x%lx (0x%lx)",
          (unsigned long)HVM_CALLBACK_VECTOR(UPCALL_VECTOR), (unsigned long)v);

    /* Does an event still arrive on 0xF3, and nowhere else (an exception vector)? */
    uint32_t ipi = 0;
    rc = bind_ipi(0, &ipi);
    if (!check(rc == 0 && ipi >= 1, "bind_ipi(vCPU 0): port %u", ipi))
        return;
    forget_seen();
    xen_evtchn_port_op(EVTCHNOP_send, ipi);
    unsigned n = 0;
    if (fault_try()) {
        cli();
        check(false, "the upcall arrived as vector %d (%s) instead of 0x%x", last_fault.vector,
              vector_name(last_fault.vector), UPCALL_VECTOR);
        /* Put a valid callback back so the rest of the run is sane. */
        xen_set_param(DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, HVM_CALLBACK_VECTOR(UPCALL_VECTOR));
        upcall_vinfo[VCPU_UPCALL_PENDING] = 0;
        return;
    }
    n = let_upcalls_in();
    fault_end();
    check(n == 1 && seen(ipi), "an event after the refused sets still arrives on vector 0x%x (%u)",
          UPCALL_VECTOR, n);
}

void xen_hypercalls_main(uint32_t mbi)
{
    ram_end = ram_end_from_mbi(mbi);
    unsigned dev = 0;
    uint32_t bar1 = 0;
    bool have_dev = xen_platform_find(&dev, &bar1);
    check(have_dev && (bar1 & ~0xfu) != 0, "platform device 5853:0001 at 00:%02x.0, BAR1 0x%x", dev, bar1);
    bar1 &= ~0xfu;

    test_cpuid();
    test_hypercall_page();
    test_version();
    test_unknown();
    test_physmap(bar1);
    test_bar_move(dev, bar1);
    test_params();
    test_efault();
    test_evtchn();
    test_vcpu_info();
    test_grant_ops();
    test_user_mode();
    test_callback_refused();
    xen_call("final xen_version", __HYPERVISOR_xen_version, XENVER_version, 0, 0);
    test_finish();
}
