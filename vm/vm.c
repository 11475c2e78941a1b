/* SPDX-License-Identifier: BSD-2-Clause */
/* VM life cycle (boot CPU): config module -> guest RAM, EPT, loaded kernel,
 * vCPU -> run -> one end line, exit table, resources freed -> on_* action. */
#include <string.h>
#include "host/console.h"
#include "host/palloc.h"
#include "host/tsc.h"
#include "ept/guest_ram.h"
#include "lib/print.h"
#include "dev/bochs_shutdown.h"
#include "dev/debug_exit.h"
#include "net/vswitch.h"
#include "pvio/blk/vbd.h"
#include "pvio/net/vif.h"
#include "pvio/xen/xen.h"
#include "vcpu/schedule.h"
#include "boot/linux_loader.h"
#include "boot/multiboot_loader.h"
#include "vm/vm.h"
#include "vmx/vmx_cpu.h"
#include "arch/x86/msr_index.h"
#include "arch/x86/x86.h"

#define MULTIBOOT_BOOT_MAGIC 0x2badb002u

/* VPIDs are the host's: each new vCPU takes the next, so no TLB entry
 * tagged for one VM is used by another (vmx_vcpu_create flushes anyway). */
static uint16_t next_vpid = 1;

/* A whole line at once, prefixed: lines of VMs on other CPUs never mix. */
static void flush_line(struct vm *vm)
{
    if (!vm->line_len)
        return;
    char out[VM_LINE_MAX + sizeof(vm->cfg.name) + 4];
    size_t n = (size_t)snprintf(out, sizeof(out), "[%s] ", vm->cfg.name);
    memcpy(out + n, vm->line, vm->line_len);
    n += vm->line_len;
    if (out[n - 1] != '\n')
        out[n++] = '\n';           /* a partial line: the rest follows on a line of its own */
    console_write(out, n);
    vm->line_len = 0;
    vm->at_line_start = true;
}

void vm_console_putc(struct vm *vm, char c)
{
    if (!vm->prefix_output) {
        char crlf[2] = { '\r', c };
        if (c == '\n')
            console_write(crlf, 2);
        else
            console_putc(c);
        vm->at_line_start = (c == '\n');
        return;
    }
    if (c == '\r')
        return;                     /* console_write ends each line with CR LF */
    vm->line_last = rdtsc();
    vm->line[vm->line_len++] = c;
    if (c == '\n' || vm->line_len == VM_LINE_MAX)
        flush_line(vm);
    else
        vm->at_line_start = false;
}

/* A partial line (a prompt) is shown once its guest has written nothing
 * for this long. A guest's UART driver sends a FIFO's worth at a time and
 * waits (often in HLT) for room, and a guest that shares its CPU may be away
 * for a slice or several in the middle of a line: neither may split it. */
#define PARTIAL_LINE_NS 1000000000ull

uint64_t vm_console_idle(struct vm *vm, uint64_t now)
{
    if (!vm->line_len)
        return NO_DEADLINE;
    uint64_t due = vm->line_last + ns_to_tsc(PARTIAL_LINE_NS);
    if (now < due)
        return due;
    flush_line(vm);
    return NO_DEADLINE;
}

/* The guest UART's ends: Keel's console, prefixed per line when shared. */
static void uart_console_putc(void *ctx, char c) { vm_console_putc(ctx, c); }
static int uart_console_getc(void *ctx)
{
    console_pull();             /* CPU 0 routes it within 20 ms; meanwhile nothing is lost */
    return console_switch_getc(ctx);
}

/* The Xen mode's way to the board and the console (pvio/xen/xen.h). */
static void board_set_gsi(void *ctx, unsigned gsi, bool level) { platform_set_gsi(ctx, gsi, level); }
static void board_deliver_vector(void *ctx, unsigned vcpu, uint8_t vector)
{
    platform_deliver_vector(ctx, vcpu, vector);
}

/* A backend's line, on a line of its own even in the middle of the guest's. */
static void xen_console_line(void *ctx, const char *line)
{
    struct vm *vm = ctx;
    flush_line(vm);
    if (!vm->at_line_start) {
        console_write("\n", 1);
        vm->at_line_start = true;
    }
    printk("keel: vm %s: %s\n", vm->cfg.name, line);
}

static void destroy_xen(struct vm *vm)
{
    if (vm->xen)
        xen_domain_destroy(vm->xen);    /* flushes its disks */
    vm->xen = NULL;
}

/* A VM's state is allocated when its config is read and freed when it
 * ends for good, so nothing of one VM outlives it or is shared with the next. */
#define VM_STATE_PAGES ((sizeof(struct vm) + PAGE_SIZE - 1) / PAGE_SIZE)

static struct vm *vm_alloc(void)
{
    uint64_t phys = palloc_alloc(VM_STATE_PAGES, PAGE_SIZE);
    if (!phys)
        return NULL;
    struct vm *vm = (struct vm *)(uintptr_t)phys;
    memset(vm, 0, sizeof(*vm));
    return vm;
}

static void vm_free(struct vm *vm)
{
    palloc_free((uint64_t)(uintptr_t)vm, VM_STATE_PAGES);
}

