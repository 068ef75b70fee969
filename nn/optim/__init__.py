"""Optimizers: they update parameters' ``.data`` in place from their ``.grad``.

As in PyTorch, every optimizer holds ``param_groups`` (a list of dicts: ``"params"`` and the
group's hyperparameters, so each group can have its own ``lr`` or ``weight_decay``), built
from ``model.parameters()`` or from a list of dicts (missing hyperparameters come from the
constructor's arguments); ``add_param_group`` adds one later. ``state_dict()`` gives the
hyperparameters and the per-parameter state as plain arrays and numbers (parameters are
numbered in group order), which ``nn.save`` writes to an ``.npz``; ``load_state_dict``
restores it. ``nn.optim.lr_scheduler`` changes the groups' ``lr`` over training.

Every state buffer is allocated once, at the parameter's first step, with the parameter's
shape and dtype (float32 models stay float32); each step then runs numpy ufuncs with ``out=``,
so a training loop allocates nothing here per step. Hyperparameters are checked when a group
is made or loaded, and ``lr`` again at every step (a scheduler or a hand-edited group cannot
slip a nan or negative ``lr`` in); every ``.grad`` must have its parameter's shape.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from numbers import Real
from typing import Any

import numpy as np

from autograd_core import Tensor

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]

Check = tuple[Callable[[Any], bool], str]


def _real(value: Any) -> bool:
    """A finite real number (not a bool, not a string)."""
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


_POSITIVE: Check = (lambda v: _real(v) and v > 0, "a positive finite number")
_NON_NEGATIVE: Check = (lambda v: _real(v) and v >= 0, "a finite number >= 0")
_UNIT: Check = (lambda v: _real(v) and 0 <= v < 1, "a number in [0, 1)")
_UNIT_CLOSED: Check = (lambda v: _real(v) and 0 <= v <= 1, "a number in [0, 1]")
_BOOL: Check = (lambda v: isinstance(v, (bool, np.bool_)), "True or False")
_BETAS: Check = (
    lambda v: isinstance(v, (tuple, list)) and len(v) == 2 and all(_UNIT[0](b) for b in v),
    "two numbers in [0, 1)",
)


#: keys that schedulers (``nn.optim.lr_scheduler``) add to a group next to the optimizer's
#: own hyperparameters; a saved group may carry them
_SCHEDULE_KEYS = frozenset({"initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"})


def _param_list(params: Any, owner: str) -> list[Any]:
    """The optimizer's ``params`` argument as a non-empty list of tensors or of dicts."""
    if isinstance(params, Tensor):
        raise TypeError(
            f"{owner}: params must be an iterable of parameters, got a single Tensor; "
            "wrap it in a list"
        )
    if callable(getattr(params, "parameters", None)):  # a Module, or anything alike
        raise TypeError(
            f"{owner}: got a {type(params).__name__} module, not its parameters; "
            f"pass model.parameters(): {owner}(model.parameters(), lr=...)"
        )
    if isinstance(params, (str, bytes, Mapping)):
        raise TypeError(
            f"{owner}: params must be an iterable of parameters or a list of dicts, "
            f"got {type(params).__name__}"
        )
    try:
        params = list(params)
    except TypeError:
        raise TypeError(
            f"{owner}: params must be an iterable of parameters, got {type(params).__name__}"
        ) from None
    if not params:
        raise ValueError("optimizer got an empty parameter list")
    return params


