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
#include "vcpu/schedule.h"
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

/* CPU 0 between slices: VMs that ended get their end lines; when none is
 * left, the machine goes off. */
static void control(void)
{
    if (vm_control())
        return;
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
    static const struct vsched_hooks sched_hooks = { .control = control };
    vsched_init(nr_pcpus, &sched_hooks);

    unsigned nr_vms = 0;
    for (unsigned i = 0; i < boot_info.nr_modules; i++)
        nr_vms += is_vm_config(&boot_info.module[i]);
    if (!nr_vms)
        printk("keel: no VM configured (give GRUB 'module2 /boot/NAME.cfg type=vm')\n");
    for (unsigned i = 0; i < boot_info.nr_modules; i++)
        if (is_vm_config(&boot_info.module[i]))
            vm_start(&boot_info, &boot_info.module[i], nr_vms > 1);
    control();                  /* none may have started */
    vsched_cpu_loop();
}

HOST_MAIN(keel_main);
