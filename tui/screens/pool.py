"""The pool view: CPU topology and who holds each CPU, hugepages and memory, the allocator
settings editor (validated live with `plan_pool`), apply behind a confirmation, and "how many
enclaves of this image fit, and why not one more" (`core.platform.capacity`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Select, Static

from core.errors import NitrodeckError
from core.platform.base import EnclaveInfo, HostInfo, PoolConfig, PoolPlan, PoolState
from core.platform.capacity import fit_on
from tui.bindings import dangerous
from tui.engine.errors import error_markup
from tui.presenters.pool_view import fit_view, memory_table, plan_view, topology_table
from tui.screens.base import NitrodeckScreen
from tui.screens.run_form import find_images
from tui.widgets.form_keys import KeepsEdits
from tui.widgets.poller import Poller


@dataclass(frozen=True)
class PoolSnapshot:
    host: HostInfo
    pool: PoolState
    enclaves: Sequence[EnclaveInfo]


def plan_inputs(snapshot: PoolSnapshot) -> tuple[object, ...]:
    """What a plan's verdict depends on besides the settings: the pool and who runs in it."""
    return (snapshot.pool, sorted(enclave.enclave_id for enclave in snapshot.enclaves))


class PoolScreen(KeepsEdits, NitrodeckScreen):
    crumb = "pool"
    ABOUT = (
        "The enclave CPU and memory pool. Edit memory_mib and cpu_count or cpu_pool below: every "
        "rule the change breaks is listed as you type; ctrl+s (or ctrl+d) applies it after "
        "asking, from inside a field too; esc leaves a field. "
        "Pick an image to see how many enclaves of it fit, and why not one more."
    )
    danger_question = "Apply these allocator settings to the pool?"
    FORM_SELECTOR = "#pool-editor"
    DISCARD_QUESTION = "Leave the pool view without applying your allocator edits?"
    BINDINGS = [
        Binding("escape", "back", "Leave field / back", id="pool.back"),
        dangerous("ctrl+s", "danger", "Apply", "apply the allocator settings (asks first)"),
        dangerous("ctrl+d", "danger", "Apply", "apply the allocator settings (asks first)"),
        Binding("f", "fit", "Fit", id="pool.fit"),
    ]
    DEFAULT_CSS = """
    PoolScreen #pool-top { height: auto; max-height: 55%; }
    PoolScreen #pool-topology, PoolScreen #pool-memory {
        width: 1fr; height: auto; max-height: 100%; padding: 0 1;
    }
    PoolScreen .pool-row { height: auto; padding: 0 1; }
    PoolScreen .pool-row Label { width: auto; padding: 0 1 0 2; color: $text-muted; }
    PoolScreen .pool-row Input { width: 1fr; max-width: 14; }  /* all three inside 80 columns */
    PoolScreen .pool-row Select { width: 40; }
    PoolScreen #pool-plan, PoolScreen #pool-fit { height: auto; padding: 0 1 1 1; }
    PoolScreen .pool-title { padding: 0 1; color: $accent; text-style: bold; }
    """

    def __init__(self, *, image_dir: Path | None = None) -> None:
        super().__init__()
        self.image_dir = image_dir
        self.snapshot: PoolSnapshot | None = None
        self.plan: PoolPlan | None = None
        self.fit_text = ""
        self._editor_filled = False
        self._plan_seq = 0

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="pool-top"):
            with VerticalScroll(id="pool-topology"):
                yield Static("reading the pool…", id="pool-topology-table")
            with VerticalScroll(id="pool-memory"):
                yield Static("", id="pool-memory-table")
        yield Static("allocator settings (allocator.yaml)", classes="pool-title")
        with Horizontal(classes="pool-row", id="pool-editor"):
            yield Label("memory_mib")
            yield Input("", compact=True, id="pool-memory-mib")
            yield Label("cpu_count")
            yield Input("", compact=True, id="pool-cpu-count")
            yield Label("or cpu_pool")
            yield Input("", compact=True, placeholder="e.g. 1-3,5-7", id="pool-cpu-pool")
        yield Static("", id="pool-plan")
        with Horizontal(classes="pool-row"):
            yield Label("how many fit of")
            images = find_images(self.image_dir or self.platforms.home.images_dir)
            yield Select(
                [(p.name, p) for p in images],
                value=images[0] if images else Select.NULL,
                compact=True,
                id="pool-image",
            )
        yield Static("", id="pool-fit")
        yield Poller(self._fetch, self._show, interval=3.0, id="pool-poller")

    # -- live state ---------------------------------------------------------------------------
    def _fetch(self) -> PoolSnapshot:
        platform = self.platforms.get()
        return PoolSnapshot(
            platform.host_info(), platform.pool_state(), platform.describe_enclaves()
        )

    def _show(self, snapshot: PoolSnapshot) -> None:
        previous, self.snapshot = self.snapshot, snapshot
        self.query_one("#pool-topology-table", Static).update(
            topology_table(snapshot.host, snapshot.pool, snapshot.enclaves)
        )
        self.query_one("#pool-memory-table", Static).update(
            memory_table(snapshot.host, snapshot.pool)
        )
        if not self._editor_filled and snapshot.pool.config is not None:
            self._editor_filled = True
            config = snapshot.pool.config
            self._set("pool-memory-mib", config.memory_mib)
            self._set("pool-cpu-count", config.cpu_count)
            self._set("pool-cpu-pool", config.cpu_pool)
            self.remember_form()
        elif previous is not None and plan_inputs(previous) != plan_inputs(snapshot):
            self._edited()  # the plan judged the pool and enclaves as they were: judge again
        self.action_fit()

    def _set(self, widget_id: str, value: object) -> None:
        self.query_one(f"#{widget_id}", Input).value = "" if value is None else str(value)

    @on(Poller.Failed)
    def _failed(self, event: Poller.Failed) -> None:
        self.query_one("#pool-topology-table", Static).update(error_markup(event.error))

    # -- the editor -----------------------------------------------------------------------------
    def edited_config(self) -> PoolConfig:
        """The editor as a `PoolConfig`; a field that is not a number raises a clear error."""
        values: dict[str, int | None] = {}
        for key in ("memory-mib", "cpu-count"):
            text = self.query_one(f"#pool-{key}", Input).value.strip()
            if key == "memory-mib" and not text:
                raise NitrodeckError(
                    "memory_mib is empty: type the MiB of hugepage memory to reserve", where=key
                )
            try:
                values[key] = int(text) if text else None
            except ValueError:
                raise NitrodeckError(
                    f"{key.replace('-', '_')} must be a whole number, not {text!r}"
                ) from None
        cpu_pool = self.query_one("#pool-cpu-pool", Input).value.strip() or None
        return PoolConfig(
            memory_mib=values["memory-mib"], cpu_count=values["cpu-count"], cpu_pool=cpu_pool
        )

    @on(Input.Changed, ".pool-row Input")
    def _edited(self) -> None:
        try:
            config = self.edited_config()
        except NitrodeckError as error:
            self.plan = None
            self.query_one("#pool-plan", Static).update(Text(f"✗ {error.what}", style="red"))
            return
        self._plan(config)

    def _plan(self, config: PoolConfig) -> None:
        self._plan_seq += 1
        self._plan_worker(config, self._plan_seq)

    # Not exclusive: a cancelled worker would never finish. A newer edit's answer wins instead.
    def _plan_worker(self, config: PoolConfig, seq: int) -> None:
        self.run_job(
            lambda: self.platforms.get().plan_pool(config),
            lambda plan: self._show_plan(seq, plan, ""),
            failed=lambda markup: self._show_plan(seq, None, markup),
            group="pool-plan",
            exclusive=False,
        )

    def _show_plan(self, seq: int, plan: PoolPlan | None, problem: str) -> None:
        if seq != self._plan_seq:
            return
        self.plan = plan
        view = plan_view(plan) if plan is not None else Text.from_markup(f"✗ {problem}")
        self.query_one("#pool-plan", Static).update(view)
        self.action_fit()

    def unsaved_plan(self) -> PoolPlan | None:
        """The plan of the edited settings when they differ from the pool's and are valid:
        "how many fit" answers for them (marked unsaved), not for the pool as it is."""
        plan = self.plan
        if not self.edited_fields() or plan is None or not plan.ok:
            return None
        return plan

    def leave_form(self) -> None:
        self.nd_app.go_back()

    def danger_target(self) -> str | None:
        try:
            current = self.plan is not None and self.plan.config == self.edited_config()
        except NitrodeckError:
            current = False
        if not current:  # keys typed just before ctrl+s: the plan is being redone
            self.notify("Checking the new settings: press ctrl+s again.", severity="warning")
            return None
        if self.plan is None or not self.plan.ok:
            self.notify("Fix the settings first: the plan lists what is wrong.", severity="warning")
            return None
        config = self.plan.config
        cpus = f"cpu_count {config.cpu_count}" if config.cpu_pool is None else config.cpu_pool
        return f"memory_mib {config.memory_mib}, {cpus}"

    def perform_danger(self, target: str) -> None:
        if self.plan is not None:
            self._apply(self.plan.config)

    def _apply(self, config: PoolConfig) -> None:
        def applied(state: PoolState) -> None:
            self.notify(f"pool applied: CPUs {','.join(map(str, state.cpus))}", markup=False)
            self.remember_form()
            self.refresh_header()
            self.query_one("#pool-poller", Poller).poll_now()

        self.run_job(
            lambda: self.platforms.get().apply_pool(config),
            applied,
            failed=lambda markup: self.notify(markup, title="apply failed", severity="error"),
            group="pool-apply",
            exclusive=False,
        )

    # -- fit ------------------------------------------------------------------------------------
    @on(Select.Changed, "#pool-image")
    def action_fit(self) -> None:
        image = self.query_one("#pool-image", Select).value
        if isinstance(image, Path):
            self._fit(image, self.unsaved_plan())
        else:
            self.query_one("#pool-fit", Static).update(
                "no image to place: build one in :images (b), or copy an .eif there"
            )

    def _fit(self, image: Path, plan: PoolPlan | None) -> None:
        def answer() -> Text:
            view = fit_view(image.name, fit_on(self.platforms.get(), image, plan=plan))
            if plan is not None:
                view = Text.assemble(("with your unsaved settings (ctrl+s applies): ", "b"), view)
            return view

        self.run_job(
            answer,
            self._show_fit,
            failed=lambda markup: self._show_fit(Text.from_markup(markup)),
            group="pool-fit",
            exclusive=False,
        )

    def _show_fit(self, view: Text) -> None:
        self.query_one("#pool-fit", Static).update(view)
        self.fit_text = view.plain


def make_screen() -> PoolScreen:
    return PoolScreen()
