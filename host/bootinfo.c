/* SPDX-License-Identifier: BSD-2-Clause */
/* Multiboot2 information parser (boot CPU, once, before the allocator exists). */
#include <string.h>
#include "host/bootinfo.h"

/* Multiboot2 specification 2.0, section 3.6: tag types Keel reads. */
#define MB2_TAG_END        0
#define MB2_TAG_CMDLINE    1
#define MB2_TAG_MODULE     3
#define MB2_TAG_MMAP       6
#define MB2_TAG_ACPI_OLD   14
#define MB2_TAG_ACPI_NEW   15

struct mb2_tag {
    uint32_t type, size;
};
struct mb2_tag_module {
    struct mb2_tag tag;
    uint32_t mod_start, mod_end;
    char string[];
};
struct mb2_tag_mmap {
    struct mb2_tag tag;
    uint32_t entry_size, entry_version;
};
struct mb2_mmap_entry {
    uint64_t base, len;
    uint32_t type, reserved;
};
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "Multiboot2 mmap entry layout");

int bootinfo_parse(uint64_t info, struct boot_info *bi, const char **why)
{
    memset(bi, 0, sizeof(*bi));
    bi->cmdline = "";
    uint32_t total = *(const uint32_t *)(uintptr_t)info;
    bi->info_start = info;
    bi->info_end = info + total;
    uint64_t p = info + 8;
    while (p + sizeof(struct mb2_tag) <= bi->info_end) {
        const struct mb2_tag *tag = (const void *)(uintptr_t)p;
        if (tag->type == MB2_TAG_END)
            return 0;
        if (tag->size < sizeof(*tag) || p + tag->size > bi->info_end)
            break;
        switch (tag->type) {
        case MB2_TAG_CMDLINE:
            bi->cmdline = (const char *)(tag + 1);
            break;
        case MB2_TAG_MODULE: {
            const struct mb2_tag_module *m = (const void *)tag;
            if (bi->nr_modules == BOOT_MODULES_MAX) {
                *why = "too many boot modules";
                return -1;
            }
            bi->module[bi->nr_modules++] = (struct boot_module){
                m->mod_start, m->mod_end, m->string };
            break;
        }
        case MB2_TAG_MMAP: {
            const struct mb2_tag_mmap *mm = (const void *)tag;
            if (mm->entry_size < sizeof(struct mb2_mmap_entry))
                break;
            for (uint64_t e = p + sizeof(*mm); e + mm->entry_size <= p + tag->size;
                 e += mm->entry_size) {
                const struct mb2_mmap_entry *me = (const void *)(uintptr_t)e;
                if (bi->nr_mmap == BOOT_MMAP_MAX)
                    break;
                bi->mmap[bi->nr_mmap++] = (struct boot_mmap_entry){ me->base, me->len, me->type };
            }
            break;
        }
        case MB2_TAG_ACPI_OLD:
        case MB2_TAG_ACPI_NEW:
            if (!bi->rsdp || tag->type == MB2_TAG_ACPI_NEW)
                bi->rsdp = tag + 1;
            break;
        default:
            break;
        }
        p += (tag->size + 7) & ~7u;
    }
    *why = "malformed Multiboot2 information (no end tag)";
    return -1;
}

const char *boot_module_path(const struct boot_module *m, size_t *len)
{
    const char *s = m->string;
    while (*s == ' ')
        s++;
    size_t n = 0;
    while (s[n] && s[n] != ' ')
        n++;
    /* A module string without a leading path (e.g. just "type=vm") names no file. */
    *len = (*s == '/') ? n : 0;
    return s;
}

const struct boot_module *boot_module_find(const struct boot_info *bi, const char *path)
{
    size_t want = strlen(path);
    for (unsigned i = 0; i < bi->nr_modules; i++) {
        size_t n;
        const char *p = boot_module_path(&bi->module[i], &n);
        if (n == want && memcmp(p, path, n) == 0)
            return &bi->module[i];
    }
    return NULL;
}

const char *cmdline_option(const char *s, const char *key, size_t *len)
{
    size_t klen = strlen(key);
    while (*s) {
        while (*s == ' ')
            s++;
        size_t n = 0;
        while (s[n] && s[n] != ' ')
            n++;
        if (n > klen && memcmp(s, key, klen) == 0 && s[klen] == '=') {
            *len = n - klen - 1;
            return s + klen + 1;
        }
        s += n;
    }
    return NULL;
}