static uint64_t alloc_table_page(void) { return palloc_page(); }
static void free_table_page(uint64_t page) { palloc_free(page, 1); }

/* A VM that cannot be built: vm->build_error says "file: key: what". */
static int fail(struct vm *vm, const char *key, const char *fmt, const char *detail)
{
    char what[128];
    snprintf(what, sizeof(what), fmt, detail);
    snprintf(vm->build_error, sizeof(vm->build_error), "%s: %s: %s", vm->cfg_path, key, what);
    return -1;
}

/* The same, for a key whose line the parser kept: "file:line: key: ...". */
static int fail_line(struct vm *vm, unsigned line, const char *key, const char *fmt, const char *detail)
{
    char what[128];
    snprintf(what, sizeof(what), fmt, detail);
    snprintf(vm->build_error, sizeof(vm->build_error), "%s:%u: %s: %s", vm->cfg_path, line, key, what);
    return -1;
}

static const struct boot_module *find_file(struct vm *vm, const struct boot_info *bi, const char *key,
                                           const char *path)
{
    const struct boot_module *m = boot_module_find(bi, path);
    if (!m)
        fail(vm, key, "%s was not given to the boot loader (no module2 line names it)", path);
    return m;
}

/* A module string from the config: "path args"; the path is the first word. */
static const struct boot_module *find_module_entry(struct vm *vm, const struct boot_info *bi,
                                                   const char *entry)
{
    char path[CONFIG_PATH_MAX];
    size_t n = 0;
    while (entry[n] && entry[n] != ' ' && n + 1 < sizeof(path)) {
        path[n] = entry[n];
        n++;
    }
    path[n] = '\0';
    return find_file(vm, bi, "modules", path);
}

static int load_multiboot(struct vm *vm, const struct boot_info *bi, struct vcpu_start *start)
{
    const struct vm_config *c = &vm->cfg;
    const struct boot_module *kernel = find_file(vm, bi, "kernel", c->kernel);
    if (!kernel)
        return -1;
    struct multiboot_load_request req = {
        .kernel = (const void *)(uintptr_t)kernel->start,
        .kernel_len = kernel->end - kernel->start,
        .cmdline = vm->mb_cmdline,
    };
    /* As QEMU's -kernel: the kernel's path, then its arguments. */
    snprintf(vm->mb_cmdline, sizeof(vm->mb_cmdline), c->cmdline[0] ? "%s %s" : "%s", c->kernel, c->cmdline);

    /* A ramdisk is the first module of a Multiboot guest (QEMU's -initrd). */
    if (c->ramdisk[0]) {
        const struct boot_module *m = find_file(vm, bi, "ramdisk", c->ramdisk);
        if (!m)
            return -1;
        req.module[req.nr_modules++] = (struct multiboot_module_image){
            (const void *)(uintptr_t)m->start, m->end - m->start, c->ramdisk };
    }
    for (unsigned i = 0; i < c->nr_modules; i++) {
        const struct boot_module *m = find_module_entry(vm, bi, c->modules[i]);
        if (!m)
            return -1;
        if (req.nr_modules == MULTIBOOT_LOADER_MODULES_MAX)
            return fail(vm, "modules", "more than %s modules", "8");
        req.module[req.nr_modules++] = (struct multiboot_module_image){
            (const void *)(uintptr_t)m->start, m->end - m->start, c->modules[i] };
    }
    struct multiboot_load_result res;
    const char *why;
    if (multiboot_load(&vm->mem, &req, &res, &why)) {
        char what[128];
        snprintf(what, sizeof(what), "%s: %s", c->kernel, why);
        return fail(vm, "kernel", "%s", what);
    }
    vm->vcpus[0].regs.gpr[GPR_RAX] = MULTIBOOT_BOOT_MAGIC;
    vm->vcpus[0].regs.gpr[GPR_RBX] = res.info_gpa;
    *start = (struct vcpu_start){ .mode = START_PROTECTED_FLAT, .rip = res.entry };
    return 0;
}

/* The e820 map a Linux guest gets: the PC layout the platform emulates. */
static unsigned linux_e820(const struct vm *vm, struct linux_e820_entry *e)
{
    e[0] = (struct linux_e820_entry){ 0, 0x9fc00, 1 };
    e[1] = (struct linux_e820_entry){ 0x9fc00, 0x400, 2 };                 /* EBDA */
    e[2] = (struct linux_e820_entry){ PLATFORM_ACPI_GPA, PLATFORM_ACPI_SIZE, 2 };   /* ACPI tables, BIOS area */
    e[3] = (struct linux_e820_entry){ 0x100000, vm->mem.size - 0x100000, 1 };
    return 4;
}

static int load_linux(struct vm *vm, const struct boot_info *bi, struct vcpu_start *start)
{
    const struct vm_config *c = &vm->cfg;
    if (c->nr_modules)
        return fail(vm, "modules", "%s", "Linux guests take a ramdisk, not Multiboot modules");
    const struct boot_module *kernel = find_file(vm, bi, "kernel", c->kernel);
    if (!kernel)
        return -1;
    const struct boot_module *initrd = NULL;
    if (c->ramdisk[0] && !(initrd = find_file(vm, bi, "ramdisk", c->ramdisk)))
        return -1;
    struct linux_e820_entry e820[4];
    struct linux_load_request req = {
        .kernel = (const void *)(uintptr_t)kernel->start, .kernel_len = kernel->end - kernel->start,
        .initrd = initrd ? (const void *)(uintptr_t)initrd->start : NULL,
        .initrd_len = initrd ? initrd->end - initrd->start : 0,
        .cmdline = c->cmdline, .nr_e820 = linux_e820(vm, e820), .e820 = e820,
        .acpi_rsdp_gpa = PLATFORM_ACPI_GPA,
    };
    static struct linux_load_result res;    /* carries a reason buffer: off the stack */
    const char *why;
    if (linux_load(&vm->mem, &req, &res, &why)) {
        char what[128];
        snprintf(what, sizeof(what), "%s: %s", c->kernel, why);
        return fail(vm, "kernel", "%s", what);
    }
    vm->vcpus[0].regs.gpr[GPR_RSI] = res.boot_params_gpa;
    *start = (struct vcpu_start){
        .mode = START_LONG_MODE, .rip = res.entry_rip, .cr3 = res.cr3,
        .gdt_base = res.gdt_gpa, .gdt_limit = res.gdt_limit, .cs = res.cs, .ds = res.ds,
    };
    return 0;
}

static int allocate_memory(struct vm *vm)
{
    uint64_t bytes = vm->cfg.memory_mib << 20;
    uint64_t free_mib = (palloc_free_pages() * PAGE_SIZE) >> 20;
    if (bytes > palloc_free_pages() * PAGE_SIZE || guest_ram_alloc(&vm->mem, bytes)) {
        char what[96];
        snprintf(what, sizeof(what), "%lu MiB requested but only %lu MiB are free",
                 vm->cfg.memory_mib, free_mib);
        return fail(vm, "memory", "%s", what);
    }
    vm->ept = (struct ept){ .alloc_page = alloc_table_page, .free_page = free_table_page };
    if (ept_init(&vm->ept) || guest_ram_map(&vm->mem, &vm->ept, vmx_host.ctl.ept_2m_pages))
        return fail(vm, "memory", "%s", "no memory left for EPT tables");
    vm->machine.eptp = ept_pointer(&vm->ept);
    return 0;
}

/* Everything but the VM's state itself; every vCPU has left the scheduler. */
static void destroy(struct vm *vm)
{
    vm->machine.ending = true;
    for (unsigned i = 0; i < vm->machine.nr_vcpus; i++)
        vcpu_destroy(&vm->vcpus[i]);
    destroy_xen(vm);
    ept_destroy(&vm->ept);
    guest_ram_free(&vm->mem);
}

static void vm_vcpu_gone(struct vcpu *v);

/* The board, as the run loop of each vCPU reaches it. */
static const struct vcpu_ops vm_vcpu_ops = {
    .update_timers = platform_update,
    .pending_intr = platform_pending_interrupt,
    .ack_intr = platform_ack_interrupt,
    .take_nmi = platform_take_nmi,
    .init_pending = platform_init_pending,
    .take_startup = platform_take_startup,
    .ended = vm_vcpu_ended,
    .gone = vm_vcpu_gone,
};

/* The MSRs the board owns, as machine extensions: platform_msr_* answer 1
 * for handled, -1 for #GP (0, not theirs, cannot happen in these ranges). */
static int board_msr_read(void *ctx, struct vcpu *v, uint32_t msr, uint64_t *val)
{
    (void)ctx;
    return platform_msr_read(v, msr, val) == 1 ? 0 : -1;
}

static int board_msr_write(void *ctx, struct vcpu *v, uint32_t msr, uint64_t val)
{
    (void)ctx;
    return platform_msr_write(v, msr, val) == 1 ? 0 : -1;
}

static int attach_platform_msrs(struct machine *m)
{
    static const struct msr_ext board_msrs[] = {
        { MSR_IA32_APIC_BASE, MSR_IA32_APIC_BASE, board_msr_read, board_msr_write, NULL },
        { LAPIC_MSR_TSC_DEADLINE, LAPIC_MSR_TSC_DEADLINE, board_msr_read, board_msr_write, NULL },
        { LAPIC_MSR_X2APIC_FIRST, LAPIC_MSR_X2APIC_LAST, board_msr_read, board_msr_write, NULL },
    };
    for (size_t i = 0; i < sizeof(board_msrs) / sizeof(board_msrs[0]); i++)
        if (machine_add_msr(m, &board_msrs[i]))
            return -1;
    return 0;
}

/* "/dev/hdb" and "/dev/hdb1" name overlapping sectors, as do two equal
 * targets. */
static bool same_disk(const char *a, const char *b)
{
    if (strncmp(a, "/dev/hd", 7) || strncmp(b, "/dev/hd", 7))
        return strcmp(a, b) == 0;
    if (a[7] != b[7])
        return false;
    return a[8] == '\0' || b[8] == '\0' || strcmp(a, b) == 0;
}

/* Two vbds over the same sectors would corrupt each other; a writable RAM
 * disk over the guest's own kernel or initrd would change what a restart
 * boots. */
static const char *disk_conflict(const struct vm_config *c, unsigned i)
{
    const char *t = c->disks[i].target;
    for (unsigned j = 0; j < i; j++)
        if (same_disk(t, c->disks[j].target))
            return "two disks use the same sectors";
    if (strcmp(t, c->kernel) == 0 || strcmp(t, c->ramdisk) == 0)
        return "a disk cannot be the VM's own kernel or ramdisk";
    return NULL;
}

static struct vm *vm_list;

/* A disk another live VM has writable, or has at all when this one wants to
 * write it, unless both say w! (xl refuses such sharing unless forced). */
static const char *disk_in_use(const struct vm *vm, const struct vm_disk *disk)
{
    static char why[96];
    for (const struct vm *o = vm_list; o; o = o->next) {
        if (o == vm)
            continue;
        for (unsigned j = 0; j < o->cfg.nr_disks; j++) {
            const struct vm_disk *d = &o->cfg.disks[j];
            if (!same_disk(disk->target, d->target) || (disk->read_only && d->read_only))
                continue;
            if (disk->shared && d->shared)
                continue;
            snprintf(why, sizeof(why), "already in use by vm %s (give both w! to share it)", o->cfg.name);
            return why;
        }
    }
    return NULL;
}

_Static_assert(sizeof(((struct vbd_config *)0)->target) >= sizeof(((struct vm_disk *)0)->target) &&
               sizeof(((struct vbd_config *)0)->vdev_name) >= sizeof(((struct vm_disk *)0)->vdev_name),
               "a disk's config must fit the backend's");

/* A MAC for a vif the config gives none: Xen's OUI 00:16:3e and three
 * bytes of a hash of the VM's name and the vif's index (xl draws them at
 * random; a hash keeps a VM's address across reboots), the top bit clear
 * as xl leaves it. */