class Optimizer:
    """Holds ``param_groups`` (each parameter once) and ``state``, the per-parameter state of
    the method (a dict of arrays and numbers per parameter, made at its first step)."""

    #: hyperparameter name -> (test, requirement), checked for every group
    _checks: dict[str, Check] = {"lr": _POSITIVE}

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]):
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[int, dict[str, Any]] = {}  # keyed by id(parameter)
        self._scratch: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        items = _param_list(params, type(self).__name__)
        if all(isinstance(g, Mapping) for g in items):
            for group in items:
                self.add_param_group(group)
        else:
            self.add_param_group({"params": items})

    # --- groups ------------------------------------------------------------------------
    def _check(self, group: Mapping[str, Any], new: bool = False) -> None:
        """Check a group's hyperparameters. ``lr`` must be > 0 in a new group (0 there is a
        mistake) and >= 0 later (a schedule may anneal it to 0); never nan or infinite."""
        for name, (ok, requirement) in self._checks.items():
            if name == "lr" and not new:
                ok, requirement = _NON_NEGATIVE
            if not ok(group[name]):
                raise ValueError(
                    f"{type(self).__name__}: {name} must be {requirement}, got {group[name]!r}"
                )

    def add_param_group(self, group: Mapping[str, Any]) -> None:
        """Add a dict with ``"params"`` and any hyperparameters (others: the defaults)."""
        if not isinstance(group, Mapping) or "params" not in group:
            raise TypeError(f"a parameter group must be a dict with 'params', got {group!r}")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else _param_list(params, "param group")
        unique = list({id(p): p for p in params}.values())  # each once, first place kept
        seen = {id(p) for p in unique}
        offset = len(self.params)
        for i, p in enumerate(unique):
            if not isinstance(p, Tensor):
                raise TypeError(f"parameter {offset + i} is a {type(p).__name__}, not a Tensor")
            if not p.requires_grad:
                raise ValueError(
                    f"parameter {offset + i} does not require grad; it cannot be trained"
                )
        if any(id(p) in seen for p in self.params):
            raise ValueError("some parameters appear in more than one parameter group")
        unknown = sorted(k for k in group if k != "params" and k not in self.defaults)
        if unknown:  # a typo ("learning_rate") or another optimizer's would be ignored silently
            raise ValueError(
                f"{type(self).__name__}: unknown hyperparameter {unknown} in a parameter group; "
                f"{type(self).__name__} takes {sorted(self.defaults)}"
            )
        full = {**self.defaults, **{k: v for k, v in group.items() if k != "params"}}
        if "betas" in full and isinstance(full["betas"], list):
            full["betas"] = tuple(full["betas"])
        self._check(full, new=True)
        full["params"] = unique
        self.param_groups.append(full)

    @property
    def params(self) -> list[Any]:
        """Every parameter, in group order."""
        return [p for group in self.param_groups for p in group["params"]]

    @property
    def lr(self) -> float:
        """The first group's learning rate; setting it sets every group's."""
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value: float) -> None:
        for group in self.param_groups:
            self._check({**group, "lr": value})
        for group in self.param_groups:
            group["lr"] = value

    # --- stepping ----------------------------------------------------------------------
    def zero_grad(self) -> None:
        """Forget the gradients of every parameter (``.grad = None``)."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient (ValueError for a ``.grad`` whose shape
        is not its parameter's, or an ``lr`` made nan, infinite or negative since)."""
        index = 0
        for group in self.param_groups:
            lr = group["lr"]
            # the lr is what schedulers and users change between steps; every other
            # hyperparameter was checked when its group was made or loaded
            if not (isinstance(lr, (float, int)) and 0 <= lr < math.inf) or lr is True:
                self._check(group)
            for p in group["params"]:
                grad = p.grad
                if grad is not None:
                    if getattr(grad, "shape", None) != p.data.shape:
                        raise ValueError(
                            f"{type(self).__name__}.step: parameter {index} has shape "
                            f"{p.data.shape} but its .grad has shape "
                            f"{getattr(grad, 'shape', type(grad).__name__)}"
                        )
                    key = id(p)
                    state = self.state.get(key)
                    if state is None:
                        state = self.state[key] = {}
                    scratch = self._scratch.get(key)
                    if scratch is None:  # also after load_state_dict, which brings no scratch
                        scratch = self._scratch[key] = (
                            np.empty_like(p.data),
                            np.empty_like(p.data),
                        )
                    self._update(p, grad, state, group, *scratch)
                index += 1

    def _update(
        self, p: Any, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any],
        tmp: np.ndarray, tmp2: np.ndarray,
    ) -> None:  # fmt: skip
        """Update one parameter in place; ``tmp``, ``tmp2`` are its scratch buffers."""
        raise NotImplementedError

    @staticmethod
    def _decayed(p: Any, grad: np.ndarray, wd: float, out: np.ndarray) -> np.ndarray:
        """grad + wd * p (L2 weight decay in the gradient), in ``out`` when wd != 0."""
        if not wd:
            return grad
        np.multiply(p.data, wd, out=out)
        out += grad
        return out

    # --- state -------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {name: array or number}}, "param_groups": [{hyperparameters,
        "params": [indices]}]}``, copies, with parameters numbered in group order."""
        index = {id(p): i for i, p in enumerate(self.params)}
        state = {
            index[key]: {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in s.items()}
            for key, s in self.state.items()
            if s
        }
        groups = [
            {
                **{k: v for k, v in g.items() if k != "params"},
                "params": [index[id(p)] for p in g["params"]],
            }
            for g in self.param_groups
        ]
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore hyperparameters and state saved by ``state_dict`` (arrays are copied and
        cast to each parameter's dtype). The groups must have the same sizes; on any error
        nothing is modified."""
        name = type(self).__name__
        if not isinstance(state_dict, Mapping) or not {"state", "param_groups"} <= set(state_dict):
            got = (
                sorted(state_dict) if isinstance(state_dict, Mapping) else type(state_dict).__name__
            )
            raise ValueError(
                f"{name}.load_state_dict: expected an optimizer's state_dict() (a dict with "
                f"'state' and 'param_groups'), got {got}"
            )
        groups = state_dict["param_groups"]
        if not isinstance(groups, (list, tuple)) or not all(
            isinstance(g, Mapping) and "params" in g for g in groups
        ):
            raise ValueError(f"{name}.load_state_dict: 'param_groups' is not a list of groups")
        if len(groups) != len(self.param_groups) or any(
            len(g["params"]) != len(mine["params"]) for g, mine in zip(groups, self.param_groups)
        ):
            raise ValueError(
                f"{name}.load_state_dict: the saved groups have "
                f"{[len(g['params']) for g in groups]} parameters, this optimizer's have "
                f"{[len(g['params']) for g in self.param_groups]}"
            )
        new_groups = []
        for saved, mine in zip(groups, self.param_groups):
            keys = set(saved) - {"params"} - _SCHEDULE_KEYS
            if keys != set(self.defaults):  # another optimizer's state (Adam's into SGD...)
                raise ValueError(
                    f"{name}.load_state_dict: the saved groups hold the hyperparameters "
                    f"{sorted(keys)}, not {name}'s {sorted(self.defaults)}: the state was saved "
                    "from another kind of optimizer"
                )
            group = {**mine, **{k: v for k, v in saved.items() if k != "params"}}
            if isinstance(group.get("betas"), (list, np.ndarray)):
                group["betas"] = tuple(float(b) for b in group["betas"])
            self._check(group)
            new_groups.append(group)
        params = self.params
        new_state: dict[int, dict[str, Any]] = {}
        for key, saved_state in state_dict["state"].items():
            i = int(key)
            if not 0 <= i < len(params):
                raise ValueError(
                    f"{name}.load_state_dict: state for parameter {i} of {len(params)}"
                )
            p = params[i]
            entry: dict[str, Any] = {}
            for k, v in saved_state.items():
                arr = np.asarray(v)
                if arr.dtype.kind not in "biuf":
                    raise ValueError(f"{name}.load_state_dict: state {i}.{k} holds {arr.dtype}")
                if k == "step":
                    entry[k] = int(arr)
                elif arr.shape != p.data.shape:
                    raise ValueError(
                        f"{name}.load_state_dict: state {i}.{k} has shape {arr.shape}, "
                        f"parameter {i} has shape {p.data.shape}"
                    )
                else:
                    entry[k] = np.array(arr, dtype=p.data.dtype)
            new_state[id(p)] = entry
        self.param_groups[:] = new_groups
        self.state = new_state


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum (with dampening), Nesterov momentum
    and L2 weight decay, following PyTorch's formulation::

        g = grad + weight_decay * p
        b = momentum * b + (1 - dampening) * g       (b = g at the first step)
        g = g + momentum * b  if nesterov  else  b
        p = p - lr * g
    """

    _checks = {
        "lr": _POSITIVE,
        "momentum": _NON_NEGATIVE,
        "dampening": _UNIT_CLOSED,
        "weight_decay": _NON_NEGATIVE,
        "nesterov": _BOOL,
    }

    def __init__(
        self,
        params: Iterable[Any],
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
    ):
        if nesterov and (momentum == 0 or dampening != 0):
            raise ValueError("Nesterov momentum needs momentum > 0 and dampening 0")
        defaults = dict(
            lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay,
            dampening=dampening,
        )  # fmt: skip
        super().__init__(params, defaults)

    def _update(self, p, grad, state, group, tmp, tmp2):  # type: ignore[no-untyped-def]
        lr, mu, wd = group["lr"], group["momentum"], group["weight_decay"]
        if not (wd or mu):  # plain SGD: p -= lr * grad, through the scratch buffer
            np.multiply(grad, lr, out=tmp)
            p.data -= tmp
            return
        g = self._decayed(p, grad, wd, tmp)
        if g is grad:
            np.copyto(tmp, grad)
            g = tmp
        if mu:
            b = state.get("momentum_buffer")
            if b is None:
                b = state["momentum_buffer"] = g.copy()
            else:
                b *= mu
                if group["dampening"]:
                    np.multiply(g, 1.0 - group["dampening"], out=tmp2)
                    b += tmp2
                else:
                    b += g
            if not group["nesterov"]:
                np.copyto(g, b)
        g *= lr
        p.data -= g
        if mu and group["nesterov"]:  # the look-ahead term lr * mu * b, reusing the buffer
            np.multiply(b, lr * mu, out=g)
            p.data -= g


class Adam(Optimizer):
    """Adam (Kingma and Ba 2015) with bias correction; ``weight_decay`` adds an L2 term to the
    gradient (as PyTorch's Adam; ``AdamW`` decouples it); ``amsgrad`` divides by the running
    maximum of v instead (Reddi et al. 2018). Per parameter, at its step t::

        g = grad + weight_decay * p
        m = beta1 m + (1 - beta1) g          v = beta2 v + (1 - beta2) g^2
        p = p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
    """

    _checks = {
        "lr": _POSITIVE,
        "betas": _BETAS,
        "eps": _POSITIVE,
        "weight_decay": _NON_NEGATIVE,
        "amsgrad": _BOOL,
    }
    _decoupled = False

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ):
        if isinstance(betas, list):
            betas = (betas[0], betas[1]) if len(betas) == 2 else betas
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
        super().__init__(params, defaults)

    def _update(self, p, grad, state, group, tmp, tmp2):  # type: ignore[no-untyped-def]
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p.data)
            state["exp_avg_sq"] = np.zeros_like(p.data)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p.data)
        if group["amsgrad"] and "max_exp_avg_sq" not in state:  # amsgrad switched on later
            state["max_exp_avg_sq"] = np.zeros_like(p.data)
        state["step"] += 1
        t = state["step"]
        lr, wd, (b1, b2) = group["lr"], group["weight_decay"], group["betas"]
        if self._decoupled:
            if wd:
                p.data *= 1.0 - lr * wd
            g = grad
        else:
            g = self._decayed(p, grad, wd, tmp2)
        bias1, bias2 = 1.0 - b1**t, 1.0 - b2**t
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= b1
        np.multiply(g, 1.0 - b1, out=tmp)
        m += tmp
        v *= b2
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - b2
        v += tmp
        if group["amsgrad"]:
            v = state["max_exp_avg_sq"]
            np.maximum(v, state["exp_avg_sq"], out=v)
        # lr * m_hat / (sqrt(v_hat) + eps) = (lr / bias1) * m / (sqrt(v) / sqrt(bias2) + eps)
        np.sqrt(v, out=tmp)
        tmp /= math.sqrt(bias2)
        tmp += group["eps"]
        np.divide(m, tmp, out=tmp)
        tmp *= lr / bias1
        p.data -= tmp


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter 2019), as PyTorch's AdamW::

    p = p * (1 - lr * weight_decay)          then the Adam step on grad alone
    """

    _decoupled = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e), as PyTorch's::

    g = grad + weight_decay * p
    v = alpha v + (1 - alpha) g^2
    centered:  a = alpha a + (1 - alpha) g,   v~ = v - a^2      (else v~ = v)
    momentum:  b = momentum b + g / (sqrt(v~) + eps),  p = p - lr b
    otherwise: p = p - lr g / (sqrt(v~) + eps)
    """

    _checks = {
        "lr": _POSITIVE,
        "alpha": _UNIT_CLOSED,
        "eps": _POSITIVE,
        "weight_decay": _NON_NEGATIVE,
        "momentum": _NON_NEGATIVE,
        "centered": _BOOL,
    }

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ):
        defaults = dict(
            lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
            centered=centered,
        )  # fmt: skip
        super().__init__(params, defaults)

    def _update(self, p, grad, state, group, tmp, tmp2):  # type: ignore[no-untyped-def]
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p.data)
        for key, wanted in (
            ("grad_avg", group["centered"]),
            ("momentum_buffer", group["momentum"]),
        ):
            if wanted and key not in state:
                state[key] = np.zeros_like(p.data)
        state["step"] += 1
        alpha, mu = group["alpha"], group["momentum"]
        g = self._decayed(p, grad, group["weight_decay"], tmp2)
        v = state["square_avg"]
        v *= alpha
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - alpha
        v += tmp
        if group["centered"]:
            a = state["grad_avg"]
            a *= alpha
            np.multiply(g, 1.0 - alpha, out=tmp)
            a += tmp
            np.multiply(a, a, out=tmp)
            np.subtract(v, tmp, out=tmp)
            np.maximum(tmp, 0.0, out=tmp)  # v >= a^2 exactly; rounding must not make it < 0
            np.sqrt(tmp, out=tmp)
        else:
            np.sqrt(v, out=tmp)
        tmp += group["eps"]
        np.divide(g, tmp, out=tmp)
        if mu:
            b = state["momentum_buffer"]
            b *= mu
            b += tmp
            np.multiply(b, group["lr"], out=tmp)
        else:
            tmp *= group["lr"]
        p.data -= tmp


class Adagrad(Optimizer):
    """Adagrad (Duchi et al. 2011), as PyTorch's: at a parameter's step t::

    g = grad + weight_decay * p
    s = s + g^2                      (s starts at initial_accumulator_value)
    p = p - lr / (1 + (t - 1) lr_decay) * g / (sqrt(s) + eps)
    """

    _checks = {
        "lr": _POSITIVE,
        "lr_decay": _NON_NEGATIVE,
        "weight_decay": _NON_NEGATIVE,
        "initial_accumulator_value": _NON_NEGATIVE,
        "eps": _POSITIVE,
    }

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ):
        defaults = dict(
            lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value, eps=eps,
        )  # fmt: skip
        super().__init__(params, defaults)

    def _update(self, p, grad, state, group, tmp, tmp2):  # type: ignore[no-untyped-def]
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(p.data, group["initial_accumulator_value"])
        state["step"] += 1
        clr = group["lr"] / (1.0 + (state["step"] - 1) * group["lr_decay"])
        g = self._decayed(p, grad, group["weight_decay"], tmp2)
        s = state["sum"]
        np.multiply(g, g, out=tmp)
        s += tmp
        np.sqrt(s, out=tmp)
        tmp += group["eps"]
        np.divide(g, tmp, out=tmp)
        tmp *= clr
        p.data -= tmp


from . import lr_scheduler  # noqa: E402  (the schedulers import Optimizer from here)
