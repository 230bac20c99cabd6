// monitor.click -- a passive flow monitor
//
// Watches a device without forwarding anything: IP packets are checked,
// assigned to flows by AggregateIPFlows (the aggregate annotation numbers
// each TCP/UDP flow), counted per protocol and printed in Click's IPPrint
// format when VERBOSE is true.  Counters: frames (every frame), nonip,
// flows (IP packets of TCP/UDP flows), notflow (other IP packets: ICMP,
// other protocols), and tcp, udp, icmp, other (every checked IP packet, by
// protocol).  Read them with handlers, e.g.
//   clickpy run configs/monitor.click -h tcp.count -h udp.count -h flows.count
//
// Variables: clickpy check configs/monitor.click DEV=veth0 VERBOSE=true

define($DEV eth0, $VERBOSE false);

FromDevice($DEV, SNIFFER true, PROMISC true)
    -> frames :: Counter
    -> c :: Classifier(12/0800, -);
c[1] -> nonip :: Counter -> Discard;
c[0] -> Strip(14)
    -> CheckIPHeader
    -> agg :: AggregateIPFlows
    -> flows :: Counter
    -> print :: IPPrint(AGGREGATE true, ACTIVE $VERBOSE)
    -> proto :: IPClassifier(tcp, udp, icmp, -);
// AggregateIPFlows sends what is not a TCP/UDP flow to its output 1: counted,
// then printed and counted per protocol like the rest.
agg[1] -> notflow :: Counter -> print;
proto[0] -> tcp :: Counter -> Discard;
proto[1] -> udp :: Counter -> Discard;
proto[2] -> icmp :: Counter -> Discard;
proto[3] -> other :: Counter -> Discard;
