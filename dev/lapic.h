/* SPDX-License-Identifier: BSD-2-Clause */
/* Local APIC model, one per vCPU (pure): called at its vCPU's MMIO/MSR exits and by the VM's message routing, serialized per LAPIC by the VM; time = guest TSC passed in. */
#ifndef KEEL_DEV_LAPIC_H
#define KEEL_DEV_LAPIC_H

/*
 * Intel SDM Vol. 3A chapter 11 ("Advanced Programmable Interrupt
 * Controller"): xAPIC MMIO page and x2APIC MSRs, LVT, timer (one-shot,
 * periodic, TSC-deadline), IPIs through the ICR, destination matching,
 * IRR/ISR/TMR priority logic. No hardware access and no globals: the VM
 * owns the struct, routes messages between LAPICs (struct apic_bus) and
 * asks for the next timer event.
 *
 * Conventions for the caller (the vCPU / VM code):
 *  - Every entry point that takes now_tsc first brings the timer up to date
 *    (lapic_update), so IRR/current count are exact at that instant. The
 *    const queries (lapic_pending_vector, lapic_tsc_deadline) do not know
 *    the time: call lapic_update(now) before them.
 *  - IPIs leave through bus->send, including shorthands that include the
 *    sender (self, all-including-self) and the x2APIC SELF IPI MSR: the bus
 *    offers each message to every LAPIC (the sender too) with
 *    lapic_match_dest/lapic_accept. For lowest priority the bus picks one
 *    of the matching LAPICs (lapic_ppr helps). bus->send is always the last
 *    thing a register write does, so the bus may re-enter this LAPIC; a bus
 *    that takes per-LAPIC locks must not re-take the sender's (its caller
 *    holds it). Likewise eoi_broadcast is the last thing an EOI does.
 *  - lapic_match_dest/lapic_accept run on the sender's CPU; the VM
 *    serializes them with this vCPU's own calls.
 *  - xAPIC MMIO: the caller decodes the 4 KiB page at lapic_base_msr() &
 *    ~0xfff only when lapic_enabled() && !lapic_x2apic_mode(), and passes
 *    32-bit accesses. Offsets that are not 16-byte aligned (SDM 11.4.1:
 *    registers are 128-bit aligned, only the low 32 bits used), offsets past
 *    0x3f0 in the page and other widths are undefined on hardware: here
 *    reads give 0, writes are ignored. Unimplemented 16-byte-aligned
 *    registers read 0, ignore writes and latch ESR "illegal register
 *    address" (11.5.3).
 *  - x2APIC MSRs 0x800-0x8ff: only in x2APIC mode, else #GP; see below.
 */

#include <stdbool.h>
#include <stdint.h>
#include "dev/apic_msg.h"

/* ---- MSRs (SDM Vol. 4 table 2-2; Vol. 3A 11.4.4, 11.5.4.1, 11.12.1) ---- */
#define LAPIC_MSR_APIC_BASE     0x01bu
#define LAPIC_MSR_TSC_DEADLINE  0x6e0u
#define LAPIC_MSR_X2APIC_FIRST  0x800u      /* MSR = 0x800 + (MMIO offset >> 4) */
#define LAPIC_MSR_X2APIC_LAST   0x8ffu

/* IA32_APIC_BASE bits (11.4.4, 11.12.1) */
#define LAPIC_BASE_BSP          (1ull << 8)     /* read-only here: writes keep the config's value */
#define LAPIC_BASE_EXTD         (1ull << 10)    /* x2APIC mode */
#define LAPIC_BASE_EN           (1ull << 11)    /* global enable */
#define LAPIC_BASE_ADDR_MASK    (~0xfffull)     /* bits 12..MAXPHYADDR-1 */
#define LAPIC_DEFAULT_BASE      0xfee00000ull

/* ---- Register offsets in the xAPIC page, sorted (SDM table 11-1; x2APIC
 * table 11-6 gives MSR 0x800 + offset/16 for the ones marked x2) ---- */
