/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for the host e1000 driver (drivers/e1000.c) against a
 * simulated 82540EM with the quirks of Bochs 2.7 or QEMU 7.2: bring-up
 * register by register, the MAC from the EEPROM, transmit to a simulated
 * wire, receive of single, multi-descriptor, erroneous and oversized frames,
 * descriptor recycling, unresponsive and hostile devices, PCI gating
 * (drivers/pci.c over tests/unit/fake_pci.c), and CPUs sending and polling
 * at once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hw/e1000.h"
#include "hw/pci.h"
#include "drivers/e1000.h"
#include "drivers/pci.h"
#include "tests/unit/fake_pci.h"

/* ---- stand-ins for Keel services the driver uses --------------------------- */

static uint64_t fake_tsc_hz;

uint64_t tsc_hz(void)
{
    return fake_tsc_hz; /* e1000_mmio_io only checks it; the tests bring their own clock */
}

/* ---- the simulated device ---------------------------------------------------- */

enum sim_model { BOCHS, QEMU };

#define REGS     (E1000_MMIO_BYTES / 4)
#define WIRE_MAX 4096
#define WLOG_MAX 4096
#define R(reg)   sim.regs[(reg) / 4]

struct wire_frame {
    uint16_t len;
    uint8_t cmd;
    uint8_t data[E1000_BUF_BYTES];
};

struct sim {
    enum sim_model model;
    uint32_t regs[REGS];
    uint16_t eeprom[64];
    uint64_t clock_ns;
    uint32_t ims;             /* the interrupt mask IMS/IMC edit */
    uintptr_t dma_lo, dma_hi; /* where DMA may go: the driver's area */
    /* faults and odd behaviour */
    bool dead;               /* every read all-ones, writes lost */
    bool rst_stuck;          /* CTRL.RST never clears */
    bool eerd_stuck;         /* EERD never reports DONE */
    bool tx_stalled;         /* TDT writes do not transmit */
    unsigned max_chunk;      /* RX bytes per descriptor at most */
    struct fake_pci_fn *pci; /* QEMU: COMMAND gates MMIO and RX DMA */
    /* what was seen */
    unsigned resets, rdt_writes, rdh_eq_rdt;
    bool bochs_all_avail; /* Bochs check_rxov: RDH == RDT after an RDT write */
    unsigned rx_no_buffer, rx_no_master, rx_filtered;
    uint8_t tx_pkt[8192];
    size_t tx_pkt_len;
    unsigned wire_n;
    struct wire_frame *wire;
    struct {
        uint32_t reg, val;
    } wlog[WLOG_MAX];
    unsigned wlog_n;
    pthread_mutex_t lock;
};

static struct sim sim;
static const uint8_t sim_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static void eeprom_checksum(void)
{
    uint16_t sum = 0;
    for (unsigned i = 0; i < E1000_EEPROM_CHECKSUM_WORD; i++)
        sum = (uint16_t)(sum + sim.eeprom[i]);
    sim.eeprom[E1000_EEPROM_CHECKSUM_WORD] = (uint16_t)(E1000_EEPROM_SUM - sum);
}

static void eeprom_mac(const uint8_t *mac)
{
    for (unsigned i = 0; i < 3; i++)
        sim.eeprom[i] = (uint16_t)(mac[2 * i] | mac[2 * i + 1] << 8);
    eeprom_checksum();
}

/* Power-on state, plus what a BIOS or an earlier driver may have left: the
 * emulators do not reset on CTRL.RST, so the driver must overwrite it all. */
static void sim_init(enum sim_model model)
{
    uintptr_t lo = sim.dma_lo, hi = sim.dma_hi;
    free(sim.wire);
    memset(&sim, 0, sizeof(sim));
    sim.dma_lo = lo;
    sim.dma_hi = hi;
    pthread_mutex_init(&sim.lock, NULL);
    sim.model = model;
    sim.wire = calloc(WIRE_MAX, sizeof(struct wire_frame));
    sim.max_chunk = E1000_BUF_BYTES;
    R(E1000_CTRL) = 0x00140240 | E1000_CTRL_VME; /* SLU | SPD_1000 | SWDPIN0/2, stale VME */
    R(E1000_STATUS) = 0x00000083;                /* FD | LU | 1000 Mb/s */
    sim.eeprom[5] = 0x0420;
    sim.eeprom[0x0a] = 0xf746;
    eeprom_mac(sim_mac);
    if (model == QEMU) { /* RA0 preloaded with the MAC */
        R(E1000_RAL(0)) = (uint32_t)sim_mac[0] | sim_mac[1] << 8 | sim_mac[2] << 16 |
                          (uint32_t)sim_mac[3] << 24;
        R(E1000_RAH(0)) = (uint32_t)sim_mac[4] | sim_mac[5] << 8 | E1000_RAH_AV;
    }
    /* Leftovers. */
    sim.ims = 0x9d;
    R(E1000_RCTL) = E1000_RCTL_EN | E1000_RCTL_LPE | E1000_RCTL_SBP;
    R(E1000_RDBAL) = 0x1000;
    R(E1000_RDLEN) = 4096;
    R(E1000_RDH) = 7;
    R(E1000_RDT) = 3;
    R(E1000_TDH) = 9;
    R(E1000_TDT) = 9;
    for (unsigned i = 0; i < E1000_MTA_WORDS; i++)
        R(E1000_MTA + 4 * i) = 0xdead0000 + i;
}

static bool decoding(void)
{
    return !sim.pci || (fake_pci_command(sim.pci) & PCI_COMMAND_MEMORY);
}

static void check_dma(uint64_t addr, size_t len)
{
    if (addr < sim.dma_lo || addr > sim.dma_hi || len > sim.dma_hi - addr)
        fail_msg("DMA to 0x%lx+%zu outside the driver's area", (unsigned long)addr, len);
}

static uint32_t eerd_read(void)
{
    uint32_t r = R(E1000_EERD);
    if (!(r & E1000_EERD_START))
        return r;
    if (sim.eerd_stuck)
        return r & ~E1000_EERD_DONE;
    r &= ~E1000_EERD_START;
    unsigned word = r >> E1000_EERD_ADDR_SHIFT;
    if (word > E1000_EEPROM_CHECKSUM_WORD)
        return r | E1000_EERD_DONE;
    return (uint32_t)sim.eeprom[word] << E1000_EERD_DATA_SHIFT | E1000_EERD_DONE | r;
}

