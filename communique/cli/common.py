"""What the commands share: option types, the context settings, and printing predictions."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from ..models.model import Prediction

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
POSITIVE = click.IntRange(min=1)


class JobsType(click.ParamType):
    """A number of worker processes: a positive number, or -1 for one per core."""

    name = "N"

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if number != -1 and number < 1:
            self.fail(f"{number} is not a positive number of processes (or -1 for one per core)", param, ctx)
        return number


JOBS = JobsType()


def parse_ngrams(value: str | None) -> tuple[int, int] | None:
    """``"1,2"`` -> ``(1, 2)``; ``"none"`` -> None."""
    if value in (None, "", "none"):
        return None
    try:
        low, high = (int(v) for v in value.split(","))
    except ValueError:
        raise click.BadParameter(f"{value!r}: give two numbers like 1,2 (or none)") from None
    if not 1 <= low <= high:
        raise click.BadParameter(f"{value!r}: give two numbers like 1,2, the first at least 1 and not above the second")
    return low, high


def ngram_option(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    """Click callback: an n-gram range option, its errors naming the option."""
    return parse_ngrams(value)


def _width() -> int:
    columns = os.get_terminal_size(sys.stdout.fileno()).columns if sys.stdout.isatty() else 100
    return max(40, columns - 34)


def table(rows: list[tuple[str, str, str]], headers: tuple[str, str, str]) -> str:
    """Label, confidence and text columns, the text cut to the terminal's width."""
    first = max([16, *(len(label) for label, _, _ in rows)])
    width = _width() - (first - 16)
    lines = [f"{headers[0]:<{first}} {headers[1]:>10}  {headers[2]}"]
    for label, confidence, text in rows:
        flat = " ".join(text.split())
        lines.append(f"{label:<{first}} {confidence:>10}  {flat if len(flat) <= width else flat[: width - 3] + '...'}")
    return "\n".join(lines)


def label_cell(prediction: Prediction, background: str | None) -> str:
    """The label as a table shows it: with the weaker acts found, and a mark when no word was known."""
    others = [a for a in prediction.acts if a != prediction.label]
    cell = prediction.label + (f" +{'+'.join(others)}" if others else "")
    return cell if prediction.known_terms else f"{cell}?"


def explanation_lines(prediction: Prediction) -> list[str]:
    if not prediction.explanation:
        return ["    because of: (nothing in the text favours it)"]
    lines = []
    for name, terms in prediction.explanation.items():
        if terms:
            lines.append(f"    {name} because of: " + ", ".join(f"{t!r} {w:+.2f}" for t, w in terms))
        else:
            lines.append(f"    {name} because of: (nothing in the text favours it)")
    return lines
