/* SPDX-License-Identifier: BSD-2-Clause */
/* A VM's Xen-compatible mode (xl.cfg `xen_platform_pci = 1`): the per-domain
 * state behind the Xen HVM ABI subset stock Linux uses — CPUID leaves, the
 * hypercall page, shared_info and vcpu_info, event channels and how their
 * upcalls reach a vCPU, grant table frames, the xenstore ring and the
 * virtual block devices. Runs on the vCPUs' CPUs under the VM's lock, and on
 * the boot CPU while the VM is built and torn down. */
#ifndef KEEL_PVIO_XEN_H
#define KEEL_PVIO_XEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "host/bootinfo.h"
#include "pvio/evtchn.h"
#include "pvio/grant_table.h"
#include "pvio/xen_platform.h"
#include "vm/config.h"
#include "arch/x86/x86.h"

struct vm;
struct vcpu;
struct xenstore;
struct xen_vbd;

/* Guest-physical layout (outside RAM; the platform device's BAR says where
 * the grant frames are, HVM_PARAM_STORE_PFN where the xenstore ring is). */
#define XEN_GRANT_FRAMES      32            /* max_nr_frames: 16384 grant refs */
#define XEN_STORE_GPA         0xfeffc000ull /* Xen's own choice: pfn 0xfeffc */
#define XEN_GUEST_DOMID       1             /* the guest's domain id; Keel is 0 */

/* platform_pending_interrupt's token for the global callback vector. */
#define XEN_CALLBACK_TOKEN    0x200

struct xen_vcpu {
    bool vcpu_info_registered;  /* VCPUOP_register_vcpu_info placed it at: */
    uint64_t vcpu_info_gpa;
    uint8_t upcall_vector;      /* HVMOP_set_evtchn_upcall_vector, or 0 */
};

/* How the Xen mode reaches the board it runs on, filled in by the VM that
 * creates the domain, so pvio/ never names the board. */
struct xen_board {
    void (*set_gsi)(void *ctx, unsigned gsi, bool level);              /* the GSI/INTx callback */
    void (*deliver_vector)(void *ctx, unsigned vcpu, uint8_t vector);  /* a per-vCPU upcall */
    void *ctx;
};

struct xen_domain {
    struct vm *vm;
    struct xen_board board;
    bool shared_info_mapped;    /* XENMEM_add_to_physmap(shared_info) put it at: */
    uint64_t shared_info_gpa;
    uint64_t callback_via;      /* HVM_PARAM_CALLBACK_IRQ as the guest set it */
    int callback_gsi;           /* types GSI / PCI INTx: the IOAPIC pin, else -1 */
    bool callback_level;        /* that line's current level */
    struct xen_vcpu vcpu[EVTCHN_VCPUS_MAX];
    struct evtchn evtchn;
    struct grant_table grants;
    uint64_t grant_frames;      /* host address of XEN_GRANT_FRAMES contiguous pages */
    uint8_t *store_ring;        /* the xenstore ring page (host address) */
    uint32_t store_port;
    struct xenstore *store;
    struct xen_platform_dev platform_dev;
    unsigned nr_vbds;
    struct xen_vbd *vbd[CONFIG_DISKS_MAX];
    uint64_t hypercalls;        /* counted for benchmarks */
    /* Backends that stopped at their per-kick budget with work left; the
     * next VM entry on any vCPU serves them (xen_run_deferred). */
    uint32_t deferred_vbds;     /* bit n: vbd[n] */
    bool deferred_store;
};

/* Build the Xen side of a VM whose RAM, EPT and platform exist: 0, or -1
 * with the reason in why[why_size] (the config key it concerns in *key). */
int xen_domain_create(struct vm *vm, const struct boot_info *bi, const struct xen_board *board,
                      const char **key, char *why, size_t why_size);
/* For the create path's helpers: set *key and why[], return -1. */
int xen_create_fail(const char **key, const char *k, char *why, size_t size, const char *msg);
/* Flush the virtual disks and free everything (the VM has stopped). */
void xen_domain_destroy(struct vm *vm);

/* VMCALL from the guest (pvio/hypercall.c); ctx is the domain. The domain
 * registers it, its CPUID leaves and the hypercall-page MSR on the VM's
 * machine when it is created. */
void xen_hypercall(void *ctx, struct vcpu *v);

/* The global callback vector when the vCPU has an upcall pending and uses
 * that mode (injected without the LAPIC, as Xen does), else -1. */
int xen_callback_pending(struct vcpu *v);
/* Deliver the vCPU's upcall again if its evtchn_upcall_pending is set (Xen's
 * hvm_assert_evtchn_irq): after the guest changes how upcalls reach it. */
void xen_assert_upcall(struct xen_domain *d, unsigned vcpu);
/* A level-triggered vector was EOIed: re-evaluate the INTx/GSI callback line
 * (Linux clears evtchn_upcall_pending before its EOI). */
void xen_callback_eoi(struct xen_domain *d);

/* A backend ran out of budget: the next entry of any vCPU serves the
 * leftovers (the machine's deferred hook, under the VM's lock), one budget
 * each per call, so a guest that keeps producing cannot hold a CPU in Keel. */
void xen_defer(struct xen_domain *d);

/* One line of counters at the VM's end: hypercalls, and per disk what
 * blkback did (for benchmarks). */
void xen_print_stats(struct vm *vm);

/* Guest memory through a host pointer: NULL outside RAM. */
uint8_t *xen_guest_ptr(struct xen_domain *d, uint64_t gpa, uint64_t len);

#endif