static void sim_transmit(void)
{
    if (!(R(E1000_TCTL) & E1000_TCTL_EN) || sim.tx_stalled)
        return;
    unsigned n = R(E1000_TDLEN) / 16;
    uint64_t base = (uint64_t)R(E1000_TDBAH) << 32 | R(E1000_TDBAL);
    if (!n)
        return;
    check_dma(base, n * 16);
    struct e1000_tx_desc *ring = (struct e1000_tx_desc *)(uintptr_t)base;
    /* Both emulators transmit synchronously on the TDT write. */
    while (R(E1000_TDH) != R(E1000_TDT) && R(E1000_TDH) < n) {
        struct e1000_tx_desc *d = &ring[R(E1000_TDH)];
        check_dma(d->addr, d->length);
        if (sim.tx_pkt_len + d->length > sizeof(sim.tx_pkt))
            fail_msg("TX frame beyond %zu bytes", sizeof(sim.tx_pkt));
        memcpy(sim.tx_pkt + sim.tx_pkt_len, (void *)(uintptr_t)d->addr, d->length);
        sim.tx_pkt_len += d->length;
        if (d->cmd & E1000_TXD_CMD_EOP) {
            if (sim.wire_n >= WIRE_MAX)
                fail_msg("wire full");
            struct wire_frame *w = &sim.wire[sim.wire_n++];
            w->len = (uint16_t)sim.tx_pkt_len;
            w->cmd = d->cmd;
            memcpy(w->data, sim.tx_pkt,
                   sim.tx_pkt_len > sizeof(w->data) ? sizeof(w->data) : sim.tx_pkt_len);
            sim.tx_pkt_len = 0;
        }
        if (d->cmd & E1000_TXD_CMD_RS)
            d->status |= E1000_TXD_STAT_DD; /* both OR DD into what they read */
        R(E1000_TDH) = (R(E1000_TDH) + 1) % n;
    }
    R(E1000_ICR) |= E1000_ICR_TXDW | E1000_ICR_TXQE;
}

static uint32_t sim_read32(void *ctx, uint32_t reg)
{
    (void)ctx;
    pthread_mutex_lock(&sim.lock);
    __atomic_add_fetch(&sim.clock_ns, 1000, __ATOMIC_RELAXED);
    if (reg >= E1000_MMIO_BYTES || reg % 4)
        fail_msg("read of 0x%x", reg);
    uint32_t v;
    if (sim.dead || !decoding()) {
        v = 0xffffffffu;
    } else if (reg == E1000_ICR) {
        v = R(E1000_ICR);
        R(E1000_ICR) = 0;
    } else if (reg == E1000_IMS) {
        v = sim.ims;
    } else if (reg == E1000_EERD) {
        v = eerd_read();
    } else {
        v = R(reg);
    }
    pthread_mutex_unlock(&sim.lock);
    return v;
}

static void sim_write32(void *ctx, uint32_t reg, uint32_t v)
{
    (void)ctx;
    pthread_mutex_lock(&sim.lock);
    if (reg >= E1000_MMIO_BYTES || reg % 4)
        fail_msg("write of 0x%x", reg);
    if (sim.dead || !decoding()) {
        pthread_mutex_unlock(&sim.lock);
        return;
    }
    if (sim.wlog_n < WLOG_MAX) {
        sim.wlog[sim.wlog_n].reg = reg;
        sim.wlog[sim.wlog_n++].val = v;
    }
    bool bochs = sim.model == BOCHS;
    switch (reg) {
    case E1000_CTRL:
        sim.resets += !!(v & E1000_CTRL_RST);
        /* Neither emulator resets anything: RST just clears itself. */
        R(reg) = sim.rst_stuck ? v : v & ~E1000_CTRL_RST;
        break;
    case E1000_STATUS:
        break;
    case E1000_ICR:
        R(reg) &= ~v;
        break;
    case E1000_IMS:
        sim.ims |= v;
        break;
    case E1000_IMC:
        sim.ims &= ~v;
        break;
    case E1000_RDLEN:
    case E1000_TDLEN:
        R(reg) = v & 0xfff80;
        break;
    case E1000_RDH:
    case E1000_TDH:
        R(reg) = v & 0xffff;
        break;
    case E1000_RDT:
        R(reg) = v & 0xffff;
        sim.rdt_writes++;
        if (R(E1000_RDH) == R(E1000_RDT)) {
            sim.rdh_eq_rdt++;
            sim.bochs_all_avail = bochs;
        }
        break;
    case E1000_TDT:
        R(reg) = v & 0xffff;
        sim_transmit();
        break;
    case E1000_TCTL:
        R(reg) = v;
        sim_transmit();
        break;
    default:
        if (bochs && reg >= E1000_RAL(4) && reg < E1000_RAL(16))
            break; /* Bochs has 4 receive-address pairs */
        if (bochs && reg >= E1000_MTA + 4 * 32 && reg < E1000_MTA + 4 * E1000_MTA_WORDS)
            break; /* and MTA[0..31] */
        R(reg) = v;
    }
    pthread_mutex_unlock(&sim.lock);
}

static uint64_t sim_now(void *ctx)
{
    (void)ctx;
    return __atomic_add_fetch(&sim.clock_ns, 1000, __ATOMIC_RELAXED);
}

static const struct e1000_io sim_io = {
    .read32 = sim_read32,
    .write32 = sim_write32,
    .now_ns = sim_now,
    .ctx = &sim,
};

static bool accepts(const uint8_t *dst)
{
    uint32_t rctl = R(E1000_RCTL);
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    if (!memcmp(dst, bcast, 6))
        return rctl & E1000_RCTL_BAM;
    if (dst[0] & 1)
        return rctl & E1000_RCTL_MPE; /* (no MTA hash in this model) */
    if (rctl & E1000_RCTL_UPE)
        return true;
    for (unsigned n = 0; n < (sim.model == BOCHS ? 4u : 16u); n++) {
        uint32_t lo = R(E1000_RAL(n)), hi = R(E1000_RAH(n));
        uint8_t ra[6] = { (uint8_t)lo,         (uint8_t)(lo >> 8), (uint8_t)(lo >> 16),
                          (uint8_t)(lo >> 24), (uint8_t)hi,        (uint8_t)(hi >> 8) };
        if ((hi & E1000_RAH_AV) && !memcmp(ra, dst, 6))
            return true;
    }
    return false;
}

/* A frame arrives from the wire: filtered, padded to 60 bytes, spread over
 * descriptors of at most max_chunk bytes. false when it was not taken. */
static bool sim_rx(const void *frame, size_t len, uint8_t errors)
{
    pthread_mutex_lock(&sim.lock);
    bool ok = false;
    uint8_t buf[16384] = { 0 };
    if (sim.dead || !(R(E1000_RCTL) & E1000_RCTL_EN))
        goto out;
    if (sim.pci && sim.model == QEMU && !(fake_pci_command(sim.pci) & PCI_COMMAND_MASTER)) {
        sim.rx_no_master++; /* Q: e1000x_rx_ready */
        goto out;
    }
    if (!accepts(frame)) {
        sim.rx_filtered++;
        goto out;
    }
    memcpy(buf, frame, len);
    size_t size = len < 60 ? 60 : len;
    /* Without SECRC both count the FCS in length but never write it. */
    size_t total = size + ((R(E1000_RCTL) & E1000_RCTL_SECRC) ? 0 : 4);
    unsigned n = R(E1000_RDLEN) / 16, rdh = R(E1000_RDH), rdt = R(E1000_RDT);
    unsigned avail = sim.bochs_all_avail ? n : (rdt + n - rdh) % n;
    unsigned chunk = sim.max_chunk, needed = (unsigned)((total + chunk - 1) / chunk);
    if (!n || rdh >= n || needed > avail) {
        sim.rx_no_buffer++;
        goto out;
    }
    uint64_t base = (uint64_t)R(E1000_RDBAH) << 32 | R(E1000_RDBAL);
    check_dma(base, n * 16);
    struct e1000_rx_desc *ring = (struct e1000_rx_desc *)(uintptr_t)base;
    for (size_t off = 0; off < total; off += chunk) {
        struct e1000_rx_desc *d = &ring[rdh];
        size_t l = total - off < chunk ? total - off : chunk;
        size_t data = off >= size ? 0 : (size - off < l ? size - off : l);
        bool last = off + l == total;
        check_dma(d->addr, data);
        memcpy((void *)(uintptr_t)d->addr, buf + off, data);
        uint8_t st = E1000_RXD_STAT_DD | (last ? E1000_RXD_STAT_EOP : 0);
        d->length = (uint16_t)l;
        d->errors = last ? errors : 0;
        if (sim.model == BOCHS) {
            d->status |= st; /* B: ORs into the status it read back */
        } else {
            d->status = 0; /* Q: descriptor first, then DD */
            __atomic_thread_fence(__ATOMIC_RELEASE);
            d->status = st;
        }
        rdh = (rdh + 1) % n;
    }
    sim.bochs_all_avail = false;
    R(E1000_RDH) = rdh;
    R(E1000_ICR) |= E1000_ICR_RXT0;
    ok = true;
out:
    pthread_mutex_unlock(&sim.lock);
    return ok;
}

/* A descriptor written as a hostile or broken device might: any length,
 * any status, in the next descriptor the device owns. */
static void sim_rx_raw(uint16_t len, uint8_t status, uint8_t errors)
{
    unsigned n = R(E1000_RDLEN) / 16, rdh = R(E1000_RDH);
    struct e1000_rx_desc *ring = (struct e1000_rx_desc *)(uintptr_t)((uint64_t)R(E1000_RDBAH) << 32 |
                                                                     R(E1000_RDBAL));
    assert_int_not_equal(rdh, R(E1000_RDT));
    struct e1000_rx_desc *d = &ring[rdh];
    memset((void *)(uintptr_t)d->addr, 0xee, E1000_BUF_BYTES);
    d->length = len;
    d->errors = errors;
    d->status = status;
    R(E1000_RDH) = (rdh + 1) % n;
}

/* ---- fixture -------------------------------------------------------------- */

static struct e1000 *nic;
static uint8_t *dma;

static int setup(void **state)
{
    (void)state;
    sim_init(BOCHS);
    fake_pci_reset();
    fake_tsc_hz = 0;
    /* Exactly sizeof: AddressSanitizer catches a write past rx_frame, the last field. */
    nic = malloc(sizeof(*nic));
    dma = aligned_alloc(E1000_DMA_ALIGN, E1000_DMA_BYTES);
    assert_non_null(nic);
    assert_non_null(dma);
    memset(dma, 0, E1000_DMA_BYTES);
    sim.dma_lo = (uintptr_t)dma;
    sim.dma_hi = (uintptr_t)dma + E1000_DMA_BYTES;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(nic);
    free(dma);
    free(sim.wire);
    sim.wire = NULL;
    return 0;
}

static void bring_up(void)
{
    char why[160] = "";
    int rc = e1000_init(nic, &sim_io, dma, (uint64_t)(uintptr_t)dma, why, sizeof(why));
    if (rc)
        fail_msg("e1000_init: %s", why);
}

/* Frames: to dst, from a guest MAC, a payload derived from seq. */
static void make_frame(uint8_t *f, size_t len, const uint8_t *dst, unsigned seq)
{
    static const uint8_t src[6] = { 0x00, 0x16, 0x3e, 0x00, 0x00, 0x01 };
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = 0x08;
    f[13] = 0x00;
    for (size_t i = 14; i < len; i++)
        f[i] = (uint8_t)(seq * 31 + i * 7 + (i >> 8));
    if (len >= 18)
        memcpy(f + 14, &seq, 4);
}

static uint32_t seq_of(const uint8_t *frame)
{
    uint32_t seq;
    memcpy(&seq, frame + 14, 4);
    return seq;
}

static const uint8_t guest_mac[6] = { 0x00, 0x16, 0x3e, 0x12, 0x34, 0x56 };
static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mcast_mac[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };

/* What e1000_poll handed up. */
#define GOT_MAX 256
static struct {
    unsigned n;
    size_t len[GOT_MAX];
    uint8_t data[GOT_MAX][E1000_RX_FRAME_MAX];
} got;

static void collect(void *ctx, const uint8_t *frame, size_t len)
{
    assert_ptr_equal(ctx, &got);
    assert_true(len <= E1000_RX_FRAME_MAX);
    if (got.n < GOT_MAX) {
        got.len[got.n] = len;
        memcpy(got.data[got.n], frame, len);
    }
    got.n++;
}

static struct e1000_rx_desc *rx_ring(void)
{
    return (struct e1000_rx_desc *)(dma + E1000_DMA_RX_RING);
}

static struct e1000_stats stats(void)
{
    struct e1000_stats s;
    e1000_stats(nic, &s);
    return s;
}

/* ---- bring-up -------------------------------------------------------------- */

static int wlog_find(uint32_t reg, uint32_t mask, uint32_t val, unsigned from)
{
    for (unsigned i = from; i < sim.wlog_n; i++)
        if (sim.wlog[i].reg == reg && (sim.wlog[i].val & mask) == val)
            return (int)i;
    return -1;
}

