"""The KMS view: keys with their state, aliases and whether attestation guards their plaintext.

ATTESTATION is the audit's verdict (`core.kms.audit`, policy and grants): `pinned`, `OPEN` (the
policy pins, but a grant or another statement reaches the plaintext without attestation),
`NOT pinned`.

Local KMS by default (`t` switches to AWS or an endpoint). Enter shows a key's policy with its
attestation conditions marked; `d` opens the decrypt step-through; `c` creates a demo key whose
policy pins a running enclave's PCR0 and encrypts a demo secret under it, then opens the
decrypt step-through on it, so the whole flow can be done from here. `p` pins the selected key
to an image (`nitrodeck kms pin`): the policy change is shown and asked for before PutKeyPolicy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from core.errors import NitrodeckError
from core.flows.pin import Pinning
from core.kms.demo import DemoKey
from core.kms.inventory import list_keys
from core.kms.manage import admin_access
from core.kms.pin import PinPlan
from core.kms.target import KmsTarget
from core.platform.base import Platform
from tui.bindings import dangerous
from tui.engine.access import PlatformHolder, running_enclaves
from tui.engine.errors import ShowsWorkerErrors, error_markup, escape
from tui.engine.kms_access import KmsAccess, parse_choice
from tui.screens.list_screen import ListScreen
from tui.widgets.poller import Poller
from tui.widgets.prompt_bar import ReturningPrompt


class KmsPrompt(ReturningPrompt):
    """One prompt for the two questions this view asks (target, demo key's enclave)."""

    purpose = ""


class KmsScreen(ShowsWorkerErrors, ListScreen):
    crumb = "kms"
    ABOUT = (
        "Keys of the local KMS (or AWS: press t). STATE: only an Enabled key decrypts. "
        "ATTESTATION: pinned when every path to the plaintext needs attestation; OPEN when a "
        "grant or statement bypasses the pin (enter lists the paths). "
        "enter: policy, d: decrypt in an enclave, c: create a demo key for a running enclave."
    )
    COLUMNS = (
        ("key", "KEY ID"),
        ("state", "STATE"),
        ("attestation", "ATTESTATION"),
        ("aliases", "ALIASES"),
        ("description", "DESCRIPTION"),
    )
    NARROW = ("key", "state", "attestation", "aliases")
    EMPTY = "no keys: c creates a demo key for a running enclave; t picks another KMS"
    REFRESH = 15.0
    BINDINGS = [
        Binding("enter", "policy", "Policy", id="kms.policy"),
        Binding("d", "decrypt", "Decrypt", id="kms.decrypt"),
        dangerous("c", "create_demo", "Demo key", "create a key pinning an enclave's PCR0"),
        dangerous("p", "pin", "Pin", "pin the key to an image: its PCRs into the key policy"),
        Binding("t", "target", "Target", id="kms.target"),
        Binding("r", "refresh", "Refresh", show=False, id="kms.refresh"),
    ]

    def __init__(
        self,
        *,
        platform: Platform | None = None,
        target: KmsTarget | None = None,
        kms: KmsAccess | None = None,
    ) -> None:
        super().__init__()
        self.kms = kms or KmsAccess(target, home=lambda: self.platforms.home)
        if platform is not None:
            self.platform_override = PlatformHolder.of(platform)
        self.last_demo: DemoKey | None = None
        self.pin_key_id: str | None = None

    def compose_detail(self) -> ComposeResult:
        yield Static("KMS: connecting…", id="kms-note")
        yield KmsPrompt("#list-table", id="kms-prompt")

    def cell_style(self, column: str, text: str) -> str | None:
        if column == "state":
            return None if text == "Enabled" else "bold red"
        if column != "attestation":
            return None
        return {"pinned": "bold green", "OPEN": "bold red"}.get(text, "bold yellow")

    def _default_target(self, platform: Platform) -> None:
        """The CLI's default, from the same function: AWS KMS on a real parent, a remote
        simulator's own local KMS, else the local KMS of the home in use (started now)."""
        from core.flows.kms import kms_target_for

        self.kms.choose(kms_target_for(platform, None, self.platforms.home))

    def fetch_rows(self) -> Mapping[str, Sequence[str]]:
        if self.kms.unresolved:
            self._default_target(self.platforms.get())
        keys = list_keys(self.kms.client(), self.kms.admin_client())
        return {
            key.key_id: (
                key.key_id,
                key.state,
                key.audit.verdict,
                ", ".join(key.aliases) or "-",
                key.description,
            )
            for key in keys
        }

    def show_rows(self, rows: Mapping[str, Sequence[str]]) -> None:
        super().show_rows(rows)
        self._note(f"KMS: {escape(self.kms.label())}")

    def show_error(self, markup: str) -> None:
        self._note(markup)

    def _note(self, markup: str) -> None:
        self.query_one("#kms-note", Static).update(markup)

    # -- actions -------------------------------------------------------------------------------
    def action_refresh(self) -> None:
        self.query_one("#list-poller", Poller).poll_now()

    @on(DataTable.RowSelected, "#list-table")
    def _row_selected(self) -> None:
        """enter on a row (the table consumes the key itself): the key's policy."""
        self.action_policy()

    def action_policy(self) -> None:
        key = self.table.cursor_key
        if key is None:
            self.notify("No key selected.", severity="warning")
            return
        from tui.screens.kms_policy import KeyPolicyScreen

        self.app.push_screen(KeyPolicyScreen(self.kms, key))

    def action_decrypt(
        self, enclave: str = "", ciphertext: str = "", key_id: str = "", proof_key: str = ""
    ) -> None:
        """The decrypt step-through, for the highlighted key unless one is given."""
        from tui.screens.kms_decrypt import DecryptScreen

        key_id = key_id or self.table.cursor_key or ""

        self.app.push_screen(
            DecryptScreen(
                self.kms,
                self.platforms,
                enclave=enclave,
                ciphertext=ciphertext,
                key_id=key_id,
                proof_key=proof_key,
            )
        )

    def _ask(self, purpose: str, value: str, placeholder: str) -> None:
        prompt = self.query_one(KmsPrompt)
        prompt.purpose = purpose
        prompt.placeholder = placeholder
        prompt.open(value)

    def action_target(self) -> None:
        self._ask("target", "", "KMS target: local, aws, or an endpoint URL (enter to apply)")

    def action_create_demo(self) -> None:
        self._ask("demo", "", "create a demo key for which running enclave? (name or id)")
        self._suggest_enclave()

    def _suggest_enclave(self) -> None:
        """A suggestion only: without one (no platform yet) the operator types the name."""
        self.run_job(
            lambda: running_enclaves(self.platforms.get()),
            self._prefill,
            failed=lambda _markup: None,
            group="kms-enclaves",
        )

    def _prefill(self, names: list[str]) -> None:
        prompt = self.query_one(KmsPrompt)
        if names and prompt.is_open and prompt.purpose == "demo" and not prompt.value:
            prompt.value = names[0]

    @on(Input.Submitted, "#kms-prompt")
    def _prompt_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        prompt = self.query_one(KmsPrompt)
        prompt.close()
        self.table.focus()
        if prompt.purpose == "target":
            try:
                self.kms.choose(parse_choice(event.value, self.platforms.home))
            except NitrodeckError as error:
                self._note(error_markup(error))
                return
            self.table.set_rows({})
            self.action_refresh()
        elif prompt.purpose == "demo" and event.value.strip():
            self._note(f"creating a demo key for {escape(event.value.strip())}…")
            self._create_demo(event.value.strip())

    def _create_demo(self, enclave_name: str) -> None:
        from core.flows.demo_key import make_demo_key

        def create() -> DemoKey:
            platforms = self.platforms
            made = make_demo_key(platforms.get(), enclave_name, self.kms.target, platforms.home)
            return made.demo

        self.run_job(create, self._demo_created, failed=self._note, group="kms-demo")

    def _demo_created(self, demo: DemoKey) -> None:
        note = " (debug enclave: KMS will deny it)" if demo.debug_enclave else ""
        self.notify(
            f"key {demo.key_id} pins PCR0 {demo.pcr0[:16]}…; demo secret {demo.plaintext_length} "
            f"bytes, proof {demo.expected_proof[:16]}…{note}",
            title="demo key created",
        )
        self.last_demo = demo
        self._note(
            f"KMS: {escape(self.kms.label())}  ·  demo key {demo.key_id}: ciphertext "
            f"{escape(str(demo.ciphertext_path))}"
        )
        self.action_refresh()
        self.action_decrypt(
            demo.enclave, str(demo.ciphertext_path), demo.key_id, f"@{demo.proof_key_path}"
        )

    # -- pin -----------------------------------------------------------------------------------
    def action_pin(self) -> None:
        self.pin_key_id = self.table.cursor_key
        if self.pin_key_id is None:
            self.notify("No key selected.", severity="warning")
            return
        key_id = self.pin_key_id
        from tui.screens.fields_form import FieldsForm
        from tui.screens.run_form import find_images

        def answered(values: dict[str, str] | None) -> None:
            path = (values or {}).get("eif", "")
            if path:
                self._note(f"measuring {escape(path)}…")
                self._plan_pin(key_id, path)

        form = FieldsForm(
            f"Pin key {key_id} to an image",
            [("eif", "image (EIF)", "path of the .eif whose PCRs the policy should demand", "")],
            note="The key policy's PCR conditions become this image's; the change is shown "
            "and asked for before PutKeyPolicy.",
            ok="Measure",
            suggestions=[str(p) for p in find_images(self.platforms.home.images_dir)],
        )
        self.app.push_screen(form, answered)

    def _plan_pin(self, key_id: str, eif_path: str) -> None:
        def plan() -> tuple[Pinning, PinPlan]:
            pinning = Pinning.as_admin(admin_access(self.kms.target()), key_id)
            return pinning, pinning.plan(Path(eif_path).expanduser())

        self.run_job(plan, lambda got: self._confirm_pin(*got), failed=self._note, group="kms-pin")

    def _confirm_pin(self, pinning: Pinning, plan: PinPlan) -> None:
        if not plan.changed:
            self._note(f"{escape(plan.key_arn)} already pins these values: nothing to do")
            return
        lines = plan.diff.splitlines()
        changes = [line for line in lines if line[:1] in "+-" and line[:3] not in ("+++", "---")]
        from tui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self._apply_pin(pinning, plan)
            else:
                self._note("pin cancelled: the key policy is unchanged")

        question = f"PutKeyPolicy on {plan.key_arn}?"
        self.app.push_screen(ConfirmScreen(question, "\n".join(changes)), answered)

    def _apply_pin(self, pinning: Pinning, plan: PinPlan) -> None:
        def pinned(_: object) -> None:
            pcrs = ", ".join(f"PCR{n}" for n in sorted(plan.pcrs))
            self._note(f"pinned {pcrs} of the image into the policy")
            self.action_refresh()

        self.run_job(lambda: pinning.apply(plan), pinned, failed=self._note, group="kms-pin")


def make_screen() -> KmsScreen:
    return KmsScreen()
