"""Property-based tests: arbitrary bytes and strings never crash the readers or predict."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communique.batch import classify_file
from communique.batch.inputs import InputSpec, open_input, parse_record, raw_records

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _records(path, fmt):
    spec = InputSpec(str(path), fmt)
    source = open_input(spec)
    try:
        header, records = raw_records(source)
        return [parse_record(spec, header, line, raw) for line, raw in records]
    finally:
        source.close()


@SETTINGS
@given(data=st.binary(max_size=2000))
def test_readers_take_any_bytes(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("bytes")
    for fmt in ("txt", "jsonl", "csv"):
        path = folder / f"in.{fmt}"
        path.write_bytes(data if fmt != "csv" else b"text\n" + data)
        records = _records(path, fmt)
        assert all(r.error or isinstance(r.text, str) for r in records)


@SETTINGS
@given(lines=st.lists(st.text(max_size=200), max_size=30))
def test_one_output_row_per_input_row(tmp_path_factory, tiny_model, lines):
    folder = tmp_path_factory.mktemp("rows")
    source = folder / "in.jsonl"
    source.write_text("".join(json.dumps({"text": line}) + "\n" for line in lines), encoding="utf-8")
    summary = classify_file(str(source), str(folder / "out.jsonl"), model=tiny_model, overwrite=True)
    # JSON Lines are separated by "\n" only; str.splitlines would also split on U+0085 or U+2028 inside strings.
    rows = [json.loads(line) for line in (folder / "out.jsonl").read_text(encoding="utf-8").split("\n") if line]
    assert len(rows) == len(lines) == summary.rows
    for line, row in zip(lines, rows):
        assert row["text"] == line
        assert (row["label"] is None) == bool(row.get("error"))


@SETTINGS
@given(texts=st.lists(st.text(max_size=300).filter(str.strip), min_size=1, max_size=20))
def test_predict_takes_any_string(tiny_model, tiny_acts, texts):
    for model in (tiny_model, tiny_acts):
        predictions = model.predict(texts)
        assert len(predictions) == len(texts)
        for p in predictions:
            assert p.label in model.labels and p.known_terms >= 0
            assert set(p.acts) <= set(model.scheme.acts)
            if model.decision == "single":
                assert abs(sum(p.scores.values()) - 1) < 1e-9
