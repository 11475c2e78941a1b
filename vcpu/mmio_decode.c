/* SPDX-License-Identifier: BSD-2-Clause */
/* MMIO instruction decoder and register merge (pure; hypervisor at EPT-violation exits on the vCPU's CPU, and host tests). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "vcpu/mmio_decode.h"

/*
 * Instruction layout (SDM Vol. 2A 2.1, 2.2.1):
 *   legacy prefixes*  REX?  opcode (1 or 2 bytes)  ModRM?  SIB?  disp?  imm?
 * A REX prefix counts only when it is the last prefix before the opcode
 * (2.2.1: "other placements are ignored"), and only in 64-bit mode; in 16-
 * and 32-bit modes 40-4F are INC/DEC, which this decoder does not handle.
 */

#define REX_W 0x8
#define REX_R 0x4

/* Byte source bounded by both the caller's length and the 15-byte limit. */
struct cursor {
    const uint8_t *bytes;
    size_t avail;           /* min(len, MMIO_INSN_MAX_LEN) */
    size_t pos;
};

static const char why_short[] = "truncated instruction (need more bytes)";
static const char why_long[] = "instruction longer than 15 bytes";

static int fail(const char **why, int rc, const char *msg)
{
    if (why)
        *why = msg;
    return rc;
}

/* Fetch `n` (<= 8) bytes little-endian.  Running out before byte 15 means the
 * caller's fetch stopped short; running into byte 15 means the CPU would
 * raise #GP for an over-long instruction. */
static int take(struct cursor *c, unsigned n, uint64_t *val, const char **why)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < n; i++) {
        if (c->pos >= c->avail) {
            if (c->pos >= MMIO_INSN_MAX_LEN)
                return fail(why, MMIO_DECODE_UNSUPPORTED, why_long);
            return fail(why, MMIO_DECODE_NEED_MORE, why_short);
        }
        v |= (uint64_t)c->bytes[c->pos++] << (8 * i);
    }
    *val = v;
    return MMIO_DECODE_OK;
}

static int take_byte(struct cursor *c, uint8_t *b, const char **why)
{
    uint64_t v;
    int rc = take(c, 1, &v, why);

    if (rc == MMIO_DECODE_OK)
        *b = (uint8_t)v;
    return rc;
}

static uint64_t sign_extend(uint64_t v, unsigned bytes)
{
    uint64_t bit;

    if (bytes >= 8)
        return v;
    bit = 1ull << (8 * bytes - 1);
    v &= (bit << 1) - 1;
    return (v ^ bit) - bit;
}

static uint64_t width_mask(unsigned bytes)
{
    return bytes >= 8 ? ~0ull : (1ull << (8 * bytes)) - 1;
}

/*
 * Skip what follows a memory-form ModRM byte: SIB and displacement
 * (SDM Vol. 2A Tables 2-1, 2-2, 2-3 and 2.2.1.6).
 *   16-bit addressing: no SIB; mod 00 rm 110 is disp16; mod 01 disp8,
 *     mod 10 disp16.
 *   32/64-bit addressing: rm 100 brings a SIB byte; mod 00 with rm 101 (or
 *     SIB base 101) is disp32 with no base - RIP/EIP-relative for rm 101 in
 *     64-bit mode; mod 01 disp8, mod 10 disp32.  REX.B/X never change this
 *     (R12 and R13 as bases are encoded like RSP and RBP).
 */
static int skip_mem_operand(struct cursor *c, uint8_t modrm, unsigned addr_size,
                            unsigned mode, bool *rip_relative, const char **why)
{
    unsigned mod = modrm >> 6, rm = modrm & 7, disp;
    uint64_t ignored;

    *rip_relative = false;
    if (addr_size == 2) {
        disp = mod == 1 ? 1 : mod == 2 ? 2 : (rm == 6 ? 2 : 0);
    } else if (rm == 4) {
        uint8_t sib;
        int rc = take_byte(c, &sib, why);

        if (rc != MMIO_DECODE_OK)
            return rc;
        disp = mod == 1 ? 1 : mod == 2 ? 4 : ((sib & 7) == 5 ? 4 : 0);
    } else {
        disp = mod == 1 ? 1 : mod == 2 ? 4 : (rm == 5 ? 4 : 0);
        *rip_relative = mode == 64 && mod == 0 && rm == 5;
    }
    return disp ? take(c, disp, &ignored, why) : MMIO_DECODE_OK;
}

/* What the opcode byte(s) say, before the ModRM byte is looked at. */
enum form {
    FORM_MODRM,     /* reg field names a GPR, r/m the memory operand */
    FORM_IMM,       /* reg field must be 0 (/0), an immediate follows */
    FORM_MOFFS,     /* no ModRM: an absolute offset, register is (E/R)AX */
};

