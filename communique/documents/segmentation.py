"""Sentence splitting for diplomatic statements and news text, with character offsets.

Written for this domain rather than taken from a general library: the texts
are full of titles and acronyms (Mr., U.S., U.N., No. 10), datelines
("BEIJING, March 6 -"), headlines, bullet lists and quotations that run over
several sentences before their attribution. Rules, in order:

- A blank line, a list item or a short line without closing punctuation (a
  headline) ends a block; a single line break inside prose does not.
- Inside a block, a sentence ends at ``.``, ``!`` or ``?`` (with any closing
  quotes or brackets) followed by white space and a capital, digit, quote or
  bracket, unless the word before is an abbreviation, an initial, or a dotted
  acronym not followed by a typical sentence opener.
- A quotation is not split: a quoted passage of several sentences stays with
  its attribution ("We reject this. It is a lie," the spokesman said.), so
  the sentence is classified as the speaker's act. A quotation left open, or
  longer than ``MAX_QUOTE`` characters, is treated as plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Sentence", "split_sentences"]

MAX_QUOTE = 800
HEADLINE_WORDS = 20

ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "maj",
        "gov",
        "sen",
        "rep",
        "amb",
        "pres",
        "hon",
        "rev",
        "st",
        "mt",
        "ft",
        "no",
        "nos",
        "art",
        "arts",
        "para",
        "sec",
        "vol",
        "pp",
        "fig",
        "ch",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "vs",
        "etc",
        "approx",
        "est",
        "inc",
        "ltd",
        "co",
        "corp",
        "jr",
        "sr",
        "dept",
        "univ",
        "assn",
        "ave",
        "blvd",
        "min",
        "e.g",
        "i.e",
        "cf",
        "al",
    ]
)
# After a dotted acronym ("U.S.") a sentence usually continues ("U.S. officials");
# these words show that a new one began ("... against the U.S. The ministry ...").
SENTENCE_OPENERS = frozenset(
    [
        "the",
        "this",
        "that",
        "these",
        "those",
        "we",
        "our",
        "it",
        "its",
        "he",
        "she",
        "they",
        "their",
        "there",
        "in",
        "on",
        "at",
        "but",
        "and",
        "however",
        "meanwhile",
        "yet",
        "a",
        "an",
        "i",
        "you",
        "his",
        "her",
        "as",
        "after",
        "before",
        "when",
        "while",
        "if",
        "since",
        "for",
        "according",
    ]
)

_LINE = re.compile(r"[^\n]*(?:\n|$)")
_LIST_ITEM = re.compile(r"\s*(?:[-*\u2022\u00b7\u2013\u2014]|\d{1,3}[.)]|\(?[a-zA-Z\d]{1,3}\))\s+\S")
_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s)")
_OPENER = re.compile(r"\s+([\"'\u201c\u2018(\[]?[A-Z0-9\u00c0-\u024f])")
_TERMINAL = re.compile(r"[.!?:;\"'\u201d\u2019)\]]\s*$")


@dataclass(frozen=True)
class Sentence:
    """A sentence and its ``[start, end)`` character offsets in the document."""

    start: int
    end: int
    text: str


def _blocks(text: str) -> list[tuple[int, int]]:
    """Spans of text between hard breaks: blank lines, list items, headlines."""
    blocks: list[tuple[int, int]] = []
    start = None
    previous = ""
    for match in _LINE.finditer(text):
        line = match.group()
        if not line:
            break
        stripped = line.strip()
        if not stripped:
            if start is not None:
                blocks.append((start, match.start()))
                start = None
            previous = ""
            continue
        headline_before = (
            previous
            and not _TERMINAL.search(previous)
            and len(previous.split()) <= HEADLINE_WORDS
            and stripped[0].isupper()
        )
        if start is not None and (_LIST_ITEM.match(line) or headline_before):
            blocks.append((start, match.start()))
            start = None
        if start is None:
            start = match.start()
        previous = stripped
    if start is not None:
        blocks.append((start, len(text)))
    return blocks


def _is_abbreviation(block: str, end: int) -> bool:
    """Whether the full stop at ``block[end]`` closes an abbreviation, initial or acronym."""
    word = re.search(r"([\w.]+)$", block[:end])
    if not word:
        return False
    token = word.group(1)
    if token.isdigit() and not block[: word.start()].strip():  # "1. " opening a list item
        return True
    lowered = token.lower().strip(".")
    if lowered in ABBREVIATIONS:
        return True
    if len(token) == 1 and token.isupper():  # an initial: John F. Kennedy
        return True
    if re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", token):  # U.S, U.N, e.g
        following = re.match(r"\s+[\"'\u201c(]?(\w+)", block[end + 1 :])
        return not (following and following.group(1).lower() in SENTENCE_OPENERS)
    return False


def _quoted_spans(block: str) -> list[tuple[int, int]]:
    """Closed quotations (straight or curly double quotes) no longer than MAX_QUOTE."""
    spans = []
    opening = None
    for match in re.finditer(r"[\"\u201c\u201d]", block):
        ch, i = match.group(), match.start()
        if opening is None:
            if ch != "\u201d":
                opening = i
        elif ch != "\u201c":
            if i - opening <= MAX_QUOTE:
                spans.append((opening, i))
            opening = None
        else:  # a second opening quote: the first was never closed
            opening = i
    return spans


def _split_block(text: str, start: int, end: int) -> list[Sentence]:
    block = text[start:end]
    quotes = _quoted_spans(block)
    cuts = []
    for match in _END.finditer(block):
        stop = match.end()
        if not _OPENER.match(block, stop):
            continue
        if block[match.start()] == "." and match.end() - match.start() == 1 and _is_abbreviation(block, match.start()):
            continue
        if any(a < match.start() < b and stop <= b for a, b in quotes):
            continue
        cuts.append(stop)
    sentences = []
    for a, b in zip([0, *cuts], [*cuts, len(block)]):
        piece = block[a:b]
        left = len(piece) - len(piece.lstrip())
        right = len(piece.rstrip())
        if right > left:
            sentences.append(Sentence(start + a + left, start + a + right, piece[left:right]))
    return sentences


def split_sentences(text: str) -> list[Sentence]:
    """Split ``text`` into sentences with their character offsets.

    Examples
    --------
    >>> [s.text for s in split_sentences("Mr. Lin spoke in the U.S. on Monday. He denied it.")]
    ['Mr. Lin spoke in the U.S. on Monday.', 'He denied it.']
    >>> split_sentences("No full stop at the end")[0]
    Sentence(start=0, end=23, text='No full stop at the end')
    """
    sentences: list[Sentence] = []
    for start, end in _blocks(text):
        sentences.extend(_split_block(text, start, end))
    return sentences
