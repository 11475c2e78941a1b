/* SPDX-License-Identifier: BSD-2-Clause */
/* VMX architectural constants: capability MSR layouts, execution controls,
 * exit reasons and exit-information formats (SDM Vol. 3C ch. 25-28, Vol. 3D App. A, C). */
#ifndef KEEL_VMX_VMX_DEFS_H
#define KEEL_VMX_VMX_DEFS_H

/* IA32_VMX_BASIC (App. A.1) */
#define VMX_BASIC_REVISION(v)       ((uint32_t)(v) & 0x7fffffffu)
#define VMX_BASIC_REGION_SIZE(v)    ((uint32_t)((v) >> 32) & 0x1fffu)
#define VMX_BASIC_ADDR32            (1ull << 48)
#define VMX_BASIC_MEMTYPE(v)        ((unsigned)((v) >> 50) & 0xfu)
#define VMX_BASIC_INS_OUTS_INFO     (1ull << 54)
#define VMX_BASIC_TRUE_CTLS         (1ull << 55)
#define VMX_MEMTYPE_WB              6

/* IA32_VMX_MISC (App. A.6) */
#define VMX_MISC_STORES_LMA         (1ull << 5)
#define VMX_MISC_ACTIVITY_HLT       (1ull << 6)

/* Pin-based VM-execution controls (25.6.1) */
#define PIN_EXTINT_EXITING          (1u << 0)
#define PIN_NMI_EXITING             (1u << 3)
#define PIN_VIRTUAL_NMIS            (1u << 5)
#define PIN_PREEMPTION_TIMER        (1u << 6)

/* Primary processor-based VM-execution controls (25.6.2, Table 25-6) */
#define PROC_INTR_WINDOW_EXITING    (1u << 2)
#define PROC_TSC_OFFSETTING         (1u << 3)
#define PROC_HLT_EXITING            (1u << 7)
#define PROC_INVLPG_EXITING         (1u << 9)
#define PROC_MWAIT_EXITING          (1u << 10)
#define PROC_RDPMC_EXITING          (1u << 11)
#define PROC_RDTSC_EXITING          (1u << 12)
#define PROC_CR3_LOAD_EXITING       (1u << 15)
#define PROC_CR3_STORE_EXITING      (1u << 16)
#define PROC_CR8_LOAD_EXITING       (1u << 19)
#define PROC_CR8_STORE_EXITING      (1u << 20)
#define PROC_TPR_SHADOW             (1u << 21)
#define PROC_NMI_WINDOW_EXITING     (1u << 22)
#define PROC_MOV_DR_EXITING         (1u << 23)
#define PROC_UNCOND_IO_EXITING      (1u << 24)
#define PROC_USE_IO_BITMAPS         (1u << 25)
#define PROC_MONITOR_TRAP_FLAG      (1u << 27)
#define PROC_USE_MSR_BITMAPS        (1u << 28)
#define PROC_MONITOR_EXITING        (1u << 29)
#define PROC_PAUSE_EXITING          (1u << 30)
#define PROC_SECONDARY_CONTROLS     (1u << 31)

/* Secondary processor-based VM-execution controls (25.6.2, Table 25-7) */
#define PROC2_VIRTUALIZE_APIC       (1u << 0)
#define PROC2_ENABLE_EPT            (1u << 1)
#define PROC2_DESC_TABLE_EXITING    (1u << 2)
#define PROC2_ENABLE_RDTSCP         (1u << 3)
#define PROC2_ENABLE_VPID           (1u << 5)
#define PROC2_WBINVD_EXITING        (1u << 6)
#define PROC2_UNRESTRICTED_GUEST    (1u << 7)
#define PROC2_RDRAND_EXITING        (1u << 11)
#define PROC2_ENABLE_INVPCID        (1u << 12)
#define PROC2_RDSEED_EXITING        (1u << 16)
#define PROC2_ENABLE_XSAVES         (1u << 20)

