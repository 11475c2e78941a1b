/* SPDX-License-Identifier: BSD-2-Clause */
/* Host CMocka tests for the i8259A PIC pair model (dev/pic.c), driven the way Linux 6.1's i8259.c drives it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>

#include "dev/irq.h"
#include "dev/pic.h"

static struct pic pic;

static void out(uint16_t port, uint8_t val)
{
    pic_io_write(&pic, port, val);
}

static uint8_t in(uint16_t port)
{
    return pic_io_read(&pic, port);
}

/* init_8259A(): mask, ICW1-ICW4 on both chips, then the masks. */
static void linux_init(uint8_t master_base, uint8_t slave_base, bool aeoi)
{
    out(PIC_MASTER_DATA, 0xff);
    out(PIC_SLAVE_DATA, 0xff);
    out(PIC_MASTER_CMD, 0x11);
    out(PIC_MASTER_DATA, master_base);
    out(PIC_MASTER_DATA, 1u << PIC_CASCADE_IRQ);
    out(PIC_MASTER_DATA, aeoi ? 0x03 : 0x01);
    out(PIC_SLAVE_CMD, 0x11);
    out(PIC_SLAVE_DATA, slave_base);
    out(PIC_SLAVE_DATA, PIC_CASCADE_IRQ);
    out(PIC_SLAVE_DATA, 0x01);
}

static void unmask_all(void)
{
    out(PIC_MASTER_DATA, 0x00);
    out(PIC_SLAVE_DATA, 0x00);
}

static uint8_t read_isr(uint16_t cmd)
{
    out(cmd, 0x0b);
    uint8_t v = in(cmd);
    out(cmd, 0x0a);
    return v;
}

static uint8_t read_irr(uint16_t cmd)
{
    out(cmd, 0x0a);
    return in(cmd);
}

static void pulse(unsigned irq)
{
    pic_set_irq(&pic, irq, true);
    pic_set_irq(&pic, irq, false);
}

static int setup(void **state)
{
    (void)state;
    pic_init(&pic);
    linux_init(0x20, 0x28, false);
    unmask_all();
    return 0;
}

static void test_reset_state(void **state)
{
    (void)state;
    pic_init(&pic);
    assert_int_equal(in(PIC_MASTER_DATA), 0xff);
    assert_int_equal(in(PIC_SLAVE_DATA), 0xff);
    assert_int_equal(in(PIC_ELCR_MASTER), 0);
    assert_int_equal(in(PIC_ELCR_SLAVE), 0);
    pulse(0);
    assert_false(pic_has_interrupt(&pic));          /* BIOS state: all masked */
    out(PIC_MASTER_DATA, 0xfe);
    assert_true(pic_has_interrupt(&pic));
    assert_int_equal(pic_acknowledge(&pic), 0x08);  /* BIOS vector base */
    pulse(8);
    out(PIC_MASTER_DATA, 0xfa);
    out(PIC_SLAVE_DATA, 0xfe);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    assert_int_equal(pic_acknowledge(&pic), 0x70);
}

static void test_linux_init_sequence(void **state)
{
    (void)state;
    pic_init(&pic);
    /* probe_8259A(): the IMR reads back what was written. */
    out(PIC_SLAVE_DATA, 0xff);
    out(PIC_MASTER_DATA, 0xfb);
    assert_int_equal(in(PIC_MASTER_DATA), 0xfb);

    out(PIC_MASTER_DATA, 0xff);
    out(PIC_MASTER_CMD, 0x11);
    assert_int_equal(in(PIC_MASTER_DATA), 0x00);    /* ICW1 clears the IMR */
    out(PIC_MASTER_DATA, 0x30);                     /* ISA_IRQ_VECTOR(0) in 6.1 */
    out(PIC_MASTER_DATA, 0x04);
    out(PIC_MASTER_DATA, 0x01);
    out(PIC_SLAVE_CMD, 0x11);
    out(PIC_SLAVE_DATA, 0x38);
    out(PIC_SLAVE_DATA, 0x02);
    out(PIC_SLAVE_DATA, 0x01);
    /* The masks land in the IMR now, not in an ICW. */
    out(PIC_MASTER_DATA, 0xfa);
    out(PIC_SLAVE_DATA, 0xff);
    assert_int_equal(in(PIC_MASTER_DATA), 0xfa);
    assert_int_equal(in(PIC_SLAVE_DATA), 0xff);

    pulse(0);
    assert_true(pic_has_interrupt(&pic));
    assert_int_equal(pic_acknowledge(&pic), 0x30);
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x01);
    out(PIC_MASTER_CMD, 0x60);                      /* specific EOI, IR0 */
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x00);
    assert_false(pic_has_interrupt(&pic));

    out(PIC_SLAVE_DATA, 0xfe);
    pulse(8);
    assert_true(pic_has_interrupt(&pic));
    assert_int_equal(pic_acknowledge(&pic), 0x38);

    /* The brief's classic bases. */
    setup(NULL);
    pulse(1);
    assert_int_equal(pic_acknowledge(&pic), 0x21);
    pulse(10);
    out(PIC_MASTER_CMD, 0x61);
    assert_int_equal(pic_acknowledge(&pic), 0x2a);
}

