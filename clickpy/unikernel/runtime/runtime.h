/* The runtime's shared declarations: port I/O, the console, the clock, the
   NICs, and the symbols `clickpy build` generates (image.S). */
#ifndef CLICKPY_RUNTIME_H
#define CLICKPY_RUNTIME_H
#include <stddef.h>
#include <stdint.h>

static inline void outb(uint16_t p, uint8_t v) { __asm__ volatile("outb %0,%1" :: "a"(v), "Nd"(p)); }
static inline uint8_t inb(uint16_t p) { uint8_t v; __asm__ volatile("inb %1,%0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint64_t rdtsc(void) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((uint64_t)hi << 32) | lo; }
#define barrier() __asm__ volatile("mfence" ::: "memory")

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

/* console.c: COM1, text queued in memory and written by console_flush()/console_idle() */
void console_flush(void);
int console_idle(void);              /* writes one queued character; 0 if none was queued */
void puts_(const char *s);
void putd(int64_t v);
void putx(uint64_t v, int digits);
void fatal(const char *why) __attribute__((noreturn));

/* clock.c */
void clock_init(int64_t epoch_ns);
int64_t clock_now_ns(void);
void clock_tick(void);               /* every round: refines a PIT-calibrated rate */
uint64_t clock_tsc_hz(void);
const char *clock_source(void);      /* where the TSC rate came from */

/* net.c: legacy virtio-mmio virtio-net, polled */
#define MAX_NICS 8
int net_probe(int want);             /* finds up to `want` NICs; returns how many */
int net_rx(int nic, uint8_t *dst, int cap);       /* one frame's length, or 0 */
void net_rx_flush(int nic);
int net_tx_room(int nic);
void net_tx(int nic, const uint8_t *src, int len);
void net_tx_flush(int nic);
const uint8_t *net_mac(int nic);     /* its 6-byte MAC, read at probe time */

/* control.c: COM2 */
void control_init(void);
int control_poll(void);              /* serves requests if any; 1 if it did */

/* image.S, written by `clickpy build` */
struct clickpy_ring { int64_t kind, *ring; uint8_t *frames; int32_t *lens; int64_t nframes, frame; };
struct clickpy_array { uint8_t *addr; int64_t bytes; };
/* kind 0: count items of size bytes, start, start+step, ...; kind 1: copy count bytes from src;
   kind 2: count rows of size bytes, each a copy of the row at start */
struct clickpy_init { int64_t kind; uint8_t *dst; uint64_t count, size, start, step; };
extern const struct clickpy_init clickpy_inits[];
extern const int64_t clickpy_ninits;
extern int64_t clickpy_table[];
extern const int64_t clickpy_table_words;
extern int64_t clickpy_pool_ctl[];
extern const struct clickpy_ring clickpy_rings[];
extern const int64_t clickpy_nrings;
extern const struct clickpy_array clickpy_arrays[];
extern const int64_t clickpy_narrays;
extern const int64_t clickpy_budget;
extern const int64_t clickpy_nnics;
extern const char clickpy_name[];
int64_t clickpy_round(int64_t *table, int64_t words, int64_t budget);

#define RING_PRODUCED 0
#define RING_CONSUMED 1
#define RING_NIC 2
#define C_NOW 1
#endif
