/* SPDX-License-Identifier: BSD-2-Clause */
/* exit.c — check bookkeeping and the two ways a guest ends its VM (debug exit, power off). */
#include "exit.h"
#include "print.h"
#include "cpu.h"
#include <stdarg.h>

static unsigned nr_checks, nr_failed;

bool check(bool ok, const char *fmt, ...)
{
    va_list ap;
    nr_checks++;
    if (!ok)
        nr_failed++;
    kprintf("%s: %s: ", test_name, ok ? "ok" : "FAIL");
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
    return ok;
}

unsigned checks_failed(void)
{
    return nr_failed;
}

void note(const char *fmt, ...)
{
    va_list ap;
    kprintf("%s: note: ", test_name);
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
}

void debug_exit(uint32_t value)
{
    outl(DEBUG_EXIT_PORT, value);
    /* Still here: no debug-exit device. Halting with IF=0 ends the VM under Keel. */
    halt_forever();
}

void test_pass(void)
{
    kprintf("%s: PASS\n", test_name);
    debug_exit(DEBUG_EXIT_PASS);
}

void test_fail(const char *fmt, ...)
{
    va_list ap;
    kprintf("%s: FAIL: ", test_name);
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
    debug_exit(DEBUG_EXIT_FAIL);
}

void test_finish(void)
{
    if (nr_failed)
        test_fail("%u of %u checks failed", nr_failed, nr_checks);
    kprintf("%s: all %u checks passed\n", test_name, nr_checks);
    test_pass();
}

void power_off(void)
{
    static const char magic[] = "Shutdown";
    for (unsigned i = 0; magic[i]; i++)
        outb(SHUTDOWN_PORT, (uint8_t)magic[i]);
}

/* Called by crt0 if guest_main returns: every guest must end its VM explicitly. */
void guest_returned(void);
void guest_returned(void)
{
    test_fail("guest_main returned without ending the VM");
}
