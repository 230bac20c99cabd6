// bridge.click -- a learning Ethernet bridge between two interfaces
//
// EtherSwitch learns which interface each source Ethernet address lives
// behind; frames for a known destination leave by that interface only,
// others (broadcasts, unknown destinations) by every interface but the one
// they came in on.  Learned addresses expire after TIMEOUT seconds.
//
// Interface names are variables: clickpy check configs/bridge.click A=veth0 B=veth1

define($A eth0, $B eth1);

sw :: EtherSwitch(TIMEOUT 300);
FromDevice($A, PROMISC true) -> [0]sw;
FromDevice($B, PROMISC true) -> [1]sw;
sw[0] -> Queue(1024) -> ToDevice($A);
sw[1] -> Queue(1024) -> ToDevice($B);