/* VM-exit controls (25.7.1, Table 25-13) */
#define EXIT_SAVE_DEBUG_CONTROLS    (1u << 2)
#define EXIT_HOST_ADDR_SPACE_SIZE   (1u << 9)
#define EXIT_ACK_INTR_ON_EXIT       (1u << 15)
#define EXIT_SAVE_IA32_PAT          (1u << 18)
#define EXIT_LOAD_IA32_PAT          (1u << 19)
#define EXIT_SAVE_IA32_EFER         (1u << 20)
#define EXIT_LOAD_IA32_EFER         (1u << 21)
#define EXIT_SAVE_PREEMPTION_TIMER  (1u << 22)

/* VM-entry controls (25.8.1, Table 25-15) */
#define ENTRY_LOAD_DEBUG_CONTROLS   (1u << 2)
#define ENTRY_IA32E_MODE_GUEST      (1u << 9)
#define ENTRY_LOAD_IA32_PAT         (1u << 14)
#define ENTRY_LOAD_IA32_EFER        (1u << 15)

/* IA32_VMX_EPT_VPID_CAP (App. A.10) */
#define EPT_CAP_WALK_4              (1ull << 6)
#define EPT_CAP_MEMTYPE_WB          (1ull << 14)
#define EPT_CAP_2M_PAGES            (1ull << 16)
#define EPT_CAP_INVEPT              (1ull << 20)
#define EPT_CAP_INVEPT_SINGLE       (1ull << 25)
#define EPT_CAP_INVEPT_ALL          (1ull << 26)
#define VPID_CAP_INVVPID            (1ull << 32)
#define VPID_CAP_INVVPID_SINGLE     (1ull << 41)
#define VPID_CAP_INVVPID_ALL        (1ull << 42)

/* Basic exit reasons (App. C, Table C-1) */
enum vmx_exit_reason {
    EXIT_EXCEPTION_NMI = 0,
    EXIT_EXTERNAL_INTERRUPT = 1,
    EXIT_TRIPLE_FAULT = 2,
    EXIT_INIT = 3,
    EXIT_SIPI = 4,
    EXIT_IO_SMI = 5,
    EXIT_OTHER_SMI = 6,
    EXIT_INTERRUPT_WINDOW = 7,
    EXIT_NMI_WINDOW = 8,
    EXIT_TASK_SWITCH = 9,
    EXIT_CPUID = 10,
    EXIT_GETSEC = 11,
    EXIT_HLT = 12,
    EXIT_INVD = 13,
    EXIT_INVLPG = 14,
    EXIT_RDPMC = 15,
    EXIT_RDTSC = 16,
    EXIT_RSM = 17,
    EXIT_VMCALL = 18,
    EXIT_VMCLEAR = 19,
    EXIT_VMLAUNCH = 20,
    EXIT_VMPTRLD = 21,
    EXIT_VMPTRST = 22,
    EXIT_VMREAD = 23,
    EXIT_VMRESUME = 24,
    EXIT_VMWRITE = 25,
    EXIT_VMXOFF = 26,
    EXIT_VMXON = 27,
    EXIT_CR_ACCESS = 28,
    EXIT_MOV_DR = 29,
    EXIT_IO_INSTRUCTION = 30,
    EXIT_RDMSR = 31,
    EXIT_WRMSR = 32,
    EXIT_INVALID_GUEST_STATE = 33,
    EXIT_MSR_LOADING = 34,
    EXIT_MWAIT = 36,
    EXIT_MONITOR_TRAP_FLAG = 37,
    EXIT_MONITOR = 39,
    EXIT_PAUSE = 40,
    EXIT_MACHINE_CHECK = 41,
    EXIT_TPR_BELOW_THRESHOLD = 43,
    EXIT_APIC_ACCESS = 44,
    EXIT_VIRTUALIZED_EOI = 45,
    EXIT_GDTR_IDTR = 46,
    EXIT_LDTR_TR = 47,
    EXIT_EPT_VIOLATION = 48,
    EXIT_EPT_MISCONFIG = 49,
    EXIT_INVEPT = 50,
    EXIT_RDTSCP = 51,
    EXIT_PREEMPTION_TIMER = 52,
    EXIT_INVVPID = 53,
    EXIT_WBINVD = 54,
    EXIT_XSETBV = 55,
    EXIT_APIC_WRITE = 56,
    EXIT_RDRAND = 57,
    EXIT_INVPCID = 58,
    EXIT_VMFUNC = 59,
    EXIT_ENCLS = 60,
    EXIT_RDSEED = 61,
    EXIT_PML_FULL = 62,
    EXIT_XSAVES = 63,
    EXIT_XRSTORS = 64,
    EXIT_UMWAIT = 67,
    EXIT_TPAUSE = 68,
    EXIT_REASON_COUNT = 70,
};
#define EXIT_REASON_BASIC(r)        ((r) & 0xffffu)
#define EXIT_REASON_ENTRY_FAILURE   (1u << 31)

