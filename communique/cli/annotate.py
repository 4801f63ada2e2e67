"""``communique annotate``: label statements in the terminal, one keypress each.

The terminal is put in cbreak mode so a key needs no Enter; anything that is
not a terminal (a pipe, a test) is read a character at a time all the same.
The session itself (what is left, appending, undo) is
:class:`communique.labelling.AnnotationSession`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import textwrap
from collections.abc import Iterator

import click

from ..labelling.annotate import AnnotationSession
from .common import CONTEXT

CONTEXT_FIELDS = ("speaker", "context", "title", "date", "source")


@contextlib.contextmanager
def _keys() -> Iterator:
    """A function returning one keypress at a time ('' at the end of input)."""
    fd = sys.stdin.fileno()
    if not os.isatty(fd):
        yield lambda: os.read(fd, 1).decode("utf-8", "replace")
        return
    import termios
    import tty

    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield lambda: os.read(fd, 1).decode("utf-8", "replace")
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _legend(labels: list[str]) -> str:
    keys = "  ".join(f"[{k}] {label}" for k, label in enumerate(labels, 1))
    return f"{keys}\n[m] several acts  [s] skip  [u] undo  [q] quit"


def _show(session: AnnotationSession, row: dict, total: int) -> None:
    width = min(100, max(40, os.get_terminal_size().columns if sys.stdout.isatty() else 100))
    click.echo("\n" + "-" * width)
    click.echo(f"{session.done + 1}/{total}  id {row['id']}")
    for name in CONTEXT_FIELDS:
        if row.get(name):
            click.echo(f"{name}: {row[name]}")
    click.echo("\n" + textwrap.fill(" ".join(str(row[session.text_field]).split()), width) + "\n")
    suggestion = session.suggestion(row)
    if suggestion is not None:
        top = sorted(suggestion.scores.items(), key=lambda kv: -kv[1])[:3]
        acts = f" (acts: {', '.join(suggestion.acts)})" if len(suggestion.acts) > 1 else ""
        click.echo(f"model: {suggestion.label}{acts}   " + "  ".join(f"{k} {v:.2f}" for k, v in top))
    click.echo(_legend(session.labels))


def _several_acts(session: AnnotationSession, read) -> list[str] | None:
    """Digits toggle acts, Enter confirms, Escape cancels."""
    chosen: list[str] = []
    click.echo("acts: press the digits of every act, then Enter (Esc cancels)")
    while True:
        key = read()
        if key in ("\r", "\n"):
            return chosen
        if key in ("\x1b", "", "q"):
            return None
        if key.isdigit() and 1 <= int(key) <= len(session.labels):
            label = session.labels[int(key) - 1]
            chosen = [a for a in chosen if a != label] if label in chosen else [*chosen, label]
            click.echo(f"  acts: {', '.join(session.scheme.ordered(chosen)) or '(none)'}")


def run_session(session: AnnotationSession) -> None:
    total = session.done + len(session.queue)
    with _keys() as read:
        while (row := session.current()) is not None:
            _show(session, row, total)
            key = read()
            if key in ("q", ""):
                break
            if key == "s":
                session.skip()
            elif key == "u":
                if not session.undo():
                    click.echo("nothing to undo")
            elif key == "m":
                acts = _several_acts(session, read)
                if acts is not None:
                    session.decide(session.scheme.label_of(acts) or session.labels[0], acts)
            elif key.isdigit() and 1 <= int(key) <= len(session.labels):
                session.decide(session.labels[int(key) - 1])
            else:
                click.echo(f"key {key!r} does nothing here")
    click.echo(f"\n{session.done} labelled in {session.output}; {len(session.queue)} left")


@click.command(context_settings=CONTEXT)
@click.argument("path", metavar="INPUT")
@click.option(
    "--output",
    "output_path",
    required=True,
    metavar="FILE",
    help="JSON Lines file the decisions are appended to; rerun with it to continue.",
)
@click.option(
    "-m",
    "--model",
    "model_path",
    metavar="DIR",
    help="Model whose suggestion is shown, and whose labels are offered. Default: the bundled model.",
)
@click.option("--no-suggestion", is_flag=True, help="Do not show the model's suggestion (for blind annotation).")
@click.option("--annotator", help="Your name or initials, recorded on every row.")
@click.option("--text-field", default="text", show_default=True, help="Field or column holding the statement.")
def annotate(path, output_path, model_path, no_suggestion, annotator, text_field):
    """Label the statements of INPUT in the terminal, one keypress each.

    Shows each statement (with its speaker, context, title and date fields
    if it has them), the model's suggestion and probabilities, and takes
    single keys without Enter: a digit per label (in the label scheme's
    order, shown on screen), m for a statement with several acts, s skip,
    u undo, q quit. Each decision is appended to --output and flushed at
    once, so Ctrl-C or a closed terminal loses nothing; rerunning the same
    command continues where it stopped. Works in a plain terminal over ssh.

    \b
    Example (the files named are yours):
      communique annotate to_label.jsonl --output labelled.jsonl --annotator ab
    """
    from ..labelling.sampling import rows_to_label
    from ..models.loading import load_model

    model = load_model(model_path)
    rows = [row for row, _ in rows_to_label(path, text_field)]
    session = AnnotationSession(
        rows, output_path, model.scheme, None if no_suggestion else model, annotator=annotator, text_field=text_field
    )
    if not session.queue:
        click.echo(f"every statement of {path} is already labelled in {output_path}")
        return
    try:
        run_session(session)
    except KeyboardInterrupt:
        click.echo(f"\nInterrupted: {session.done} labelled in {output_path}; rerun the same command to continue.")