static void test_single_mode_skips_icw3(void **state)
{
    (void)state;
    pic_init(&pic);
    out(PIC_MASTER_CMD, 0x13);          /* SNGL, IC4 */
    out(PIC_MASTER_DATA, 0x40);
    out(PIC_MASTER_DATA, 0x01);         /* this is ICW4, not ICW3 */
    out(PIC_MASTER_DATA, 0x00);         /* OCW1 */
    assert_int_equal(in(PIC_MASTER_DATA), 0x00);
    /* No slave in single mode: the cascade input is an ordinary IR2 vector. */
    out(PIC_SLAVE_DATA, 0x00);
    pulse(9);
    assert_true(pic_has_interrupt(&pic));
    assert_int_equal(pic_acknowledge(&pic), 0x42);

    /* Without IC4 the sequence ends after ICW2 (and ICW3). */
    out(PIC_MASTER_CMD, 0x12);          /* SNGL, no ICW4 */
    out(PIC_MASTER_DATA, 0x50);
    out(PIC_MASTER_DATA, 0x5a);
    assert_int_equal(in(PIC_MASTER_DATA), 0x5a);
}

static void test_masks(void **state)
{
    (void)state;
    out(PIC_MASTER_DATA, 0x08);         /* IRQ 3 masked */
    pulse(3);
    assert_false(pic_has_interrupt(&pic));
    assert_int_equal(read_irr(PIC_MASTER_CMD), 0x08);   /* still requested */
    out(PIC_MASTER_DATA, 0x00);
    assert_true(pic_has_interrupt(&pic));
    assert_int_equal(pic_acknowledge(&pic), 0x23);
    assert_int_equal(read_irr(PIC_MASTER_CMD), 0x00);

    /* Masking the cascade input hides the whole slave. */
    out(PIC_MASTER_DATA, 0x04);
    pulse(12);
    assert_false(pic_has_interrupt(&pic));
    out(PIC_MASTER_DATA, 0x00);
    assert_int_equal(pic_acknowledge(&pic), 0x2c);

    /* A slave mask hides just its line. */
    out(PIC_MASTER_CMD, 0x62);
    out(PIC_SLAVE_CMD, 0x64);
    out(PIC_SLAVE_DATA, 0x10);
    pulse(12);
    assert_false(pic_has_interrupt(&pic));
    out(PIC_SLAVE_DATA, 0x00);
    assert_true(pic_has_interrupt(&pic));
}

static void test_edge_trigger(void **state)
{
    (void)state;
    /* A line held high gives one request; it needs a new rising edge. */
    pic_set_irq(&pic, 4, true);
    assert_int_equal(pic_acknowledge(&pic), 0x24);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    assert_false(pic_has_interrupt(&pic));
    pic_set_irq(&pic, 4, true);                     /* no edge */
    assert_false(pic_has_interrupt(&pic));
    pic_set_irq(&pic, 4, false);
    pic_set_irq(&pic, 4, true);
    assert_true(pic_has_interrupt(&pic));
    assert_int_equal(pic_acknowledge(&pic), 0x24);

    /* A pulse while in service is latched and delivered after EOI. */
    pic_set_irq(&pic, 4, false);
    pulse(4);
    assert_false(pic_has_interrupt(&pic));
    assert_int_equal(read_irr(PIC_MASTER_CMD), 0x10);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    assert_true(pic_has_interrupt(&pic));
    assert_int_equal(pic_acknowledge(&pic), 0x24);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    assert_false(pic_has_interrupt(&pic));

    /* Several pulses before service are one request. */
    pulse(5);
    pulse(5);
    assert_int_equal(pic_acknowledge(&pic), 0x25);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    assert_false(pic_has_interrupt(&pic));
}

