/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for vcpu/mmio_decode.c: real encodings (lengths, sizes, registers, immediates), refusals, truncation, register merging, fuzzing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "vcpu/mmio_decode.h"

/*
 * Each row's bytes were produced by assembling the text with GNU as
 * (.code64 / .code32 / .code16) and reading them back with objdump -d;
 * the expected fields are what the SDM says the instruction does.
 */
struct enc {
    const char *text;
    unsigned mode;
    uint8_t bytes[MMIO_INSN_MAX_LEN];
    unsigned len;
    unsigned size;
    enum mmio_op op;
    unsigned reg;
    bool high_byte;
    uint64_t imm;
    unsigned dest_size;
    bool rip_relative;
};

static const struct enc encodings[] = {
    { "mov (%rdi),%eax", 64, { 0x8b, 0x07 }, 2, 4, MMIO_LOAD, 0, false, 0x0ull, 4, false },
    { "mov %esi,(%rdi)", 64, { 0x89, 0x37 }, 2, 4, MMIO_STORE, 6, false, 0x0ull, 4, false },
    { "mov (%rdi),%rax", 64, { 0x48, 0x8b, 0x07 }, 3, 8, MMIO_LOAD, 0, false, 0x0ull, 8, false },
    { "mov %rsi,(%rdi)", 64, { 0x48, 0x89, 0x37 }, 3, 8, MMIO_STORE, 6, false, 0x0ull, 8, false },
    { "mov (%rdi),%al", 64, { 0x8a, 0x07 }, 2, 1, MMIO_LOAD, 0, false, 0x0ull, 1, false },
    { "mov %sil,(%rdi)", 64, { 0x40, 0x88, 0x37 }, 3, 1, MMIO_STORE, 6, false, 0x0ull, 1, false },
    { "mov (%rdi),%ax", 64, { 0x66, 0x8b, 0x07 }, 3, 2, MMIO_LOAD, 0, false, 0x0ull, 2, false },
    { "mov %si,(%rdi)", 64, { 0x66, 0x89, 0x37 }, 3, 2, MMIO_STORE, 6, false, 0x0ull, 2, false },
    { "mov %edx,0x10(%rax)", 64, { 0x89, 0x50, 0x10 }, 3, 4, MMIO_STORE, 2, false, 0x0ull, 4, false },
    { "mov 0x10(%rax),%eax", 64, { 0x8b, 0x40, 0x10 }, 3, 4, MMIO_LOAD, 0, false, 0x0ull, 4, false },
    { "mov %esi,-0xa03f50(%rip)", 64, { 0x89, 0x35, 0xb0, 0xc0, 0x5f, 0xff }, 6, 4, MMIO_STORE, 6, false, 0x0ull, 4, true },
    { "mov %eax,(%rbx)", 64, { 0x89, 0x03 }, 2, 4, MMIO_STORE, 0, false, 0x0ull, 4, false },
    { "mov %eax,0x12(%rbx)", 64, { 0x89, 0x43, 0x12 }, 3, 4, MMIO_STORE, 0, false, 0x0ull, 4, false },
    { "mov %eax,-0x80(%rbx)", 64, { 0x89, 0x43, 0x80 }, 3, 4, MMIO_STORE, 0, false, 0x0ull, 4, false },
    { "mov %eax,0x80(%rbx)", 64, { 0x89, 0x83, 0x80, 0x00, 0x00, 0x00 }, 6, 4, MMIO_STORE, 0, false, 0x0ull, 4, false },
    { "mov %eax,0x300(%rbx)", 64, { 0x89, 0x83, 0x00, 0x03, 0x00, 0x00 }, 6, 4, MMIO_STORE, 0, false, 0x0ull, 4, false },
    { "mov %eax,(%rbp)", 64, { 0x89, 0x45, 0x00 }, 3, 4, MMIO_STORE, 0, false, 0x0ull, 4, false },
    { "mov %eax,(%r13)", 64, { 0x41, 0x89, 0x45, 0x00 }, 4, 4, MMIO_STORE, 0, false, 0x0ull, 4, false },
    { "mov (%rsp),%ecx", 64, { 0x8b, 0x0c, 0x24 }, 3, 4, MMIO_LOAD, 1, false, 0x0ull, 4, false },
    { "mov 0x10(%rsp),%ecx", 64, { 0x8b, 0x4c, 0x24, 0x10 }, 4, 4, MMIO_LOAD, 1, false, 0x0ull, 4, false },
    { "mov 0x1000(%rsp),%ecx", 64, { 0x8b, 0x8c, 0x24, 0x00, 0x10, 0x00, 0x00 }, 7, 4, MMIO_LOAD, 1, false, 0x0ull, 4, false },
    { "mov (%r12),%ecx", 64, { 0x41, 0x8b, 0x0c, 0x24 }, 4, 4, MMIO_LOAD, 1, false, 0x0ull, 4, false },
    { "mov 0x10(%r12),%ecx", 64, { 0x41, 0x8b, 0x4c, 0x24, 0x10 }, 5, 4, MMIO_LOAD, 1, false, 0x0ull, 4, false },
    { "mov (%rax,%rcx,4),%edx", 64, { 0x8b, 0x14, 0x88 }, 3, 4, MMIO_LOAD, 2, false, 0x0ull, 4, false },
    { "mov 8(%rax,%rcx,8),%edx", 64, { 0x8b, 0x54, 0xc8, 0x08 }, 4, 4, MMIO_LOAD, 2, false, 0x0ull, 4, false },
    { "mov 0x1000(%rax,%rcx,2),%edx", 64, { 0x8b, 0x94, 0x48, 0x00, 0x10, 0x00, 0x00 }, 7, 4, MMIO_LOAD, 2, false, 0x0ull, 4, false },
    { "mov (%rbp,%rcx,1),%edx", 64, { 0x8b, 0x54, 0x0d, 0x00 }, 4, 4, MMIO_LOAD, 2, false, 0x0ull, 4, false },
    { "mov (%r13,%r14,1),%edx", 64, { 0x43, 0x8b, 0x54, 0x35, 0x00 }, 5, 4, MMIO_LOAD, 2, false, 0x0ull, 4, false },
    { "mov %eax,0x10(,%rcx,4)", 64, { 0x89, 0x04, 0x8d, 0x10, 0x00, 0x00, 0x00 }, 7, 4, MMIO_STORE, 0, false, 0x0ull, 4, false },
    { "mov %ecx,0x1000", 64, { 0x89, 0x0c, 0x25, 0x00, 0x10, 0x00, 0x00 }, 7, 4, MMIO_STORE, 1, false, 0x0ull, 4, false },
    { "mov 0x7ee000b0,%eax", 64, { 0x8b, 0x04, 0x25, 0xb0, 0x00, 0xe0, 0x7e }, 7, 4, MMIO_LOAD, 0, false, 0x0ull, 4, false },
    { "mov 0x100(%rip),%eax", 64, { 0x8b, 0x05, 0x00, 0x01, 0x00, 0x00 }, 6, 4, MMIO_LOAD, 0, false, 0x0ull, 4, true },
    { "mov 0x100(%rip),%r9d", 64, { 0x44, 0x8b, 0x0d, 0x00, 0x01, 0x00, 0x00 }, 7, 4, MMIO_LOAD, 9, false, 0x0ull, 4, true },
    { "movb $0x5,0x20(%rip)", 64, { 0xc6, 0x05, 0x20, 0x00, 0x00, 0x00, 0x05 }, 7, 1, MMIO_STORE_IMM, 0, false, 0x5ull, 1, true },
    { "movl $0x12345678,0x20(%rip)", 64, { 0xc7, 0x05, 0x20, 0x00, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12 }, 10, 4, MMIO_STORE_IMM, 0, false, 0x12345678ull, 4, true },
    { "movq $-2,-0x40(%rip)", 64, { 0x48, 0xc7, 0x05, 0xc0, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff }, 11, 8, MMIO_STORE_IMM, 0, false, 0xfffffffffffffffeull, 8, true },
    { "mov 0x10(%eip),%eax", 64, { 0x67, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00 }, 7, 4, MMIO_LOAD, 0, false, 0x0ull, 4, true },
    { "mov %eax,(%ebx)", 64, { 0x67, 0x89, 0x03 }, 3, 4, MMIO_STORE, 0, false, 0x0ull, 4, false },
    { "mov (%esp),%eax", 64, { 0x67, 0x8b, 0x04, 0x24 }, 4, 4, MMIO_LOAD, 0, false, 0x0ull, 4, false },
    { "mov 0x44(%eax,%ecx,4),%r8", 64, { 0x67, 0x4c, 0x8b, 0x44, 0x88, 0x44 }, 6, 8, MMIO_LOAD, 8, false, 0x0ull, 8, false },
    { "mov %r8d,(%r9)", 64, { 0x45, 0x89, 0x01 }, 3, 4, MMIO_STORE, 8, false, 0x0ull, 4, false },
    { "mov (%r15),%r14d", 64, { 0x45, 0x8b, 0x37 }, 3, 4, MMIO_LOAD, 14, false, 0x0ull, 4, false },
    { "mov %r12,(%rax)", 64, { 0x4c, 0x89, 0x20 }, 3, 8, MMIO_STORE, 12, false, 0x0ull, 8, false },
    { "mov (%rdi,%r10,4),%r11", 64, { 0x4e, 0x8b, 0x1c, 0x97 }, 4, 8, MMIO_LOAD, 11, false, 0x0ull, 8, false },
    { "mov %r15w,0x7f(%r8)", 64, { 0x66, 0x45, 0x89, 0x78, 0x7f }, 5, 2, MMIO_STORE, 15, false, 0x0ull, 2, false },
    { "mov (%rdi),%r9w", 64, { 0x66, 0x44, 0x8b, 0x0f }, 4, 2, MMIO_LOAD, 9, false, 0x0ull, 2, false },
    { "mov %al,(%rdi)", 64, { 0x88, 0x07 }, 2, 1, MMIO_STORE, 0, false, 0x0ull, 1, false },
    { "mov %ah,(%rdi)", 64, { 0x88, 0x27 }, 2, 1, MMIO_STORE, 0, true, 0x0ull, 1, false },
    { "mov %ch,(%rdi)", 64, { 0x88, 0x2f }, 2, 1, MMIO_STORE, 1, true, 0x0ull, 1, false },
    { "mov %dh,(%rdi)", 64, { 0x88, 0x37 }, 2, 1, MMIO_STORE, 2, true, 0x0ull, 1, false },
    { "mov %bh,(%rsi)", 64, { 0x88, 0x3e }, 2, 1, MMIO_STORE, 3, true, 0x0ull, 1, false },
    { "mov (%rdx),%ch", 64, { 0x8a, 0x2a }, 2, 1, MMIO_LOAD, 1, true, 0x0ull, 1, false },
    { "mov (%rdx),%bh", 64, { 0x8a, 0x3a }, 2, 1, MMIO_LOAD, 3, true, 0x0ull, 1, false },
    { "mov %spl,(%rax)", 64, { 0x40, 0x88, 0x20 }, 3, 1, MMIO_STORE, 4, false, 0x0ull, 1, false },
    { "mov (%rbx),%dil", 64, { 0x40, 0x8a, 0x3b }, 3, 1, MMIO_LOAD, 7, false, 0x0ull, 1, false },
    { "mov %r10b,(%rax)", 64, { 0x44, 0x88, 0x10 }, 3, 1, MMIO_STORE, 10, false, 0x0ull, 1, false },
    { "mov 0x1(%rax,%rbx,2),%r15b", 64, { 0x44, 0x8a, 0x7c, 0x58, 0x01 }, 5, 1, MMIO_LOAD, 15, false, 0x0ull, 1, false },
    { "movb $0x80,(%rdi)", 64, { 0xc6, 0x07, 0x80 }, 3, 1, MMIO_STORE_IMM, 0, false, 0x80ull, 1, false },
    { "movb $0x7f,0x10(%rdi)", 64, { 0xc6, 0x47, 0x10, 0x7f }, 4, 1, MMIO_STORE_IMM, 0, false, 0x7full, 1, false },
    { "movw $0x1234,(%rdi)", 64, { 0x66, 0xc7, 0x07, 0x34, 0x12 }, 5, 2, MMIO_STORE_IMM, 0, false, 0x1234ull, 2, false },
    { "movw $-2,(%rdi)", 64, { 0x66, 0xc7, 0x07, 0xfe, 0xff }, 5, 2, MMIO_STORE_IMM, 0, false, 0xfffeull, 2, false },
    { "movl $0xdeadbeef,(%rdi)", 64, { 0xc7, 0x07, 0xef, 0xbe, 0xad, 0xde }, 6, 4, MMIO_STORE_IMM, 0, false, 0xdeadbeefull, 4, false },
    { "movl $1,0x300(%rdi,%rcx,4)", 64, { 0xc7, 0x84, 0x8f, 0x00, 0x03, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00 }, 11, 4, MMIO_STORE_IMM, 0, false, 0x1ull, 4, false },
    { "movq $-1,(%rdi)", 64, { 0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0xff }, 7, 8, MMIO_STORE_IMM, 0, false, 0xffffffffffffffffull, 8, false },
    { "movq $0x7fffffff,(%rdi)", 64, { 0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0x7f }, 7, 8, MMIO_STORE_IMM, 0, false, 0x7fffffffull, 8, false },
    { "movq $-0x80000000,(%rdi)", 64, { 0x48, 0xc7, 0x07, 0x00, 0x00, 0x00, 0x80 }, 7, 8, MMIO_STORE_IMM, 0, false, 0xffffffff80000000ull, 8, false },
    { "movq $0x12345678,0x12345678(%r8,%r9,8)", 64, { 0x4b, 0xc7, 0x84, 0xc8, 0x78, 0x56, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12 }, 12, 8, MMIO_STORE_IMM, 0, false, 0x12345678ull, 8, false },
    { "movabs 0xfee000b0,%eax", 64, { 0xa1, 0xb0, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00 }, 9, 4, MMIO_LOAD, 0, false, 0x0ull, 4, false },
    { "movabs %eax,0xfee000b0", 64, { 0xa3, 0xb0, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00 }, 9, 4, MMIO_STORE, 0, false, 0x0ull, 4, false },
    { "movabs 0xfee00020,%al", 64, { 0xa0, 0x20, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00 }, 9, 1, MMIO_LOAD, 0, false, 0x0ull, 1, false },
    { "movabs %al,0xfee00020", 64, { 0xa2, 0x20, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00 }, 9, 1, MMIO_STORE, 0, false, 0x0ull, 1, false },
    { "movabs 0xfec00000,%rax", 64, { 0x48, 0xa1, 0x00, 0x00, 0xc0, 0xfe, 0x00, 0x00, 0x00, 0x00 }, 10, 8, MMIO_LOAD, 0, false, 0x0ull, 8, false },
    { "movabs %rax,0xfec00010", 64, { 0x48, 0xa3, 0x10, 0x00, 0xc0, 0xfe, 0x00, 0x00, 0x00, 0x00 }, 10, 8, MMIO_STORE, 0, false, 0x0ull, 8, false },
    { "movabs 0xfec00010,%ax", 64, { 0x66, 0xa1, 0x10, 0x00, 0xc0, 0xfe, 0x00, 0x00, 0x00, 0x00 }, 10, 2, MMIO_LOAD, 0, false, 0x0ull, 2, false },
    { "addr32 mov 0xfee000b0,%eax", 64, { 0x67, 0xa1, 0xb0, 0x00, 0xe0, 0xfe }, 6, 4, MMIO_LOAD, 0, false, 0x0ull, 4, false },
    { "addr32 mov %al,0xfee000b0", 64, { 0x67, 0xa2, 0xb0, 0x00, 0xe0, 0xfe }, 6, 1, MMIO_STORE, 0, false, 0x0ull, 1, false },
    { "movzbl (%rdi),%eax", 64, { 0x0f, 0xb6, 0x07 }, 3, 1, MMIO_LOAD_ZX, 0, false, 0x0ull, 4, false },
    { "movzwl (%rdi),%eax", 64, { 0x0f, 0xb7, 0x07 }, 3, 2, MMIO_LOAD_ZX, 0, false, 0x0ull, 4, false },
    { "movzbw (%rdi),%ax", 64, { 0x66, 0x0f, 0xb6, 0x07 }, 4, 1, MMIO_LOAD_ZX, 0, false, 0x0ull, 2, false },
    { "movzbq (%rdi),%r8", 64, { 0x4c, 0x0f, 0xb6, 0x07 }, 4, 1, MMIO_LOAD_ZX, 8, false, 0x0ull, 8, false },
    { "movzwq 0x10(%rsi),%rdx", 64, { 0x48, 0x0f, 0xb7, 0x56, 0x10 }, 5, 2, MMIO_LOAD_ZX, 2, false, 0x0ull, 8, false },
    { "movzbl 0x20(%rip),%r12d", 64, { 0x44, 0x0f, 0xb6, 0x25, 0x20, 0x00, 0x00, 0x00 }, 8, 1, MMIO_LOAD_ZX, 12, false, 0x0ull, 4, true },
    { "movsbl (%rdi),%eax", 64, { 0x0f, 0xbe, 0x07 }, 3, 1, MMIO_LOAD_SX, 0, false, 0x0ull, 4, false },
    { "movswl (%rdi),%ecx", 64, { 0x0f, 0xbf, 0x0f }, 3, 2, MMIO_LOAD_SX, 1, false, 0x0ull, 4, false },
    { "movsbq (%rdi),%rax", 64, { 0x48, 0x0f, 0xbe, 0x07 }, 4, 1, MMIO_LOAD_SX, 0, false, 0x0ull, 8, false },
    { "movswq (%rdi),%r15", 64, { 0x4c, 0x0f, 0xbf, 0x3f }, 4, 2, MMIO_LOAD_SX, 15, false, 0x0ull, 8, false },
    { "movsbw (%rdi),%dx", 64, { 0x66, 0x0f, 0xbe, 0x17 }, 4, 1, MMIO_LOAD_SX, 2, false, 0x0ull, 2, false },
    { "movslq (%rdi),%rax", 64, { 0x48, 0x63, 0x07 }, 3, 4, MMIO_LOAD_SX, 0, false, 0x0ull, 8, false },
    { "movslq 0x8(%rsp),%r10", 64, { 0x4c, 0x63, 0x54, 0x24, 0x08 }, 5, 4, MMIO_LOAD_SX, 10, false, 0x0ull, 8, false },
    { "movnti %eax,(%rdi)", 64, { 0x0f, 0xc3, 0x07 }, 3, 4, MMIO_STORE, 0, false, 0x0ull, 4, false },
    { "movnti %r10,0x40(%rdi)", 64, { 0x4c, 0x0f, 0xc3, 0x57, 0x40 }, 5, 8, MMIO_STORE, 10, false, 0x0ull, 8, false },
    { "mov %fs:0x10(%rax),%eax", 64, { 0x64, 0x8b, 0x40, 0x10 }, 4, 4, MMIO_LOAD, 0, false, 0x0ull, 4, false },
    { "mov %gs:(%rdi),%rcx", 64, { 0x65, 0x48, 0x8b, 0x0f }, 4, 8, MMIO_LOAD, 1, false, 0x0ull, 8, false },
    { "mov %eax,%es:(%rdi)", 64, { 0x26, 0x89, 0x07 }, 3, 4, MMIO_STORE, 0, false, 0x0ull, 4, false },
    { "xrelease mov %eax,(%rdi)", 64, { 0xf3, 0x89, 0x07 }, 3, 4, MMIO_STORE, 0, false, 0x0ull, 4, false },
    { "xrelease movl $3,(%rdi)", 64, { 0xf3, 0xc7, 0x07, 0x03, 0x00, 0x00, 0x00 }, 7, 4, MMIO_STORE_IMM, 0, false, 0x3ull, 4, false },
    { "mov %eax,0xfee000b0", 32, { 0xa3, 0xb0, 0x00, 0xe0, 0xfe }, 5, 4, MMIO_STORE, 0, false, 0x0ull, 4, false },
    { "mov 0xfee00020,%ecx", 32, { 0x8b, 0x0d, 0x20, 0x00, 0xe0, 0xfe }, 6, 4, MMIO_LOAD, 1, false, 0x0ull, 4, false },
    { "mov %eax,(%ebx)", 32, { 0x89, 0x03 }, 2, 4, MMIO_STORE, 0, false, 0x0ull, 4, false },
    { "mov 0x10(%esp),%eax", 32, { 0x8b, 0x44, 0x24, 0x10 }, 4, 4, MMIO_LOAD, 0, false, 0x0ull, 4, false },
    { "mov 0x1000(%ebp),%esi", 32, { 0x8b, 0xb5, 0x00, 0x10, 0x00, 0x00 }, 6, 4, MMIO_LOAD, 6, false, 0x0ull, 4, false },
    { "mov (%eax,%ecx,4),%edx", 32, { 0x8b, 0x14, 0x88 }, 3, 4, MMIO_LOAD, 2, false, 0x0ull, 4, false },
    { "mov %edx,0xfec00010(,%esi,8)", 32, { 0x89, 0x14, 0xf5, 0x10, 0x00, 0xc0, 0xfe }, 7, 4, MMIO_STORE, 2, false, 0x0ull, 4, false },
    { "movw $0x1234,0x10(%ebx)", 32, { 0x66, 0xc7, 0x43, 0x10, 0x34, 0x12 }, 6, 2, MMIO_STORE_IMM, 0, false, 0x1234ull, 2, false },
    { "movb $1,(%eax)", 32, { 0xc6, 0x00, 0x01 }, 3, 1, MMIO_STORE_IMM, 0, false, 0x1ull, 1, false },
    { "movl $0xfffffffe,0x80(%eax)", 32, { 0xc7, 0x80, 0x80, 0x00, 0x00, 0x00, 0xfe, 0xff, 0xff, 0xff }, 10, 4, MMIO_STORE_IMM, 0, false, 0xfffffffeull, 4, false },
    { "mov %ah,(%ebx)", 32, { 0x88, 0x23 }, 2, 1, MMIO_STORE, 0, true, 0x0ull, 1, false },
    { "mov (%ebx),%dh", 32, { 0x8a, 0x33 }, 2, 1, MMIO_LOAD, 2, true, 0x0ull, 1, false },
    { "mov %ax,(%edi)", 32, { 0x66, 0x89, 0x07 }, 3, 2, MMIO_STORE, 0, false, 0x0ull, 2, false },
    { "mov %bx,%fs:0x4(%edi)", 32, { 0x64, 0x66, 0x89, 0x5f, 0x04 }, 5, 2, MMIO_STORE, 3, false, 0x0ull, 2, false },
    { "movzbl (%esi),%edi", 32, { 0x0f, 0xb6, 0x3e }, 3, 1, MMIO_LOAD_ZX, 7, false, 0x0ull, 4, false },
    { "movswl 2(%esi),%ebp", 32, { 0x0f, 0xbf, 0x6e, 0x02 }, 4, 2, MMIO_LOAD_SX, 5, false, 0x0ull, 4, false },
    { "movzbw (%esi),%di", 32, { 0x66, 0x0f, 0xb6, 0x3e }, 4, 1, MMIO_LOAD_ZX, 7, false, 0x0ull, 2, false },
    { "movnti %ecx,(%eax)", 32, { 0x0f, 0xc3, 0x08 }, 3, 4, MMIO_STORE, 1, false, 0x0ull, 4, false },
    { "addr16 mov %eax,(%bx,%si)", 32, { 0x67, 0x89, 0x00 }, 3, 4, MMIO_STORE, 0, false, 0x0ull, 4, false },
    { "addr16 mov %eax,0x1234", 32, { 0x67, 0xa3, 0x34, 0x12 }, 4, 4, MMIO_STORE, 0, false, 0x0ull, 4, false },
    { "addr16 mov 0x1234(%bx),%ecx", 32, { 0x67, 0x8b, 0x8f, 0x34, 0x12 }, 5, 4, MMIO_LOAD, 1, false, 0x0ull, 4, false },
    { "mov %ax,(%bx)", 16, { 0x89, 0x07 }, 2, 2, MMIO_STORE, 0, false, 0x0ull, 2, false },
    { "mov %al,(%bx,%si)", 16, { 0x88, 0x00 }, 2, 1, MMIO_STORE, 0, false, 0x0ull, 1, false },
    { "mov %ah,(%bx,%di)", 16, { 0x88, 0x21 }, 2, 1, MMIO_STORE, 0, true, 0x0ull, 1, false },
    { "mov 0x10(%bp),%ax", 16, { 0x8b, 0x46, 0x10 }, 3, 2, MMIO_LOAD, 0, false, 0x0ull, 2, false },
    { "mov (%bp),%dx", 16, { 0x8b, 0x56, 0x00 }, 3, 2, MMIO_LOAD, 2, false, 0x0ull, 2, false },
    { "mov 0x1234,%cx", 16, { 0x8b, 0x0e, 0x34, 0x12 }, 4, 2, MMIO_LOAD, 1, false, 0x0ull, 2, false },
    { "mov 0x1234,%ax", 16, { 0xa1, 0x34, 0x12 }, 3, 2, MMIO_LOAD, 0, false, 0x0ull, 2, false },
    { "mov %al,0x1234", 16, { 0xa2, 0x34, 0x12 }, 3, 1, MMIO_STORE, 0, false, 0x0ull, 1, false },
    { "mov %ax,0x1234(%bx,%di)", 16, { 0x89, 0x81, 0x34, 0x12 }, 4, 2, MMIO_STORE, 0, false, 0x0ull, 2, false },
    { "mov -0x2(%si),%bx", 16, { 0x8b, 0x5c, 0xfe }, 3, 2, MMIO_LOAD, 3, false, 0x0ull, 2, false },
    { "mov (%bp,%si),%sp", 16, { 0x8b, 0x22 }, 2, 2, MMIO_LOAD, 4, false, 0x0ull, 2, false },
    { "movw $0x1234,(%bx)", 16, { 0xc7, 0x07, 0x34, 0x12 }, 4, 2, MMIO_STORE_IMM, 0, false, 0x1234ull, 2, false },
    { "movb $0xff,0x5(%di)", 16, { 0xc6, 0x45, 0x05, 0xff }, 4, 1, MMIO_STORE_IMM, 0, false, 0xffull, 1, false },
    { "movl $0xfee00000,(%bx)", 16, { 0x66, 0xc7, 0x07, 0x00, 0x00, 0xe0, 0xfe }, 7, 4, MMIO_STORE_IMM, 0, false, 0xfee00000ull, 4, false },
    { "mov %eax,(%bx)", 16, { 0x66, 0x89, 0x07 }, 3, 4, MMIO_STORE, 0, false, 0x0ull, 4, false },
    { "mov %es:(%di),%eax", 16, { 0x26, 0x66, 0x8b, 0x05 }, 4, 4, MMIO_LOAD, 0, false, 0x0ull, 4, false },
    { "mov %eax,0x10(%eax,%ecx,4)", 16, { 0x67, 0x66, 0x89, 0x44, 0x88, 0x10 }, 6, 4, MMIO_STORE, 0, false, 0x0ull, 4, false },
    { "mov 0xb0,%eax", 16, { 0x66, 0xa1, 0xb0, 0x00 }, 4, 4, MMIO_LOAD, 0, false, 0x0ull, 4, false },
    { "addr32 mov 0xfee000b0,%eax", 16, { 0x67, 0x66, 0xa1, 0xb0, 0x00, 0xe0, 0xfe }, 7, 4, MMIO_LOAD, 0, false, 0x0ull, 4, false },
    { "mov 0xfee00020(%ebx),%ecx", 16, { 0x67, 0x66, 0x8b, 0x8b, 0x20, 0x00, 0xe0, 0xfe }, 8, 4, MMIO_LOAD, 1, false, 0x0ull, 4, false },
    { "movzbw (%bx),%ax", 16, { 0x0f, 0xb6, 0x07 }, 3, 1, MMIO_LOAD_ZX, 0, false, 0x0ull, 2, false },
    { "movzbl (%bx),%eax", 16, { 0x66, 0x0f, 0xb6, 0x07 }, 4, 1, MMIO_LOAD_ZX, 0, false, 0x0ull, 4, false },
    { "movswl (%si),%edx", 16, { 0x66, 0x0f, 0xbf, 0x14 }, 4, 2, MMIO_LOAD_SX, 2, false, 0x0ull, 4, false },
    { "movsbw 0x7(%bx,%si),%cx", 16, { 0x0f, 0xbe, 0x48, 0x07 }, 4, 1, MMIO_LOAD_SX, 1, false, 0x0ull, 2, false },
};

