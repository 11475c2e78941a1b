/* SPDX-License-Identifier: BSD-2-Clause */
/* Host e1000 (82540EM) driver: bring-up, polled transmit and receive on
 * legacy descriptor rings, every wait bounded by the clock; any CPU. */
#include <string.h>
#include "hw/e1000.h"
#include "drivers/e1000.h"
#include "host/tsc.h"
#include "lib/print.h"
#include "arch/x86/x86.h"

_Static_assert(E1000_RX_DESCS * sizeof(struct e1000_rx_desc) % E1000_RING_LEN_UNIT == 0 &&
                   E1000_TX_DESCS * sizeof(struct e1000_tx_desc) % E1000_RING_LEN_UNIT == 0,
               "RDLEN/TDLEN are multiples of 128 bytes");
_Static_assert(E1000_DMA_TX_RING == E1000_RX_DESCS * sizeof(struct e1000_rx_desc) &&
                   E1000_DMA_TX_RING + E1000_TX_DESCS * sizeof(struct e1000_tx_desc) <= E1000_DMA_RX_BUFS,
               "both rings fit in the first page of the DMA area");
_Static_assert(E1000_TX_FRAME_MAX <= E1000_BUF_BYTES && E1000_ETH_ZLEN <= E1000_BUF_BYTES,
               "a frame to send always fits one TX buffer");

#define UNRESPONSIVE    0xffffffffu /* what reads of a vanished or undecoded BAR give */
#define QUIESCE_NS      10000000ull /* after disabling RX/TX, before reset (Linux: 10 ms) */
#define RESET_SETTLE_NS 5000000ull  /* after setting RST, before any access (Linux: 5 ms) */

enum { KEEP = 0, DROP_ERROR, DROP_TOO_LONG }; /* nic->rx_drop */

/* ---- register access ------------------------------------------------------ */

static uint32_t rd(struct e1000 *nic, uint32_t reg)
{
    return nic->io.read32(nic->io.ctx, reg);
}

static void wr(struct e1000 *nic, uint32_t reg, uint32_t v)
{
    nic->io.write32(nic->io.ctx, reg, v);
}

static uint64_t now(struct e1000 *nic)
{
    return nic->io.now_ns(nic->io.ctx);
}

static void delay_ns(struct e1000 *nic, uint64_t ns)
{
    uint64_t start = now(nic);
    while (now(nic) - start < ns)
        cpu_relax();
}

/* Poll reg until (value & mask) == want. 0, -1 on timeout, -2 when it reads
 * all-ones (nobody answers); *last gets the last value read. */
static int wait_reg(struct e1000 *nic, uint32_t reg, uint32_t mask, uint32_t want,
                    uint64_t timeout_ns, uint32_t *last)
{
    uint64_t start = now(nic);
    for (;;) {
        uint32_t v = rd(nic, reg);
        *last = v;
        if (v == UNRESPONSIVE)
            return -2;
        if ((v & mask) == want)
            return 0;
        if (now(nic) - start > timeout_ns)
            return -1;
        cpu_relax();
    }
}

static uint64_t rx_buf_bus(const struct e1000 *nic, unsigned i)
{
    return nic->dma_bus + E1000_DMA_RX_BUFS + (uint64_t)i * E1000_BUF_BYTES;
}

static uint64_t tx_buf_bus(const struct e1000 *nic, unsigned i)
{
    return nic->dma_bus + E1000_DMA_TX_BUFS + (uint64_t)i * E1000_BUF_BYTES;
}

/* ---- bring-up --------------------------------------------------------------- */

/* One EEPROM word through EERD in the 82540EM layout (hw/e1000.h). */
static int eeprom_read(struct e1000 *nic, unsigned word, uint16_t *out, char *why, size_t why_size)
{
    uint32_t v;
    wr(nic, E1000_EERD, E1000_EERD_START | word << E1000_EERD_ADDR_SHIFT);
    int rc = wait_reg(nic, E1000_EERD, E1000_EERD_DONE, E1000_EERD_DONE, E1000_EEPROM_TIMEOUT_NS, &v);
    if (rc == -2) {
        snprintf(why, why_size, "e1000 unresponsive: EERD reads all-ones");
        return -1;
    }
    if (rc) {
        snprintf(why, why_size, "EEPROM read of word 0x%x did not complete (EERD 0x%x)", word, v);
        return -1;
    }
    *out = (uint16_t)(v >> E1000_EERD_DATA_SHIFT);
    return 0;
}

