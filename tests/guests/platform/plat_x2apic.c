/* SPDX-License-Identifier: BSD-2-Clause */
/* plat_x2apic.c — test guest: x2APIC mode (CPUID.1:ECX[21]). Enabling through
 * IA32_APIC_BASE bits 10|11; ID (0x802), version (0x803), LDR (0x80D) derived from the ID;
 * self-IPI (0x83F) pending in IRR with IF=0, delivered on STI with its ISR bit set, EOI
 * (0x80B); the timer through its MSRs (0x832 LVT, 0x838 initial, 0x839 current, 0x83E
 * divide); #GP for a reserved x2APIC MSR (0x801), for writing the read-only ID, and for
 * leaving x2APIC mode straight to xAPIC. Skips (PASS) when x2APIC is not offered. */
#include "guest.h"
#include "plat.h"

const char test_name[] = "plat_x2apic";

#define X2APIC_ID       0x802u
#define X2APIC_VER      0x803u
#define X2APIC_TPR      0x808u
#define X2APIC_EOI      0x80Bu
#define X2APIC_LDR      0x80Du
#define X2APIC_SVR      0x80Fu
#define X2APIC_ISR0     0x810u
#define X2APIC_IRR0     0x820u
#define X2APIC_LVT_TIMER 0x832u
#define X2APIC_TIMER_ICR 0x838u
#define X2APIC_TIMER_CCR 0x839u
#define X2APIC_TIMER_DCR 0x83Eu
#define X2APIC_SELF_IPI 0x83Fu

#define VEC_IPI         0x50
#define VEC_TIMER       0x51

static volatile uint32_t ipis, timer_ticks;
static volatile int ipi_isr_bit = -1;
static volatile uint32_t pm_tick[16];

static bool x2_vec_bit(uint32_t bank0, unsigned v)
{
    return (rdmsr(bank0 + v / 32) >> (v % 32)) & 1;
}

static void ipi_handler(struct trap_frame *f)
{
    (void)f;
    ipi_isr_bit = x2_vec_bit(X2APIC_ISR0, VEC_IPI);
    ipis++;
    wrmsr(X2APIC_EOI, 0);
}

static void timer_handler(struct trap_frame *f)
{
    (void)f;
    uint32_t n = timer_ticks;
    if (n < 16)
        pm_tick[n] = pmtmr_read();
    timer_ticks = n + 1;
    wrmsr(X2APIC_EOI, 0);
}

static void test_self_ipi(void)
{
    ipis = 0;
    wrmsr(X2APIC_SELF_IPI, VEC_IPI);                    /* IF=0: stays pending */
    bool irr = x2_vec_bit(X2APIC_IRR0, VEC_IPI);
    check(irr && ipis == 0, "self-IPI 0x%x pending in IRR while IF=0 (IRR bit %d, delivered %u)",
          VEC_IPI, irr, ipis);
    sti();
    __asm__ volatile("nop" : : : "memory");             /* taken after STI's shadow */
    cli();
    uint32_t on_sti = ipis;
    check(on_sti == 1, "self-IPI delivered at the instruction boundary after STI (%u)", on_sti);
    if (on_sti == 0)
        wait_count_us(&ipis, 1, 10000);                 /* late is still better than never */
    check(ipis == 1, "self-IPI delivered exactly once (%u)", ipis);
    check(ipi_isr_bit == 1, "ISR bit for 0x%x set in the handler", VEC_IPI);
    check(!x2_vec_bit(X2APIC_ISR0, VEC_IPI) && !x2_vec_bit(X2APIC_IRR0, VEC_IPI),
          "ISR and IRR clear after EOI through MSR 0x80B");
}

static void test_timer(void)
{
    /* Rate of the current count at divide 16, over 2 ms of PM time. */
    wrmsr(X2APIC_LVT_TIMER, APIC_LVT_MASKED | VEC_TIMER);
    wrmsr(X2APIC_TIMER_DCR, APIC_DIV_16);
    check((rdmsr(X2APIC_TIMER_DCR) & 0xB) == APIC_DIV_16, "divide configuration (0x83E) reads back");
    wrmsr(X2APIC_TIMER_ICR, 0xFFFFFFFFu);
    uint32_t p0 = pmtmr_read();
    uint32_t c0 = (uint32_t)rdmsr(X2APIC_TIMER_CCR);
    pmtmr_delay_us(2000);
    uint32_t c1 = (uint32_t)rdmsr(X2APIC_TIMER_CCR);
    uint32_t p1 = pmtmr_read();
    wrmsr(X2APIC_TIMER_ICR, 0);
    uint32_t pm = pmtmr_delta(p0, p1);
    uint64_t rate = (c0 > c1 && pm) ? (uint64_t)(c0 - c1) * PMTMR_HZ / pm : 0;
    note("x2APIC timer counts at %lu Hz with divide 16", (unsigned long)rate);
    check(c1 < c0, "current count (0x839) decreases (%u -> %u)", c0, c1);
    if (!rate)
        return;

    /* Periodic at ~1 kHz: 10 periods, rate against the calibration. */
    const unsigned n = 10;
    uint32_t count = (uint32_t)(rate / 1000);
    if (!count)
        count = 1;
    timer_ticks = 0;
    wrmsr(X2APIC_LVT_TIMER, APIC_LVT_PERIODIC | VEC_TIMER);
    check((rdmsr(X2APIC_LVT_TIMER) & 0x700FF) == (APIC_LVT_PERIODIC | VEC_TIMER),
          "LVT timer (0x832) reads back periodic, vector 0x%x", VEC_TIMER);
    wrmsr(X2APIC_TIMER_ICR, count);
    bool ok = wait_count_us(&timer_ticks, 1, 100000);
    if (ok)
        hlt_until(&timer_ticks, n + 2, 4 * n);          /* the measured periods sleep in HLT */
    uint32_t got = timer_ticks;
    check(got >= n + 2, "periodic timer: %u interrupts (want %u)", got, n + 2);
    wrmsr(X2APIC_TIMER_ICR, 0);
    if (got >= n + 2)       /* interrupt 1 was polled for (it may come late): use 2..n+2 */
        plat_check_rate("x2APIC periodic", pm_tick + 1, n, rate * 1000u / count, 20);
    sti_wait_us(1000);                                  /* let one already in IRR in */
    uint32_t t = timer_ticks;
    bool more = wait_count_us(&timer_ticks, t + 1, 4000);
    check(!more, "initial count 0 stops the timer (%u more)", timer_ticks - t);
}

