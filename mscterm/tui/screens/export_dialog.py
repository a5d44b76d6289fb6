"""The ``e`` dialog: format, output path, abstracts or not. It only asks; the screen writes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Select, Static

FORMATS: list[tuple[str, str, str]] = [
    ("BibTeX", "bibtex", ".bib"),
    ("BibLaTeX", "biblatex", ".bib"),
    ("CSL-JSON", "csl-json", ".json"),
    ("RIS", "ris", ".ris"),
]
DEFAULT_STEM = "mscterm-export"


class StateCheckbox(Checkbox):
    """A checkbox whose state reads in any theme (and without colour): ``[✓] … yes`` when on,
    ``[ ] … no`` when off, where Textual's own shows the same ``X`` either way."""

    def __init__(self, label: str, value: bool = False, *, id: str | None = None) -> None:
        self._text = label
        super().__init__(self._said(value), value, id=id)

    def _said(self, value: bool) -> str:
        return f"{self._text}: {'yes' if value else 'no'}"

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]
        return "✓" if self.value else " "

    def watch_value(self) -> None:
        super().watch_value()
        self.label = self._said(self.value)


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """What the user chose in the dialog."""

    fmt: str
    path: Path
    include_abstract: bool


def default_path(fmt: str) -> str:
    """``./mscterm-export.bib`` (extension by format), relative to where mscterm was started."""
    ext = next((e for _, f, e in FORMATS if f == fmt), ".txt")
    return f"./{DEFAULT_STEM}{ext}"


class ExportDialog(ModalScreen[ExportRequest | None]):
    """Tab moves between the fields; enter in the path (or the Export button) confirms."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]  # noqa: RUF012

    def __init__(self, count: int, *, fmt: str = "bibtex", title: str | None = None) -> None:
        super().__init__()
        self._count = count
        self._title = title
        self._fmt = fmt
        self._path_edited = False

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box", classes="dialog"):
            noun = "reference" if self._count == 1 else "references"
            title = self._title or f"Export {self._count} marked {noun}"
            yield Static(Text(title, style="bold"))
            yield Select(
                [(label, fmt) for label, fmt, _ in FORMATS],
                value=self._fmt,
                allow_blank=False,
                id="export-format",
            )
            yield Input(default_path(self._fmt), id="export-path", placeholder="file to write")
            yield StateCheckbox("Include abstracts", False, id="export-abstracts")
            with Horizontal(id="export-buttons"):
                yield Button("Export", id="export-ok", variant="primary")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        path = next(self.query("#export-path").results(Input), None)
        if path is not None:  # keys in a burst may close the dialog before it is composed
            path.focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        fmt = str(event.value)
        path_input = self.query_one("#export-path", Input)
        if not self._path_edited or path_input.value == default_path(self._fmt):
            path_input.value = default_path(fmt)
            self._path_edited = False
        self._fmt = fmt

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.value != default_path(self._fmt):
            self._path_edited = True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._confirm()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export-ok":
            self._confirm()
        else:
            self.dismiss(None)

    def _confirm(self) -> None:
        raw = self.query_one("#export-path", Input).value.strip()
        if not raw:
            self.notify("Give a file to write.", severity="warning", markup=False)
            return
        self.dismiss(
            ExportRequest(
                fmt=self._fmt,
                path=Path(raw).expanduser(),
                include_abstract=self.query_one("#export-abstracts", Checkbox).value,
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
