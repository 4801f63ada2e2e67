"""Old import path of :mod:`communique.integrations.dask_support`, kept so existing code keeps working."""

import warnings

from .integrations.dask_support import predict_files, predict_partitions

__all__ = ["predict_files", "predict_partitions"]

warnings.warn(
    "communique.dask is now communique.integrations.dask_support; the old name will go in a later version",
    DeprecationWarning,
    stacklevel=2,
)