static void test_level_trigger_elcr(void **state)
{
    (void)state;
    out(PIC_ELCR_SLAVE, 0x08);          /* IRQ 11 level */
    assert_int_equal(in(PIC_ELCR_SLAVE), 0x08);
    pic_set_irq(&pic, 11, true);
    assert_int_equal(pic_acknowledge(&pic), 0x2b);
    /* Still asserted: the request stays in the IRR, in service blocks it. */
    assert_int_equal(read_irr(PIC_SLAVE_CMD), 0x08);
    out(PIC_SLAVE_CMD, PIC_OCW2_EOI);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    assert_true(pic_has_interrupt(&pic));           /* fires again */
    assert_int_equal(pic_acknowledge(&pic), 0x2b);
    pic_set_irq(&pic, 11, false);                   /* device serviced */
    assert_int_equal(read_irr(PIC_SLAVE_CMD), 0x00);
    out(PIC_SLAVE_CMD, PIC_OCW2_EOI);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    assert_false(pic_has_interrupt(&pic));

    /* Turning a held line to level in the ELCR makes it a request. */
    pic_set_irq(&pic, 5, true);
    assert_int_equal(pic_acknowledge(&pic), 0x25);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    assert_false(pic_has_interrupt(&pic));
    out(PIC_ELCR_MASTER, 0x20);
    assert_true(pic_has_interrupt(&pic));
    pic_set_irq(&pic, 5, false);
    assert_false(pic_has_interrupt(&pic));
}

static void test_level_trigger_ltim(void **state)
{
    (void)state;
    out(PIC_MASTER_CMD, 0x19);          /* ICW1 with LTIM */
    out(PIC_MASTER_DATA, 0x20);
    out(PIC_MASTER_DATA, 0x04);
    out(PIC_MASTER_DATA, 0x01);
    pic_set_irq(&pic, 0, true);         /* LTIM covers even IRQ 0 */
    assert_int_equal(pic_acknowledge(&pic), 0x20);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    assert_int_equal(pic_acknowledge(&pic), 0x20);
    pic_set_irq(&pic, 0, false);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    assert_false(pic_has_interrupt(&pic));
    assert_int_equal(in(PIC_ELCR_MASTER), 0);       /* LTIM is not in the ELCR */
}

static void test_elcr_fixed_bits(void **state)
{
    (void)state;
    out(PIC_ELCR_MASTER, 0xff);
    out(PIC_ELCR_SLAVE, 0xff);
    assert_int_equal(in(PIC_ELCR_MASTER), 0xf8);    /* IRQ 0, 1, 2 edge only */
    assert_int_equal(in(PIC_ELCR_SLAVE), 0xde);     /* IRQ 8, 13 edge only */
    /* IRQ 1 stays edge-triggered. */
    pic_set_irq(&pic, 1, true);
    assert_int_equal(pic_acknowledge(&pic), 0x21);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    assert_false(pic_has_interrupt(&pic));
    out(PIC_ELCR_MASTER, 0x00);
    assert_int_equal(in(PIC_ELCR_MASTER), 0x00);
    /* ICW1 leaves the ELCR alone. */
    out(PIC_ELCR_SLAVE, 0x0c);
    linux_init(0x20, 0x28, false);
    assert_int_equal(in(PIC_ELCR_SLAVE), 0x0c);
}

static void test_fixed_priority_and_nesting(void **state)
{
    (void)state;
    pulse(5);
    pulse(3);
    assert_int_equal(pic_acknowledge(&pic), 0x23);
    assert_false(pic_has_interrupt(&pic));          /* 5 is below 3 in service */
    pulse(1);
    assert_true(pic_has_interrupt(&pic));           /* 1 preempts 3 */
    assert_int_equal(pic_acknowledge(&pic), 0x21);
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x0a);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);              /* ends 1, the highest */
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x08);
    assert_false(pic_has_interrupt(&pic));
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    assert_int_equal(pic_acknowledge(&pic), 0x25);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x00);

    /* The same level cannot interrupt itself. */
    pulse(6);
    assert_int_equal(pic_acknowledge(&pic), 0x26);
    pulse(6);
    assert_false(pic_has_interrupt(&pic));
}

static void test_eoi_forms(void **state)
{
    (void)state;
    pulse(6);
    assert_int_equal(pic_acknowledge(&pic), 0x26);
    pulse(2 + 1);
    assert_int_equal(pic_acknowledge(&pic), 0x23);
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x48);
    out(PIC_MASTER_CMD, 0x66);                      /* specific EOI of the lower one */
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x08);
    out(PIC_MASTER_CMD, 0x65);                      /* specific EOI of an idle level */
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x08);
    out(PIC_MASTER_CMD, 0x40);                      /* OCW2 no-op */
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x08);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x00);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);              /* EOI with nothing in service */
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x00);
}

static void test_rotation(void **state)
{
    (void)state;
    /* Rotate on non-specific EOI: the served level goes to the bottom. */
    pulse(1);
    pulse(4);
    assert_int_equal(pic_acknowledge(&pic), 0x21);
    out(PIC_MASTER_CMD, 0xa0);
    pulse(1);
    /* Now IR2 is highest ... IR1 lowest: 4 beats 1. */
    assert_int_equal(pic_acknowledge(&pic), 0x24);
    out(PIC_MASTER_CMD, 0xa0);                      /* lowest := 4 */
    assert_int_equal(pic_acknowledge(&pic), 0x21);  /* 5,6,7,0,1 ... */
    out(PIC_MASTER_CMD, 0xa0);                      /* lowest := 1 */

    /* Set priority: lowest := 5, so 6 is highest and beats 0. */
    out(PIC_MASTER_CMD, 0xc5);
    pulse(0);
    pulse(6);
    assert_int_equal(pic_acknowledge(&pic), 0x26);
    assert_false(pic_has_interrupt(&pic));          /* 0 ranks below 6 now */
    /* Rotate on specific EOI: end 6 and make it the lowest: 7 > 0 > ... > 6. */
    out(PIC_MASTER_CMD, 0xe6);
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x00);
    pulse(3);
    pulse(7);
    assert_int_equal(pic_acknowledge(&pic), 0x27);  /* 7 ranks above 0 and 3 */
    out(PIC_MASTER_CMD, 0x67);
    assert_int_equal(pic_acknowledge(&pic), 0x20);
    out(PIC_MASTER_CMD, 0x60);
    assert_int_equal(pic_acknowledge(&pic), 0x23);
    out(PIC_MASTER_CMD, 0x63);

    /* Non-specific EOI ends the highest-priority level under rotation. */
    out(PIC_MASTER_CMD, 0xc3);                      /* 4 highest, 3 lowest */
    pulse(3);
    assert_int_equal(pic_acknowledge(&pic), 0x23);
    pulse(4);
    assert_int_equal(pic_acknowledge(&pic), 0x24); /* 4 outranks 3 */
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x18);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x08);

    /* ICW1 puts IR7 back at the bottom. */
    linux_init(0x20, 0x28, false);
    unmask_all();
    pulse(7);
    pulse(0);
    assert_int_equal(pic_acknowledge(&pic), 0x20);
}

static void test_aeoi(void **state)
{
    (void)state;
    linux_init(0x20, 0x28, true);
    unmask_all();
    pulse(3);
    assert_int_equal(pic_acknowledge(&pic), 0x23);
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x00);
    pulse(5);                                       /* no EOI needed */
    assert_true(pic_has_interrupt(&pic));
    assert_int_equal(pic_acknowledge(&pic), 0x25);

    /* Rotate in AEOI mode: each served level drops to the bottom. */
    out(PIC_MASTER_CMD, 0x80);
    pulse(1);
    pulse(6);
    assert_int_equal(pic_acknowledge(&pic), 0x21);  /* lowest := 1 */
    pulse(1);
    assert_int_equal(pic_acknowledge(&pic), 0x26);  /* 6 beats 1 now */
    pulse(7);
    assert_int_equal(pic_acknowledge(&pic), 0x27);  /* 7 ranks above 1 after 6 */
    assert_int_equal(pic_acknowledge(&pic), 0x21);
    out(PIC_MASTER_CMD, 0x00);                      /* rotate in AEOI off */
    out(PIC_MASTER_CMD, 0xc7);
    pulse(1);
    pulse(0);
    assert_int_equal(pic_acknowledge(&pic), 0x20);
    assert_int_equal(pic_acknowledge(&pic), 0x21);
    assert_false(pic_has_interrupt(&pic));

    /* An AEOI master with a normal-EOI slave: master ISR2 stays clear. */
    pulse(9);
    assert_int_equal(pic_acknowledge(&pic), 0x29);
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x00);
    assert_int_equal(read_isr(PIC_SLAVE_CMD), 0x02);
}

static void test_cascade(void **state)
{
    (void)state;
    pulse(12);
    assert_true(pic_has_interrupt(&pic));
    assert_int_equal(read_irr(PIC_MASTER_CMD), 0x04);
    assert_int_equal(pic_acknowledge(&pic), 0x2c);
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x04);
    assert_int_equal(read_isr(PIC_SLAVE_CMD), 0x10);

    /* While the master's IR2 is in service (fully nested), nothing from the
     * slave gets through, but master IR0-1 do. */
    pulse(8);
    assert_false(pic_has_interrupt(&pic));
    pulse(3);
    assert_false(pic_has_interrupt(&pic));
    pulse(1);
    assert_int_equal(pic_acknowledge(&pic), 0x21);
    out(PIC_MASTER_CMD, 0x61);

    /* Linux: specific EOI on the slave, then the cascade on the master. */
    out(PIC_SLAVE_CMD, 0x64);
    out(PIC_MASTER_CMD, 0x62);
    assert_true(pic_has_interrupt(&pic));
    assert_int_equal(pic_acknowledge(&pic), 0x28);  /* the slave's pending IRQ 8 */
    out(PIC_SLAVE_CMD, PIC_OCW2_EOI);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    assert_int_equal(pic_acknowledge(&pic), 0x23);  /* then master IRQ 3 */
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    assert_false(pic_has_interrupt(&pic));

    /* Slave priority: 9 beats 15; master IRQ 1 beats the cascade. */
    pulse(15);
    pulse(9);
    pulse(1);
    assert_int_equal(pic_acknowledge(&pic), 0x21);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    assert_int_equal(pic_acknowledge(&pic), 0x29);
    out(PIC_SLAVE_CMD, PIC_OCW2_EOI);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    assert_int_equal(pic_acknowledge(&pic), 0x2f);
    out(PIC_SLAVE_CMD, PIC_OCW2_EOI);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    assert_false(pic_has_interrupt(&pic));

    /* IRQ 2 itself is the cascade: driving it does nothing. */
    pulse(2);
    assert_false(pic_has_interrupt(&pic));
}

static void test_cascade_miswired(void **state)
{
    (void)state;
    /* Master ICW3 names IR3 as a slave input: nobody drives the bus. */
    out(PIC_MASTER_CMD, 0x11);
    out(PIC_MASTER_DATA, 0x20);
    out(PIC_MASTER_DATA, 0x08);
    out(PIC_MASTER_DATA, 0x01);
    pulse(3);
    assert_int_equal(pic_acknowledge(&pic), 0xff);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    /* IR2 is then an ordinary input carrying the slave's INT. */
    pulse(12);
    assert_int_equal(pic_acknowledge(&pic), 0x22);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    /* Right master, slave with the wrong ID. */
    linux_init(0x20, 0x28, false);
    unmask_all();
    out(PIC_SLAVE_CMD, 0x11);
    out(PIC_SLAVE_DATA, 0x28);
    out(PIC_SLAVE_DATA, 0x05);
    out(PIC_SLAVE_DATA, 0x01);
    pulse(12);
    assert_int_equal(pic_acknowledge(&pic), 0xff);
}

static void test_special_fully_nested(void **state)
{
    (void)state;
    out(PIC_MASTER_CMD, 0x11);
    out(PIC_MASTER_DATA, 0x20);
    out(PIC_MASTER_DATA, 0x04);
    out(PIC_MASTER_DATA, 0x11);         /* 8086, SFNM */
    pulse(12);
    assert_int_equal(pic_acknowledge(&pic), 0x2c);
    pulse(9);                           /* higher on the same slave: allowed */
    assert_true(pic_has_interrupt(&pic));
    assert_int_equal(pic_acknowledge(&pic), 0x29);
    pulse(14);                          /* lower on the slave: blocked by the slave */
    assert_false(pic_has_interrupt(&pic));
}

static void test_slave_aeoi_pending_behind(void **state)
{
    (void)state;
    /* A slave in AEOI with two requests: the second survives the first INTA. */
    out(PIC_SLAVE_CMD, 0x11);
    out(PIC_SLAVE_DATA, 0x28);
    out(PIC_SLAVE_DATA, 0x02);
    out(PIC_SLAVE_DATA, 0x03);
    out(PIC_MASTER_CMD, 0x11);
    out(PIC_MASTER_DATA, 0x20);
    out(PIC_MASTER_DATA, 0x04);
    out(PIC_MASTER_DATA, 0x03);
    pulse(10);
    pulse(11);
    assert_int_equal(pic_acknowledge(&pic), 0x2a);
    assert_true(pic_has_interrupt(&pic));
    assert_int_equal(pic_acknowledge(&pic), 0x2b);
    assert_false(pic_has_interrupt(&pic));
}

static void test_spurious(void **state)
{
    (void)state;
    /* A level IRQ that drops between INTR and INTA: spurious IRQ 7. */
    out(PIC_ELCR_MASTER, 0x08);
    pic_set_irq(&pic, 3, true);
    assert_true(pic_has_interrupt(&pic));
    pic_set_irq(&pic, 3, false);
    assert_int_equal(pic_acknowledge(&pic), 0x27);
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x00);   /* Linux's check */

    /* Masked after INTR was raised: the same. */
    pulse(4);
    out(PIC_MASTER_DATA, 0x10);
    assert_int_equal(pic_acknowledge(&pic), 0x27);
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x00);
    out(PIC_MASTER_DATA, 0x00);
    assert_int_equal(pic_acknowledge(&pic), 0x24);      /* it was only masked */
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);

    /* A real IRQ 7 does set ISR7. */
    pulse(7);
    assert_int_equal(pic_acknowledge(&pic), 0x27);
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x80);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);

    /* Slave level IRQ gone before INTA: spurious IRQ 15, master ISR2 set. */
    out(PIC_ELCR_SLAVE, 0x08);
    pic_set_irq(&pic, 11, true);
    assert_true(pic_has_interrupt(&pic));
    pic_set_irq(&pic, 11, false);
    /* The master's edge-latched IR2 still asks; the slave has nothing. */
    assert_true(pic_has_interrupt(&pic));
    assert_int_equal(pic_acknowledge(&pic), 0x2f);
    assert_int_equal(read_isr(PIC_SLAVE_CMD), 0x00);
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x04);
    out(PIC_MASTER_CMD, 0x62);                      /* Linux EOIs the cascade */
    assert_false(pic_has_interrupt(&pic));
}

static void test_poll_mode(void **state)
{
    (void)state;
    out(PIC_MASTER_CMD, 0x0c);
    assert_int_equal(in(PIC_MASTER_CMD), 0x00);     /* nothing pending */
    pulse(5);
    pulse(6);
    out(PIC_MASTER_CMD, 0x0c);
    assert_int_equal(in(PIC_MASTER_CMD), 0x85);
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x20);
    assert_int_equal(read_irr(PIC_MASTER_CMD), 0x40);
    /* One-shot: the next read is an ordinary IRR read. */
    assert_int_equal(in(PIC_MASTER_CMD), 0x40);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    out(PIC_MASTER_CMD, 0x0c);
    assert_int_equal(in(PIC_MASTER_DATA), 0x86);    /* either port reads the poll */
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);

    /* Cascade polling: master says "2", then poll the slave. */
    pulse(13);
    out(PIC_MASTER_CMD, 0x0c);
    assert_int_equal(in(PIC_MASTER_CMD), 0x82);
    out(PIC_SLAVE_CMD, 0x0c);
    assert_int_equal(in(PIC_SLAVE_CMD), 0x85);
    assert_int_equal(read_isr(PIC_SLAVE_CMD), 0x20);
    assert_int_equal(read_isr(PIC_MASTER_CMD), 0x04);
    out(PIC_SLAVE_CMD, PIC_OCW2_EOI);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    assert_false(pic_has_interrupt(&pic));
}