int mmio_decode(const uint8_t *bytes, size_t len, unsigned mode,
                struct mmio_insn *out, const char **why)
{
    struct cursor c;
    bool opsize_prefix = false, addrsize_prefix = false;
    bool has_f2 = false, has_f3 = false, has_rex = false;
    bool rep_ok = false, byte_reg = false;
    uint8_t rex = 0, op, modrm = 0;
    unsigned osz, asz;
    enum form form = FORM_MODRM;
    struct mmio_insn d;
    int rc;

    if (mode != 16 && mode != 32 && mode != 64)
        return fail(why, MMIO_DECODE_UNSUPPORTED, "bad CPU mode");
    if (bytes == NULL && len != 0)
        return fail(why, MMIO_DECODE_UNSUPPORTED, "no instruction bytes");
    c.bytes = bytes;
    c.avail = len < MMIO_INSN_MAX_LEN ? len : MMIO_INSN_MAX_LEN;
    c.pos = 0;
    memset(&d, 0, sizeof(d));

    /* Prefixes (SDM Vol. 2A 2.1.1, 2.2.1). */
    for (;;) {
        rc = take_byte(&c, &op, why);
        if (rc != MMIO_DECODE_OK)
            return rc;
        switch (op) {
        case 0x66: opsize_prefix = true; has_rex = false; continue;
        case 0x67: addrsize_prefix = true; has_rex = false; continue;
        case 0x26: case 0x2E: case 0x36: case 0x3E: case 0x64: case 0x65:
            has_rex = false;
            continue;
        case 0xF2: has_f2 = true; has_rex = false; continue;
        case 0xF3: has_f3 = true; has_rex = false; continue;
        case 0xF0:
            /* LOCK is #UD on every instruction handled here, and the
             * instructions it is legal on (read-modify-write) are not. */
            return fail(why, MMIO_DECODE_UNSUPPORTED, "lock prefix");
        default:
            break;
        }
        if (mode == 64 && (op & 0xF0) == 0x40) {
            rex = op;
            has_rex = true;
            continue;
        }
        break;
    }
    if (!has_rex)
        rex = 0;

    /* Operand size (SDM Vol. 1 3.6, Table 3-4) and address size. */
    if (mode == 16)
        osz = opsize_prefix ? 4 : 2;
    else
        osz = opsize_prefix ? 2 : 4;
    if (rex & REX_W)
        osz = 8;
    if (mode == 64)
        asz = addrsize_prefix ? 4 : 8;
    else if (mode == 32)
        asz = addrsize_prefix ? 2 : 4;
    else
        asz = addrsize_prefix ? 4 : 2;

    d.addr_size = asz;
    d.opcode = op;
    switch (op) {
    case 0x88:  /* MOV r/m8, r8 */
        d.op = MMIO_STORE; d.size = 1; byte_reg = true; rep_ok = true;
        break;
    case 0x89:  /* MOV r/m, r */
        d.op = MMIO_STORE; d.size = osz; rep_ok = true;
        break;
    case 0x8A:  /* MOV r8, r/m8 */
        d.op = MMIO_LOAD; d.size = 1; byte_reg = true;
        break;
    case 0x8B:  /* MOV r, r/m */
        d.op = MMIO_LOAD; d.size = osz;
        break;
    case 0xC6:  /* MOV r/m8, imm8 */
        d.op = MMIO_STORE_IMM; d.size = 1; form = FORM_IMM; rep_ok = true;
        break;
    case 0xC7:  /* MOV r/m, imm16/imm32 (sign-extended with REX.W) */
        d.op = MMIO_STORE_IMM; d.size = osz; form = FORM_IMM; rep_ok = true;
        break;
    case 0xA0: case 0xA1: case 0xA2: case 0xA3:  /* MOV AL/eAX <-> moffs */
        d.op = (op & 2) ? MMIO_STORE : MMIO_LOAD;
        d.size = (op & 1) ? osz : 1;
        form = FORM_MOFFS;
        break;
    case 0x63:
        /* REX.W MOVSXD r64, r/m32.  Outside 64-bit mode 63 is ARPL; without
         * REX.W it is the "discouraged" r16/r32 form, whose source width
         * Intel and AMD document differently and compilers never emit. */
        if (mode != 64 || !(rex & REX_W))
            return fail(why, MMIO_DECODE_UNSUPPORTED, "unsupported instruction");
        d.op = MMIO_LOAD_SX; d.size = 4; d.dest_size = 8;
        break;
    case 0x0F:
        rc = take_byte(&c, &op, why);
        if (rc != MMIO_DECODE_OK)
            return rc;
        d.two_byte = true;
        d.opcode = op;
        switch (op) {
        case 0xB6: case 0xB7:  /* MOVZX r, r/m8 / r/m16 */
            d.op = MMIO_LOAD_ZX; d.size = (op & 1) ? 2 : 1; d.dest_size = osz;
            break;
        case 0xBE: case 0xBF:  /* MOVSX r, r/m8 / r/m16 */
            d.op = MMIO_LOAD_SX; d.size = (op & 1) ? 2 : 1; d.dest_size = osz;
            break;
        case 0xC3:  /* MOVNTI m32/m64, r32/r64: NP (no 66/F2/F3) */
            if (opsize_prefix)
                return fail(why, MMIO_DECODE_UNSUPPORTED, "prefix 66 on movnti");
            d.op = MMIO_STORE; d.size = (rex & REX_W) ? 8 : 4;
            break;
        default:
            return fail(why, MMIO_DECODE_UNSUPPORTED, "unsupported instruction");
        }
        break;
    default:
        return fail(why, MMIO_DECODE_UNSUPPORTED, "unsupported instruction");
    }

