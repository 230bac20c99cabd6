"""Active queue management: elements that drop packets early to keep queues short."""
