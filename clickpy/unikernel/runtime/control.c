/* The control port: COM2, a unix socket on the host (`clickpy handler`).

   The host runs every handler in Python on a mirror of the element's state:
   it locks the data path, reads the bytes of the state arrays it needs,
   formats them (or applies a write and sends the bytes back), and lets the
   data path go.  While locked the guest serves requests and runs no round,
   so a read-modify-write is atomic with respect to the data path.

   Requests (little-endian):  'L' lock -> 'K' u32 narrays
                              'R' u32 array, u32 offset, u32 length -> 'K' bytes | 'E'
                              'W' u32 array, u32 offset, u32 length, bytes -> 'K' | 'E'
                              'A' u32 array -> 'K' u64 address, u64 bytes | 'E'
                              'G' go -> 'K'
   With the guest's RAM in a shared file (clickpy boot does that), the host
   asks for addresses once and reads and writes the arrays in place while
   the guest is locked; 'R'/'W' move bytes through the port itself.
   Anything else outside a lock is ignored. */
#include "runtime.h"

#define COM2 0x2f8

void control_init(void) {
    outb(COM2 + 1, 0x00); outb(COM2 + 3, 0x80); outb(COM2 + 0, 0x01); outb(COM2 + 1, 0x00);
    outb(COM2 + 3, 0x03); outb(COM2 + 2, 0xC7); outb(COM2 + 4, 0x03);
}

static uint8_t get(void) {
    while (!(inb(COM2 + 5) & 0x01))
        ;
    return inb(COM2);
}

static void put(uint8_t c) {
    while (!(inb(COM2 + 5) & 0x20))
        ;
    outb(COM2, c);
}

static uint32_t get32(void) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)get() << (8 * i);
    return v;
}

static void put32(uint32_t v) {
    for (int i = 0; i < 4; i++)
        put((uint8_t)(v >> (8 * i)));
}

static const struct clickpy_array *span(uint32_t k, uint32_t off, uint32_t len) {
    if (k >= (uint64_t)clickpy_narrays)
        return 0;
    const struct clickpy_array *a = &clickpy_arrays[k];
    return (uint64_t)off + len <= (uint64_t)a->bytes ? a : 0;
}

static void serve(void) {
    put('K');
    put32((uint32_t)clickpy_narrays);
    for (;;) {
        uint8_t op = get();
        if (op == 'G') {
            put('K');
            return;
        }
        if (op == 'L') {
            put('K');
            put32((uint32_t)clickpy_narrays);
            continue;
        }
        if (op == 'A') {
            uint32_t k = get32();
            if (k >= (uint64_t)clickpy_narrays) { put('E'); continue; }
            put('K');
            for (int i = 0; i < 8; i++) put((uint8_t)((uint64_t)clickpy_arrays[k].addr >> (8 * i)));
            for (int i = 0; i < 8; i++) put((uint8_t)((uint64_t)clickpy_arrays[k].bytes >> (8 * i)));
            continue;
        }
        if (op != 'R' && op != 'W')
            continue;
        uint32_t k = get32(), off = get32(), len = get32();
        const struct clickpy_array *a = span(k, off, len);
        if (op == 'R') {
            if (!a) { put('E'); continue; }
            put('K');
            for (uint32_t i = 0; i < len; i++)
                put(a->addr[off + i]);
        } else {
            for (uint32_t i = 0; i < len; i++) {
                uint8_t b = get();
                if (a)
                    a->addr[off + i] = b;
            }
            put(a ? 'K' : 'E');
        }
    }
}

int control_poll(void) {
    if (!(inb(COM2 + 5) & 0x01))
        return 0;
    if (inb(COM2) == 'L')
        serve();
    return 1;
}
