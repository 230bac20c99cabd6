"""Click's icmp elements."""
