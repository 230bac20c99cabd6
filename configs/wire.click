// wire.click -- a wire: every frame from one interface leaves by the other
//
// The smallest middlebox: two one-way paths, each a Queue between a
// FromDevice and a ToDevice.  Useful as a baseline for the cost of the
// devices alone, and as a tap point to add elements to.
//
// Interface names are variables: clickpy check configs/wire.click A=veth0 B=veth1

define($A eth0, $B eth1);

FromDevice($A) -> Queue(1024) -> ToDevice($B);
FromDevice($B) -> Queue(1024) -> ToDevice($A);
