"""The one way the app shows an error: collapsed to its root cause, with evidence and a fix.

Every screen renders errors with `error_markup` (a status line, an inline box, a notification):
a nitro-cli error chain shows its root code and title first (an E39 that carried the enclave
process's E59 reads as E59, "via E39"), then the most specific evidence, where, and the fix.
Every screen action that can fail runs through `run_job`: the job in a thread worker, its
result to `done`, any error (ours, an OSError, or a bug) to `failed` as that markup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual.dom import DOMNode
from textual.worker import Worker, WorkerState

from core.errors import NitrodeckError

T = TypeVar("T")


def escape(text: str) -> str:
    """Text shown inside Textual markup verbatim: every `[` escaped (Textual's own `escape`
    leaves `[ E58 ]`, nitro-cli's error codes, to be eaten as a tag)."""
    return text.replace("[", "\\[")


def error_markup(error: BaseException) -> str:
    """Textual markup for `error`: headline, evidence, where, fix (never a traceback)."""
    if isinstance(error, OSError) and not isinstance(error, NitrodeckError):
        text = f"[b red]{escape(error.strerror or str(error))}[/]"
        if error.filename:
            text += f"\n[dim]at {escape(str(error.filename))}[/dim]"
        return text + "\n[b]fix:[/] check the path exists and is yours to read and write"
    if not isinstance(error, NitrodeckError):
        return f"[b red]unexpected error[/] ({escape(type(error).__name__)}): {escape(str(error))}"
    from core.explain import collapse_error

    cause = collapse_error(error)
    if cause is None:
        head, evidence, fix = escape(error.what), error.detail, error.fix
    else:
        root = error
        while root.inner is not None:
            root = root.inner
        head = escape(f"{cause.code} {cause.entry.title}")
        if cause.via:
            head += f" [dim](via {escape(' → '.join(cause.via))})[/dim]"
        evidence = cause.evidence or root.what
        fix = cause.hint or root.fix or cause.entry.fix
    text = f"[b red]{head}[/]"
    if evidence:
        text += f"\n{escape(evidence)}"
    if error.where:
        text += f"\n[dim]at {escape(error.where)}[/dim]"
    if fix:
        text += f"\n[b]fix:[/] {escape(fix)}"
    return text


class ShowsWorkerErrors:
    """Mix into a screen: a worker that dies of an unexpected error (a bug, or a library error
    core did not translate) is reported in the screen's status line instead of vanishing."""

    def show_error(self, markup: str) -> None:
        raise NotImplementedError

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            if error is not None:
                self.show_error(error_markup(error))


def run_job(
    node: DOMNode,
    job: Callable[[], T],
    done: Callable[[T], object],
    failed: Callable[[str], object],
    *,
    group: str,
    exclusive: bool = True,
) -> Worker[None]:
    """Run `job` in a thread worker of `node`; hand its result to `done`, or its error (as
    `error_markup`) to `failed`, both on the UI thread. The one place a screen catches errors:
    a bug is shown as "unexpected error" in the same spot, and the app stays up."""

    def work() -> None:
        try:
            result = job()
        except Exception as error:  # the one error path: every kind is shown, none is lost
            node.app.call_from_thread(failed, error_markup(error))
            return
        node.app.call_from_thread(done, result)

    return node.run_worker(work, thread=True, exclusive=exclusive, group=group, exit_on_error=False)