#define N_ENC (sizeof(encodings) / sizeof(encodings[0]))

static const char *const why_unset = "(unset)";

static void expect_row(const struct enc *e, const struct mmio_insn *in)
{
    if (in->length != e->len || in->size != e->size || in->op != e->op ||
        in->dest_size != e->dest_size || in->rip_relative != e->rip_relative ||
        (e->op == MMIO_STORE_IMM ? in->imm != e->imm
                                 : (in->reg != e->reg || in->high_byte_reg != e->high_byte))) {
        print_error("%s (mode %u): got length %u size %u op %d reg %u hb %d imm %#llx dest %u rip %d\n",
                    e->text, e->mode, in->length, in->size, (int)in->op, in->reg,
                    (int)in->high_byte_reg, (unsigned long long)in->imm, in->dest_size,
                    (int)in->rip_relative);
        fail();
    }
}

/* Every encoding decodes from exactly its own bytes (in a heap buffer of that
 * size, so ASan catches a read past the end) and from a full 15-byte fetch
 * with other instructions after it. */
static void test_encodings(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ENC; i++) {
        const struct enc *e = &encodings[i];
        uint8_t *exact = malloc(e->len);
        uint8_t full[MMIO_INSN_MAX_LEN];
        struct mmio_insn in;
        const char *why = why_unset;
        int rc;

        assert_non_null(exact);
        memcpy(exact, e->bytes, e->len);
        rc = mmio_decode(exact, e->len, e->mode, &in, &why);
        free(exact);
        if (rc != MMIO_DECODE_OK) {
            print_error("%s (mode %u): rc %d: %s\n", e->text, e->mode, rc, why);
            fail();
        }
        assert_ptr_equal(why, why_unset);       /* untouched on success */
        expect_row(e, &in);
        if (e->op == MMIO_STORE_IMM)
            assert_int_equal(in.reg, 0);

        memset(full, 0x90, sizeof(full));
        memcpy(full, e->bytes, e->len);
        assert_int_equal(mmio_decode(full, sizeof(full), e->mode, &in, NULL), MMIO_DECODE_OK);
        expect_row(e, &in);
        /* A longer buffer than 15 bytes is fine: only 15 are looked at. */
        {
            uint8_t big[64];
            memset(big, 0xCC, sizeof(big));
            memcpy(big, e->bytes, e->len);
            assert_int_equal(mmio_decode(big, sizeof(big), e->mode, &in, NULL), MMIO_DECODE_OK);
            expect_row(e, &in);
        }
    }
}

