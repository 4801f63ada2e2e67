"""Whole documents: sentence splitting with offsets, and classification sentence by sentence."""

from .document import DocumentResult, SentenceResult, classify_document
from .segmentation import Sentence, split_sentences

__all__ = ["DocumentResult", "Sentence", "SentenceResult", "classify_document", "split_sentences"]
