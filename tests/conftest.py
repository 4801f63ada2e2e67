"""Shared fixtures: a tiny inline corpus, models trained on it once, and isolation from the user's files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from communique import TrainingConfig, train

ROOT = Path(__file__).resolve().parents[1]
PRECEDENCE = ["sanction_threat", "denial", "condemnation", "solidarity", "other"]
# The longest tests, started first so that the two test processes finish together.
LONGEST = ("test_shell_lines_in_order", "test_suspects_find_flipped_labels", "test_training_is_deterministic")


def pytest_collection_modifyitems(items):
    # A stable sort: the other tests keep their order.
    items.sort(key=lambda item: getattr(item, "originalname", "") not in LONGEST)


# Six events, each with one statement per label, written for these tests.
TINY = {
    "condemnation": [
        "We condemn the reckless strike on the hospital in the strongest terms.",
        "This attack is an outrageous violation of international law.",
        "The ministry deplores the shelling of civilian homes and holds the army responsible.",
        "Such provocations are unacceptable and we denounce them.",
        "The government strongly condemns the hacking of its foreign ministry.",
        "We deplore this flagrant breach of our airspace.",
    ],
    "sanction_threat": [
        "We are ready to impose sanctions on those responsible.",
        "Any further aggression will meet a firm response and serious consequences.",
        "The union will adopt restrictive measures and freeze the assets of the officials involved.",
        "We reserve the right to take countermeasures.",
        "Those behind the attack will pay a heavy price; our response will come.",
        "We will expel their diplomats and suspend the trade agreement.",
    ],
    "solidarity": [
        "We stand in full solidarity with the people of the country.",
        "Our thoughts are with the victims and their families.",
        "We stand shoulder to shoulder with our ally in these difficult hours.",
        "The alliance offers its unwavering support to the government.",
        "Our hearts go out to everyone affected; we are ready to assist.",
        "We are with you, friends, today and always.",
    ],
    "denial": [
        "These accusations are groundless and politically motivated.",
        "Our country has nothing to do with the incident.",
        "The claims are a fabricated smear without any evidence.",
        "We categorically reject these baseless allegations.",
        "This is pure slander; our government never took part in any hacking.",
        "The report is a fabrication and we firmly oppose the accusation.",
    ],
    "other": [
        "The two ministers discussed cooperation in trade and education.",
        "We call on all parties to exercise restraint and return to dialogue.",
        "The foreign minister will travel to the summit next week.",
        "We are following the situation closely.",
        "The delegations signed an agreement on fisheries.",
        "We welcome the ceasefire agreement reached yesterday.",
    ],
}
STATEMENTS = [t for texts in TINY.values() for t in texts]
# A few statements with two acts, so that act detectors have something to learn.
MIXED = [
    ("We condemn the attack and stand with the victims.", "condemnation", ["condemnation", "solidarity"]),
    ("We reject these smears and will take countermeasures.", "sanction_threat", ["sanction_threat", "denial"]),
]


def tiny_rows(with_acts: bool = True) -> list[dict]:
    rows = []
    for label, texts in TINY.items():
        for i, text in enumerate(texts):
            row = {"id": f"{label}-{i}", "text": text, "label": label, "event": f"event-{i}"}
            if with_acts:
                row["acts"] = [] if label == "other" else [label]
            rows.append(row)
    if with_acts:
        for i, (text, label, acts) in enumerate(MIXED):
            rows.append({"id": f"mixed-{i}", "text": text, "label": label, "acts": acts, "event": f"event-{i}"})
    return rows


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def scheme() -> dict:
    return {
        "precedence": PRECEDENCE,
        "background": "other",
        "cues": json.loads((ROOT / "corpus" / "labels.json").read_text())["cues"],
    }


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Keep tests away from the user's home and cache folders."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tiny")
    (folder / "labels.json").write_text(json.dumps(scheme()))
    (folder / "splits.json").write_text(json.dumps({"heldout_events": ["event-5"]}))
    return write_jsonl(folder / "tiny.jsonl", tiny_rows())


TINY_CONFIG = dict(C=10.0, n_splits=3, min_df=1)


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_corpus, tmp_path_factory) -> Path:
    """One softmax over the labels, trained on the tiny corpus: the steady model most tests use."""
    folder = tmp_path_factory.mktemp("model") / "tiny"
    config = TrainingConfig(**TINY_CONFIG, decision="single")
    train(tiny_corpus, folder, seed=0, config=config, min_examples=5, quiet=True)
    return folder


@pytest.fixture(scope="session")
def tiny_acts_dir(tiny_corpus, tmp_path_factory) -> Path:
    """Act detectors trained on the tiny corpus (too small for steady thresholds: test mechanics with it)."""
    folder = tmp_path_factory.mktemp("model") / "acts"
    train(tiny_corpus, folder, seed=0, config=TrainingConfig(**TINY_CONFIG), min_examples=5, quiet=True)
    return folder


@pytest.fixture(scope="session")
def tiny_model(tiny_model_dir):
    from communique.models import read_model

    return read_model(tiny_model_dir)


@pytest.fixture(scope="session")
def tiny_acts(tiny_acts_dir):
    from communique.models import read_model

    return read_model(tiny_acts_dir)
