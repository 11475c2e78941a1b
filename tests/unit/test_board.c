/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for the PC board's wiring (vm/platform.c) over the real
 * device models, buses and neutral vCPU, with fakes for the host (TSC rate,
 * RTC) and the vendor layer (tests/unit/fake_vmx.c): the ports and pages
 * each device answers at, ISA IRQ n reaching PIC input n and IOAPIC pin n
 * (IRQ 0: pin 2), GSIs above 15 reaching the IOAPIC alone, IOAPIC messages
 * and direct vectors reaching the right LAPIC, the PIC reaching vCPU 0
 * through LINT0, and the ports whose writes end the VM. Devices are
 * programmed through their own interfaces, the wiring is observed through
 * the board's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "arch/x86/msr_index.h"
#include "drivers/rtc.h"
#include "pvio/xen/xen.h"
#include "vcpu/pio.h"
#include "vm/platform.h"
#include "vm/vm.h"
#include "tests/unit/fake_vmx.h"

#define RAM_SIZE (1u << 20)     /* the ACPI tables go at 0xF0000 */
#define NR_VCPUS 2
#define PENDING_PIC 256         /* platform_pending_interrupt's token for the PIC */

/* --- test doubles ------------------------------------------------------------------ */

uint64_t host_rtc_now(void)
{
    return 0;
}

/* The console's partial-line flush belongs to vm.c, not built here. */
uint64_t vm_console_idle(struct vm *vm, uint64_t now)
{
    (void)vm, (void)now;
    return NO_DEADLINE;
}

/* No Xen mode on this board (vm->xen stays NULL): the board never asks. */
int xen_callback_pending(struct xen_domain *d, unsigned vcpu)
{
    (void)d, (void)vcpu;
    fail_msg("xen_callback_pending without a Xen domain");
    return -1;
}

void xen_callback_eoi(struct xen_domain *d)
{
    (void)d;
    fail_msg("xen_callback_eoi without a Xen domain");
}

static const struct vcpu_ops no_ops;

struct fixture {
    struct vm *vm;
    uint8_t *ram;
};

