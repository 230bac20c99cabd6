"""Builders for the common packets, with PTF's names, arguments and defaults.

simple_tcp_packet(ip_dst="10.0.2.2", tcp_dport=22) is a 100-byte Ethernet
frame (pktlen) with a TCP SYN inside; the payload fills the frame up to
pktlen with the bytes 0, 1, 2, ...  dl_vlan_enable=True adds an 802.1Q tag
(vlan_vid, vlan_pcp, dl_vlan_cfi).  Lengths and checksums are filled in, as
they go on the wire; give ip_ttl, ip_id, with_tcp_chksum=False ... to change
them.
"""
from __future__ import annotations

from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.l2 import ARP, Dot1Q, Ether
from scapy.packet import Packet

ETH_DST, ETH_SRC = "00:01:02:03:04:05", "00:06:07:08:09:0a"


def _pad(pkt: Packet, pktlen: int) -> Packet:
    """Fill up to pktlen bytes with 0, 1, 2, ... (PTF's payload)."""
    missing = pktlen - len(pkt)
    if missing > 0:
        pkt = pkt / bytes(k % 256 for k in range(missing))
    return pkt.__class__(bytes(pkt))


def _eth(eth_dst, eth_src, dl_vlan_enable, vlan_vid, vlan_pcp, dl_vlan_cfi, eth_type=None):
    eth = Ether(dst=eth_dst, src=eth_src)
    if eth_type is not None and not dl_vlan_enable:
        eth.type = eth_type
    if dl_vlan_enable:
        eth = eth / Dot1Q(prio=vlan_pcp, dei=dl_vlan_cfi, vlan=vlan_vid)
        if eth_type is not None:
            eth[Dot1Q].type = eth_type
    return eth


def _ip(ip_src, ip_dst, ip_tos, ip_ecn, ip_dscp, ip_ttl, ip_id, ip_frag, ip_ihl, ip_options,
        ip_flags=0):
    if ip_dscp is not None or ip_ecn is not None:
        ip_tos = ((ip_dscp or 0) << 2) | (ip_ecn or 0)
    ip = IP(src=ip_src, dst=ip_dst, tos=ip_tos, ttl=ip_ttl, id=ip_id, frag=ip_frag, ihl=ip_ihl,
            flags=ip_flags)
    if ip_options:
        ip.options = ip_options
    return ip


def simple_eth_packet(pktlen=60, eth_dst=ETH_DST, eth_src=ETH_SRC, eth_type=0x88CC,
                      dl_vlan_enable=False, vlan_vid=0, vlan_pcp=0, dl_vlan_cfi=0) -> Packet:
    return _pad(_eth(eth_dst, eth_src, dl_vlan_enable, vlan_vid, vlan_pcp, dl_vlan_cfi,
                     eth_type), pktlen)


def simple_tcp_packet(pktlen=100, eth_dst=ETH_DST, eth_src=ETH_SRC, dl_vlan_enable=False,
                      vlan_vid=0, vlan_pcp=0, dl_vlan_cfi=0, ip_src="192.168.0.1",
                      ip_dst="192.168.0.2", ip_tos=0, ip_ecn=None, ip_dscp=None, ip_ttl=64,
                      ip_id=0x0001, ip_frag=0, ip_flags=0, tcp_sport=1234, tcp_dport=80,
                      tcp_flags="S", ip_ihl=None, ip_options=False, with_tcp_chksum=True,
                      tcp_window=8192, tcp_urgent=0, tcp_options=(), tcp_seq=0,
                      tcp_ack=0) -> Packet:
    tcp = TCP(sport=tcp_sport, dport=tcp_dport, flags=tcp_flags, window=tcp_window,
              urgptr=tcp_urgent, options=list(tcp_options), seq=tcp_seq, ack=tcp_ack)
    if not with_tcp_chksum:
        tcp.chksum = 0
    return _pad(_eth(eth_dst, eth_src, dl_vlan_enable, vlan_vid, vlan_pcp, dl_vlan_cfi)
                / _ip(ip_src, ip_dst, ip_tos, ip_ecn, ip_dscp, ip_ttl, ip_id, ip_frag, ip_ihl,
                      ip_options, ip_flags) / tcp, pktlen)


def simple_udp_packet(pktlen=100, eth_dst=ETH_DST, eth_src=ETH_SRC, dl_vlan_enable=False,
                      vlan_vid=0, vlan_pcp=0, dl_vlan_cfi=0, ip_src="192.168.0.1",
                      ip_dst="192.168.0.2", ip_tos=0, ip_ecn=None, ip_dscp=None, ip_ttl=64,
                      ip_id=0x0001, ip_frag=0, ip_flags=0, udp_sport=1234, udp_dport=80,
                      ip_ihl=None, ip_options=False, with_udp_chksum=True,
                      udp_payload=None) -> Packet:
    udp = UDP(sport=udp_sport, dport=udp_dport)
    if not with_udp_chksum:
        udp.chksum = 0
    pkt = (_eth(eth_dst, eth_src, dl_vlan_enable, vlan_vid, vlan_pcp, dl_vlan_cfi)
           / _ip(ip_src, ip_dst, ip_tos, ip_ecn, ip_dscp, ip_ttl, ip_id, ip_frag, ip_ihl,
                 ip_options, ip_flags) / udp)
    if udp_payload is not None:
        pkt = pkt / udp_payload
    return _pad(pkt, pktlen)


def simple_icmp_packet(pktlen=60, eth_dst=ETH_DST, eth_src=ETH_SRC, dl_vlan_enable=False,
                       vlan_vid=0, vlan_pcp=0, dl_vlan_cfi=0, ip_src="192.168.0.1",
                       ip_dst="192.168.0.2", ip_tos=0, ip_ecn=None, ip_dscp=None, ip_ttl=64,
                       ip_id=0x0001, ip_flags=0, icmp_type=8, icmp_code=0, icmp_data=b"",
                       icmp_id=0, icmp_seq=0) -> Packet:
    return _pad(_eth(eth_dst, eth_src, dl_vlan_enable, vlan_vid, vlan_pcp, dl_vlan_cfi)
                / _ip(ip_src, ip_dst, ip_tos, ip_ecn, ip_dscp, ip_ttl, ip_id, 0, None, False,
                      ip_flags)
                / ICMP(type=icmp_type, code=icmp_code, id=icmp_id, seq=icmp_seq) / icmp_data,
                pktlen)


def simple_arp_packet(pktlen=60, eth_dst="ff:ff:ff:ff:ff:ff", eth_src=ETH_SRC,
                      dl_vlan_enable=False, vlan_vid=0, vlan_pcp=0, dl_vlan_cfi=0,
                      arp_op=1, ip_snd="192.168.0.1", ip_tgt="192.168.0.2",
                      hw_snd=None, hw_tgt="00:00:00:00:00:00") -> Packet:
    """An ARP request (arp_op=1: who has ip_tgt, tell ip_snd) or reply (arp_op=2)."""
    return _pad(_eth(eth_dst, eth_src, dl_vlan_enable, vlan_vid, vlan_pcp, dl_vlan_cfi)
                / ARP(op=arp_op, hwsrc=hw_snd or eth_src, psrc=ip_snd, hwdst=hw_tgt,
                      pdst=ip_tgt), pktlen)
