"""Tools for people who label their own corpus: suspects, sample, agreement and the annotation loop."""

from __future__ import annotations

import gzip
import json
import os
import random
import select
import subprocess
import sys
import time

import pytest

from communique.errors import InputError
from communique.labelling import SampleOptions, compare_annotations, find_suspects, read_annotations, sample_statements

from .conftest import ROOT, STATEMENTS, write_jsonl


@pytest.fixture(scope="module")
def noisy_corpus(tmp_path_factory):
    """1,500 written rows of the bundled corpus (whole events), with 5% of the labels flipped at random."""
    rows = [json.loads(line) for line in (ROOT / "corpus" / "statements.jsonl").open(encoding="utf-8")]
    rows = [r for r in rows if r.get("origin", "written") == "written"]
    events = sorted({r["event"] for r in rows})
    random.Random(0).shuffle(events)
    keep, taken = set(), 0
    for event in events:
        keep.add(event)
        taken += sum(r["event"] == event for r in rows)
        if taken >= 1500:
            break
    rows = [{k: r[k] for k in ("id", "text", "label", "event")} for r in rows if r["event"] in keep]
    rng = random.Random(1)
    labels = sorted({r["label"] for r in rows})
    flipped = set(rng.sample(range(len(rows)), round(0.05 * len(rows))))
    for i in flipped:
        rows[i]["label"] = rng.choice([label for label in labels if label != rows[i]["label"]])
    folder = tmp_path_factory.mktemp("noisy")
    (folder / "labels.json").write_text((ROOT / "corpus" / "labels.json").read_text())
    return write_jsonl(folder / "noisy.jsonl", rows), {rows[i]["id"] for i in flipped}


def test_suspects_find_flipped_labels(noisy_corpus):
    from communique import TrainingConfig

    path, flipped = noisy_corpus
    suspects = find_suspects(path, config=TrainingConfig(n_splits=3))
    top = {s.id for s in suspects[: len(flipped)]}
    assert len(top & flipped) >= len(flipped) / 2, f"{len(top & flipped)} of {len(flipped)} flipped rows in the top"
    first = suspects[0]
    assert (
        first.suggested != first.label
        and first.margin > 0
        and set(first.scores) == {"condemnation", "denial", "other", "sanction_threat", "solidarity"}
    )
    assert [s.confidence for s in suspects] == sorted(s.confidence for s in suspects)


def _unlabelled(tmp_path, n=200):
    """Distinct statements made of two tiny-corpus ones each, from 40 documents."""
    pairs = [(i, j) for i in range(len(STATEMENTS)) for j in range(len(STATEMENTS)) if i < j]
    random.Random(3).shuffle(pairs)
    rows = [
        {"id": f"r{k}", "text": f"{STATEMENTS[i]} {STATEMENTS[j]}", "document": f"d{k % 40}"}
        for k, (i, j) in enumerate(pairs[:n])
    ]
    rows.append({"id": "dup", "text": rows[0]["text"] + " Indeed", "document": "other-doc"})
    path = tmp_path / "feed.jsonl.gz"
    path.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode()))
    return path, rows


def test_sample_asks_about_the_least_certain_first(tmp_path, tiny_model):
    path, rows = _unlabelled(tmp_path)
    chosen = sample_statements(path, tiny_model, SampleOptions(n=20, per_group=100))
    assert len({r["id"] for r in chosen}) == 20 and all(set(r) == {"id", "text", "document"} for r in chosen)
    margins = {}
    for r in rows:
        p = sorted(tiny_model.scorer.predict_proba([r["text"]])[0])
        margins[r["id"]] = p[-1] - p[-2]
    worst = sorted(margins, key=margins.get)[:60]  # room for the near-duplicates skipped
    assert all(r["id"] in worst for r in chosen)


def test_sample_skips_near_duplicates_and_caps_each_document(tmp_path, tiny_model):
    path, rows = _unlabelled(tmp_path)
    chosen = sample_statements(path, tiny_model, SampleOptions(n=30, strategy="random", per_group=2))
    documents = [r["document"] for r in chosen]
    assert max(documents.count(d) for d in set(documents)) <= 2
    texts = [r["text"] for r in chosen]
    assert not ({"r0", "dup"} <= {r["id"] for r in chosen}), "a near-duplicate of a chosen row is skipped"
    assert len(set(texts)) == len(texts)


def test_sample_likely_and_exclude(tmp_path, tiny_model):
    path, rows = _unlabelled(tmp_path)
    chosen = sample_statements(path, tiny_model, SampleOptions(n=10, strategy="likely", label="denial", per_group=100))
    denial = tiny_model.classes_.index("denial")
    probability = {r["id"]: tiny_model.scorer.predict_proba([r["text"]])[0, denial] for r in rows}
    likeliest = sorted(probability, key=probability.get, reverse=True)[:30]  # room for the near-duplicates skipped
    assert len(chosen) == 10 and all(r["id"] in likeliest for r in chosen)
    again = sample_statements(
        path,
        tiny_model,
        SampleOptions(n=10, strategy="likely", label="denial", per_group=100),
        exclude={r["id"] for r in chosen},
    )
    assert not {r["id"] for r in chosen} & {r["id"] for r in again}
    with pytest.raises(InputError, match="label 'praise' is not one of the model's labels"):
        sample_statements(path, tiny_model, SampleOptions(n=5, strategy="likely", label="praise"))


