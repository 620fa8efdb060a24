"""`nitro-cli explain --error-code Exx`: what nitro-cli 1.5 prints (on stderr) per code.

Most codes print the same sentence as their `[ Exx ]` line (`core.platform.errors.MESSAGES`); these
print a longer one with an example (nitro-cli `explain_error`, its spelling kept). E57-E59 have no
explanation there: nitro-cli says "No such error code".
"""

from __future__ import annotations

from core.platform.errors import MESSAGES

OWN: dict[int, str] = {
    1: (
        "Missing mandatory argument. Such error appears when the Nitro CLI is requested to "
        "perform an operation, but not all of the mandatory arguments were supplied.\n\tExample: "
        "`nitro-cli run-enclave --cpu-count 2 --eif-path /path/to/my/eif`. Note that in this "
        "case, the mandatory parameter `--memory` is missing a value."
    ),
    2: (
        "CLI conflicting arguments. Such error appears when the Nitro CLI is supplied two "
        "contradicting arguments at the same time, such as `--cpu-count` and `--cpu-ids`.\nIn "
        "this case, only one of the parameters should be supplied."
    ),
    3: (
        "Invalid argument provided. Such error appears when the type of at least one of the "
        "arguments provided to the Nitro CLI does not match the expected type of that "
        "parameter.\n\tExample: `nitro-cli run-enclave --cpu-count 1z --memory 80 --eif-path "
        "/path/to/my/eif`. In this case, `cpu-count` is not a valid integer value."
    ),
    4: (
        "Socket pair creation failure. Such error apears when the Nitro CLI process attempts to "
        "open a stream pair in order to send a command to the enclave process, but the stream "
        "initialization fails."
    ),
    5: (
        "Process spawn failure. Such error appears when the main Nitro CLI process failed to "
        "spawn the enclave process, in order to complete a `run-enclave` command."
    ),
    6: (
        "Daemonize process failure. Such error appears when the system fails to daemonize the "
        "newly spawned enclave process."
    ),
    20: (
        "Invalid CPU configuration. Such error appears when the user supplies the same CPU ID "
        "multiple times.\n\tExample: `nitro-cli run-enclave --cpu-ids 1 1 --memory 80 --eif-path "
        "/path/to/my/eif`. In this case, CPU ID `1` has been selected twice."
    ),
    21: (
        "No such CPU available in the pool. Such error appears when the user requests to run an "
        "enclave with at least one CPU ID which does not exist in the CPU pool.\n\tExample: "
        "(configured CPU pool: [1,9]) `nitro-cli run-enclave --cpu-ids 1 2 --memory 80 "
        "--eif-path /path/to/my/eif`. In this case, CPU 2 is not in the configured CPU pool."
    ),
    22: (
        "Insufficient CPUs available in the pool. Such error appears when the user requests to "
        "run an enclave with more CPUs that available in the CPU pool.\n\tExample: (configured CPU "
        "pool: [1,9]) `nitro-cli run-enclave --cpu-count 4 --memory 80 --eif-path "
        "/path/to/my/eif`. In this case, the user requested 4 CPUs, but the CPU pool contains "
        "only 2."
    ),
    24: "CPU error. Such error appears when a CPU line interval is invalid (as in 0-3-7)",
    26: (
        "Insufficient memory requested. Such error appears when the user requests to launch an "
        "enclave with not enough memory. The enclave memory should be at least equal to the size "
        "of the EIF file used for launching the enclave.\n\tExample: (EIF file size: 11MB) "
        "`nitro-cli run-enclave --cpu-count 2 --memory 5 --eif-path /path/to/my/eif`. In this "
        "case, the user requested to run an enclave with only 5MB of memory, whereas the EIF "
        "file alone requires 11MB."
    ),
    27: (
        "Insufficient memory available. Such error appears when the user requests to launch an "
        "enclave with more memory than available. The enclave memory should be at most equal to "
        "the size of the configured hugepage memory.\n\tExample: (previously configured 80MB of "
        "hugepage memory) `nitro-cli run-enclave --cpu-count 2 --memory 100 --eif-path "
        "/path/to/my/eif`. In this case, the user requested to run an enclave with 100MB of "
        "memory, whereas the system has only 80MB available for enclaves. As a solution, "
        "(re)configure the Nitro Enclaves environment, specifying a higher value for the "
        "available memory."
    ),
}
UNEXPLAINED = frozenset({57, 58, 59})


def explain_text(code: str) -> str:
    """The text `nitro-cli explain --error-code CODE` prints (a trailing newline included)."""
    number = int(code[1:]) if len(code) == 3 and code[0] == "E" and code[1:].isdigit() else -1
    if number in OWN:
        return OWN[number] + "\n"
    if number in MESSAGES and number not in UNEXPLAINED:
        return MESSAGES[number] + "\n"
    return f"No such error code {code}\n"
