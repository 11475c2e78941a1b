/* SPDX-License-Identifier: BSD-2-Clause */
/* Model-specific register numbers Keel uses, sorted by index (SDM Vol. 4, ch. 2). */
#ifndef KEEL_VMX_MSR_INDEX_H
#define KEEL_VMX_MSR_INDEX_H

#define MSR_IA32_P5_MC_ADDR           0x00000000
#define MSR_IA32_TSC                  0x00000010
#define MSR_IA32_PLATFORM_ID          0x00000017
#define MSR_IA32_APIC_BASE            0x0000001b
#define MSR_IA32_FEATURE_CONTROL      0x0000003a
#define   FEATURE_CONTROL_LOCK            (1ull << 0)
#define   FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)
#define MSR_IA32_SPEC_CTRL            0x00000048
#define MSR_IA32_BIOS_SIGN_ID         0x0000008b
#define MSR_IA32_MTRRCAP              0x000000fe
#define MSR_IA32_SYSENTER_CS          0x00000174
#define MSR_IA32_SYSENTER_ESP         0x00000175
#define MSR_IA32_SYSENTER_EIP         0x00000176
#define MSR_IA32_MCG_CAP              0x00000179
#define MSR_IA32_MISC_ENABLE          0x000001a0
#define   MISC_ENABLE_FAST_STRINGS        (1ull << 0)
#define MSR_IA32_PAT                  0x00000277
#define MSR_IA32_VMX_BASIC            0x00000480
#define MSR_IA32_VMX_PINBASED_CTLS    0x00000481
#define MSR_IA32_VMX_PROCBASED_CTLS   0x00000482
#define MSR_IA32_VMX_EXIT_CTLS        0x00000483
#define MSR_IA32_VMX_ENTRY_CTLS       0x00000484
#define MSR_IA32_VMX_MISC             0x00000485
#define MSR_IA32_VMX_CR0_FIXED0       0x00000486
#define MSR_IA32_VMX_CR0_FIXED1       0x00000487
#define MSR_IA32_VMX_CR4_FIXED0       0x00000488
#define MSR_IA32_VMX_CR4_FIXED1       0x00000489
#define MSR_IA32_VMX_PROCBASED_CTLS2  0x0000048b
#define MSR_IA32_VMX_EPT_VPID_CAP     0x0000048c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS  0x0000048d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x0000048e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS   0x0000048f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS  0x00000490
#define MSR_IA32_EFER                 0xc0000080
#define   EFER_SCE                        (1ull << 0)
#define   EFER_LME                        (1ull << 8)
#define   EFER_LMA                        (1ull << 10)
#define   EFER_NXE                        (1ull << 11)
#define MSR_IA32_STAR                 0xc0000081
#define MSR_IA32_LSTAR                0xc0000082
#define MSR_IA32_CSTAR                0xc0000083
#define MSR_IA32_FMASK                0xc0000084
#define MSR_IA32_FS_BASE              0xc0000100
#define MSR_IA32_GS_BASE              0xc0000101
#define MSR_IA32_KERNEL_GS_BASE       0xc0000102
#define MSR_IA32_TSC_AUX              0xc0000103

#endif
