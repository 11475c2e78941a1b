/* SPDX-License-Identifier: BSD-2-Clause */
/* xen_guest.h — what the Xen-mode tests in xen_pv.elf (xen_hypercalls, xen_hostile_blk,
 * xen_hostile_net) share: the Xen HVM ABI numbers and structs they use, written out here
 * from Xen's public headers (x86_64) rather than taken from Keel's pvio/ headers, so the
 * guests check Keel against the ABI and not against itself; 64-bit hypercalls by VMCALL (RAX =
 * number, RDI RSI RDX R10 R8 = arguments); 2-level event-channel bits in shared_info.
 * Keel offers only the 64-bit hypercall ABI, so these run in crt0's long mode. */
#ifndef GUEST_XEN_GUEST_H
#define GUEST_XEN_GUEST_H

#include <stdbool.h>
#include <stdint.h>

/* ---- CPUID (arch-x86/cpuid.h) and the hypercall page MSR ---------------------------- */
#define XEN_CPUID_BASE          0x40000000u
#define XEN_HYPERCALL_MSR       0x40000000u     /* Xen reports it in CPUID base+2 EBX */
#define XEN_HYPERCALL_STUB      32              /* bytes per stub in the page */

/* ---- hypercall numbers (xen.h) --------------------------------------------------------- */
#define __HYPERVISOR_set_trap_table   0
#define __HYPERVISOR_memory_op        12
#define __HYPERVISOR_xen_version      17
#define __HYPERVISOR_grant_table_op   20
#define __HYPERVISOR_iret             23
#define __HYPERVISOR_vcpu_op          24
#define __HYPERVISOR_sched_op         29
#define __HYPERVISOR_event_channel_op 32
#define __HYPERVISOR_hvm_op           34

/* ---- errno.h: hypercalls return -errno -------------------------------------------------- */
#define XEN_EPERM   1
#define XEN_ENOENT  2
#define XEN_ESRCH   3
#define XEN_EFAULT  14
#define XEN_EEXIST  17
#define XEN_EINVAL  22
#define XEN_ENOSYS  38

#define DOMID_SELF  0x7ff0u

/* ---- xen_version (version.h, features.h) ------------------------------------------------ */
#define XENVER_version          0
#define XENVER_get_features     6
struct xen_feature_info {
    uint32_t submap_idx;
    uint32_t submap;
};
#define XENFEAT_auto_translated_physmap 2
#define XENFEAT_hvm_callback_vector     8

/* ---- memory_op (memory.h) ----------------------------------------------------------------- */
#define XENMEM_add_to_physmap   7
#define XENMAPSPACE_shared_info 0
#define XENMAPSPACE_grant_table 1
struct xen_add_to_physmap {
    uint16_t domid;
    uint16_t size;
    uint32_t space;
    uint64_t idx;
    uint64_t gpfn;
};

/* ---- hvm_op (hvm/hvm_op.h, hvm/params.h) ---------------------------------------------------- */
#define HVMOP_set_param         0
#define HVMOP_get_param         1
struct xen_hvm_param {
    uint16_t domid;
    uint16_t pad;
    uint32_t index;
    uint64_t value;
};
#define HVM_PARAM_CALLBACK_IRQ  0
#define HVM_PARAM_STORE_PFN     1
#define HVM_PARAM_STORE_EVTCHN  2
#define HVM_CALLBACK_VECTOR(v)  ((2ull << 56) | (v))    /* type 2: global vector */

/* ---- vcpu_op (vcpu.h) ---------------------------------------------------------------------- */
#define VCPUOP_register_vcpu_info 10
struct vcpu_register_vcpu_info {
    uint64_t mfn;
    uint32_t offset;
    uint32_t rsvd;
};

/* ---- sched_op (sched.h) -------------------------------------------------------------------- */
#define SCHEDOP_yield           0
#define SCHEDOP_shutdown        2

/* ---- event_channel_op (event_channel.h) ------------------------------------------------------ */
#define EVTCHNOP_bind_virq      1
#define EVTCHNOP_close          3
#define EVTCHNOP_send           4
#define EVTCHNOP_status         5
#define EVTCHNOP_alloc_unbound  6
#define EVTCHNOP_bind_ipi       7
#define EVTCHNOP_unmask         9
#define EVTCHNOP_init_control   11
struct evtchn_alloc_unbound { uint16_t dom, remote_dom; uint32_t port; };
struct evtchn_bind_virq { uint32_t virq, vcpu, port; };
struct evtchn_bind_ipi { uint32_t vcpu, port; };
struct evtchn_port_arg { uint32_t port; };
struct evtchn_init_control { uint64_t control_gfn; uint32_t offset, vcpu; uint8_t link_bits, pad[7]; };
struct evtchn_status {
    uint16_t dom;
    uint16_t pad;
    uint32_t port;
    uint32_t status;
    uint32_t vcpu;
    union {
        struct { uint16_t dom; } unbound;
        struct { uint16_t dom; uint16_t pad; uint32_t port; } interdomain;
        uint32_t virq;
    } u;
};
#define EVTCHNSTAT_closed       0
#define EVTCHNSTAT_unbound      1
#define EVTCHNSTAT_interdomain  2
#define EVTCHNSTAT_virq         4
#define EVTCHNSTAT_ipi          5
#define VIRQ_DEBUG              1

