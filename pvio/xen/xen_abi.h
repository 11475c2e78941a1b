/* SPDX-License-Identifier: BSD-2-Clause */
/* The Xen HVM guest ABI subset Keel implements: CPUID leaves, hypercall
 * numbers and argument layouts, shared_info/vcpu_info and feature bits, for
 * x86_64 guests. Keel's own definitions, checked against Xen's public headers
 * (xen/include/public/: xen.h, features.h, version.h, memory.h, vcpu.h,
 * event_channel.h, sched.h, grant_table.h, hvm/hvm_op.h, hvm/params.h,
 * arch-x86/cpuid.h, errno.h); ../shared/reference/xen-hvm-abi.md says which
 * calls stock Linux makes. */
#ifndef KEEL_PVIO_XEN_ABI_H
#define KEEL_PVIO_XEN_ABI_H

#include <stdint.h>

/* ---- Detection (arch-x86/cpuid.h) ------------------------------------------ */
#define XEN_CPUID_BASE            0x40000000u
#define XEN_CPUID_LEAVES          5           /* base .. base+4 */
#define XEN_CPUID_SIG_EBX         0x566e6558u /* "XenVMMXenVMM" */
#define XEN_CPUID_SIG_ECX         0x65584d4du
#define XEN_CPUID_SIG_EDX         0x4d4d566eu
#define XEN_VERSION_MAJOR         4
#define XEN_VERSION_MINOR         17
/* base+4 EAX */
#define XEN_HVM_CPUID_VCPU_ID_PRESENT  (1u << 3)    /* EBX = vCPU id */
#define XEN_HVM_CPUID_DOMID_PRESENT    (1u << 4)    /* ECX = domid */
#define XEN_HVM_CPUID_UPCALL_VECTOR    (1u << 6)    /* HVMOP_set_evtchn_upcall_vector */
/* base+2: hypercall pages via this MSR (the page's GPA; low 12 bits = index). */
#define XEN_HYPERCALL_MSR         0x40000000u
#define XEN_HYPERCALL_STUB_SIZE   32
#define XEN_HYPERCALL_STUBS       128

/* ---- Hypercall numbers (xen.h) ----------------------------------------------- */
#define HYPERVISOR_memory_op        12
#define HYPERVISOR_xen_version      17
#define HYPERVISOR_grant_table_op   20
#define HYPERVISOR_vcpu_op          24
#define HYPERVISOR_sched_op         29
#define HYPERVISOR_event_channel_op 32
#define HYPERVISOR_hvm_op           34
#define HYPERVISOR_iret             23          /* its stub is ud2: PV only */

/* ---- errno.h: hypercalls return -errno ----------------------------------------- */
#define XEN_EPERM   1
#define XEN_ENOENT  2
#define XEN_ENXIO   6
#define XEN_ESRCH   3
#define XEN_ENOMEM  12
#define XEN_EFAULT  14
#define XEN_EBUSY   16
#define XEN_EEXIST  17
#define XEN_EINVAL  22
#define XEN_ENOSPC  28
#define XEN_ENOSYS  38

#define DOMID_SELF  0x7ff0u

/* ---- xen_version (version.h, features.h) ---------------------------------------- */
#define XENVER_version       0
#define XENVER_get_features  6
struct xen_feature_info {
    uint32_t submap_idx;
    uint32_t submap;
};
_Static_assert(sizeof(struct xen_feature_info) == 8, "xen_feature_info");
#define XENFEAT_writable_page_tables   0
#define XENFEAT_auto_translated_physmap 2
#define XENFEAT_supervisor_mode_kernel 3
#define XENFEAT_hvm_callback_vector    8

/* ---- memory_op (memory.h) ---------------------------------------------------------- */
#define XENMEM_add_to_physmap 7
#define XENMAPSPACE_shared_info 0
#define XENMAPSPACE_grant_table 1
struct xen_add_to_physmap {
    uint16_t domid;
    uint16_t size;
    uint32_t space;
    uint64_t idx;
    uint64_t gpfn;
};
_Static_assert(sizeof(struct xen_add_to_physmap) == 24, "xen_add_to_physmap");

