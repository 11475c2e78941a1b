/* SPDX-License-Identifier: BSD-2-Clause */
/* exit.h — how a test guest reports: numbered checks, then PASS/FAIL through the
 * isa-debug-exit port (0xf4), or power off through the Bochs shutdown port (0x8900). */
#ifndef GUEST_EXIT_H
#define GUEST_EXIT_H

#include <stdbool.h>
#include <stdint.h>

#define DEBUG_EXIT_PORT     0xF4
#define DEBUG_EXIT_PASS     0x10    /* hypervisor/QEMU status (0x10 << 1) | 1 = 33 */
#define DEBUG_EXIT_FAIL     0x11    /* status 35 */
#define SHUTDOWN_PORT       0x8900

/* Each guest defines its name; it prefixes every line the library prints. */
extern const char test_name[];

/* Records one check: prints "NAME: ok: ..." or "NAME: FAIL: ...". Returns ok. */
bool check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "NAME: note: ..." (informational, never fails). */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Number of failed checks so far. */
unsigned checks_failed(void);

/* PASS if no check failed, else FAIL with the count. Does not return. */
__attribute__((noreturn)) void test_finish(void);
__attribute__((noreturn)) void test_pass(void);
__attribute__((noreturn)) void test_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Writes the 32-bit value to the debug-exit port; halts if the VM keeps running. */
__attribute__((noreturn)) void debug_exit(uint32_t value);
/* Writes "Shutdown" to port 0x8900 byte by byte; returns if the VM keeps running. */
void power_off(void);

#endif
