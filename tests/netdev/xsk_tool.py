"""Run inside a test namespace: AF_XDP sockets (clickpy.rings.af_xdp) driven by hand.

  relay IN OUT SECONDS COUNT   frames from IN's sockets out OUT's tx ring, until COUNT
                               or SECONDS; prints "ready" once the XDP program is on
  count DEV PEER N             N UDP frames (distinct ports) sent from PEER arrive on DEV's
                               sockets; prints the frames each queue got, as JSON
  flood DEV PEER N             the same, but all N are sent before DEV's sockets are read
                               (more than its rings hold: the kernel drops the rest)
Both print a last JSON line: {"got", "sent", "per_queue", "kernel_drops", "corrupt", ...}.
"""
import json
import select
import socket
import sys
import time

from clickpy.packet import Pool, release
from clickpy.rings import af_xdp


def relay(src: str, dst: str, seconds: float, want: int) -> dict:
    inp = af_xdp.acquire(src, receive=True)
    out = af_xdp.acquire(dst, receive=False)
    try:
        print("ready", flush=True)
        P = Pool(4096).arrays
        got = sent = 0
        end = time.time() + seconds
        while time.time() < end and got < want:
            s = af_xdp.rx_take(inp.rx, inp.fill, inp.umem, inp.ctl, P, 2046)
            if s < 0:
                out.kick()
                select.select(inp.filenos(), [], [], 0.05)
                continue
            got += 1
            sent += af_xdp.tx_put(out.tx, out.completion, out.umem, out.ctl, P, s)
            release(P, s)
        out.kick()
        time.sleep(0.3)                         # let the kernel complete what it sent
        af_xdp.reap(out.completion, out.ctl)
        return {"got": got, "sent": sent, "queues": inp.queues, "zerocopy": inp.zerocopy,
                "xdp_mode": inp.redirect.mode, "kernel_drops": inp.kernel_drops(),
                "corrupt": int(inp.ctl[af_xdp.CORRUPT] + out.ctl[af_xdp.CORRUPT]),
                "tx_free": int(out.ctl[af_xdp.TX_NFREE])}
    finally:
        af_xdp.release(inp)
        af_xdp.release(out)


def count(dev: str, peer: str, n: int, flood: bool = False) -> dict:
    port = af_xdp.acquire(dev, receive=True)
    try:
        tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        tx.bind((peer, 0))
        for i in range(n):
            udp = ((1000 + i) & 0xFFFF).to_bytes(2, "big") + (2000 + 7 * i & 0xFFFF).to_bytes(
                2, "big") + bytes(12)
            ip = (bytes.fromhex("4500002c00004000401100000a0000010a000002") + udp)
            tx.send(b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip)
        tx.close()
        P = Pool(4096).arrays
        per_queue = [0] * port.queues
        got, end = 0, time.time() + 5
        while got < n and time.time() < end:
            q = int(port.ctl[af_xdp.RR])
            s = af_xdp.rx_take(port.rx, port.fill, port.umem, port.ctl, P, 2046)
            if s < 0:
                if not select.select(port.filenos(), [], [], 0.05)[0] and flood:
                    break                   # all were sent before: the rest were dropped
                continue
            # rx_take moved the round-robin cursor past the queue it read from
            nq = port.queues
            q = next(k for k in ((q + j) % nq for j in range(nq))
                     if port.ctl[af_xdp.queue_words(k) + af_xdp.RX_NEXT] > per_queue[k])
            per_queue[q] += 1
            got += 1
            release(P, s)
        return {"got": got, "queues": port.queues, "per_queue": per_queue,
                "kernel_drops": port.kernel_drops(), "corrupt": int(port.ctl[af_xdp.CORRUPT]),
                "statistics": [int(v) for v in port.statistics()]}
    finally:
        af_xdp.release(port)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "relay":
        result = relay(args[0], args[1], float(args[2]), int(args[3]))
    else:
        result = count(args[0], args[1], int(args[2]), flood=cmd == "flood")
    print(json.dumps(result), flush=True)
