"""How a core error reads in the app: what went wrong, nitro-cli's detail, and the fix."""

from __future__ import annotations

from textual.worker import Worker, WorkerState

from core.errors import NitrodeckError


def explain(error: BaseException) -> str:
    """One short block for a notification or an inline message (never a traceback)."""
    if not isinstance(error, NitrodeckError):
        return f"{type(error).__name__}: {error}"
    lines = [error.what]
    if error.detail:
        lines.append(error.detail)
    if error.where:
        lines.append(f"at {error.where}")
    if error.fix:
        lines.append(f"fix: {error.fix}")
    return "\n".join(lines)


def short_code(error: BaseException) -> str:
    """`E26: At least 84 MB must be allocated …` for a NitroCliError; `explain` otherwise."""
    if isinstance(error, NitrodeckError) and error.code:
        return f"{error.code}: {error.detail or error.what}"
    return explain(error)


def escape(text: str) -> str:
    """Text shown inside Textual markup verbatim: every `[` escaped (Textual's own `escape`
    leaves `[ E58 ]`, nitro-cli's error codes, to be eaten as a tag)."""
    return text.replace("[", "\\[")


def error_markup(error: NitrodeckError) -> str:
    """A core error as Rich markup: what (where), then the fix on its own line."""
    text = f"[b red]{escape(error.what)}[/]"
    if error.where:
        text += f"  [dim]({escape(error.where)})[/]"
    if error.fix:
        text += f"\n[b]fix:[/] {escape(error.fix)}"
    return text


class ShowsWorkerErrors:
    """Mix into a screen: a worker that dies of an unexpected error (a bug, or a library error
    core did not translate) is reported in the screen's status line instead of vanishing."""

    def show_error(self, markup: str) -> None:
        raise NotImplementedError

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            self.show_error(
                f"[b red]unexpected error[/] ({escape(type(error).__name__)}): {escape(str(error))}"
            )
