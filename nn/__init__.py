"""nn: a thin, PyTorch-shaped layer for building and training MLPs and logistic regression
on the autograd_core engines.
"""

from . import data, datasets, scalar
from .data import DataLoader

__all__ = ["data", "datasets", "scalar", "DataLoader"]
