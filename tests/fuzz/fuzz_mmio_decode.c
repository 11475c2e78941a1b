/* SPDX-License-Identifier: BSD-2-Clause */
/* libFuzzer target for the MMIO instruction decoder (vcpu/mmio_decode.c): the bytes a guest leaves at RIP. */
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_common.h"
#include "vcpu/mmio_decode.h"

/*
 * Input: one byte choosing the CPU mode (16, 32 or 64), then up to 24
 * instruction bytes, handed over in a buffer of exactly that size so that
 * ASan sees any read past it. Checked on every result:
 *  - the result is OK, UNSUPPORTED or NEED_MORE, and NEED_MORE only when
 *    fewer than 15 bytes were given;
 *  - an OK decode is 1..min(len, 15) bytes long, with sizes, register,
 *    immediate, address size and RIP-relative flag consistent with the mode
 *    and the instruction table in mmio_decode.h;
 *  - bytes after the instruction change nothing: the instruction alone
 *    decodes the same, and every shorter prefix of it asks for more bytes;
 *  - mmio_store_value and mmio_load_result touch only what the access
 *    allows: the stored value fits `size`, a load writes only gpr[reg], and
 *    only the bits the CPU's destination width writes.
 */

#define INPUT_MAX 24u

static int decode(const uint8_t *bytes, size_t len, unsigned mode, struct mmio_insn *out)
{
    /* An exact-size copy: any read past len is a heap overflow for ASan. */
    uint8_t *copy = len ? malloc(len) : NULL;
    if (len)
        memcpy(copy, bytes, len);
    const char *why = NULL;
    int rc = mmio_decode(copy, len, mode, out, &why);
    free(copy);
    FUZZ_CHECK(rc == MMIO_DECODE_OK || rc == MMIO_DECODE_UNSUPPORTED || rc == MMIO_DECODE_NEED_MORE,
               "mode %u: result %d", mode, rc);
    FUZZ_CHECK(rc == MMIO_DECODE_OK || (why && why[0]), "mode %u: failure %d without a reason", mode, rc);
    FUZZ_CHECK(rc != MMIO_DECODE_NEED_MORE || len < MMIO_INSN_MAX_LEN,
               "mode %u: NEED_MORE with %zu bytes", mode, len);
    return rc;
}

static bool is_width(unsigned w)
{
    return w == 1 || w == 2 || w == 4 || w == 8;
}

static uint64_t mask_of(unsigned bytes)
{
    return bytes >= 8 ? ~0ull : (1ull << (8 * bytes)) - 1;
}

static bool same_insn(const struct mmio_insn *a, const struct mmio_insn *b)
{
    return a->length == b->length && a->size == b->size && a->op == b->op && a->reg == b->reg &&
           a->high_byte_reg == b->high_byte_reg && a->imm == b->imm && a->dest_size == b->dest_size &&
           a->addr_size == b->addr_size && a->rip_relative == b->rip_relative && a->opcode == b->opcode &&
           a->two_byte == b->two_byte;
}

static void check_insn(const struct mmio_insn *d, size_t len, unsigned mode)
{
    FUZZ_CHECK(d->length >= 1 && d->length <= MMIO_INSN_MAX_LEN && d->length <= len,
               "length %u of %zu bytes", d->length, len);
    FUZZ_CHECK(is_width(d->size) && is_width(d->dest_size), "size %u dest %u", d->size, d->dest_size);
    FUZZ_CHECK(d->reg < 16, "reg %u", d->reg);
    FUZZ_CHECK(!d->high_byte_reg || (d->size == 1 && d->dest_size == 1 && d->reg < 4),
               "high byte reg %u size %u", d->reg, d->size);
    /* The mode's default address size, or the other one with 67. */
    unsigned asz = mode / 8, alt = mode == 32 ? 2 : 4;
    FUZZ_CHECK(d->addr_size == asz || d->addr_size == alt, "mode %u: address size %u", mode, d->addr_size);
    FUZZ_CHECK(!d->rip_relative || mode == 64, "RIP-relative in mode %u", mode);
    switch (d->op) {
    case MMIO_LOAD:
    case MMIO_STORE:
        FUZZ_CHECK(d->dest_size == d->size, "op %d: dest %u size %u", d->op, d->dest_size, d->size);
        FUZZ_CHECK(d->imm == 0, "op %d with an immediate", d->op);
        break;
    case MMIO_STORE_IMM:
        FUZZ_CHECK(d->dest_size == d->size && (d->imm & ~mask_of(d->size)) == 0 && d->reg == 0,
                   "store imm: size %u imm %#llx reg %u", d->size, (unsigned long long)d->imm, d->reg);
        FUZZ_CHECK(!d->two_byte && (d->opcode == 0xC6 || d->opcode == 0xC7), "store imm opcode %#x", d->opcode);
        break;
    case MMIO_LOAD_ZX:
    case MMIO_LOAD_SX:
        /* MOVZX/MOVSX from 1 or 2 bytes (a 16-bit MOVZX r16, r/m16 is
         * a plain load), MOVSXD from 4 into 8. */
        FUZZ_CHECK(d->dest_size >= d->size && d->imm == 0 &&
                   (d->size <= 2 || (d->op == MMIO_LOAD_SX && d->size == 4 && d->dest_size == 8)),
                   "extending load: size %u dest %u", d->size, d->dest_size);
        break;
    default:
        fuzz_fail("op %d", d->op);
    }
    if (d->op == MMIO_STORE && !d->two_byte && (d->opcode == 0xA2 || d->opcode == 0xA3))
        FUZZ_CHECK(d->reg == 0, "moffs store from reg %u", d->reg);
    if (d->two_byte)
        FUZZ_CHECK(d->opcode == 0xB6 || d->opcode == 0xB7 || d->opcode == 0xBE || d->opcode == 0xBF ||
                   d->opcode == 0xC3, "two-byte opcode %#x", d->opcode);
}

