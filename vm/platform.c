/* SPDX-License-Identifier: BSD-2-Clause */
/* PC platform wiring (vCPU's CPU: at I/O, MMIO and MSR exits, just before VM
 * entry, and while the vCPU halts). Device models are pure; this file gives
 * them a clock (the host TSC since the VM started), connects their interrupt
 * lines, and routes APIC messages. ISA IRQ n drives PIC input n and IOAPIC
 * pin n, except IRQ 0, which reaches IOAPIC pin 2 (the MADT's override). */
#include <string.h>
#include "drivers/rtc.h"
#include "host/tsc.h"
#include "fw/acpi_tables.h"
#include "dev/uart.h"
#include "pvio/xen/xen.h"
#include "vm/platform.h"
#include "vm/vm.h"
#include "arch/x86/msr_index.h"
#include "vmx/vmx_cpu.h"
#include "arch/x86/x86.h"

#define PENDING_PIC        256      /* token: the PIC's INTR, vector known at INTA */
#define PENDING_XEN        XEN_CALLBACK_TOKEN   /* token | vector: Xen's callback vector */
#define MSR_TSC_DEADLINE   0x6e0
#define MSR_X2APIC_FIRST   0x800
#define MSR_X2APIC_LAST    0x8ff
#define RESET_CONTROL_PORT 0xcf9
#define RESET_CONTROL_CPU  0x04     /* RST_CPU: reset when set (with SYS_RST: hard) */
#define UART_POLL_NS       1000000ull   /* 16 bytes at 115200 baud take 1.4 ms */
#define IOAPIC_PCI_PINS    0x00ff0000u  /* GSI 16-23: PCI INTx, level, active low */

static struct platform *platform_of(struct vcpu *v) { return &v->vm->platform; }

static uint64_t platform_ns(const struct platform *p, uint64_t host_tsc)
{
    return tsc_to_ns(host_tsc - p->tsc_start);
}

static uint64_t guest_tsc(struct vcpu *v, uint64_t host_tsc)
{
    return host_tsc + vcpu_get(v, VREG_TSC_OFFSET);
}

static uint64_t ns_deadline(const struct platform *p, uint64_t ns)
{
    return ns == UINT64_MAX ? NO_DEADLINE : p->tsc_start + ns_to_tsc(ns);
}

static int platform_register_ports(struct platform *p, struct io_bus *bus);
static int platform_register_mmio(struct vm *vm);

/* --- interrupt wiring ----------------------------------------------------- */

static struct lapic *lapic_of(struct vcpu *v) { return &platform_of(v)->lapic[v->id]; }

/* ISA interrupts reach the PIC (wired to vCPU 0's LINT0) and the IOAPIC. */
static void isa_irq_set(void *ctx, unsigned line, bool level)
{
    struct vm *vm = ctx;
    struct platform *p = &vm->platform;
    uint16_t bit = (uint16_t)(1u << line);
    if (!!(p->isa_levels & bit) == level)
        return;     /* devices re-drive unchanged lines on every access: nothing to do */
    p->isa_levels = (uint16_t)(level ? p->isa_levels | bit : p->isa_levels & ~bit);
    pic_set_irq(&p->pic, line, level);
    ioapic_set_irq(&p->ioapic, line == 0 ? 2 : line, level);
    vcpu_kick(&vm->vcpus[0]);
}

/* The APIC bus: every LAPIC whose destination matches takes the message.
 * Lowest-priority delivery goes to the first match, which is allowed. */
static void apic_bus_send(void *ctx, const struct apic_msg *m)
{
    struct vm *vm = ctx;
    for (unsigned i = 0; i < vm->platform.nr_cpus; i++) {
        struct lapic *a = &vm->platform.lapic[i];
        if (!lapic_match_dest(a, m))
            continue;
        lapic_accept(a, m);
        vcpu_kick(&vm->vcpus[i]);
        if (m->delivery == APIC_DM_LOWEST)
            break;
    }
}

void platform_set_gsi(struct vm *vm, unsigned gsi, bool level)
{
    if (gsi < 16) {
        isa_irq_set(vm, gsi, level);
        return;
    }
    ioapic_set_irq(&vm->platform.ioapic, gsi, level);
    vcpu_kick(&vm->vcpus[0]);
}

void platform_deliver_vector(struct vm *vm, unsigned vcpu, uint8_t vector)
{
    if (vcpu >= vm->platform.nr_cpus)
        return;
    const struct apic_msg m = { .dest = vcpu, .vector = vector, .delivery = APIC_DM_FIXED };
    lapic_accept(&vm->platform.lapic[vcpu], &m);
    vcpu_kick(&vm->vcpus[vcpu]);
}

