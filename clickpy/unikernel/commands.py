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
          f"devices {', '.join(spec.devices)}, memory {spec.memory}, "
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
