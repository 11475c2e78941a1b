/* SPDX-License-Identifier: BSD-2-Clause */
/* printf-style formatting for Keel (any context; no allocation, bounded output). */
#include <stdint.h>
#include <string.h>
#include "lib/print.h"

struct out {
    char *buf;
    size_t size;
    size_t len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width, int left, char pad)
{
    int fill = width > (int)n ? width - (int)n : 0;
    if (!left)
        while (fill-- > 0)
            put(o, pad);
    while (n--)
        put(o, *s++);
    if (left)
        while (fill-- > 0)
            put(o, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        int left = 0;
        char pad = ' ';
        for (;; fmt++) {
            if (*fmt == '-')
                left = 1;
            else if (*fmt == '0')
                pad = '0';
            else
                break;
        }
        int width = 0;
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        int longs = 0;
        while (*fmt == 'l' || *fmt == 'z') {
            longs = (*fmt == 'z') ? 2 : longs + 1;
            fmt++;
        }
        char tmp[24];
        int n = 0;
        uint64_t v;
        switch (*fmt) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            put_padded(&o, s, strlen(s), width, left, ' ');
            continue;
        }
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            put_padded(&o, tmp, 1, width, left, ' ');
            continue;
        case 'd':
        case 'i': {
            int64_t s = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
            int neg = s < 0;
            v = neg ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
            do {
                tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
                v /= 10;
            } while (v);
            if (neg)
                tmp[sizeof(tmp) - 1 - n++] = '-';
            put_padded(&o, tmp + sizeof(tmp) - n, (size_t)n, width, left, pad);
            continue;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'p': {
            unsigned base = (*fmt == 'u') ? 10 : 16;
            const char *digits = (*fmt == 'X') ? "0123456789ABCDEF" : "0123456789abcdef";
            if (*fmt == 'p')
                v = (uintptr_t)va_arg(ap, void *);
            else
                v = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
            do {
                tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
                v /= base;
            } while (v);
            put_padded(&o, tmp + sizeof(tmp) - n, (size_t)n, width, left, pad);
            continue;
        }
        case '%':
            put(&o, '%');
            continue;
        default:    /* unknown conversion: show it rather than guess */
            put(&o, '%');
            if (!*fmt)
                goto done;
            put(&o, *fmt);
            continue;
        }
    }
done:
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

static void (*print_sink)(const char *s, size_t n);

void print_set_sink(void (*write)(const char *s, size_t n))
{
    print_sink = write;
}

void printk(const char *fmt, ...)
{
    if (!print_sink)
        return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    print_sink(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}
