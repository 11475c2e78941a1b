/* SPDX-License-Identifier: BSD-2-Clause */
/* isa-debug-exit: end the VM with a status a test script reads (pure; at I/O exits). */
#include <stddef.h>
#include "dev/debug_exit.h"

static void debug_exit_write(void *ctx, uint16_t port, unsigned size, uint32_t val,
                             struct dev_reply *reply)
{
    (void)ctx;
    (void)port;
    (void)size;
    /* QEMU reports (val << 1) | 1 as the exit code: keep that contract. */
    reply->request = DEV_REQ_DEBUG_EXIT;
    reply->status = (val << 1) | 1;
}

const struct io_ops debug_exit_io = { .read = NULL, .write = debug_exit_write };
