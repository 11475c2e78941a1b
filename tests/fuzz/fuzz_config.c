/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for the xl.cfg parser and its disk and vif specs (vm/config.c, vm/disk_spec.c, vm/vif_spec.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_common.h"
#include "vm/config.h"

/*
 * The input is a config file (not NUL-terminated: libFuzzer's buffer is
 * exactly its size, so ASan sees any read past it), and the same bytes are
 * also one DISKSPEC. Checked:
 *  - an accepted config holds values inside their documented ranges
 *    (docs/config.md): a valid name, memory 1..1048576 MiB, vcpus 1..64,
 *    a CPU affinity mask that names at least one CPU, cpu_weight 1..65535,
 *    absolute paths, terminated strings, known enums, distinct vdevs
 *    xvda..xvdp; and it survives a round trip: written back out in canonical
 *    form and parsed again, it gives the same struct;
 *  - a rejected one names a line that exists (0 only for a missing key) and
 *    a key that appears in the text (or the missing one), with a message;
 *  - an accepted disk spec has an absolute target, a valid vdev and its
 *    number; a rejected one has a reason.
 */

static bool terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static bool absolute(const char *s, size_t cap)
{
    return terminated(s, cap) && s[0] == '/';
}

static void check_disk(const struct vm_disk *d)
{
    FUZZ_CHECK(absolute(d->target, sizeof d->target), "disk target '%.*s'", (int)sizeof d->target, d->target);
    FUZZ_CHECK(strlen(d->vdev_name) == 4 && memcmp(d->vdev_name, "xvd", 3) == 0 && d->vdev_name[3] >= 'a' &&
                   d->vdev_name[3] <= 'p',
               "vdev name '%.8s'", d->vdev_name);
    FUZZ_CHECK(d->vdev == (202u << 8 | (unsigned)(d->vdev_name[3] - 'a') << 4), "vdev %#x for %s", d->vdev,
               d->vdev_name);
}

static void check_config(const struct vm_config *c)
{
    FUZZ_CHECK(terminated(c->name, sizeof c->name) && c->name[0], "empty or unterminated name");
    for (const char *p = c->name; *p; p++)
        FUZZ_CHECK((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
                       *p == '.' || *p == '-',
                   "name '%s'", c->name);
    FUZZ_CHECK(c->type == VM_TYPE_MULTIBOOT || c->type == VM_TYPE_LINUX || c->type == VM_TYPE_BIOS, "type %d",
               c->type);
    FUZZ_CHECK(c->memory_mib >= 1 && c->memory_mib <= 1048576, "memory %llu", (unsigned long long)c->memory_mib);
    FUZZ_CHECK(c->vcpus >= 1 && c->vcpus <= 64, "vcpus %u", c->vcpus);
    FUZZ_CHECK(c->cpu_affinity != 0, "empty cpu affinity");
    FUZZ_CHECK(c->cpu_weight >= CONFIG_CPU_WEIGHT_MIN && c->cpu_weight <= CONFIG_CPU_WEIGHT_MAX, "cpu_weight %u",
               c->cpu_weight);
    FUZZ_CHECK(absolute(c->kernel, sizeof c->kernel), "kernel '%.*s'", (int)sizeof c->kernel, c->kernel);
    FUZZ_CHECK(terminated(c->ramdisk, sizeof c->ramdisk) && (!c->ramdisk[0] || c->ramdisk[0] == '/'), "ramdisk");
    FUZZ_CHECK(terminated(c->cmdline, sizeof c->cmdline), "cmdline unterminated");
    FUZZ_CHECK(c->nr_modules <= CONFIG_MODULES_MAX, "%u modules", c->nr_modules);
    for (unsigned i = 0; i < c->nr_modules; i++)
        FUZZ_CHECK(absolute(c->modules[i], sizeof c->modules[i]), "module %u", i);
    FUZZ_CHECK(c->on_poweroff <= VM_ACTION_PRESERVE && c->on_reboot <= VM_ACTION_PRESERVE &&
                   c->on_crash <= VM_ACTION_PRESERVE,
               "actions %d %d %d", c->on_poweroff, c->on_reboot, c->on_crash);
    FUZZ_CHECK(c->nr_vifs <= CONFIG_VIFS_MAX, "%u vifs", c->nr_vifs);
    for (unsigned i = 0; i < c->nr_vifs; i++) {
        const struct vm_vif *v = &c->vifs[i];
        FUZZ_CHECK(terminated(v->bridge, sizeof v->bridge) && v->bridge[0], "vif %u bridge", i);
        FUZZ_CHECK(terminated(v->vifname, sizeof v->vifname), "vif %u vifname", i);
        FUZZ_CHECK(!v->mac_given || !(v->mac[0] & 1), "vif %u multicast mac", i);
        for (unsigned j = 0; j < i; j++)
            FUZZ_CHECK(!v->mac_given || !c->vifs[j].mac_given || memcmp(v->mac, c->vifs[j].mac, 6),
                       "vifs %u and %u share a mac", j, i);
    }
    FUZZ_CHECK(c->nr_disks <= CONFIG_DISKS_MAX, "%u disks", c->nr_disks);
    for (unsigned i = 0; i < c->nr_disks; i++) {
        check_disk(&c->disks[i]);
        for (unsigned j = 0; j < i; j++)
            FUZZ_CHECK(c->disks[i].vdev != c->disks[j].vdev, "disks %u and %u share vdev %#x", j, i,
                       c->disks[i].vdev);
    }
}

/* The canonical text of a config, into buf; false if some string holds both
 * quote characters (the syntax has no escapes) or buf is too small. */
struct writer {
    char *buf;
    size_t cap, len;
    bool ok;
};

static void put(struct writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct writer *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w->buf + w->len, w->cap - w->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= w->cap - w->len)
        w->ok = false;
    else
        w->len += (size_t)n;
}

static char quote_for(struct writer *w, const char *s)
{
    if (!strchr(s, '"'))
        return '"';
    if (!strchr(s, '\''))
        return '\'';
    w->ok = false;
    return '"';
}

static void put_string(struct writer *w, const char *prefix, const char *s)
{
    char q = quote_for(w, s);
    put(w, "%c%s%s%c", q, prefix, s, q);
}

static const char *const type_names[] = { [VM_TYPE_MULTIBOOT] = "multiboot", [VM_TYPE_LINUX] = "linux",
                                          [VM_TYPE_BIOS] = "bios" };
static const char *const action_names[] = { [VM_ACTION_DESTROY] = "destroy", [VM_ACTION_RESTART] = "restart",
                                            [VM_ACTION_PRESERVE] = "preserve" };

/* A CPU mask as a `cpus` string: "all", or its runs of set bits "N" / "N-M". */
static void put_cpus(struct writer *w, uint64_t mask)
{
    if (mask == UINT64_MAX) {
        put(w, "\"all\"");
        return;
    }
    const char *sep = "";
    put(w, "\"");
    for (unsigned n = 0; n < CONFIG_CPUS_MAX; n++) {
        if (!(mask >> n & 1))
            continue;
        unsigned m = n;
        while (m + 1 < CONFIG_CPUS_MAX && (mask >> (m + 1) & 1))
            m++;
        if (m == n)
            put(w, "%s%u", sep, n);
        else
            put(w, "%s%u-%u", sep, n, m);
        sep = ",";
        n = m;
    }
    put(w, "\"");
}

static bool write_config(const struct vm_config *c, struct writer *w)
{
    put(w, "# canonical\nname = ");
    put_string(w, "", c->name);
    put(w, "\ntype = \"%s\"\nmemory = %llu\nvcpus = %u\nkernel = ", type_names[c->type],
        (unsigned long long)c->memory_mib, c->vcpus);
    put_string(w, "", c->kernel);
    put(w, "\ncpus = ");
    put_cpus(w, c->cpu_affinity);
    put(w, "\ncpu_weight = %u", c->cpu_weight);
    if (c->ramdisk[0]) {
        put(w, "\nramdisk = ");
        put_string(w, "", c->ramdisk);
    }
    put(w, "\ncmdline = ");
    put_string(w, "", c->cmdline);
    if (c->nr_modules) {
        put(w, "\nmodules = [\n");
        for (unsigned i = 0; i < c->nr_modules; i++) {
            put_string(w, "", c->modules[i]);
            put(w, ",\n");
        }
        put(w, "]");
    }
    put(w, "\non_poweroff = \"%s\"\non_reboot = \"%s\"\non_crash = \"%s\"\nxen_platform_pci = %d\n",
        action_names[c->on_poweroff], action_names[c->on_reboot], action_names[c->on_crash],
        c->xen_platform_pci ? 1 : 0);
    if (c->nr_disks) {
        put(w, "disk = [ ");
        for (unsigned i = 0; i < c->nr_disks; i++) {
            char prefix[64];
            snprintf(prefix, sizeof prefix, "vdev=%s, access=%s, target=", c->disks[i].vdev_name,
                     c->disks[i].read_only ? "r" : c->disks[i].shared ? "rw!" : "rw");
            put_string(w, prefix, c->disks[i].target);
            put(w, i + 1 < c->nr_disks ? ", " : " ]\n");
        }
    }
    if (c->nr_vifs) {
        put(w, "vif = [ ");
        for (unsigned i = 0; i < c->nr_vifs; i++) {
            const struct vm_vif *v = &c->vifs[i];
            put(w, "\"bridge=%s", v->bridge);
            if (v->mac_given)
                put(w, ",mac=%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0], v->mac[1], v->mac[2], v->mac[3],
                    v->mac[4], v->mac[5]);
            if (v->vifname[0])
                put(w, ",vifname=%s", v->vifname);
            put(w, i + 1 < c->nr_vifs ? "\", " : "\" ]\n");
        }
    }
    return w->ok;
}

static void round_trip(const struct vm_config *c)
{
    static char text[16384];
    struct writer w = { text, sizeof text, 0, true };
    if (!write_config(c, &w))
        return;
    static struct vm_config again;
    struct config_error err;
    FUZZ_CHECK(config_parse(text, w.len, &again, &err) == 0, "canonical text refused at line %u key '%s': %s\n%s",
               err.line, err.key, err.msg, text);
    again.vif_line = c->vif_line;   /* where `vif` sits differs; nothing else may */
    FUZZ_CHECK(memcmp(c, &again, sizeof again) == 0, "canonical text parses differently:\n%s", text);
}

static bool contains(const uint8_t *data, size_t size, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; n <= size && i <= size - n; i++) {
        if (memcmp(data + i, s, n) == 0)
            return true;
    }
    return false;
}

