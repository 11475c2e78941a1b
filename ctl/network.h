/* SPDX-License-Identifier: BSD-2-Clause */
/* Keel's network at boot: the virtual switch's bridges named on Keel's
 * command line, and the uplink NIC attached to one of them. Boot CPU. */
#ifndef KEEL_CTL_NETWORK_H
#define KEEL_CTL_NETWORK_H

#include <stdint.h>

/* `bridges=NAME[,NAME...]` (xenbr0 always exists, as on a Xen host set up
 * the usual way) and `uplink=BRIDGE`: the machine's e1000 on that bridge.
 * A missing NIC or a bad name is reported; the bridges work without it. */
void network_init(const char *cmdline);

/* CPU 0 between slices: take what the uplink received into the switch
 * (bounded). Returns when to look again (TSC), or NO_DEADLINE. */
uint64_t network_poll(uint64_t now);
/* The uplink's counters, at power-off (for benchmarks). */
void network_print_stats(void);

#endif
