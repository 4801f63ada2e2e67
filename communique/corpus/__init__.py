"""Labelled corpora: reading and validating them, their figures, and held-out splits."""

from .checks import CorpusReport, check_corpus, near_duplicates
from .reading import MIN_EXAMPLES, Corpus, read_corpus
from .splits import heldout_groups, read_split

__all__ = [
    "MIN_EXAMPLES",
    "Corpus",
    "CorpusReport",
    "check_corpus",
    "heldout_groups",
    "near_duplicates",
    "read_corpus",
    "read_split",
]