void guest_main(uint32_t magic, uint32_t mbi)
{
    (void)magic;
    (void)mbi;
    if (!(cpuid(1, 0).ecx & CPUID1_ECX_X2APIC)) {
        note("x2APIC not offered (CPUID.1:ECX[21]=0): nothing to test");
        test_finish();
    }
    plat_init();
    irq_register(VEC_IPI, ipi_handler);
    irq_register(VEC_TIMER, timer_handler);

    /* xAPIC view first, for comparison. */
    lapic_enable(VEC_APIC_SPURIOUS);
    uint8_t xid = lapic_id();
    uint32_t xver = lapic_read(LAPIC_VER);

    uint64_t base = rdmsr(MSR_APIC_BASE);
    check(wrmsr_safe(MSR_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD) == FAULT_NONE,
          "IA32_APIC_BASE accepts EN|EXTD (from 0x%lx)", (unsigned long)base);
    uint64_t nb = rdmsr(MSR_APIC_BASE);
    check((nb & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD),
          "IA32_APIC_BASE reads back x2APIC mode (0x%lx)", (unsigned long)nb);

    uint64_t id = 0, ver = 0, ldr = 0;
    int vid = rdmsr_safe(X2APIC_ID, &id);
    int vver = rdmsr_safe(X2APIC_VER, &ver);
    int vldr = rdmsr_safe(X2APIC_LDR, &ldr);
    note("x2APIC ID %lu, version 0x%lx, LDR 0x%lx", (unsigned long)id, (unsigned long)ver,
         (unsigned long)ldr);
    check(vid == FAULT_NONE && id == xid, "ID (MSR 0x802) %lu equals the xAPIC ID %u",
          (unsigned long)id, xid);
    if (cpuid(0, 0).eax >= 0xB)
        check(id == cpuid(0xB, 0).edx, "ID equals CPUID.0xB:EDX %u", cpuid(0xB, 0).edx);
    check(vver == FAULT_NONE && (uint32_t)ver == xver, "version (MSR 0x803) 0x%lx equals the xAPIC's 0x%x",
          (unsigned long)ver, xver);
    uint32_t want_ldr = (uint32_t)((id >> 4) << 16) | (1u << (id & 0xF));
    check(vldr == FAULT_NONE && ldr == want_ldr, "LDR (MSR 0x80D) 0x%lx derived from the ID (want 0x%x)",
          (unsigned long)ldr, want_ldr);

    wrmsr(X2APIC_SVR, APIC_SVR_ENABLE | VEC_APIC_SPURIOUS);
    check((rdmsr(X2APIC_SVR) & 0x1FF) == (APIC_SVR_ENABLE | VEC_APIC_SPURIOUS),
          "SVR (MSR 0x80F) reads back 0x1FF");
    wrmsr(X2APIC_TPR, 0);

    test_self_ipi();
    test_timer();

    uint64_t v = 0;
    int vw = wrmsr_safe(0x801, 0);
    check(vw == VEC_GP, "wrmsr to reserved x2APIC MSR 0x801 raises #GP (%s)", vector_name(vw));
    int vr = rdmsr_safe(0x801, &v);
    check(vr == VEC_GP, "rdmsr of reserved x2APIC MSR 0x801 raises #GP (%s)", vector_name(vr));
    int vi = wrmsr_safe(X2APIC_ID, 5);
    check(vi == VEC_GP, "wrmsr to the read-only ID (0x802) raises #GP (%s)", vector_name(vi));
    int vleave = wrmsr_safe(MSR_APIC_BASE, (nb & ~APIC_BASE_EXTD) | APIC_BASE_EN);
    check(vleave == VEC_GP, "x2APIC -> xAPIC directly (EXTD=0, EN=1) raises #GP (%s)",
          vector_name(vleave));
    check(rdmsr(MSR_APIC_BASE) == nb, "IA32_APIC_BASE unchanged after the refused write");

    plat_finish();
}