#define LAPIC_REG_ID            0x020u  /* x2: RO, 32-bit x2APIC ID */
#define LAPIC_REG_VERSION       0x030u  /* x2: RO */
#define LAPIC_REG_TPR           0x080u  /* x2 */
#define LAPIC_REG_APR           0x090u  /* xAPIC only; reads 0 (no bus arbitration here) */
#define LAPIC_REG_PPR           0x0a0u  /* x2: RO */
#define LAPIC_REG_EOI           0x0b0u  /* x2: WO, only 0 may be written */
#define LAPIC_REG_RRD           0x0c0u  /* xAPIC only; remote read unsupported, reads 0 */
#define LAPIC_REG_LDR           0x0d0u  /* x2: RO, derived from the x2APIC ID */
#define LAPIC_REG_DFR           0x0e0u  /* xAPIC only */
#define LAPIC_REG_SVR           0x0f0u  /* x2 */
#define LAPIC_REG_ISR0          0x100u  /* ..0x170, x2: RO */
#define LAPIC_REG_TMR0          0x180u  /* ..0x1f0, x2: RO */
#define LAPIC_REG_IRR0          0x200u  /* ..0x270, x2: RO */
#define LAPIC_REG_ESR           0x280u  /* x2: only 0 may be written */
#define LAPIC_REG_LVT_CMCI      0x2f0u  /* x2 */
#define LAPIC_REG_ICR_LO        0x300u  /* x2: 64-bit ICR at 0x830 */
#define LAPIC_REG_ICR_HI        0x310u  /* xAPIC only */
#define LAPIC_REG_LVT_TIMER     0x320u  /* x2 */
#define LAPIC_REG_LVT_THERMAL   0x330u  /* x2 */
#define LAPIC_REG_LVT_PERF      0x340u  /* x2 */
#define LAPIC_REG_LVT_LINT0     0x350u  /* x2 */
#define LAPIC_REG_LVT_LINT1     0x360u  /* x2 */
#define LAPIC_REG_LVT_ERROR     0x370u  /* x2 */
#define LAPIC_REG_TIMER_ICR     0x380u  /* initial count, x2 */
#define LAPIC_REG_TIMER_CCR     0x390u  /* current count, x2: RO */
#define LAPIC_REG_TIMER_DCR     0x3e0u  /* divide configuration, x2 */
#define LAPIC_REG_SELF_IPI      0x3f0u  /* x2APIC only (MSR 0x83f): WO */

/* Version register (11.4.8): version 0x14 (integrated APIC), max LVT entry
 * 5 (timer, thermal, perf, LINT0, LINT1, error: Linux then never touches
 * CMCI), bit 24 when EOI-broadcast suppression is offered (config). */
#define LAPIC_VERSION           0x00050014u
#define LAPIC_VERSION_EOI_SUPP  (1u << 24)

/* SVR (11.9) */
#define LAPIC_SVR_ENABLE        (1u << 8)
#define LAPIC_SVR_FOCUS_OFF     (1u << 9)   /* stored only: arbitration is the bus's */
#define LAPIC_SVR_EOI_SUPP      (1u << 12)  /* only when offered */

/* LVT fields (figure 11-8) */
#define LAPIC_LVT_VECTOR        0xffu
#define LAPIC_LVT_DM_SHIFT      8
#define LAPIC_LVT_DM_MASK       (7u << 8)
#define LAPIC_LVT_STATUS        (1u << 12)  /* delivery status: always reads 0 */
#define LAPIC_LVT_POLARITY      (1u << 13)
#define LAPIC_LVT_REMOTE_IRR    (1u << 14)  /* read-only, never set (LINT inputs are edge here) */
#define LAPIC_LVT_LEVEL         (1u << 15)
#define LAPIC_LVT_MASKED        (1u << 16)
#define LAPIC_LVT_TIMER_SHIFT   17
#define LAPIC_LVT_TIMER_MODE    (3u << 17)
#define LAPIC_TIMER_ONESHOT     0u
#define LAPIC_TIMER_PERIODIC    1u
#define LAPIC_TIMER_TSC_DEADLINE 2u         /* advertised (CPUID.1:ECX[24]); 3 is reserved: runs as one-shot */

/* ICR fields (figures 11-12, 11-28) */
#define LAPIC_ICR_VECTOR        0xffu
#define LAPIC_ICR_DM_SHIFT      8
#define LAPIC_ICR_LOGICAL       (1u << 11)
#define LAPIC_ICR_STATUS        (1u << 12)  /* xAPIC: always 0 (sends are instant); x2APIC: ignored */
#define LAPIC_ICR_ASSERT        (1u << 14)
#define LAPIC_ICR_LEVEL         (1u << 15)
#define LAPIC_ICR_SH_SHIFT      18

