"""Label schemes: how a corpus's labels relate to each other (``labels.json``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CorpusError

__all__ = ["LabelScheme"]


@dataclass
class LabelScheme:
    """How a corpus's labels relate to each other.

    Parameters
    ----------
    precedence : list of str
        Every label, the one that wins a mixed statement first.
    background : str or None
        The label for "none of the acts" (``other`` in the codebook). It is
        not an act: it never appears in ``acts`` and does not drive a
        document's overall label.
    cues : dict
        Label -> regular expressions of its typical signals, used by the
        keyword baseline.
    signature_cues : dict
        Label -> the one most obvious cue, whose share the corpus check reports
        to show lexical variety.

    Examples
    --------
    >>> scheme = LabelScheme(["threat", "blame", "none"], background="none")
    >>> scheme.acts
    ['threat', 'blame']
    >>> scheme.strongest(["blame", "threat"]), scheme.label_of([])
    ('threat', 'none')
    """

    precedence: list[str]
    background: str | None = None
    cues: dict[str, list[str]] = field(default_factory=dict)
    signature_cues: dict[str, str] = field(default_factory=dict)
    declared: bool = True

    @classmethod
    def from_file(cls, path: str | Path) -> LabelScheme:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CorpusError(f"{path}: cannot read label scheme: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("precedence"), list):
            raise CorpusError(f"{path}: a label scheme is a JSON object with a 'precedence' list of labels")
        scheme = cls(
            precedence=[str(label) for label in data["precedence"]],
            background=data.get("background"),
            cues={k: list(v) for k, v in data.get("cues", {}).items()},
            signature_cues=dict(data.get("signature_cues", {})),
        )
        unknown = ({scheme.background} - {None}) | set(scheme.cues) | set(scheme.signature_cues)
        unknown -= set(scheme.precedence)
        if unknown:
            raise CorpusError(f"{path}: labels {sorted(unknown)} are used but not listed in 'precedence'")
        problems = scheme.pattern_problems()
        if problems:
            raise CorpusError(f"{path}: {problems[0]}", [f"{path}: {p}" for p in problems])
        return scheme

    @classmethod
    def infer(cls, labels: Iterable[str]) -> LabelScheme:
        """A scheme for a corpus that declares none: labels sorted, no background."""
        return cls(precedence=sorted(set(labels)), declared=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LabelScheme:
        return cls(**{k: data[k] for k in ("precedence", "background", "cues", "signature_cues") if k in data})

    def to_dict(self) -> dict[str, Any]:
        return {
            "precedence": self.precedence,
            "background": self.background,
            "cues": self.cues,
            "signature_cues": self.signature_cues,
        }

    def pattern_problems(self) -> list[str]:
        """Every cue that is not a valid regular expression, named by label and pattern."""
        problems = []
        patterns = [(label, p) for label, ps in self.cues.items() for p in ps] + list(self.signature_cues.items())
        for label, pattern in patterns:
            try:
                re.compile(pattern)
            except (re.error, TypeError) as exc:
                problems.append(f"cue {pattern!r} of label {label!r} is not a valid regular expression ({exc})")
        return problems

    @property
    def acts(self) -> list[str]:
        """The labels that are acts: every label but the background, in precedence order."""
        return [label for label in self.precedence if label != self.background]

    def strongest(self, labels: Iterable[str]) -> str | None:
        """The label of highest precedence among ``labels`` (background ignored)."""
        found = set(labels) - {self.background}
        for label in self.precedence:
            if label in found:
                return label
        return None

    def acts_of_label(self, label: str) -> list[str]:
        """The acts of a statement known only by its label: none for the background, else the label itself."""
        return [] if label == self.background else [label]

    def label_of(self, acts: Iterable[str]) -> str | None:
        """The label a statement with these acts gets: the strongest act, else the background."""
        return self.strongest(acts) or self.background

    def ordered(self, acts: Iterable[str]) -> list[str]:
        """``acts`` without repeats, in precedence order."""
        found = set(acts)
        return [label for label in self.precedence if label in found]
