/* SPDX-License-Identifier: BSD-2-Clause */
/* TSC calibration against PIT channel 2, the way firmware and Linux do it when
 * nothing better is known (boot CPU, once). The emulated platforms Keel runs
 * on keep the PIT in step with emulated time, so this is also what ties
 * Keel's device timers to the rate the guest's TSC really advances. */
#include "host/tsc.h"
#include "lib/print.h"
#include "arch/x86/x86.h"

#define PIT_HZ          1193182u
#define PIT_CH2         0x42
#define PIT_MODE        0x43
#define PORT_B          0x61    /* bit 0: gate 2; bit 1: speaker; bit 5: OUT2 */
#define CALIBRATE_MS    10

static uint64_t measured_hz;

void tsc_calibrate(void)
{
    /* Channel 2, mode 0, one-shot count; OUT2 rises when it reaches zero. */
    uint16_t count = (uint16_t)(PIT_HZ * CALIBRATE_MS / 1000);
    outb(PORT_B, (uint8_t)((inb(PORT_B) & ~0x02) | 0x01));
    outb(PIT_MODE, 0xb0);
    outb(PIT_CH2, (uint8_t)count);
    outb(PIT_CH2, (uint8_t)(count >> 8));
    uint64_t start = rdtsc();
    uint64_t spins = 0;
    while (!(inb(PORT_B) & 0x20)) {
        if (++spins > 100000000ull)
            break;      /* no PIT: fall back below */
    }
    uint64_t elapsed = rdtsc() - start;
    if (spins > 100000000ull || elapsed == 0) {
        /* CPUID 0x15: TSC = crystal * EBX / EAX (SDM Vol. 3B 19.7.3). */
        struct cpuid_regs r = cpuid(0x15, 0);
        measured_hz = (r.eax && r.ecx) ? (uint64_t)r.ecx * r.ebx / r.eax : 1000000000ull;
        printk("keel: no PIT answered; TSC taken as %lu Hz\n", measured_hz);
        return;
    }
    measured_hz = muldiv64(elapsed, PIT_HZ, count);
    printk("keel: TSC runs at %lu kHz (measured against the PIT)\n", measured_hz / 1000);
}

uint64_t tsc_hz(void)
{
    return measured_hz;
}
