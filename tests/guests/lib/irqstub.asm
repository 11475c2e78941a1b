; SPDX-License-Identifier: BSD-2-Clause
; irqstub.asm — 64-bit entry stubs for the external-interrupt vectors 32-255: each pushes
; a dummy error code and its vector, then irq_common saves the registers in the same
; struct trap_frame layout as isr.asm, calls irq_dispatch(frame) and returns with IRETQ.

bits 64
default rel

extern irq_dispatch
global irq_stub_table

IRQ_FIRST   equ 32
IRQ_LAST    equ 255

section .text

%macro IRQ_STUB 1
irq_stub_%1:
    push 0
    push %1
    jmp irq_common
%endmacro

%assign v IRQ_FIRST
%rep IRQ_LAST - IRQ_FIRST + 1
IRQ_STUB v
%assign v v + 1
%endrep

irq_common:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov rdi, rsp                    ; 22 words in all: RSP is 16-aligned for the call
    cld
    call irq_dispatch
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16                     ; vector and dummy error code
    iretq

section .rodata
align 8
irq_stub_table:                     ; entry i is the stub for vector IRQ_FIRST + i
%assign v IRQ_FIRST
%rep IRQ_LAST - IRQ_FIRST + 1
    dq irq_stub_%+v
%assign v v + 1
%endrep
