"""Per-function unikernel images: a configuration frozen into a bootable VM.

`clickpy build` turns a checked configuration into an ELF that QEMU's
microvm boots directly (PVH): the compiled tasks as a freestanding object,
the element state as initialized data, and the small C runtime in
runtime/ (boot, ring-3 switch, console, virtio-net, timer, control port).
`clickpy boot`, `stop` and `handler` drive a running image.
"""