/* Cutting any accepted encoding short asks for more bytes, never more. */
static void test_truncated_encodings(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ENC; i++) {
        const struct enc *e = &encodings[i];

        for (unsigned k = 0; k < e->len; k++) {
            uint8_t *cut = malloc(k ? k : 1);
            struct mmio_insn in;
            const char *why = NULL;
            int rc;

            assert_non_null(cut);
            memcpy(cut, e->bytes, k);
            rc = mmio_decode(cut, k, e->mode, &in, &why);
            free(cut);
            if (rc != MMIO_DECODE_NEED_MORE) {
                print_error("%s cut to %u bytes: rc %d, not NEED_MORE\n", e->text, k, rc);
                fail();
            }
            assert_non_null(why);
        }
    }
}

static int decode(unsigned mode, const uint8_t *b, size_t len, struct mmio_insn *in,
                  const char **why)
{
    uint8_t *copy = malloc(len ? len : 1);
    int rc;

    assert_non_null(copy);
    memcpy(copy, b, len);
    rc = mmio_decode(copy, len, mode, in, why);
    free(copy);
    return rc;
}

#define DECODE(mode, in, why, ...) \
    decode((mode), (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }), \
           (in), (why))

static void test_address_and_operand_size(void **state)
{
    struct mmio_insn in;

    (void)state;
    /* addr_size follows the mode and 67. */
    assert_int_equal(DECODE(64, &in, NULL, 0x8b, 0x07), 0);
    assert_int_equal(in.addr_size, 8);
    assert_int_equal(DECODE(64, &in, NULL, 0x67, 0x8b, 0x07), 0);
    assert_int_equal(in.addr_size, 4);
    assert_int_equal(DECODE(32, &in, NULL, 0x8b, 0x07), 0);
    assert_int_equal(in.addr_size, 4);
    assert_int_equal(DECODE(32, &in, NULL, 0x67, 0x8b, 0x07), 0);
    assert_int_equal(in.addr_size, 2);
    assert_int_equal(DECODE(16, &in, NULL, 0x8b, 0x07), 0);
    assert_int_equal(in.addr_size, 2);
    assert_int_equal(DECODE(16, &in, NULL, 0x67, 0x8b, 0x07), 0);
    assert_int_equal(in.addr_size, 4);

    /* REX.W beats 66. */
    assert_int_equal(DECODE(64, &in, NULL, 0x66, 0x48, 0x89, 0x07), 0);
    assert_int_equal(in.size, 8);
    assert_int_equal(DECODE(64, &in, NULL, 0x66, 0x48, 0x0f, 0xb6, 0x07), 0);
    assert_int_equal(in.size, 1);
    assert_int_equal(in.dest_size, 8);
    /* Repeated 66 is still 16-bit. */
    assert_int_equal(DECODE(64, &in, NULL, 0x66, 0x66, 0x89, 0x07), 0);
    assert_int_equal(in.size, 2);
    assert_int_equal(in.length, 4);
    /* 66 in 16-bit mode makes 32 bits; 67 66 0F B7 in 16-bit mode. */
    assert_int_equal(DECODE(16, &in, NULL, 0x67, 0x66, 0x0f, 0xb7, 0x04, 0x8b), 0);
    assert_int_equal(in.length, 6);     /* SIB, no disp */
    assert_int_equal(in.size, 2);
    assert_int_equal(in.dest_size, 4);
    /* 16-bit mode, 32-bit addressing, SIB base 101 mod 00: disp32. */
    assert_int_equal(DECODE(16, &in, NULL, 0x67, 0x89, 0x04, 0x8d, 1, 2, 3, 4), 0);
    assert_int_equal(in.length, 8);
    /* 32-bit mode: mod 00 rm 101 is an absolute disp32, not RIP-relative. */
    assert_int_equal(DECODE(32, &in, NULL, 0x8b, 0x05, 1, 2, 3, 4), 0);
    assert_false(in.rip_relative);
    assert_int_equal(in.length, 6);
    /* 64-bit mode with 67 it is EIP-relative, still disp32. */
    assert_int_equal(DECODE(64, &in, NULL, 0x67, 0x8b, 0x05, 1, 2, 3, 4), 0);
    assert_true(in.rip_relative);
    assert_int_equal(in.length, 7);
    /* 16-bit addressing in 64-bit mode does not exist: 67 means 32. */
    assert_int_equal(DECODE(64, &in, NULL, 0x67, 0x8b, 0x06), 0);
    assert_int_equal(in.length, 3);
    /* The opcode is reported. */
    assert_int_equal(DECODE(64, &in, NULL, 0x0f, 0xbf, 0x07), 0);
    assert_true(in.two_byte);
    assert_int_equal(in.opcode, 0xbf);
    assert_int_equal(DECODE(64, &in, NULL, 0xa3, 0, 0, 0, 0, 0, 0, 0, 0), 0);
    assert_false(in.two_byte);
    assert_int_equal(in.opcode, 0xa3);
}

