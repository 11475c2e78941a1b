/* SPDX-License-Identifier: BSD-2-Clause */
/* Software TCP segmentation: check the whole super-frame, then build and emit one segment at a time in scratch; pure, any CPU. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net/csum.h"
#include "net/ether.h"
#include "net/gso.h"

/* 0 with *l4 filled if off and frame make a segmentable TCP super-frame
 * whose largest segment fits scratch_size; else -1. */
static int check(const uint8_t *frame, size_t len, const struct net_offload *off,
                 size_t scratch_size, struct net_l4 *l4)
{
    if (!off || off->gso_size < NET_GSO_SIZE_MIN)
        return -1;
    if (net_l4_locate(frame, len, l4) != 0 || l4->proto != NET_IPPROTO_TCP)
        return -1;
    if (!(off->gso_type == NET_GSO_TCPV4 && l4->ethertype == NET_ETHERTYPE_IPV4) &&
        !(off->gso_type == NET_GSO_TCPV6 && l4->ethertype == NET_ETHERTYPE_IPV6))
        return -1;
    size_t payload = l4->l4_len - l4->l4_hlen;
    size_t largest = l4->l4_off + l4->l4_hlen + (payload < off->gso_size ? payload : off->gso_size);
    return largest <= scratch_size ? 0 : -1;
}

bool net_gso_valid(const uint8_t *frame, size_t len, const struct net_offload *off)
{
    struct net_l4 l4;
    return frame && check(frame, len, off, NET_FRAME_MAX, &l4) == 0;
}

int net_gso_segment(const uint8_t *frame, size_t len, const struct net_offload *off,
                    uint8_t *scratch, size_t scratch_size,
                    int (*emit)(void *ctx, const uint8_t *seg, size_t seg_len), void *ctx)
{
    struct net_l4 l4;
    if (!frame || !scratch || !emit || check(frame, len, off, scratch_size, &l4) != 0)
        return -1;

    bool v4 = l4.ethertype == NET_ETHERTYPE_IPV4;
    size_t hdr_len = l4.l4_off + l4.l4_hlen;
    size_t payload = l4.l4_len - l4.l4_hlen;
    const uint8_t *tcp = frame + l4.l4_off;
    uint32_t seq = net_get32(tcp + NET_TCP_SEQ);
    uint8_t flags = tcp[NET_TCP_FLAGS];
    uint16_t id = v4 ? net_get16(frame + l4.l3_off + NET_IPV4_ID) : 0;
    uint8_t *ip = scratch + l4.l3_off, *seg_tcp = scratch + l4.l4_off;
    size_t done = 0;
    int n = 0;

    do {
        size_t take = payload - done < off->gso_size ? payload - done : off->gso_size;
        bool last = done + take == payload;
        struct net_l4 seg = l4;
        seg.l4_len = l4.l4_hlen + take;

        memcpy(scratch, frame, hdr_len);
        memcpy(scratch + hdr_len, frame + hdr_len + done, take);
        if (v4) {
            net_put16(ip + NET_IPV4_TOT_LEN, (uint16_t)(l4.l3_hlen + seg.l4_len));
            net_put16(ip + NET_IPV4_ID, (uint16_t)(id + n));
            net_ipv4_header_csum(ip);
        } else {
            net_put16(ip + NET_IPV6_PAYLOAD_LEN, (uint16_t)seg.l4_len);
        }
        net_put32(seg_tcp + NET_TCP_SEQ, seq + (uint32_t)done);
        uint8_t f = flags;
        if (!last)
            f &= (uint8_t)~NET_TCP_FIN & (uint8_t)~NET_TCP_PSH;
        if (n > 0)
            f &= (uint8_t)~NET_TCP_CWR;
        seg_tcp[NET_TCP_FLAGS] = f;
        net_put16(seg_tcp + NET_TCP_CSUM, 0);
        uint32_t sum = net_csum_add(net_csum_pseudo(scratch, &seg), seg_tcp, seg.l4_len);
        net_put16(seg_tcp + NET_TCP_CSUM, (uint16_t)~sum);

        n++;
        if (emit(ctx, scratch, hdr_len + take) != 0)
            break;
        done += take;
    } while (done < payload);
    return n;
}
