/* SPDX-License-Identifier: BSD-2-Clause */
/* A virtual machine: its configuration, guest RAM, EPT, vCPU and devices, and
 * the life cycle from config module to its end line. Boot CPU. */
#ifndef KEEL_VM_VM_H
#define KEEL_VM_VM_H

#include <stdbool.h>
#include "arch/x86/spinlock.h"
#include "host/bootinfo.h"
#include "dev/bochs_shutdown.h"
#include "dev/io_bus.h"
#include "dev/mmio_bus.h"
#include "dev/uart.h"
#include "ept/ept.h"
#include "ept/guest_mem.h"
#include "vcpu/vcpu.h"
#include "vm/config.h"
#include "vm/platform.h"

#define VM_VCPUS_MAX 8

struct xen_domain;

struct vm {
    struct vm_config cfg;
    char cfg_path[CONFIG_PATH_MAX];
    struct guest_mem mem;
    struct ept ept;
    struct machine machine;         /* what its vCPUs share: lock, ending, ops, extensions */
    struct vcpu vcpus[VM_VCPUS_MAX];
    uint64_t tsc_offset;            /* guest TSC = host TSC + this, the same on every vCPU */
    uint64_t started_at;            /* host TSC when vCPU 0 was first entered */
    struct vcpu *ended_by;
    struct uart uart;
    struct platform platform;
    struct xen_domain *xen;         /* Xen-compatible mode (pvio/), or NULL */
    struct bochs_shutdown shutdown; /* port 0x8900 */
    struct io_bus io_bus;           /* who decodes which port */
    struct mmio_bus mmio_bus;       /* who decodes which guest-physical page outside RAM */
    bool prefix_output;             /* several VMs share the console */
    bool at_line_start;
    char mb_cmdline[CONFIG_PATH_MAX + 1 + CONFIG_CMDLINE_MAX];  /* a Multiboot kernel's, as loaded */
    char build_error[192];          /* why it could not be built: "file: key: what" */
};

/* Run an application processor's vCPU: wait for the guest's INIT/SIPI, then
 * run it until the VM ends (on the vCPU's own physical CPU). */
void vm_run_ap_vcpu(struct vcpu *v);
/* Called when a vCPU stops: the whole VM ends. */
void vm_vcpu_ended(struct vcpu *v);

/* Guest console output: passes through, or prefixed "[name] " per line when
 * several VMs share the console. */
void vm_console_putc(struct vm *vm, char c);

/* Build and run the VM a config module describes until it ends for good
 * (following on_poweroff/on_reboot/on_crash). Never fails for the caller:
 * every problem ends that VM with one line saying why. */
void vm_run_from_config(const struct boot_info *bi, const struct boot_module *cfg,
                        bool shared_console);

#endif