static void test_irr_isr_reads(void **state)
{
    (void)state;
    pulse(0);
    pulse(3);
    out(PIC_MASTER_CMD, 0x0a);
    assert_int_equal(in(PIC_MASTER_CMD), 0x09);
    assert_int_equal(in(PIC_MASTER_CMD), 0x09);     /* the selection persists */
    assert_int_equal(pic_acknowledge(&pic), 0x20);
    out(PIC_MASTER_CMD, 0x0b);
    assert_int_equal(in(PIC_MASTER_CMD), 0x01);
    out(PIC_MASTER_CMD, 0x08);                      /* RR=0: selection unchanged */
    assert_int_equal(in(PIC_MASTER_CMD), 0x01);
    assert_int_equal(in(PIC_MASTER_DATA), 0x00);    /* odd port: IMR */
    out(PIC_MASTER_CMD, 0x11);                      /* ICW1 selects IRR again */
    assert_int_equal(in(PIC_MASTER_CMD), 0x00);
}

static void test_special_mask_mode(void **state)
{
    (void)state;
    pulse(2 + 1);
    assert_int_equal(pic_acknowledge(&pic), 0x23);
    pulse(5);
    assert_false(pic_has_interrupt(&pic));          /* below 3 in service */
    /* A handler masks its own level and enters special mask mode. */
    out(PIC_MASTER_DATA, 0x08);
    out(PIC_MASTER_CMD, 0x68);                      /* ESMM | SMM */
    assert_true(pic_has_interrupt(&pic));
    assert_int_equal(pic_acknowledge(&pic), 0x25);
    out(PIC_MASTER_CMD, 0x65);
    out(PIC_MASTER_CMD, 0x48);                      /* ESMM, SMM off */
    pulse(6);
    assert_false(pic_has_interrupt(&pic));          /* 3 blocks again */
    out(PIC_MASTER_CMD, 0x28);                      /* SMM without ESMM: ignored */
    assert_false(pic_has_interrupt(&pic));
    out(PIC_MASTER_CMD, 0x63);
    out(PIC_MASTER_DATA, 0x00);
    assert_int_equal(pic_acknowledge(&pic), 0x26);
}

static unsigned line_calls;

static void counting_set(void *ctx, unsigned line, bool level)
{
    line_calls++;
    pic_irq_line_set(ctx, line, level);
}

static void test_irq_line_glue(void **state)
{
    (void)state;
    struct irq_line l = { .set = pic_irq_line_set, .ctx = &pic, .line = 6 };
    irq_pulse(&l);
    assert_int_equal(pic_acknowledge(&pic), 0x26);
    struct irq_line l2 = { .set = counting_set, .ctx = &pic, .line = 14 };
    irq_set(&l2, true);
    assert_int_equal(line_calls, 1);
    out(PIC_MASTER_CMD, PIC_OCW2_EOI);
    assert_int_equal(pic_acknowledge(&pic), 0x2e);
    pic_set_irq(&pic, 16, true);                    /* out of range: ignored */
    pic_set_irq(&pic, 1000, true);
}

static void test_unknown_ports(void **state)
{
    (void)state;
    assert_int_equal(in(0x22), 0xff);
    assert_int_equal(in(0x4d2), 0xff);
    out(0x22, 0x00);
    out(0xa2, 0x11);
    assert_int_equal(in(PIC_MASTER_DATA), 0x00);
}

