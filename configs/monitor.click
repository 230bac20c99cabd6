// monitor.click -- a passive flow monitor
//
// Watches a device without forwarding anything: IP packets are checked,
// assigned to flows by AggregateIPFlows (the aggregate annotation numbers
// each TCP/UDP flow), counted per protocol and printed in Click's IPPrint
// format when VERBOSE is true.  Read the counters with handlers, e.g.
//   clickpy run configs/monitor.click -h tcp.count -h udp.count -h flows.count
//
// Interface name is a variable: clickpy check configs/monitor.click DEV=veth0

define($DEV eth0);

FromDevice($DEV, SNIFFER true, PROMISC true)
    -> frames :: Counter
    -> c :: Classifier(12/0800, -);
c[1] -> nonip :: Counter -> Discard;
c[0] -> Strip(14)
    -> CheckIPHeader
    -> agg :: AggregateIPFlows
    -> flows :: Counter
    -> proto :: IPClassifier(tcp, udp, icmp, -);
proto[0] -> tcp :: Counter -> Discard;
proto[1] -> udp :: Counter -> Discard;
proto[2] -> icmp :: Counter -> Discard;
proto[3] -> other :: Counter -> Discard;
agg[1] -> notflow :: Counter -> Discard;
