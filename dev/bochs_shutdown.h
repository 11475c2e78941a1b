/* SPDX-License-Identifier: BSD-2-Clause */
/* Bochs's shutdown port 0x8900: writing the bytes "Shutdown" powers off. Guests
 * that know it from Bochs or old QEMU can power their VM off the same way. */
#ifndef KEEL_DEV_BOCHS_SHUTDOWN_H
#define KEEL_DEV_BOCHS_SHUTDOWN_H

#include "dev/io_bus.h"

#define BOCHS_SHUTDOWN_PORT 0x8900

struct bochs_shutdown {
    unsigned progress;          /* bytes of "Shutdown" seen so far */
};

/* Its port handlers; the context is a struct bochs_shutdown, zeroed at reset. */
extern const struct io_ops bochs_shutdown_io;

#endif
