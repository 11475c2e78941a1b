/* SPDX-License-Identifier: BSD-2-Clause */
/* Guest page-table walker and linear-address copies (SDM Vol. 3A ch. 4); pure, any context (hypervisor and host tests). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ept/guest_walk.h"

/* Control-register and EFER bits this walker reads (private copies: the
 * hypervisor's arch/x86/x86.h is not usable from host tests). */
#define GW_CR0_WP   (1ull << 16)
#define GW_CR0_PG   (1ull << 31)
#define GW_CR4_PSE  (1ull << 4)
#define GW_CR4_PAE  (1ull << 5)
#define GW_CR4_LA57 (1ull << 12)
#define GW_CR4_SMEP (1ull << 20)
#define GW_EFER_LMA (1ull << 10)
#define GW_EFER_NXE (1ull << 11)

/* Paging-structure entry bits common to all formats (SDM 4.3-4.5). */
#define GW_PTE_P    (1ull << 0)
#define GW_PTE_RW   (1ull << 1)
#define GW_PTE_US   (1ull << 2)
#define GW_PTE_PS   (1ull << 7)
#define GW_PTE_XD   (1ull << 63)

#define GW_PAGE     4096ull

/* Bits hi:lo set; empty when hi < lo (e.g. "51:M" with M = 52). */
static uint64_t bits(unsigned hi, unsigned lo)
{
    if (hi < lo || hi > 63)
        return 0;
    return (~0ull >> (63 - hi)) & (~0ull << lo);
}

/* One walk in progress. */
struct walk {
    const struct guest_mem *gm;
    uint64_t linear;        /* as translated (32-bit outside 4-level paging) */
    unsigned m;             /* MAXPHYADDR */
    bool nxe;
    uint32_t pfec;          /* W/U/I-D bits describing this access */
    /* Rights accumulated over the levels walked so far (SDM 4.6). */
    bool writable, user, xd;
};

static int fail_pf(struct walk_fault *fault, uint64_t linear, uint32_t error_code)
{
    if (fault) {
        fault->linear = linear;
        fault->error_code = error_code;
        fault->outside_ram = false;
        fault->gpa = 0;
    }
    return -1;
}

static int fail_ram(struct walk_fault *fault, uint64_t linear, uint64_t gpa)
{
    if (fault) {
        fault->linear = linear;
        fault->error_code = 0;
        fault->outside_ram = true;
        fault->gpa = gpa;
    }
    return -1;
}

static bool read_entry(const struct guest_mem *gm, uint64_t gpa, unsigned size, uint64_t *val)
{
    if (size == 4) {
        uint32_t v;
        if (guest_mem_read(gm, gpa, &v, sizeof v))
            return false;
        *val = v;
    } else {
        uint64_t v;
        if (guest_mem_read(gm, gpa, &v, sizeof v))
            return false;
        *val = v;
    }
    return true;
}

/* Fold one present entry's R/W, U/S and (with NXE) XD into the walk; a
 * 32-bit paging entry is read zero-extended, so it never has XD. */
static void accumulate(struct walk *w, uint64_t e)
{
    if (!(e & GW_PTE_RW))
        w->writable = false;
    if (!(e & GW_PTE_US))
        w->user = false;
    if (w->nxe && (e & GW_PTE_XD))
        w->xd = true;
}

/*
 * PAE and 4-level formats (8-byte entries, 9 index bits per level), from the
 * table at `table` for `level` (4: PML4, 3: PDPT, 2: PD, 1: PT) down to the
 * leaf.  `pae` selects PAE paging's reserved bits (62:M) over 4-level's
 * (51:M).  1 GiB pages (PS in a PDPTE) are assumed supported.
 */
static int walk_long(struct walk *w, uint64_t table, unsigned level, bool pae,
                     uint64_t *out, struct walk_fault *fault)
{
    uint64_t addr_mask = bits(w->m - 1, 12);
    uint64_t rsvd = pae ? bits(62, w->m) : bits(51, w->m);

    if (!w->nxe)
        rsvd |= GW_PTE_XD;

    for (; level >= 1; level--) {
        unsigned shift = 12 + 9 * (level - 1);
        uint64_t entry_gpa = table + ((w->linear >> shift) & 511) * 8;
        uint64_t e;

        if (!read_entry(w->gm, entry_gpa, 8, &e))
            return fail_ram(fault, w->linear, entry_gpa);
        if (!(e & GW_PTE_P))
            return fail_pf(fault, w->linear, w->pfec);

        bool leaf = level == 1 || (level <= 3 && (e & GW_PTE_PS));
        uint64_t r = rsvd;
        if (level == 4)
            r |= GW_PTE_PS;                 /* PS is reserved in a PML4E */
        else if (leaf && level > 1)
            r |= bits(shift - 1, 13);       /* 1 GiB: 29:13, 2 MiB: 20:13 */
        if (e & r)
            return fail_pf(fault, w->linear, w->pfec | WALK_PFEC_P | WALK_PFEC_RSVD);

        accumulate(w, e);
        if (leaf) {
            uint64_t offset = bits(shift - 1, 0);
            *out = (e & addr_mask & ~offset) | (w->linear & offset);
            return 0;
        }
        table = e & addr_mask;
    }
    return fail_pf(fault, w->linear, w->pfec | WALK_PFEC_P | WALK_PFEC_RSVD);  /* not reached */
}

/* PAE paging: PDPTE from CR3[31:5] (Table 4-8), then PD and PT. */
static int walk_pae(struct walk *w, uint64_t cr3, uint64_t *out, struct walk_fault *fault)
{
    uint64_t entry_gpa = (cr3 & bits(31, 5)) + ((w->linear >> 30) & 3) * 8;
    uint64_t e;

    if (!read_entry(w->gm, entry_gpa, 8, &e))
        return fail_ram(fault, w->linear, entry_gpa);
    if (!(e & GW_PTE_P))
        return fail_pf(fault, w->linear, w->pfec);
    /* PDPTE: bits 2:1, 8:5 and 63:M reserved; no R/W, U/S or XD. */
    if (e & (bits(63, w->m) | bits(2, 1) | bits(8, 5)))
        return fail_pf(fault, w->linear, w->pfec | WALK_PFEC_P | WALK_PFEC_RSVD);
    return walk_long(w, e & bits(w->m - 1, 12), 2, true, out, fault);
}

/* 32-bit paging (Tables 4-4..4-6): 4-byte entries, 10 index bits per level. */
static int walk_32(struct walk *w, uint64_t cr3, bool pse, uint64_t *out, struct walk_fault *fault)
{
    uint64_t entry_gpa = (cr3 & bits(31, 12)) + ((w->linear >> 22) & 1023) * 4;
    uint64_t e;

    if (!read_entry(w->gm, entry_gpa, 4, &e))
        return fail_ram(fault, w->linear, entry_gpa);
    if (!(e & GW_PTE_P))
        return fail_pf(fault, w->linear, w->pfec);

    if (pse && (e & GW_PTE_PS)) {
        /* 4 MiB page.  PSE-36: PDE bits (M'-20):13 are address bits
         * (M'-1):32 with M' = min(MAXPHYADDR, 40); bits 21:(M'-19) are
         * reserved. */
        unsigned m = w->m < 40 ? w->m : 40;
        if (e & bits(21, m - 19))
            return fail_pf(fault, w->linear, w->pfec | WALK_PFEC_P | WALK_PFEC_RSVD);
        accumulate(w, e);
        uint64_t base = (e & bits(31, 22)) | ((e & bits(m - 20, 13)) << 19);
        *out = base | (w->linear & bits(21, 0));
        return 0;
    }

    /* 4 KiB page table: no reserved bits in this PDE or in the PTE. */
    accumulate(w, e);
    entry_gpa = (e & bits(31, 12)) + ((w->linear >> 12) & 1023) * 4;
    if (!read_entry(w->gm, entry_gpa, 4, &e))
        return fail_ram(fault, w->linear, entry_gpa);
    if (!(e & GW_PTE_P))
        return fail_pf(fault, w->linear, w->pfec);
    accumulate(w, e);
    *out = (e & bits(31, 12)) | (w->linear & 0xfff);
    return 0;
}

static unsigned clamp_maxphyaddr(unsigned m)
{
    if (m == 0)
        return GUEST_WALK_MAXPHYADDR_DEFAULT;
    if (m < 32)
        return 32;
    if (m > 52)
        return 52;
    return m;
}

int guest_walk(const struct guest_mem *gm, const struct guest_paging *p, uint64_t linear,
               unsigned access, uint64_t *gpa, struct walk_fault *fault)
{
    if (!p)
        return fail_ram(fault, linear, 0);

    bool lma = p->efer & GW_EFER_LMA;
    uint64_t out;

    if (!lma)
        linear = (uint32_t)linear;
    if (!(p->cr0 & GW_CR0_PG)) {
        if (gpa)
            *gpa = linear;
        return 0;
    }

    struct walk w = {
        .gm = gm,
        .linear = linear,
        .m = clamp_maxphyaddr(p->maxphyaddr),
        .nxe = (p->efer & GW_EFER_NXE) != 0,
        .writable = true,
        .user = true,
        .xd = false,
    };
    bool pae = p->cr4 & GW_CR4_PAE;
    bool user = access & WALK_USER;
    bool write = access & WALK_WRITE;

    if (write)
        w.pfec |= WALK_PFEC_W;
    if (user)
        w.pfec |= WALK_PFEC_U;
    if ((access & WALK_FETCH) && ((pae && w.nxe) || (p->cr4 & GW_CR4_SMEP)))
        w.pfec |= WALK_PFEC_ID;

    int rc;
    if (lma) {
        /* 5-level paging, or long mode without PAE, is never valid here. */
        if ((p->cr4 & GW_CR4_LA57) || !pae)
            return fail_pf(fault, linear, w.pfec | WALK_PFEC_P | WALK_PFEC_RSVD);
        rc = walk_long(&w, p->cr3 & bits(w.m - 1, 12), 4, false, &out, fault);
    } else if (pae) {
        rc = walk_pae(&w, p->cr3, &out, fault);
    } else {
        rc = walk_32(&w, p->cr3, p->cr4 & GW_CR4_PSE, &out, fault);
    }
    if (rc)
        return -1;

    /* Access rights (SDM 4.6); SMEP/SMAP/PKE not enforced. */
    if ((user && !w.user) ||
        (write && !w.writable && (user || (p->cr0 & GW_CR0_WP))) ||
        ((access & WALK_FETCH) && w.xd))
        return fail_pf(fault, linear, w.pfec | WALK_PFEC_P);

    if (gpa)
        *gpa = out;
    return 0;
}

/* Both copy directions: pass 0 translates every page and checks the target
 * is RAM, pass 1 moves the bytes, so a failure moves nothing. */
static int linear_copy(const struct guest_mem *gm, const struct guest_paging *p, uint64_t linear,
                       unsigned char *dst, const unsigned char *src, size_t len,
                       unsigned access, struct walk_fault *fault)
{
    if (len == 0)
        return 0;
    if (!p || (!dst && !src))
        return fail_ram(fault, linear, 0);

    bool wrap32 = !(p->efer & GW_EFER_LMA);

    for (int pass = 0; pass < 2; pass++) {
        uint64_t la = linear;
        size_t done = 0;

        while (done < len) {
            uint64_t cur = wrap32 ? (uint32_t)la : la;
            uint64_t chunk = GW_PAGE - (cur & (GW_PAGE - 1));
            uint64_t g;

            if (chunk > len - done)
                chunk = len - done;
            if (guest_walk(gm, p, cur, access, &g, fault))
                return -1;
            if (pass == 0) {
                /* RAM is [0, size) in contiguous extents: both ends in RAM
                 * means the whole chunk is. */
                if (!guest_mem_ptr(gm, g, 1) || !guest_mem_ptr(gm, g + chunk - 1, 1))
                    return fail_ram(fault, cur, g);
            } else {
                int r = dst ? guest_mem_read(gm, g, dst + done, chunk)
                            : guest_mem_write(gm, g, src + done, chunk);
                if (r)
                    return fail_ram(fault, cur, g);
            }
            done += chunk;
            la += chunk;
        }
    }
    return 0;
}

int guest_linear_read(const struct guest_mem *gm, const struct guest_paging *p, uint64_t linear,
                      void *dst, size_t len, unsigned access, struct walk_fault *fault)
{
    if (len && !dst)
        return fail_ram(fault, linear, 0);
    return linear_copy(gm, p, linear, dst, NULL, len, access, fault);
}

int guest_linear_write(const struct guest_mem *gm, const struct guest_paging *p, uint64_t linear,
                       const void *src, size_t len, unsigned access, struct walk_fault *fault)
{
    if (len && !src)
        return fail_ram(fault, linear, 0);
    return linear_copy(gm, p, linear, NULL, src, len, access | WALK_WRITE, fault);
}
