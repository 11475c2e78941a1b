; SPDX-License-Identifier: BSD-2-Clause
; Application-processor start-up: real-mode code copied to AP_TRAMPOLINE
; (a SIPI vector's page), which enters protected mode, then long mode on the
; boot page tables, and jumps into Keel's text to call ap_main(index). Runs on
; each AP once, with interrupts off.

%include "asm_offsets.inc"

CR0_PE          equ 1
CR0_PG          equ 1 << 31
CR4_PAE         equ 1 << 5
EFER_MSR        equ 0xc0000080
EFER_LME        equ 1 << 8
EFER_NXE        equ 1 << 11

%define TRAMP(label) (AP_TRAMPOLINE + (label) - ap_trampoline)

extern boot_pml4
extern ap_main
extern ap_stacks

section .text
bits 16
global ap_trampoline
global ap_trampoline_end
ap_trampoline:
    cli
    cld
    xor ax, ax
    mov ds, ax
    lgdt [TRAMP(tramp_gdt_ptr)]
    mov eax, cr0
    or eax, CR0_PE
    mov cr0, eax
    jmp dword 0x08:TRAMP(tramp_pm32)

bits 32
tramp_pm32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, boot_pml4          ; identity map without NX: the trampoline page stays executable
    mov cr3, eax
    mov ecx, EFER_MSR
    rdmsr
    or eax, EFER_LME | EFER_NXE
    wrmsr
    mov eax, cr0
    or eax, CR0_PG
    mov cr0, eax
    jmp 0x18:ap_long_mode       ; into Keel's text

align 8
tramp_gdt:
    dq 0
    dq 0x00cf9a000000ffff       ; 0x08: 32-bit code
    dq 0x00cf92000000ffff       ; 0x10: data
    dq 0x00af9a000000ffff       ; 0x18: 64-bit code
tramp_gdt_ptr:
    dw tramp_gdt_ptr - tramp_gdt - 1
    dd TRAMP(tramp_gdt)
ap_trampoline_end:

bits 64
ap_long_mode:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    ; Take the next AP index; its stack is ap_stacks[index]. CPUs beyond
    ; what Keel keeps state for stop here, before touching any stack.
    mov eax, 1
    lock xadd [rel ap_next_index], eax
    cmp eax, MAX_PCPUS
    jae .hang
    mov edi, eax
    imul rax, rax, AP_STACK_SIZE
    lea rsp, [rel ap_stacks]
    add rsp, rax
    add rsp, AP_STACK_SIZE
    call ap_main
.hang:
    cli
    hlt
    jmp .hang

section .data
align 4
global ap_next_index
ap_next_index: dd 1
