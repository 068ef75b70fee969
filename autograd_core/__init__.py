"""autograd_core: reverse-mode automatic differentiation on computational graphs.

``Scalar`` nodes hold Python floats, ``Tensor`` nodes hold numpy arrays; both record the ops
that compute them and share one backpropagation driver (``autograd_core.graph``).
"""

from . import numpy_api
from .anomaly import detect_anomaly, is_anomaly_enabled
from .graph import backprop, enable_grad, grad, is_grad_enabled, no_grad, toposort
from .reductions import (  # numpy's names: sum, min, max, all, any shadow builtins, as numpy's
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    average,
    cumprod,
    cumsum,
    max,
    mean,
    min,
    prod,
    std,
    sum,
    var,
)
from .scalar import Scalar
from .tensor import Tensor, concat, isclose, isfinite, isinf, isnan, maximum, stack, where

__all__ = [
    "Scalar",
    "Tensor",
    "concat",
    "stack",
    "where",
    "maximum",
    "grad",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "backprop",
    "toposort",
    "sum", "mean", "max", "amax", "min", "amin", "prod", "var", "std",
    "argmax", "argmin", "cumsum", "cumprod", "average", "all", "any",
    "isnan", "isinf", "isfinite", "isclose",
    "detect_anomaly", "is_anomaly_enabled", "numpy_api",
]
__version__ = "0.1.0"