/* REX counts only right before the opcode; the last of several wins. */
static void test_rex_placement(void **state)
{
    struct mmio_insn in;

    (void)state;
    /* 48 66 89 07: REX.W followed by 66 is ignored -> 16-bit store of AX. */
    assert_int_equal(DECODE(64, &in, NULL, 0x48, 0x66, 0x89, 0x07), 0);
    assert_int_equal(in.size, 2);
    assert_int_equal(in.length, 4);
    /* 44 64 89 07: REX.R dropped by the FS override -> EAX, not R8D. */
    assert_int_equal(DECODE(64, &in, NULL, 0x44, 0x64, 0x89, 0x07), 0);
    assert_int_equal(in.reg, 0);
    assert_int_equal(in.size, 4);
    /* 40 2E 88 27: the REX is ignored, so register 4 is AH again. */
    assert_int_equal(DECODE(64, &in, NULL, 0x40, 0x2e, 0x88, 0x27), 0);
    assert_true(in.high_byte_reg);
    assert_int_equal(in.reg, 0);
    /* 40 88 27: with REX it is SPL. */
    assert_int_equal(DECODE(64, &in, NULL, 0x40, 0x88, 0x27), 0);
    assert_false(in.high_byte_reg);
    assert_int_equal(in.reg, 4);
    /* 44 48 89 07: only the last REX (W) applies. */
    assert_int_equal(DECODE(64, &in, NULL, 0x44, 0x48, 0x89, 0x07), 0);
    assert_int_equal(in.size, 8);
    assert_int_equal(in.reg, 0);
    /* 48 44 89 07: the last one is REX.R: R8D, 32-bit. */
    assert_int_equal(DECODE(64, &in, NULL, 0x48, 0x44, 0x89, 0x07), 0);
    assert_int_equal(in.size, 4);
    assert_int_equal(in.reg, 8);
    /* REX.B / REX.X do not change the special ModRM/SIB forms:
     * 41 8B 45 00 = mov 0(%r13),%eax (disp8), 41 8B 04 24 = mov (%r12),%eax,
     * 41 8B 05 = RIP-relative even with REX.B, 42 8B 04 25 = SIB no base. */
    assert_int_equal(DECODE(64, &in, NULL, 0x41, 0x8b, 0x45, 0x00), 0);
    assert_int_equal(in.length, 4);
    assert_int_equal(DECODE(64, &in, NULL, 0x41, 0x8b, 0x04, 0x24), 0);
    assert_int_equal(in.length, 4);
    assert_int_equal(DECODE(64, &in, NULL, 0x41, 0x8b, 0x05, 1, 2, 3, 4), 0);
    assert_true(in.rip_relative);
    assert_int_equal(in.length, 7);
    assert_int_equal(DECODE(64, &in, NULL, 0x43, 0x8b, 0x04, 0x25, 1, 2, 3, 4), 0);
    assert_int_equal(in.length, 8);
    assert_false(in.rip_relative);
    /* REX.B on A1 does not select R8: the register is always (E/R)AX. */
    assert_int_equal(DECODE(64, &in, NULL, 0x49, 0xa1, 0, 0, 0xe0, 0xfe, 0, 0, 0, 0), 0);
    assert_int_equal(in.reg, 0);
    assert_int_equal(in.size, 8);
    assert_int_equal(in.length, 10);
}

