/* SPDX-License-Identifier: BSD-2-Clause */
/* Software TCP segmentation (GSO): a TCPv4/TCPv6 super-frame cut into ordinary MSS-sized frames; pure, any CPU. */
#ifndef KEEL_NET_GSO_H
#define KEEL_NET_GSO_H

/*
 * What a NIC or Linux's tcp_gso_segment does for a port that cannot take a
 * GSO frame: every segment carries copies of the Ethernet, IP and TCP
 * headers (options included) and the next gso_size bytes of payload, with
 *  - IPv4: total length, ID (the first keeps the original, then +1 per
 *    segment, wrapping) and a fresh header checksum; IPv6: payload length;
 *  - TCP: sequence number advanced by the payload before it; FIN and PSH
 *    only on the last segment, CWR only on the first (RFC 3168 §6.1.2);
 *  - a complete TCP checksum, whatever the super-frame's field held.
 * Ethernet padding after the IP length is not copied.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/net_frame.h"

/* The smallest MSS taken: Linux never builds GSO frames with less payload
 * per segment (include/net/tcp.h TCP_MIN_GSO_SIZE = TCP_MIN_SND_MSS 48 -
 * MAX_TCP_OPTION_SPACE 40). It bounds one frame to 65535 / 8 segments. */
#define NET_GSO_SIZE_MIN 8u

/* Segments frame[0, len) as off (gso_size, gso_type) says, building each
 * segment in scratch[0, scratch_size) (which must not overlap the frame)
 * and handing it to emit, an ordinary frame with no offload. emit returns
 * 0 to go on, or non-zero to stop after that segment.
 *
 * The whole frame is checked before the first emit: off->gso_size >=
 * NET_GSO_SIZE_MIN; off->gso_type NET_GSO_TCPV4 on IPv4 or NET_GSO_TCPV6
 * on IPv6; a TCP segment that net_l4_locate takes (so every header is in
 * the frame and the IP length fits it); and room in scratch for the
 * largest segment. A frame whose payload fits one MSS (even none) still
 * goes out as one segment with its checksum completed.
 *
 * Returns the number of segments handed to emit, or -1 (nothing emitted)
 * if the frame is refused. */
int net_gso_segment(const uint8_t *frame, size_t len, const struct net_offload *off,
                    uint8_t *scratch, size_t scratch_size,
                    int (*emit)(void *ctx, const uint8_t *seg, size_t seg_len), void *ctx);

/* Whether net_gso_segment would take frame[0, len) with *off, given a
 * scratch of NET_FRAME_MAX bytes: the checks above, without segmenting. */
bool net_gso_valid(const uint8_t *frame, size_t len, const struct net_offload *off);

#endif
