/* SPDX-License-Identifier: BSD-2-Clause */
/* A VM's Xen-compatible mode (xl.cfg `xen_platform_pci = 1`): the per-domain
 * state behind the Xen HVM ABI subset stock Linux uses — CPUID leaves, the
 * hypercall page, shared_info and vcpu_info, event channels and how their
 * upcalls reach a vCPU, grant table frames, the xenstore ring, and the
 * backends attached to it (pvio/blk/, a floor above). Runs on the vCPUs'
 * CPUs under the VM's lock, and on the boot CPU while the VM is built and
 * torn down. */
#ifndef KEEL_PVIO_XEN_H
#define KEEL_PVIO_XEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pvio/xen/evtchn.h"
#include "pvio/xen/grant_table.h"
#include "pvio/xen/xen_platform.h"
#include "arch/x86/x86.h"

struct ept;
struct io_bus;
struct machine;
struct pci_host;
struct vcpu;
struct xenstore;

/* Guest-physical layout (outside RAM; the platform device's BAR says where
 * the grant frames are, HVM_PARAM_STORE_PFN where the xenstore ring is). */
#define XEN_GRANT_FRAMES      32            /* max_nr_frames: 16384 grant refs */
#define XEN_STORE_GPA         0xfeffc000ull /* Xen's own choice: pfn 0xfeffc */
#define XEN_GUEST_DOMID       1             /* the first guest's domain id; Keel is 0 */
#define XEN_DOMID_MAX         0x7fef        /* below DOMID_FIRST_RESERVED (xen.h) */
#define XEN_NAME_MAX          32            /* the VM's name, NUL included */
#define XEN_BACKENDS_MAX      16            /* backend devices (vbds, later vifs) per domain */

/* platform_pending_interrupt's token for the global callback vector. */
#define XEN_CALLBACK_TOKEN    0x200

struct xen_vcpu {
    bool vcpu_info_registered;  /* VCPUOP_register_vcpu_info placed it at: */
    uint64_t vcpu_info_gpa;
    uint8_t upcall_vector;      /* HVMOP_set_evtchn_upcall_vector, or 0 */
};

/* How the Xen mode reaches the board it runs on and the VM's console,
 * filled in by the VM that creates the domain, so pvio/ never names either. */
struct xen_board {
    void (*set_gsi)(void *ctx, unsigned gsi, bool level);              /* the GSI/INTx callback */
    void (*deliver_vector)(void *ctx, unsigned vcpu, uint8_t vector);  /* a per-vCPU upcall */
    /* One line about this VM for Keel's console (a backend's news), without
     * the "keel: vm NAME: " prefix or newline; NULL: printk with them. */
    void (*message)(void *ctx, const char *line);
    void *ctx;
};

/* What a domain is built over: the parts of its VM it uses, handed in by
 * the VM that creates it (vm/vm.c). All outlive the domain. */
struct xen_domain_env {
    struct machine *machine;    /* lock, guest memory, vCPU count; the domain registers its
                                 * CPUID leaves, MSR, hypercall and deferred work there */
    struct vcpu *vcpus;         /* machine->nr_vcpus of them, in an array: kicked for upcalls */
    struct ept *ept;            /* grant frames and the xenstore ring are mapped here */
    struct io_bus *io_bus;      /* the unplug ports */
    struct pci_host *pci;       /* bus 0, where the platform device goes */
    const char *name;           /* the VM's: xenstore's .../name, console lines */
    uint16_t domid;             /* its domain id (1..XEN_DOMID_MAX), unique among the VMs that run */
    struct xen_board board;
};

/* A backend device (blkback's vbd, later netback's vif), attached to the
 * domain after it is created; the domain runs its deferred work, prints its
 * counters and destroys it, so the Xen core never names a backend. */
struct xen_backend_ops {
    void (*kick)(void *ctx);            /* serve what xen_backend_defer left (one budget) */
    void (*print_stats)(void *ctx);     /* one line of counters at the VM's end, or NULL */
    void (*destroy)(void *ctx);         /* the VM stopped: disconnect, flush, free */
};

struct xen_backend {
    const struct xen_backend_ops *ops;
    void *ctx;
};

struct xen_domain {
    struct machine *machine;
    struct vcpu *vcpus;
    const struct guest_mem *mem;    /* = machine->mem */
    struct ept *ept;
    struct io_bus *io_bus;
    char name[XEN_NAME_MAX];
    uint16_t domid;
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
    uint64_t grant_gpa;         /* where they are mapped: BAR1's base, or PCI_BAR_NONE */
    uint8_t *store_ring;        /* the xenstore ring page (host address) */
    uint32_t store_port;
    struct xenstore *store;
    struct xen_platform_dev platform_dev;
    bool unplug_ports;          /* registered on io_bus */
    unsigned nr_backends;
    struct xen_backend backend[XEN_BACKENDS_MAX];
    uint64_t hypercalls;        /* counted for benchmarks */
    /* Backends that stopped at their per-kick budget with work left; the
     * next VM entry on any vCPU serves them (xen_run_deferred). */
    uint32_t deferred_backends; /* bit n: backend[n]; atomic (set from any CPU) */
    bool deferred_store;
};

/* Build the Xen side of a VM whose RAM, EPT and platform exist: the
 * domain, or NULL with the reason in why[why_size] (the config key it
 * concerns in *key) and nothing left allocated. */
struct xen_domain *xen_domain_create(const struct xen_domain_env *env, const char **key,
                                     char *why, size_t why_size);
/* For the create path's helpers: set *key and why[], return -1. */
int xen_create_fail(const char **key, const char *k, char *why, size_t size, const char *msg);
/* Destroy the backends (they flush their disks) and free everything; the
 * VM has stopped. */
void xen_domain_destroy(struct xen_domain *d);

/* Attach a backend: its index, or -1 when the domain has no room left. */
int xen_backend_add(struct xen_domain *d, const struct xen_backend_ops *ops, void *ctx);
/* Backend `index` stopped at its budget with work left: the next entry of
 * any vCPU calls its kick. */
void xen_backend_defer(struct xen_domain *d, unsigned index);
/* Work for backend `index` came from outside the VM (the switch queued
 * frames for it), from any CPU, under no lock of the VM's: mark it and wake
 * the VM so that its next entry serves it. */
void xen_backend_wake(struct xen_domain *d, unsigned index);
/* The xenstore has news for the guest that no store request will carry (a
 * backend changed a node from deferred work): the next entry delivers it. */
void xen_store_defer(struct xen_domain *d);
/* A line for Keel's console about this VM (board.message). */
void xen_message(struct xen_domain *d, const char *line);
/* control/shutdown = reason ("poweroff", "reboot"), as xl shutdown/reboot
 * write it; under the VM's lock. 0, or -1. */
int xen_request_shutdown(struct xen_domain *d, const char *reason);

/* VMCALL from the guest (pvio/xen/hypercall.c); ctx is the domain. The domain
 * registers it, its CPUID leaves and the hypercall-page MSR on the VM's
 * machine when it is created. */
void xen_hypercall(void *ctx, struct vcpu *v);

/* The global callback vector when vCPU `vcpu` has an upcall pending and
 * uses that mode (injected without the LAPIC, as Xen does), else -1. */
int xen_callback_pending(struct xen_domain *d, unsigned vcpu);
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

/* Counters at the VM's end: hypercalls, then each backend's line (for
 * benchmarks). */
void xen_print_stats(struct xen_domain *d);

/* Guest memory through a host pointer: NULL outside RAM. */
uint8_t *xen_guest_ptr(struct xen_domain *d, uint64_t gpa, uint64_t len);

#endif