/* EOI of a level-triggered vector: level sources outside the IOAPIC's
 * models look at their condition again, then the IOAPIC re-delivers pins
 * still asserted. */
static void eoi_broadcast(void *ctx, uint8_t vector)
{
    struct vm *vm = ctx;
    if (vm->xen)
        xen_callback_eoi(vm->xen);
    ioapic_eoi(&vm->platform.ioapic, vector);
}

const struct irq_line *platform_isa_irq(struct vm *vm, unsigned irq)
{
    return &vm->platform.isa_irq[irq & 15];
}

bool platform_init_pending(struct vcpu *v)
{
    return lapic_of(v)->init_pending;
}

int platform_take_startup(struct vcpu *v)
{
    struct lapic *a = lapic_of(v);
    if (lapic_take_init(a)) {
        lapic_init_reset(a);
        v->saw_init = true;
    }
    int vector = lapic_take_sipi(a);
    return v->saw_init ? vector : -1;      /* a SIPI before any INIT is ignored */
}

int platform_init(struct vm *vm)
{
    struct platform *p = &vm->platform;
    const struct guest_mem *mem = &vm->mem;
    uint64_t ram_size = vm->mem.size;
    memset(p, 0, sizeof(*p));
    p->nr_cpus = vm->machine.nr_vcpus;
    p->tsc_start = rdtsc();
    for (unsigned i = 0; i < 16; i++)
        p->isa_irq[i] = (struct irq_line){ isa_irq_set, vm, i };

    const struct apic_bus bus = { apic_bus_send, vm };
    pic_init(&p->pic);
    pit_init(&p->pit, &p->isa_irq[0]);
    rtc_init(&p->rtc, host_rtc_now(), 0, &p->isa_irq[8]);
    uint8_t ioapic_id = (uint8_t)p->nr_cpus;  /* after the LAPIC IDs, as the MADT says */
    ioapic_init(&p->ioapic, ioapic_id, &bus);
    ioapic_set_active_low_inputs(&p->ioapic, IOAPIC_PCI_PINS);
    for (unsigned i = 0; i < p->nr_cpus; i++) {
        const struct lapic_config lc = {
            .apic_id = i, .bsp = i == 0, .tsc_hz = tsc_hz(), .bus_hz = PLATFORM_BUS_HZ,
            .maxphyaddr = vmx_host.maxphyaddr,
        };
        lapic_init(&p->lapic[i], &lc, &bus, eoi_broadcast, vm);
    }
    lapic_setup_virtual_wire(&p->lapic[0]);     /* the state firmware hands over */
    acpi_pm_init(&p->pm, &p->isa_irq[ACPI_SCI_IRQ]);
    pci_host_init(&p->pci);
    fw_cfg_init(&p->fw_cfg, (uint16_t)p->nr_cpus, ram_size);

    /* The ACPI tables live in the reserved BIOS area, where a scan finds the RSDP. */
    uint8_t *tables = guest_mem_ptr(mem, PLATFORM_ACPI_GPA, PLATFORM_ACPI_SIZE);
    const struct acpi_platform desc = {
        .nr_cpus = p->nr_cpus, .lapic_addr = PLATFORM_LAPIC_GPA, .ioapic_addr = PLATFORM_IOAPIC_GPA,
        .ioapic_id = ioapic_id, .pm1a_evt = ACPI_PM1_EVT, .pm1a_cnt = ACPI_PM1_CNT,
        .pm_tmr = ACPI_PM_TMR, .sci_irq = ACPI_SCI_IRQ, .s5_slp_typ = ACPI_S5_SLP_TYP,
    };
    uint64_t rsdp;
    if (!tables || !acpi_build_tables(&desc, tables, PLATFORM_ACPI_SIZE, PLATFORM_ACPI_GPA, &rsdp))
        return -1;
    if (platform_register_ports(p, &vm->io_bus))
        return -1;
    return platform_register_mmio(vm);
}

int platform_pending_interrupt(struct vcpu *v)
{
    struct platform *p = platform_of(v);
    /* Xen's global callback vector bypasses the LAPIC and goes first
     * (Xen's hvm_vcpu_has_pending_irq). */
    struct vm *vm = v->vm;
    int vector = vm->xen ? xen_callback_pending(vm->xen, v->id) : -1;
    if (vector >= 0)
        return PENDING_XEN | vector;
    vector = lapic_pending_vector(lapic_of(v));
    if (vector >= 0)
        return vector;
    if (v->id == 0 && lapic_accepts_pic_interrupts(lapic_of(v)) && pic_has_interrupt(&p->pic))
        return PENDING_PIC;
    return -1;
}

