/* SPDX-License-Identifier: BSD-2-Clause */
/* A virtual CPU: its registers, state emulated by Keel, exit accounting and
 * how it ended. Vendor-neutral: devices and policies see only this. */
#ifndef KEEL_VCPU_VCPU_H
#define KEEL_VCPU_VCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vcpu/exit_stats.h"
#include "arch/x86/guest_regs.h"

struct vm;
struct pcpu;

enum vcpu_end {
    VCPU_RUNNING,
    END_POWEROFF,
    END_REBOOT,
    END_DEBUG_EXIT,
    END_HALTED,
    END_TRIPLE_FAULT,
    END_ERROR,
};

#define VCPU_END_REASON_MAX 128

/* The architectural state a vCPU starts in, as a boot protocol defines it. */
enum vcpu_start_mode {
    START_PROTECTED_FLAT,       /* Multiboot: 32-bit flat segments, paging off */
    START_LONG_MODE,            /* Linux 64-bit boot protocol: paging on, given CR3 and GDT */
    START_REAL_MODE,            /* an AP after SIPI: CS = cs, base cs << 4, RIP = rip */
};

struct vcpu_start {
    enum vcpu_start_mode mode;
    uint64_t rip;
    uint64_t cr3, gdt_base;     /* START_LONG_MODE */
    uint16_t gdt_limit, cs, ds;
};

struct io_bus;
struct mmio_bus;

struct vcpu {
    struct guest_regs regs;     /* first: the entry stub is handed &regs */
    struct vm *vm;
    struct io_bus *io_bus;      /* its VM's ports */
    struct mmio_bus *mmio_bus;  /* its VM's device memory */
    unsigned id;
    struct pcpu *pcpu;          /* the physical CPU it runs on */

    /* Root-mode bookkeeping owned by vmx/ */
    uint64_t vmcs_phys;
    bool launched;
    uint16_t vpid;
    uint32_t proc_controls;     /* current primary controls (interrupt window toggles) */
    uint64_t armed_deadline;    /* host timer deadline armed for this vCPU */
    volatile bool intr_maybe_pending;   /* the platform raised something: look before entry */
    bool event_queued;          /* VM-entry interruption info holds an event */
    bool nmi_pending;           /* an NMI waits for the guest to be able to take it */

    /* Guest-visible state Keel emulates or shadows */
    uint64_t xcr0;              /* the guest's XCR0; loaded before each entry */
    uint64_t cr8;               /* task priority as seen through MOV CR8 */
    bool saw_init;              /* an AP has had its INIT; the next SIPI starts it */
    bool reset_by_init;         /* an AP got INIT while running: back to wait-for-SIPI */

    struct exit_stats stats;

    enum vcpu_end end;
    uint32_t end_status;        /* debug-exit status */
    char end_reason[VCPU_END_REASON_MAX];
};

/* Make the vCPU look at its platform's interrupts before its next entry,
 * interrupting its physical CPU if that is another one. */
void vcpu_kick(struct vcpu *v);

/* Stop the vCPU after this exit; `fmt` adds detail for END_ERROR. */
void vcpu_end(struct vcpu *v, enum vcpu_end how, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Architectural state accessors implemented by the vendor layer (vmx/). */
enum vcpu_state_reg {
    VREG_RIP, VREG_RSP, VREG_RFLAGS,
    VREG_CR0, VREG_CR3, VREG_CR4,      /* CR0/CR4 as the guest sees them */
    VREG_EFER, VREG_PAT,
    VREG_SYSENTER_CS, VREG_SYSENTER_ESP, VREG_SYSENTER_EIP,
    VREG_FS_BASE, VREG_GS_BASE,
    VREG_TSC_OFFSET,
    VREG_CS_BASE,
};
uint64_t vcpu_get(struct vcpu *v, enum vcpu_state_reg r);
void vcpu_set(struct vcpu *v, enum vcpu_state_reg r, uint64_t val);
/* Current privilege level, and the code size: 16, 32 or 64. */
unsigned vcpu_cpl(struct vcpu *v);
unsigned vcpu_code_bits(struct vcpu *v);
/* Move RIP past an emulated instruction (and end STI/MOV-SS blocking). */
void vcpu_advance_rip(struct vcpu *v, uint64_t len);
/* Queue a hardware exception for delivery at the next entry; the faulting
 * instruction is not skipped. */
void vcpu_inject_exception(struct vcpu *v, unsigned vector, bool has_error, uint32_t error);
/* #PF with CR2 = linear and the given error code. */
void vcpu_inject_page_fault(struct vcpu *v, uint64_t linear, uint32_t error);
static inline void vcpu_inject_gp(struct vcpu *v) { vcpu_inject_exception(v, 13, true, 0); }
static inline void vcpu_inject_ud(struct vcpu *v) { vcpu_inject_exception(v, 6, false, 0); }

#endif