/* ESR bits (11.5.3) */
#define LAPIC_ESR_SEND_ILLEGAL_VECTOR   (1u << 5)
#define LAPIC_ESR_RECV_ILLEGAL_VECTOR   (1u << 6)
#define LAPIC_ESR_ILLEGAL_REG_ADDRESS   (1u << 7)

/* Index into struct lapic.lvt, in register order (CMCI first, at 0x2f0) */
enum lapic_lvt {
    LAPIC_LVTI_CMCI, LAPIC_LVTI_TIMER, LAPIC_LVTI_THERMAL, LAPIC_LVTI_PERF,
    LAPIC_LVTI_LINT0, LAPIC_LVTI_LINT1, LAPIC_LVTI_ERROR, LAPIC_NR_LVT
};

struct lapic_config {
    uint32_t apic_id;           /* x2APIC ID; the xAPIC ID is its low 8 bits */
    bool bsp;
    uint64_t tsc_hz;            /* guest TSC frequency */
    uint64_t bus_hz;            /* timer input clock before the divider */
    /* Extensions beyond the brief; zero gives the defaults. */
    uint8_t maxphyaddr;         /* IA32_APIC_BASE reserved-bit check; 0 means 52 */
    bool eoi_suppression;       /* offer version bit 24 / SVR bit 12 (needs an IOAPIC with an EOI register) */
};

struct lapic {
    struct lapic_config cfg;
    struct apic_bus bus;
    void (*eoi_broadcast)(void *ctx, uint8_t vector);
    void *eoi_ctx;

    uint64_t base;              /* IA32_APIC_BASE */
    uint32_t tpr, ldr, dfr, svr;
    uint32_t isr[8], tmr[8], irr[8];
    uint32_t esr;               /* value software reads */
    uint32_t esr_pending;       /* errors since the last ESR write (11.5.3) */
    uint32_t icr_lo, icr_hi;    /* icr_hi: xAPIC bits 31:24, x2APIC the 32-bit destination */
    uint32_t lvt[LAPIC_NR_LVT];
    uint32_t timer_icr, timer_dcr;

    /* Count-down timer: armed while one-shot/periodic counting. Expiry k
     * (k = fired, 0-based) happens once timer ticks since timer_start
     * reach timer_base + k * timer_icr, ticks = floor(dTSC * bus_hz /
     * (tsc_hz * divisor)). */
    bool timer_armed;
    uint64_t timer_start;       /* guest TSC of the (re)start */
    uint64_t timer_base;        /* count at timer_start (1..2^32-1) */
    uint64_t timer_fired;       /* expiries already processed */
    uint64_t tsc_deadline;      /* armed when non-zero (TSC-deadline mode only) */

    /* Events for the vCPU (not IRR based) */
    bool nmi_pending, init_pending, sipi_pending, extint_pending;
    uint8_t sipi_vector;
};

/* Power-on reset: base 0xfee00000 | EN | BSP?, xAPIC mode, SVR 0xff, LVTs
 * masked, DFR all ones (11.4.7.1, 11.12.5.1). bus/eoi_broadcast may be NULL. */
void lapic_init(struct lapic *a, const struct lapic_config *cfg, const struct apic_bus *bus,
                void (*eoi_broadcast)(void *ctx, uint8_t vector), void *eoi_ctx);

/* IA32_APIC_BASE. Write returns -1 (#GP) for reserved bits (0-7, 9,
 * MAXPHYADDR and up), EXTD without EN, x2APIC -> xAPIC, disabled ->
 * x2APIC (11.12.5, figure 11-27). Going to disabled resets all registers
 * and drops pending events; disabled -> xAPIC comes back in reset state;
 * xAPIC -> x2APIC keeps the registers and derives the LDR. The BSP bit is
 * not writable (ignored). */
uint64_t lapic_base_msr(const struct lapic *a);
int lapic_set_base_msr(struct lapic *a, uint64_t val, uint64_t now_tsc);

/* xAPIC MMIO (see conventions above). */
uint32_t lapic_mmio_read(struct lapic *a, uint32_t offset, uint64_t now_tsc);
void lapic_mmio_write(struct lapic *a, uint32_t offset, uint32_t val, uint64_t now_tsc);

