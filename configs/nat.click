// nat.click -- a NAT router: inside hosts share the outside address
//
// Two interfaces:
//   IN   10.0.1.1/24  00:00:0a:00:01:01   inside hosts, which use 10.0.1.1 as their gateway
//   OUT  10.0.2.1/24  00:00:0a:00:02:01   the outside; other networks via 10.0.2.254
// Each interface answers ARP for its address and resolves next hops with an
// ARPQuerier.  IPRewriter translates TCP and UDP flows from the inside to
// 10.0.2.1 and a free port in 1024-65535 (its input 0 spec), and translates
// replies back (its input 1 spec `drop`: packets from the outside that belong
// to no flow are dropped).  ICMPPingRewriter does the same for pings: an
// inside host's echo requests leave from 10.0.2.1 with an identifier in
// 1024-65535, and their echo replies come back to it.  ICMP errors about
// translated packets (unreachable, time exceeded...) come back too, rewritten
// by ICMPRewriter to quote the inside host's packet.  The NAT answers pings
// to its own addresses.  Other IP protocols are not translated and are
// dropped by the rewriter.
//
// Interface names are variables: clickpy check configs/nat.click IN=veth0 OUT=veth1

define($IN eth0, $OUT eth1);

cin :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
cout :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
FromDevice($IN) -> cin;
FromDevice($OUT) -> cout;
toin :: Queue(1024) -> ToDevice($IN);
toout :: Queue(1024) -> ToDevice($OUT);

// ARP on both sides.
cin[0] -> ARPResponder(10.0.1.1 00:00:0a:00:01:01) -> toin;
cout[0] -> ARPResponder(10.0.2.1 00:00:0a:00:02:01) -> toout;
arpin :: ARPQuerier(10.0.1.1, 00:00:0a:00:01:01) -> toin;
arpout :: ARPQuerier(10.0.2.1, 00:00:0a:00:02:01) -> toout;
cin[1] -> [1]arpin;
cout[1] -> [1]arpout;
cin[3] -> Discard;
cout[3] -> Discard;

// Translation: TCP and UDP by IPRewriter, pings by ICMPPingRewriter.
nat :: IPRewriter(pattern 10.0.2.1 1024-65535 - - 0 1, drop);
pings :: ICMPPingRewriter(pattern 10.0.2.1 1024-65535 - - 0 1, drop);
cin[2] -> Strip(14) -> CheckIPHeader
       -> inside :: IPClassifier(icmp type echo and (dst host 10.0.1.1 or dst host 10.0.2.1),
                                 icmp type echo, -);
cout[2] -> Strip(14) -> CheckIPHeader
        -> outside :: IPClassifier(icmp type echo and dst host 10.0.2.1,
                                   icmp type echo-reply, icmp, -);
inside[0] -> ICMPPingResponder -> arpin;        // pings to the NAT itself
outside[0] -> ICMPPingResponder -> out;
inside[1] -> [0]pings;
outside[1] -> [1]pings;
inside[2] -> [0]nat;
outside[2] -> errors :: ICMPRewriter(nat pings);    // other ICMP: errors about our flows
outside[3] -> [1]nat;

// Outbound: route to the outside network or its gateway.
nat[0] -> out :: StaticIPLookup(10.0.2.0/24 0, 0.0.0.0/0 10.0.2.254 0)
       -> dtout :: DecIPTTL -> arpout;
pings[0] -> out;
// Inbound replies go straight to the inside host (the rewritten destination).
nat[1] -> dtin :: DecIPTTL -> arpin;
pings[1] -> dtin;
errors -> dtin;
dtout[1] -> Discard;
dtin[1] -> Discard;
