"""autograd_core: reverse-mode automatic differentiation on computational graphs.

``Scalar`` nodes hold Python floats, ``Tensor`` nodes hold numpy arrays; both record the ops
that compute them and share one backpropagation driver (``autograd_core.graph``).
"""

from .conv import avg_pool2d, conv1d, conv2d, max_pool2d
from .graph import backprop, enable_grad, grad, is_grad_enabled, no_grad, toposort
from .scalar import Scalar
from .tensor import Tensor, concat, maximum, stack, where

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
    "conv2d",
    "conv1d",
    "max_pool2d",
    "avg_pool2d",
]
__version__ = "0.1.0"