/* The MAC from words 0-2, once words 0x00-0x3f sum to 0xBABA (SDM ch. 5):
 * a device whose EEPROM fails that is not trusted, as Linux refuses it too.
 * Both emulators compute a valid checksum word. */
static int read_mac(struct e1000 *nic, char *why, size_t why_size)
{
    uint16_t sum = 0, words[3];
    for (unsigned w = 0; w <= E1000_EEPROM_CHECKSUM_WORD; w++) {
        uint16_t v;
        if (eeprom_read(nic, w, &v, why, why_size))
            return -1;
        if (w < 3)
            words[w] = v;
        sum = (uint16_t)(sum + v);
    }
    if (sum != E1000_EEPROM_SUM) {
        snprintf(why, why_size, "EEPROM checksum is 0x%04x, not 0x%04x", sum, E1000_EEPROM_SUM);
        return -1;
    }
    for (unsigned i = 0; i < 3; i++) {
        nic->mac[2 * i] = (uint8_t)words[i];
        nic->mac[2 * i + 1] = (uint8_t)(words[i] >> 8);
    }
    static const uint8_t zero[6];
    if ((nic->mac[0] & 1) || !memcmp(nic->mac, zero, sizeof(zero))) {
        snprintf(why, why_size, "EEPROM MAC %02x:%02x:%02x:%02x:%02x:%02x is not a unicast address",
                 nic->mac[0], nic->mac[1], nic->mac[2], nic->mac[3], nic->mac[4], nic->mac[5]);
        return -1;
    }
    return 0;
}

static void setup_rx(struct e1000 *nic)
{
    for (unsigned i = 0; i < E1000_RX_DESCS; i++) {
        volatile struct e1000_rx_desc *d = &nic->rx_ring[i];
        d->addr = rx_buf_bus(nic, i);
        d->length = 0;
        d->csum = 0;
        d->status = 0;
        d->errors = 0;
        d->special = 0;
    }
    uint64_t ring = nic->dma_bus + E1000_DMA_RX_RING;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    wr(nic, E1000_RDBAL, (uint32_t)ring);
    wr(nic, E1000_RDBAH, (uint32_t)(ring >> 32));
    wr(nic, E1000_RDLEN, E1000_RX_DESCS * sizeof(struct e1000_rx_desc));
    wr(nic, E1000_RDH, 0);
    /* N-1 buffers: RDH == RDT would mean "none" to QEMU but "all" to Bochs
     * right after an RDT write, so the driver never creates it. */
    wr(nic, E1000_RDT, E1000_RX_DESCS - 1);
    nic->rx_next = 0;
    /* Promiscuous (UPE | MPE): the uplink of a bridge carries the guests'
     * MACs, and Bochs has only 4 exact-match slots. SECRC: frames arrive
     * without FCS, as both emulators count it in length but never write it. */
    wr(nic, E1000_RCTL,
       E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_SECRC | E1000_RCTL_SZ_2048 | E1000_RCTL_UPE |
           E1000_RCTL_MPE);
}

static void setup_tx(struct e1000 *nic)
{
    for (unsigned i = 0; i < E1000_TX_DESCS; i++) {
        volatile struct e1000_tx_desc *d = &nic->tx_ring[i];
        d->addr = tx_buf_bus(nic, i);
        d->length = 0;
        d->cso = 0;
        d->cmd = 0;
        d->status = 0;
        d->css = 0;
        d->special = 0;
    }
    uint64_t ring = nic->dma_bus + E1000_DMA_TX_RING;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    wr(nic, E1000_TDBAL, (uint32_t)ring);
    wr(nic, E1000_TDBAH, (uint32_t)(ring >> 32));
    wr(nic, E1000_TDLEN, E1000_TX_DESCS * sizeof(struct e1000_tx_desc));
    wr(nic, E1000_TDH, 0);
    wr(nic, E1000_TDT, 0);
    nic->tx_tail = nic->tx_clean = 0;
    wr(nic, E1000_TCTL,
       E1000_TCTL_EN | E1000_TCTL_PSP | E1000_TCTL_CT_DEFAULT << E1000_TCTL_CT_SHIFT |
           E1000_TCTL_COLD_FD << E1000_TCTL_COLD_SHIFT);
    wr(nic, E1000_TIPG, E1000_TIPG_COPPER);
}

