"""Batch classification of files: reading rows in bounded memory, and streamed, resumable runs."""

from .run import BatchOptions, BatchSummary, classify_file

__all__ = ["BatchOptions", "BatchSummary", "classify_file"]
