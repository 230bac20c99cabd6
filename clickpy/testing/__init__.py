"""Packet-level testing of configurations with scapy, in the style of PTF.

Open a configuration, send packets into its ports, verify what comes out:

    from clickpy.testing import open_middlebox, simple_udp_packet, masked

    mb = open_middlebox("wire")
    p = simple_udp_packet()
    mb.send("eth0", p)
    mb.verify_packet(p, "eth1")
    mb.verify_no_other_packets()

Pieces: middlebox (the verbs), packets (PTF's builders), mask (don't-care
fields), compare (expected vs arrived, field by field), backend (modes),
memory (memory mode), network (veth pairs in namespaces), image (a booted
unikernel on taps), wire (raw sockets inside namespaces), plugin (pytest
fixtures and markers), fuzzing.  open_middlebox(config, mode="network")
picks the mode; the verbs are the same in all three.
"""
from __future__ import annotations

import importlib

_WHERE = {
    "backend": ("MODES", "Backend", "ModeUnavailable", "unavailable"),
    "config": ("config_path", "shipped"),
    "compare": ("diff",),
    "mask": ("Mask", "masked"),
    "middlebox": ("Middlebox", "VerificationError", "open_middlebox"),
    "packets": ("simple_arp_packet", "simple_eth_packet", "simple_icmp_packet",
                "simple_tcp_packet", "simple_udp_packet"),
    "verify": ("count_matched_packets", "send_packet", "verify_no_other_packets",
               "verify_no_packet", "verify_packet", "verify_packet_any_port", "verify_packets"),
    "fuzzing": ("fuzz", "fuzz_here", "FuzzReport"),
}
_MODULE = {name: module for module, names in _WHERE.items() for name in names}
__all__ = sorted(_MODULE)


def __getattr__(name: str):
    """Imported on first use: `clickpy fuzz` and the pytest plugin should not pay for scapy
    until a test needs it."""
    if name not in _MODULE:
        raise AttributeError(f"module 'clickpy.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"clickpy.testing.{_MODULE[name]}"), name)
    globals()[name] = value
    return value