int e1000_init(struct e1000 *nic, const struct e1000_io *io, void *dma, uint64_t dma_bus, char *why,
               size_t why_size)
{
    memset(nic, 0, sizeof(*nic));
    nic->io = *io;
    if (!dma || ((uintptr_t)dma | dma_bus) & (E1000_DMA_ALIGN - 1)) {
        snprintf(why, why_size, "the DMA area must be 4 KiB-aligned (at %p, bus 0x%lx)", dma, dma_bus);
        return -1;
    }
    uint8_t *area = dma;
    nic->dma_bus = dma_bus;
    nic->rx_ring = (volatile struct e1000_rx_desc *)(area + E1000_DMA_RX_RING);
    nic->tx_ring = (volatile struct e1000_tx_desc *)(area + E1000_DMA_TX_RING);
    nic->rx_bufs = area + E1000_DMA_RX_BUFS;
    nic->tx_bufs = area + E1000_DMA_TX_BUFS;

    uint32_t v = rd(nic, E1000_STATUS);
    if (v == UNRESPONSIVE) {
        snprintf(why, why_size, "e1000 unresponsive: registers read all-ones");
        return -1;
    }
    /* Quiesce: no interrupts, receiver and transmitter off, and time for
     * DMA in flight to finish before the reset. */
    wr(nic, E1000_IMC, E1000_IMC_ALL);
    wr(nic, E1000_RCTL, 0);
    wr(nic, E1000_TCTL, E1000_TCTL_PSP);
    delay_ns(nic, QUIESCE_NS);

    /* Reset. Neither emulator really resets on RST (the bit only clears
     * itself), so everything below is programmed explicitly. */
    wr(nic, E1000_CTRL, rd(nic, E1000_CTRL) | E1000_CTRL_RST);
    delay_ns(nic, RESET_SETTLE_NS);
    int rc = wait_reg(nic, E1000_CTRL, E1000_CTRL_RST, 0, E1000_RESET_TIMEOUT_NS, &v);
    if (rc) {
        if (rc == -2)
            snprintf(why, why_size, "e1000 unresponsive: registers read all-ones after reset");
        else
            snprintf(why, why_size, "e1000 unresponsive: CTRL.RST still set after %u ms (CTRL 0x%x)",
                     (unsigned)(E1000_RESET_TIMEOUT_NS / 1000000), v);
        return -1;
    }
    wr(nic, E1000_IMC, E1000_IMC_ALL);
    (void)rd(nic, E1000_ICR); /* read-to-clear: no stale causes */

    /* Link up, PHY and link out of reset, and no VLAN mode: tagged frames
     * cross the bridge as they are. */
    v = rd(nic, E1000_CTRL);
    v = (v | E1000_CTRL_SLU) & ~(E1000_CTRL_LRST | E1000_CTRL_PHY_RST | E1000_CTRL_VME);
    wr(nic, E1000_CTRL, v);

    if (read_mac(nic, why, why_size))
        return -1;
    /* Bochs clears the receive addresses and QEMU preloads RA0: set RA0 in
     * both. With UPE it only matters to the device's own bookkeeping. */
    const uint8_t *m = nic->mac;
    wr(nic, E1000_RAL(0),
       (uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 | (uint32_t)m[3] << 24);
    wr(nic, E1000_RAH(0), (uint32_t)m[4] | (uint32_t)m[5] << 8 | E1000_RAH_AV);
    /* All 128 on hardware; Bochs keeps only MTA[0..31] and ignores the rest. */
    for (unsigned i = 0; i < E1000_MTA_WORDS; i++)
        wr(nic, E1000_MTA + 4 * i, 0);

    setup_rx(nic);
    setup_tx(nic);
    /* Keel has no device interrupts: every cause stays masked. */
    wr(nic, E1000_IMC, E1000_IMC_ALL);
    nic->up = true;
    return 0;
}

const uint8_t *e1000_mac(const struct e1000 *nic)
{
    return nic->mac;
}

/* ---- transmit --------------------------------------------------------------- */

/* Descriptors the device has written back are free again. */
static void tx_reclaim(struct e1000 *nic)
{
    while (nic->tx_clean != nic->tx_tail && (nic->tx_ring[nic->tx_clean].status & E1000_TXD_STAT_DD))
        nic->tx_clean = (nic->tx_clean + 1) % E1000_TX_DESCS;
    /* Nothing below may read or reuse a buffer before its DD was seen. */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
}

int e1000_send(struct e1000 *nic, const void *frame, size_t len)
{
    if (!nic->up)
        return -1;
    spin_lock(&nic->tx_lock);
    if (len < E1000_ETH_HLEN || len > E1000_TX_FRAME_MAX) {
        nic->tx_refused++;
        spin_unlock(&nic->tx_lock);
        return -1;
    }
    tx_reclaim(nic);
    unsigned i = nic->tx_tail, next = (i + 1) % E1000_TX_DESCS;
    if (next == nic->tx_clean) { /* TDT == TDH means empty: one slot stays unused */
        nic->tx_full++;
        spin_unlock(&nic->tx_lock);
        return -1;
    }
    uint8_t *buf = nic->tx_bufs + (size_t)i * E1000_BUF_BYTES;
    memcpy(buf, frame, len);
    size_t wire = len;
    /* Pad here rather than trust TCTL.PSP, which both emulators ignore. */
    if (wire < E1000_ETH_ZLEN) {
        memset(buf + len, 0, E1000_ETH_ZLEN - len);
        wire = E1000_ETH_ZLEN;
    }
    volatile struct e1000_tx_desc *d = &nic->tx_ring[i];
    d->addr = tx_buf_bus(nic, i);
    d->length = (uint16_t)wire;
    d->cso = 0;
    d->css = 0;
    d->special = 0;
    d->cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
    d->status = 0; /* a DD left from the ring's last lap would free it early */
    nic->tx_tail = next;
    __atomic_thread_fence(__ATOMIC_RELEASE); /* descriptor and data before the doorbell */
    wr(nic, E1000_TDT, next);
    nic->tx_frames++;
    nic->tx_bytes += len;
    spin_unlock(&nic->tx_lock);
    return 0;
}

/* ---- receive ---------------------------------------------------------------- */

/* Add one descriptor's data to the frame being gathered. The length comes
 * from the device and is checked against the buffer before any copy. */
static void rx_gather(struct e1000 *nic, unsigned i, uint16_t len, uint8_t errors)
{
    if (nic->rx_drop)
        return;
    if (errors || len > E1000_BUF_BYTES) {
        nic->rx_drop = DROP_ERROR;
        return;
    }
    if (len > E1000_RX_FRAME_MAX - nic->rx_len) {
        nic->rx_drop = DROP_TOO_LONG;
        return;
    }
    /* Copied out of the DMA buffer, so the frame cannot change under the
     * caller once the descriptor is the device's again. */
    memcpy(nic->rx_frame + nic->rx_len, nic->rx_bufs + (size_t)i * E1000_BUF_BYTES, len);
    nic->rx_len += len;
}

/* The frame's last descriptor was seen: deliver or count it. */
static bool rx_finish(struct e1000 *nic, void (*rx)(void *ctx, const uint8_t *frame, size_t len),
                      void *ctx)
{
    uint8_t drop = nic->rx_drop;
    if (drop == KEEP && nic->rx_len < E1000_ETH_HLEN)
        drop = DROP_ERROR;
    size_t len = nic->rx_len;
    nic->rx_len = 0;
    nic->rx_drop = KEEP;
    switch (drop) {
    case KEEP:
        nic->rx_frames++;
        nic->rx_bytes += len;
        rx(ctx, nic->rx_frame, len);
        return true;
    case DROP_TOO_LONG:
        nic->rx_too_long++;
        return false;
    default:
        nic->rx_errors++;
        return false;
    }
}

unsigned e1000_poll(struct e1000 *nic, void (*rx)(void *ctx, const uint8_t *frame, size_t len),
                    void *ctx, unsigned budget)
{
    if (!nic->up)
        return 0;
    unsigned delivered = 0, seen = 0, last = 0;
    spin_lock(&nic->rx_lock);
    /* One lap at most: a device that keeps setting DD cannot hold the CPU. */
    while (delivered < budget && seen < E1000_RX_DESCS) {
        unsigned i = nic->rx_next;
        volatile struct e1000_rx_desc *d = &nic->rx_ring[i];
        uint8_t status = d->status;
        if (!(status & E1000_RXD_STAT_DD))
            break;
        __atomic_thread_fence(__ATOMIC_ACQUIRE); /* the rest after DD */
        rx_gather(nic, i, d->length, d->errors);
        /* Back to the device as new: Bochs ORs its bits into the status it
         * reads back, so a DD or EOP left here would come back as a
         * phantom frame. addr is rewritten in case it was disturbed. */
        d->addr = rx_buf_bus(nic, i);
        d->length = 0;
        d->errors = 0;
        d->status = 0;
        last = i;
        nic->rx_next = (i + 1) % E1000_RX_DESCS;
        seen++;
        if ((status & E1000_RXD_STAT_EOP) && rx_finish(nic, rx, ctx))
            delivered++;
    }
    if (seen) {
        /* The device owns RDH..RDT-1: RDT at the last descriptor taken
         * hands back all but that one, so RDH never equals RDT after this
         * write. */
        __atomic_thread_fence(__ATOMIC_RELEASE);
        wr(nic, E1000_RDT, last);
    }
    spin_unlock(&nic->rx_lock);
    return delivered;
}

/* ---- counters ----------------------------------------------------------- */

/* Relaxed loads: a snapshot that never waits for a poll or send to finish. */
void e1000_stats(const struct e1000 *nic, struct e1000_stats *out)
{
    out->tx_frames = __atomic_load_n(&nic->tx_frames, __ATOMIC_RELAXED);
    out->tx_bytes = __atomic_load_n(&nic->tx_bytes, __ATOMIC_RELAXED);
    out->tx_full = __atomic_load_n(&nic->tx_full, __ATOMIC_RELAXED);
    out->tx_refused = __atomic_load_n(&nic->tx_refused, __ATOMIC_RELAXED);
    out->rx_frames = __atomic_load_n(&nic->rx_frames, __ATOMIC_RELAXED);
    out->rx_bytes = __atomic_load_n(&nic->rx_bytes, __ATOMIC_RELAXED);
    out->rx_errors = __atomic_load_n(&nic->rx_errors, __ATOMIC_RELAXED);
    out->rx_too_long = __atomic_load_n(&nic->rx_too_long, __ATOMIC_RELAXED);
}

/* ---- Keel's own accessors ------------------------------------------------- */

static uint32_t mmio_read32(void *ctx, uint32_t reg)
{
    return *(volatile uint32_t *)((uintptr_t)ctx + reg);
}

static void mmio_write32(void *ctx, uint32_t reg, uint32_t val)
{
    *(volatile uint32_t *)((uintptr_t)ctx + reg) = val;
}

static uint64_t tsc_now_ns(void *ctx)
{
    (void)ctx;
    return tsc_to_ns(rdtsc());
}

int e1000_mmio_io(struct e1000_io *io, uint64_t bar0, char *why, size_t why_size)
{
    /* Host paging maps the low 4 GiB of MMIO uncached (host/paging.c). */
    if (!bar0 || (bar0 & 0xf) || bar0 > (4ull << 30) - E1000_MMIO_BYTES) {
        snprintf(why, why_size, "e1000 BAR0 at 0x%lx is outside the host's MMIO map (below 4 GiB)",
                 bar0);
        return -1;
    }
    if (!tsc_hz()) {
        snprintf(why, why_size, "the e1000 driver needs a calibrated TSC");
        return -1;
    }
    *io = (struct e1000_io){ .read32 = mmio_read32,
                             .write32 = mmio_write32,
                             .now_ns = tsc_now_ns,
                             .ctx = (void *)(uintptr_t)bar0 };
    return 0;
}