static void test_length_limit(void **state)
{
    struct mmio_insn in;
    const char *why = NULL;
    uint8_t b[20];

    (void)state;
    /* Exactly 15 bytes: 3 prefixes + REX.W C7 84 24 disp32 imm32. */
    assert_int_equal(DECODE(64, &in, NULL, 0x2e, 0x3e, 0x66, 0x48, 0xc7, 0x84, 0x24,
                            0x00, 0x01, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff), 0);
    assert_int_equal(in.length, 15);
    assert_int_equal(in.size, 8);
    assert_int_equal(in.imm, ~0ull);

    /* 13 prefixes + 89 07 = 15: fine; 14 prefixes + 89 07 = 16: #GP. */
    memset(b, 0x66, sizeof(b));
    b[13] = 0x89; b[14] = 0x07;
    assert_int_equal(decode(64, b, 15, &in, NULL), 0);
    assert_int_equal(in.length, 15);
    assert_int_equal(in.size, 2);
    memset(b, 0x3e, sizeof(b));
    b[14] = 0x89; b[15] = 0x07;
    assert_int_equal(decode(64, b, 16, &in, &why), MMIO_DECODE_UNSUPPORTED);
    assert_string_equal(why, "instruction longer than 15 bytes");
    assert_int_equal(decode(64, b, 15, &in, &why), MMIO_DECODE_UNSUPPORTED);
    /* Only 14 of them fetched: could still end in byte 15 -> need more. */
    assert_int_equal(decode(64, b, 14, &in, &why), MMIO_DECODE_NEED_MORE);
    /* 20 prefixes: too long however many bytes are offered. */
    memset(b, 0x26, sizeof(b));
    assert_int_equal(decode(64, b, sizeof(b), &in, &why), MMIO_DECODE_UNSUPPORTED);
    /* A 64-bit moffs with 5 prefixes: 5 + 1 + 8 = 14; with 7 prefixes 16. */
    memset(b, 0x64, sizeof(b));
    b[5] = 0xa1;
    assert_int_equal(decode(64, b, 15, &in, NULL), 0);
    assert_int_equal(in.length, 14);
    b[5] = 0x64; b[7] = 0xa1;
    assert_int_equal(decode(64, b, 15, &in, &why), MMIO_DECODE_UNSUPPORTED);
    assert_string_equal(why, "instruction longer than 15 bytes");
}

