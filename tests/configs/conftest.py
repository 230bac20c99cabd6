"""The shipped middleboxes' tests run on clickpy.testing, in memory mode.

The `middlebox` fixture comes from clickpy's pytest plugin
(clickpy.testing.plugin): middlebox("router") opens configs/router.click
(yaml=True: router.yaml) with its devices bound to test ports, and returns a
clickpy.testing.Middlebox:

    mb = middlebox("router")
    out = mb.feed("eth0", [frame, ...])   # frames arriving on eth0, processed to the end
    out["eth1"]                           # scapy packets the router sent on eth1 meanwhile
    assert mb.account().balanced

Frames are fed in phases on a simulated clock (Middlebox.feed and
clickpy.testing.memory): each feed() runs until the configuration is quiet,
so a reply can be built from what came out, and element state carries over.
"""
