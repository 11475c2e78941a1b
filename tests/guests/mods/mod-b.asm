; SPDX-License-Identifier: BSD-2-Clause
; mod-b.asm — Multiboot module for the cmdline test: exactly 3 bytes, "Kel".
    db 0x4B, 0x65, 0x6C
