/* SPDX-License-Identifier: BSD-2-Clause */
/* Guest linear->guest-physical translation through the guest's own page tables; pure, any context (hypervisor and host tests). */
#ifndef KEEL_EPT_GUEST_WALK_H
#define KEEL_EPT_GUEST_WALK_H

/*
 * Used to emulate instructions (string I/O) and to read hypercall arguments:
 * the hypervisor walks the tables the guest built in its own RAM, exactly as
 * the guest's CPU would, and turns failures into the #PF to inject.
 *
 * Modes and entry formats (Intel SDM Vol. 3A, chapter 4):
 *   CR0.PG = 0          no paging: linear == physical (4.1.1); truncated to
 *                        32 bits unless EFER.LMA = 1.
 *   32-bit paging       CR4.PAE = 0 (4.3, Tables 4-4..4-6); 4 MiB pages when
 *                        CR4.PSE = 1, PSE-36 high address bits honoured up to
 *                        min(MAXPHYADDR, 40) bits, the rest of bits 21:13 are
 *                        reserved.  No execute-disable bit in this mode.
 *   PAE paging          CR4.PAE = 1, EFER.LMA = 0 (4.4, Tables 4-8..4-11).
 *                        The 4 PDPTEs are read from guest memory at CR3[31:5]
 *                        on every walk (see deviations below).
 *   4-level paging      EFER.LMA = 1 (4.5, Tables 4-14..4-20): 1 GiB and
 *                        2 MiB pages.  Only bits 47:0 of the linear address
 *                        index the tables: checking canonicality (#GP/#SS) is
 *                        the caller's job, a non-canonical address is simply
 *                        walked by its low 48 bits.
 *   5-level paging      never enabled (Keel refuses CR4.LA57): a walk with
 *                        LMA = 1 and CR4.LA57 = 1 (or LMA = 1 with CR4.PAE = 0,
 *                        an impossible state) fails as a #PF with P|RSVD set,
 *                        outside_ram false, without reading guest memory.
 *
 * Access rights (4.6): user accesses need U/S = 1 at every level; writes need
 * R/W = 1 at every level for user accesses, and for supervisor accesses only
 * when CR0.WP = 1; with EFER.NXE = 1 (PAE/4-level only) an instruction fetch
 * faults when XD is set at any level.  SMEP, SMAP and protection keys are not
 * enforced (Keel does not expose them to guests); CR4.SMEP only influences
 * the I/D bit of the error code as the SDM prescribes.
 *
 * Reserved bits (4.7): physical-address bits at and above MAXPHYADDR (bits
 * 51:M in 4-level entries, 62:M in PAE entries), bit 63 when EFER.NXE = 0
 * (always, in PAE PDPTEs), PS in a PML4E, bits 29:13 of a 1 GiB PDPTE, bits
 * 20:13 of a 2 MiB PDE, PAE PDPTE bits 2:1 and 8:5.  A present entry with a
 * reserved bit set gives #PF with P|RSVD.  Reserved bits are only checked in
 * present entries, level by level, before access rights.
 *
 * Deviations from hardware, all deliberate:
 *   - Accessed/dirty bits are never set: the walk only reads guest memory.
 *     A guest that relies on A/D for pages touched only by emulated accesses
 *     (string I/O, hypercall buffers) will not see them.
 *   - PAE PDPTEs are re-read from memory instead of using the copies the CPU
 *     loaded at MOV CR3, and their reserved bits raise #PF (P|RSVD) rather
 *     than the #GP hardware raises at load time.
 *   - No TLB: a translation always reflects the tables as they are now.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ept/guest_mem.h"

/* MAXPHYADDR assumed when guest_paging.maxphyaddr is 0; values outside
 * [32, 52] are clamped into that range. */
#define GUEST_WALK_MAXPHYADDR_DEFAULT 52u

/* The guest's paging state, as the guest sees it (not the VMCS shadows). */
struct guest_paging {
    uint64_t cr0, cr3, cr4, efer;
    unsigned maxphyaddr;    /* CPUID.80000008H:EAX[7:0] shown to the guest; 0: default */
};

/* Access kinds, OR-ed; none set means a supervisor data read. */
enum { WALK_WRITE = 1, WALK_USER = 2, WALK_FETCH = 4 };

/* #PF error code bits (SDM 4.7, Figure 4-12). */
#define WALK_PFEC_P    (1u << 0)   /* 0: not present; 1: protection or reserved bit */
#define WALK_PFEC_W    (1u << 1)   /* the access was a write */
#define WALK_PFEC_U    (1u << 2)   /* the access was a user-mode access */
#define WALK_PFEC_RSVD (1u << 3)   /* a reserved bit was set in a paging-structure entry */
#define WALK_PFEC_ID   (1u << 4)   /* instruction fetch (with NXE in PAE/4-level, or SMEP) */

/*
 * Why an access failed.
 *   outside_ram false: inject #PF with CR2 = linear and this error_code.
 *   outside_ram true:  gpa is not guest RAM: either a paging-structure entry
 *                      (the guest pointed its tables outside RAM; end the VM)
 *                      or, from guest_linear_read/write only, the data page
 *                      itself (the translation succeeded but the target is
 *                      not RAM, e.g. MMIO).  error_code is 0.  Invalid
 *                      arguments (NULL paging state or buffer) are reported
 *                      the same way, with gpa 0.
 * linear is the address that failed (for a range, the first byte of the
 * failing page, or of the range when the first page fails); without 4-level
 * paging it is truncated to 32 bits as the guest's CR2 would be.
 */
struct walk_fault {
    uint64_t linear;
    uint32_t error_code;
    bool outside_ram;
    uint64_t gpa;
};

/* Translate `linear` for an access of kind `access` (WALK_*).  0 with *gpa
 * set (gpa may lie outside RAM: only the tables are checked), or -1 with
 * *fault filled in.  Guest memory is only read.  gpa/fault may be NULL. */
int guest_walk(const struct guest_mem *gm, const struct guest_paging *p, uint64_t linear,
               unsigned access, uint64_t *gpa, struct walk_fault *fault);

/* Copy between guest linear memory and a host buffer, page by page (a range
 * may cross pages with different mappings, and wraps at 4 GiB without 4-level
 * paging).  Every page is translated and checked before any byte moves, so a
 * failure leaves dst / guest memory untouched.  Pages are translated again
 * just before their bytes move: if the tables change in between (another
 * vCPU, or a write that lands in the guest's own page tables), the copy may
 * stop part-way with -1.  guest_linear_write always adds WALK_WRITE to
 * `access`; a read given WALK_WRITE is checked as a write (read-modify-write).
 * len 0 succeeds without translating.  0, or -1 with *fault (may be NULL). */
int guest_linear_read(const struct guest_mem *gm, const struct guest_paging *p, uint64_t linear,
                      void *dst, size_t len, unsigned access, struct walk_fault *fault);
int guest_linear_write(const struct guest_mem *gm, const struct guest_paging *p, uint64_t linear,
                       const void *src, size_t len, unsigned access, struct walk_fault *fault);

#endif
