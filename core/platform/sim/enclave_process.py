"""One simulated enclave's process (started by `core.platform.sim.supervisor`, daemonised).

It plays the part of nitro-cli's enclave process and of the enclave itself: it daemonises (its
own session, outliving whoever started it), validates the EIF, unpacks its ramdisks, starts the
enclave's NSM and vsock mux, sends the boot heartbeat, runs the image's cmd pinned to the CPUs
standing for its enclave CPUs, copies its output to the console, and on every way out (payload
exit, terminate, boot failure) frees its resources. Boot failures are left for the launcher in
`boot-error.json` as a nitro-cli error code and detail.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from core.home import ensure_private_dir
from core.nitro_errors import NitroCliCode, NitroCliError
from core.platform.sim import payload as pl
from core.platform.sim.console import ConsoleWriter, mark_ended
from core.platform.sim.layout import HEARTBEAT_PORT, Layout
from core.platform.sim.state import EnclaveRow, SimState
from core.platform.sim.vsock import VsockMux, heartbeat

BOOT_ERROR = "boot-error.json"
LAUNCH = "launch.json"
F_SETPIPE_SZ = 1031
PIPE_SIZE = 1 << 20


class _Terminated(Exception):
    pass


class Supervisor:
    def __init__(self, layout: Layout, slot_uid: int) -> None:
        self.layout = layout
        self.state = SimState(layout.db)
        row = self.state.enclave(slot_uid)
        if row is None:
            raise SystemExit(f"no enclave slot {slot_uid:x} in {layout.db}")
        self.row: EnclaveRow = row
        self.dir = layout.enclave_dir(row.slot_hex)
        self.console: ConsoleWriter | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.terminated = False
        self.closers: list[object] = []

    # lifecycle ------------------------------------------------------------
    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._on_term)
        signal.signal(signal.SIGINT, self._on_term)
        try:
            self._boot()
            return self._serve()
        except NitroCliError as error:
            self._boot_error(error.cli_code, error.detail or error.what)
            return 1
        except pl.PayloadError as error:
            self._log(f"init: {error}")
            return 1
        except _Terminated:
            return 0
        except Exception as error:  # a bug or an OS failure: still leave a clean state
            self._boot_error(NitroCliCode.EnclaveBootFailure, f"{type(error).__name__}: {error}")
            raise
        finally:
            self._cleanup()

    def _on_term(self, signum: int, frame: FrameType | None) -> None:
        self.terminated = True
        if self.proc is not None:
            with contextlib.suppress(OSError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        else:
            raise _Terminated()

    def _log(self, text: str) -> None:
        if self.console is not None:
            self.console.line(text)

    def _boot(self) -> None:
        row = self.row
        if row.debug:
            self.console = ConsoleWriter(self.layout.console(row.slot_hex))
        mode = "debug" if row.debug else "production"
        self._log(
            f"nitrodeck-sim: booting enclave {row.enclave_id} (CID {row.cid}, {len(row.cpus)} "
            f"vCPUs {list(row.cpus)}, {sum(row.regions)} MiB, {mode} mode)"
        )
        self.host_cpus = pl.host_cpus_for(row.cpus)
        self._log(
            f"nitrodeck-sim: vCPUs {list(row.cpus)} run on host CPUs {sorted(self.host_cpus)}"
        )
        eif = Path(row.eif_path)
        self._log(f"nitrodeck-sim: EIF {eif.name}: CRC ok, PCR0 {row.image['PCR0'][:16]}…")
        image = self.layout.image_dir(row.slot_hex)
        launch = json.loads((image / LAUNCH).read_text())
        self.argv, self.env_list = list(launch["cmd"]), list(launch["env"])
        self.rootfs = image / "rootfs"
        self._log(f"nitrodeck-sim: ramdisks unpacked; cmd {self.argv}")
        self.nsm_path = self.layout.nsm_socket(row.cid)
        identity = {
            "instance_id": str(self.state.get_meta("instance_id")),
            "role_arn": self.state.get_meta("role_arn"),
            "region": str(self.state.get_meta("region")),
        }
        mux = VsockMux(self.layout.host_uds(row.cid), self.layout.enclave_listen_dir(row.cid))
        mux.start()
        self.closers.append(mux)
        try:
            heartbeat(self.layout.parent_listener(row.cid, HEARTBEAT_PORT))
        except OSError as error:
            raise NitroCliError(
                NitroCliCode.EnclaveBootFailure, detail=f"heartbeat to the parent failed: {error}"
            ) from error
        self._log(f"init: heartbeat sent to CID 3 port {HEARTBEAT_PORT}, echo received")
        # The NSM (whose crypto imports are the slow part of a boot) loads after the heartbeat,
        # as the real init loads nsm.ko after signalling the parent.
        self._nsm_thread = threading.Thread(target=self._start_nsm, args=(identity,), daemon=True)
        self._nsm_thread.start()

    def _start_nsm(self, identity: dict[str, Any]) -> None:
        row = self.row
        ensure_private_dir(self.nsm_path.parent)
        try:
            from core.platform.sim.nsm_link import start_nsm

            handle = start_nsm(
                self.nsm_path,
                home=self.layout.home,
                measurements={k: v for k, v in row.image.items() if k.startswith("PCR")},
                debug=row.debug,
                enclave_uid=row.slot_uid,
                **identity,
            )
        except ImportError:
            self._log("nitrodeck-sim: no simulated NSM in this build; /dev/nsm is absent")
            return
        except Exception as error:  # reported when init needs the device
            self._nsm_error = error
            return
        self.closers.append(handle)
        self._log(f"nitrodeck-sim: NSM device ready at {self.nsm_path.name}")

    def _await_nsm(self) -> None:
        self._nsm_thread.join()
        error = getattr(self, "_nsm_error", None)
        if error is not None:
            raise NitroCliError(
                NitroCliCode.EnclaveBootFailure, detail=f"the simulated NSM failed: {error}"
            )

    def _serve(self) -> int:
        row = self.row
        self._await_nsm()
        extra = {
            "NITRODECK_VSOCK": "sim",
            "NITRODECK_VSOCK_DIR": str(self.layout.enclave_listen_dir(row.cid)),
            "NITRODECK_VSOCK_UDS": str(self.layout.host_uds(row.cid)),
            "NITRODECK_ENCLAVE_CID": str(row.cid),
            "NITRODECK_NSM_SOCKET": str(self.nsm_path),
        }
        env = pl.payload_env(self.env_list, self.rootfs, extra)
        argv = pl.resolve_argv(self.argv, env, self.rootfs)
        cgroup = pl.try_cgroup(row.slot_hex, sum(row.regions))
        self._log(f"init: exec {argv}")
        out = subprocess.PIPE if row.debug else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            argv,
            cwd=self.rootfs,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=pl.preexec(sum(row.regions), cgroup, self.host_cpus),
        )
        with self.state.transaction():
            self.state.update_enclave(row.slot_uid, payload_pid=self.proc.pid)
        if self.terminated:
            os.killpg(self.proc.pid, signal.SIGKILL)
        pump = threading.Thread(target=self._pump, name="console-pump", daemon=True)
        pump.start()
        status = self.proc.wait()  # the payload itself: its exit (or kill) ends the enclave
        with contextlib.suppress(OSError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        pump.join(5)
        if cgroup is not None:
            with contextlib.suppress(OSError):
                cgroup.rmdir()
        how = "terminated" if self.terminated else f"exited with status {status}"
        self._log(f"init: payload {how}; enclave shutting down")
        return 0

    def _pump(self) -> None:
        """Copy the payload's stdout+stderr to the console until every writer has gone."""
        assert self.proc is not None
        if self.proc.stdout is None or self.console is None:
            return
        fd = self.proc.stdout.fileno()
        with contextlib.suppress(OSError):  # a bigger pipe: fewer wake-ups at full speed
            fcntl.fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE)
        os.set_blocking(fd, False)
        while True:
            select.select([fd], [], [])
            try:
                if self.console.copy_from(fd) == 0:
                    return
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                return

    def _boot_error(self, code: int, detail: str) -> None:
        self._log(f"nitrodeck-sim: boot failed: [ E{code:02d} ] {detail}")
        with contextlib.suppress(OSError):
            (self.dir / BOOT_ERROR).write_text(json.dumps({"code": int(code), "detail": detail}))

    def _cleanup(self) -> None:
        for closer in reversed(self.closers):
            with contextlib.suppress(Exception):
                closer.close()  # type: ignore[attr-defined]
        release_files(self.layout, self.row)
        with self.state.transaction():
            self.state.delete_enclave(self.row.slot_uid)
        if self.console is not None:
            self.console.close()
        mark_ended(self.dir)
        self.state.close()


def release_files(layout: Layout, row: EnclaveRow) -> None:
    """Remove an enclave's sockets and unpacked image; its console and record stay."""
    with contextlib.suppress(FileNotFoundError):
        layout.host_uds(row.cid).unlink()
    shutil.rmtree(layout.enclave_listen_dir(row.cid), ignore_errors=True)
    shutil.rmtree(layout.image_dir(row.slot_hex), ignore_errors=True)
