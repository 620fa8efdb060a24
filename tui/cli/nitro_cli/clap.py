"""nitro-cli 1.5's command line as clap 4.5 parses it: the same flags, the same usage errors.

nitro-cli declares its commands with clap (`create_app!` in its `src/lib.rs`); scripts depend on
what clap accepts and refuses, so this is a table of the same arguments (ids, long names,
requirements, conflicts) and a parser with clap's rules: long options only, `--opt=value`,
multi-value `--cpu-ids`, repeated options refused, conflicts before missing requirements, and
every refusal an `error: …` paragraph with a usage line on stderr, exit status 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

VERSION = "Nitro CLI 1.5.0"
ABOUT = "CLI for enclave lifetime management"


@dataclass(frozen=True)
class Opt:
    """One clap `Arg`: `--long`; `ident` is clap's id when it differs (shown as the value name
    unless `value`)."""

    long: str
    help: str
    flag: bool = False
    many: bool = False
    required: bool = False
    unless: tuple[str, ...] = ()
    """`required_unless_present_any`: required unless one of these ids is given."""
    conflicts: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    value: str | None = None
    ident: str = ""

    def __post_init__(self) -> None:
        if not self.ident:
            object.__setattr__(self, "ident", self.long)

    @property
    def shown(self) -> str:
        """How clap names the argument in errors: `--memory <memory>`, `--cpu-ids <cpu-ids>...`."""
        if self.flag:
            return f"--{self.long}"
        return f"--{self.long} <{self.value or self.ident}>" + ("..." if self.many else "")


@dataclass(frozen=True)
class Sub:
    name: str
    about: str
    opts: tuple[Opt, ...] = field(default_factory=tuple)

    def opt(self, ident: str) -> Opt:
        return next(o for o in self.opts if o.ident == ident)


_ALLOC = "/etc/nitro_enclaves/allocator.yaml"
_ID = "Enclave ID, used to uniquely identify an enclave"
_NAME = "Enclave name, used to uniquely identify an enclave"
_CERT = "Local path to developer's X509 signing certificate."
_KEY = "KMS key ARN or local path to developer's Eliptic Curve private key."
_EIF = "Path pointing to a prebuilt Eif image"

# fmt: off
SUBCOMMANDS = (
    Sub(
        "run-enclave",
        "Starts a new enclave",
        (
            Opt("cpu-ids", "List of cpu-ids that will be provided to the enclave",
                many=True, unless=("cpu-count", "config"), conflicts=("cpu-count", "config")),
            Opt("cpu-count", "Number of cpus", unless=("cpu-ids", "config"),
                conflicts=("cpu-ids", "config")),
            Opt("memory", "Memory to allocate for the enclave in MB. Depending on the "
                "available pages, more might be allocated.", unless=("config",),
                conflicts=("config",)),
            Opt("eif-path", _EIF, unless=("config",), conflicts=("config",)),
            Opt("enclave-cid", "CID to be used for the newly started enclave",
                conflicts=("config",)),
            Opt("debug-mode", "Starts enclave in debug-mode. This makes the "
                "console of the enclave available over vsock at CID: VMADDR_CID_HYPERVISOR (0), "
                "port: enclave_cid + 10000. \n The stream could be accessed with the console "
                "sub-command", flag=True, conflicts=("config",)),
            Opt("attach-console", "Attach the enclave console immediately "
                "after starting the enclave. (implies debug-mode)", flag=True),
            Opt("enclave-name", "Custom name assigned to the enclave by the user",
                conflicts=("config",)),
            Opt("config", "Config is used to read enclave settings from JSON file",
                value="json-config"),
        ),
    ),
    Sub(
        "terminate-enclave",
        "Terminates an enclave",
        (
            Opt("enclave-id", _ID, unless=("all", "enclave-name"),
                conflicts=("all", "enclave-name")),
            Opt("all", "Terminate all running enclave instances belonging to the current "
                "user", flag=True, unless=("enclave-id", "enclave-name"),
                conflicts=("enclave-id", "enclave-name")),
            Opt("enclave-name", _NAME, unless=("enclave-id", "all"),
                conflicts=("enclave-id", "all")),
        ),
    ),
    Sub(
        "build-enclave",
        "Builds an enclave image and saves it to a file",
        (
            Opt("docker-uri", "Uri pointing to an existing docker container or to "
                "be created locally when docker-dir is present", required=True),
            Opt("docker-dir", "Local path to a directory containing a Dockerfile"),
            Opt("output-file", "Location where the Enclave Image should be saved",
                required=True),
            Opt("signing-certificate", _CERT, requires=("private-key",)),
            Opt("private-key", _KEY, requires=("signing-certificate",)),
            Opt("name", "Name for enclave image", ident="image_name"),
            Opt("version", "Version of the enclave image", ident="image_version"),
            Opt("metadata",
                "Path to JSON containing the custom metadata provided by the user."),
        ),
    ),
    Sub(
        "describe-eif",
        "Returns information about the EIF found at a given path.",
        (Opt("eif-path", "Path to the EIF to describe.", required=True),),
    ),
    Sub(
        "describe-enclaves",
        "Returns a list of the running enclaves",
        (Opt("metadata",
             "Adds EIF metadata of the current enclaves to the command output.", flag=True),),
    ),
    Sub(
        "console",
        "Connect to the console of an enclave",
        (
            Opt("enclave-id", _ID, unless=("enclave-name",),
                conflicts=("enclave-name",)),
            Opt("disconnect-timeout",
                "The time in seconds after the console disconnects from the enclave"),
            Opt("enclave-name", _NAME, unless=("enclave-id",),
                conflicts=("enclave-id",)),
        ),
    ),
    Sub(
        "pcr",
        "Return the PCR hash value of the given input",
        (
            Opt("signing-certificate", "Takes the path to the '.pem' "
                "signing certificate and returns PCR8. Can be used to identify the certificate "
                "used to sign an EIF", unless=("input",), conflicts=("input",)),
            Opt("input", "Given a path to a file, returns the PCR hash of the bytes it "
                "contains", unless=("signing-certificate",), conflicts=("signing-certificate",)),
        ),
    ),
    Sub(
        "explain",
        "Display detailed information about an error returned by a misbehaving Nitro CLI command",
        (Opt("error-code",
             "Error code, as returned by the misbehaving Nitro CLI command", required=True),),
    ),
    Sub(
        "sign-eif",
        "Sign EIF with the given key",
        (
            Opt("eif-path", _EIF),
            Opt("signing-certificate", _CERT, requires=("private-key",)),
            Opt("private-key", _KEY, requires=("signing-certificate",)),
        ),
    ),
)
# fmt: on
BY_NAME = {s.name: s for s in SUBCOMMANDS}

Values = dict[str, "str | list[str] | bool"]


class ClapExit(Exception):
    """clap ends the program: `text` goes to stdout (help, version) or stderr (errors)."""

    def __init__(self, text: str, status: int) -> None:
        super().__init__(text)
        self.text = text
        self.status = status


def _error(message: str, usage: str | None) -> ClapExit:
    text = f"error: {message}\n\n"
    if usage:
        text += f"Usage: {usage}\n\n"
    return ClapExit(text + "For more information, try '--help'.\n", 2)


def usage(sub: Sub | None, given: Values | None = None) -> str:
    """clap's usage line: the subcommand, `[OPTIONS]` when it has optional ones, then the
    required arguments and those given."""
    if sub is None:
        return "nitro-cli [COMMAND]"
    given = given or {}
    shown = [o.shown for o in sub.opts if o.required or (o.ident in given and not o.flag)]
    optional = any(not o.required for o in sub.opts)
    return " ".join(["nitro-cli", sub.name, *(["[OPTIONS]"] if optional else []), *shown])


def top_help() -> str:
    width = max(len(s.name) for s in SUBCOMMANDS) + 2
    rows = [f"  {s.name:<{width}}{s.about}" for s in SUBCOMMANDS]
    rows.append(f"  {'help':<{width}}Print this message or the help of the given subcommand(s)")
    return (
        f"{ABOUT}\n\nUsage: nitro-cli [COMMAND]\n\nCommands:\n" + "\n".join(rows) + "\n\n"
        "Options:\n  -h, --help     Print help\n  -V, --version  Print version\n"
    )


def sub_help(sub: Sub) -> str:
    rows = [(f"      {o.shown}", o.help) for o in sub.opts] + [("  -h, --help", "Print help")]
    width = max(len(left) for left, _ in rows) + 2
    lines = "\n".join(f"{left:<{width}}{text}" for left, text in rows)
    return f"{sub.about}\n\nUsage: {usage(sub)}\n\nOptions:\n{lines}\n"


def parse(argv: list[str]) -> tuple[Sub, Values]:
    """The subcommand and its values; `ClapExit` for help, version and every usage error."""
    if not argv:
        raise ClapExit(top_help(), 2)  # arg_required_else_help: the help, on stderr
    first, rest = argv[0], argv[1:]
    if first in ("-h", "--help"):
        raise ClapExit(top_help(), 0)
    if first in ("-V", "--version"):
        raise ClapExit(VERSION + "\n", 0)
    if first == "help":
        sub = BY_NAME.get(rest[0]) if rest else None
        if rest and sub is None:
            raise _error(f"unrecognized subcommand '{rest[0]}'", usage(None))
        raise ClapExit(sub_help(sub) if sub else top_help(), 0)
    if first.startswith("-"):
        raise _error(f"unexpected argument '{first}' found", usage(None))
    sub = BY_NAME.get(first)
    if sub is None:
        raise _error(f"unrecognized subcommand '{first}'", usage(None))
    return sub, _parse_sub(sub, rest)


def _parse_sub(sub: Sub, words: list[str]) -> Values:
    values: Values = {}
    by_long = {o.long: o for o in sub.opts}
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word in ("-h", "--help"):
            raise ClapExit(sub_help(sub), 0)
        name, eq, inline = word[2:].partition("=") if word.startswith("--") else ("", "", "")
        opt = by_long.get(name)
        if opt is None:
            raise _error(f"unexpected argument '{word}' found", usage(sub, values))
        if opt.ident in values:
            raise _error(
                f"the argument '{opt.shown}' cannot be used multiple times", usage(sub, values)
            )
        if opt.flag:
            if eq:
                raise _error(
                    f"unexpected value '{inline}' for '{opt.shown}' found; no more were expected",
                    usage(sub, values),
                )
            values[opt.ident] = True
            continue
        taken = [inline] if eq else []
        while i < len(words) and not words[i].startswith("-") and (opt.many or not taken):
            taken.append(words[i])
            i += 1
        if not taken:
            raise _error(f"a value is required for '{opt.shown}' but none was supplied", None)
        values[opt.ident] = taken if opt.many else taken[0]
    _validate(sub, values)
    return values


def _validate(sub: Sub, values: Values) -> None:
    for opt in sub.opts:
        if opt.ident not in values:
            continue
        clash = next((c for c in opt.conflicts if c in values), None)
        if clash is not None:
            raise _error(
                f"the argument '{opt.shown}' cannot be used with '{sub.opt(clash).shown}'",
                usage(sub, values),
            )
    missing = [
        o.shown
        for o in sub.opts
        if o.ident not in values
        and (o.required or (o.unless and not any(u in values for u in o.unless)))
    ]
    missing += [
        sub.opt(r).shown
        for o in sub.opts
        if o.ident in values
        for r in o.requires
        if r not in values and sub.opt(r).shown not in missing
    ]
    if missing:
        listed = "".join(f"\n  {m}" for m in missing)
        raise _error(
            f"the following required arguments were not provided:{listed}", usage(sub, values)
        )