/* ---- hvm_op (hvm/hvm_op.h, hvm/params.h) ------------------------------------------- */
#define HVMOP_set_param                0
#define HVMOP_get_param                1
#define HVMOP_pagetable_dying          9
#define HVMOP_set_evtchn_upcall_vector 23
struct xen_hvm_param {
    uint16_t domid;
    uint16_t pad;
    uint32_t index;
    uint64_t value;
};
_Static_assert(sizeof(struct xen_hvm_param) == 16, "xen_hvm_param");
struct xen_hvm_evtchn_upcall_vector {
    uint32_t vcpu;
    uint8_t vector;
    uint8_t pad[3];
};
_Static_assert(sizeof(struct xen_hvm_evtchn_upcall_vector) == 8, "upcall_vector");
#define HVM_PARAM_CALLBACK_IRQ   0
#define HVM_PARAM_STORE_PFN      1
#define HVM_PARAM_STORE_EVTCHN   2
#define HVM_PARAM_CONSOLE_PFN    17
#define HVM_PARAM_CONSOLE_EVTCHN 18
#define HVM_NR_PARAMS            39
/* CALLBACK_IRQ value: type in bits 63:56 */
#define HVM_PARAM_CALLBACK_TYPE(v)    ((unsigned)((v) >> 56))
#define HVM_PARAM_CALLBACK_TYPE_GSI    0
#define HVM_PARAM_CALLBACK_TYPE_PCI_INTX 1      /* seg<<32 | bus<<16 | devfn<<8 | (pin-1) */
#define HVM_PARAM_CALLBACK_TYPE_VECTOR 2

/* ---- vcpu_op (vcpu.h) --------------------------------------------------------------- */
#define VCPUOP_register_vcpu_info 10
struct vcpu_register_vcpu_info {
    uint64_t mfn;           /* a GFN for HVM guests */
    uint32_t offset;
    uint32_t rsvd;
};
_Static_assert(sizeof(struct vcpu_register_vcpu_info) == 16, "vcpu_register_vcpu_info");

/* ---- sched_op (sched.h) --------------------------------------------------------------- */
#define SCHEDOP_yield    0
#define SCHEDOP_block    1
#define SCHEDOP_shutdown 2
#define SCHEDOP_poll     3
#define SHUTDOWN_poweroff 0
#define SHUTDOWN_reboot   1
#define SHUTDOWN_crash    3

/* ---- event_channel_op (event_channel.h) ------------------------------------------------ */
#define EVTCHNOP_bind_virq      1
#define EVTCHNOP_close          3
#define EVTCHNOP_send           4
#define EVTCHNOP_status         5
#define EVTCHNOP_alloc_unbound  6
#define EVTCHNOP_bind_ipi       7
#define EVTCHNOP_bind_vcpu      8
#define EVTCHNOP_unmask         9
#define EVTCHNOP_init_control   11
struct evtchn_alloc_unbound { uint16_t dom, remote_dom; uint32_t port; };
struct evtchn_bind_virq { uint32_t virq, vcpu, port; };
struct evtchn_bind_ipi { uint32_t vcpu, port; };
struct evtchn_bind_vcpu { uint32_t port, vcpu; };
struct evtchn_port_arg { uint32_t port; };      /* send, unmask, close */
struct evtchn_status {
    uint16_t dom;
    uint16_t pad;
    uint32_t port;
    uint32_t status;        /* EVTCHNSTAT_* */
    uint32_t vcpu;
    union {
        struct { uint16_t dom; } unbound;
        struct { uint16_t dom; uint16_t pad; uint32_t port; } interdomain;
        uint32_t virq;
    } u;
};
_Static_assert(sizeof(struct evtchn_alloc_unbound) == 8, "evtchn_alloc_unbound");
_Static_assert(sizeof(struct evtchn_bind_virq) == 12, "evtchn_bind_virq");
_Static_assert(sizeof(struct evtchn_status) == 24, "evtchn_status");
#define EVTCHNSTAT_closed       0
#define EVTCHNSTAT_unbound      1
#define EVTCHNSTAT_interdomain  2
#define EVTCHNSTAT_virq         4
#define EVTCHNSTAT_ipi          5
#define XEN_NR_VIRQS            24

/* ---- grant_table_op (grant_table.h) ------------------------------------------------------ */
#define GNTTABOP_query_size  6
#define GNTTABOP_set_version 8
#define GNTTABOP_get_version 10
struct gnttab_query_size {
    uint16_t dom;
    uint16_t pad;
    uint32_t nr_frames;
    uint32_t max_nr_frames;
    int16_t status;
    uint16_t pad2;
};
_Static_assert(sizeof(struct gnttab_query_size) == 16, "gnttab_query_size");
struct gnttab_set_version { uint32_t version; };
#define GNTST_okay          0
#define GNTST_general_error (-1)
#define GNTST_bad_domain    (-2)

/* ---- shared_info and vcpu_info (xen.h, arch-x86/xen.h), x86_64 ------------------------------ */
#define XEN_LEGACY_MAX_VCPUS    32
#define XEN_VCPU_INFO_SIZE      64
#define XEN_SHINFO_PENDING      2048        /* evtchn_pending[64] (u64 words) */
#define XEN_SHINFO_MASK         2560        /* evtchn_mask[64] */
#define XEN_VCPU_UPCALL_PENDING 0           /* u8 */
#define XEN_VCPU_UPCALL_MASK    1           /* u8, PV only */
#define XEN_VCPU_PENDING_SEL    8           /* u64 */
#define XEN_EVTCHN_2L_PORTS     4096        /* 64 words of 64 bits */

#endif
