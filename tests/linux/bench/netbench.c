/* SPDX-License-Identifier: BSD-2-Clause */
/* netbench: the guest side of tools/bench-net.sh (a TCP sender, a UDP burst and its counter, a clock). */
/*
 * Built on the host with `gcc -static -O2`, run in Keel's small Linux guest
 * as /bin/netbench (tests/linux/bench/tests/netbench.sh):
 *
 *   netbench now                        CLOCK_MONOTONIC in ns
 *   netbench tcp-send ADDR PORT FILE    FILE to ADDR:PORT over TCP in 64 KiB writes
 *       (busybox nc writes 1 KiB at a time), then half-closes and waits for the
 *       peer to close; prints the bytes sent
 *   netbench udp-send ADDR PORT COUNT   COUNT datagrams of 18 bytes to ADDR:PORT (IPv4)
 *       (an 18-byte payload + 8 UDP + 20 IPv4 + 14 Ethernet = 60 bytes, the
 *       Ethernet minimum: 64 on the wire with the FCS); then waits until the
 *       socket's send queue is empty (every datagram has left the guest: netfront
 *       frees a buffer when the backend has answered its slot). Prints
 *       "SENT ERRORS NS" (NS: first send to the queue's end).
 *   netbench udp-recv PORT SECONDS      counts datagrams from the first until
 *       SECONDS of silence (waits up to 900 s for the first) or SIGUSR1 (then
 *       it takes what is queued and stops); prints "COUNT BYTES NS" (NS:
 *       first to last datagram).
 */
#define _GNU_SOURCE             /* ppoll */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include <time.h>
#include <unistd.h>

#define PAYLOAD 18              /* 14 + 20 + 8 + 18 = 60: a minimum frame */
#define TCP_CHUNK (64 << 10)
#define FIRST_WAIT_MS 900000

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int usage(void)
{
    fprintf(stderr, "usage: netbench now | tcp-send ADDR PORT FILE | udp-send ADDR PORT COUNT |"
                    " udp-recv PORT SECONDS\n");
    return 2;
}

static int connect_to(const char *host, const char *port, int type)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
        fprintf(stderr, "netbench: %s: not an IPv4 address\n", host);
        return -1;
    }
    int s = socket(AF_INET, type, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
        perror("netbench: socket/connect");
        return -1;
    }
    return s;
}

static int tcp_send(const char *host, const char *port, const char *file)
{
    static char buf[TCP_CHUNK];
    int in = open(file, O_RDONLY);
    if (in < 0) {
        perror(file);
        return 1;
    }
    int s = connect_to(host, port, SOCK_STREAM);
    if (s < 0)
        return 1;
    unsigned long long sent = 0;
    ssize_t n;
    while ((n = read(in, buf, sizeof(buf))) > 0) {
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(s, buf + off, (size_t)(n - off));
            if (w < 0) {
                perror("netbench: write");
                return 1;
            }
            off += w;
            sent += (unsigned long long)w;
        }
    }
    /* As nc: half-close, then wait for the peer's close (it has read all). */
    shutdown(s, SHUT_WR);
    while ((n = read(s, buf, sizeof(buf))) > 0)
        ;
    printf("%llu\n", sent);
    return 0;
}

static int udp_send(const char *host, const char *port, unsigned long count)
{
    int s = connect_to(host, port, SOCK_DGRAM);
    if (s < 0)
        return 1;
    char buf[PAYLOAD];
    memset(buf, 'k', sizeof(buf));
    unsigned long sent = 0, errors = 0;
    uint64_t t0 = now_ns();
    for (unsigned long i = 0; i < count; i++) {
        memcpy(buf, &i, sizeof(i));     /* a sequence number, for a packet log */
        if (send(s, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf)) {
            sent++;
        } else {
            errors++;                   /* ENOBUFS, ECONNREFUSED (an ICMP answer) */
            if (errno == ENOBUFS)
                sched_yield();
        }
    }
    /* Until the last datagram has left: at most 10 s. */
    int queued = 0;
    while (ioctl(s, SIOCOUTQ, &queued) == 0 && queued > 0 && now_ns() - t0 < 10000000000ull)
        sched_yield();
    uint64_t t1 = now_ns();
    printf("%lu %lu %llu\n", sent, errors, (unsigned long long)(t1 - t0));
    return 0;
}

static volatile sig_atomic_t stop;

static void on_usr1(int sig)
{
    (void)sig;
    stop = 1;
}

static int udp_recv(const char *port, int seconds)
{
    /* SIGUSR1 is blocked except inside ppoll: it cannot slip in between. */
    sigset_t block, wait_mask;
    struct sigaction sa = { .sa_handler = on_usr1 };
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &wait_mask);
    sigdelset(&wait_mask, SIGUSR1);
    sigaction(SIGUSR1, &sa, NULL);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
        perror("netbench: socket/bind");
        return 1;
    }
    /* A deep queue (root may exceed rmem_max), so a burst that outruns the
     * reader is counted as Keel's and netfront's drops, not the socket's. */
    int rcvbuf = 4 << 20;
    setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
    unsigned long count = 0, bytes = 0;
    uint64_t first = 0, last = 0;
    char buf[2048];
    for (;;) {
        struct pollfd p = { .fd = s, .events = POLLIN };
        int ms = count ? seconds * 1000 : FIRST_WAIT_MS;
        struct timespec limit = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
        int n = stop ? 1 : ppoll(&p, 1, &limit, &wait_mask);
        if (n < 0 && errno == EINTR)
            n = 1;                      /* stop: take what is queued */
        if (n <= 0)
            break;
        ssize_t len;
        while ((len = recv(s, buf, sizeof(buf), MSG_DONTWAIT)) >= 0) {
            last = now_ns();
            if (!count)
                first = last;
            count++;
            bytes += (unsigned long)len;
        }
        if (stop)
            break;
    }
    printf("%lu %lu %llu\n", count, bytes, (unsigned long long)(last - first));
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "now")) {
        printf("%llu\n", (unsigned long long)now_ns());
        return 0;
    }
    if (argc == 5 && !strcmp(argv[1], "tcp-send"))
        return tcp_send(argv[2], argv[3], argv[4]);
    if (argc == 5 && !strcmp(argv[1], "udp-send"))
        return udp_send(argv[2], argv[3], strtoul(argv[4], NULL, 0));
    if (argc == 4 && !strcmp(argv[1], "udp-recv"))
        return udp_recv(argv[2], atoi(argv[3]));
    return usage();
}
