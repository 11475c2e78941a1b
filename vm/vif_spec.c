/* SPDX-License-Identifier: BSD-2-Clause */
/* One xl.cfg VIFSPEC (xl-network-configuration(5)) parsed into a vm_vif:
 * pure, used by the config parser in Keel and in host unit tests.
 *
 * A spec is comma-separated `key=value` pairs. Keel takes:
 *   mac=XX:XX:XX:XX:XX:XX   the guest's MAC (unicast, not all zero); absent:
 *                           the VM derives one from its name (00:16:3e:..)
 *   bridge=NAME             the virtual switch's bridge (default xenbr0)
 *   type=vif                a PV-only NIC (xl's HVM default `ioemu` also asks
 *                           for an emulated NIC, which Keel does not offer)
 *   vifname=NAME            the port's name in Keel's counters
 * Anything else is refused by name, so a config written for Xen does not
 * silently lose a setting (script=, ip=, rate= mean dom0 plumbing). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vm/config.h"

struct token {
    const char *s;
    size_t n;
};

static bool token_is(struct token t, const char *lit)
{
    return t.n == strlen(lit) && memcmp(t.s, lit, t.n) == 0;
}

static struct token trim(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return (struct token){ s, n };
}

static int fail(const char **why, const char *reason)
{
    *why = reason;
    return -1;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Six two-digit hex bytes joined by ':' (the form xenstore's `mac` takes). */
static int parse_mac(struct token t, uint8_t mac[CONFIG_MAC_LEN], const char **why)
{
    if (t.n != 17)
        return fail(why, "mac must be six hex bytes joined by ':'");
    for (unsigned i = 0; i < CONFIG_MAC_LEN; i++) {
        int hi = hex_digit(t.s[i * 3]), lo = hex_digit(t.s[i * 3 + 1]);
        if (hi < 0 || lo < 0 || (i < 5 && t.s[i * 3 + 2] != ':'))
            return fail(why, "mac must be six hex bytes joined by ':'");
        mac[i] = (uint8_t)(hi << 4 | lo);
    }
    if (mac[0] & 1)
        return fail(why, "mac is a multicast address");
    static const uint8_t zero[CONFIG_MAC_LEN];
    if (memcmp(mac, zero, CONFIG_MAC_LEN) == 0)
        return fail(why, "mac is all zero");
    return 0;
}

/* Bridge and port names: what a Linux interface name may be, as xl users
 * write them (xenbr0, br-lan, vif1.0). */
static int store_name(struct token t, char *out, size_t size, const char *what_bad,
                      const char **why)
{
    if (t.n == 0 || t.n >= size)
        return fail(why, what_bad);
    for (size_t i = 0; i < t.n; i++) {
        char c = t.s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == '-';
        if (!ok)
            return fail(why, what_bad);
    }
    memcpy(out, t.s, t.n);
    out[t.n] = '\0';
    return 0;
}

static int apply_key(struct vm_vif *out, struct token key, struct token v, unsigned *seen,
                     const char **why)
{
    static const char *const keys[] = { "mac", "bridge", "type", "vifname" };
    unsigned k = 0;
    while (k < sizeof(keys) / sizeof(keys[0]) && !token_is(key, keys[k]))
        k++;
    if (k == sizeof(keys) / sizeof(keys[0])) {
        if (token_is(key, "script") || token_is(key, "ip") || token_is(key, "rate") ||
            token_is(key, "backend") || token_is(key, "model"))
            return fail(why, "script, ip, rate, backend and model are not supported");
        return fail(why, "unknown vif parameter");
    }
    if (*seen & (1u << k))
        return fail(why, "parameter given twice");
    *seen |= 1u << k;
    switch (k) {
    case 0:
        out->mac_given = true;
        return parse_mac(v, out->mac, why);
    case 1:
        return store_name(v, out->bridge, sizeof(out->bridge),
                          "bridge must be 1-15 of A-Za-z0-9_.-", why);
    case 2:
        if (token_is(v, "vif"))
            return 0;
        if (token_is(v, "ioemu"))
            return fail(why, "type=ioemu needs an emulated NIC, which Keel does not offer: use type=vif");
        return fail(why, "type must be vif");
    default:
        return store_name(v, out->vifname, sizeof(out->vifname),
                          "vifname must be 1-15 of A-Za-z0-9_.-", why);
    }
}

int vif_spec_parse(const char *spec, size_t len, struct vm_vif *out, const char **why)
{
    unsigned seen = 0;
    size_t pos = 0;

    memset(out, 0, sizeof(*out));
    memcpy(out->bridge, CONFIG_VIF_BRIDGE_DEFAULT, sizeof(CONFIG_VIF_BRIDGE_DEFAULT));
    if (trim(spec, len).n == 0)
        return 0;                   /* "": every default, as xl takes it */
    while (pos <= len) {
        const char *comma = memchr(spec + pos, ',', len - pos);
        size_t end = comma ? (size_t)(comma - spec) : len;
        struct token t = trim(spec + pos, end - pos);
        const char *eq = memchr(t.s, '=', t.n);
        if (!eq)
            return fail(why, t.n ? "expected key=value" : "empty parameter");
        struct token key = trim(t.s, (size_t)(eq - t.s));
        struct token val = trim(eq + 1, t.n - (size_t)(eq - t.s) - 1);
        if (apply_key(out, key, val, &seen, why) < 0)
            return -1;
        pos = end + 1;
    }
    return 0;
}
