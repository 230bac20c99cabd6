"""The image commands of the CLI: build, boot, stop, handler.

Registered by clickpy.cli.build_parser through `add_commands`.  Exit codes as
everywhere: 0 ok, 1 errors, 2 usage.
"""
from __future__ import annotations

import argparse
import os
import sys

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def _errors(diags, headline: str) -> int:
    for d in diags:
        print(d.format(), file=sys.stderr)
    print(f"clickpy: {headline}", file=sys.stderr)
    return EXIT_ERRORS


def cmd_build(args: argparse.Namespace) -> int:
    """Build a bootable unikernel image from a configuration or an image manifest."""
    # Compile for the guest's generic x86-64, not this host's CPU (read when numba loads).
    os.environ.setdefault("NUMBA_CPU_NAME", "x86-64")
    os.environ.setdefault("NUMBA_CPU_FEATURES", "")
    from clickpy.unikernel import manifest
    from clickpy.unikernel.build import BuildError, build
    if not os.path.isfile(args.source):
        print(f"clickpy build: error: cannot read {args.source!r}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if manifest.is_manifest(args.source):
            spec = manifest.load(args.source)
        else:
            spec = manifest.from_config(args.source, dict(d.split("=", 1) for d in args.define))
        out = args.output or os.path.join("vnf_images", "build", spec.name + ".elf")
        built = build(spec, out)
    except manifest.ManifestError as e:
        print(f"clickpy build: error: {e}", file=sys.stderr)
        return EXIT_ERRORS
    except BuildError as e:
        return _errors(e.diagnostics, str(e))
    print(f"{built.path}: {built.size} bytes (compiled tasks {built.tasks_text} bytes of code), "
          f"devices {', '.join(spec.devices)}, memory {spec.memory} "
          f"({built.memory_used / 2 ** 20:.1f} MiB used), "
          f"built in {built.seconds:.1f} s")
    return EXIT_OK


def add_commands(sub) -> None:
    p = sub.add_parser("build", help="build a unikernel image (QEMU microvm) of a configuration",
                       description=cmd_build.__doc__)
    p.add_argument("source", metavar="CONFIG|MANIFEST",
                   help="a configuration, or an image manifest (vnf_images/*.yaml)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="the image (default vnf_images/build/NAME.elf)")
    p.add_argument("-D", "--define", action="append", default=[], metavar="NAME=value",
                   help="set a configuration variable (with a bare configuration)")
    p.set_defaults(func=cmd_build)
    add_image_control(sub)


def _nics(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        dev, eq, tap = item.partition("=")
        if not eq or not dev or not tap:
            raise ValueError(f"--nic takes DEVICE=TAP, not {item!r}")
        out[dev] = tap
    return out


def cmd_boot(args: argparse.Namespace) -> int:
    """Boot an image under QEMU microvm, one tap per device; returns once it runs."""
    from clickpy.unikernel import vm
    try:
        nics = _nics(args.nic)
    except ValueError as e:
        print(f"clickpy boot: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    accel = "kvm" if args.kvm else "tcg" if args.tcg else None
    try:
        v = vm.boot(args.image, nics, name=args.name, accel=accel, memory=args.memory)
    except vm.VMError as e:
        print(f"clickpy boot: error: {e}", file=sys.stderr)
        return EXIT_ERRORS
    print(f"{v.name}: running (pid {v.pid}), console {v.console}")
    if args.wait_forward:
        if v.wait_for(vm.FORWARDED, args.wait_forward):
            line = next(ln for ln in v.console_text().decode(errors="replace").splitlines()
                        if "first packet forwarded" in ln)
            print(f"{v.name}: {line.split(': ', 1)[1]}")
        else:
            print(f"{v.name}: no packet forwarded within {args.wait_forward:g} s", file=sys.stderr)
            return EXIT_ERRORS
    return EXIT_OK


def cmd_stop(args: argparse.Namespace) -> int:
    """Stop a running image and remove its run folder."""
    from clickpy.unikernel import vm
    try:
        vm.stop(vm.find(args.name))
    except vm.VMError as e:
        print(f"clickpy stop: error: {e}", file=sys.stderr)
        return EXIT_ERRORS
    return EXIT_OK


def cmd_handler(args: argparse.Namespace) -> int:
    """Read or write an element handler of a running image (ELEMENT.HANDLER)."""
    from clickpy.runtime.router import HandlerError
    from clickpy.unikernel import vm
    from clickpy.unikernel.build import BuildError
    from clickpy.unikernel.control import ControlError, Mirror
    element, dot, handler = args.target.rpartition(".")
    if not dot or not element or not handler:
        print(f"clickpy handler: error: write ELEMENT.HANDLER, not {args.target!r}", file=sys.stderr)
        return EXIT_USAGE
    if args.op == "read" and args.value is not None:
        print("clickpy handler: error: read takes no VALUE", file=sys.stderr)
        return EXIT_USAGE
    try:
        v = vm.find(args.name)
        text = Mirror(v).handler(element, handler, args.value if args.op == "write" else None)
    except (vm.VMError, ControlError, HandlerError) as e:
        print(f"clickpy handler: error: {e}", file=sys.stderr)
        return EXIT_ERRORS
    except BuildError as e:
        return _errors(e.diagnostics, str(e))
    if args.op == "read":
        print(text.rstrip("\n"))
    return EXIT_OK


def add_image_control(sub) -> None:
    p = sub.add_parser("boot", help="boot a unikernel image under QEMU microvm",
                       description=cmd_boot.__doc__)
    p.add_argument("image", metavar="IMAGE", help="an image from clickpy build")
    p.add_argument("--nic", action="append", default=[], metavar="DEVICE=TAP",
                   help="attach the image's DEVICE to host tap TAP (one per device)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--kvm", action="store_true", help="use KVM (default when /dev/kvm works)")
    g.add_argument("--tcg", action="store_true", help="use QEMU's emulator (TCG)")
    p.add_argument("--memory", metavar="SIZE", help="guest memory (default: the manifest's)")
    p.add_argument("--name", help="name of the running image (default: the image's)")
    p.add_argument("--wait-forward", type=float, metavar="SECONDS",
                   help="wait until the image forwards its first packet, and report it")
    p.set_defaults(func=cmd_boot)

    p = sub.add_parser("stop", help="stop a running image", description=cmd_stop.__doc__)
    p.add_argument("name", metavar="NAME")
    p.set_defaults(func=cmd_stop)

    p = sub.add_parser("handler", help="read or write a handler of a running image",
                       description=cmd_handler.__doc__)
    p.add_argument("op", choices=("read", "write"))
    p.add_argument("name", metavar="IMAGE-NAME")
    p.add_argument("target", metavar="ELEMENT.HANDLER")
    p.add_argument("value", nargs="?", metavar="VALUE")
    p.set_defaults(func=cmd_handler)
