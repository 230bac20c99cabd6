/* The clock: the TSC, its rate, plus the host's wall-clock time at boot
   (passed on the command line as now=NS), gives the nanosecond time that
   rate-based elements and timeouts read from the pool's control words each
   round.

   The TSC's rate comes from KVM's clock (kvmclock: boot.S registers its
   page while still in ring 0, and KVM writes the TSC-to-nanoseconds scale
   there), with no waiting.  Without KVM (TCG) it is calibrated against PIT
   channel 0 for CALIBRATE_MS: a short busy wait, since TCG's port I/O is
   cheap and the TSC there is the host's. */
#include "runtime.h"

#define PIT_HZ 1193182ull
#define CALIBRATE_MS 2

/* KVM's pvclock_vcpu_time_info */
struct pvclock {
    volatile uint32_t version, pad0;
    volatile uint64_t tsc_timestamp, system_time;
    volatile uint32_t mul;
    volatile int8_t shift;
    volatile uint8_t flags, pad[2];
};
extern struct pvclock kvmclock;      /* boot.S: registered when KVM offers kvmclock */
extern uint64_t kvmclock_on;

static uint64_t tsc0, tsc_hz, mult;  /* ns = (dtsc * mult) >> 32 */
static int64_t epoch0;
static const char *source = "none";

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

/* The TSC rate from kvmclock's scale: ns = ((dtsc << shift) * mul) >> 32. */
static uint64_t kvmclock_hz(void) {
    if (!kvmclock_on)
        return 0;
    for (long spin = 0; (kvmclock.version == 0 || (kvmclock.version & 1)) && spin < 1000000L;
         spin++)
        __asm__ volatile("pause");
    uint32_t mul = kvmclock.mul;
    int8_t shift = kvmclock.shift;
    if (mul == 0)
        return 0;
    uint64_t hz = (1000000000ull << 32) / mul;
    return shift >= 0 ? hz >> shift : hz << -shift;
}

void clock_init(int64_t epoch_ns) {
    tsc_hz = kvmclock_hz();
    source = "kvmclock";
    if (tsc_hz < 1000000) {
        tsc_hz = calibrate();
        source = "PIT";
    }
    if (tsc_hz < 1000000) {
        puts_("clickpy: no kvmclock or PIT to learn the TSC rate from; assuming 1 GHz\n");
        tsc_hz = 1000000000ull;
        source = "assumed";
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

const char *clock_source(void) { return source; }