struct refusal {
    const char *what;
    unsigned mode;
    uint8_t bytes[MMIO_INSN_MAX_LEN];
    unsigned len;
    int rc;
    const char *why;
};

static const struct refusal refusals[] = {
    /* register operands (mod = 11) are not memory accesses */
    { "mov %eax,%ebx", 64, { 0x89, 0xc3 }, 2, -1, "register operand, not memory" },
    { "mov %ebx,%eax", 64, { 0x8b, 0xc3 }, 2, -1, "register operand, not memory" },
    { "mov %al,%bl", 32, { 0x88, 0xc3 }, 2, -1, "register operand, not memory" },
    { "mov (8a) %bl,%al", 16, { 0x8a, 0xc3 }, 2, -1, "register operand, not memory" },
    { "movl $5,%eax (c7)", 64, { 0xc7, 0xc0, 5, 0, 0, 0 }, 6, -1, "register operand, not memory" },
    { "movb $5,%al (c6)", 64, { 0xc6, 0xc0, 5 }, 3, -1, "register operand, not memory" },
    { "movzbl %al,%eax", 64, { 0x0f, 0xb6, 0xc0 }, 3, -1, "register operand, not memory" },
    { "movswq %ax,%rax", 64, { 0x48, 0x0f, 0xbf, 0xc0 }, 4, -1, "register operand, not memory" },
    { "movslq %eax,%rax", 64, { 0x48, 0x63, 0xc0 }, 3, -1, "register operand, not memory" },
    { "movnti reg form", 64, { 0x0f, 0xc3, 0xc0 }, 3, -1, "register operand, not memory" },
    { "xabort $1 (c6 f8)", 64, { 0xc6, 0xf8, 1 }, 3, -1, "register operand, not memory" },
    /* LOCK is #UD on MOV; lockable RMW forms are not handled either */
    { "lock mov %eax,(%rdi)", 64, { 0xf0, 0x89, 0x07 }, 3, -1, "lock prefix" },
    { "lock movl $1,(%rdi)", 64, { 0xf0, 0xc7, 0x07, 1, 0, 0, 0 }, 7, -1, "lock prefix" },
    { "66 lock mov", 32, { 0x66, 0xf0, 0x89, 0x07 }, 4, -1, "lock prefix" },
    { "lock add %eax,(%rdi)", 64, { 0xf0, 0x01, 0x07 }, 3, -1, "lock prefix" },
    { "lock alone", 64, { 0xf0 }, 1, -1, "lock prefix" },
    /* read-modify-write and other memory instructions */
    { "add %eax,(%rdi)", 64, { 0x01, 0x07 }, 2, -1, "unsupported instruction" },
    { "or %eax,(%rdi)", 64, { 0x09, 0x07 }, 2, -1, "unsupported instruction" },
    { "and (%rdi),%eax", 64, { 0x23, 0x07 }, 2, -1, "unsupported instruction" },
    { "xchg %eax,(%rdi)", 64, { 0x87, 0x07 }, 2, -1, "unsupported instruction" },
    { "incl (%rdi)", 64, { 0xff, 0x07 }, 2, -1, "unsupported instruction" },
    { "test %eax,(%rdi)", 64, { 0x85, 0x07 }, 2, -1, "unsupported instruction" },
    { "cmpl $0,(%rdi)", 64, { 0x83, 0x3f, 0x00 }, 3, -1, "unsupported instruction" },
    { "movsl", 64, { 0xa5 }, 1, -1, "unsupported instruction" },
    { "stosl", 32, { 0xab }, 1, -1, "unsupported instruction" },
    { "mov (%rdi),%es", 64, { 0x8e, 0x07 }, 2, -1, "unsupported instruction" },
    { "mov %es,(%rdi)", 64, { 0x8c, 0x07 }, 2, -1, "unsupported instruction" },
    { "mov $imm,%eax (b8)", 64, { 0xb8, 1, 2, 3, 4 }, 5, -1, "unsupported instruction" },
    { "lea (%rdi),%eax", 64, { 0x8d, 0x07 }, 2, -1, "unsupported instruction" },
    { "cmpxchg %ecx,(%rdi)", 64, { 0x0f, 0xb1, 0x0f }, 3, -1, "unsupported instruction" },
    { "movbe (%rdi),%eax", 64, { 0x0f, 0x38, 0xf0, 0x07 }, 4, -1, "unsupported instruction" },
    { "movd (%rdi),%xmm0", 64, { 0x66, 0x0f, 0x6e, 0x07 }, 4, -1, "unsupported instruction" },
    { "vmovdqu (%rdi),%ymm0", 64, { 0xc5, 0xfe, 0x6f, 0x07 }, 4, -1, "unsupported instruction" },
    { "ud2", 64, { 0x0f, 0x0b }, 2, -1, "unsupported instruction" },
    { "c7 /1", 64, { 0xc7, 0x0f, 1, 2, 3, 4 }, 6, -1, "unsupported instruction" },
    { "c6 /2", 64, { 0xc6, 0x17, 1 }, 3, -1, "unsupported instruction" },
    { "xbegin (c7 f8)", 64, { 0xc7, 0xf8, 0, 0, 0, 0 }, 6, -1, "register operand, not memory" },
    { "movsxd without REX.W", 64, { 0x63, 0x07 }, 2, -1, "unsupported instruction" },
    { "66 movsxd", 64, { 0x66, 0x63, 0x07 }, 3, -1, "unsupported instruction" },
    { "arpl (63 in 32-bit mode)", 32, { 0x63, 0x07 }, 2, -1, "unsupported instruction" },
    { "48 in 32-bit mode is dec", 32, { 0x48, 0x8b, 0x07 }, 3, -1, "unsupported instruction" },
    { "40 in 16-bit mode is inc", 16, { 0x40, 0x8b, 0x07 }, 3, -1, "unsupported instruction" },
    { "66 movnti", 64, { 0x66, 0x0f, 0xc3, 0x07 }, 4, -1, "prefix 66 on movnti" },
    /* repeat prefixes: F3 only as XRELEASE on MOV to memory */
    { "repnz mov %eax,(%rdi)", 64, { 0xf2, 0x89, 0x07 }, 3, -1, "rep prefix" },
    { "rep mov (%rdi),%eax", 64, { 0xf3, 0x8b, 0x07 }, 3, -1, "rep prefix" },
    { "rep mov moffs", 32, { 0xf3, 0xa1, 0, 0, 0xe0, 0xfe }, 6, -1, "rep prefix" },
    { "f3 movzx", 64, { 0xf3, 0x0f, 0xb6, 0x07 }, 4, -1, "rep prefix" },
    { "f3 movnti", 64, { 0xf3, 0x0f, 0xc3, 0x07 }, 4, -1, "rep prefix" },
    { "popcnt (f3 0f b8)", 64, { 0xf3, 0x0f, 0xb8, 0x07 }, 4, -1, "unsupported instruction" },
    /* truncated fetches */
    { "nothing", 64, { 0 }, 0, -2, NULL },
    { "prefixes only", 64, { 0x66, 0x2e, 0x48 }, 3, -2, NULL },
    { "0f alone", 64, { 0x0f }, 1, -2, NULL },
    { "no modrm", 64, { 0x48, 0x8b }, 2, -2, NULL },
    { "no sib", 64, { 0x8b, 0x04 }, 2, -2, NULL },
    { "half disp32", 64, { 0x8b, 0x80, 0x00, 0x03 }, 4, -2, NULL },
    { "half imm32", 64, { 0xc7, 0x07, 0x78, 0x56 }, 4, -2, NULL },
    { "imm after rip disp missing", 64, { 0xc6, 0x05, 1, 2, 3, 4 }, 6, -2, NULL },
    { "half moffs64", 64, { 0xa1, 0xb0, 0x00, 0xe0, 0xfe }, 5, -2, NULL },
    { "half disp16", 16, { 0x8b, 0x87, 0x34 }, 3, -2, NULL },
};

