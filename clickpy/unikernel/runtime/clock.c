/* The clock: the TSC, its rate, plus the host's wall-clock time at boot
   (passed on the command line as now=NS), gives the nanosecond time that
   rate-based elements and timeouts read from the pool's control words each
   round.

   The TSC's rate comes from KVM's clock (kvmclock: boot.S registers its
   page while still in ring 0, and KVM writes the TSC-to-nanoseconds scale
   there), with no waiting.  Without KVM (TCG) it is calibrated against PIT
   channel 0: CALIBRATE_MS of busy wait at boot gives a first rate (within a
   few percent: the host may preempt QEMU meanwhile), then clock_tick(),
   called every round, keeps counting PIT ticks without waiting and after
   REFINE_MS replaces it with the rate over the whole span, the clock
   continuing from where it was. */
#include "runtime.h"

#define PIT_HZ 1193182ull
#define CALIBRATE_MS 2
#define REFINE_MS 200
#define SAMPLE_US 1000        /* clock_tick reads the PIT this often (it wraps every 55 ms) */

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
static int refining;
static uint16_t pit_prev;
static uint64_t pit_ticks, tsc_start, tsc_sampled;   /* the span clock_tick measures */

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
    pit_prev = prev;                                    /* clock_tick goes on from here */
    pit_ticks = elapsed;
    tsc_start = a;
    tsc_sampled = b;
    return (b - a) * PIT_HZ / elapsed;
}

static void set_rate(uint64_t hz) {
    tsc_hz = hz;
    mult = (1000000000ull << 32) / tsc_hz;   /* fits: 1e9 << 32 < 2^64 */
}

void clock_tick(void) {
    if (!refining)
        return;
    uint64_t now = rdtsc();
    if (now - tsc_sampled < SAMPLE_US * (tsc_hz / 1000000))
        return;
    uint16_t cur = pit_count();
    uint64_t t = rdtsc();
    if (t - tsc_sampled > 40 * (tsc_hz / 1000)) {      /* near a PIT wrap: start over */
        pit_ticks = 0;
        tsc_start = t;
    } else {
        pit_ticks += (uint16_t)(pit_prev - cur);
    }
    pit_prev = cur;
    tsc_sampled = t;
    if (pit_ticks < PIT_HZ * REFINE_MS / 1000)
        return;
    int64_t at = clock_now_ns();
    set_rate((t - tsc_start) * PIT_HZ / pit_ticks);
    epoch0 = at;
    tsc0 = t;
    refining = 0;
    puts_("clickpy: tsc "); putd((int64_t)(tsc_hz / 1000));
    puts_(" kHz from the PIT over "); putd(REFINE_MS); puts_(" ms\n");
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
    uint64_t hz = kvmclock_hz();
    source = "kvmclock";
    if (hz < 1000000) {
        hz = calibrate();
        source = "PIT";
        refining = hz >= 1000000;
    }
    if (hz < 1000000) {
        puts_("clickpy: no kvmclock or PIT to learn the TSC rate from; assuming 1 GHz\n");
        hz = 1000000000ull;
        source = "assumed";
    }
    set_rate(hz);
    epoch0 = epoch_ns;
    tsc0 = rdtsc();
}

int64_t clock_now_ns(void) {
    uint64_t d = rdtsc() - tsc0;
    return epoch0 + (int64_t)(((unsigned __int128)d * mult) >> 32);
}

uint64_t clock_tsc_hz(void) { return tsc_hz; }

const char *clock_source(void) { return source; }
