/* SPDX-License-Identifier: BSD-2-Clause */
/* VMCS component encodings, sorted by encoding (SDM Vol. 3D, Appendix B). */
#ifndef KEEL_VMX_VMCS_FIELDS_H
#define KEEL_VMX_VMCS_FIELDS_H

/* B.1.1 16-bit control fields */
#define VMCS_VPID                       0x0000
/* B.1.2 16-bit guest-state fields */
#define VMCS_GUEST_ES_SEL               0x0800
#define VMCS_GUEST_CS_SEL               0x0802
#define VMCS_GUEST_SS_SEL               0x0804
#define VMCS_GUEST_DS_SEL               0x0806
#define VMCS_GUEST_FS_SEL               0x0808
#define VMCS_GUEST_GS_SEL               0x080a
#define VMCS_GUEST_LDTR_SEL             0x080c
#define VMCS_GUEST_TR_SEL               0x080e
/* B.1.3 16-bit host-state fields */
#define VMCS_HOST_ES_SEL                0x0c00
#define VMCS_HOST_CS_SEL                0x0c02
#define VMCS_HOST_SS_SEL                0x0c04
#define VMCS_HOST_DS_SEL                0x0c06
#define VMCS_HOST_FS_SEL                0x0c08
#define VMCS_HOST_GS_SEL                0x0c0a
#define VMCS_HOST_TR_SEL                0x0c0c
/* B.2.1 64-bit control fields */
#define VMCS_IO_BITMAP_A                0x2000
#define VMCS_IO_BITMAP_B                0x2002
#define VMCS_MSR_BITMAP                 0x2004
#define VMCS_EXIT_MSR_STORE_ADDR        0x2006
#define VMCS_EXIT_MSR_LOAD_ADDR         0x2008
#define VMCS_ENTRY_MSR_LOAD_ADDR        0x200a
#define VMCS_TSC_OFFSET                 0x2010
#define VMCS_EPT_POINTER                0x201a
/* B.2.2 64-bit read-only data fields */
#define VMCS_GUEST_PHYSICAL_ADDRESS     0x2400
/* B.2.3 64-bit guest-state fields */
#define VMCS_LINK_POINTER               0x2800
#define VMCS_GUEST_IA32_DEBUGCTL        0x2802
#define VMCS_GUEST_IA32_PAT             0x2804
#define VMCS_GUEST_IA32_EFER            0x2806
#define VMCS_GUEST_PDPTE0               0x280a
#define VMCS_GUEST_PDPTE1               0x280c
#define VMCS_GUEST_PDPTE2               0x280e
#define VMCS_GUEST_PDPTE3               0x2810
/* B.2.4 64-bit host-state fields */
#define VMCS_HOST_IA32_PAT              0x2c00
#define VMCS_HOST_IA32_EFER             0x2c02
/* B.3.1 32-bit control fields */
#define VMCS_PIN_CONTROLS               0x4000
#define VMCS_PROC_CONTROLS              0x4002
#define VMCS_EXCEPTION_BITMAP           0x4004
#define VMCS_PF_ERROR_MASK              0x4006
#define VMCS_PF_ERROR_MATCH             0x4008
#define VMCS_CR3_TARGET_COUNT           0x400a
#define VMCS_EXIT_CONTROLS              0x400c
#define VMCS_EXIT_MSR_STORE_COUNT       0x400e
#define VMCS_EXIT_MSR_LOAD_COUNT        0x4010
#define VMCS_ENTRY_CONTROLS             0x4012
#define VMCS_ENTRY_MSR_LOAD_COUNT       0x4014
#define VMCS_ENTRY_INTR_INFO            0x4016
#define VMCS_ENTRY_EXCEPTION_ERROR      0x4018
#define VMCS_ENTRY_INSTRUCTION_LEN      0x401a
#define VMCS_TPR_THRESHOLD              0x401c
#define VMCS_PROC_CONTROLS2             0x401e
/* B.3.2 32-bit read-only data fields */
#define VMCS_INSTRUCTION_ERROR          0x4400
#define VMCS_EXIT_REASON                0x4402
#define VMCS_EXIT_INTR_INFO             0x4404
#define VMCS_EXIT_INTR_ERROR            0x4406
#define VMCS_IDT_VECTORING_INFO         0x4408
#define VMCS_IDT_VECTORING_ERROR        0x440a
#define VMCS_EXIT_INSTRUCTION_LEN       0x440c
#define VMCS_EXIT_INSTRUCTION_INFO      0x440e
/* B.3.3 32-bit guest-state fields */
#define VMCS_GUEST_ES_LIMIT             0x4800
#define VMCS_GUEST_CS_LIMIT             0x4802
#define VMCS_GUEST_SS_LIMIT             0x4804
#define VMCS_GUEST_DS_LIMIT             0x4806
#define VMCS_GUEST_FS_LIMIT             0x4808
#define VMCS_GUEST_GS_LIMIT             0x480a
#define VMCS_GUEST_LDTR_LIMIT           0x480c
#define VMCS_GUEST_TR_LIMIT             0x480e
#define VMCS_GUEST_GDTR_LIMIT           0x4810
#define VMCS_GUEST_IDTR_LIMIT           0x4812
#define VMCS_GUEST_ES_AR                0x4814
#define VMCS_GUEST_CS_AR                0x4816
#define VMCS_GUEST_SS_AR                0x4818
#define VMCS_GUEST_DS_AR                0x481a
#define VMCS_GUEST_FS_AR                0x481c
#define VMCS_GUEST_GS_AR                0x481e
#define VMCS_GUEST_LDTR_AR              0x4820
#define VMCS_GUEST_TR_AR                0x4822
#define VMCS_GUEST_INTERRUPTIBILITY     0x4824
#define VMCS_GUEST_ACTIVITY_STATE       0x4826
#define VMCS_PREEMPTION_TIMER_VALUE     0x482e
#define VMCS_GUEST_SYSENTER_CS          0x482a
/* B.3.4 32-bit host-state field */
#define VMCS_HOST_SYSENTER_CS           0x4c00
/* B.4.1 natural-width control fields */
#define VMCS_CR0_MASK                   0x6000
#define VMCS_CR4_MASK                   0x6002
#define VMCS_CR0_READ_SHADOW            0x6004
#define VMCS_CR4_READ_SHADOW            0x6006
/* B.4.2 natural-width read-only data fields */
#define VMCS_EXIT_QUALIFICATION         0x6400
#define VMCS_GUEST_LINEAR_ADDRESS       0x640a
/* B.4.3 natural-width guest-state fields */
#define VMCS_GUEST_CR0                  0x6800
#define VMCS_GUEST_CR3                  0x6802
#define VMCS_GUEST_CR4                  0x6804
#define VMCS_GUEST_ES_BASE              0x6806
#define VMCS_GUEST_CS_BASE              0x6808
#define VMCS_GUEST_SS_BASE              0x680a
#define VMCS_GUEST_DS_BASE              0x680c
#define VMCS_GUEST_FS_BASE              0x680e
#define VMCS_GUEST_GS_BASE              0x6810
#define VMCS_GUEST_LDTR_BASE            0x6812
#define VMCS_GUEST_TR_BASE              0x6814
#define VMCS_GUEST_GDTR_BASE            0x6816
#define VMCS_GUEST_IDTR_BASE            0x6818
#define VMCS_GUEST_DR7                  0x681a
#define VMCS_GUEST_RSP                  0x681c
#define VMCS_GUEST_RIP                  0x681e
#define VMCS_GUEST_RFLAGS               0x6820
#define VMCS_GUEST_PENDING_DBG          0x6822
#define VMCS_GUEST_SYSENTER_ESP         0x6824
#define VMCS_GUEST_SYSENTER_EIP         0x6826
/* B.4.4 natural-width host-state fields */
#define VMCS_HOST_CR0                   0x6c00
#define VMCS_HOST_CR3                   0x6c02
#define VMCS_HOST_CR4                   0x6c04
#define VMCS_HOST_FS_BASE               0x6c06
#define VMCS_HOST_GS_BASE               0x6c08
#define VMCS_HOST_TR_BASE               0x6c0a
#define VMCS_HOST_GDTR_BASE             0x6c0c
#define VMCS_HOST_IDTR_BASE             0x6c0e
#define VMCS_HOST_SYSENTER_ESP          0x6c10
#define VMCS_HOST_SYSENTER_EIP          0x6c12
#define VMCS_HOST_RSP                   0x6c14
#define VMCS_HOST_RIP                   0x6c16

#endif