bool platform_take_nmi(struct vcpu *v)
{
    return lapic_take_nmi(lapic_of(v));
}

int platform_ack_interrupt(struct vcpu *v, int pending)
{
    struct platform *p = platform_of(v);
    if (pending == PENDING_PIC)
        return pic_acknowledge(&p->pic);
    if (pending & PENDING_XEN)
        return pending & 0xff;      /* no acknowledge cycle: the guest clears the flag */
    lapic_ack(lapic_of(v), (uint8_t)pending);
    return pending;
}

uint64_t platform_update(struct vcpu *v, uint64_t now)
{
    struct platform *p = platform_of(v);
    uint64_t ns = platform_ns(p, now);
    uint64_t line_due = vm_console_idle(v->vm, now);
    pit_update(&p->pit, ns);
    rtc_update(&p->rtc, ns);
    uint64_t offset = vcpu_get(v, VREG_TSC_OFFSET);
    lapic_update(lapic_of(v), now + offset);

    uint64_t deadline = ns_deadline(p, pit_next_event_ns(&p->pit));
    if (line_due < deadline)
        deadline = line_due;
    uint64_t rtc = ns_deadline(p, rtc_next_event_ns(&p->rtc));
    if (rtc < deadline)
        deadline = rtc;
    uint64_t lapic = lapic_next_event_tsc(lapic_of(v));
    if (lapic != UINT64_MAX && lapic - offset < deadline)
        deadline = lapic - offset;
    /* A guest waiting for console input is told of it within UART_POLL_NS. */
    if (uart_poll(&v->vm->uart) && now + ns_to_tsc(UART_POLL_NS) < deadline)
        deadline = now + ns_to_tsc(UART_POLL_NS);
    return deadline;
}

/* --- port I/O -------------------------------------------------------------- */

/* Byte-wide device registers; wider accesses read consecutive ports, as the
 * ISA bus splits them. */
static uint8_t byte_read(struct platform *p, uint16_t port, uint64_t ns)
{
    switch (port) {
    case 0x20: case 0x21: case 0xa0: case 0xa1: case 0x4d0: case 0x4d1:
        return pic_io_read(&p->pic, port);
    case 0x40: case 0x41: case 0x42: case 0x43: case 0x61:
        return pit_io_read(&p->pit, port, ns);
    case 0x70: case 0x71:
        return rtc_io_read(&p->rtc, port, ns);
    case KBC_DATA: case KBC_STATUS:
        return kbc_io_read(&p->kbc, port);
    }
    return 0xff;
}

static void byte_write(struct platform *p, uint16_t port, uint8_t val, uint64_t ns,
                       struct dev_reply *reply)
{
    switch (port) {
    case 0x20: case 0x21: case 0xa0: case 0xa1: case 0x4d0: case 0x4d1:
        pic_io_write(&p->pic, port, val);
        break;
    case 0x40: case 0x41: case 0x42: case 0x43: case 0x61:
        pit_io_write(&p->pit, port, val, ns);
        break;
    case 0x70: case 0x71:
        rtc_io_write(&p->rtc, port, val, ns);
        break;
    case KBC_DATA: case KBC_STATUS:
        if (kbc_io_write(&p->kbc, port, val))
            reply->request = DEV_REQ_RESET;
        break;
    }
}

static uint32_t legacy_read(void *ctx, uint16_t port, unsigned size)
{
    struct platform *p = ctx;
    uint64_t ns = platform_ns(p, rdtsc());
    uint32_t val = 0;
    for (unsigned i = 0; i < size; i++)
        val |= (uint32_t)byte_read(p, (uint16_t)(port + i), ns) << (8 * i);
    return val;
}

static void legacy_write(void *ctx, uint16_t port, unsigned size, uint32_t val,
                         struct dev_reply *reply)
{
    struct platform *p = ctx;
    uint64_t ns = platform_ns(p, rdtsc());
    for (unsigned i = 0; i < size; i++)
        byte_write(p, (uint16_t)(port + i), (uint8_t)(val >> (8 * i)), ns, reply);
}

static uint32_t pm_read(void *ctx, uint16_t port, unsigned size)
{
    struct platform *p = ctx;
    return acpi_pm_read(&p->pm, port, size, platform_ns(p, rdtsc()));
}

static void pm_write(void *ctx, uint16_t port, unsigned size, uint32_t val, struct dev_reply *reply)
{
    struct platform *p = ctx;
    if (acpi_pm_write(&p->pm, port, size, val) == ACPI_PM_POWEROFF)
        reply->request = DEV_REQ_POWEROFF;
}

/* 0xcf8-0xcff: PCI configuration, with the reset control register (0xcf9)
 * inside CONFIG_ADDRESS for byte writes. */
static uint32_t pci_read(void *ctx, uint16_t port, unsigned size)
{
    struct platform *p = ctx;
    return pci_host_io_read(&p->pci, port, size);
}

static void pci_write(void *ctx, uint16_t port, unsigned size, uint32_t val, struct dev_reply *reply)
{
    struct platform *p = ctx;
    if (port == RESET_CONTROL_PORT && size == 1) {
        if (val & RESET_CONTROL_CPU)
            reply->request = DEV_REQ_RESET;
        return;
    }
    pci_host_io_write(&p->pci, port, size, val);
}

static uint32_t fw_cfg_read(void *ctx, uint16_t port, unsigned size)
{
    struct platform *p = ctx;
    return fw_cfg_io_read(&p->fw_cfg, port, size);
}

static void fw_cfg_write(void *ctx, uint16_t port, unsigned size, uint32_t val,
                         struct dev_reply *reply)
{
    struct platform *p = ctx;
    (void)reply;
    fw_cfg_io_write(&p->fw_cfg, port, size, val);
}

/* Every access may raise or acknowledge an interrupt (RTC register C, PIC
 * poll, PIT status) or move a timer deadline: the vCPU looks again. */
static const struct io_ops legacy_io = { legacy_read, legacy_write, .kicks = true };
static const struct io_ops pm_io = { pm_read, pm_write, .kicks = true };
static const struct io_ops pci_io = { pci_read, pci_write, .kicks = true };
static const struct io_ops fw_cfg_io = { fw_cfg_read, fw_cfg_write, .kicks = true };

static const struct platform_ports {
    uint16_t first, last;
    const struct io_ops *ops;
} platform_ports[] = {
    { 0x20, 0x21, &legacy_io },         /* master PIC */
    { 0x40, 0x43, &legacy_io },         /* PIT */
    { KBC_DATA, KBC_DATA, &legacy_io },
    { 0x61, 0x61, &legacy_io },         /* port B: PIT gate 2, speaker */
    { KBC_STATUS, KBC_STATUS, &legacy_io },
    { 0x70, 0x71, &legacy_io },         /* RTC */
    { 0xa0, 0xa1, &legacy_io },         /* slave PIC */
    { 0x4d0, 0x4d1, &legacy_io },       /* ELCR */
    { FW_CFG_PORT_SEL, FW_CFG_PORT_DATA, &fw_cfg_io },
    { ACPI_PM_BASE, ACPI_PM_BASE + ACPI_PM_LEN - 1, &pm_io },
    { PCI_CONFIG_ADDRESS, PCI_CONFIG_DATA + 3, &pci_io },
};

static int platform_register_ports(struct platform *p, struct io_bus *bus)
{
    for (size_t i = 0; i < sizeof(platform_ports) / sizeof(platform_ports[0]); i++) {
        const struct platform_ports *r = &platform_ports[i];
        if (io_bus_register(bus, r->first, r->last, r->ops, p))
            return -1;
    }
    return 0;
}

/* --- MMIO and MSRs -------------------------------------------------------------- */

_Static_assert(PLATFORM_CPUS_MAX <= MMIO_BUS_CPUS, "every LAPIC needs a per-CPU table on the MMIO bus");

/* A LAPIC's page: registered for its own CPU only, with the VM as context
 * (the LAPIC is the accessing CPU's, its clock that CPU's guest TSC).
 * Accesses other than 32 bits are undefined (dev/lapic.h): reads give 0. */
static uint64_t lapic_page_read(void *ctx, unsigned cpu, uint64_t offset, unsigned size)
{
    struct vm *vm = ctx;
    struct vcpu *v = &vm->vcpus[cpu];
    return size == 4 ? lapic_mmio_read(lapic_of(v), (uint32_t)offset, guest_tsc(v, rdtsc())) : 0;
}

