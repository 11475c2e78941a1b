/* SPDX-License-Identifier: BSD-2-Clause */
/* Keel's C entry (boot CPU, interrupts off): console, CPU tables, memory,
 * VT-x, the other CPUs; then every configured VM starts and they run side
 * by side under the scheduler; power-off once the last has ended. */
#include <string.h>
#include "host/bootinfo.h"
#include "host/entry.h"
#include "host/console.h"
#include "host/acpi.h"
#include "host/apic.h"
#include "drivers/ata.h"
#include "drivers/rtc.h"
#include "drivers/legacy_pic.h"
#include "host/palloc.h"
#include "arch/x86/percpu.h"
#include "host/smp.h"
#include "host/power.h"
#include "host/tsc.h"
#include "lib/print.h"
#include "vcpu/cpuid.h"
#include "ctl/monitor.h"
#include "ctl/network.h"
#include "vcpu/schedule.h"
#include "vm/console_switch.h"
#include "vm/vm.h"
#include "host/cpu_tables.h"
#include "host/paging.h"
#include "vmx/vmx_cpu.h"
#include "arch/x86/x86.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289u

static struct boot_info boot_info;

static bool is_vm_config(const struct boot_module *m)
{
    size_t n;
    const char *v = cmdline_option(m->string, "type", &n);
    return v && n == 2 && memcmp(v, "vm", 2) == 0;
}

/* `module2 /boot/x.cfg type=vm start=no`: the monitor's `create` starts it. */
static bool starts_at_boot(const struct boot_module *m)
{
    size_t n;
    const char *v = cmdline_option(m->string, "start", &n);
    return !(v && n == 2 && memcmp(v, "no", 2) == 0);
}

/* Keel's `stay=1`: the machine stays up, with the monitor, after the last VM. */
static bool stay_up;
/* Keel's `sequential=1`: the boot VMs start one after another, each once
 * the one before has ended (batch runs; guests that time themselves
 * against wall-clock timers). The next one to start: */
static bool sequential;
static unsigned next_boot_vm;
static unsigned nr_boot_vms;

static bool boot_vm(const struct boot_module *m)
{
    return is_vm_config(m) && starts_at_boot(m);
}

/* Start the boot VMs from next_boot_vm on: all of them, or (sequential) up
 * to the first that starts. */
static void start_boot_vms(void)
{
    while (next_boot_vm < boot_info.nr_modules) {
        const struct boot_module *m = &boot_info.module[next_boot_vm++];
        if (!boot_vm(m))
            continue;
        vm_start(&boot_info, m, nr_boot_vms > 1);
        if (sequential && vm_first())
            return;
    }
}

/* CPU 0 between slices: VMs that ended get their end lines; when none is
 * left, the machine goes off. */
static void control(void)
{
    console_switch_poll();
    if (vm_control())
        return;
    start_boot_vms();               /* sequential=1: the next one, if any */
    if (vm_first() || stay_up)
        return;
    vsched_print_stats();
    network_print_stats();
    printk("keel: no VM left; powering off (tsc %lu)\n", rdtsc());
    machine_power_off(&boot_info);
}

static void setup_console(const char *cmdline)
{
    size_t n;
    const char *c = cmdline_option(cmdline, "console", &n);
    /* COM1 unless told otherwise: a silent hypervisor helps nobody. */
    console_init(!(c && n == 4 && memcmp(c, "none", 4) == 0));
}

static void keel_main(uint32_t magic, uint64_t info)
{
    const char *why = NULL;
    if (magic != MB2_BOOTLOADER_MAGIC) {
        console_init(true);
        printk("keel: not started by a Multiboot2 boot loader (magic 0x%x)\n", magic);
        machine_power_off(NULL);
    }
    int parsed = bootinfo_parse(info, &boot_info, &why);
    setup_console(boot_info.cmdline);
    printk("\nkeel: Keel hypervisor %u.%u, command line \"%s\", tsc %lu\n", KEEL_VERSION_MAJOR,
           KEEL_VERSION_MINOR, boot_info.cmdline, rdtsc());
    if (parsed) {
        printk("keel: %s\n", why);
        machine_power_off(NULL);
    }

    percpu_init(0, cpuid(1, 0).ebx >> 24);
    cpu_tables_init(0);
    legacy_pic_mask_all();      /* firmware leaves the PIT's IRQ 0 running */
    palloc_init(&boot_info);
    if (host_paging_init(&boot_info)) {
        printk("keel: out of memory building host page tables\n");
        machine_power_off(&boot_info);
    }
    printk("keel: %lu MiB free for guests\n", (palloc_free_pages() * PAGE_SIZE) >> 20);
    tsc_calibrate();
    host_rtc_read();
    host_apic_init();
    host_ata_probe();           /* the machine's own disks, for VMs' PV disks */

    char reason[128];
    if (vmx_cpu_init(reason, sizeof(reason))) {
        printk("keel: VT-x not available: %s\n", reason);
        machine_power_off(&boot_info);
    }
    this_pcpu()->apic_id = host_apic_id();
    static const struct smp_ap_hooks ap_hooks = { .enable = vmx_cpu_enable, .run = vsched_cpu_loop };
    smp_start_aps(host_acpi_cpu_count(boot_info.rsdp), &ap_hooks);
    static const struct vsched_hooks sched_hooks = { .control = control, .poll = network_poll };
    vsched_init(nr_pcpus, &sched_hooks);
    static const struct console_switch_hooks switch_hooks = { monitor_input, monitor_prompt };
    console_switch_init(&switch_hooks);
    monitor_init(&boot_info);
    network_init(boot_info.cmdline);
    size_t n;
    const char *opt = cmdline_option(boot_info.cmdline, "stay", &n);
    stay_up = opt && n == 1 && opt[0] == '1';
    opt = cmdline_option(boot_info.cmdline, "sequential", &n);
    sequential = opt && n == 1 && opt[0] == '1';

    for (unsigned i = 0; i < boot_info.nr_modules; i++)
        nr_boot_vms += boot_vm(&boot_info.module[i]);
    if (!nr_boot_vms)
        printk("keel: no VM configured (give GRUB 'module2 /boot/NAME.cfg type=vm')\n");
    start_boot_vms();
    if (!nr_boot_vms && stay_up)
        console_switch_focus(NULL);
    control();                  /* none may have started */
    vsched_cpu_loop();
}

HOST_MAIN(keel_main);