/* x2APIC MSRs; -1 means #GP: not in x2APIC mode, reserved MSR (incl. APR,
 * RRD, DFR, ICR high), read of EOI/SELF IPI, write of ID/version/PPR/LDR/
 * ISR/TMR/IRR/current count, any reserved bit set (11.12.1.3, e.g. bits
 * 63:32 of everything but the ICR; EOI/ESR non-zero; ICR bits 13, 16, 17,
 * 31:20; ICR bit 12 is ignored). */
int lapic_msr_read(struct lapic *a, uint32_t msr, uint64_t *val, uint64_t now_tsc);
int lapic_msr_write(struct lapic *a, uint32_t msr, uint64_t val, uint64_t now_tsc);

/* IA32_TSC_DEADLINE: reads 0 and ignores writes unless the LVT timer is in
 * TSC-deadline mode; 0 disarms; cleared when it fires (11.5.4.1). */
uint64_t lapic_tsc_deadline(const struct lapic *a);
void lapic_set_tsc_deadline(struct lapic *a, uint64_t val, uint64_t now_tsc);

bool lapic_enabled(const struct lapic *a);          /* globally: IA32_APIC_BASE.EN */
bool lapic_sw_enabled(const struct lapic *a);       /* and SVR bit 8 */
bool lapic_x2apic_mode(const struct lapic *a);
uint32_t lapic_id(const struct lapic *a);           /* config x2APIC ID (the xAPIC ID register is read-only) */
uint8_t lapic_ppr(const struct lapic *a);           /* processor priority, for lowest-priority arbitration */

/* Incoming messages. match: shorthands against source_apic_id, physical
 * (broadcast 0xff in xAPIC mode, 0xffffffff in x2APIC mode), logical flat /
 * cluster per DFR, x2APIC cluster; a globally disabled APIC matches nothing.
 * accept: fixed/lowest set IRR and TMR (level) unless software-disabled
 * (11.4.7.2) or the vector is 0-15 (ESR receive illegal vector); NMI, INIT
 * (level de-assert ignored; a new INIT cancels an older SIPI), SIPI and
 * ExtINT become pending events; SMI is dropped. */
bool lapic_match_dest(const struct lapic *a, const struct apic_msg *m);
void lapic_accept(struct lapic *a, const struct apic_msg *m);

/* For the vCPU: highest IRR vector whose class beats PPR, or -1; ack moves
 * it IRR -> ISR (when it is in the IRR). Fixed interrupts already in IRR
 * stay deliverable while software-disabled (11.4.7.2). */
int lapic_pending_vector(const struct lapic *a);
void lapic_ack(struct lapic *a, uint8_t vector);
bool lapic_take_nmi(struct lapic *a);
bool lapic_take_init(struct lapic *a);
int lapic_take_sipi(struct lapic *a);               /* vector or -1 */
bool lapic_take_extint(struct lapic *a);            /* ExtINT message: fetch the vector from the PIC */

/* What an INIT does to the APIC once the vCPU takes it (11.4.7.3,
 * 11.12.5.1): registers back to reset values, ID, IA32_APIC_BASE and the
 * mode kept; pending events kept. */
void lapic_init_reset(struct lapic *a);

/* Firmware's hand-off state for the BSP (MP spec virtual-wire mode, as a
 * BIOS leaves it): software-enabled, LINT0 ExtINT, LINT1 NMI. */
void lapic_setup_virtual_wire(struct lapic *a);

/* LINT0 takes the PIC's INTR: LVT LINT0 unmasked with ExtINT delivery, or
 * the APIC globally disabled (LINT0 is then the plain INTR pin, 11.4.3). */
bool lapic_accepts_pic_interrupts(const struct lapic *a);

/* Timer: fire what is due at now (IRR for the LVT timer vector unless
 * masked; a masked timer keeps counting), periodic reloads (expiries
 * missed between calls coalesce into one IRR bit). next_event: the TSC at
 * which lapic_update must next run, UINT64_MAX if none; masked count-down
 * timers give none, as their state is computed lazily and exactly. */
void lapic_update(struct lapic *a, uint64_t now_tsc);
uint64_t lapic_next_event_tsc(const struct lapic *a);

#endif
