"""`nitrodeck eif …`: describe, measure, build, sign and diff enclave image files.

JSON goes to stdout in nitro-cli's exact shapes (describe-eif, pcr, build-enclave, sign-eif);
progress goes to stderr. build, sign and pcr always print their nitro-cli JSON (that is what
scripts parse); describe and diff print a readable summary unless `--json` is given.
Each handler imports what it needs: `describe` of a large image starts hashing sooner.
"""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from core.errors import UsageError
from tui.cli.output import print_json, progress


def _describe(args: argparse.Namespace) -> int:
    from core.eif.describe import describe_json, describe_text
    from core.eif.reader import read_eif

    info = read_eif(Path(args.path))
    if args.json:
        print_json(describe_json(info))
    else:
        print(describe_text(info))
    return 0


def _pcr(args: argparse.Namespace) -> int:
    from core.eif.measure import pcr8_of_certificate, pcr_of_file
    from core.input_files import read_input

    if (args.input is None) == (args.signing_certificate is None):
        raise UsageError("give exactly one of --input FILE or --signing-certificate PEM")
    if args.input is not None:
        print_json({"PCR": pcr_of_file(Path(args.input))})
        return 0
    path = Path(args.signing_certificate)
    pem = read_input(path, "--signing-certificate")  # E19, as every unreadable named file
    print_json({"PCR8": pcr8_of_certificate(pem, source=path)})
    return 0


def _build(args: argparse.Namespace) -> int:
    from core.eif.build import build_eif

    try:
        cmd = shlex.split(args.cmd) if args.cmd is not None else None
    except ValueError as error:
        raise UsageError(f"--cmd {args.cmd!r} cannot be split into words ({error})") from error
    measurements, output = build_eif(
        output=Path(args.output),
        rootfs=Path(args.rootfs) if args.rootfs else None,
        image_tar=Path(args.image_tar) if args.image_tar else None,
        docker_uri=args.docker_uri,
        blobs=Path(args.blobs) if args.blobs else None,
        name=args.name,
        version=args.version,
        cmd=cmd,
        env=args.env,
        progress=progress,
    )
    progress(f"Wrote {output}")
    print_json({"Measurements": measurements.to_json()})
    return 0


def _build_demo(args: argparse.Namespace) -> int:
    from core.agent.demo import build_demo_image

    extra = {"/app/VARIANT": args.variant.encode()} if args.variant is not None else None
    measurements = build_demo_image(Path(args.output), extra_files=extra, progress=progress)
    progress(f"Wrote {args.output}")
    print_json({"Measurements": measurements.to_json()})
    return 0


def _sign(args: argparse.Namespace) -> int:
    from core.eif.sign import sign_eif

    measurements = sign_eif(
        Path(args.eif_path), Path(args.signing_certificate), Path(args.private_key)
    )
    progress("Enclave Image successfully signed.")
    print_json({"Measurements": measurements.to_json()})
    return 0


def _diff(args: argparse.Namespace) -> int:
    from core.eif.diff import diff_eifs

    diff = diff_eifs(Path(args.a), Path(args.b))
    if args.json:
        print_json(diff.to_json())
        return 0
    print(diff.explanation())
    for section in diff.sections:
        if section.status != "same":
            kind = "measured" if section.measured else "unmeasured"
            sizes = f"{section.size_a} -> {section.size_b} bytes"
            print(f"  {section.name:<10} {section.status} ({kind}; {sizes})")
    for ramdisk in diff.ramdisks:
        for path in ramdisk.added:
            print(f"  + {ramdisk.name}: {path}")
        for path in ramdisk.removed:
            print(f"  - {ramdisk.name}: {path}")
        for change in ramdisk.changed:
            fields = ", ".join(f"{k} {a} -> {b}" for k, (a, b) in change.fields.items())
            print(f"  ~ {ramdisk.name}: {change.path}: {fields}")
    for key, a, b in diff.metadata:
        print(f"  metadata {key}: {a!r} -> {b!r}")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `eif` and its subcommands."""
    group = subparsers.add_parser("eif", help="read, measure, build, sign and diff EIF images")
    commands = group.add_subparsers(dest="eif_command", metavar="SUBCOMMAND")

    describe = commands.add_parser("describe", help="validate an EIF and show what it holds")
    describe.add_argument("path", help="the .eif file")
    describe.add_argument("--json", action="store_true", help="nitro-cli describe-eif JSON")
    describe.set_defaults(handler=_describe)

    pcr = commands.add_parser("pcr", help="measure a file, or a signing certificate (PCR8)")
    pcr.add_argument("--input", help="any file: its PCR as nitro-cli pcr --input")
    pcr.add_argument("--signing-certificate", help="a PEM certificate: its PCR8")
    pcr.add_argument("--json", action="store_true", help="(always JSON, as nitro-cli)")
    pcr.set_defaults(handler=_pcr)

    build = commands.add_parser("build", help="build a reproducible EIF")
    source = build.add_mutually_exclusive_group(required=True)
    source.add_argument("--rootfs", help="a directory that becomes the enclave's root")
    source.add_argument("--image-tar", help="a `docker save` or OCI image archive")
    source.add_argument("--docker-uri", help="a local Docker image (needs a Docker daemon)")
    build.add_argument("--output", required=True, help="the .eif file to write")
    build.add_argument("--blobs", help="nitro-cli blobs directory (else $NITRO_CLI_BLOBS, …)")
    build.add_argument("--name", help="ImageName in the metadata")
    build.add_argument("--version", help="ImageVersion in the metadata")
    build.add_argument("--cmd", help='the command to run, one string split like a shell: "a b"')
    build.add_argument(
        "--env", action="append", default=[], metavar="K=V", help="environment (repeatable)"
    )
    build.add_argument("--json", action="store_true", help="(always JSON, as nitro-cli)")
    build.set_defaults(handler=_build)

    sign = commands.add_parser("sign", help="sign (or re-sign) an EIF in place")
    sign.add_argument("--eif-path", required=True)
    sign.add_argument("--signing-certificate", required=True, help="PEM certificate")
    sign.add_argument("--private-key", required=True, help="PEM EC private key (P-256/384/521)")
    sign.add_argument("--json", action="store_true", help="(always JSON, as nitro-cli)")
    sign.set_defaults(handler=_sign)

    diff = commands.add_parser("diff", help="why did the PCRs of two images differ?")
    diff.add_argument("a", help="the earlier image")
    diff.add_argument("b", help="the later image")
    diff.add_argument("--json", action="store_true")
    diff.set_defaults(handler=_diff)

    demo = commands.add_parser("build-demo", help="build the demo image: the nitrodeck agent")
    demo.add_argument("--output", required=True, help="the .eif file to write")
    demo.add_argument("--variant", help="text written to /app/VARIANT: a rebuild with a change")
    demo.set_defaults(handler=_build_demo)