static void test_refusals(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
        const struct refusal *r = &refusals[i];
        struct mmio_insn in;
        const char *why = NULL;
        int rc = decode(r->mode, r->bytes, r->len, &in, &why);

        if (rc != r->rc) {
            print_error("%s: rc %d, expected %d (%s)\n", r->what, rc, r->rc, why ? why : "");
            fail();
        }
        assert_non_null(why);
        if (r->why)
            assert_string_equal(why, r->why);
        else
            assert_string_equal(why, "truncated instruction (need more bytes)");
        /* NULL why is allowed. */
        assert_int_equal(decode(r->mode, r->bytes, r->len, &in, NULL), r->rc);
    }
}

static void test_bad_arguments(void **state)
{
    struct mmio_insn in;
    const char *why = NULL;
    static const unsigned bad_modes[] = { 0, 8, 15, 63, 65, 128 };

    (void)state;
    for (size_t i = 0; i < sizeof(bad_modes) / sizeof(bad_modes[0]); i++) {
        why = NULL;
        assert_int_equal(DECODE(bad_modes[i], &in, &why, 0x8b, 0x07), MMIO_DECODE_UNSUPPORTED);
        assert_string_equal(why, "bad CPU mode");
    }
    assert_int_equal(mmio_decode(NULL, 0, 64, &in, &why), MMIO_DECODE_NEED_MORE);
    assert_int_equal(mmio_decode(NULL, 4, 64, &in, &why), MMIO_DECODE_UNSUPPORTED);
}

/* ---- mmio_load_result / mmio_store_value ---- */

#define PATTERN 0x1122334455667788ull

static void fill(uint64_t gpr[16])
{
    for (unsigned i = 0; i < 16; i++)
        gpr[i] = PATTERN + i * 0x0101010101010101ull;
}

/* Decode the bytes in 64-bit mode (or `mode`), load `value`, return what
 * the destination register became and check that no other register moved. */
static uint64_t load_into(unsigned mode, const uint8_t *b, size_t len, uint64_t value,
                          unsigned expect_reg)
{
    struct mmio_insn in;
    uint64_t gpr[16], before[16];

    assert_int_equal(decode(mode, b, len, &in, NULL), 0);
    assert_int_equal(in.reg, expect_reg);
    fill(gpr);
    memcpy(before, gpr, sizeof(gpr));
    assert_int_equal(mmio_store_value(&in, gpr), 0);    /* not a store */
    mmio_load_result(&in, gpr, value);
    for (unsigned i = 0; i < 16; i++)
        if (i != expect_reg)
            assert_int_equal(gpr[i], before[i]);
    return gpr[expect_reg];
}

#define LOAD(mode, value, reg, ...) \
    load_into((mode), (const uint8_t[]){ __VA_ARGS__ }, \
              sizeof((const uint8_t[]){ __VA_ARGS__ }), (value), (reg))

static void test_load_merge_mov(void **state)
{
    (void)state;
    /* mov (%rdi),%al / %ah / %ax / %eax / %rax, value 0xDEADBEEFCAFEF00D */
    const uint64_t v = 0xDEADBEEFCAFEF00Dull;

    assert_int_equal(LOAD(64, v, 0, 0x8a, 0x07), 0x112233445566770Dull);
    assert_int_equal(LOAD(64, v, 0, 0x8a, 0x27), 0x1122334455660D88ull);      /* %ah */
    assert_int_equal(LOAD(64, v, 3, 0x8a, 0x3f), 0x1425364758690D8Bull);      /* %bh */
    assert_int_equal(LOAD(64, v, 4, 0x40, 0x8a, 0x27), 0x15263748596A7B0Dull); /* %spl */
    assert_int_equal(LOAD(64, v, 10, 0x44, 0x8a, 0x17), 0x1B2C3D4E5F70810Dull); /* %r10b */
    assert_int_equal(LOAD(64, v, 0, 0x66, 0x8b, 0x07), 0x112233445566F00Dull);
    assert_int_equal(LOAD(64, v, 0, 0x8b, 0x07), 0x00000000CAFEF00Dull);
    assert_int_equal(LOAD(64, v, 0, 0x48, 0x8b, 0x07), v);
    assert_int_equal(LOAD(64, v, 15, 0x44, 0x8b, 0x3f), 0x00000000CAFEF00Dull); /* %r15d */
    assert_int_equal(LOAD(64, v, 0, 0xa0, 0, 0, 0, 0, 0, 0, 0, 0), 0x112233445566770Dull);
    assert_int_equal(LOAD(64, v, 0, 0xa1, 0, 0, 0, 0, 0, 0, 0, 0), 0x00000000CAFEF00Dull);
    assert_int_equal(LOAD(64, v, 0, 0x48, 0xa1, 0, 0, 0, 0, 0, 0, 0, 0), v);
    /* 32-bit and 16-bit modes */
    assert_int_equal(LOAD(32, v, 1, 0x8b, 0x0b), 0x00000000CAFEF00Dull);
    assert_int_equal(LOAD(32, v, 2, 0x8a, 0x33), 0x1324354657680D8Aull);     /* %dh */
    assert_int_equal(LOAD(16, v, 0, 0x8b, 0x07), 0x112233445566F00Dull);
    assert_int_equal(LOAD(16, v, 0, 0x66, 0x8b, 0x07), 0x00000000CAFEF00Dull);
}

static void test_load_merge_extend(void **state)
{
    (void)state;
    /* movzbl / movzwl: zero-extend, 32-bit write clears 63:32 */
    assert_int_equal(LOAD(64, 0x1FF, 0, 0x0f, 0xb6, 0x07), 0xFFull);
    assert_int_equal(LOAD(64, 0x18001, 0, 0x0f, 0xb7, 0x07), 0x8001ull);
    /* movzbw: 16-bit write keeps 63:16 */
    assert_int_equal(LOAD(64, 0xF0, 0, 0x66, 0x0f, 0xb6, 0x07), 0x11223344556600F0ull);
    /* movzbq / movzwq */
    assert_int_equal(LOAD(64, 0xABCD, 8, 0x4c, 0x0f, 0xb6, 0x07), 0xCDull);
    assert_int_equal(LOAD(64, 0xFFFFABCD, 8, 0x4c, 0x0f, 0xb7, 0x07), 0xABCDull);
    /* movsbl / movswl: sign-extend to 32, zero 63:32 */
    assert_int_equal(LOAD(64, 0x80, 0, 0x0f, 0xbe, 0x07), 0xFFFFFF80ull);
    assert_int_equal(LOAD(64, 0x7F, 0, 0x0f, 0xbe, 0x07), 0x7Full);
    assert_int_equal(LOAD(64, 0x8000, 0, 0x0f, 0xbf, 0x07), 0xFFFF8000ull);
    /* movsbq / movswq / movslq */
    assert_int_equal(LOAD(64, 0x80, 0, 0x48, 0x0f, 0xbe, 0x07), 0xFFFFFFFFFFFFFF80ull);
    assert_int_equal(LOAD(64, 0x12348000, 0, 0x48, 0x0f, 0xbf, 0x07), 0xFFFFFFFFFFFF8000ull);
    assert_int_equal(LOAD(64, 0x80000000, 0, 0x48, 0x63, 0x07), 0xFFFFFFFF80000000ull);
    assert_int_equal(LOAD(64, 0xFFFFFFFF7FFFFFFFull, 0, 0x48, 0x63, 0x07), 0x7FFFFFFFull);
    /* movsbw: 16-bit write keeps 63:16 */
    assert_int_equal(LOAD(64, 0x80, 0, 0x66, 0x0f, 0xbe, 0x07), 0x112233445566FF80ull);
    /* 16-bit mode movsbw / movzbl */
    assert_int_equal(LOAD(16, 0x90, 1, 0x0f, 0xbe, 0x0f), 0x122334455667FF90ull);
    assert_int_equal(LOAD(16, 0x90, 1, 0x66, 0x0f, 0xb6, 0x0f), 0x90ull);
}

