"""nn: a thin, PyTorch-shaped layer for building and training MLPs and logistic regression
on the autograd_core engines.

    import nn
    from nn import functional as F

    model = nn.MLP(784, [128], 10, dtype=np.float32)
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-3)
    history = nn.train.fit(model, F.cross_entropy, optimizer,
                           nn.DataLoader(X, y, batch_size=64), epochs=10)

From the shell: ``python -m nn --help`` (``nn.cli``; ``python -m nn.train`` takes the same flags).
"""

from . import data, datasets, functional, init, optim, scalar, train, utils
from .activations import (
    ELU,
    GELU,
    SELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    Mish,
    ReLU6,
    SiLU,
    Softplus,
    Softsign,
)
from .data import DataLoader
from .layers import (
    CNN,
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv1d,
    Conv2d,
    Dropout,
    Embedding,
    Flatten,
    Identity,
    LayerNorm,
    LogSoftmax,
    MaxPool2d,
    Softmax,
)
from .module import (
    MLP,
    Linear,
    LogisticRegression,
    Module,
    ModuleDict,
    ModuleList,
    Parameter,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
    init_weight,
    manual_seed,
)
from .serialization import load, save

__all__ = [
    "Module",
    "Parameter",
    "Linear",
    "Sequential",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "MLP",
    "LogisticRegression",
    "manual_seed",
    "init_weight",
    "DataLoader",
    "save",
    "load",
    "data",
    "datasets",
    "functional",
    "optim",
    "scalar",
    "train",
    "utils",
    "LeakyReLU",
    "ELU",
    "SELU",
    "GELU",
    "SiLU",
    "Softplus",
    "Softsign",
    "Hardtanh",
    "ReLU6",
    "Hardsigmoid",
    "Hardswish",
    "Mish",
    "LogSigmoid",
    "init",
    "ModuleList",
    "ModuleDict",
    "Conv2d",
    "Conv1d",
    "MaxPool2d",
    "AvgPool2d",
    "AdaptiveAvgPool2d",
    "Flatten",
    "Dropout",
    "BatchNorm1d",
    "BatchNorm2d",
    "LayerNorm",
    "Embedding",
    "Softmax",
    "LogSoftmax",
    "Identity",
    "CNN",
]
