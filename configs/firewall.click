// firewall.click -- stateful firewall, transparent between two interfaces
//
// Hosts on the inside (IN) may open TCP connections to SSH, HTTP and HTTPS
// servers, send DNS queries over UDP and ping; everything else from the
// inside is dropped.  From the outside (OUT), only the return traffic of
// flows the inside opened is let in: IPRewriter's flow table remembers each
// allowed flow (a pattern that rewrites nothing) and its second input, whose
// spec is `drop`, passes only packets that match a remembered flow, in
// reverse.  ICMPPingRewriter does the same for pings: echo replies come in
// only for the echo requests that went out.
// Non-IP frames (ARP) are bridged both ways so hosts can find each other.
// The flow table matches a packet whichever side it came from, so packets are
// painted with their side and may leave only by the other one: a packet from
// the outside that matches an inside flow's own direction is dropped, not
// sent back out.
//
// Interface names are variables: clickpy check configs/firewall.click IN=veth0 OUT=veth1

define($IN eth0, $OUT eth1);

toout :: Queue(1024) -> ToDevice($OUT);
toin :: Queue(1024) -> ToDevice($IN);

// The flow tables: input 0 creates flows (and sends them to output 0),
// input 1 only accepts replies of known flows (sent to output 1).
flows :: IPRewriter(pattern - - - - 0 1, drop);
pings :: ICMPPingRewriter(pattern - - - - 0 1, drop);

FromDevice($IN) -> cin :: Classifier(12/0800, -);
cin[1] -> toout;
cin[0] -> Paint(1) -> CheckIPHeader(14)
       -> allow :: IPFilter(allow tcp && dst port 22,
                            allow tcp && dst port 80,
                            allow tcp && dst port 443,
                            allow udp && dst port 53,
                            allow icmp type echo,
                            deny all)
       -> inside :: IPClassifier(icmp, -);
inside[0] -> [0]pings;
inside[1] -> [0]flows;

FromDevice($OUT) -> cout :: Classifier(12/0800, -);
cout[1] -> toin;
cout[0] -> Paint(2) -> CheckIPHeader(14) -> outside :: IPClassifier(icmp type echo-reply, -);
outside[0] -> [1]pings;
outside[1] -> [1]flows;

flows[0] -> out :: CheckPaint(1) -> toout;
flows[1] -> in :: CheckPaint(2) -> toin;
pings[0] -> out;
pings[1] -> in;
