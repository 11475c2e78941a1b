/* SPDX-License-Identifier: BSD-2-Clause */
/* The emulated PC platform of a VM: the devices every guest gets (PICs, PIT,
 * RTC, IOAPIC, LAPIC, ACPI PM block and tables, PCI host bridge, fw_cfg,
 * 8042 reset), how their interrupts are wired, and the clock they run on. */
#ifndef KEEL_VM_PLATFORM_H
#define KEEL_VM_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>
#include "dev/acpi_pm.h"
#include "dev/fw_cfg.h"
#include "dev/ioapic.h"
#include "dev/kbc.h"
#include "dev/lapic.h"
#include "dev/pci_host.h"
#include "dev/pic.h"
#include "dev/pit.h"
#include "dev/rtc.h"
#include "ept/guest_mem.h"
#include "vcpu/vcpu.h"


/* Fixed guest-physical layout (the ACPI tables and MADT say the same). */
#define PLATFORM_ACPI_GPA     0xf0000ull    /* in the reserved BIOS area; the RSDP is found by a scan */
#define PLATFORM_ACPI_SIZE    0x10000ull
#define PLATFORM_IOAPIC_GPA   0xfec00000ull
#define PLATFORM_LAPIC_GPA    0xfee00000ull
#define PLATFORM_MMIO_SIZE    0x1000ull
#define PLATFORM_RAM_LIMIT    0xe0000000ull /* RAM must end below the PCI window */
#define PLATFORM_BUS_HZ       25000000ull   /* crystal clock: LAPIC timer input, CPUID 0x15 */
#define PLATFORM_CPUS_MAX     8

struct platform {
    struct pic pic;
    struct pit pit;
    struct rtc rtc;
    struct ioapic ioapic;
    unsigned nr_cpus;
    struct lapic lapic[PLATFORM_CPUS_MAX];  /* one per vCPU, APIC ID = vCPU number */
    struct acpi_pm pm;
    struct pci_host pci;
    struct fw_cfg fw_cfg;
    struct kbc kbc;
    struct irq_line isa_irq[16];
    uint16_t isa_levels;        /* current level of each ISA line */
    uint64_t tsc_start;         /* host TSC at platform time zero */
    bool uart_wants_polling;
};

struct vm;

/* Set up every device, register its ports on the VM's I/O bus and its pages
 * on the VM's MMIO bus (the IOAPIC for all vCPUs, each LAPIC for its own,
 * following IA32_APIC_BASE writes) and write the ACPI tables into guest
 * RAM. 0 or -1. */
int platform_init(struct vm *vm);
/* The ISA IRQ line a device on the platform drives. */
const struct irq_line *platform_isa_irq(struct vm *vm, unsigned irq);
/* An application processor's vCPU: the SIPI vector once INIT and SIPI have
 * arrived at its LAPIC, else -1. */
int platform_take_startup(struct vcpu *v);

/* An INIT is waiting at the vCPU's LAPIC (not taken: platform_take_startup
 * takes it when the vCPU waits for its SIPI again). */
bool platform_init_pending(struct vcpu *v);

/* Highest-priority pending external interrupt for the vCPU, or -1; the
 * returned token is handed back to platform_ack_interrupt. */
int platform_pending_interrupt(struct vcpu *v);
/* An NMI arrived at the vCPU's LAPIC (IPI or LINT1); taking it clears it. */
bool platform_take_nmi(struct vcpu *v);
/* Take it (the INTA cycle); returns the vector to inject. */
int platform_ack_interrupt(struct vcpu *v, int pending);
/* Advance the platform's timers to host TSC `now`; returns the host TSC of
 * the next timer event, or NO_DEADLINE. */
uint64_t platform_update(struct vcpu *v, uint64_t now);

/* Drive a GSI (ISA IRQ below 16, IOAPIC pin otherwise; true = asserted). */
void platform_set_gsi(struct vm *vm, unsigned gsi, bool level);
/* The ACPI power button, pressed (under the VM's lock). */
void platform_power_button(struct vm *vm);
/* A fixed, edge-triggered vector straight into one vCPU's LAPIC (an MSI-like
 * message from a Keel device, e.g. a Xen event-channel upcall). */
void platform_deliver_vector(struct vm *vm, unsigned vcpu, uint8_t vector);

/* MSRs the platform owns: IA32_APIC_BASE, x2APIC, TSC deadline. Return 1 if
 * handled, 0 if not a platform MSR, -1 for #GP. */
int platform_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
int platform_msr_write(struct vcpu *v, uint32_t msr, uint64_t val);

#endif
