"""A traffic peer run inside a test namespace: raw frames in and out of one interface.

    python3 peer.py send IFACE HEX [HEX ...]          send each frame (hex) as is
    python3 peer.py sniff IFACE SECONDS [COUNT]       print "ready", then a JSON list of
                                                      received frames (hex) after SECONDS
                                                      or COUNT frames, whichever is first

Frames are crafted and dissected by the test with scapy; this side only
moves bytes, so it starts fast and needs nothing but the standard library.
"""
import json
import socket
import sys
import time

ETH_P_ALL = 3
PACKET_OUTGOING = 4


def send(iface, frames):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for f in frames:
        s.send(bytes.fromhex(f))


def sniff(iface, seconds, count):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, ETH_P_ALL))
    s.settimeout(0.05)
    print("ready", flush=True)
    got = []
    end = time.monotonic() + seconds
    while time.monotonic() < end and len(got) < count:
        try:
            frame, addr = s.recvfrom(65536)
        except socket.timeout:
            continue
        if addr[2] != PACKET_OUTGOING:
            got.append(frame.hex())
    print(json.dumps(got), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], sys.argv[3:])
    else:
        sniff(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 1 << 30)
