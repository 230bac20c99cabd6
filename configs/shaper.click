// shaper.click -- a traffic shaper: limits one direction to a fixed bandwidth
//
// Frames from IN wait in a Queue; BandwidthRatedUnqueue takes them out no
// faster than RATE (a token bucket) and a second Queue feeds OUT.  When the
// first queue is full, new frames are dropped there (its `drops` handler
// counts them).  The other direction is not shaped.
//
// Variables: clickpy check configs/shaper.click IN=veth0 OUT=veth1 RATE=10Mbps

define($IN eth0, $OUT eth1, $RATE 10Mbps);

FromDevice($IN) -> shaped :: Queue(1000)
    -> rate :: BandwidthRatedUnqueue($RATE)
    -> out :: Queue(100)
    -> ToDevice($OUT);
FromDevice($OUT) -> Queue(1000) -> ToDevice($IN);
