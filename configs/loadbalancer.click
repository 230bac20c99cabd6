// loadbalancer.click -- a layer-4 load balancer spreading flows over backends
//
// Clients on the outside (OUT, 10.0.2.0/24) connect to the virtual address
// 10.0.2.100.  Each new TCP or UDP flow is given to the next of three
// backends on the inside (IN, 10.0.1.0/24), round robin
// (RoundRobinIPMapper): the destination is rewritten to the backend, and the
// backend's replies are rewritten back to come from 10.0.2.100.  A flow stays
// with its backend until it times out.  The balancer answers ARP and pings
// for its own addresses and for the virtual address.
//   IN   10.0.1.1/24  00:00:0a:00:01:01   backends 10.0.1.11, .12, .13
//   OUT  10.0.2.1/24  00:00:0a:00:02:01   virtual address 10.0.2.100
//
// Interface names are variables: clickpy check configs/loadbalancer.click IN=veth0 OUT=veth1

define($IN eth0, $OUT eth1);

cin :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
cout :: Classifier(12/0806 20/0001, 12/0806 20/0002, 12/0800, -);
FromDevice($IN) -> cin;
FromDevice($OUT) -> cout;
toin :: Queue(1024) -> ToDevice($IN);
toout :: Queue(1024) -> ToDevice($OUT);

cin[0] -> ARPResponder(10.0.1.1 00:00:0a:00:01:01) -> toin;
cout[0] -> ARPResponder(10.0.2.1 00:00:0a:00:02:01, 10.0.2.100 00:00:0a:00:02:01) -> toout;
arpin :: ARPQuerier(10.0.1.1, 00:00:0a:00:01:01) -> toin;
arpout :: ARPQuerier(10.0.2.1, 00:00:0a:00:02:01) -> toout;
cin[1] -> [1]arpin;
cout[1] -> [1]arpout;
cin[3] -> Discard;
cout[3] -> Discard;

// New flows to the virtual address pick the next backend.
backends :: RoundRobinIPMapper(- - 10.0.1.11 - 0 1,
                               - - 10.0.1.12 - 0 1,
                               - - 10.0.1.13 - 0 1);
lb :: IPRewriter(backends, drop);

// Only TCP and UDP for the virtual address are balanced; pings to it and to
// the balancer's own addresses are answered; the rest is dropped.
cout[2] -> Strip(14) -> CheckIPHeader
        -> vip :: IPClassifier(dst host 10.0.2.100 and (tcp or udp),
                               icmp type echo and (dst host 10.0.2.100 or dst host 10.0.2.1),
                               -)
        -> [0]lb;
vip[1] -> ICMPPingResponder -> out;
vip[2] -> Discard;
cin[2] -> Strip(14) -> CheckIPHeader
       -> own :: IPClassifier(icmp type echo and dst host 10.0.1.1, -)
       -> ICMPPingResponder -> arpin;
own[1] -> [1]lb;

lb[0] -> dtin :: DecIPTTL -> arpin;
lb[1] -> out :: StaticIPLookup(10.0.2.0/24 0, 0.0.0.0/0 10.0.2.254 0)
      -> dtout :: DecIPTTL -> arpout;
dtin[1] -> Discard;
dtout[1] -> Discard;
