/* SPDX-License-Identifier: BSD-2-Clause */
/* A virtual machine: its configuration, guest RAM, EPT, vCPU and devices, and
 * the life cycle from config module to its end line. */
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
#include "vm/console_switch.h"
#include "vm/platform.h"

#define VM_VCPUS_MAX 8
#define VM_LINE_MAX  160            /* a guest's console line, buffered when VMs share the console */

struct xen_domain;

struct vm {
    struct vm_config cfg;
    char cfg_path[CONFIG_PATH_MAX];
    struct guest_mem mem;
    struct ept ept;
    struct machine machine;         /* what its vCPUs share: lock, ending, ops, extensions */
    struct vcpu vcpus[VM_VCPUS_MAX];
    uint64_t started_at;            /* host TSC when vCPU 0 was first entered */
    struct vcpu *ended_by;
    struct uart uart;
    struct platform platform;
    struct xen_domain *xen;         /* Xen-compatible mode (pvio/), or NULL */
    struct bochs_shutdown shutdown; /* port 0x8900 */
    struct io_bus io_bus;           /* who decodes which port */
    struct mmio_bus mmio_bus;       /* who decodes which guest-physical page outside RAM */
    bool prefix_output;             /* several VMs share the console: whole lines, prefixed */
    bool at_line_start;
    char line[VM_LINE_MAX];         /* the guest's line being written (prefix_output) */
    unsigned line_len;
    uint64_t line_last;             /* host TSC of its last byte */
    const struct boot_info *boot;   /* its modules, for a restart */
    unsigned vcpus_gone;            /* vCPUs out of the scheduler since it ended */
    bool finished;                  /* all are: CPU 0 reports its end (vm_control) */
    struct vm *next;                /* the list of live VMs, in the order they started */
    struct vm_input input;          /* typed for it (console_switch.c) */
    unsigned id;                    /* 1, 2, ...: also its Xen domain id */
    bool destroyed;                 /* ended by the monitor: no on_* action */
    bool reboot_requested;          /* the monitor's reboot of a native guest: its power-off restarts it */
    uint64_t build_cycles;          /* what building it and handing it to the scheduler cost (TSC) */
    char mb_cmdline[CONFIG_PATH_MAX + 1 + CONFIG_CMDLINE_MAX];  /* a Multiboot kernel's, as loaded */
    char build_error[192];          /* why it could not be built: "file: key: what" */
};

/* Called when a vCPU stops: the whole VM ends. */
void vm_vcpu_ended(struct vcpu *v);

/* Guest console output: passes through, or prefixed "[name] " per line when
 * several VMs share the console. */
void vm_console_putc(struct vm *vm, char c);

/* A partial console line (a prompt) is shown a second after the guest's
 * last byte; answers when that will be, or NO_DEADLINE (the board's timers
 * call this). */
uint64_t vm_console_idle(struct vm *vm, uint64_t now);

/* Build the VM a config module describes and hand its vCPUs to the
 * scheduler; it runs beside the others. Never fails for the caller: a VM
 * that cannot start ends with one line saying why. CPU 0, before the
 * scheduler runs or from vm_control. */
void vm_start(const struct boot_info *bi, const struct boot_module *cfg, bool shared_console);
/* The first live VM (in start order), or NULL; CPU 0. */
struct vm *vm_first(void);

/* What Keel's monitor does (CPU 0). */
struct vm *vm_find(const char *name);
/* id, name, state, memory, vCPUs, CPU time: one line per live VM. */
void vm_print_list(void);
/* Ends it now, whatever its on_* keys say (xl destroy). */
void vm_destroy(struct vm *vm);
/* Its vCPUs stop being scheduled, or go on (xl pause / unpause). */
void vm_pause(struct vm *vm, bool pause);
/* Ask its OS to power off or restart: control/shutdown in Xen-compatible
 * mode (xl shutdown / reboot), else the ACPI power button. 0, or -1. */
int vm_shutdown(struct vm *vm, bool reboot);
/* Its config, disks, vCPUs and exit tables. */
void vm_print_info(struct vm *vm);
/* Start the VM whose config is the boot module `path`, named `name` if not
 * NULL: 0, or -1 when no module has that path (the VM's own problems get
 * its end line). Says what it cost, and the memory left. */
int vm_create(const struct boot_info *bi, const char *path, const char *name);

/* CPU 0's control work (vsched_hooks.control): each VM whose vCPUs have all
 * stopped gets its end line and figures and is freed, preserved or started
 * again (on_poweroff/on_reboot/on_crash). Answers how many VMs live on. */
unsigned vm_control(void);

#endif
