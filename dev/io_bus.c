/* SPDX-License-Identifier: BSD-2-Clause */
/* Port I/O dispatch table (vCPU's CPU, at I/O exits). */
#include <stddef.h>
#include "dev/bochs_shutdown.h"
#include "dev/debug_exit.h"
#include "dev/io_bus.h"
#include "dev/uart.h"
#include "pvio/xen.h"
#include "vm/platform.h"
#include "vm/vm.h"

struct io_range {
    uint16_t first, last;
    uint32_t (*read)(struct vcpu *v, uint16_t port, unsigned size);
    void (*write)(struct vcpu *v, uint16_t port, unsigned size, uint32_t val);
};

static const struct io_range io_ranges[] = {
    { DEBUG_EXIT_PORT, DEBUG_EXIT_PORT + DEBUG_EXIT_SIZE - 1, NULL, debug_exit_write },
    { UART_COM1_BASE, UART_COM1_BASE + 7, uart_io_read, uart_io_write },
    { BOCHS_SHUTDOWN_PORT, BOCHS_SHUTDOWN_PORT, NULL, bochs_shutdown_write },
    /* The PC platform (vm/platform.c): PICs, PIT, port B, RTC, 8042, ACPI PM,
     * PCI configuration and reset control, fw_cfg. */
    { 0x20, 0x21, platform_io_read, platform_io_write },
    { 0x40, 0x43, platform_io_read, platform_io_write },
    { 0x60, 0x60, platform_io_read, platform_io_write },
    { 0x61, 0x61, platform_io_read, platform_io_write },
    { 0x64, 0x64, platform_io_read, platform_io_write },
    { 0x70, 0x71, platform_io_read, platform_io_write },
    { 0xa0, 0xa1, platform_io_read, platform_io_write },
    { 0x4d0, 0x4d1, platform_io_read, platform_io_write },
    { 0x510, 0x511, platform_io_read, platform_io_write },
    { 0x600, 0x60b, platform_io_read, platform_io_write },
    { 0xcf8, 0xcff, platform_io_read, platform_io_write },
    /* Xen's emulated-device unplug protocol, for Xen-mode VMs (pvio/). */
    { XEN_UNPLUG_PORT_FIRST, XEN_UNPLUG_PORT_LAST, xen_unplug_io_read, xen_unplug_io_write },
};

static const struct io_range *find(uint16_t port)
{
    for (size_t i = 0; i < sizeof(io_ranges) / sizeof(io_ranges[0]); i++)
        if (port >= io_ranges[i].first && port <= io_ranges[i].last)
            return &io_ranges[i];
    return NULL;
}

uint32_t io_read(struct vcpu *v, uint16_t port, unsigned size)
{
    const struct io_range *r = find(port);
    if (!r || !r->read)
        return 0xffffffffu;
    return r->read(v, port, size);
}

void io_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t val)
{
    const struct io_range *r = find(port);
    if (r && r->write)
        r->write(v, port, size, val);
}