static void derive_mac(const char *name, unsigned devid, uint8_t mac[NET_MAC_LEN])
{
    uint32_t h = 2166136261u;           /* FNV-1a */
    for (const char *p = name; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    h = (h ^ '/') * 16777619u;
    h = (h ^ (uint8_t)devid) * 16777619u;
    const uint8_t xen_oui[3] = { 0x00, 0x16, 0x3e };
    memcpy(mac, xen_oui, 3);
    mac[3] = (uint8_t)(h >> 16) & 0x7f;
    mac[4] = (uint8_t)(h >> 8);
    mac[5] = (uint8_t)h;
}

static int create_vif(struct vm *vm, unsigned devid)
{
    const struct vm_config *c = &vm->cfg;
    const struct vm_vif *v = &c->vifs[devid];
    char why[128];
    struct vswitch_bridge *br = vswitch_bridge_find(v->bridge);
    if (!br) {
        snprintf(why, sizeof(why), "bridge %s does not exist (Keel's command line names its bridges: "
                 "bridges=NAME,...; xenbr0 always exists)", v->bridge);
        return fail_line(vm, c->vif_line, "vif", "%s", why);
    }
    struct vif_config vc = { .devid = devid };
    if (v->mac_given)
        memcpy(vc.mac, v->mac, NET_MAC_LEN);
    else
        derive_mac(c->name, devid, vc.mac);
    if (v->vifname[0])
        memcpy(vc.name, v->vifname, sizeof(vc.name));
    else
        snprintf(vc.name, sizeof(vc.name), "vif%u.%u", vm->id, devid);
    if (vif_create(vm->xen, &vc, br, why, sizeof(why)))
        return fail_line(vm, c->vif_line, "vif", "%s", why);
    return 0;
}

/* The Xen-compatible mode: the domain over the VM's parts, then a virtual
 * block device per disk and a network interface per vif. */
static int create_xen(struct vm *vm, const struct boot_info *bi)
{
    const struct vm_config *c = &vm->cfg;
    const char *key;
    char why[128];
    const struct xen_domain_env env = {
        .machine = &vm->machine, .vcpus = vm->vcpus, .ept = &vm->ept, .io_bus = &vm->io_bus,
        .pci = &vm->platform.pci, .name = c->name, .domid = (uint16_t)vm->id,
        .board = { board_set_gsi, board_deliver_vector, xen_console_line, vm },
    };
    vm->xen = xen_domain_create(&env, &key, why, sizeof(why));
    if (!vm->xen)
        return fail(vm, key, "%s", why);
    for (unsigned i = 0; i < c->nr_disks; i++) {
        const struct vm_disk *disk = &c->disks[i];
        const char *conflict = disk_conflict(c, i);
        if (!conflict)
            conflict = disk_in_use(vm, disk);
        if (conflict) {
            snprintf(why, sizeof(why), "%s: %s", disk->target, conflict);
            return fail(vm, "disk", "%s", why);
        }
        struct vbd_config vbd = { .vdev = disk->vdev, .read_only = disk->read_only };
        memcpy(vbd.target, disk->target, sizeof(disk->target));
        memcpy(vbd.vdev_name, disk->vdev_name, sizeof(disk->vdev_name));
        if (vbd_create(vm->xen, &vbd, bi, why, sizeof(why)))
            return fail(vm, "disk", "%s", why);
    }
    for (unsigned i = 0; i < c->nr_vifs; i++)
        if (create_vif(vm, i))
            return -1;
    return 0;
}

static int build(struct vm *vm, const struct boot_info *bi)
{
    const struct vm_config *c = &vm->cfg;
    if (c->type == VM_TYPE_BIOS)
        return fail(vm, "type", "%s", "\"bios\" guests are not supported yet");
    if (c->nr_disks && !c->xen_platform_pci)
        return fail(vm, "disk", "%s", "PV disks need xen_platform_pci = 1");
    if (c->nr_vifs && !c->xen_platform_pci)
        return fail_line(vm, c->vif_line, "vif", "%s", "PV network interfaces need xen_platform_pci = 1");
    if ((c->memory_mib << 20) > PLATFORM_RAM_LIMIT)
        return fail(vm, "memory", "%s", "at most 3584 MiB: RAM ends below the PCI window at 0xe0000000");
    if (c->vcpus > VM_VCPUS_MAX) {
        char what[96];
        snprintf(what, sizeof(what), "%u vCPUs requested; a VM has at most %u", c->vcpus, VM_VCPUS_MAX);
        return fail(vm, "vcpus", "%s", what);
    }
    if (!(c->cpu_affinity & vsched_cpu_mask())) {
        char what[96];
        unsigned n = 0;
        for (uint64_t mask = vsched_cpu_mask(); mask; mask &= mask - 1)
            n++;
        snprintf(what, sizeof(what), "none of its CPUs exists (this machine has %u: 0-%u)", n, n - 1);
        return fail(vm, "cpus", "%s", what);
    }

    /* The scheduler places each vCPU on a CPU its affinity allows. */
    machine_init(&vm->machine, &vm->mem, &vm_vcpu_ops, c->vcpus);
    vm->machine.bus_hz = PLATFORM_BUS_HZ;
    vm->ended_by = NULL;            /* a restarted VM's end is its own */
    vm->machine.tsc_offset = (uint64_t)0 - rdtsc();     /* the guest's TSC starts at 0 */
    for (unsigned i = 0; i < vm->machine.nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        memset(v, 0, sizeof(*v));
        v->vm = vm;
        v->machine = &vm->machine;
        v->id = i;
        v->wait = i == 0 ? VCPU_WAIT_NONE : VCPU_WAIT_SIPI;    /* APs wait for INIT and SIPI */
        v->io_bus = &vm->io_bus;
        v->mmio_bus = &vm->mmio_bus;
        /* VPIDs are not reused until they wrap; vmx_vcpu_create flushes anyway. */
        v->vmx.vpid = next_vpid;
        next_vpid = next_vpid == 0xffff ? 1 : next_vpid + 1;
    }
    vm->shutdown = (struct bochs_shutdown){ 0 };
    vm->at_line_start = true;
    vm->line_len = 0;
    vm->vcpus_gone = 0;
    vm->finished = false;
    io_bus_init(&vm->io_bus);
    mmio_bus_init(&vm->mmio_bus);

    if (allocate_memory(vm))
        return -1;
    if (platform_init(vm))
        return fail(vm, "memory", "%s", "too small for the platform's ACPI tables");
    if (attach_platform_msrs(&vm->machine))
        return fail(vm, "platform", "%s", "the machine refused the board's MSRs (a Keel bug)");
    const struct uart_console console = { uart_console_putc, uart_console_getc, vm };
    uart_reset(&vm->uart, platform_isa_irq(vm, 4), &console);
    /* Ports outside the PC platform proper (platform_init registered those). */
    if (io_bus_register(&vm->io_bus, DEBUG_EXIT_PORT, DEBUG_EXIT_PORT + DEBUG_EXIT_SIZE - 1,
                        &debug_exit_io, NULL) ||
        io_bus_register(&vm->io_bus, UART_COM1_BASE, UART_COM1_BASE + 7, &uart_io, &vm->uart) ||
        io_bus_register(&vm->io_bus, BOCHS_SHUTDOWN_PORT, BOCHS_SHUTDOWN_PORT, &bochs_shutdown_io,
                        &vm->shutdown))
        return fail(vm, "platform", "%s", "the I/O bus refused a device's ports (a Keel bug)");
    if (c->xen_platform_pci && create_xen(vm, bi))
        return -1;
    /* vCPU 0's VMCS is made from this when it first runs. */
    if ((c->type == VM_TYPE_LINUX ? load_linux : load_multiboot)(vm, bi, &vm->vcpus[0].start))
        return -1;
    return 0;
}

/* One vCPU's end is the VM's: stop the others. */
void vm_vcpu_ended(struct vcpu *v)
{
    struct vm *vm = v->vm;
    spin_lock(&vm->machine.lock);
    if (!vm->ended_by)
        vm->ended_by = v;
    vm->machine.ending = true;
    spin_unlock(&vm->machine.lock);
    for (unsigned i = 0; i < vm->machine.nr_vcpus; i++)
        if (&vm->vcpus[i] != v)
            vcpu_kick(&vm->vcpus[i]);
}

static const char *action_name(enum vm_action a)
{
    return a == VM_ACTION_RESTART ? "restart" : a == VM_ACTION_PRESERVE ? "preserve" : "destroy";
}

/* Print the end line; returns the config's action for this kind of end. */
static enum vm_action report_end(struct vm *vm)
{
    struct vcpu *v = vm->ended_by ? vm->ended_by : &vm->vcpus[0];
    if (!vm->at_line_start)
        console_write("\n", 1);
    const char *name = vm->cfg.name;
    if (vm->destroyed) {
        printk("keel: vm %s ended: destroyed (monitor)\n", name);
        return VM_ACTION_DESTROY;
    }
    switch (v->end) {
    case END_POWEROFF:
        printk("keel: vm %s ended: poweroff\n", name);
        return vm->reboot_requested ? VM_ACTION_RESTART : vm->cfg.on_poweroff;
    case END_REBOOT:
        printk("keel: vm %s ended: reboot\n", name);
        return vm->cfg.on_reboot;
    case END_DEBUG_EXIT:
        printk("keel: vm %s ended: debug-exit status %u\n", name, v->end_status);
        return vm->cfg.on_poweroff;
    case END_HALTED:
        printk("keel: vm %s ended: halted with interrupts off\n", name);
        return vm->cfg.on_crash;
    case END_TRIPLE_FAULT:
        printk("keel: vm %s ended: triple fault\n", name);
        return vm->cfg.on_crash;
    case END_ERROR:
    case VCPU_RUNNING:
        break;
    }
    if (vm->machine.nr_vcpus > 1)
        printk("keel: vm %s ended: error: vCPU %u: %s\n", name, v->id, v->end_reason);
    else
        printk("keel: vm %s ended: error: %s\n", name, v->end_reason);
    return vm->cfg.on_crash;
}

static void config_path_of(const struct boot_info *bi, const struct boot_module *m,
                           char *out, size_t size)
{
    size_t n;
    const char *p = boot_module_path(m, &n);
    if (!n) {
        snprintf(out, size, "module%u", (unsigned)(m - bi->module));
        return;
    }
    if (n >= size)
        n = size - 1;
    memcpy(out, p, n);
    out[n] = '\0';
}

/* Every VM that has not ended for good (vm_list, above); changed only by CPU 0. */
static unsigned vms_alive;
static unsigned next_id = 1;        /* VM ids, which are also Xen domain ids */

/* A vCPU left the scheduler (its CPU holds it no more); the last one hands
 * the VM to CPU 0's control work (vm_control). */
static void vm_vcpu_gone(struct vcpu *v)
{
    struct vm *vm = v->vm;
    if (__atomic_add_fetch(&vm->vcpus_gone, 1, __ATOMIC_ACQ_REL) == vm->machine.nr_vcpus) {
        __atomic_store_n(&vm->finished, true, __ATOMIC_RELEASE);
        vsched_request_control();
    }
}

/* Build it and hand its vCPUs to the scheduler; false (the end line printed,
 * its resources freed) when it cannot start. */
static bool start(struct vm *vm)
{
    vm->id = next_id;
    next_id = next_id == XEN_DOMID_MAX ? 1 : next_id + 1;
    vm->destroyed = false;
    vm->reboot_requested = false;
    uint64_t t0 = rdtsc();
    int failed = build(vm, vm->boot);
    vm->build_cycles = rdtsc() - t0;    /* Keel's own work, before any console line */
    if (failed) {
        printk("keel: vm %s ended: error: %s\n", vm->cfg.name, vm->build_error);
        destroy(vm);
        return false;
    }
    printk("keel: vm %s started: %lu MiB, %u vCPU%s, kernel %s, tsc %lu\n", vm->cfg.name,
           vm->cfg.memory_mib, vm->machine.nr_vcpus, vm->machine.nr_vcpus == 1 ? "" : "s", vm->cfg.kernel,
           (vm->started_at = rdtsc()));
    t0 = rdtsc();
    for (unsigned i = 0; i < vm->machine.nr_vcpus; i++)
        if (vsched_attach(&vm->vcpus[i], vm->cfg.cpu_weight, vm->cfg.cpu_affinity)) {
            /* build() checked weight and affinity: a Keel bug if this happens. */
            vcpu_end(&vm->vcpus[i], END_ERROR, "the scheduler refused vCPU %u", i);
            vm_vcpu_ended(&vm->vcpus[i]);
            for (unsigned j = i; j < vm->machine.nr_vcpus; j++)
                vm_vcpu_gone(&vm->vcpus[j]);
            break;
        }
    vm->build_cycles += rdtsc() - t0;
    return true;
}

static struct vm *start_named(const struct boot_info *bi, const struct boot_module *cfg_mod,
                              bool shared_console, const char *name);

void vm_start(const struct boot_info *bi, const struct boot_module *cfg_mod, bool shared_console)
{
    start_named(bi, cfg_mod, shared_console, NULL);
}

/* As vm_start; a name, when given, replaces the config's (xl create's
 * name="..." override). */
static struct vm *start_named(const struct boot_info *bi, const struct boot_module *cfg_mod,
                              bool shared_console, const char *name)
{
    char path[CONFIG_PATH_MAX];
    config_path_of(bi, cfg_mod, path, sizeof(path));
    struct vm *vm = vm_alloc();
    if (!vm) {
        printk("keel: vm %s ended: error: %s: no memory left for the VM's state\n", path, path);
        return NULL;
    }
    memcpy(vm->cfg_path, path, sizeof(path));
    vm->prefix_output = shared_console || vm_list;
    vm->boot = bi;

    struct config_error err;
    if (config_parse((const char *)(uintptr_t)cfg_mod->start, cfg_mod->end - cfg_mod->start,
                     &vm->cfg, &err)) {
        if (err.line)
            printk("keel: vm %s ended: error: %s:%u: %s%s%s\n", vm->cfg_path, vm->cfg_path,
                   err.line, err.key, err.key[0] ? ": " : "", err.msg);
        else
            printk("keel: vm %s ended: error: %s: %s%s%s\n", vm->cfg_path, vm->cfg_path,
                   err.key, err.key[0] ? ": " : "", err.msg);
        vm_free(vm);
        return NULL;
    }
    if (name)
        snprintf(vm->cfg.name, sizeof(vm->cfg.name), "%s", name);
    if (vm_find(vm->cfg.name)) {
        printk("keel: vm %s ended: error: %s: name: a VM named \"%s\" runs already\n", vm->cfg.name,
               vm->cfg_path, vm->cfg.name);
        vm_free(vm);
        return NULL;
    }
    if (!start(vm)) {
        vm_free(vm);
        return NULL;
    }
    struct vm **tail = &vm_list;
    while (*tail)
        tail = &(*tail)->next;
    vm->next = NULL;
    *tail = vm;
    vms_alive++;
    console_switch_vm_started(vm);
    return vm;
}

struct vm *vm_first(void)
{
    return vm_list;
}

static bool finish_vm(struct vm *vm);
static uint64_t teardown_cycles;

/* Where each vCPU ran: "0,2" for a mask. */
static void cpu_list(uint64_t mask, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    for (unsigned c = 0; c < 64 && n + 4 < size; c++)
        if (mask & (1ull << c))
            n += (size_t)snprintf(out + n, size - n, n ? ",%u" : "%u", c);
}

static void print_placement(const struct vm *vm)
{
    for (unsigned i = 0; i < vm->machine.nr_vcpus; i++) {
        const struct vcpu *v = &vm->vcpus[i];
        char cpus[64];
        cpu_list(v->cpus_used, cpus, sizeof(cpus));
        printk("keel: vm %s vcpu %u ran on CPUs %s, moved %lu times, ran %lu ms\n", vm->cfg.name, i,
               cpus[0] ? cpus : "none", v->sched.nr_migrations, v->sched.ran_ns / 1000000);
    }
}        /* the last VM's resources freed, without its report */

/* Its end line, figures, and what its config says follows: true when it
 * started again (it stays a live VM), false when it is gone or preserved.
 * A VM the monitor destroyed reports what its teardown cost. */
static bool finish(struct vm *vm)
{
    bool destroyed = vm->destroyed;
    char name[sizeof(vm->cfg.name)];
    memcpy(name, vm->cfg.name, sizeof(name));
    bool alive = finish_vm(vm);
    if (destroyed)
        printk("keel: vm %s: teardown took %lu cycles, %lu KiB free\n", name, teardown_cycles,
               palloc_free_pages() * (PAGE_SIZE / 1024));
    return alive;
}

static bool finish_vm(struct vm *vm)
{
    uint64_t ended_at = rdtsc();
    flush_line(vm);
    enum vm_action action = report_end(vm);
    printk("keel: vm %s ran from tsc %lu to %lu\n", vm->cfg.name, vm->started_at, ended_at);
    for (unsigned i = 0; i < vm->machine.nr_vcpus; i++)
        exit_stats_print(&vm->vcpus[i].stats, vm->cfg.name, i);
    print_placement(vm);
    if (vm->xen)
        xen_print_stats(vm->xen);
    if (action == VM_ACTION_PRESERVE) {
        /* Keep its memory for inspection; only its CPU state is released. */
        for (unsigned i = 0; i < vm->machine.nr_vcpus; i++)
            vcpu_destroy(&vm->vcpus[i]);
        destroy_xen(vm);
        printk("keel: vm %s preserved (%lu MiB kept)\n", vm->cfg.name, vm->cfg.memory_mib);
        console_switch_vm_gone(vm);
        return false;   /* its state stays allocated with its memory */
    }
    uint64_t t0 = rdtsc();
    destroy(vm);
    teardown_cycles = rdtsc() - t0;
    if (action == VM_ACTION_RESTART) {
        printk("keel: vm %s restarting (%s)\n", vm->cfg.name, action_name(action));
        if (start(vm))
            return true;
    }
    console_switch_vm_gone(vm);
    t0 = rdtsc();
    vm_free(vm);
    teardown_cycles += rdtsc() - t0;
    return false;
}

unsigned vm_control(void)
{
    for (struct vm **p = &vm_list; *p;) {
        struct vm *vm = *p;
        if (!__atomic_load_n(&vm->finished, __ATOMIC_ACQUIRE)) {
            p = &vm->next;
            continue;
        }
        struct vm *next = vm->next;
        if (finish(vm)) {
            p = &vm->next;      /* restarted: still in the list */
        } else {
            *p = next;          /* freed or preserved */
            vms_alive--;
        }
    }
    return vms_alive;
}

/* ==== What the monitor does to VMs (CPU 0) ============================== */

struct vm *vm_find(const char *name)
{
    for (struct vm *vm = vm_list; vm; vm = vm->next)
        if (strcmp(vm->cfg.name, name) == 0)
            return vm;
    return NULL;
}

static const char *state_of(const struct vm *vm)
{
    if (vm->finished || vm->machine.ending)
        return "ending";
    if (vm->machine.paused)
        return "paused";
    for (unsigned i = 0; i < vm->machine.nr_vcpus; i++)
        if (vm->vcpus[i].wait == VCPU_WAIT_NONE)
            return "running";
    return "blocked";
}

void vm_print_list(void)
{
    printk("  id name                     state     mem(MiB) vcpus  cpu(ms)\n");
    for (struct vm *vm = vm_list; vm; vm = vm->next) {
        uint64_t ns = 0;
        for (unsigned i = 0; i < vm->machine.nr_vcpus; i++)
            ns += vm->vcpus[i].sched.ran_ns;
        printk("%4u %-24s %-9s %8lu %5u %8lu\n", vm->id, vm->cfg.name, state_of(vm), vm->cfg.memory_mib,
               vm->machine.nr_vcpus, ns / 1000000);
    }
}

/* Every vCPU of vm out of the guest soon: those in a guest are sent an IPI,
 * those waiting are woken to look again. */
static void kick_all(struct vm *vm)
{
    for (unsigned i = 0; i < vm->machine.nr_vcpus; i++)
        vcpu_kick(&vm->vcpus[i]);
    vsched_preempt(vm->vcpus, vm->machine.nr_vcpus);
}

void vm_destroy(struct vm *vm)
{
    spin_lock(&vm->machine.lock);
    vm->destroyed = true;
    vm->machine.ending = true;
    spin_unlock(&vm->machine.lock);
    kick_all(vm);
}

void vm_pause(struct vm *vm, bool pause)
{
    vm->machine.paused = pause;
    kick_all(vm);
}

int vm_shutdown(struct vm *vm, bool reboot)
{
    int rc = 0;
    spin_lock(&vm->machine.lock);
    if (vm->xen) {
        rc = xen_request_shutdown(vm->xen, reboot ? "reboot" : "poweroff");
    } else {
        /* A native guest hears the power button; its power-off after a
         * reboot request starts it again. */
        vm->reboot_requested = reboot;
        platform_power_button(vm);
    }
    spin_unlock(&vm->machine.lock);
    kick_all(vm);
    return rc;
}

void vm_print_info(struct vm *vm)
{
    const struct vm_config *c = &vm->cfg;
    printk("vm %s: id %u, %s, config %s, %lu MiB, %u vCPU%s, cpu_weight %u, kernel %s%s\n", c->name, vm->id,
           state_of(vm), vm->cfg_path, c->memory_mib, vm->machine.nr_vcpus, vm->machine.nr_vcpus == 1 ? "" : "s",
           c->cpu_weight, c->kernel, vm->xen ? ", Xen-compatible (domain id = id)" : "");
    for (unsigned i = 0; i < c->nr_disks; i++)
        printk("vm %s: disk %s on %s (%s)\n", c->name, c->disks[i].vdev_name, c->disks[i].target,
               c->disks[i].read_only ? "read-only" : c->disks[i].shared ? "writable, shared" : "writable");
    for (unsigned i = 0; i < c->nr_vifs; i++)
        printk("vm %s: vif %u on bridge %s%s\n", c->name, i, c->vifs[i].bridge,
               c->vifs[i].mac_given ? "" : " (MAC derived from the name)");
    for (unsigned i = 0; i < vm->machine.nr_vcpus; i++) {
        const struct vcpu *v = &vm->vcpus[i];
        printk("vm %s: vcpu %u: %s, ran %lu ms, waited at most %lu us to run, moved %lu times\n", c->name, i,
               v->wait == VCPU_WAIT_NONE ? "runnable" : "waiting", v->sched.ran_ns / 1000000,
               v->sched.max_wait_ns / 1000, v->sched.nr_migrations);
        exit_stats_print(&v->stats, c->name, i);
    }
}

int vm_create(const struct boot_info *bi, const char *path, const char *name)
{
    const struct boot_module *m = boot_module_find(bi, path);
    if (!m)
        return -1;
    struct vm *vm = start_named(bi, m, true, name);
    if (vm)
        printk("keel: monitor: create took %lu cycles, %lu KiB free\n", vm->build_cycles,
               palloc_free_pages() * (PAGE_SIZE / 1024));
    return 0;
}