def test_sample_gives_rows_without_id_one_from_their_line(tmp_path, tiny_model):
    path = tmp_path / "plain.txt"
    path.write_text("\n".join(STATEMENTS) + "\n")
    chosen = sample_statements(path, tiny_model, SampleOptions(n=5, per_group=100))
    assert all(r["id"].startswith("plain.txt:") for r in chosen)


def _annotations(tmp_path, name, labels, acts=None):
    rows = [{"id": f"s{i}", "text": f"statement {i}", "label": label} for i, label in enumerate(labels)]
    if acts:
        for row, a in zip(rows, acts):
            row["acts"] = a
    return write_jsonl(tmp_path / name, rows)


def test_agreement_matches_scikit_learn(tmp_path):
    from sklearn.metrics import cohen_kappa_score

    a = ["x", "x", "y", "y", "z", "x", "y", "z"]
    b = ["x", "y", "y", "y", "z", "x", "x", "z"]
    first = read_annotations(_annotations(tmp_path, "a.jsonl", a))
    second = read_annotations(_annotations(tmp_path, "b.jsonl", b + ["x"]))
    result = compare_annotations(first, second)
    assert result.rows == 8 and result.raw == 0.75
    assert result.kappa == round(cohen_kappa_score(a, b), 4)
    assert result.only_second == ["s8"] and result.only_first == []
    assert [d["id"] for d in result.disagreements] == ["s1", "s6"]
    assert result.per_label["z"] == {"first": 2, "second": 2, "both": 2, "agreement": 1.0}
    assert result.confusion[0] == [2, 1, 0]


def test_agreement_on_act_sets(tmp_path):
    first = read_annotations(_annotations(tmp_path, "a.jsonl", ["x", "y"], [["x", "y"], ["y"]]))
    second = read_annotations(_annotations(tmp_path, "b.jsonl", ["x", "y"], [["x"], ["y"]]))
    result = compare_annotations(first, second)
    assert result.raw == 1.0 and result.acts["exact_sets"] == 0.5
    assert [d["id"] for d in result.disagreements] == ["s0"], "rows that differ in acts only are adjudicated too"


def test_agreement_needs_ids(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"text": "x", "label": "y"}\n')
    with pytest.raises(InputError, match=r"a\.jsonl:1: every row needs an id"):
        read_annotations(tmp_path / "a.jsonl")


class Terminal:
    """``communique annotate`` in a pseudo-terminal, driven one key at a time."""

    def __init__(self, args, cwd):
        import pty

        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "communique", "annotate", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            close_fds=True,
        )
        os.close(slave)
        self.screen = ""

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.time() + timeout
        while text not in self.screen:
            if time.time() > deadline:
                raise AssertionError(f"{text!r} never appeared; screen:\n{self.screen[-2000:]}")
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self.screen += os.read(self.master, 65536).decode("utf-8", "replace")
                except OSError:
                    break
        return self.screen

    def press(self, key: str, then: str) -> None:
        self.screen = ""
        os.write(self.master, key.encode())
        self.wait_for(then)

    def close(self) -> int:
        code = self.process.wait(timeout=30)
        os.close(self.master)
        return code


def test_annotate_in_a_terminal(tmp_path, tiny_model_dir):
    rows = [{"id": f"s{i}", "text": text, "speaker": "A ministry"} for i, text in enumerate(STATEMENTS[:4])]
    write_jsonl(tmp_path / "in.jsonl", rows)
    args = ["in.jsonl", "--output", "out.jsonl", "--model", str(tiny_model_dir), "--annotator", "ab"]
    term = Terminal(args, tmp_path)
    screen = term.wait_for("[q] quit")
    assert "[1] sanction_threat" in screen and "[5] other" in screen and "speaker: A ministry" in screen
    assert "model: " in screen and STATEMENTS[0][:30] in screen
    term.press("1", "2/4")  # no Enter needed
    decided = json.loads((tmp_path / "out.jsonl").read_text())  # written and flushed at once
    assert decided == {
        "id": "s0",
        "text": STATEMENTS[0],
        "label": "sanction_threat",
        "acts": ["sanction_threat"],
        "speaker": "A ministry",
        "annotator": "ab",
    }
    term.press("u", "1/4")
    assert (tmp_path / "out.jsonl").read_text() == ""
    term.press("3", "2/4")
    term.press("s", "2/4")  # skipped: the next statement, still number 2
    term.press("m", "press the digits")
    term.press("3", "acts: condemnation")
    term.press("4", "acts: condemnation, solidarity")
    term.press("\r", "3/4")
    term.press("q", "labelled in out.jsonl")
    assert term.close() == 0
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [(r["id"], r["label"], r["acts"]) for r in lines] == [
        ("s0", "condemnation", ["condemnation"]),
        ("s2", "condemnation", ["condemnation", "solidarity"]),
    ]
    term = Terminal(args, tmp_path)  # a new session continues where the last one stopped
    screen = term.wait_for("[q] quit")
    assert "3/4  id s1" in screen and STATEMENTS[1][:30] in screen
    term.press("5", "4/4  id s3")
    term.press("q", "labelled in out.jsonl")
    assert term.close() == 0
    assert json.loads((tmp_path / "out.jsonl").read_text().splitlines()[2]) == {
        "id": "s1",
        "text": STATEMENTS[1],
        "label": "other",
        "acts": [],
        "speaker": "A ministry",
        "annotator": "ab",
    }