static void test_store_values(void **state)
{
    struct mmio_insn in;
    uint64_t gpr[16], before[16];

    (void)state;
    fill(gpr);
    gpr[0] = 0x1122334455667788ull;
    gpr[3] = 0x0102030405060708ull;
    gpr[6] = 0xA1A2A3A4A5A6A7A8ull;
    gpr[10] = 0xB1B2B3B4B5B6B7B8ull;
    memcpy(before, gpr, sizeof(gpr));

    assert_int_equal(DECODE(64, &in, NULL, 0x89, 0x37), 0);            /* writel */
    assert_int_equal(mmio_store_value(&in, gpr), 0xA5A6A7A8ull);
    assert_int_equal(DECODE(64, &in, NULL, 0x48, 0x89, 0x37), 0);      /* writeq */
    assert_int_equal(mmio_store_value(&in, gpr), 0xA1A2A3A4A5A6A7A8ull);
    assert_int_equal(DECODE(64, &in, NULL, 0x66, 0x89, 0x37), 0);      /* writew */
    assert_int_equal(mmio_store_value(&in, gpr), 0xA7A8ull);
    assert_int_equal(DECODE(64, &in, NULL, 0x40, 0x88, 0x37), 0);      /* writeb %sil */
    assert_int_equal(mmio_store_value(&in, gpr), 0xA8ull);
    assert_int_equal(DECODE(64, &in, NULL, 0x88, 0x27), 0);            /* %ah */
    assert_int_equal(mmio_store_value(&in, gpr), 0x77ull);
    assert_int_equal(DECODE(64, &in, NULL, 0x88, 0x3f), 0);            /* %bh */
    assert_int_equal(mmio_store_value(&in, gpr), 0x07ull);
    assert_int_equal(DECODE(64, &in, NULL, 0x44, 0x88, 0x17), 0);      /* %r10b */
    assert_int_equal(mmio_store_value(&in, gpr), 0xB8ull);
    assert_int_equal(DECODE(64, &in, NULL, 0xa3, 0, 0, 0, 0, 0, 0, 0, 0), 0);
    assert_int_equal(mmio_store_value(&in, gpr), 0x55667788ull);
    assert_int_equal(DECODE(64, &in, NULL, 0x4c, 0x0f, 0xc3, 0x17), 0); /* movnti %r10 */
    assert_int_equal(mmio_store_value(&in, gpr), 0xB1B2B3B4B5B6B7B8ull);
    /* immediates: what the CPU writes */
    assert_int_equal(DECODE(64, &in, NULL, 0x48, 0xc7, 0x07, 0xfe, 0xff, 0xff, 0xff), 0);
    assert_int_equal(mmio_store_value(&in, gpr), 0xFFFFFFFFFFFFFFFEull);
    assert_int_equal(DECODE(64, &in, NULL, 0x48, 0xc7, 0x07, 0xfe, 0xff, 0xff, 0x7f), 0);
    assert_int_equal(mmio_store_value(&in, gpr), 0x7FFFFFFEull);
    assert_int_equal(DECODE(64, &in, NULL, 0xc7, 0x07, 0xef, 0xbe, 0xad, 0xde), 0);
    assert_int_equal(mmio_store_value(&in, gpr), 0xDEADBEEFull);
    assert_int_equal(DECODE(64, &in, NULL, 0x66, 0xc7, 0x07, 0xfe, 0xff), 0);
    assert_int_equal(mmio_store_value(&in, gpr), 0xFFFEull);
    assert_int_equal(DECODE(16, &in, NULL, 0xc7, 0x07, 0x34, 0x12), 0);
    assert_int_equal(mmio_store_value(&in, gpr), 0x1234ull);
    assert_int_equal(DECODE(64, &in, NULL, 0xc6, 0x07, 0x80), 0);
    assert_int_equal(mmio_store_value(&in, gpr), 0x80ull);
    /* a store never changes registers */
    mmio_load_result(&in, gpr, ~0ull);
    assert_memory_equal(gpr, before, sizeof(gpr));
}

/* ---- fuzzing ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void)
{
    uint64_t x = rng_state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng_state = x;
    return x;
}

static const unsigned modes[3] = { 16, 32, 64 };

static void check_one(const uint8_t *src, size_t len, unsigned mode, unsigned *accepted)
{
    uint8_t *buf = malloc(len ? len : 1);
    struct mmio_insn in, again;
    const char *why = NULL;
    uint64_t gpr[16];
    int rc;

    assert_non_null(buf);
    memcpy(buf, src, len);
    rc = mmio_decode(buf, len, mode, &in, &why);
    if (rc != MMIO_DECODE_OK) {
        free(buf);
        assert_true(rc == MMIO_DECODE_UNSUPPORTED || rc == MMIO_DECODE_NEED_MORE);
        assert_non_null(why);
        if (rc == MMIO_DECODE_NEED_MORE)
            assert_true(len < MMIO_INSN_MAX_LEN);
        return;
    }
    (*accepted)++;
    assert_true(in.length >= 2);        /* opcode + ModRM or moffs */
    assert_true(in.length <= len);
    assert_true(in.length <= MMIO_INSN_MAX_LEN);
    assert_true(in.size == 1 || in.size == 2 || in.size == 4 || in.size == 8);
    assert_true(in.dest_size >= in.size && in.dest_size <= 8);
    assert_true(in.reg < 16);
    assert_true(!in.high_byte_reg || (in.reg < 4 && in.size == 1));
    assert_true(in.addr_size == 2 || in.addr_size == 4 || in.addr_size == 8);
    assert_true(in.op != MMIO_STORE_IMM || (in.imm & ~((in.size == 8) ? ~0ull : (1ull << (8 * in.size)) - 1)) == 0);

    /* The same instruction from exactly its own bytes... */
    assert_int_equal(mmio_decode(buf, in.length, mode, &again, NULL), 0);
    assert_memory_equal(&in, &again, sizeof(in));
    /* ...and any shorter fetch asks for more. */
    for (unsigned k = 0; k < in.length; k++)
        assert_int_equal(mmio_decode(buf, k, mode, &again, NULL), MMIO_DECODE_NEED_MORE);

    for (unsigned i = 0; i < 16; i++)
        gpr[i] = rng();
    (void)mmio_store_value(&in, gpr);
    mmio_load_result(&in, gpr, rng());
    free(buf);
}

/* Uniformly random bytes, random length 0..16, every mode. */
static void test_fuzz_random(void **state)
{
    unsigned accepted = 0;

    (void)state;
    for (unsigned iter = 0; iter < 300000; iter++) {
        uint8_t b[16];
        size_t len = (size_t)(rng() % 17);

        for (unsigned i = 0; i < sizeof(b); i++)
            b[i] = (uint8_t)rng();
        check_one(b, len, modes[iter % 3], &accepted);
    }
    assert_true(accepted > 1000);
}

/* Prefixes and opcodes the decoder knows, followed by random bytes, so that
 * most strings decode and every ModRM/SIB/disp/imm path is taken. */
static void test_fuzz_structured(void **state)
{
    static const uint8_t prefixes[] = {
        0x66, 0x67, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0xf2, 0xf3, 0xf0,
        0x40, 0x41, 0x44, 0x48, 0x4c, 0x4f,
    };
    static const uint8_t opcodes[] = {
        0x88, 0x89, 0x8a, 0x8b, 0xc6, 0xc7, 0xa0, 0xa1, 0xa2, 0xa3, 0x63, 0x0f, 0x0f,
    };
    static const uint8_t opcodes_0f[] = { 0xb6, 0xb7, 0xbe, 0xbf, 0xc3, 0xb8, 0x0b };
    unsigned accepted = 0;

    (void)state;
    for (unsigned iter = 0; iter < 300000; iter++) {
        uint8_t b[16];
        unsigned n = 0, np = (unsigned)(rng() % 6);
        size_t len;

        for (unsigned i = 0; i < np; i++)
            b[n++] = prefixes[rng() % sizeof(prefixes)];
        b[n++] = opcodes[rng() % sizeof(opcodes)];
        if (b[n - 1] == 0x0f)
            b[n++] = opcodes_0f[rng() % sizeof(opcodes_0f)];
        while (n < sizeof(b))
            b[n++] = (uint8_t)rng();
        len = (rng() % 4) ? 15 : (size_t)(rng() % 17);
        check_one(b, len, modes[rng() % 3], &accepted);
    }
    assert_true(accepted > 50000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_truncated_encodings),
        cmocka_unit_test(test_address_and_operand_size),
        cmocka_unit_test(test_rex_placement),
        cmocka_unit_test(test_length_limit),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_load_merge_mov),
        cmocka_unit_test(test_load_merge_extend),
        cmocka_unit_test(test_store_values),
        cmocka_unit_test(test_fuzz_random),
        cmocka_unit_test(test_fuzz_structured),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