static int setup(void **state)
{
    fake_vmx_reset();
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->ram = aligned_alloc(4096, RAM_SIZE);
    assert_non_null(f->ram);
    memset(f->ram, 0, RAM_SIZE);
    struct vm *vm = calloc(1, sizeof(*vm));
    assert_non_null(vm);
    f->vm = vm;
    vm->mem.size = RAM_SIZE;
    vm->mem.nr_extents = 1;
    vm->mem.extent[0] = (struct guest_extent){ 0, (uint64_t)(uintptr_t)f->ram, RAM_SIZE };
    machine_init(&vm->machine, &vm->mem, &no_ops, NR_VCPUS);
    io_bus_init(&vm->io_bus);
    mmio_bus_init(&vm->mmio_bus);
    for (unsigned i = 0; i < NR_VCPUS; i++) {
        vm->vcpus[i].machine = &vm->machine;
        vm->vcpus[i].vm = vm;
        vm->vcpus[i].id = i;
        vm->vcpus[i].io_bus = &vm->io_bus;
        vm->vcpus[i].mmio_bus = &vm->mmio_bus;
    }
    assert_int_equal(platform_init(vm), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    free(f->vm);
    free(f->ram);
    free(f);
    return 0;
}

static void clear_kicks(struct vm *vm)
{
    for (unsigned i = 0; i < NR_VCPUS; i++)
        vm->vcpus[i].intr_maybe_pending = false;
}

static bool pic_input(struct vm *vm, unsigned irq)
{
    return (vm->platform.pic.chip[irq / 8].lines >> (irq % 8)) & 1;
}

static bool ioapic_input(struct vm *vm, unsigned pin)
{
    return (vm->platform.ioapic.lines >> pin) & 1;
}

static void port_out(struct vm *vm, uint16_t port, uint8_t val)
{
    struct dev_reply reply = { DEV_REQ_NONE, 0 };
    bool kick = false;
    io_bus_write(&vm->io_bus, port, 1, val, &reply, &kick);
    assert_int_equal(reply.request, DEV_REQ_NONE);
}

/* IOAPIC redirection entry for `pin`: fixed, physical, edge, unmasked. */
static void ioapic_route(struct vm *vm, unsigned pin, uint8_t vector, uint8_t dest)
{
    struct ioapic *io = &vm->platform.ioapic;
    ioapic_mmio_write(io, IOAPIC_IOREGSEL, 4, IOAPIC_REG_REDTBL + 2 * pin);
    ioapic_mmio_write(io, IOAPIC_IOWIN, 4, vector);
    ioapic_mmio_write(io, IOAPIC_IOREGSEL, 4, IOAPIC_REG_REDTBL + 2 * pin + 1);
    ioapic_mmio_write(io, IOAPIC_IOWIN, 4, (uint32_t)dest << 24);
}

/* Software-enable a LAPIC (SVR bit 8), as the guest's kernel does. */
static void lapic_enable(struct vm *vm, unsigned cpu)
{
    lapic_mmio_write(&vm->platform.lapic[cpu], 0xf0, 0x1ff, 0);
    assert_true(lapic_sw_enabled(&vm->platform.lapic[cpu]));
}

/* --- what the board puts where ------------------------------------------------------- */

static void test_ports_and_pages(void **state)
{
    struct fixture *f = *state;
    struct vm *vm = f->vm;
    static const uint16_t claimed[] = {
        0x20, 0x21, 0x40, 0x43, 0x60, 0x61, 0x64, 0x70, 0x71, 0xa0, 0xa1, 0x4d0, 0x4d1,
        0x510, 0x511, ACPI_PM1_EVT, ACPI_PM1_CNT, ACPI_PM_TMR, 0xcf8, 0xcf9, 0xcfc, 0xcff,
    };
    for (unsigned i = 0; i < sizeof(claimed) / sizeof(claimed[0]); i++)
        assert_non_null(io_bus_find(&vm->io_bus, claimed[i]));
    /* The UART, debug-exit and unplug ports are others' to register. */
    static const uint16_t free_ports[] = { 0x10, 0x3f8, 0xf4, 0x8900, 0x80, 0x22, 0xcf7, 0xd00 };
    for (unsigned i = 0; i < sizeof(free_ports) / sizeof(free_ports[0]); i++)
        assert_null(io_bus_find(&vm->io_bus, free_ports[i]));

    /* The IOAPIC for every vCPU; each LAPIC page for its own vCPU. */
    for (unsigned cpu = 0; cpu < NR_VCPUS; cpu++) {
        assert_non_null(mmio_bus_find(&vm->mmio_bus, cpu, PLATFORM_IOAPIC_GPA));
        assert_non_null(mmio_bus_find(&vm->mmio_bus, cpu, PLATFORM_LAPIC_GPA + 0xfff));
    }
    assert_ptr_not_equal(mmio_bus_find(&vm->mmio_bus, 0, PLATFORM_LAPIC_GPA),
                         mmio_bus_find(&vm->mmio_bus, 1, PLATFORM_LAPIC_GPA));
    assert_null(mmio_bus_find(&vm->mmio_bus, 0, PLATFORM_LAPIC_GPA + 0x1000));
    assert_null(mmio_bus_find(&vm->mmio_bus, 0, PLATFORM_IOAPIC_GPA - 1));

    /* ACPI tables where a scan finds them; the IOAPIC ID after the LAPICs'. */
    assert_memory_equal(f->ram + PLATFORM_ACPI_GPA, "RSD PTR ", 8);
    assert_int_equal(vm->platform.ioapic.id, NR_VCPUS);
    assert_int_equal(vm->platform.nr_cpus, NR_VCPUS);
}

/* The board's APIC base MSR values: BSP flag on vCPU 0 only, enabled, at the
 * MADT's address; x2APIC MSRs fault while in xAPIC mode; others are not the
 * board's. */
static void test_board_msrs(void **state)
{
    struct fixture *f = *state;
    uint64_t val;
    assert_int_equal(platform_msr_read(&f->vm->vcpus[0], MSR_IA32_APIC_BASE, &val), 1);
    assert_int_equal(val, PLATFORM_LAPIC_GPA | (1u << 11) | (1u << 8));
    assert_int_equal(platform_msr_read(&f->vm->vcpus[1], MSR_IA32_APIC_BASE, &val), 1);
    assert_int_equal(val, PLATFORM_LAPIC_GPA | (1u << 11));
    assert_int_equal(platform_msr_read(&f->vm->vcpus[1], 0x802, &val), -1);
    assert_int_equal(platform_msr_read(&f->vm->vcpus[0], MSR_IA32_EFER, &val), 0);
    assert_int_equal(platform_msr_read(&f->vm->vcpus[0], 0x7ff, &val), 0);
    assert_int_equal(platform_msr_read(&f->vm->vcpus[0], 0x900, &val), 0);
}

/* --- ISA lines ------------------------------------------------------------------------- */

/* ISA IRQ n drives PIC input n and IOAPIC pin n, and makes vCPU 0 look. */
static void test_isa_irq_reaches_pic_and_ioapic(void **state)
{
    struct fixture *f = *state;
    struct vm *vm = f->vm;
    for (unsigned irq = 1; irq < 16; irq++) {
        if (irq == 2)
            continue;   /* the PIC's cascade input */
        const struct irq_line *l = platform_isa_irq(vm, irq);
        assert_int_equal(l->line, irq);
        clear_kicks(vm);
        irq_set(l, true);
        assert_true(pic_input(vm, irq));
        assert_true(ioapic_input(vm, irq));
        assert_int_equal(vm->platform.isa_levels, 1u << irq);
        assert_int_equal(vm->platform.ioapic.lines, 1u << irq);
        assert_true(vm->vcpus[0].intr_maybe_pending);
        irq_set(l, false);
        assert_false(pic_input(vm, irq));
        assert_false(ioapic_input(vm, irq));
        assert_int_equal(vm->platform.isa_levels, 0);
    }
}

/* IRQ 0 (the PIT) reaches IOAPIC pin 2, as the MADT's override says. */
static void test_irq0_reaches_ioapic_pin_2(void **state)
{
    struct fixture *f = *state;
    struct vm *vm = f->vm;
    irq_set(platform_isa_irq(vm, 0), true);
    assert_true(pic_input(vm, 0));
    assert_true(ioapic_input(vm, 2));
    assert_false(ioapic_input(vm, 0));
    assert_ptr_equal(platform_isa_irq(vm, 16), platform_isa_irq(vm, 0));   /* the index wraps */
}

/* Devices re-drive unchanged lines on every access: nothing happens then. */
static void test_unchanged_level_does_not_kick(void **state)
{
    struct fixture *f = *state;
    struct vm *vm = f->vm;
    const struct irq_line *l = platform_isa_irq(vm, 4);
    irq_set(l, true);
    clear_kicks(vm);
    irq_set(l, true);
    assert_false(vm->vcpus[0].intr_maybe_pending);
    assert_true(pic_input(vm, 4));
    irq_set(l, false);
    clear_kicks(vm);
    irq_set(l, false);
    assert_false(vm->vcpus[0].intr_maybe_pending);
}

/* --- GSIs ----------------------------------------------------------------------------- */

static void test_set_gsi(void **state)
{
    struct fixture *f = *state;
    struct vm *vm = f->vm;
    /* Below 16: the ISA line, PIC and IOAPIC both. */
    platform_set_gsi(vm, 5, true);
    assert_true(pic_input(vm, 5));
    assert_true(ioapic_input(vm, 5));
    assert_int_equal(vm->platform.isa_levels, 1u << 5);
    platform_set_gsi(vm, 5, false);
    assert_false(pic_input(vm, 5));

    /* 16..23 (PCI INTx): the IOAPIC alone. */
    for (unsigned gsi = 16; gsi < 24; gsi++) {
        clear_kicks(vm);
        platform_set_gsi(vm, gsi, true);
        assert_true(ioapic_input(vm, gsi));
        assert_true(vm->vcpus[0].intr_maybe_pending);
        assert_int_equal(vm->platform.isa_levels, 0);
        assert_int_equal(vm->platform.pic.chip[0].lines | vm->platform.pic.chip[1].lines, 0);
        platform_set_gsi(vm, gsi, false);
        assert_false(ioapic_input(vm, gsi));
    }

    /* Beyond the IOAPIC's pins: nothing, and nothing out of bounds. */
    static const unsigned beyond[] = { 24, 31, 32, 255, 0x10000, 0xffffffffu };
    for (unsigned i = 0; i < sizeof(beyond) / sizeof(beyond[0]); i++)
        platform_set_gsi(vm, beyond[i], true);
    assert_int_equal(vm->platform.ioapic.lines, 0);
    assert_int_equal(vm->platform.isa_levels, 0);
}

/* --- to the LAPICs ------------------------------------------------------------------- */

/* A direct vector (a Xen upcall) reaches exactly the LAPIC named. */
static void test_deliver_vector_reaches_one_lapic(void **state)
{
    struct fixture *f = *state;
    struct vm *vm = f->vm;
    lapic_enable(vm, 1);
    clear_kicks(vm);
    platform_deliver_vector(vm, 1, 0xf3);
    assert_true(vm->vcpus[1].intr_maybe_pending);
    assert_false(vm->vcpus[0].intr_maybe_pending);
    assert_int_equal(platform_pending_interrupt(&vm->vcpus[0]), -1);
    int pending = platform_pending_interrupt(&vm->vcpus[1]);
    assert_int_equal(pending, 0xf3);
    assert_int_equal(platform_ack_interrupt(&vm->vcpus[1], pending), 0xf3);
    assert_int_equal(platform_pending_interrupt(&vm->vcpus[1]), -1);

    /* vCPUs the board does not have: ignored, their unused LAPIC slots untouched. */
    struct lapic spare = vm->platform.lapic[NR_VCPUS];
    static const unsigned none[] = { NR_VCPUS, PLATFORM_CPUS_MAX - 1, PLATFORM_CPUS_MAX, 255, 0xffffffffu };
    for (unsigned i = 0; i < 5; i++)
        platform_deliver_vector(vm, none[i], 0x40);
    assert_memory_equal(&spare, &vm->platform.lapic[NR_VCPUS], sizeof(spare));
    assert_false(vm->vcpus[NR_VCPUS].intr_maybe_pending);
    assert_int_equal(platform_pending_interrupt(&vm->vcpus[0]), -1);
    assert_int_equal(platform_pending_interrupt(&vm->vcpus[1]), -1);
}

/* Line -> IOAPIC pin -> APIC bus -> the LAPIC its entry names. */
static void test_ioapic_pin_reaches_the_routed_lapic(void **state)
{
    struct fixture *f = *state;
    struct vm *vm = f->vm;
    lapic_enable(vm, 1);
    ioapic_route(vm, 5, 0x35, 1);
    ioapic_route(vm, 2, 0x30, 0);       /* the PIT's pin */
    clear_kicks(vm);
    platform_set_gsi(vm, 5, true);
    assert_true(vm->vcpus[1].intr_maybe_pending);
    assert_int_equal(platform_pending_interrupt(&vm->vcpus[1]), 0x35);
    assert_int_equal(platform_pending_interrupt(&vm->vcpus[0]), -1);

    irq_set(platform_isa_irq(vm, 0), true);
    assert_int_equal(platform_pending_interrupt(&vm->vcpus[0]), 0x30);
    assert_int_equal(platform_ack_interrupt(&vm->vcpus[0], 0x30), 0x30);
    assert_int_equal(platform_pending_interrupt(&vm->vcpus[1]), 0x35);
    assert_int_equal(platform_ack_interrupt(&vm->vcpus[1], 0x35), 0x35);

    /* Physical destination 0xff is a broadcast: every LAPIC takes it. */
    ioapic_route(vm, 7, 0x57, 0xff);
    platform_set_gsi(vm, 7, true);
    assert_int_equal(platform_pending_interrupt(&vm->vcpus[0]), 0x57);
    assert_int_equal(platform_pending_interrupt(&vm->vcpus[1]), 0x57);
}

/* The PIC reaches vCPU 0 only, through LINT0 in virtual-wire mode; the
 * vector comes at the acknowledge. The PIC is programmed at its ports. */
static void test_pic_reaches_vcpu_0_through_lint0(void **state)
{
    struct fixture *f = *state;
    struct vm *vm = f->vm;
    port_out(vm, 0x20, 0x11);           /* ICW1: edge, cascade, ICW4 */
    port_out(vm, 0x21, 0x30);           /* ICW2: vectors 0x30.. */
    port_out(vm, 0x21, 0x04);           /* ICW3: slave on IR2 */
    port_out(vm, 0x21, 0x01);           /* ICW4: 8086 */
    port_out(vm, 0x21, 0xfd);           /* OCW1: only IRQ 1 unmasked */
    irq_set(platform_isa_irq(vm, 3), true);
    assert_int_equal(platform_pending_interrupt(&vm->vcpus[0]), -1);       /* masked */
    irq_set(platform_isa_irq(vm, 1), true);
    int pending = platform_pending_interrupt(&vm->vcpus[0]);
    assert_int_equal(pending, PENDING_PIC);
    assert_int_equal(platform_pending_interrupt(&vm->vcpus[1]), -1);
    /* Even with vCPU 1's LINT0 set to ExtINT too: the PIC is wired to vCPU 0. */
    lapic_setup_virtual_wire(&vm->platform.lapic[1]);
    assert_true(lapic_accepts_pic_interrupts(&vm->platform.lapic[1]));
    assert_int_equal(platform_pending_interrupt(&vm->vcpus[1]), -1);
    assert_int_equal(platform_ack_interrupt(&vm->vcpus[0], pending), 0x31);
}

/* --- ports that end the VM ----------------------------------------------------------- */

static void test_reset_and_poweroff_ports(void **state)
{
    struct fixture *f = *state;
    struct vcpu *v = &f->vm->vcpus[0];
    static const struct {
        uint16_t port;
        unsigned size;
        uint32_t val;
        enum vcpu_end end;
    } cases[] = {
        { 0xcf9, 1, 0x02, VCPU_RUNNING },       /* SYS_RST alone: nothing yet */
        { 0xcf9, 1, 0x06, END_REBOOT },         /* RST_CPU */
        { 0xcf9, 1, 0x0e, END_REBOOT },
        { 0x64, 1, 0xfe, END_REBOOT },          /* 8042 pulse of the reset line */
        { 0x64, 1, 0xff, VCPU_RUNNING },
        { ACPI_PM1_CNT, 2, (1u << 13) | (ACPI_S5_SLP_TYP << 10), END_POWEROFF },
        { ACPI_PM1_CNT, 2, (5u << 10), VCPU_RUNNING },     /* SLP_TYP without SLP_EN */
        { 0xcf8, 4, 0x80000000, VCPU_RUNNING }, /* a 32-bit CONFIG_ADDRESS write is no reset */
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        v->end = VCPU_RUNNING;
        vcpu_port_write(v, cases[i].port, cases[i].size, cases[i].val);
        assert_int_equal(v->end, cases[i].end);
    }
}

/* The monitor's shutdown of a native guest: the ACPI fixed power button
 * sets PM1_STS.PWRBTN_STS, raises the SCI (IRQ 9) only while PWRBTN_EN is
 * set, and a write of 1 clears it (ACPI 6.4 4.8.3.1). */
static void test_power_button(void **state)
{
    struct fixture *f = *state;
    struct vm *vm = f->vm;
    struct vcpu *v = &vm->vcpus[0];
    platform_power_button(vm);
    assert_int_equal(vcpu_port_read(v, ACPI_PM1_EVT, 2) & 0x100, 0x100);
    assert_false(ioapic_input(vm, ACPI_SCI_IRQ));       /* not enabled: no SCI */
    vcpu_port_write(v, ACPI_PM1_EVT + 2, 2, 0x100);     /* PWRBTN_EN */
    assert_true(ioapic_input(vm, ACPI_SCI_IRQ));
    assert_true(pic_input(vm, ACPI_SCI_IRQ));
    vcpu_port_write(v, ACPI_PM1_EVT, 2, 0x100);         /* write 1 to clear */
    assert_int_equal(vcpu_port_read(v, ACPI_PM1_EVT, 2) & 0x100, 0);
    assert_false(ioapic_input(vm, ACPI_SCI_IRQ));
    platform_power_button(vm);
    assert_true(ioapic_input(vm, ACPI_SCI_IRQ));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_ports_and_pages),
        T(test_board_msrs),
        T(test_isa_irq_reaches_pic_and_ioapic),
        T(test_irq0_reaches_ioapic_pin_2),
        T(test_unchanged_level_does_not_kick),
        T(test_set_gsi),
        T(test_deliver_vector_reaches_one_lapic),
        T(test_ioapic_pin_reaches_the_routed_lapic),
        T(test_pic_reaches_vcpu_0_through_lint0),
        T(test_reset_and_poweroff_ports),
        T(test_power_button),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
