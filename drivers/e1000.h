/* SPDX-License-Identifier: BSD-2-Clause */
/* The machine's Intel 82540EM (e1000) NIC, the virtual switch's uplink: polled, any CPU. */
#ifndef KEEL_DRIVERS_E1000_H
#define KEEL_DRIVERS_E1000_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arch/x86/spinlock.h"
#include "hw/e1000.h"

/* How the driver reaches the device: 32-bit register access in BAR0 and a
 * clock. Keel's own (e1000_mmio_io) uses uncached loads and stores at the
 * identity-mapped BAR and the TSC; a host unit test attaches a simulated
 * device. reg is a byte offset (E1000_CTRL ...). */
struct e1000_io {
    uint32_t (*read32)(void *ctx, uint32_t reg);
    void (*write32)(void *ctx, uint32_t reg, uint32_t val);
    uint64_t (*now_ns)(void *ctx); /* monotonic nanoseconds: bounds every wait */
    void *ctx;
};

/* Every wait on the device is bounded. */
#define E1000_RESET_TIMEOUT_NS  100000000ull /* CTRL.RST to clear */
#define E1000_EEPROM_TIMEOUT_NS 10000000ull  /* each EERD word */

/* Rings and buffers. Every TX descriptor has its own bounce buffer, so a
 * frame is copied once and the caller's memory is free on return. */
#define E1000_RX_DESCS  64
#define E1000_TX_DESCS  64
#define E1000_BUF_BYTES 2048 /* RX and TX buffers (RCTL BSIZE 2048) */
#define E1000_ETH_HLEN  14
#define E1000_ETH_ZLEN  60 /* shortest frame on the wire, FCS excluded */
/* The longest frame e1000_send takes: an Ethernet header and a 1500-byte
 * payload, no FCS (the NIC appends it). The virtual switch segments GSO
 * frames before they reach the uplink, so nothing longer arrives there;
 * one frame always fits one TX buffer. */
#define E1000_TX_FRAME_MAX 1514
/* The longest frame e1000_poll hands up: 1514 plus an 802.1Q tag and
 * room for an FCS the device did not strip. A bridge uplink at MTU 1500
 * needs no more; longer frames (which span RX descriptors) are dropped. */
#define E1000_RX_FRAME_MAX 1522

/* The DMA area the caller hands to e1000_init: zeroed, physically
 * contiguous, 4 KiB-aligned, E1000_DMA_BYTES long (65 pages). Layout: the
 * RX ring at 0, the TX ring at 1 KiB, RX buffers from 4 KiB, TX buffers
 * after them. */
#define E1000_DMA_RX_RING 0
#define E1000_DMA_TX_RING (E1000_RX_DESCS * 16)
#define E1000_DMA_RX_BUFS 4096
#define E1000_DMA_TX_BUFS (E1000_DMA_RX_BUFS + E1000_RX_DESCS * E1000_BUF_BYTES)
#define E1000_DMA_BYTES   (E1000_DMA_TX_BUFS + E1000_TX_DESCS * E1000_BUF_BYTES)
#define E1000_DMA_ALIGN   4096

struct e1000_stats {
    uint64_t tx_frames, tx_bytes; /* handed to the device */
    uint64_t tx_full;             /* refused: no free TX descriptor */
    uint64_t tx_refused;          /* refused: shorter than a header or over E1000_TX_FRAME_MAX */
    uint64_t rx_frames, rx_bytes; /* handed to the caller */
    uint64_t rx_errors;           /* dropped: error bits, bad or empty descriptors */
    uint64_t rx_too_long;         /* dropped: over E1000_RX_FRAME_MAX */
};

/* One NIC. Fields are the driver's; callers use the functions below. */
struct e1000 {
    struct e1000_io io;
    bool up; /* e1000_init succeeded */
    uint8_t mac[6];
    uint64_t dma_bus; /* bus address of the DMA area */
    volatile struct e1000_rx_desc *rx_ring;
    volatile struct e1000_tx_desc *tx_ring;
    uint8_t *rx_bufs, *tx_bufs;

