/* virtio-net over legacy virtio-mmio (QEMU microvm), polled: no interrupts.

   microvm has 24 virtio-mmio slots at 0xfeb00000 + 0x200 * i and fills them
   from the last one down.  `clickpy boot` gives NIC k the MAC
   52:54:00:c1:1c:k, so the NIC index comes from the MAC, not the slot.  One
   RX and one TX queue per NIC; every frame is preceded by the legacy 10-byte
   virtio_net_hdr (no offloads negotiated).  TX descriptors are reclaimed
   lazily from the used ring; a queue is notified once per batch, and not at
   all while QEMU says it needs no notification (VRING_USED_F_NO_NOTIFY). */
#include "runtime.h"

#define MMIO_BASE 0xfeb00000ull
#define MMIO_SLOTS 24
#define QN 128
#define BUF 2048
#define HDR 10

struct vdesc { uint64_t addr; uint32_t len; uint16_t flags, next; };
struct vq {
    struct vdesc desc[QN];
    uint16_t avail_flags, avail_idx, avail_ring[QN], used_event;
    uint8_t pad[4096 - 16 * QN - 6 - 2 * QN];
    volatile uint16_t used_flags;
    volatile uint16_t used_idx;
    struct { uint32_t id, len; } used_ring[QN];
    uint16_t avail_event;
} __attribute__((aligned(4096)));

struct nic {
    uint64_t base;
    uint8_t mac[6];
    struct vq rx, tx;
    uint16_t rx_seen, rx_recycled, tx_added, tx_reclaimed, tx_pending;
    uint8_t rxbuf[QN][BUF] __attribute__((aligned(64)));
    uint8_t txbuf[QN][BUF] __attribute__((aligned(64)));
};

static struct nic nics[MAX_NICS];
static int present[MAX_NICS];

#define R(n, o) (*(volatile uint32_t *)((n)->base + (o)))

/* Each register access is a VM exit (tens of microseconds here): after a
   reset the feature and queue selectors are 0 and the ring alignment is 4096
   already, and QEMU accepts DRIVER_OK in one write, so only what differs
   from those defaults is written. */
static void setup_queue(struct nic *n, int q, struct vq *v) {
    R(n, 0x30) = (uint32_t)q;                        /* QueueSel */
    if (R(n, 0x34) < QN)                             /* QueueNumMax */
        fatal("virtio queue too small");
    R(n, 0x38) = QN;                                 /* QueueNum */
    R(n, 0x40) = (uint32_t)((uint64_t)v >> 12);      /* QueuePFN */
}

static void init_nic(struct nic *n, uint64_t base) {
    n->base = base;
    R(n, 0x20) = 1u << 5;                            /* VIRTIO_NET_F_MAC only */
    R(n, 0x28) = 4096;                               /* GuestPageSize */
    setup_queue(n, 0, &n->rx);
    setup_queue(n, 1, &n->tx);
    for (int i = 0; i < QN; i++) {
        n->rx.desc[i] = (struct vdesc){(uint64_t)n->rxbuf[i], BUF, 2 /* device writes */, 0};
        n->rx.avail_ring[i] = (uint16_t)i;
    }
    barrier();
    n->rx.avail_idx = QN;
    barrier();
    R(n, 0x70) = 1 | 2 | 4;                          /* ACKNOWLEDGE, DRIVER, DRIVER_OK */
    R(n, 0x50) = 0;                                  /* notify RX */
}

const uint8_t *net_mac(int k) { return nics[k].mac; }

/* Every register read is a VM exit: the scan stops once it has `want` NICs
   (the slots in use are the last ones), and reads each MAC once. */
int net_probe(int want) {
    int count = 0, next = 0;
    for (int i = MMIO_SLOTS - 1; i >= 0 && count < want; i--) {
        uint64_t b = MMIO_BASE + 0x200ull * i;
        if (*(volatile uint32_t *)b != 0x74726976 || *(volatile uint32_t *)(b + 8) != 1)
            continue;                                /* not "virt", or not a net device */
        uint8_t mac[6];
        uint32_t lo = *(volatile uint32_t *)(b + 0x100);
        uint16_t hi = *(volatile uint16_t *)(b + 0x104);
        memcpy(mac, &lo, 4);
        memcpy(mac + 4, &hi, 2);
        int k = (mac[0] == 0x52 && mac[1] == 0x54 && mac[2] == 0x00 && mac[3] == 0xc1
                 && mac[4] == 0x1c) ? mac[5] : next;
        if (k >= MAX_NICS || present[k])
            fatal("NIC index out of range or given twice");
        memcpy(nics[k].mac, mac, 6);
        init_nic(&nics[k], b);
        present[k] = 1;
        next = k + 1;
        count++;
    }
    return count;
}

int net_rx(int k, uint8_t *dst, int cap) {
    struct nic *n = &nics[k];
    if (!present[k])
        return 0;
    barrier();
    if (n->rx.used_idx == n->rx_seen)
        return 0;
    uint32_t id = n->rx.used_ring[n->rx_seen % QN].id % QN;
    int len = (int)n->rx.used_ring[n->rx_seen % QN].len - HDR;
    if (len > cap)
        len = cap;
    if (len < 0)
        len = 0;
    memcpy(dst, n->rxbuf[id] + HDR, (size_t)len);
    n->rx_seen++;
    n->rx.avail_ring[n->rx.avail_idx % QN] = (uint16_t)id;   /* give the buffer back */
    barrier();
    n->rx.avail_idx++;
    n->rx_recycled = 1;
    return len;
}

void net_rx_flush(int k) {
    struct nic *n = &nics[k];
    if (present[k] && n->rx_recycled) {
        barrier();
        if (!(n->rx.used_flags & 1))                 /* VRING_USED_F_NO_NOTIFY: QEMU waits */
            R(n, 0x50) = 0;                          /* QueueNotify(RX): buffers are back */
        n->rx_recycled = 0;
    }
}

int net_tx_room(int k) {
    struct nic *n = &nics[k];
    if (!present[k])
        return 0;
    barrier();
    n->tx_reclaimed = n->tx.used_idx;
    return QN - (uint16_t)(n->tx_added - n->tx_reclaimed);
}

void net_tx(int k, const uint8_t *src, int len) {
    struct nic *n = &nics[k];
    int d = n->tx_added % QN;
    if (len > BUF - HDR)
        len = BUF - HDR;
    memset(n->txbuf[d], 0, HDR);
    memcpy(n->txbuf[d] + HDR, src, (size_t)len);
    n->tx.desc[d] = (struct vdesc){(uint64_t)n->txbuf[d], (uint32_t)(HDR + len), 0, 0};
    n->tx.avail_ring[n->tx.avail_idx % QN] = (uint16_t)d;
    barrier();
    n->tx.avail_idx++;
    n->tx_added++;
    n->tx_pending = 1;
}

void net_tx_flush(int k) {
    struct nic *n = &nics[k];
    if (present[k] && n->tx_pending) {
        barrier();
        if (!(n->tx.used_flags & 1))                 /* QEMU is not already sending */
            R(n, 0x50) = 1;                          /* QueueNotify(TX) */
        n->tx_pending = 0;
    }
}
