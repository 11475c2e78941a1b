; SPDX-License-Identifier: BSD-2-Clause
; Multiboot2 entry: GRUB hands over in 32-bit protected mode; build boot page
; tables identity-mapping the first 4 GiB, enter long mode, call the main
; named by HOST_MAIN (host/entry.h).
; Runs once, on the bootstrap processor, with interrupts off.

MB2_MAGIC       equ 0xe85250d6
MB2_ARCH_I386   equ 0
MB2_BOOT_MAGIC  equ 0x36d76289

CR0_PG          equ 1 << 31
CR4_PAE         equ 1 << 5
EFER_MSR        equ 0xc0000080
EFER_LME        equ 1 << 8
EFER_NXE        equ 1 << 11
PTE_P_W         equ 0x3
PTE_PS          equ 0x80

BOOT_STACK_SIZE equ 16384

section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
    dd MB2_MAGIC
    dd MB2_ARCH_I386
    dd mb2_header_end - mb2_header
    dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    ; end tag
    dw 0, 0
    dd 8
mb2_header_end:

section .text
bits 32
global _start
_start:
    cli
    mov esp, boot_stack_top
    mov edi, eax                ; keep the boot magic and info pointer for C
    mov esi, ebx

    ; PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages.
    mov eax, boot_pdpt
    or eax, PTE_P_W
    mov [boot_pml4], eax
    mov ecx, 0
.fill_pdpt:
    mov eax, ecx
    shl eax, 12
    add eax, boot_pd
    or eax, PTE_P_W
    mov [boot_pdpt + ecx * 8], eax
    inc ecx
    cmp ecx, 4
    jb .fill_pdpt
    mov ecx, 0
.fill_pd:
    mov eax, ecx
    shl eax, 21
    or eax, PTE_P_W | PTE_PS
    mov [boot_pd + ecx * 8], eax
    mov eax, ecx
    shr eax, 11                  ; high dword of the 2 MiB frame address
    mov [boot_pd + ecx * 8 + 4], eax
    inc ecx
    cmp ecx, 2048
    jb .fill_pd

    mov eax, boot_pml4
    mov cr3, eax
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov ecx, EFER_MSR
    rdmsr
    or eax, EFER_LME | EFER_NXE
    wrmsr
    mov eax, cr0
    or eax, CR0_PG
    mov cr0, eax
    lgdt [boot_gdt_ptr]
    jmp 0x08:long_mode

bits 64
long_mode:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    mov rsp, boot_stack_top
    ; rdi = boot magic, rsi = Multiboot2 info (zero-extended by the 32-bit moves)
    extern __host_main          ; host/entry.h: the main the top floor named
    call [rel __host_main]
.hang:
    cli
    hlt
    jmp .hang

section .rodata
align 8
boot_gdt:
    dq 0
    dq 0x00af9a000000ffff        ; 0x08: 64-bit code
    dq 0x00cf92000000ffff        ; 0x10: data
boot_gdt_end:
boot_gdt_ptr:
    dw boot_gdt_end - boot_gdt - 1
    dd boot_gdt

section .bss
align 4096
global boot_pml4
boot_pml4:  resb 4096
boot_pdpt:  resb 4096
boot_pd:    resb 4096 * 4
global boot_stack_top
boot_stack: resb BOOT_STACK_SIZE
boot_stack_top:
