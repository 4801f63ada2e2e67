"""Sentence splitting on diplomatic and news text."""

from __future__ import annotations

import pytest

from communique.documents.segmentation import split_sentences


def texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


CASES = {
    "abbreviations": (
        "Mr. Blinken met Dr. Wang in the U.S. capital on Jan. 5. The talks were long.",
        ["Mr. Blinken met Dr. Wang in the U.S. capital on Jan. 5.", "The talks were long."],
    ),
    "acronym-ends-sentence": (
        "The sanctions target the U.S. The ministry said so.",
        ["The sanctions target the U.S.", "The ministry said so."],
    ),
    "uk-and-no": (
        "The U.K. and No. 10 issued a statement. It was brief.",
        ["The U.K. and No. 10 issued a statement.", "It was brief."],
    ),
    "initials": (
        "John F. Kennedy spoke first. Then the envoy answered.",
        ["John F. Kennedy spoke first.", "Then the envoy answered."],
    ),
    "decimals": (
        "Exports fell 3.5 per cent in 2024. Tariffs rose to 12.75%.",
        ["Exports fell 3.5 per cent in 2024.", "Tariffs rose to 12.75%."],
    ),
    "quote-spanning-sentences": (
        '"We reject these claims. They are groundless," the spokesman said. Officials met later.',
        ['"We reject these claims. They are groundless," the spokesman said.', "Officials met later."],
    ),
    "curly-quote": (
        "\u201cThis is unacceptable. We will respond,\u201d she said. The meeting ended.",
        ["\u201cThis is unacceptable. We will respond,\u201d she said.", "The meeting ended."],
    ),
    "quote-then-new-sentence": (
        'He said: "We stand with Poland." The summit opened on Monday.',
        ['He said: "We stand with Poland."', "The summit opened on Monday."],
    ),
    "unclosed-quote-falls-back": (
        'He said "we condemn it. The talks failed. Nothing more.',
        ['He said "we condemn it.', "The talks failed.", "Nothing more."],
    ),
    "dateline": (
        "BEIJING, March 6 (Reuters) - China rejected the report on Thursday. It called it a smear.",
        ["BEIJING, March 6 (Reuters) - China rejected the report on Thursday.", "It called it a smear."],
    ),
    "headline": (
        "China rejects hacking claims\nBeijing said the accusations were groundless.",
        ["China rejects hacking claims", "Beijing said the accusations were groundless."],
    ),
    "bullets": (
        "The ministers agreed to:\n- expand trade\n- hold talks in May\n1. Review the treaty\n2) Meet again",
        ["The ministers agreed to:", "- expand trade", "- hold talks in May", "1. Review the treaty", "2) Meet again"],
    ),
    "wrapped-lines": (
        "The minister said the attack was a grave violation of\ninternational law and must stop.",
        ["The minister said the attack was a grave violation of\ninternational law and must stop."],
    ),
    "no-final-stop": ("We stand with our allies", ["We stand with our allies"]),
    "question-exclamation": (
        "Is this diplomacy? No! It is coercion.",
        ["Is this diplomacy?", "No!", "It is coercion."],
    ),
    "paragraphs": ("First point.\n\nSecond point", ["First point.", "Second point"]),
    "empty": ("  \n ", []),
}


@pytest.mark.parametrize("text,expected", CASES.values(), ids=CASES.keys())
def test_split(text, expected):
    assert texts(text) == expected


@pytest.mark.parametrize("text", [c[0] for c in CASES.values()], ids=CASES.keys())
def test_offsets_point_into_the_text(text):
    for sentence in split_sentences(text):
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text == sentence.text.strip()
