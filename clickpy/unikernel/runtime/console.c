/* The console: COM1, one line per event; the host captures it to a log.

   Every port access is a VM exit, and under this machine's KVM an exit costs
   tens of microseconds, one per character (a `rep outsb` is no cheaper):
   the four boot lines took 16 ms.  So text is kept in a ring and written
   only where it costs the data path nothing that matters: console_flush()
   writes it all at once (the ready line, and a fatal error), console_idle()
   one character per round in which no packet came or went.  No waiting for
   the transmitter either: QEMU's UART hands each byte to the chardev as it
   is written, and needs no set-up for that. */
#include "runtime.h"

#define COM1 0x3f8
#define RING 4096

static char ring[RING];
static uint64_t head, tail;          /* written up to tail, queued up to head */

static void putc_(char c) {
    if (head - tail >= RING - 2)     /* full: the oldest text goes out now */
        console_idle();
    if (c == '\n')
        ring[head++ % RING] = '\r';
    ring[head++ % RING] = c;
}

int console_idle(void) {
    if (tail == head)
        return 0;
    outb(COM1, (uint8_t)ring[tail++ % RING]);
    return 1;
}

void console_flush(void) {
    while (console_idle())
        ;
}

void puts_(const char *s) {
    while (*s)
        putc_(*s++);
}

void putd(int64_t v) {
    char b[24];
    int i = 0;
    uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
    if (v < 0)
        putc_('-');
    do { b[i++] = (char)('0' + u % 10); u /= 10; } while (u);
    while (i)
        putc_(b[--i]);
}

void putx(uint64_t v, int digits) {
    for (int i = digits - 1; i >= 0; i--)
        putc_("0123456789abcdef"[(v >> (4 * i)) & 15]);
}

/* isa-debug-exit makes QEMU exit with status (code << 1) | 1; else spin. */
void fatal(const char *why) {
    puts_("clickpy: fatal: ");
    puts_(why);
    puts_("\n");
    console_flush();
    outb(0xf4, 0x01);
    for (;;)
        __asm__ volatile("pause");
}