static void check_bring_up(enum sim_model model)
{
    sim_init(model);
    bring_up();
    uint64_t bus = (uint64_t)(uintptr_t)dma;

    assert_int_equal(sim.resets, 1);
    /* RX and TX were stopped before the reset, and everything that follows
     * was written after it (the emulators' reset resets nothing). */
    int rst = wlog_find(E1000_CTRL, E1000_CTRL_RST, E1000_CTRL_RST, 0);
    assert_true(rst >= 0);
    int rx_off = wlog_find(E1000_RCTL, ~0u, 0, 0);
    assert_true(rx_off >= 0 && rx_off < rst);
    int tx_off = wlog_find(E1000_TCTL, E1000_TCTL_EN, 0, 0);
    assert_true(tx_off >= 0 && tx_off < rst);
    unsigned after = (unsigned)rst + 1;
    static const uint32_t reprogrammed[] = {
        E1000_RAL(0), E1000_RAH(0), E1000_MTA,  E1000_RDBAL, E1000_RDBAH, E1000_RDLEN,
        E1000_RDH,    E1000_RDT,    E1000_RCTL, E1000_TDBAL, E1000_TDBAH, E1000_TDLEN,
        E1000_TDH,    E1000_TDT,    E1000_TCTL, E1000_TIPG,
    };
    for (unsigned i = 0; i < sizeof(reprogrammed) / sizeof(reprogrammed[0]); i++)
        if (wlog_find(reprogrammed[i], 0, 0, after) < 0)
            fail_msg("register 0x%x not written after the reset", reprogrammed[i]);

    /* CTRL: link up, no reset, no PHY reset, no VLAN mode left over. */
    assert_true(R(E1000_CTRL) & E1000_CTRL_SLU);
    assert_false(R(E1000_CTRL) &
                 (E1000_CTRL_RST | E1000_CTRL_PHY_RST | E1000_CTRL_LRST | E1000_CTRL_VME));
    /* No interrupt cause enabled: the driver polls. */
    assert_int_equal(sim.ims, 0);

    /* The receive address: the EEPROM's MAC, valid. */
    assert_int_equal(R(E1000_RAL(0)), 0x12005452);
    assert_int_equal(R(E1000_RAH(0)), 0x5634 | E1000_RAH_AV);
    assert_memory_equal(e1000_mac(nic), sim_mac, 6);
    /* The multicast table the model keeps is cleared. */
    unsigned mta = model == BOCHS ? 32 : E1000_MTA_WORDS;
    for (unsigned i = 0; i < mta; i++)
        assert_int_equal(R(E1000_MTA + 4 * i), 0);

    /* RX: the ring at the start of the area, 64 descriptors, 63 handed over. */
    assert_int_equal(R(E1000_RDBAL), (uint32_t)(bus + E1000_DMA_RX_RING));
    assert_int_equal(R(E1000_RDBAH), (uint32_t)((bus + E1000_DMA_RX_RING) >> 32));
    assert_int_equal(R(E1000_RDLEN), E1000_RX_DESCS * 16);
    assert_int_equal(R(E1000_RDH), 0);
    assert_int_equal(R(E1000_RDT), E1000_RX_DESCS - 1);
    assert_int_equal(R(E1000_RCTL), E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_SECRC |
                                        E1000_RCTL_UPE | E1000_RCTL_MPE | E1000_RCTL_SZ_2048);
    for (unsigned i = 0; i < E1000_RX_DESCS; i++) {
        struct e1000_rx_desc *d = &rx_ring()[i];
        assert_int_equal(d->addr, bus + E1000_DMA_RX_BUFS + i * E1000_BUF_BYTES);
        assert_int_equal(d->status, 0);
    }
    /* RDH == RDT is never written (Bochs would take it as all buffers free). */
    assert_int_equal(sim.rdh_eq_rdt, 0);

    /* TX. */
    assert_int_equal(R(E1000_TDBAL), (uint32_t)(bus + E1000_DMA_TX_RING));
    assert_int_equal(R(E1000_TDBAH), (uint32_t)((bus + E1000_DMA_TX_RING) >> 32));
    assert_int_equal(R(E1000_TDLEN), E1000_TX_DESCS * 16);
    assert_int_equal(R(E1000_TDH), 0);
    assert_int_equal(R(E1000_TDT), 0);
    assert_int_equal(R(E1000_TCTL), E1000_TCTL_EN | E1000_TCTL_PSP | 15u << 4 | 63u << 12);
    assert_int_equal(R(E1000_TIPG), 8u | 8u << 10 | 6u << 20);
    assert_int_equal(sim.wire_n, 0);
    struct e1000_stats s = stats();
    assert_int_equal(s.tx_frames + s.rx_frames + s.rx_errors + s.tx_full, 0);
}

static void test_bring_up_bochs(void **state)
{
    (void)state;
    check_bring_up(BOCHS);
}

static void test_bring_up_qemu(void **state)
{
    (void)state;
    check_bring_up(QEMU);
}

