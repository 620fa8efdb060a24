"""E00–E29: arguments, the enclave process's plumbing, files, CPUs, memory and the driver."""

from __future__ import annotations

from core.explain.entry import Entry, entry

_POOL_FIX = (
    "edit /etc/nitro_enclaves/allocator.yaml, then "
    "`sudo systemctl restart nitro-enclaves-allocator.service` (no enclave may be running)"
)

LOW: tuple[Entry, ...] = (
    entry(0, "unspecified failure",
          "nitro-cli failed in a way it has no specific code for.",
          "Rare: an internal failure path that was never given its own code.",
          "Run the command again with BACKTRACE=1 and read the error log it names."),
    entry(1, "a required option is missing",
          "The command needs an option that was not given.",
          "run-enclave without --memory, --eif-path or one of --cpu-count/--cpu-ids "
          "(or without --config).",
          "Add the option the message names, or put every field in a --config JSON file."),
    entry(2, "two options exclude each other",
          "Two options were given that cannot be used together.",
          "--cpu-count with --cpu-ids, --enclave-id with --enclave-name, or --config with "
          "individual run-enclave flags.",
          "Keep one of the two options the message names."),
    entry(3, "an option's value is not valid",
          "A value does not parse as what the option takes, or is out of range.",
          "A typo in a number (--cpu-count 2x), an unknown memory suffix, or an --enclave-cid "
          "of 1, 2, 3 (reserved) or 4294967295 and above.",
          "Correct the value; omit --enclave-cid (or pass 0) to have one assigned."),
    entry(4, "cannot open a channel to the enclave process",
          "nitro-cli could not create the socket pair it uses to talk to the enclave process "
          "it is about to start.",
          "The open-file limit of the shell or service is exhausted.",
          "Raise the limit (`ulimit -n`, LimitNOFILE= in a systemd unit) and try again."),
    entry(5, "cannot start the enclave process",
          "nitro-cli could not fork the background process that owns the enclave.",
          "The user's process limit is reached, or the parent instance is out of memory.",
          "Check `ulimit -u` and free memory (`free -m`), then try again."),
    entry(6, "cannot detach the enclave process",
          "The freshly forked enclave process could not detach from the terminal.",
          "Very rare; seen under heavy resource pressure, like E05.",
          "Check process limits and free memory, then try again."),
    entry(7, "cannot list the enclave sockets directory",
          "nitro-cli lists /run/nitro_enclaves (or NITRO_CLI_SOCKETS_PATH) to find enclaves, "
          "and could not read it.",
          "The directory is missing (not recreated after a reboot) or this user may not read "
          "it (not in the `ne` group).",
          "Create it as the package does (`sudo install -d -m 0775 -g ne /run/nitro_enclaves`), "
          "add the user to `ne` (`sudo usermod -aG ne $USER`) and log in again."),
    entry(8, "the connection to the enclave is gone",
          "nitro-cli used a connection or enclave descriptor that was already closed.",
          "The enclave process exited while nitro-cli was talking to it.",
          "Run `nitro-cli describe-enclaves` to see what is left, then retry."),
    entry(9, "a socket would not close",
          "Closing or shutting down a socket failed.",
          "The other side had already gone away; usually harmless.",
          "Run `nitro-cli describe-enclaves`; retry the command if the enclave is still listed."),
    entry(10, "cannot set the console connection's timeout",
          "Configuring the connect timeout of the console's vsock socket failed.",
          "The vsock transport is unavailable on the parent, or the enclave went away.",
          "Check that the vsock modules are loaded (`lsmod | grep vsock`) and the enclave runs."),
    entry(11, "socket failure",
          "A socket operation failed; most often connecting to the enclave process's socket "
          "/run/nitro_enclaves/<slot>.sock.",
          "No such file: the enclave no longer exists or the ID is wrong. Connection refused: "
          "the enclave process died and left a stale socket. Also the tail of a failed launch.",
          "Run `nitro-cli describe-enclaves` (it removes stale sockets) and use an ID it lists; "
          "after a failed launch, fix the first error printed instead."),
    entry(12, "cannot watch the enclave processes",
          "Registering with or waiting on epoll failed.",
          "File-descriptor exhaustion in the calling process.",
          "Raise the open-file limit and try again."),
    entry(13, "cannot watch the sockets directory",
          "Setting up an inotify watch failed.",
          "The per-user inotify limits are used up by other programs (editors, IDEs).",
          "Raise `fs.inotify.max_user_instances` / `max_user_watches` with sysctl."),
    entry(14, "the enclave process did not understand a command",
          "An enclave process received a command or arguments it does not know.",
          "The enclave was started by a different nitro-cli version than the one talking to it "
          "(after an upgrade), or a third-party client sent the request.",
          "Use the nitro-cli version that started the enclave, or restart the enclave with "
          "the current one."),
    entry(15, "an internal lock failed",
          "A lock protecting the enclave's state could not be taken, because a thread holding "
          "it had crashed.",
          "A previous failure inside the same enclave process.",
          "Terminate the enclave and launch it again; keep the error log for a report."),
    entry(16, "an internal thread failed",
          "A helper thread (for example the one measuring PCRs) ended abnormally.",
          "Rare; usually follows an unreadable image or certificate.",
          "Read the error log, check the image with `nitro-cli describe-eif`, and retry."),
    entry(17, "cannot read or write a JSON/CBOR message",
          "Serialising or parsing a command, reply or file failed.",
          "A malformed --config JSON file (a typo, a wrong field name or type), or a reply "
          "from an enclave process of another version.",
          "Check the file with `jq . FILE` and compare its fields with run-enclave's flags."),
    entry(18, "cannot change the log file's permissions",
          "nitro-cli could not set the permissions of its log file, which another user owns.",
          "nitro-cli was run once as root and later as a normal user (or the reverse), so "
          "/var/log/nitro_enclaves/nitro_enclaves.log belongs to the other one.",
          "Give the log directory to the `ne` group (`sudo chgrp -R ne /var/log/nitro_enclaves; "
          "sudo chmod -R g+rw /var/log/nitro_enclaves`) or always run as the same user."),
    entry(19, "a file could not be opened, read or written",
          "A file operation failed; the message names the file and the operation.",
          "/dev/nitro_enclaves missing (the instance was launched without enclave support, or "
          "the driver is not loaded) or not accessible (user not in `ne`); a wrong --eif-path; "
          "a missing ne_cpus parameter (driver not loaded).",
          "For the device: enable enclaves on the instance and `sudo modprobe nitro_enclaves`, "
          "then `sudo usermod -aG ne $USER`; for an image: check the path and its permissions."),
    entry(20, "a CPU is listed twice",
          "--cpu-ids names the same CPU more than once.",
          "A copy-paste slip in a script's CPU list.",
          "List each CPU once."),
    entry(21, "a CPU is not in the enclave pool",
          "--cpu-ids names a CPU that the allocator did not give to enclaves.",
          "The pool changed (allocator.yaml edited) but the script still names the old CPUs.",
          f"Pick CPUs from `cat /sys/module/nitro_enclaves/parameters/ne_cpus`, or add them: "
          f"set cpu_pool in {_POOL_FIX}."),
    entry(22, "more CPUs than the pool has",
          "--cpu-count asks for more CPUs than the whole enclave pool holds.",
          "The shipped allocator default is 2 CPUs; asking for 4 fails until it is raised.",
          f"Ask for fewer, or grow the pool: set cpu_count in {_POOL_FIX}."),
    entry(23, "a CPU list from the system does not parse",
          "A CPU list read from the system (the pool or the online CPUs) is malformed.",
          "ne_cpus was written by hand with a syntax error.",
          f"Set the pool through the allocator instead: {_POOL_FIX}."),
    entry(24, "a CPU range is invalid",
          "A CPU list contains an interval that is not START-END (for example 0-3-7).",
          "A hand-written cpu_pool in allocator.yaml.",
          "Write ranges as START-END separated by commas, e.g. 2-3,6-7."),
    entry(25, "an unknown hugepage size",
          "The enclave process met a hugepage size it has no mapping flag for.",
          "A kernel configured with a page size nitro-cli does not use.",
          "Reserve hugepages of a standard size (2 MiB or 1 GiB on x86_64) via the allocator."),
    entry(26, "memory below 4× the image size",
          "--memory is less than four times the EIF's size (rounded up to whole MiB); the "
          "enclave needs room to unpack its ramdisks.",
          "The application image grew (a bigger Docker image) but the launch script kept its "
          "old --memory. nitro-cli's own `explain` still says 1×; the check is 4×.",
          "Pass at least the minimum the message gives, or make the image smaller."),
    entry(27, "not enough hugepage memory in the pool",
          "The pool's free hugepages on its NUMA node cannot cover --memory.",
          "memory_mib in allocator.yaml is too small, other enclaves use the rest, or the "
          "allocator could not reserve every page it reported (fragmented memory).",
          f"Ask for less, terminate an enclave, or set memory_mib in {_POOL_FIX}; then check "
          "`grep Huge /proc/meminfo`."),
    entry(28, "the driver refused to create an enclave",
          "The NE_CREATE_VM call on /dev/nitro_enclaves failed.",
          "The instance already runs as many enclaves as it may, or the driver is in a bad "
          "state after a crash.",
          "Terminate enclaves you no longer need; check `sudo dmesg | grep -i nitro`."),
    entry(29, "the driver refused a request",
          "A call into /dev/nitro_enclaves failed; the driver's reason is in the message "
          "(nitro-cli puts it in the error log).",
          "An odd --cpu-count on a machine with two threads per core (full cores only), memory "
          "under 64 MiB, memory on another NUMA node, or relaunching while the last enclave's "
          "resources are still being released.",
          "Follow the driver's sentence: use even CPU counts on SMT x86, at least 64 MiB, or "
          "wait a moment and launch again."),
)  # fmt: skip
