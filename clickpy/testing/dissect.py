"""Frames as scapy sees them."""
from __future__ import annotations

import struct

from scapy.layers.l2 import Ether
from scapy.packet import Raw


def dissect(data: bytes):
    """A frame as scapy's Ether (Raw bytes when too short for an Ethernet header)."""
    try:
        return Ether(data)
    except struct.error:
        return Raw(data)
