"""E30–E60: loading and booting the image, the enclave process, the console, building, signing."""

from __future__ import annotations

from core.explain.entry import Entry, entry

_SEE_E29 = (
    "Defined by nitro-cli but not raised by 1.5: every failing driver call reports E29 instead."
)

HIGH: tuple[Entry, ...] = (
    entry(30, "the image load offset was refused", _SEE_E29,
          "Not seen from nitro-cli 1.5.", "See E29 and the driver's sentence."),
    entry(31, "a memory region was refused", _SEE_E29,
          "Not seen from nitro-cli 1.5.", "See E29 and the driver's sentence."),
    entry(32, "a vCPU was refused", _SEE_E29,
          "Not seen from nitro-cli 1.5.", "See E29 and the driver's sentence."),
    entry(33, "the enclave would not start", _SEE_E29,
          "Not seen from nitro-cli 1.5.", "See E29 and the driver's sentence."),
    entry(34, "the image does not fit in the enclave's memory",
          "Placing the EIF at its load offset would run past the end of the enclave's memory.",
          "--memory right at the minimum for a large image.",
          "Give the enclave more memory."),
    entry(35, "the image cannot be read",
          "The EIF is malformed (magic, CRC, section table) or a section could not be copied "
          "into enclave memory.",
          "A truncated download or copy, an image built by an incompatible tool, or a failure "
          "to fill hugepage memory.",
          "Check it with `nitro-cli describe-eif --eif-path FILE`; copy or build it again."),
    entry(36, "the enclave did not finish booting",
          "The enclave never sent its boot heartbeat (one byte on vsock port 9000 to the "
          "parent) before the timeout, or the parent could not listen for it.",
          "The image's kernel or init fails early (blobs of the wrong architecture, a damaged "
          "ramdisk, memory too tight to unpack it); older nitro-cli versions also showed an "
          "expired signing certificate this way; a second launch holding the heartbeat port.",
          "Launch again with --debug-mode --attach-console to watch the boot; the error log "
          "says whether it timed out (VsockTimeoutError) or could not listen (bind error)."),
    entry(37, "waiting for enclave events failed",
          "Monitoring the enclave descriptor for events failed.",
          "Not raised by nitro-cli 1.5.",
          "Read the error log; terminate and relaunch the enclave."),
    entry(38, "an enclave process reported a failure",
          "One or more enclave processes answered a command with a failure status.",
          "Terminating or describing an enclave that failed; its own error is printed above.",
          "Fix the error printed before this one: that is the cause."),
    entry(39, "an enclave process gave no valid reply",
          "nitro-cli received no usable answer from one or more enclave processes.",
          "With run-enclave: the enclave process failed and printed its own [ Exx ] just "
          "before; with describe or terminate: an enclave process died.",
          "Read the [ Exx ] printed before this one (nitrodeck shows it as the root cause)."),
    entry(40, "no such enclave",
          "No socket path can be derived for the given enclave ID.",
          "A malformed or mistyped --enclave-id, or an enclave that has already ended.",
          "Use an EnclaveID that `nitro-cli describe-enclaves` lists."),
    entry(41, "the enclave process could not answer",
          "The enclave process could not send its status back to nitro-cli.",
          "nitro-cli was interrupted (Ctrl-C) or its output pipe closed while waiting.",
          "Run `nitro-cli describe-enclaves` to see the outcome, and retry if needed."),
    entry(42, "cannot map the enclave's memory",
          "Mapping hugepage memory for the enclave failed.",
          "The reserved hugepages are in use by another process, or too few pages of the "
          "needed size are free on the pool's NUMA node.",
          "Check HugePages_Free (`grep Huge /proc/meminfo`) and restart the allocator service."),
    entry(43, "cannot release the enclave's memory",
          "Unmapping the enclave's memory at termination failed.",
          "Rare; a kernel-side problem.",
          "Keep the error log; if the memory stays held, reboot the parent instance."),
    entry(44, "the console is not available",
          "The console could not be reached: the enclave does not run in debug mode, or the "
          "vsock connection to the console (CID 0, port CID + 10000) failed.",
          "Asking for the console of an enclave started without --debug-mode.",
          "Start the enclave with --debug-mode (its PCRs then read as zeros)."),
    entry(45, "reading the console failed",
          "Reading from the enclave's console broke off.",
          "The enclave exited while the console was open (also after a normal exit).",
          "Check `nitro-cli describe-enclaves`: if the enclave is gone, it ended."),
    entry(46, "cannot write the console out",
          "Writing console output to stdout failed.",
          "The reader of a pipe went away (`| head`), or the disk of a redirect is full.",
          "Keep the reader open, or redirect to a file with room."),
    entry(47, "a number could not be parsed",
          "An integer (typically the enclave's CID) could not be parsed.",
          "A CID that does not fit in 32 bits.",
          "Use a CID from 4 to 4294967294, or let one be assigned."),
    entry(48, "building the image failed",
          "build-enclave could not produce the EIF.",
          "linuxkit cannot find the Docker image with Docker 27 and later, missing blobs, or "
          "a full disk.",
          "Read the error log; check `docker version`, NITRO_CLI_BLOBS and free space."),
    entry(49, "the Docker build failed",
          "Building the Docker image of --docker-dir failed.",
          "An error in the Dockerfile or its build context.",
          "Run `docker build` on the directory yourself to see the error."),
    entry(50, "the Docker pull failed",
          "Pulling --docker-uri failed.",
          "A wrong name or tag, no login to a private registry, or no access to the Docker "
          "daemon (not running, or the user is not in the `docker` group).",
          "Run `docker pull URI` yourself; `sudo usermod -aG docker $USER` for access."),
    entry(51, "no place for build artifacts",
          "Neither NITRO_CLI_ARTIFACTS nor HOME is set, so the build has nowhere to work.",
          "build-enclave run from a systemd unit or a cleaned environment.",
          "Set NITRO_CLI_ARTIFACTS to a writable directory (or HOME)."),
    entry(52, "no blobs directory",
          "Defined by nitro-cli but not raised by 1.5: blobs default to "
          "/usr/share/nitro_enclaves/blobs, and missing blobs fail the build as E48.",
          "Not seen from nitro-cli 1.5.",
          "Install aws-nitro-enclaves-cli-devel or set NITRO_CLI_BLOBS."),
    entry(53, "the clock failed during a console session",
          "Measuring the time between console reads failed (for --disconnect-timeout).",
          "A clock jump on the parent during the session.",
          "Check time synchronisation (`chronyc tracking`) and retry."),
    entry(54, "cannot block signals",
          "Blocking signals before creating the enclave process failed.",
          "Very rare.", "Retry; keep the error log for a report."),
    entry(55, "cannot unblock signals",
          "Unblocking signals after creating the enclave process failed.",
          "Very rare.", "Retry; keep the error log for a report."),
    entry(56, "logging could not start",
          "nitro-cli could not set up its log in /var/log/nitro_enclaves.",
          "The directory is missing or this user may not write it (not in `ne`).",
          "`sudo install -d -m 0775 -g ne /var/log/nitro_enclaves`, add the user to `ne`."),
    entry(57, "hashing failed",
          "Computing a measurement failed: the input of `pcr` could not be read, or a "
          "certificate is not valid PEM.",
          "A wrong path, or a DER certificate given where PEM is expected.",
          "Check the file; convert DER with `openssl x509 -inform der -in C -out C.pem`."),
    entry(58, "no enclave (or more than one) has that name",
          "--enclave-name matched no running enclave, or several.",
          "The enclave already ended, or two enclaves were started with the same name.",
          "List names with `nitro-cli describe-enclaves`; use --enclave-id, or unique names."),
    entry(59, "the image's signature or certificate was rejected",
          "A signed EIF's signature does not verify, or its signing certificate is not valid "
          "now (expired or not yet valid).",
          "An expired signing certificate. run-enclave checks it inside the enclave process, "
          "so it also shows as E39 (and in older versions as E36/E39/E11).",
          "Sign the image again with a currently valid certificate "
          "(`nitro-cli sign-eif`); check the parent's clock."),
    entry(60, "signing the image failed",
          "sign-eif could not sign: the key or certificate cannot be read or do not match, or "
          "a KMS signing key cannot be used.",
          "A wrong path, a key that does not belong to the certificate, or expired AWS "
          "credentials for a KMS key.",
          "Check both paths and that the key matches the certificate; refresh credentials."),
)  # fmt: skip
