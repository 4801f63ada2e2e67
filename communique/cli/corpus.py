"""``communique corpus``: check a corpus, find likely label errors, choose what to label next, measure agreement."""

from __future__ import annotations

import json
import sys
import time

import click

from ..corpus.reading import MIN_EXAMPLES
from ..outputs.tables import Table
from .common import CONTEXT, POSITIVE


@click.group(context_settings=CONTEXT)
def corpus():
    """Work with labelled corpora: check, suspects, sample, agreement.

    \b
    A labelling loop, from the repository root:
      communique corpus sample feed.jsonl --n 200 --output to_label.jsonl
      communique annotate to_label.jsonl --output labelled.jsonl
      communique corpus agreement labelled.jsonl colleague.jsonl
      communique corpus suspects labelled.jsonl
    """


@corpus.command("check", context_settings=CONTEXT)
@click.argument("path", required=False, metavar="[PATH]")
@click.option("--labels", "labels_path", metavar="FILE", help="Label scheme. Default: labels.json beside the corpus.")
@click.option(
    "--min-examples", default=MIN_EXAMPLES, show_default=True, type=POSITIVE, help="Fewest statements a label may have."
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def check(path, labels_path, min_examples, as_json):
    """Validate a corpus and print its figures (default: the bundled corpus).

    Checks every row (valid JSON, required and known fields, strings, no
    empty text, no duplicate id, origin real or written, a source and a
    licence on real rows, acts that are declared labels in precedence order
    and agree with the label), the labels (enough examples, none that looks
    like a typo of another, all declared in the label scheme, cues that are
    valid regular expressions) and near-duplicates (TF-IDF cosine above 0.8).
    Prints counts by label, origin, source and licence, breadth, acts, the
    share of each label's most obvious cue, the share of hard statements and
    lengths. Exits 1 if there is any problem.

    \b
    Example (from the repository root):
      communique corpus check corpus/statements.jsonl
    """
    from ..base.files import bundled_corpus_path
    from ..corpus.checks import check_corpus

    started = time.perf_counter()
    report = check_corpus(path or bundled_corpus_path(), labels_path, min_examples=min_examples)
    if as_json:
        click.echo(json.dumps({"path": str(report.path), "problems": report.problems, **report.figures}, indent=2))
    else:
        for key, value in report.figures.items():
            if key == "near_duplicates":
                value = len(value)
            click.echo(f"{key}: {value if not isinstance(value, dict) else json.dumps(value)}")
        for problem in report.problems:
            click.echo(problem, err=True)
        click.echo(
            f"{report.path}: {'ok' if report.ok else f'{len(report.problems)} problem(s)'} "
            f"({time.perf_counter() - started:.1f} s)",
            err=True,
        )
    if not report.ok:
        sys.exit(1)


def _write_jsonl(path: str, rows, overwrite: bool) -> None:
    from ..base.files import check_output_file, write_text_atomic

    if path != "-":
        check_output_file(path, overwrite=overwrite)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if path == "-":
        click.echo(text, nl=False)
    else:
        write_text_atomic(path, text)


@corpus.command("suspects", context_settings=CONTEXT)
@click.argument("path", metavar="CORPUS")
@click.option("--top", type=POSITIVE, help="Show only the K most doubtful rows.")
@click.option("--output", "output_path", metavar="FILE", help="Write the suspects as JSON Lines for review.")
@click.option("--overwrite", is_flag=True, help="Replace an existing --output file.")
@click.option("--labels", "labels_path", metavar="FILE", help="Label scheme. Default: labels.json beside the corpus.")
@click.option("--seed", default=0, show_default=True, help="Seed of the cross-validation folds.")
@click.option(
    "--min-examples", default=MIN_EXAMPLES, show_default=True, type=POSITIVE, help="Fewest statements a label may have."
)
def suspects(path, top, output_path, overwrite, labels_path, seed, min_examples):
    """Rows whose given label the model doubts, most doubtful first.

    Out-of-fold probabilities come from the grouped cross-validation train
    uses; a row is suspect when another label reaches that label's
    threshold (its mean probability on the rows labelled with it), as in
    confident learning. Read each one: the model is often wrong too.

    \b
    Example (from the repository root):
      communique corpus suspects corpus/statements.jsonl --top 50 --output review.jsonl
    """
    from ..base.files import check_output_file
    from ..labelling.suspects import find_suspects

    if output_path:
        check_output_file(output_path, overwrite=overwrite)
    found = find_suspects(path, labels=labels_path, seed=seed, min_examples=min_examples)
    shown = found[:top] if top else found
    if output_path:
        _write_jsonl(output_path, [s.to_dict() for s in shown], overwrite=True)
    rows = [[s.line, s.id or "", s.label, s.suggested, f"{s.margin:.2f}", " ".join(s.text.split())[:70]] for s in shown]
    click.echo(
        Table(
            ["line", "id", "given", "suggested", "margin", "text"], rows, [True, False, False, False, True, False]
        ).text()
    )
    click.echo(
        f"{len(found)} suspect row(s) of the corpus"
        + (f"; {len(shown)} written to {output_path}" if output_path else ""),
        err=True,
    )


@corpus.command("sample", context_settings=CONTEXT)
@click.argument("path", metavar="INPUT")
@click.option("--n", "n", required=True, type=POSITIVE, help="How many statements to choose.")
@click.option(
    "-m",
    "--model",
    "model_path",
    metavar="DIR",
    help="Model folder that scores the statements. Default: the bundled model.",
)
@click.option(
    "--strategy",
    type=click.Choice(["uncertain", "likely", "random", "mixed"]),
    default="uncertain",
    show_default=True,
    help="uncertain: smallest margin; likely: most probable --label; random; mixed: half uncertain, half random.",
)
@click.option("--label", help="Look at this label only: its own uncertainty, or (likely) its probability.")
@click.option(
    "--output",
    "output_path",
    default="-",
    show_default=True,
    metavar="FILE",
    help="JSON Lines file for the chosen rows.",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing --output file.")
@click.option(
    "--exclude", "exclude_path", metavar="FILE", help="A labelled file whose ids and texts are never chosen again."
)
@click.option("--text-field", default="text", show_default=True, help="Field or column holding the statement.")
@click.option(
    "--input-format",
    type=click.Choice(["txt", "csv", "jsonl"]),
    help="Format of INPUT when its extension does not say.",
)
@click.option(
    "--per-group",
    default=3,
    show_default=True,
    type=POSITIVE,
    help="Most statements from one document or event (its document or event field).",
)
@click.option("--seed", default=0, show_default=True, help="Seed of the random strategy.")
def sample(
    path,
    n,
    model_path,
    strategy,
    label,
    output_path,
    overwrite,
    exclude_path,
    text_field,
    input_format,
    per_group,
    seed,
):
    """Choose N statements of an unlabelled file (txt, CSV, JSON Lines, .gz) to label next.

    Reads the file once, in bounded memory. Near-duplicates are skipped, and
    rows keep every input field (a row without an id gets FILE:LINE).

    \b
    Examples (the files named are yours):
      communique corpus sample feed.jsonl.gz --n 200 --output to_label.jsonl
      communique corpus sample feed.jsonl --n 100 --strategy likely --label denial --exclude labelled.jsonl
    """
    from ..base.files import check_output_file
    from ..labelling.sampling import SampleOptions, sample_statements
    from ..models.loading import load_model

    if strategy == "likely" and not label:
        raise click.UsageError("--strategy likely needs --label LABEL")
    if output_path != "-":
        check_output_file(output_path, overwrite=overwrite, inputs=[path])
    exclude = _excluded(exclude_path) if exclude_path else None
    options = SampleOptions(
        n=n,
        strategy=strategy,
        label=label,
        text_field=text_field,
        input_format=input_format,
        per_group=per_group,
        seed=seed,
    )
    chosen = sample_statements(path, load_model(model_path), options, exclude=exclude)
    _write_jsonl(output_path, chosen, overwrite=True)
    click.echo(
        f"chose {len(chosen)} statement(s) of {path}" + (f" into {output_path}" if output_path != "-" else ""), err=True
    )


def _excluded(path: str) -> set[str]:
    from ..base.files import check_input_file
    from ..corpus.reading import read_rows

    found: set[str] = set()
    for _, row, _ in read_rows(check_input_file(path, "exclude")):
        if isinstance(row, dict):
            found.update(str(row[k]) for k in ("id", "text") if k in row)
    return found


@corpus.command("agreement", context_settings=CONTEXT)
@click.argument("first", metavar="A")
@click.argument("second", metavar="B")
@click.option("--label-field", default="label", show_default=True, help="Field holding each annotator's label.")
@click.option(
    "--output",
    "output_path",
    metavar="DISAGREEMENTS",
    help="Write the rows the two disagree on (label or acts), for adjudication.",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing --output file.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def agreement(first, second, label_field, output_path, overwrite, as_json):
    """Agreement of two annotators' files (JSON Lines or CSV), joined on id.

    Prints raw agreement, Cohen's kappa, agreement per label, the confusion
    table (rows: A, columns: B), agreement on act sets where both record
    acts, and the ids found in one file only.

    \b
    Example (the files named are yours):
      communique corpus agreement mine.jsonl theirs.jsonl --output to_adjudicate.jsonl
    """
    from ..base.files import check_output_file
    from ..labelling.agreement import compare_annotations, read_annotations

    if output_path:
        check_output_file(output_path, overwrite=overwrite)
    result = compare_annotations(
        read_annotations(first, label_field), read_annotations(second, label_field), label_field
    )
    if output_path:
        _write_jsonl(output_path, result.disagreements, overwrite=True)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    click.echo(f"{result.rows} rows labelled by both: raw agreement {result.raw:.3f}, Cohen's kappa {result.kappa:.3f}")
    rows = [
        [label, v["first"], v["second"], v["both"], f"{v['agreement']:.3f}"] for label, v in result.per_label.items()
    ]
    click.echo(Table(["label", "A", "B", "both", "agreement"], rows).text())
    click.echo(
        "\n" + Table(["A \\ B", *result.labels], [[a, *row] for a, row in zip(result.labels, result.confusion)]).text()
    )
    if result.acts:
        acts = result.acts
        click.echo(
            f"\nacts, {acts['rows']} rows: identical sets {acts['exact_sets']:.3f}, kappa on sets {acts['kappa_on_sets']:.3f}"
        )
    for name, ids in (("A", result.only_first), ("B", result.only_second)):
        if ids:
            click.echo(
                f"{len(ids)} row(s) only in {name}: {', '.join(ids[:10])}" + (" ..." if len(ids) > 10 else ""), err=True
            )
    click.echo(
        f"{len(result.disagreements)} disagreement(s)" + (f" written to {output_path}" if output_path else ""), err=True
    )