/* Exit qualification for I/O instructions (28.2.1, Table 28-5) */
#define IO_QUAL_SIZE(q)             ((unsigned)((q) & 7) + 1)
#define IO_QUAL_IN                  (1u << 3)
#define IO_QUAL_STRING              (1u << 4)
#define IO_QUAL_REP                 (1u << 5)
#define IO_QUAL_PORT(q)             ((uint16_t)((q) >> 16))

/* Exit qualification for control-register accesses (28.2.1, Table 28-3) */
#define CR_QUAL_NUM(q)              ((unsigned)(q) & 0xf)
#define CR_QUAL_TYPE(q)             ((unsigned)((q) >> 4) & 3)
#define   CR_TYPE_MOV_TO            0
#define   CR_TYPE_MOV_FROM          1
#define   CR_TYPE_CLTS              2
#define   CR_TYPE_LMSW              3
#define CR_QUAL_GPR(q)              ((unsigned)((q) >> 8) & 0xf)
#define CR_QUAL_LMSW_DATA(q)        ((uint16_t)((q) >> 16))

/* Exit qualification for EPT violations (28.2.1, Table 28-7) */
#define EPT_QUAL_READ               (1u << 0)
#define EPT_QUAL_WRITE              (1u << 1)
#define EPT_QUAL_FETCH              (1u << 2)

/* VM-entry / VM-exit interruption information (25.8.3, 25.9.2) */
#define INTR_INFO_VECTOR(i)         ((i) & 0xffu)
#define INTR_INFO_TYPE(i)           (((i) >> 8) & 7u)
#define INTR_TYPE_EXT_INTR          (0u << 8)
#define INTR_TYPE_NMI               (2u << 8)
#define INTR_TYPE_HW_EXCEPTION      (3u << 8)
#define INTR_TYPE_SW_EXCEPTION      (6u << 8)
#define INTR_INFO_DELIVER_ERROR     (1u << 11)
#define INTR_INFO_VALID             (1u << 31)

/* Guest interruptibility state (25.4.2, Table 25-3) */
#define INTERRUPTIBILITY_STI        (1u << 0)
#define INTERRUPTIBILITY_MOV_SS     (1u << 1)
#define INTERRUPTIBILITY_NMI        (1u << 3)

/* Guest activity states (25.4.2) */
#define ACTIVITY_ACTIVE             0
#define ACTIVITY_HLT                1

/* Segment access-rights format in the VMCS (25.4.1, Table 25-2) */
#define AR_TYPE_DATA_RW_ACCESSED    0x3
#define AR_TYPE_CODE_RX_ACCESSED    0xb
#define AR_TYPE_TSS32_BUSY          0xb
#define AR_TYPE_LDT                 0x2
#define AR_S                        (1u << 4)
#define AR_PRESENT                  (1u << 7)
#define AR_L                        (1u << 13)
#define AR_DB                       (1u << 14)
#define AR_G                        (1u << 15)
#define AR_UNUSABLE                 (1u << 16)

#endif
