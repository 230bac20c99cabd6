"""Running compiled configurations: the loop queue, the driver, the packet account."""