static void test_mac_from_eeprom(void **state)
{
    (void)state;
    static const uint8_t other[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
    sim_init(QEMU); /* RA0 preloaded with sim_mac; the EEPROM says otherwise */
    eeprom_mac(other);
    bring_up();
    assert_memory_equal(e1000_mac(nic), other, 6);
    assert_int_equal(R(E1000_RAL(0)), 0x33221102);
    assert_int_equal(R(E1000_RAH(0)), 0x5544 | E1000_RAH_AV);
}

static void test_eeprom_refused(void **state)
{
    (void)state;
    char why[160];
    /* A checksum that does not add up. */
    sim.eeprom[7] ^= 1;
    assert_int_equal(e1000_init(nic, &sim_io, dma, (uint64_t)(uintptr_t)dma, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "checksum"));
    /* A multicast MAC, with a valid checksum. */
    static const uint8_t mc[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
    eeprom_mac(mc);
    assert_int_equal(e1000_init(nic, &sim_io, dma, (uint64_t)(uintptr_t)dma, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "unicast"));
    /* An all-zero MAC. */
    static const uint8_t zero[6];
    eeprom_mac(zero);
    assert_int_equal(e1000_init(nic, &sim_io, dma, (uint64_t)(uintptr_t)dma, why, sizeof(why)), -1);
    /* A failed NIC neither sends nor receives. */
    uint8_t f[64] = { 0 };
    assert_int_equal(e1000_send(nic, f, sizeof(f)), -1);
    assert_int_equal(e1000_poll(nic, collect, &got, 8), 0);
    assert_int_equal(sim.wire_n, 0);
}

static void test_unresponsive(void **state)
{
    (void)state;
    char why[160];
    uint64_t bus = (uint64_t)(uintptr_t)dma;
    /* Registers read all-ones. */
    sim.dead = true;
    sim.clock_ns = 0;
    assert_int_equal(e1000_init(nic, &sim_io, dma, bus, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "unresponsive"));
    assert_true(sim.clock_ns < 1000000000ull);
    /* CTRL.RST never clears. */
    sim_init(BOCHS);
    sim.rst_stuck = true;
    assert_int_equal(e1000_init(nic, &sim_io, dma, bus, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "RST"));
    assert_true(sim.clock_ns < 1000000000ull);
    /* EERD never reports DONE. */
    sim_init(BOCHS);
    sim.eerd_stuck = true;
    assert_int_equal(e1000_init(nic, &sim_io, dma, bus, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "EEPROM"));
    assert_true(sim.clock_ns < 1000000000ull);
    /* A DMA area that is not page-aligned. */
    sim_init(BOCHS);
    assert_int_equal(e1000_init(nic, &sim_io, dma + 16, bus + 16, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "aligned"));
    assert_int_equal(sim.wlog_n, 0);
}

static void test_mmio_io(void **state)
{
    (void)state;
    struct e1000_io io;
    char why[160];
    fake_tsc_hz = 1000000000;
    assert_int_equal(e1000_mmio_io(&io, 0xfebc0000u, why, sizeof(why)), 0);
    assert_ptr_equal(io.ctx, (void *)(uintptr_t)0xfebc0000u);
    assert_non_null(io.read32);
    /* Beyond the host's map of the low 4 GiB, or nowhere. */
    assert_int_equal(e1000_mmio_io(&io, 0x800000000ull, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "4 GiB"));
    assert_int_equal(e1000_mmio_io(&io, 0xfffff000u, why, sizeof(why)), -1);
    assert_int_equal(e1000_mmio_io(&io, 0, why, sizeof(why)), -1);
    fake_tsc_hz = 0;
    assert_int_equal(e1000_mmio_io(&io, 0xfebc0000u, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "TSC"));
}

/* ---- transmit --------------------------------------------------------------- */

static void test_send_on_wire(void **state)
{
    (void)state;
    bring_up();
    uint8_t f[E1000_TX_FRAME_MAX];
    make_frame(f, 100, bcast_mac, 1);
    assert_int_equal(e1000_send(nic, f, 100), 0);
    assert_int_equal(sim.wire_n, 1);
    assert_int_equal(sim.wire[0].len, 100);
    assert_int_equal(sim.wire[0].cmd, E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS);
    assert_memory_equal(sim.wire[0].data, f, 100);
    assert_int_equal(R(E1000_TDT), 1);
    /* Short frames are padded with zeros to 60 bytes. */
    make_frame(f, 42, guest_mac, 2);
    assert_int_equal(e1000_send(nic, f, 42), 0);
    assert_int_equal(sim.wire[1].len, 60);
    assert_memory_equal(sim.wire[1].data, f, 42);
    for (unsigned i = 42; i < 60; i++)
        assert_int_equal(sim.wire[1].data[i], 0);
    /* The largest. */
    make_frame(f, E1000_TX_FRAME_MAX, guest_mac, 3);
    assert_int_equal(e1000_send(nic, f, E1000_TX_FRAME_MAX), 0);
    assert_int_equal(sim.wire[2].len, E1000_TX_FRAME_MAX);
    assert_memory_equal(sim.wire[2].data, f, E1000_TX_FRAME_MAX);
    struct e1000_stats s = stats();
    assert_int_equal(s.tx_frames, 3);
    assert_int_equal(s.tx_bytes, 100 + 42 + E1000_TX_FRAME_MAX);
}

static void test_send_refused(void **state)
{
    (void)state;
    bring_up();
    uint8_t f[E1000_TX_FRAME_MAX + 1] = { 0 };
    assert_int_equal(e1000_send(nic, f, 0), -1);
    assert_int_equal(e1000_send(nic, f, E1000_ETH_HLEN - 1), -1);
    assert_int_equal(e1000_send(nic, f, E1000_TX_FRAME_MAX + 1), -1);
    assert_int_equal(e1000_send(nic, f, 65535), -1);
    assert_int_equal(sim.wire_n, 0);
    assert_int_equal(R(E1000_TDT), 0);
    struct e1000_stats s = stats();
    assert_int_equal(s.tx_refused, 4);
    assert_int_equal(s.tx_frames, 0);
    assert_int_equal(e1000_send(nic, f, E1000_ETH_HLEN), 0);
}

static void test_send_ring_wraps(void **state)
{
    (void)state;
    bring_up();
    uint8_t f[E1000_TX_FRAME_MAX];
    for (unsigned i = 0; i < 1000; i++) {
        size_t len = E1000_ETH_HLEN + (i * 97) % (E1000_TX_FRAME_MAX - E1000_ETH_HLEN + 1);
        make_frame(f, len, guest_mac, i);
        assert_int_equal(e1000_send(nic, f, len), 0);
        assert_int_equal(sim.wire_n, i + 1);
        struct wire_frame *w = &sim.wire[i];
        assert_int_equal(w->len, len < 60 ? 60 : len);
        assert_memory_equal(w->data, f, len);
        assert_true(R(E1000_TDT) < E1000_TX_DESCS);
    }
    assert_int_equal(R(E1000_TDT), 1000 % E1000_TX_DESCS);
    assert_int_equal(stats().tx_full, 0);
}

static void test_send_full_ring(void **state)
{
    (void)state;
    bring_up();
    sim.tx_stalled = true;
    uint8_t f[100];
    for (unsigned i = 0; i < E1000_TX_DESCS - 1; i++) {
        make_frame(f, sizeof(f), guest_mac, i);
        assert_int_equal(e1000_send(nic, f, sizeof(f)), 0);
    }
    /* One slot always stays empty: TDT == TDH means "nothing to send". */
    assert_int_equal(e1000_send(nic, f, sizeof(f)), -1);
    assert_int_equal(e1000_send(nic, f, sizeof(f)), -1);
    assert_int_equal(stats().tx_full, 2);
    assert_int_equal(R(E1000_TDT), E1000_TX_DESCS - 1);
    assert_int_equal(sim.wire_n, 0);
    /* The device catches up; DD frees the ring. */
    sim.tx_stalled = false;
    pthread_mutex_lock(&sim.lock);
    sim_transmit();
    pthread_mutex_unlock(&sim.lock);
    assert_int_equal(sim.wire_n, E1000_TX_DESCS - 1);
    make_frame(f, sizeof(f), guest_mac, 999);
    assert_int_equal(e1000_send(nic, f, sizeof(f)), 0);
    assert_int_equal(sim.wire_n, E1000_TX_DESCS);
    assert_memory_equal(sim.wire[E1000_TX_DESCS - 1].data, f, sizeof(f));
    for (unsigned i = 0; i < E1000_TX_DESCS - 1; i++)
        assert_int_equal(seq_of(sim.wire[i].data), i);
}

static void test_send_waits_for_dd(void **state)
{
    (void)state;
    /* Descriptors come back in order and only with DD; a reused one goes
     * out with its status zeroed. */
    bring_up();
    sim.tx_stalled = true;
    uint8_t f[100];
    make_frame(f, sizeof(f), guest_mac, 0);
    for (unsigned i = 0; i < E1000_TX_DESCS - 1; i++)
        assert_int_equal(e1000_send(nic, f, sizeof(f)), 0);
    struct e1000_tx_desc *tx = (struct e1000_tx_desc *)(dma + E1000_DMA_TX_RING);
    for (unsigned i = 1; i < E1000_TX_DESCS - 1; i++)
        tx[i].status = E1000_TXD_STAT_DD;
    /* Descriptor 0 still in flight: nothing is free. */
    assert_int_equal(e1000_send(nic, f, sizeof(f)), -1);
    tx[0].status = E1000_TXD_STAT_DD;
    tx[E1000_TX_DESCS - 1].status = E1000_TXD_STAT_DD; /* stale, from an earlier lap */
    assert_int_equal(e1000_send(nic, f, sizeof(f)), 0);
    assert_int_equal(tx[E1000_TX_DESCS - 1].status, 0);
    assert_int_equal(tx[E1000_TX_DESCS - 1].length, sizeof(f));
    assert_int_equal(R(E1000_TDT), 0);
    /* That stale DD did not free the descriptor just queued. */
    for (unsigned i = 0; i < E1000_TX_DESCS - 2; i++)
        assert_int_equal(e1000_send(nic, f, sizeof(f)), 0);
    assert_int_equal(e1000_send(nic, f, sizeof(f)), -1);
    assert_int_equal(stats().tx_full, 2);
}

/* ---- receive ---------------------------------------------------------------- */

static void test_receive_frames(void **state)
{
    (void)state;
    bring_up();
    uint8_t a[1514], b[42], c[300];
    make_frame(a, sizeof(a), guest_mac, 1); /* another MAC: taken thanks to UPE */
    make_frame(b, sizeof(b), bcast_mac, 2); /* ARP-sized broadcast */
    make_frame(c, sizeof(c), mcast_mac, 3); /* multicast: MPE */
    assert_true(sim_rx(a, sizeof(a), 0));
    assert_true(sim_rx(b, sizeof(b), 0));
    assert_true(sim_rx(c, sizeof(c), 0));
    memset(&got, 0, sizeof(got));
    assert_int_equal(e1000_poll(nic, collect, &got, 16), 3);
    assert_int_equal(got.n, 3);
    assert_int_equal(got.len[0], sizeof(a));
    assert_memory_equal(got.data[0], a, sizeof(a));
    assert_int_equal(got.len[1], 60); /* the emulators pad to 60 */
    assert_memory_equal(got.data[1], b, sizeof(b));
    assert_int_equal(got.len[2], sizeof(c));
    assert_memory_equal(got.data[2], c, sizeof(c));
    /* Given back: status zeroed, RDT at the last one taken. */
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(rx_ring()[i].status, 0);
    assert_int_equal(R(E1000_RDT), 2);
    assert_int_equal(e1000_poll(nic, collect, &got, 16), 0);
    struct e1000_stats s = stats();
    assert_int_equal(s.rx_frames, 3);
    assert_int_equal(s.rx_bytes, 1514 + 60 + 300);
    assert_int_equal(sim.rdh_eq_rdt, 0);
}

static void test_receive_budget(void **state)
{
    (void)state;
    bring_up();
    uint8_t f[200];
    for (unsigned i = 0; i < 10; i++) {
        make_frame(f, sizeof(f), guest_mac, i);
        assert_true(sim_rx(f, sizeof(f), 0));
    }
    memset(&got, 0, sizeof(got));
    static const unsigned expect[] = { 3, 3, 3, 1, 0 };
    for (unsigned k = 0; k < 5; k++) {
        unsigned before = got.n;
        assert_int_equal(e1000_poll(nic, collect, &got, 3), expect[k]);
        assert_int_equal(got.n, before + expect[k]);
    }
    for (unsigned i = 0; i < 10; i++)
        assert_int_equal(seq_of(got.data[i]), i);
    assert_int_equal(R(E1000_RDT), 9);
    assert_int_equal(e1000_poll(nic, collect, &got, 0), 0);
}

/* Many laps of the ring, with frames over one and several descriptors, on
 * both models: after each poll nothing is left that looks received. Bochs
 * ORs DD|EOP into the status it finds, so a status not zeroed on the way
 * back would turn into a phantom frame here. */
static void check_receive_laps(enum sim_model model)
{
    sim_init(model);
    bring_up();
    uint8_t f[4000];
    unsigned seq = 0, delivered = 0, too_long = 0;
    for (unsigned round = 0; round < 120; round++) {
        unsigned batch = 1 + round % 9;
        memset(&got, 0, sizeof(got));
        for (unsigned k = 0; k < batch; k++) {
            size_t len = (seq % 5 == 4) ? 2500 + seq % 1000 : 60 + (seq * 131) % 1455;
            make_frame(f, len, guest_mac, seq);
            assert_true(sim_rx(f, len, 0));
            if (len > E1000_RX_FRAME_MAX)
                too_long++;
            seq++;
        }
        unsigned n = e1000_poll(nic, collect, &got, 64);
        assert_int_equal(n, got.n);
        for (unsigned k = 0; k < got.n; k++)
            assert_true(got.len[k] <= E1000_RX_FRAME_MAX);
        delivered += n;
        assert_int_equal(e1000_poll(nic, collect, &got, 64), 0); /* no phantom */
        for (unsigned i = 0; i < E1000_RX_DESCS; i++)
            if (rx_ring()[i].status & E1000_RXD_STAT_DD)
                fail_msg("descriptor %u still has DD after the poll", i);
    }
    struct e1000_stats s = stats();
    assert_int_equal(delivered + too_long, seq);
    assert_int_equal(s.rx_too_long, too_long);
    assert_int_equal(s.rx_errors, 0);
    assert_int_equal(sim.rx_no_buffer, 0);
    assert_int_equal(sim.rdh_eq_rdt, 0);
    assert_false(sim.bochs_all_avail);
}

static void test_receive_laps_bochs(void **state)
{
    (void)state;
    check_receive_laps(BOCHS);
}

static void test_receive_laps_qemu(void **state)
{
    (void)state;
    check_receive_laps(QEMU);
}

static void test_receive_multi_descriptor(void **state)
{
    (void)state;
    bring_up();
    uint8_t big[3000], small[100];
    make_frame(big, sizeof(big), guest_mac, 1);
    make_frame(small, sizeof(small), guest_mac, 2);
    /* Over 2048: two descriptors, over the limit, dropped as one frame. */
    assert_true(sim_rx(big, sizeof(big), 0));
    assert_true(sim_rx(small, sizeof(small), 0));
    assert_int_equal(rx_ring()[0].status, E1000_RXD_STAT_DD);
    assert_int_equal(rx_ring()[1].status, E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP);
    memset(&got, 0, sizeof(got));
    assert_int_equal(e1000_poll(nic, collect, &got, 8), 1);
    assert_int_equal(got.len[0], sizeof(small));
    assert_memory_equal(got.data[0], small, sizeof(small));
    assert_int_equal(stats().rx_too_long, 1);
    assert_int_equal(R(E1000_RDT), 2);
    /* A device that fills smaller pieces: gathered into one frame. */
    sim.max_chunk = 512;
    uint8_t mid[1514];
    make_frame(mid, sizeof(mid), guest_mac, 3);
    assert_true(sim_rx(mid, sizeof(mid), 0));
    assert_true(sim_rx(small, sizeof(small), 0));
    /* 1600 bytes in 512-byte pieces: still too long once gathered. */
    uint8_t over[1600];
    make_frame(over, sizeof(over), guest_mac, 4);
    assert_true(sim_rx(over, sizeof(over), 0));
    /* Exactly the limit. */
    uint8_t max[E1000_RX_FRAME_MAX];
    make_frame(max, sizeof(max), guest_mac, 5);
    assert_true(sim_rx(max, sizeof(max), 0));
    memset(&got, 0, sizeof(got));
    assert_int_equal(e1000_poll(nic, collect, &got, 8), 3);
    assert_int_equal(got.len[0], sizeof(mid));
    assert_memory_equal(got.data[0], mid, sizeof(mid));
    assert_int_equal(got.len[1], sizeof(small));
    assert_int_equal(got.len[2], sizeof(max));
    assert_memory_equal(got.data[2], max, sizeof(max));
    assert_int_equal(stats().rx_too_long, 2);
}

static void test_receive_partial_frame_across_polls(void **state)
{
    (void)state;
    /* The device has written the first descriptors of a frame but not yet
     * its last: the driver keeps what it gathered until EOP comes. */
    bring_up();
    sim.max_chunk = 512;
    uint8_t f[1200];
    make_frame(f, sizeof(f), guest_mac, 7);
    assert_true(sim_rx(f, sizeof(f), 0)); /* descriptors 0, 1, 2 (EOP) */
    uint8_t saved = rx_ring()[2].status;
    rx_ring()[2].status = 0; /* EOP not written yet */
    memset(&got, 0, sizeof(got));
    assert_int_equal(e1000_poll(nic, collect, &got, 8), 0);
    assert_int_equal(R(E1000_RDT), 1);
    rx_ring()[2].status = saved;
    assert_int_equal(e1000_poll(nic, collect, &got, 8), 1);
    assert_int_equal(got.len[0], sizeof(f));
    assert_memory_equal(got.data[0], f, sizeof(f));
}

static void test_receive_errors_dropped(void **state)
{
    (void)state;
    bring_up();
    uint8_t f[200];
    make_frame(f, sizeof(f), guest_mac, 1);
    assert_true(sim_rx(f, sizeof(f), E1000_RXD_ERR_CE));
    make_frame(f, sizeof(f), guest_mac, 2);
    assert_true(sim_rx(f, sizeof(f), E1000_RXD_ERR_RXE | E1000_RXD_ERR_SE));
    make_frame(f, sizeof(f), guest_mac, 3);
    assert_true(sim_rx(f, sizeof(f), 0));
    memset(&got, 0, sizeof(got));
    assert_int_equal(e1000_poll(nic, collect, &got, 8), 1);
    assert_int_equal(seq_of(got.data[0]), 3);
    struct e1000_stats s = stats();
    assert_int_equal(s.rx_errors, 2);
    assert_int_equal(s.rx_frames, 1);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(rx_ring()[i].status, 0);
}

static void test_receive_hostile_device(void **state)
{
    (void)state;
    bring_up();
    memset(&got, 0, sizeof(got));
    /* Lengths no buffer can hold. */
    sim_rx_raw(5000, E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP, 0);
    sim_rx_raw(0xffff, E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP, 0);
    sim_rx_raw(E1000_BUF_BYTES + 1, E1000_RXD_STAT_DD, 0);
    sim_rx_raw(100, E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP, 0); /* ends that frame */
    /* Full buffers without end, then an end: too long, nothing written
     * past rx_frame (AddressSanitizer watches its end). */
    for (unsigned i = 0; i < 5; i++)
        sim_rx_raw(E1000_BUF_BYTES, E1000_RXD_STAT_DD, 0);
    sim_rx_raw(10, E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP, 0);
    /* An empty frame and a runt. */
    sim_rx_raw(0, E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP, 0);
    sim_rx_raw(5, E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP, 0);
    assert_int_equal(e1000_poll(nic, collect, &got, 64), 0);
    assert_int_equal(got.n, 0);
    struct e1000_stats s = stats();
    assert_int_equal(s.rx_errors, 5); /* 5000, 0xffff, 2049+100, empty, runt */
    assert_int_equal(s.rx_too_long, 1);
    /* A good frame after all that arrives intact. */
    uint8_t f[300];
    make_frame(f, sizeof(f), guest_mac, 9);
    assert_true(sim_rx(f, sizeof(f), 0));
    assert_int_equal(e1000_poll(nic, collect, &got, 64), 1);
    assert_memory_equal(got.data[0], f, sizeof(f));
}

static void rearm(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    (void)frame;
    (void)len;
    for (unsigned i = 0; i < E1000_RX_DESCS; i++) {
        rx_ring()[i].length = 100;
        rx_ring()[i].status = E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP;
    }
}

static void test_receive_dd_flood(void **state)
{
    (void)state;
    /* Every descriptor, the held-back one included, claims DD without an
     * end: one poll looks at no more than one lap and returns. */
    bring_up();
    for (unsigned i = 0; i < E1000_RX_DESCS; i++) {
        rx_ring()[i].length = E1000_BUF_BYTES;
        rx_ring()[i].status = E1000_RXD_STAT_DD;
    }
    memset(&got, 0, sizeof(got));
    assert_int_equal(e1000_poll(nic, collect, &got, 100000), 0);
    for (unsigned i = 0; i < E1000_RX_DESCS; i++)
        assert_int_equal(rx_ring()[i].status, 0);
    assert_int_equal(R(E1000_RDT), E1000_RX_DESCS - 1);
    /* EOP everywhere: the first ends the frame the flood started (too
     * long), the other 63 are delivered, and the poll stops after a lap. */
    for (unsigned i = 0; i < E1000_RX_DESCS; i++) {
        rx_ring()[i].length = 100;
        rx_ring()[i].status = E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP;
    }
    assert_int_equal(e1000_poll(nic, collect, &got, 100000), E1000_RX_DESCS - 1);
    assert_int_equal(stats().rx_too_long, 1);
    assert_int_equal(stats().rx_frames, E1000_RX_DESCS - 1);
    /* A device that sets DD again as fast as the driver clears it. */
    assert_int_equal(e1000_poll(nic, rearm, NULL, 100000), 0);
    rearm(NULL, NULL, 0);
    assert_true(e1000_poll(nic, rearm, NULL, 100000) <= E1000_RX_DESCS);
}

static void test_reinit_after_traffic(void **state)
{
    (void)state;
    bring_up();
    uint8_t f[200];
    for (unsigned i = 0; i < 5; i++) {
        make_frame(f, sizeof(f), guest_mac, i);
        assert_true(sim_rx(f, sizeof(f), 0));
        assert_int_equal(e1000_send(nic, f, sizeof(f)), 0);
    }
    /* Brought up again without a real reset: rings start over. */
    memset(dma, 0x5a, E1000_DMA_BYTES);
    bring_up();
    assert_int_equal(R(E1000_RDH), 0);
    assert_int_equal(R(E1000_RDT), E1000_RX_DESCS - 1);
    assert_int_equal(R(E1000_TDH), 0);
    memset(&got, 0, sizeof(got));
    assert_int_equal(e1000_poll(nic, collect, &got, 64), 0);
    make_frame(f, sizeof(f), guest_mac, 77);
    assert_true(sim_rx(f, sizeof(f), 0));
    assert_int_equal(e1000_send(nic, f, sizeof(f)), 0);
    assert_int_equal(e1000_poll(nic, collect, &got, 64), 1);
    assert_memory_equal(got.data[0], f, sizeof(f));
    assert_memory_equal(sim.wire[sim.wire_n - 1].data, f, sizeof(f));
}

/* ---- PCI: QEMU's gates ------------------------------------------------------- */

static void test_qemu_needs_memory_and_bus_master(void **state)
{
    (void)state;
    sim_init(QEMU);
    struct fake_pci_fn *pf = fake_pci_add(0, 3, 0, E1000_VENDOR_INTEL, E1000_DEVICE_82540EM);
    fake_pci_set32(pf, PCI_BAR0, 0xfebc0000u, 0xfffe0000u);
    fake_pci_set32(pf, PCI_BAR0 + 4, 0xc001u, 0xffc0u);
    sim.pci = pf;

    struct host_pci_fn at;
    assert_int_equal(host_pci_find(&fake_pci_io, E1000_VENDOR_INTEL, E1000_DEVICE_82540EM, &at), 0);
    struct host_pci_bar bar;
    char why[160];
    assert_int_equal(host_pci_mem_bar(&fake_pci_io, at, 0, &bar, why, sizeof(why)), 0);
    assert_int_equal(bar.base, 0xfebc0000u);
    assert_true(bar.size >= E1000_MMIO_BYTES);

    /* Memory decoding off: the registers read all-ones. */
    uint64_t bus = (uint64_t)(uintptr_t)dma;
    assert_int_equal(e1000_init(nic, &sim_io, dma, bus, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "unresponsive"));
    /* Memory only: up, but QEMU takes no frame without bus mastering. */
    host_pci_write32(&fake_pci_io, at, PCI_COMMAND, PCI_COMMAND_MEMORY);
    bring_up();
    uint8_t f[100];
    make_frame(f, sizeof(f), guest_mac, 1);
    assert_false(sim_rx(f, sizeof(f), 0));
    assert_int_equal(sim.rx_no_master, 1);
    memset(&got, 0, sizeof(got));
    assert_int_equal(e1000_poll(nic, collect, &got, 8), 0);
    /* The caller's job, done. */
    host_pci_enable_mem_master(&fake_pci_io, at);
    assert_true(sim_rx(f, sizeof(f), 0));
    assert_int_equal(e1000_poll(nic, collect, &got, 8), 1);
    assert_memory_equal(got.data[0], f, sizeof(f));
}

/* ---- CPUs at once ----------------------------------------------------------- */

#define MT_SENDERS 2
#define MT_FRAMES  1500 /* per sender, and received */

static volatile bool mt_rx_done, mt_gave_up;
static unsigned mt_rx_seen, mt_rx_bad;
static time_t mt_deadline;

/* A broken driver must fail the test, not hang it. */
static bool mt_keep_trying(void)
{
    if (time(NULL) > mt_deadline)
        mt_gave_up = true;
    if (!mt_gave_up)
        sched_yield();
    return !mt_gave_up;
}

static void mt_collect(void *ctx, const uint8_t *frame, size_t len)
{
    (void)ctx;
    uint8_t want[E1000_RX_FRAME_MAX];
    size_t wlen = 60 + (mt_rx_seen * 37) % 1400;
    make_frame(want, wlen, guest_mac, mt_rx_seen);
    if (len != wlen || memcmp(frame, want, len))
        mt_rx_bad++;
    mt_rx_seen++;
}

static void *mt_poller(void *arg)
{
    (void)arg;
    while (mt_rx_seen < MT_FRAMES) {
        if (!e1000_poll(nic, mt_collect, NULL, 16) && !mt_keep_trying())
            return NULL;
    }
    mt_rx_done = true;
    return NULL;
}

static void *mt_sender(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    uint8_t f[E1000_TX_FRAME_MAX];
    for (unsigned i = 0; i < MT_FRAMES; i++) {
        size_t len = 64 + (i * 53) % 1400;
        make_frame(f, len, guest_mac, id << 16 | i);
        while (e1000_send(nic, f, len))
            if (!mt_keep_trying())
                return NULL;
    }
    return NULL;
}

static void test_concurrent_send_and_poll(void **state)
{
    (void)state;
    bring_up();
    mt_rx_done = mt_gave_up = false;
    mt_rx_seen = mt_rx_bad = 0;
    mt_deadline = time(NULL) + 20;
    pthread_t poller, senders[MT_SENDERS];
    assert_int_equal(pthread_create(&poller, NULL, mt_poller, NULL), 0);
    for (unsigned s = 0; s < MT_SENDERS; s++)
        assert_int_equal(pthread_create(&senders[s], NULL, mt_sender, (void *)(uintptr_t)s), 0);
    /* This thread is the wire: frames arrive while the others work. */
    uint8_t f[E1000_RX_FRAME_MAX];
    for (unsigned i = 0; i < MT_FRAMES; i++) {
        size_t len = 60 + (i * 37) % 1400;
        make_frame(f, len, guest_mac, i);
        while (!sim_rx(f, len, 0))
            if (!mt_keep_trying())
                break;
    }
    for (unsigned s = 0; s < MT_SENDERS; s++)
        pthread_join(senders[s], NULL);
    pthread_join(poller, NULL);
    assert_false(mt_gave_up);
    assert_true(mt_rx_done);
    assert_int_equal(mt_rx_bad, 0);
    assert_int_equal(sim.rdh_eq_rdt, 0);
    /* Every sent frame on the wire once, intact, each sender's in order. */
    assert_int_equal(sim.wire_n, MT_SENDERS * MT_FRAMES);
    unsigned next[MT_SENDERS] = { 0 };
    for (unsigned k = 0; k < sim.wire_n; k++) {
        uint32_t seq;
        memcpy(&seq, sim.wire[k].data + 14, 4);
        unsigned id = seq >> 16, i = seq & 0xffff;
        assert_true(id < MT_SENDERS);
        assert_int_equal(i, next[id]++);
        size_t len = 64 + (i * 53) % 1400;
        make_frame(f, len, guest_mac, seq);
        assert_int_equal(sim.wire[k].len, len);
        assert_memory_equal(sim.wire[k].data, f, len);
    }
    struct e1000_stats s = stats();
    assert_int_equal(s.tx_frames, MT_SENDERS * MT_FRAMES);
    assert_int_equal(s.rx_frames, MT_FRAMES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bring_up_bochs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bring_up_qemu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mac_from_eeprom, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eeprom_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unresponsive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mmio_io, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_on_wire, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_ring_wraps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_full_ring, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_waits_for_dd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receive_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receive_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receive_laps_bochs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receive_laps_qemu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receive_multi_descriptor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receive_partial_frame_across_polls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receive_errors_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receive_hostile_device, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receive_dd_flood, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reinit_after_traffic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_qemu_needs_memory_and_bus_master, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_send_and_poll, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
