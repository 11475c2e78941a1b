/* SPDX-License-Identifier: BSD-2-Clause */
/* Keel's network at boot: bridges from the command line, and the uplink:
 * the machine's e1000 as a port of one bridge, polled by CPU 0. */
#include <string.h>
#include "arch/x86/x86.h"
#include "drivers/e1000.h"
#include "drivers/pci.h"
#include "host/bootinfo.h"
#include "host/palloc.h"
#include "host/tsc.h"
#include "lib/print.h"
#include "net/vswitch.h"
#include "vcpu/machine.h"
#include "ctl/network.h"

#define E1000_VENDOR    0x8086u
#define E1000_DEVICE    0x100Eu     /* 82540EM: what Bochs and QEMU emulate */
/* With no NIC interrupts, CPU 0 looks at the RX ring between slices and at
 * least this often while idle: 1 ms bounds a frame's wait, and an idle
 * look costs one descriptor read. */
#define UPLINK_POLL_NS  1000000u
#define UPLINK_BUDGET   32u         /* frames per look, so a flood cannot hold CPU 0 */

static struct e1000 nic;
static struct net_port uplink;
static bool uplink_up;

static uint64_t now_ms(void *ctx)
{
    (void)ctx;
    return tsc_to_ns(rdtsc()) / 1000000u;
}

static void create_bridge(const char *name, size_t n)
{
    char buf[32];
    if (n == 0 || n >= sizeof(buf)) {
        printk("keel: bridges: an empty or too long bridge name\n");
        return;
    }
    memcpy(buf, name, n);
    buf[n] = '\0';
    if (!vswitch_bridge_create(buf))
        printk("keel: bridges: cannot create bridge \"%s\" (1-15 of A-Za-z0-9_.-, at most %u bridges)\n",
               buf, VSWITCH_BRIDGES_MAX);
}

/* The switch hands the uplink ordinary frames of at most 1514 bytes with
 * complete checksums (its flags below ask for that); a full TX ring drops. */
static bool uplink_deliver(void *ctx, const uint8_t *frame, size_t len, const struct net_offload *off)
{
    (void)off;
    return e1000_send(ctx, frame, len) == 0;
}

static const struct net_port_ops uplink_ops = { .deliver = uplink_deliver };

static void uplink_received(void *ctx, const uint8_t *frame, size_t len)
{
    static const struct net_offload none;
    vswitch_send(ctx, frame, len, &none);
}

/* The e1000 at fn: its BAR0, memory decoding and bus mastering on, rings
 * in Keel's memory, the device programmed. 0, or -1 with why[] set. */
static int bring_up(struct host_pci_fn fn, struct host_pci_bar *bar, char *why, size_t why_size)
{
    struct e1000_io io;
    if (host_pci_mem_bar(&host_pci_ports, fn, 0, bar, why, why_size))
        return -1;
    host_pci_enable_mem_master(&host_pci_ports, fn);
    if (e1000_mmio_io(&io, bar->base, why, why_size))
        return -1;
    uint64_t pages = (E1000_DMA_BYTES + PAGE_SIZE - 1) / PAGE_SIZE;
    uint64_t dma = palloc_alloc(pages, E1000_DMA_ALIGN);
    if (!dma) {
        snprintf(why, why_size, "%s", "no memory for its rings");
        return -1;
    }
    /* On failure the rings stay allocated: the device may have been given
     * their addresses, and must not DMA into memory handed out again. */
    return e1000_init(&nic, &io, (void *)(uintptr_t)dma, dma, why, why_size);
}

/* `uplink=BRIDGE`: find the e1000, bring it up, attach it. */
static void uplink_init(const char *name, size_t n)
{
    char bridge[32], why[128];
    if (n == 0 || n >= sizeof(bridge)) {
        printk("keel: uplink: an empty or too long bridge name\n");
        return;
    }
    memcpy(bridge, name, n);
    bridge[n] = '\0';
    struct vswitch_bridge *br = vswitch_bridge_find(bridge);
    if (!br) {
        printk("keel: uplink: no bridge \"%s\" (name it in bridges=)\n", bridge);
        return;
    }
    struct host_pci_fn fn;
    struct host_pci_bar bar;
    if (host_pci_find(&host_pci_ports, E1000_VENDOR, E1000_DEVICE, &fn)) {
        printk("keel: uplink: no Intel e1000 (8086:100e) on the PCI bus; bridge %s works without one\n",
               bridge);
        return;
    }
    if (bring_up(fn, &bar, why, sizeof(why))) {
        printk("keel: uplink: e1000 at %02x:%02x.%x: %s; bridge %s works without it\n", fn.bus, fn.dev, fn.fn,
               why, bridge);
        return;
    }
    const uint8_t *mac = e1000_mac(&nic);
    memcpy(uplink.name, "uplink", 7);
    memcpy(uplink.mac, mac, NET_MAC_LEN);
    uplink.mac_locked = false;          /* it carries the outside world's MACs */
    uplink.accepts_csum_partial = false;
    uplink.accepts_gso = false;
    uplink.ops = &uplink_ops;
    uplink.ctx = &nic;
    if (vswitch_attach(br, &uplink)) {
        printk("keel: uplink: bridge %s refused the port\n", bridge);
        return;
    }
    uplink_up = true;
    printk("keel: uplink: e1000 at %02x:%02x.%x, MMIO %lx, MAC %02x:%02x:%02x:%02x:%02x:%02x, on bridge %s\n",
           fn.bus, fn.dev, fn.fn, bar.base, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], bridge);
}

void network_init(const char *cmdline)
{
    vswitch_init(now_ms, NULL);
    create_bridge("xenbr0", 6);
    size_t n;
    const char *list = cmdline_option(cmdline, "bridges", &n);
    while (list && n) {
        const char *comma = memchr(list, ',', n);
        size_t len = comma ? (size_t)(comma - list) : n;
        create_bridge(list, len);
        if (!comma)
            break;
        n -= len + 1;
        list = comma + 1;
    }
    const char *up = cmdline_option(cmdline, "uplink", &n);
    if (up)
        uplink_init(up, n);
}

uint64_t network_poll(uint64_t now)
{
    if (!uplink_up)
        return NO_DEADLINE;
    e1000_poll(&nic, uplink_received, &uplink, UPLINK_BUDGET);
    return now + ns_to_tsc(UPLINK_POLL_NS);
}

void network_print_stats(void)
{
    if (!uplink_up)
        return;
    struct e1000_stats s;
    struct net_port_stats p;
    e1000_stats(&nic, &s);
    vswitch_port_stats(&uplink, &p);
    printk("keel: uplink: tx %lu frames %lu bytes (ring full %lu), rx %lu frames %lu bytes (errors %lu); "
           "switch: invalid %lu, dropped %lu\n", s.tx_frames, s.tx_bytes, s.tx_full, s.rx_frames, s.rx_bytes,
           s.rx_errors + s.rx_too_long, p.invalid, p.tx_dropped);
}
