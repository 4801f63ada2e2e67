"""The bottom layer: the version, file helpers and label schemes. Imports nothing else of communique
but :mod:`communique.errors`."""