    /* Transmit side, under tx_lock: descriptors tx_clean..tx_tail-1 are
     * the device's until it writes DD back. */
    struct spinlock tx_lock;
    unsigned tx_tail, tx_clean;
    uint64_t tx_frames, tx_bytes, tx_full, tx_refused;

    /* Receive side, under rx_lock: rx_next is the next descriptor to look
     * at; a frame spanning descriptors is gathered in rx_frame. */
    struct spinlock rx_lock;
    unsigned rx_next;
    size_t rx_len;   /* bytes of the current frame gathered so far */
    uint8_t rx_drop; /* 0, or why the current frame is being dropped */
    uint64_t rx_frames, rx_bytes, rx_errors, rx_too_long;
    uint8_t rx_frame[E1000_RX_FRAME_MAX];
};

/* Fill *io with Keel's own accessors for a device whose BAR0 is at bar0:
 * 32-bit volatile loads and stores through the host's identity map (low
 * 4 GiB MMIO, uncached: host/paging.c) and the TSC. -1 with a reason when
 * the BAR lies outside that map or the TSC is not calibrated. */
int e1000_mmio_io(struct e1000_io *io, uint64_t bar0, char *why, size_t why_size);

/* Bring the NIC up (SDM 14.3-14.5, Linux's e1000_reset_hw and
 * e1000_configure_*, adapted to the emulators): interrupts masked, device
 * reset (and everything re-programmed, since the emulators do not really
 * reset), MAC read from the EEPROM through EERD with its 0xBABA checksum
 * checked, RAL0/RAH0 set, the multicast table cleared, the RX ring with
 * E1000_RX_DESCS - 1 buffers handed over, RCTL = EN | BAM | SECRC |
 * BSIZE 2048 | UPE | MPE (promiscuous: the uplink of a bridge carries
 * other MACs), the TX ring, TCTL, TIPG, CTRL.SLU, and no interrupt enabled
 * (the driver is polled). dma is the area described above and dma_bus its
 * bus address (Keel: the same number, memory being identity-mapped).
 * Setting Memory Space and Bus Master in the device's PCI COMMAND is the
 * caller's job (drivers/pci.h). Returns 0, or -1 with a reason in why
 * (an unresponsive device, an EEPROM that does not answer or fails its
 * checksum, a bad DMA area); every wait is bounded. Call once per device
 * before any other function, on one CPU. */
int e1000_init(struct e1000 *nic, const struct e1000_io *io, void *dma, uint64_t dma_bus, char *why,
               size_t why_size);

/* The Ethernet address read from the EEPROM. */
const uint8_t *e1000_mac(const struct e1000 *nic);

/* Queue one Ethernet frame (header included, FCS excluded, checksums
 * already correct: the driver never asks the device for checksum offload,
 * which both emulators ignore in legacy descriptors). It is copied into
 * the next TX buffer, padded with zeros to E1000_ETH_ZLEN, and handed over
 * with EOP | IFCS | RS; finished descriptors are reclaimed first. Returns
 * 0, or -1 when the ring is full (stats tx_full: try again after the
 * device caught up) or len is under E1000_ETH_HLEN or over
 * E1000_TX_FRAME_MAX (tx_refused), or the NIC is not up. Any CPU. */
int e1000_send(struct e1000 *nic, const void *frame, size_t len);

/* Hand up to budget received frames to rx(ctx, frame, len), in order, and
 * return how many. frame is the driver's copy, valid during the call. At
 * most one ring's worth of descriptors is looked at per call. Frames with
 * error bits, over E1000_RX_FRAME_MAX or shorter than a header are dropped
 * and counted; every descriptor is given back with its status zeroed. 0 on
 * a NIC that is not up. Any CPU; concurrent polls take turns. rx may call
 * e1000_send (transmit has its own lock) but not e1000_poll on the same NIC. */
unsigned e1000_poll(struct e1000 *nic, void (*rx)(void *ctx, const uint8_t *frame, size_t len),
                    void *ctx, unsigned budget);

/* A snapshot of the counters. */
void e1000_stats(const struct e1000 *nic, struct e1000_stats *out);

#endif
