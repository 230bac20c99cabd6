// router.click -- Click's standard two-interface IPv4 router
//
// The IP router of the Click paper (Kohler et al., "The Click Modular
// Router", ACM TOCS 2000), in the form Click's make-ip-conf.pl writes it,
// for two interfaces:
//   IF0  10.0.1.1/24  00:00:0a:00:01:01
//   IF1  10.0.2.1/24  00:00:0a:00:02:01   (default route via 10.0.2.254)
// Per interface, a Classifier splits ARP queries, ARP replies, IP and the
// rest; an ARPResponder answers for the router's address; an ARPQuerier
// resolves next hops; a Queue feeds the device.  IP packets are painted with
// the interface they came in on, checked, and routed by StaticIPLookup.  On
// the way out each packet passes DropBroadcasts, PaintTee (a packet leaving by
// the interface it came in on earns the sender an ICMP redirect), IPGWOptions,
// FixIPSrc, DecIPTTL and IPFragmenter; each of those has an ICMPError branch
// back into the routing table.  Packets for the router itself go to the host.
// Unlike make-ip-conf.pl's, the "fragmentation needed" errors carry the
// next-hop MTU (PMTU 1500), as RFC 1191 requires for path MTU discovery.
//
// Interface names, ring type and default route (see rt[3]) are variables: clickpy check configs/router.click IF0=veth0 IF1=veth1 METHOD=AFXDP

define($IF0 eth0, $IF1 eth1, $METHOD AFPACKET, $DEFAULT_ROUTE 0.0.0.0/0 10.0.2.254 2);

// Shared IP input path and routing table.
ip :: Strip(14)
    -> CheckIPHeader(INTERFACES 10.0.1.1/24 10.0.2.1/24)
    -> GetIPAddress(16)
    -> rt :: StaticIPLookup(
        10.0.1.1/32 0,
        10.0.1.255/32 0,
        10.0.1.0/32 0,
        10.0.2.1/32 0,
        10.0.2.255/32 0,
        10.0.2.0/32 0,
        10.0.1.0/24 1,
        10.0.2.0/24 2,
        255.255.255.255/32 0.0.0.0 0,
        0.0.0.0/32 0,
        $DEFAULT_ROUTE);

// ARP responses are copied to each ARPQuerier and the host.
arpt :: Tee(3);

// Input and output paths for interface 0.
c0 :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
FromDevice($IF0, METHOD $METHOD) -> c0;
out0 :: Queue(200) -> ToDevice($IF0, METHOD $METHOD);
c0[0] -> ar0 :: ARPResponder(10.0.1.1 00:00:0a:00:01:01) -> out0;
arpq0 :: ARPQuerier(10.0.1.1, 00:00:0a:00:01:01) -> out0;
c0[1] -> arpt;
arpt[0] -> [1]arpq0;
c0[2] -> Paint(1) -> ip;
c0[3] -> Print("eth0 non-IP") -> Discard;

// Input and output paths for interface 1.
c1 :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
FromDevice($IF1, METHOD $METHOD) -> c1;
out1 :: Queue(200) -> ToDevice($IF1, METHOD $METHOD);
c1[0] -> ar1 :: ARPResponder(10.0.2.1 00:00:0a:00:02:01) -> out1;
arpq1 :: ARPQuerier(10.0.2.1, 00:00:0a:00:02:01) -> out1;
c1[1] -> arpt;
arpt[1] -> [1]arpq1;
c1[2] -> Paint(2) -> ip;
c1[3] -> Print("eth1 non-IP") -> Discard;

// Local delivery: ARP replies and packets addressed to the router.
toh :: ToHost;
arpt[2] -> toh;
rt[0] -> EtherEncap(0x0800, 1:1:1:1:1:1, 2:2:2:2:2:2) -> toh;

// No route.  Packets no route takes are dropped (counted "no route" at rt), as
// in Click's router; DEFAULT_ROUTE= (empty) removes the default route.  With
// DEFAULT_ROUTE='0.0.0.0/0 3' what no other route takes comes here instead and
// is answered with ICMP destination unreachable, net unreachable (code 0), its
// source fixed by FixIPSrc on the way out to the router's address there.
rt[3] -> noroute :: ICMPError(10.0.1.1, unreachable, net) -> rt;

// Forwarding path for interface 0.
rt[1] -> DropBroadcasts
      -> cp0 :: PaintTee(1)
      -> gio0 :: IPGWOptions(10.0.1.1)
      -> FixIPSrc(10.0.1.1)
      -> dt0 :: DecIPTTL
      -> fr0 :: IPFragmenter(1500)
      -> [0]arpq0;
dt0[1] -> ICMPError(10.0.1.1, timeexceeded) -> rt;
fr0[1] -> ICMPError(10.0.1.1, unreachable, needfrag, PMTU 1500) -> rt;
gio0[1] -> ICMPError(10.0.1.1, parameterproblem) -> rt;
cp0[1] -> ICMPError(10.0.1.1, redirect, host) -> rt;

// Forwarding path for interface 1.
rt[2] -> DropBroadcasts
      -> cp1 :: PaintTee(2)
      -> gio1 :: IPGWOptions(10.0.2.1)
      -> FixIPSrc(10.0.2.1)
      -> dt1 :: DecIPTTL
      -> fr1 :: IPFragmenter(1500)
      -> [0]arpq1;
dt1[1] -> ICMPError(10.0.2.1, timeexceeded) -> rt;
fr1[1] -> ICMPError(10.0.2.1, unreachable, needfrag, PMTU 1500) -> rt;
gio1[1] -> ICMPError(10.0.2.1, parameterproblem) -> rt;
cp1[1] -> ICMPError(10.0.2.1, redirect, host) -> rt;
