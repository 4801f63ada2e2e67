"""Tools for people who label their own corpus: what to label next, fast labelling, agreement, likely errors."""

from .agreement import Agreement, compare_annotations, read_annotations
from .annotate import AnnotationSession
from .sampling import SampleOptions, rows_to_label, sample_statements
from .suspects import Suspect, find_suspects

__all__ = [
    "Agreement",
    "AnnotationSession",
    "SampleOptions",
    "Suspect",
    "compare_annotations",
    "find_suspects",
    "read_annotations",
    "rows_to_label",
    "sample_statements",
]