static void lapic_page_write(void *ctx, unsigned cpu, uint64_t offset, unsigned size, uint64_t val)
{
    struct vm *vm = ctx;
    struct vcpu *v = &vm->vcpus[cpu];
    if (size == 4)
        lapic_mmio_write(lapic_of(v), (uint32_t)offset, (uint32_t)val, guest_tsc(v, rdtsc()));
}

static uint64_t ioapic_page_read(void *ctx, unsigned cpu, uint64_t offset, unsigned size)
{
    struct platform *p = ctx;
    (void)cpu;
    return ioapic_mmio_read(&p->ioapic, offset, size);
}

static void ioapic_page_write(void *ctx, unsigned cpu, uint64_t offset, unsigned size, uint64_t val)
{
    struct platform *p = ctx;
    (void)cpu;
    ioapic_mmio_write(&p->ioapic, offset, size, (uint32_t)val);
}

/* Writes send IPIs and EOIs, program timers and redirection entries. */
static const struct mmio_ops lapic_page_mmio = { lapic_page_read, lapic_page_write, .kicks = true };
static const struct mmio_ops ioapic_page_mmio = { ioapic_page_read, ioapic_page_write, .kicks = true };

/* Where a LAPIC's page is: decoded only while the APIC is enabled in xAPIC
 * mode, at its IA32_APIC_BASE. */
static bool lapic_page(const struct lapic *a, uint64_t *base)
{
    *base = lapic_base_msr(a) & 0x000ffffffffff000ull;
    return lapic_enabled(a) && !lapic_x2apic_mode(a);
}

static int platform_register_mmio(struct vm *vm)
{
    struct platform *p = &vm->platform;
    if (mmio_bus_register(&vm->mmio_bus, MMIO_BUS_ALL_CPUS, PLATFORM_IOAPIC_GPA, PLATFORM_MMIO_SIZE,
                          &ioapic_page_mmio, p))
        return -1;
    for (unsigned i = 0; i < p->nr_cpus; i++) {
        uint64_t base;
        if (lapic_page(&p->lapic[i], &base) &&
            mmio_bus_register(&vm->mmio_bus, i, base, PLATFORM_MMIO_SIZE, &lapic_page_mmio, vm))
            return -1;
    }
    return 0;
}

/* IA32_APIC_BASE was written: the LAPIC's page follows, moves or goes. Its
 * CPU's table holds nothing else, so the bus cannot refuse. */
static void lapic_page_follow(struct vcpu *v, bool was_decoded, uint64_t old_base)
{
    struct mmio_bus *bus = &v->vm->mmio_bus;
    uint64_t base;
    bool decoded = lapic_page(lapic_of(v), &base);
    int rc = 0;
    if (was_decoded && decoded)
        rc = base == old_base ? 0 : mmio_bus_move(bus, v->id, old_base, base);
    else if (was_decoded)
        rc = mmio_bus_unregister(bus, v->id, old_base);
    else if (decoded)
        rc = mmio_bus_register(bus, v->id, base, PLATFORM_MMIO_SIZE, &lapic_page_mmio, v->vm);
    if (rc)
        vcpu_end(v, END_ERROR, "the MMIO bus refused LAPIC %u's page at 0x%lx (a Keel bug)", v->id, base);
}

int platform_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    struct lapic *a = lapic_of(v);
    if (msr == MSR_IA32_APIC_BASE) {
        *val = lapic_base_msr(a);
        return 1;
    }
    if (msr == MSR_TSC_DEADLINE) {
        lapic_update(a, guest_tsc(v, rdtsc()));
        *val = lapic_tsc_deadline(a);
        return 1;
    }
    if (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST)
        return lapic_msr_read(a, msr, val, guest_tsc(v, rdtsc())) ? -1 : 1;
    return 0;
}

int platform_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
    struct lapic *a = lapic_of(v);
    uint64_t now = guest_tsc(v, rdtsc());
    vcpu_kick(v);
    if (msr == MSR_IA32_APIC_BASE) {
        uint64_t old_base;
        bool was_decoded = lapic_page(a, &old_base);
        if (lapic_set_base_msr(a, val, now))
            return -1;
        lapic_page_follow(v, was_decoded, old_base);
        return 1;
    }
    if (msr == MSR_TSC_DEADLINE) {
        lapic_set_tsc_deadline(a, val, now);
        return 1;
    }
    if (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST)
        return lapic_msr_write(a, msr, val, now) ? -1 : 1;
    return 0;
}

void platform_power_button(struct vm *vm)
{
    acpi_pm_power_button(&vm->platform.pm);
}
