/* SPDX-License-Identifier: BSD-2-Clause */
/* Intel 82540EM (e1000) registers, bits, EEPROM words and legacy descriptors the host NIC driver uses. */
#ifndef KEEL_HW_E1000_H
#define KEEL_HW_E1000_H

#include <stdint.h>

/* Sources: Intel "PCI/PCI-X Family of Gigabit Ethernet Controllers Software
 * Developer's Manual" (8254x SDM, 317453-006): 3.2.3 receive descriptor
 * format, 3.3.3 legacy transmit descriptor format, ch. 5 EEPROM map, ch. 13
 * register descriptions (13.4.4 EERD), 14.3-14.5 initialization. Names
 * follow Linux drivers/net/ethernet/intel/e1000/e1000_hw.h (E1000_*), and
 * the behaviour of the two emulated 82540EMs Keel runs on (Bochs 2.7
 * iodev/network/e1000.cc, QEMU hw/net/e1000.c) was read from their code
 * (Keel's research note xen-netif.md, section 5). */

#define E1000_VENDOR_INTEL   0x8086
#define E1000_DEVICE_82540EM 0x100e  /* Bochs's and QEMU's "e1000" */
#define E1000_MMIO_BYTES     0x20000 /* BAR0: 128 KiB of registers, 32-bit access only */

/* Register offsets in BAR0 (SDM ch. 13), sorted. */
#define E1000_CTRL      0x00000 /* device control */
#define E1000_STATUS    0x00008 /* device status (read-only) */
#define E1000_EECD      0x00010 /* EEPROM/flash control: bit-banged access */
#define E1000_EERD      0x00014 /* EEPROM read: one word per command */
#define E1000_ICR       0x000c0 /* interrupt cause, read-to-clear */
#define E1000_IMS       0x000d0 /* interrupt mask set (writing 1s enables) */
#define E1000_IMC       0x000d8 /* interrupt mask clear (writing 1s disables) */
#define E1000_RCTL      0x00100 /* receive control */
#define E1000_TCTL      0x00400 /* transmit control */
#define E1000_TIPG      0x00410 /* transmit inter-packet gap */
#define E1000_RDBAL     0x02800 /* RX ring base, low 32 bits (16-byte aligned) */
#define E1000_RDBAH     0x02804
#define E1000_RDLEN     0x02808 /* RX ring bytes, a multiple of 128 */
#define E1000_RDH       0x02810 /* RX head: next descriptor the device fills */
#define E1000_RDT       0x02818 /* RX tail: the device owns RDH..RDT-1 */
#define E1000_TDBAL     0x03800 /* TX ring, same layout */
#define E1000_TDBAH     0x03804
#define E1000_TDLEN     0x03808
#define E1000_TDH       0x03810
#define E1000_TDT       0x03818
#define E1000_MTA       0x05200 /* multicast hash table, 128 dwords */
#define E1000_MTA_WORDS 128
#define E1000_RAL(n)    (0x05400 + 8 * (n)) /* receive address n, bytes 0-3 */
#define E1000_RAH(n)    (0x05404 + 8 * (n)) /* bytes 4-5, then AV */
#define E1000_RAH_AV    (1u << 31)          /* address valid: the filter uses it */

/* CTRL (SDM 13.4, Device Control). */
#define E1000_CTRL_LRST    (1u << 3)  /* link reset */
#define E1000_CTRL_ASDE    (1u << 5)  /* auto-speed detection */
#define E1000_CTRL_SLU     (1u << 6)  /* set link up */
#define E1000_CTRL_ILOS    (1u << 7)  /* invert loss-of-signal */
#define E1000_CTRL_RST     (1u << 26) /* device reset, self-clearing */
#define E1000_CTRL_VME     (1u << 30) /* VLAN mode: strip/insert 802.1Q tags */
#define E1000_CTRL_PHY_RST (1u << 31) /* hold the PHY in reset */

/* STATUS (SDM 13.4, Device Status). */
#define E1000_STATUS_FD (1u << 0) /* full duplex */
#define E1000_STATUS_LU (1u << 1) /* link up */

/* EERD on the 82540EM (SDM 13.4.4): START bit 0, DONE bit 4, word address
 * in 15:8, data in 31:16. Linux's E1000_EEPROM_RW_* (DONE bit 1, address
 * from bit 2) describe later parts; Linux bit-bangs EECD on this one. */
#define E1000_EERD_START      (1u << 0)
#define E1000_EERD_DONE       (1u << 4)
#define E1000_EERD_ADDR_SHIFT 8
#define E1000_EERD_DATA_SHIFT 16

/* EEPROM words (SDM ch. 5 "EEPROM address map"): the Ethernet address in
 * words 0-2, low byte first (word 0 = mac[1] << 8 | mac[0]); words
 * 0x00-0x3f sum to 0xbaba, word 0x3f being the checksum word. */
#define E1000_EEPROM_MAC_WORD      0x00
#define E1000_EEPROM_CHECKSUM_WORD 0x3f
#define E1000_EEPROM_SUM           0xbaba