    /* F3 on MOV to memory is the XRELEASE hint; elsewhere F2/F3 are reserved
     * or select a different instruction. */
    if (has_f2 || (has_f3 && !rep_ok))
        return fail(why, MMIO_DECODE_UNSUPPORTED, "rep prefix");

    if (form == FORM_MOFFS) {
        uint64_t moffs;

        rc = take(&c, asz, &moffs, why);
        if (rc != MMIO_DECODE_OK)
            return rc;
        d.reg = 0;
    } else {
        rc = take_byte(&c, &modrm, why);
        if (rc != MMIO_DECODE_OK)
            return rc;
        if ((modrm >> 6) == 3)
            return fail(why, MMIO_DECODE_UNSUPPORTED, "register operand, not memory");
        if (form == FORM_IMM && ((modrm >> 3) & 7) != 0)
            return fail(why, MMIO_DECODE_UNSUPPORTED, "unsupported instruction");
        rc = skip_mem_operand(&c, modrm, asz, mode, &d.rip_relative, why);
        if (rc != MMIO_DECODE_OK)
            return rc;
        if (form == FORM_MODRM) {
            d.reg = ((modrm >> 3) & 7) | ((rex & REX_R) ? 8 : 0);
            /* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
            if (byte_reg && !has_rex && d.reg >= 4) {
                d.high_byte_reg = true;
                d.reg -= 4;
            }
        } else {
            uint64_t imm;
            unsigned isz = d.size > 4 ? 4 : d.size;

            rc = take(&c, isz, &imm, why);
            if (rc != MMIO_DECODE_OK)
                return rc;
            /* imm32 is sign-extended to a 64-bit operand (REX.W C7). */
            d.imm = sign_extend(imm, isz) & width_mask(d.size);
        }
    }

    if (d.dest_size == 0)
        d.dest_size = d.size;
    d.length = (unsigned)c.pos;
    *out = d;
    return MMIO_DECODE_OK;
}

uint64_t mmio_store_value(const struct mmio_insn *in, const uint64_t gpr[16])
{
    uint64_t v;

    switch (in->op) {
    case MMIO_STORE:
        v = gpr[in->reg & 15];
        if (in->high_byte_reg)
            v >>= 8;
        return v & width_mask(in->size);
    case MMIO_STORE_IMM:
        return in->imm & width_mask(in->size);
    default:
        return 0;
    }
}

void mmio_load_result(const struct mmio_insn *in, uint64_t gpr[16], uint64_t value)
{
    uint64_t *r = &gpr[in->reg & 15];
    uint64_t v = value & width_mask(in->size);

    switch (in->op) {
    case MMIO_LOAD:
    case MMIO_LOAD_ZX:
        break;
    case MMIO_LOAD_SX:
        v = sign_extend(v, in->size);
        break;
    default:
        return;
    }
    switch (in->dest_size) {
    case 1:
        if (in->high_byte_reg)
            *r = (*r & ~0xFF00ull) | ((v & 0xFF) << 8);
        else
            *r = (*r & ~0xFFull) | (v & 0xFF);
        break;
    case 2:
        *r = (*r & ~0xFFFFull) | (v & 0xFFFF);
        break;
    case 4:
        *r = v & 0xFFFFFFFFull;     /* zero-extends (SDM Vol. 1 3.4.1.1) */
        break;
    case 8:
        *r = v;
        break;
    default:
        break;
    }
}