static void check_error(const uint8_t *data, size_t size, const struct config_error *e)
{
    FUZZ_CHECK(terminated(e->msg, sizeof e->msg) && e->msg[0], "error without a message");
    FUZZ_CHECK(terminated(e->key, sizeof e->key), "error key unterminated");
    unsigned lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    FUZZ_CHECK(e->line <= lines, "error at line %u of %u: %s", e->line, lines, e->msg);
    bool missing = strcmp(e->msg, "missing required key") == 0;
    FUZZ_CHECK((e->line == 0) == missing, "error at line %u: %s", e->line, e->msg);
    if (missing)
        FUZZ_CHECK(strcmp(e->key, "name") == 0 || strcmp(e->key, "kernel") == 0, "missing key '%s'", e->key);
    else if (e->key[0])
        FUZZ_CHECK(contains(data, size, e->key), "error names key '%s', not in the text",
                   e->key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct vm_config cfg;
    struct config_error err;
    const char *text = (const char *)data;

    if (config_parse(text, size, &cfg, &err) == 0) {
        check_config(&cfg);
        round_trip(&cfg);
    } else {
        check_error(data, size, &err);
    }

    struct vm_disk disk;
    const char *why = NULL;
    if (disk_spec_parse(text, size, &disk, &why) == 0)
        check_disk(&disk);
    else
        FUZZ_CHECK(why && why[0], "disk spec refused without a reason");

    struct vm_vif vif;
    why = NULL;
    if (vif_spec_parse(text, size, &vif, &why) == 0)
        FUZZ_CHECK(terminated(vif.bridge, sizeof vif.bridge) && vif.bridge[0] &&
                       terminated(vif.vifname, sizeof vif.vifname),
                   "vif spec fields");
    else
        FUZZ_CHECK(why && why[0], "vif spec refused without a reason");
    return 0;
}
