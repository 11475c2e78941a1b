/* SPDX-License-Identifier: BSD-2-Clause */
/* Pure decoder for the MOV-family instructions guests use on emulated MMIO; no state, any context (hypervisor at EPT-violation exits, host tests). */
#ifndef KEEL_VCPU_MMIO_DECODE_H
#define KEEL_VCPU_MMIO_DECODE_H

/*
 * At an EPT violation on an emulated device page the hypervisor knows the
 * guest-physical address but not what the instruction does with it.  It
 * fetches up to 15 bytes at the guest's RIP (ept/guest_walk.h) and hands them
 * here.  The decoder only works out what an emulator needs: the instruction
 * length (to advance RIP), the access width and direction, and which register
 * or immediate is involved.  The memory operand's address is not computed -
 * the exit gives the GPA - but every addressing form is walked so the
 * length is exact.  Intel SDM Vol. 2A chapter 2 (instruction format, ModRM,
 * SIB, REX) and the Vol. 2A/2B pages of each instruction.
 *
 * Instructions decoded (all with a memory operand only; mod = 11 is refused):
 *   88 /r        MOV r/m8, r8                 MMIO_STORE      size 1
 *   89 /r        MOV r/m16/32/64, r           MMIO_STORE      size 2/4/8
 *   8A /r        MOV r8, r/m8                 MMIO_LOAD       size 1
 *   8B /r        MOV r, r/m16/32/64           MMIO_LOAD       size 2/4/8
 *   C6 /0 ib     MOV r/m8, imm8               MMIO_STORE_IMM  size 1
 *   C7 /0 iw/id  MOV r/m16/32, imm16/32;      MMIO_STORE_IMM  size 2/4/8
 *                REX.W: imm32 sign-extended to 64
 *   A0 / A1      MOV AL / eAX, moffs          MMIO_LOAD       reg 0
 *   A2 / A3      MOV moffs, AL / eAX          MMIO_STORE      reg 0
 *                (moffs is as wide as the address size: 2, 4 or 8 bytes)
 *   0F B6 / B7   MOVZX r, r/m8 / r/m16        MMIO_LOAD_ZX    size 1 / 2
 *   0F BE / BF   MOVSX r, r/m8 / r/m16        MMIO_LOAD_SX    size 1 / 2
 *   REX.W 63 /r  MOVSXD r64, r/m32 (64-bit mode)  MMIO_LOAD_SX size 4,
 *                dest_size 8 (63 without REX.W is refused)
 *   0F C3 /r     MOVNTI m32/m64, r32/r64      MMIO_STORE      size 4/8
 *
 * Prefixes: 66 and 67 (operand / address size), segment overrides 26 2E 36
 * 3E 64 65 (accepted and ignored: the GPA is already known), REX in 64-bit
 * mode (only when it immediately precedes the opcode, as on the CPU; a REX
 * followed by another prefix is ignored).  F3 is accepted on 88/89/C6/C7
 * (the XRELEASE hint, which the CPU allows on MOV to memory) and refused
 * everywhere else (F2/F3 select other instructions in the 0F map, or are
 * reserved).  F0 (LOCK) is refused: on every instruction above it is #UD.
 *
 * Register numbers follow the SDM (0 = RAX .. 15 = R15, as arch/x86/guest_regs.h).
 * For AH/CH/DH/BH (an 8-bit operand, register field 4-7, no REX prefix)
 * `reg` is the GPR that holds the byte (0-3: RAX, RCX, RDX, RBX) and
 * high_byte_reg is set, so gpr[reg] is always the register touched; reg == 4
 * therefore always means RSP (which the caller may have to sync with the
 * VMCS).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MMIO_INSN_MAX_LEN 15          /* architectural limit (SDM 2.3.11) */

/* mmio_decode() results. */
#define MMIO_DECODE_OK          0
#define MMIO_DECODE_UNSUPPORTED (-1)  /* not decodable here: see *why */
#define MMIO_DECODE_NEED_MORE   (-2)  /* bytes ran out before the instruction
                                         ended (and before 15 bytes): fetch
                                         the rest, e.g. from the next page */

enum mmio_op {
    MMIO_LOAD,          /* register <- memory, `size` bytes, merged as the CPU
                           writes a `size`-byte register */
    MMIO_STORE,         /* memory <- register */
    MMIO_STORE_IMM,     /* memory <- immediate */
    MMIO_LOAD_ZX,       /* register (dest_size) <- zero-extended memory (size) */
    MMIO_LOAD_SX,       /* register (dest_size) <- sign-extended memory (size) */
};

struct mmio_insn {
    unsigned length;        /* instruction length in bytes (to advance RIP) */
    unsigned size;          /* memory access width: 1, 2, 4 or 8 */
    enum mmio_op op;
    unsigned reg;           /* GPR (SDM order) loaded or stored; 0 for immediates */
    bool high_byte_reg;     /* bits 15:8 of gpr[reg] (AH/CH/DH/BH) */
    uint64_t imm;           /* MMIO_STORE_IMM: the `size`-byte value the CPU
                               writes (REX.W C7: imm32 sign-extended to 64
                               bits); bits above `size` are zero */
    unsigned dest_size;     /* loads: width of the register write (== size
                               except MOVZX/MOVSX/MOVSXD); stores: == size */
    unsigned addr_size;     /* effective address size: 2, 4 or 8 bytes */
    bool rip_relative;      /* 64-bit mode, mod = 00 rm = 101 (RIP/EIP + disp32) */
    uint8_t opcode;         /* last opcode byte (after any 0F) */
    bool two_byte;          /* opcode was in the 0F map */
};

/*
 * Decode the instruction at bytes[0..len).  mode is the code segment's
 * default size: 64 (EFER.LMA and CS.L), 32 (CR0.PE and CS.D) or 16 (real
 * mode, virtual-8086 mode or a 16-bit protected-mode segment).  Never reads
 * past bytes[len - 1] nor past byte 15.  On MMIO_DECODE_OK fills *out
 * (length <= min(len, 15)); otherwise *out is unspecified and *why (if why is
 * not NULL) points at a static description.  *why is left alone on success.
 */
int mmio_decode(const uint8_t *bytes, size_t len, unsigned mode,
                struct mmio_insn *out, const char **why);

/*
 * Stores: the value to write to the device, `size` bytes in the low end of
 * the result (upper bits zero).  For MMIO_LOAD* returns 0.
 */
uint64_t mmio_store_value(const struct mmio_insn *in, const uint64_t gpr[16]);

/*
 * Loads: merge the value read from the device (low `size` bytes of value;
 * higher bits ignored) into gpr[] as the CPU writes the destination:
 * 8-bit writes touch bits 7:0 (or 15:8 for AH..BH), 16-bit writes bits 15:0,
 * 32-bit writes zero-extend to 64 bits, 64-bit writes replace the register.
 * MOVZX/MOVSX/MOVSXD first extend `size` bytes to dest_size.  Outside
 * 64-bit mode the guest cannot see bits 63:32 (the SDM leaves them
 * undefined, Vol. 1 3.4.1.1); a 32-bit write zeroes them there too.
 * Stores leave gpr[] untouched.
 */
void mmio_load_result(const struct mmio_insn *in, uint64_t gpr[16], uint64_t value);

#endif
