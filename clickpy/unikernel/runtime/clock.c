/* The clock: the TSC, calibrated against PIT channel 2 at boot, plus the host's
   wall-clock time at boot (passed on the command line as now=NS), gives the
   nanosecond time that rate-based elements and timeouts read from the pool's
   control words each round. */
#include "runtime.h"

#define PIT_HZ 1193182ull
#define CALIBRATE_MS 5

static uint64_t tsc0, tsc_hz, mult;  /* ns = (dtsc * mult) >> 32 */
static int64_t epoch0;

static uint16_t pit_count(void) {              /* latch and read channel 0 */
    outb(0x43, 0x00);
    uint8_t lo = inb(0x40);
    return (uint16_t)(lo | (inb(0x40) << 8));
}

/* PIT channel 0 as a rate generator counting down from 65535 (its output is
   IRQ 0, which nobody listens to: interrupts stay off).  microvm has no port
   0x61, so channel 2's gate is not ours to open. */
static uint64_t calibrate(void) {
    uint32_t target = (uint32_t)(PIT_HZ * CALIBRATE_MS / 1000), elapsed = 0;
    outb(0x43, 0x34);                                   /* channel 0, lo/hi, mode 2 */
    outb(0x40, 0xff);
    outb(0x40, 0xff);
    uint16_t prev = pit_count();
    uint64_t a = rdtsc();
    for (long spin = 0; elapsed < target; spin++) {
        uint16_t cur = pit_count();
        elapsed += (uint16_t)(prev - cur);
        prev = cur;
        if (spin > 5000000L)
            return 0;
    }
    uint64_t b = rdtsc();
    return (b - a) * PIT_HZ / elapsed;
}

void clock_init(int64_t epoch_ns) {
    tsc_hz = calibrate();
    if (tsc_hz < 1000000) {
        puts_("clickpy: no PIT to calibrate the TSC against; assuming 1 GHz\n");
        tsc_hz = 1000000000ull;
    }
    mult = (1000000000ull << 32) / tsc_hz;   /* fits: 1e9 << 32 < 2^64 */
    epoch0 = epoch_ns;
    tsc0 = rdtsc();
}

int64_t clock_now_ns(void) {
    uint64_t d = rdtsc() - tsc0;
    return epoch0 + (int64_t)(((unsigned __int128)d * mult) >> 32);
}

uint64_t clock_tsc_hz(void) { return tsc_hz; }
