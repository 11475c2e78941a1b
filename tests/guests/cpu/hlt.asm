; SPDX-License-Identifier: BSD-2-Clause
; hlt.asm — test guest (pure 32-bit, no long mode, native ELF32): checks the Multiboot
; entry state (EAX magic, EBX info block, CR0.PE=1/PG=0, EFLAGS.IF=0), then executes
; CLI; HLT. Keel must end the VM with "halted with interrupts off"; running on is a FAIL.

bits 32

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 1 << 1          ; want mem_lower/upper (checked below)
COM1            equ 0x3F8
DEBUG_EXIT      equ 0xF4
FAIL_CODE       equ 0x11

section .text
align 4
mb_header:
    dd MB_MAGIC
    dd MB_FLAGS
    dd (-(MB_MAGIC + MB_FLAGS)) & 0xFFFFFFFF

global _start
_start:
    ; Only registers until the stack is ours: ESP is undefined at entry.
    mov esp, stack_top
    mov [entry_eax], eax
    mov [entry_ebx], ebx
    pushfd
    pop dword [entry_eflags]
    mov eax, cr0
    mov [entry_cr0], eax

    cmp dword [entry_eax], 0x2BADB002
    jne .bad_magic
    mov eax, [entry_cr0]
    test eax, 1                     ; PE
    jz .bad_cr0
    test eax, 0x80000000            ; PG
    jnz .bad_cr0
    test dword [entry_eflags], 1 << 9   ; IF
    jnz .bad_if
    test dword [entry_eflags], 1 << 17  ; VM (virtual-8086)
    jnz .bad_if
    mov ebx, [entry_ebx]            ; info block must be in low RAM and readable
    cmp ebx, 0x01000000
    jae .bad_mbi
    test dword [ebx], 1             ; flags.MEM: QEMU and Keel always provide it
    jz .bad_mbi

    mov esi, msg_ok
    call puts
    cli
    hlt
    ; HLT with IF=0 must end the VM; anything else reaches here.
    mov esi, msg_continued
    jmp fail

.bad_magic:
    mov esi, msg_magic
    mov eax, [entry_eax]
    jmp fail_hex
.bad_cr0:
    mov esi, msg_cr0
    mov eax, [entry_cr0]
    jmp fail_hex
.bad_if:
    mov esi, msg_eflags
    mov eax, [entry_eflags]
    jmp fail_hex
.bad_mbi:
    mov esi, msg_mbi
    mov eax, [entry_ebx]
    jmp fail_hex

; esi = message; eax = value to print after it.
fail_hex:
    push eax
    call puts
    pop eax
    call puthex
    mov esi, msg_nl
fail:
    call puts
    mov eax, FAIL_CODE
    out DEBUG_EXIT, eax
.hang:
    cli
    hlt
    jmp .hang

; puts: esi = NUL-terminated string. Clobbers eax, edx, esi.
puts:
.next:
    lodsb
    test al, al
    jz .done
    call putc
    jmp .next
.done:
    ret

; putc: al = byte. Waits for LSR.THRE (bounded), writes THR.
putc:
    push ecx
    mov ah, al
    mov ecx, 1000000
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x20
    jnz .ready
    loop .wait
.ready:
    mov al, ah
    mov dx, COM1
    out dx, al
    pop ecx
    ret

; puthex: eax = value, printed as 0x%08x.
puthex:
    push ebx
    push ecx
    mov ebx, eax
    mov al, '0'
    call putc
    mov al, 'x'
    call putc
    mov ecx, 8
.digit:
    rol ebx, 4
    mov al, bl
    and al, 0x0F
    add al, '0'
    cmp al, '9'
    jbe .emit
    add al, 'a' - '9' - 1
.emit:
    call putc
    loop .digit
    pop ecx
    pop ebx
    ret

section .rodata
msg_ok:         db "hlt: 32-bit entry state ok (magic, info block, CR0.PE=1 PG=0, IF=0); executing cli; hlt", 10, 0
msg_continued:  db "hlt: FAIL: execution continued after cli; hlt", 10, 0
msg_magic:      db "hlt: FAIL: EAX at entry is ", 0
msg_cr0:        db "hlt: FAIL: CR0 at entry (want PE=1, PG=0) is ", 0
msg_eflags:     db "hlt: FAIL: EFLAGS at entry (want IF=0, VM=0) is ", 0
msg_mbi:        db "hlt: FAIL: Multiboot info address (want below 16 MiB, flags.MEM set) is ", 0
msg_nl:         db 10, 0

section .bss
alignb 4
entry_eax:      resd 1
entry_ebx:      resd 1
entry_eflags:   resd 1
entry_cr0:      resd 1
alignb 16
stack:          resb 4096
stack_top:
