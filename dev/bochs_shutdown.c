/* SPDX-License-Identifier: BSD-2-Clause */
/* Bochs shutdown port: match "Shutdown" byte by byte (pure; at I/O exits). */
#include <stddef.h>
#include "dev/bochs_shutdown.h"

static const char magic[] = "Shutdown";

static void bochs_shutdown_write(void *ctx, uint16_t port, unsigned size, uint32_t val,
                                 struct dev_reply *reply)
{
    struct bochs_shutdown *s = ctx;
    char c = (char)val;
    (void)port;
    if (size != 1) {
        s->progress = 0;
        return;
    }
    if (c == magic[s->progress])
        s->progress++;
    else
        s->progress = (c == magic[0]) ? 1 : 0;
    if (s->progress == sizeof(magic) - 1) {
        s->progress = 0;
        reply->request = DEV_REQ_POWEROFF;
    }
}

const struct io_ops bochs_shutdown_io = { .read = NULL, .write = bochs_shutdown_write };