/* Deterministic xorshift, so failures reproduce. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_random_writes(void **state)
{
    (void)state;
    static const uint16_t ports[] = { 0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1, 0x22, 0xa2 };

    for (int round = 0; round < 200; round++) {
        pic_init(&pic);
        for (int i = 0; i < 2000; i++) {
            unsigned op = rnd() % 6;
            uint16_t port = ports[rnd() % 8];
            switch (op) {
            case 0:
            case 1:
                out(port, (uint8_t)rnd());
                break;
            case 2:
                (void)in(port);
                break;
            case 3:
                pic_set_irq(&pic, (unsigned)(rnd() % 20), rnd() & 1);
                break;
            default: {
                bool had = pic_has_interrupt(&pic);
                uint8_t isr = pic.chip[0].isr;
                int v = pic_acknowledge(&pic);
                assert_true(v >= 0 && v <= 255);
                if (!had) {     /* nothing asked: spurious IRQ 7, ISR untouched */
                    assert_int_equal(v, pic.chip[0].vector_base | 7);
                    assert_int_equal(pic.chip[0].isr, isr);
                }
                break;
            }
            }
            /* Invariants: registers stay 8-bit views of sane state. */
            assert_true(pic.chip[0].lowest < 8 && pic.chip[1].lowest < 8);
            assert_true(pic.chip[0].init_next <= 4 && pic.chip[1].init_next <= 4);
            assert_int_equal(pic.chip[0].elcr & ~0xf8, 0);
            assert_int_equal(pic.chip[1].elcr & ~0xde, 0);
            /* Edge inputs only request after an edge; level inputs follow. */
            uint8_t lvl0 = (pic.chip[0].icw1 & PIC_ICW1_LTIM) ? 0xff : pic.chip[0].elcr;
            assert_int_equal(pic.chip[0].irr & lvl0, pic.chip[0].lines & lvl0);
        }
        /* Whatever came before, Linux's init brings it back to order. */
        for (unsigned irq = 0; irq < 16; irq++)
            pic_set_irq(&pic, irq, false);
        out(PIC_ELCR_MASTER, 0);
        out(PIC_ELCR_SLAVE, 0);
        linux_init(0x30, 0x38, false);
        unmask_all();
        assert_false(pic_has_interrupt(&pic));
        pulse(10);
        assert_true(pic_has_interrupt(&pic));
        assert_int_equal(pic_acknowledge(&pic), 0x3a);
        pulse(4);
        assert_false(pic_has_interrupt(&pic));      /* below the cascade in service */
        out(PIC_SLAVE_CMD, PIC_OCW2_EOI);
        out(PIC_MASTER_CMD, PIC_OCW2_EOI);
        assert_int_equal(pic_acknowledge(&pic), 0x34);
        out(PIC_MASTER_CMD, PIC_OCW2_EOI);
        assert_false(pic_has_interrupt(&pic));
        assert_int_equal(read_isr(PIC_MASTER_CMD), 0);
        assert_int_equal(read_isr(PIC_SLAVE_CMD), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reset_state),
        cmocka_unit_test(test_linux_init_sequence),
        cmocka_unit_test_setup(test_single_mode_skips_icw3, setup),
        cmocka_unit_test_setup(test_masks, setup),
        cmocka_unit_test_setup(test_edge_trigger, setup),
        cmocka_unit_test_setup(test_level_trigger_elcr, setup),
        cmocka_unit_test_setup(test_level_trigger_ltim, setup),
        cmocka_unit_test_setup(test_elcr_fixed_bits, setup),
        cmocka_unit_test_setup(test_fixed_priority_and_nesting, setup),
        cmocka_unit_test_setup(test_eoi_forms, setup),
        cmocka_unit_test_setup(test_rotation, setup),
        cmocka_unit_test_setup(test_aeoi, setup),
        cmocka_unit_test_setup(test_cascade, setup),
        cmocka_unit_test_setup(test_cascade_miswired, setup),
        cmocka_unit_test_setup(test_special_fully_nested, setup),
        cmocka_unit_test_setup(test_slave_aeoi_pending_behind, setup),
        cmocka_unit_test_setup(test_spurious, setup),
        cmocka_unit_test_setup(test_poll_mode, setup),
        cmocka_unit_test_setup(test_irr_isr_reads, setup),
        cmocka_unit_test_setup(test_special_mask_mode, setup),
        cmocka_unit_test_setup(test_irq_line_glue, setup),
        cmocka_unit_test_setup(test_unknown_ports, setup),
        cmocka_unit_test(test_random_writes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
