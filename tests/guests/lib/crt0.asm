; SPDX-License-Identifier: BSD-2-Clause
; crt0.asm — Multiboot v1 header and 32-bit entry for the 64-bit guests: builds an
; identity map, enters long mode, installs the IDT, then calls guest_main(magic, mbi).
; Assembled with -DAOUT_KLUDGE for the flat-binary guests (header fields, flags bit 16).

MB_MAGIC        equ 0x1BADB002
MB_PAGE_ALIGN   equ 1 << 0          ; ask for page-aligned modules (cmdline test checks it)
MB_MEMINFO      equ 1 << 1          ; ask for mem_lower/upper and the memory map
%ifdef AOUT_KLUDGE
MB_FLAGS        equ MB_PAGE_ALIGN | MB_MEMINFO | (1 << 16)
%else
MB_FLAGS        equ MB_PAGE_ALIGN | MB_MEMINFO
%endif

CR0_PE          equ 1 << 0
CR0_PG          equ 1 << 31
CR4_PAE         equ 1 << 5
EFER_MSR        equ 0xC0000080
EFER_LME        equ 1 << 8

SEL_CODE64      equ 0x08
SEL_DATA        equ 0x10

PDE_2M          equ 0x83            ; present | writable | page size (2 MiB)
PT_LINK         equ 0x03            ; present | writable
MAP_GIB         equ 4               ; identity map 4 GiB so GPAs past 1 GiB (outside test) are reachable

extern __load_end, __bss_end
extern __image_start
extern guest_main, idt_init, guest_returned

global _start, boot_magic, boot_mbi, boot_cr0, boot_cr4, boot_pml4

section .multiboot progbits alloc noexec nowrite align=4
mb_header:
    dd MB_MAGIC
    dd MB_FLAGS
    dd (-(MB_MAGIC + MB_FLAGS)) & 0xFFFFFFFF
%ifdef AOUT_KLUDGE
    dd mb_header                    ; header_addr
    dd __image_start                ; load_addr: image starts at 1 MiB with this header
    dd __load_end                   ; load_end_addr: end of .data
    dd __bss_end                    ; bss_end_addr: loader must zero up to here
    dd _start                       ; entry_addr
%endif

section .text.boot progbits alloc exec nowrite align=16
bits 32
_start:
    cli
    cld
    ; Multiboot leaves GDTR/IDTR/ESP undefined: keep the boot values in memory first.
    mov [boot_magic], eax
    mov [boot_mbi], ebx
    lgdt [gdt_ptr]
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, boot_stack_top

    ; Page tables live in .bss; clear them explicitly rather than trusting the loader.
    mov edi, boot_pml4
    xor eax, eax
    mov ecx, (4096 * (2 + MAP_GIB)) / 4
    rep stosd

    mov dword [boot_pml4], boot_pdpt + PT_LINK
    xor ecx, ecx
.pdpt:
    mov eax, ecx
    shl eax, 12
    add eax, boot_pd + PT_LINK
    mov [boot_pdpt + ecx * 8], eax
    inc ecx
    cmp ecx, MAP_GIB
    jb .pdpt

    xor ecx, ecx
.pd:
    mov eax, ecx
    shl eax, 21                     ; entry i maps i * 2 MiB (fits 32 bits below 4 GiB)
    or eax, PDE_2M
    mov [boot_pd + ecx * 8], eax
    inc ecx
    cmp ecx, 512 * MAP_GIB
    jb .pd

    mov eax, boot_pml4
    mov cr3, eax
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov [boot_cr4], eax             ; longmode test compares CR4 with what was written
    mov ecx, EFER_MSR
    rdmsr
    or eax, EFER_LME
    wrmsr
    mov eax, cr0
    or eax, CR0_PG | CR0_PE
    mov cr0, eax                    ; now in compatibility mode (EFER.LMA=1)
    mov [boot_cr0], eax
    jmp SEL_CODE64:long_entry

bits 64
long_entry:
    lgdt [gdt_ptr]                  ; reload so the full 64-bit base is defined
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    mov rsp, boot_stack_top
    xor ebp, ebp
    call idt_init
    mov edi, [boot_magic]           ; 32-bit loads zero-extend: upper halves were undefined
    mov esi, [boot_mbi]
    call guest_main
    call guest_returned             ; does not return
.hang:
    cli
    hlt
    jmp .hang

section .rodata progbits alloc noexec nowrite align=16
gdt:
    dq 0
    dq 0x00AF9A000000FFFF           ; 0x08: 64-bit code, DPL 0
    dq 0x00CF92000000FFFF           ; 0x10: flat data
gdt_end:
gdt_ptr:
    dw gdt_end - gdt - 1
    dq gdt                          ; 32-bit LGDT reads 4 bytes of base, 64-bit reads 8

section .data progbits alloc noexec write align=4
boot_magic: dd 0
boot_mbi:   dd 0
boot_cr0:   dd 0
boot_cr4:   dd 0

section .bss nobits alloc noexec write align=4096
boot_pml4:  resb 4096
boot_pdpt:  resb 4096
boot_pd:    resb 4096 * MAP_GIB
boot_stack: resb 32768
boot_stack_top:
