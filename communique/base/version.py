"""The version of communique: set here only, read by the package metadata and ``--version``."""

__version__ = "0.2.0"
