/* The console: COM1, polled, one line per event; the host captures it to a log. */
#include "runtime.h"

#define COM1 0x3f8

void console_init(void) {
    outb(COM1 + 1, 0x00); outb(COM1 + 3, 0x80); outb(COM1 + 0, 0x01); outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); outb(COM1 + 2, 0xC7); outb(COM1 + 4, 0x03);
}

static void putc_(char c) {
    while (!(inb(COM1 + 5) & 0x20))
        ;
    outb(COM1, (uint8_t)c);
}

void puts_(const char *s) {
    while (*s) {
        if (*s == '\n')
            putc_('\r');
        putc_(*s++);
    }
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
    outb(0xf4, 0x01);
    for (;;)
        __asm__ volatile("pause");
}