/* What the CPU's register write leaves in a register that held `old`. */
static uint64_t merged(const struct mmio_insn *d, uint64_t old, uint64_t value)
{
    uint64_t v = value & mask_of(d->size);
    if (d->op == MMIO_LOAD_SX && d->size < 8 && (v >> (8 * d->size - 1)) & 1)
        v |= ~mask_of(d->size);
    switch (d->dest_size) {
    case 1:
        return d->high_byte_reg ? (old & ~0xFF00ull) | ((v & 0xFF) << 8) : (old & ~0xFFull) | (v & 0xFF);
    case 2:
        return (old & ~0xFFFFull) | (v & 0xFFFF);
    case 4:
        return v & 0xFFFFFFFFull;
    default:
        return v;
    }
}

static void check_values(const struct mmio_insn *d, uint64_t seed)
{
    uint64_t gpr[16], before[16];
    for (unsigned i = 0; i < 16; i++)
        before[i] = gpr[i] = seed * (2 * i + 1) + 0x0123456789ABCDEFull * i;
    uint64_t value = ~seed ^ 0x8080808080808080ull;

    uint64_t stored = mmio_store_value(d, gpr);
    FUZZ_CHECK(memcmp(gpr, before, sizeof gpr) == 0, "store_value changed a register");
    if (d->op == MMIO_STORE)
        FUZZ_CHECK(stored == ((gpr[d->reg] >> (d->high_byte_reg ? 8 : 0)) & mask_of(d->size)),
                   "stored %#llx from reg %u", (unsigned long long)stored, d->reg);
    else if (d->op == MMIO_STORE_IMM)
        FUZZ_CHECK(stored == d->imm, "stored %#llx, imm %#llx", (unsigned long long)stored,
                   (unsigned long long)d->imm);
    else
        FUZZ_CHECK(stored == 0, "a load stores %#llx", (unsigned long long)stored);

    mmio_load_result(d, gpr, value);
    for (unsigned i = 0; i < 16; i++) {
        uint64_t want = before[i];
        if (i == d->reg && d->op != MMIO_STORE && d->op != MMIO_STORE_IMM)
            want = merged(d, before[i], value);
        FUZZ_CHECK(gpr[i] == want, "load (op %d size %u dest %u) left reg %u = %#llx, want %#llx", d->op,
                   d->size, d->dest_size, i, (unsigned long long)gpr[i], (unsigned long long)want);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned modes[3] = { 16, 32, 64 };
    if (size < 1)
        return 0;
    unsigned mode = modes[data[0] % 3];
    const uint8_t *bytes = data + 1;
    size_t len = size - 1 > INPUT_MAX ? INPUT_MAX : size - 1;

    struct mmio_insn d;
    if (decode(bytes, len, mode, &d) != MMIO_DECODE_OK)
        return 0;
    check_insn(&d, len, mode);
    check_values(&d, (uint64_t)len * 0x9E3779B97F4A7C15ull ^ data[0]);

    /* The instruction alone decodes the same; any shorter prefix needs more. */
    struct mmio_insn alone;
    FUZZ_CHECK(decode(bytes, d.length, mode, &alone) == MMIO_DECODE_OK && same_insn(&alone, &d),
               "mode %u: the %u-byte instruction decodes differently without the bytes after it", mode, d.length);
    for (unsigned k = 0; k < d.length; k++) {
        struct mmio_insn part;
        FUZZ_CHECK(decode(bytes, k, mode, &part) == MMIO_DECODE_NEED_MORE,
                   "mode %u: %u of the instruction's %u bytes do not ask for more", mode, k, d.length);
    }
    return 0;
}
