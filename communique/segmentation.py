"""Old import path of :mod:`communique.documents.segmentation`, kept so existing code keeps working."""

from .documents.segmentation import Sentence, split_sentences

__all__ = ["Sentence", "split_sentences"]
