/* The image's main loop: poll every NIC into its receive rings, run one round
   of the compiled tasks, send what the transmit rings hold, and now and then
   look at the control port. */
#include "runtime.h"

#define CONTROL_EVERY 256   /* rounds between two looks at the control port */
#define CONSOLE_EVERY 64    /* rounds between two console characters under load */
#define QUIET_US 1000       /* rounds with nothing to do for this long: halt (idle=NS) */

extern uint64_t pvh_start_info;
extern uint32_t idle_ticks;        /* idle.S: ns asleep per halt */
extern uint64_t idle_ready;        /* idle.S: 1 when halting works here */

/* KEY=decimal on the command line (now=NS, idle=NS), else `otherwise`. */
static int64_t boot_param(const char *key, int64_t otherwise) {
    const uint8_t *si = (const uint8_t *)pvh_start_info;
    if (!si || *(const uint32_t *)si != 0x336ec578)
        return otherwise;
    const char *c = (const char *)*(const uint64_t *)(si + 24);
    for (; c && *c; c++) {
        if (c != (const char *)*(const uint64_t *)(si + 24) && c[-1] != ' ')
            continue;
        int k = 0;
        while (key[k] && c[k] == key[k])
            k++;
        if (key[k] || c[k] != '=')
            continue;
        int64_t v = 0;
        for (c += k + 1; *c >= '0' && *c <= '9'; c++)
            v = v * 10 + (*c - '0');
        return v;
    }
    return otherwise;
}

static int64_t receive(void) {
    int64_t got = 0;
    for (int64_t i = 0; i < clickpy_nrings; i++) {
        const struct clickpy_ring *r = &clickpy_rings[i];
        if (r->kind != 0)
            continue;
        int64_t *w = r->ring;
        int nic = (int)w[RING_NIC];
        while (w[RING_PRODUCED] - w[RING_CONSUMED] < r->nframes) {
            int64_t e = w[RING_PRODUCED] % r->nframes;
            int n = net_rx(nic, r->frames + e * r->frame, (int)r->frame);
            if (n <= 0)
                break;
            r->lens[e] = n;
            w[RING_PRODUCED]++;
            got++;
        }
        net_rx_flush(nic);
    }
    return got;
}

static int64_t transmit(void) {
    int64_t sent = 0;
    for (int64_t i = 0; i < clickpy_nrings; i++) {
        const struct clickpy_ring *r = &clickpy_rings[i];
        if (r->kind != 1)
            continue;
        int64_t *w = r->ring;
        int nic = (int)w[RING_NIC];
        int room = net_tx_room(nic);
        while (w[RING_CONSUMED] < w[RING_PRODUCED] && room-- > 0) {
            int64_t e = w[RING_CONSUMED] % r->nframes;
            net_tx(nic, r->frames + e * r->frame, r->lens[e]);
            w[RING_CONSUMED]++;
            sent++;
        }
        net_tx_flush(nic);
    }
    return sent;
}

/* The element state after configure time, from the image's run list. */
static void load_state(void) {
    for (int64_t i = 0; i < clickpy_ninits; i++) {
        const struct clickpy_init *r = &clickpy_inits[i];
        if (r->kind == 1) {
            memcpy(r->dst, (const void *)r->start, r->count);
            continue;
        }
        if (r->kind == 2) {                 /* count rows of size bytes, all alike */
            for (uint64_t k = 0; k < r->count; k++)
                memcpy(r->dst + k * r->size, (const void *)r->start, r->size);
            continue;
        }
        uint64_t v = r->start;
        for (uint64_t k = 0; k < r->count; k++, v += r->step) {
            switch (r->size) {
            case 1: r->dst[k] = (uint8_t)v; break;
            case 2: ((uint16_t *)r->dst)[k] = (uint16_t)v; break;
            case 4: ((uint32_t *)r->dst)[k] = (uint32_t)v; break;
            default: ((uint64_t *)r->dst)[k] = v; break;
            }
        }
    }
}

/* Boot makes as few VM exits as it can before the data path polls: each
   costs tens of microseconds under this machine's KVM.  No waiting for the
   clock, a NIC scan that stops early, and only "clickpy: ready" written
   before the loop; the rest of the console text goes out in idle rounds. */
void kmain(void) {
    uint64_t t0 = rdtsc();
    load_state();
    clock_init(boot_param("now", 0));
    int64_t idle_ns = boot_param("idle", 0);
    int n = net_probe(clickpy_nnics);
    control_init();
    uint64_t booted = rdtsc() - t0;
    puts_("clickpy: ready\n");
    console_flush();
    puts_("clickpy: image "); puts_(clickpy_name);
    for (int k = 0; k < n; k++) {
        const uint8_t *mac = net_mac(k);
        puts_(", nic "); putd(k); puts_(" ");
        for (int j = 0; j < 6; j++) { putx(mac[j], 2); if (j < 5) puts_(":"); }
    }
    puts_(", "); putd((int64_t)(booted / (clock_tsc_hz() / 1000000)));
    puts_(" us after kmain (tsc "); putd((int64_t)(clock_tsc_hz() / 1000000));
    puts_(" MHz from "); puts_(clock_source()); puts_(")\n");
    if (n < clickpy_nnics) {
        puts_("clickpy: warning: the configuration names "); putd(clickpy_nnics);
        puts_(" devices, the VM has "); putd(n); puts_("\n");
    }
    if (idle_ns > 0 && !idle_ready) {
        puts_("clickpy: idle=NS ignored: no idle halt under KVM (see idle.S); polling\n");
        idle_ns = 0;
    }
    if (idle_ns > 0) {
        idle_ticks = (uint32_t)(idle_ns < 1000000000 ? idle_ns : 1000000000);
        puts_("clickpy: halting after "); putd(QUIET_US); puts_(" us without work, ");
        putd(idle_ns / 1000); puts_(" us per halt\n");
    }
    uint64_t quiet_tsc = QUIET_US * (clock_tsc_hz() / 1000000), last_work = rdtsc();
    int64_t forwarded = 0;
    for (uint64_t round = 0;; round++) {
        int64_t got = receive();
        clock_tick();
        clickpy_pool_ctl[C_NOW] = clock_now_ns();
        clickpy_round(clickpy_table, clickpy_table_words, clickpy_budget);
        int64_t sent = transmit();
        if (sent && !forwarded) {
            puts_("clickpy: first packet forwarded, ");
            putd((int64_t)((rdtsc() - t0) / (clock_tsc_hz() / 1000000)));
            puts_(" us after kmain\n");
        }
        forwarded += sent;
        /* queued console text: a character per idle round, and one every
           CONSOLE_EVERY rounds so that a data path never idle gets it out too */
        int wrote = (!got && !sent) || round % CONSOLE_EVERY == 0 ? console_idle() : 0;
        if (got || sent) {
            last_work = rdtsc();
        } else if (!wrote && idle_ns > 0 && rdtsc() - last_work > quiet_tsc) {
            __asm__ volatile("int $0x81" ::: "memory");   /* idle.S: halt until the timer */
            control_poll();
            continue;
        }
        if (round % CONTROL_EVERY == 0)
            control_poll();
    }
}