/* Interrupt causes, shared by ICR/IMS/IMC (SDM 13.4, Interrupt Cause Read). */
#define E1000_ICR_TXDW   (1u << 0) /* a TX descriptor written back */
#define E1000_ICR_TXQE   (1u << 1) /* TX queue empty */
#define E1000_ICR_LSC    (1u << 2) /* link status change */
#define E1000_ICR_RXDMT0 (1u << 4) /* RX descriptors below threshold */
#define E1000_ICR_RXO    (1u << 6) /* RX overrun */
#define E1000_ICR_RXT0   (1u << 7) /* RX timer: frames received */
#define E1000_IMC_ALL    0xffffffffu

/* RCTL (SDM 13.4, Receive Control). */
#define E1000_RCTL_EN      (1u << 1)  /* receiver enable */
#define E1000_RCTL_SBP     (1u << 2)  /* store bad packets */
#define E1000_RCTL_UPE     (1u << 3)  /* unicast promiscuous */
#define E1000_RCTL_MPE     (1u << 4)  /* multicast promiscuous */
#define E1000_RCTL_LPE     (1u << 5)  /* long packets (> 1522 bytes) */
#define E1000_RCTL_BAM     (1u << 15) /* accept broadcast */
#define E1000_RCTL_SZ_MASK (3u << 16) /* buffer size; with BSEX clear: */
#define E1000_RCTL_SZ_2048 (0u << 16)
#define E1000_RCTL_VFE     (1u << 18) /* VLAN filter */
#define E1000_RCTL_BSEX    (1u << 25) /* buffer sizes x16 */
#define E1000_RCTL_SECRC   (1u << 26) /* strip the Ethernet CRC */

/* TCTL (SDM 13.4, Transmit Control). */
#define E1000_TCTL_EN         (1u << 1) /* transmitter enable */
#define E1000_TCTL_PSP        (1u << 3) /* pad short packets to 64 bytes */
#define E1000_TCTL_CT_SHIFT   4         /* collision threshold, 8 bits */
#define E1000_TCTL_COLD_SHIFT 12        /* collision distance, 10 bits */
#define E1000_TCTL_CT_DEFAULT 15        /* Linux E1000_COLLISION_THRESHOLD */
#define E1000_TCTL_COLD_FD    63        /* Linux E1000_COLLISION_DISTANCE (full duplex) */

/* TIPG (SDM 13.4, Transmit IPG): Linux's copper defaults for the 82540
 * (IPGT 8, IPGR1 8, IPGR2 6; DEFAULT_82543_TIPG_*). Both emulators ignore it. */
#define E1000_TIPG_COPPER (8u | 8u << 10 | 6u << 20)

/* Receive descriptor, legacy layout (SDM 3.2.3). */
struct e1000_rx_desc {
    uint64_t addr;   /* buffer bus address */
    uint16_t length; /* bytes written into this buffer */
    uint16_t csum;   /* packet checksum (RXCSUM; unused) */
    uint8_t status;
    uint8_t errors;   /* valid with EOP */
    uint16_t special; /* VLAN tag when CTRL.VME strips it */
};
_Static_assert(sizeof(struct e1000_rx_desc) == 16, "SDM 3.2.3: 16-byte RX descriptor");

#define E1000_RXD_STAT_DD   0x01 /* descriptor done: the device wrote it */
#define E1000_RXD_STAT_EOP  0x02 /* last descriptor of a frame */
#define E1000_RXD_STAT_IXSM 0x04 /* ignore checksum indications */
#define E1000_RXD_STAT_VP   0x08 /* 802.1Q frame, tag in special */
#define E1000_RXD_ERR_CE    0x01 /* CRC or alignment error */
#define E1000_RXD_ERR_SE    0x02 /* symbol error */
#define E1000_RXD_ERR_SEQ   0x04 /* sequence error */
#define E1000_RXD_ERR_CXE   0x10 /* carrier extension error */
#define E1000_RXD_ERR_TCPE  0x20 /* TCP/UDP checksum error */
#define E1000_RXD_ERR_IPE   0x40 /* IP checksum error */
#define E1000_RXD_ERR_RXE   0x80 /* RX data error */

/* Transmit descriptor, legacy layout (SDM 3.3.3). */
struct e1000_tx_desc {
    uint64_t addr;   /* buffer bus address */
    uint16_t length; /* bytes in this buffer */
    uint8_t cso;     /* checksum offset (with IC; ignored by both emulators) */
    uint8_t cmd;
    uint8_t status;   /* written back with RS */
    uint8_t css;      /* checksum start (with IC) */
    uint16_t special; /* VLAN tag (with VLE) */
};
_Static_assert(sizeof(struct e1000_tx_desc) == 16, "SDM 3.3.3: 16-byte TX descriptor");

#define E1000_TXD_CMD_EOP  0x01 /* last descriptor of a frame */
#define E1000_TXD_CMD_IFCS 0x02 /* append the Ethernet CRC */
#define E1000_TXD_CMD_IC   0x04 /* insert checksum at CSO */
#define E1000_TXD_CMD_RS   0x08 /* report status: write DD back */
#define E1000_TXD_CMD_DEXT 0x20 /* extended descriptor (0: legacy) */
#define E1000_TXD_CMD_VLE  0x40 /* insert the VLAN tag in special */
#define E1000_TXD_STAT_DD  0x01 /* descriptor done */

/* Ring geometry limits (SDM 3.2.6, 3.4): base 16-byte aligned, length a
 * multiple of 128 bytes (8 descriptors). */
#define E1000_RING_ALIGN    16
#define E1000_RING_LEN_UNIT 128

#endif