/* ---- grant_table_op (grant_table.h) ------------------------------------------------------------ */
#define GNTTABOP_query_size     6
#define GNTTABOP_set_version    8
#define GNTTABOP_get_version    10
struct gnttab_query_size {
    uint16_t dom;
    uint16_t pad;
    uint32_t nr_frames;
    uint32_t max_nr_frames;
    int16_t status;
    uint16_t pad2;
};
struct gnttab_set_version { uint32_t version; };
struct gnttab_get_version { uint16_t dom; uint16_t pad; uint32_t version; };
#define GNTST_okay              0
#define GNTST_bad_domain        (-2)

/* v1 grant entry: 8 bytes, 512 per frame. */
struct grant_entry_v1 {
    uint16_t flags;
    uint16_t domid;
    uint32_t frame;
};
#define GTF_permit_access       1u
#define GTF_readonly            (1u << 2)
#define GTF_reading             (1u << 3)
#define GTF_writing             (1u << 4)

/* ---- shared_info / vcpu_info (xen.h, x86_64) ---------------------------------------------------- */
#define XEN_VCPU_INFO_SIZE      64
#define SHINFO_PENDING          2048    /* evtchn_pending[64], u64 words */
#define SHINFO_MASK             2560    /* evtchn_mask[64] */
#define VCPU_UPCALL_PENDING     0       /* u8 */
#define VCPU_PENDING_SEL        8       /* u64 */

/* The platform PCI device that carries the grant frames in its BAR1. */
#define XEN_PLATFORM_VENDOR     0x5853
#define XEN_PLATFORM_DEVICE     0x0001

/* ---- hypercalls ------------------------------------------------------------------------------- */

/* A 64-bit hypercall by VMCALL. Xen may clobber the argument registers, so all are
 * in/out; "memory" because the hypervisor reads and writes buffers we pass. */
static inline long xen_hypercall5(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3,
                                  uint64_t a4, uint64_t a5)
{
    register uint64_t r10 __asm__("r10") = a4;
    register uint64_t r8 __asm__("r8") = a5;
    uint64_t rax = nr;
    __asm__ volatile("vmcall"
                     : "+a"(rax), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                     :
                     : "memory");
    return (long)rax;
}

/* The same inside fault_try(): returns FAULT_NONE and the result in *rc, or the vector
 * of an exception the hypercall raised (a bad argument must never fault the guest). */
int xen_hypercall_safe(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, long *rc);

/* Calls xen_hypercall_safe; a fault becomes a failed check naming `what`, and the
 * result then reads as XEN_FAULTED (no hypercall returns that). */
#define XEN_FAULTED (-100000L)
long xen_call(const char *what, uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3);

/* ---- 2-level event channels in a shared_info page (host address = GPA here) ----------------------- */
static inline volatile uint64_t *shinfo_word(uint8_t *shinfo, unsigned off, uint32_t port)
{
    return (volatile uint64_t *)(void *)(shinfo + off) + port / 64;
}

static inline bool evtchn_is_pending(uint8_t *shinfo, uint32_t port)
{
    return (*shinfo_word(shinfo, SHINFO_PENDING, port) >> (port % 64)) & 1;
}

static inline void evtchn_clear_pending(uint8_t *shinfo, uint32_t port)
{
    __atomic_fetch_and(shinfo_word(shinfo, SHINFO_PENDING, port), ~(1ull << (port % 64)),
                       __ATOMIC_SEQ_CST);
}

/* Takes a port's pending bit, and clears vCPU 0's upcall state (for guests that poll:
 * no callback is set up). Returns whether the port was pending. */
static inline bool evtchn_take(uint8_t *shinfo, uint32_t port)
{
    bool was = evtchn_is_pending(shinfo, port);
    evtchn_clear_pending(shinfo, port);
    shinfo[VCPU_UPCALL_PENDING] = 0;
    *(volatile uint64_t *)(void *)(shinfo + VCPU_PENDING_SEL) = 0;
    return was;
}

static inline void evtchn_set_mask(uint8_t *shinfo, uint32_t port, bool masked)
{
    if (masked)
        __atomic_fetch_or(shinfo_word(shinfo, SHINFO_MASK, port), 1ull << (port % 64),
                          __ATOMIC_SEQ_CST);
    else
        __atomic_fetch_and(shinfo_word(shinfo, SHINFO_MASK, port), ~(1ull << (port % 64)),
                           __ATOMIC_SEQ_CST);
}

/* Small wrappers used by both guests (results as the hypercall returns them). */
long xen_add_to_physmap(uint16_t domid, uint32_t space, uint64_t idx, uint64_t gpfn);
long xen_get_param(uint32_t index, uint64_t *value);
long xen_set_param(uint16_t domid, uint32_t index, uint64_t value);
/* alloc_unbound(dom, remote): the port (>= 1) or the negative error. */
long xen_alloc_unbound(uint16_t dom, uint16_t remote);
long xen_evtchn_port_op(unsigned op, uint32_t port);      /* send, unmask, close */
long xen_evtchn_status(uint32_t port, struct evtchn_status *st);

/* Finds 5853:0001 on PCI bus 0; false if absent. */
bool xen_platform_find(unsigned *dev, uint32_t *bar1);

/* The PV drivers' start: finds the platform device (its BAR1 base in *bar1), maps the page
 * shinfo as shared_info and grant frame 0 at BAR1, and clears its 512 v1 entries. Returns
 * the grant table, or NULL after a failed check. */
volatile struct grant_entry_v1 *xen_map_shinfo_and_grants(uint8_t *shinfo, uint32_t *bar1);

/* The tests in xen_pv.elf (xen_pv.c picks one by the VM's cmdline); each ends the VM.
 * mbi: the Multiboot information block's address. */
void xen_hypercalls_main(uint32_t mbi);
void xen_hostile_blk_main(void);
void xen_hostile_net_main(void);

#endif
