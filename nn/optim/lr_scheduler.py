"""Learning-rate schedules with PyTorch's step semantics.

Build a scheduler on an optimizer (this sets each group's ``initial_lr``, the base of the
schedule, and applies the lr of step 0), then call ``scheduler.step()`` after
``optimizer.step()``: once per epoch (or per batch for ``OneCycleLR``). ``last_epoch`` counts
the calls, ``get_last_lr()`` gives the lrs just set, and ``state_dict()`` /
``load_state_dict()`` hold plain numbers and lists (they fit an ``.npz`` through ``nn.save``).

Each schedule sets lr = f(initial_lr, last_epoch) by its closed form (the formulas in each
docstring), so a resumed run continues exactly; an lr changed by hand between steps is
overwritten at the next step (``ReduceLROnPlateau`` is the exception: it scales the current
lr). Stepping stays allocation-free for the optimizer: only the groups' ``lr`` changes.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from numbers import Real
from typing import Any

from . import Optimizer, _real

__all__ = [
    "LRScheduler",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "LinearLR",
    "OneCycleLR",
    "ReduceLROnPlateau",
]


def _require(ok: bool, owner: str, what: str, value: Any) -> None:
    if not ok:
        raise ValueError(f"{owner}: {what}, got {value!r}")


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _optimizer(optimizer: Any, owner: str) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{owner}: needs an nn.optim optimizer, got {type(optimizer).__name__}")
    return optimizer


def _kind(value: Any) -> str:
    """What a scheduler attribute holds, for checking a loaded state: number, text or list."""
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Real) and not isinstance(value, bool) or value is None:
        return "number"  # None: eta_min-like optional numbers, and best before any metric
    return type(value).__name__


class LRScheduler:
    """Base class: subclasses define ``_lr_at(base_lr, epoch)`` (their closed form)."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        owner = type(self).__name__
        self.optimizer = _optimizer(optimizer, owner)
        _require(
            isinstance(last_epoch, int) and not isinstance(last_epoch, bool) and last_epoch >= -1,
            owner,
            "last_epoch must be an int >= -1 (-1: a new schedule)",
            last_epoch,
        )
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        elif any("initial_lr" not in g for g in optimizer.param_groups):
            raise ValueError(
                f"{owner}: last_epoch={last_epoch} resumes a schedule, but the optimizer's "
                "groups have no 'initial_lr' (load the optimizer's state_dict first)"
            )
        self.base_lrs: list[float] = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._last_lr: list[float] = []
        self.step()

    def _lr_at(self, base_lr: float, epoch: int) -> float:
        raise NotImplementedError

    def get_lr(self) -> list[float]:
        """The learning rates of step ``last_epoch``, one per group."""
        return [self._lr_at(base, self.last_epoch) for base in self.base_lrs]

    def step(self, *unexpected: Any) -> None:
        """Advance one step (epoch) and set every group's ``lr``."""
        if unexpected:
            raise TypeError(
                f"{type(self).__name__}.step() takes no argument, got {unexpected[0]!r}; only "
                "ReduceLROnPlateau.step(metric) is given a metric"
            )
        self.last_epoch += 1
        lrs = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = list(lrs)

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last ``step`` (or by the constructor)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimizer, as plain numbers and lists."""
        return {
            k: list(v) if isinstance(v, list) else v
            for k, v in self.__dict__.items()
            if k != "optimizer"
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a ``state_dict`` (the next ``step`` continues from its ``last_epoch``);
        each value must be of the kind (number, string, list) of the one it replaces."""
        owner = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{owner}: expected a scheduler's state_dict(), got {state_dict!r}")
        unknown = set(state_dict) - set(self.__dict__)
        if unknown:
            raise ValueError(f"{owner}: unexpected keys {sorted(unknown)}")
        for k, v in state_dict.items():
            if _kind(v) != _kind(self.__dict__[k]) and self.__dict__[k] is not None:
                raise ValueError(
                    f"{owner}: {k} must be a {_kind(self.__dict__[k])} like this scheduler's, "
                    f"got {v!r}"
                )
        for k, v in state_dict.items():
            self.__dict__[k] = list(v) if isinstance(v, (list, tuple)) else v


class StepLR(LRScheduler):
    """lr = initial_lr * gamma ** floor(epoch / step_size)."""

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ):
        _require(_positive_int(step_size), "StepLR", "step_size must be a positive int", step_size)
        _require(_real(gamma) and gamma > 0, "StepLR", "gamma must be > 0", gamma)
        self.step_size, self.gamma = step_size, float(gamma)
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class MultiStepLR(LRScheduler):
    """lr = initial_lr * gamma ** (number of milestones <= epoch)."""

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Sequence[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ):
        _require(
            isinstance(milestones, (list, tuple)),
            "MultiStepLR",
            "milestones must be a list of epoch numbers",
            milestones,
        )
        milestones = list(milestones)
        _require(
            all(isinstance(m, int) and not isinstance(m, bool) and m >= 0 for m in milestones),
            "MultiStepLR",
            "milestones must be non-negative ints",
            milestones,
        )
        _require(_real(gamma) and gamma > 0, "MultiStepLR", "gamma must be > 0", gamma)
        self.milestones, self.gamma = sorted(milestones), float(gamma)
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, epoch)


class ExponentialLR(LRScheduler):
    """lr = initial_lr * gamma ** epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1):
        _require(_real(gamma) and gamma > 0, "ExponentialLR", "gamma must be > 0", gamma)
        self.gamma = float(gamma)
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (initial_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2 (SGDR without
    restarts, Loshchilov and Hutter 2017; past T_max the cosine goes back up)."""

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ):
        _require(_positive_int(T_max), "CosineAnnealingLR", "T_max must be a positive int", T_max)
        _require(
            _real(eta_min) and eta_min >= 0, "CosineAnnealingLR", "eta_min must be >= 0", eta_min
        )
        self.T_max, self.eta_min = T_max, float(eta_min)
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, base_lr: float, epoch: int) -> float:
        cosine = (1.0 + math.cos(math.pi * epoch / self.T_max)) / 2.0
        return self.eta_min + (base_lr - self.eta_min) * cosine


class LinearLR(LRScheduler):
    """lr = initial_lr * (start_factor + (end_factor - start_factor) min(epoch, total_iters) /
    total_iters): a linear warm-up (or decay) over ``total_iters`` steps, then constant."""

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ):
        _require(
            _real(start_factor) and 0 < start_factor <= 1,
            "LinearLR",
            "start_factor must be in (0, 1]",
            start_factor,
        )
        _require(
            _real(end_factor) and 0 <= end_factor <= 1,
            "LinearLR",
            "end_factor must be in [0, 1]",
            end_factor,
        )
        _require(
            _positive_int(total_iters),
            "LinearLR",
            "total_iters must be a positive int",
            total_iters,
        )
        self.start_factor, self.end_factor = float(start_factor), float(end_factor)
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, base_lr: float, epoch: int) -> float:
        done = min(epoch, self.total_iters) / self.total_iters
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * done)


def _anneal(start: float, end: float, pct: float, strategy: str) -> float:
    if strategy == "cos":
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1.0)
    return (end - start) * pct + start


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith and Topin 2018), stepped once per batch, as PyTorch's.

    From initial_lr = max_lr / div_factor up to max_lr over the first ``pct_start`` of
    ``total_steps`` (= epochs * steps_per_epoch when not given), then down to
    initial_lr / final_div_factor at the last step, each phase a half cosine ("cos") or a
    line ("linear"); ``three_phase`` goes back to initial_lr symmetrically and then down.
    With ``cycle_momentum`` the momentum (SGD, RMSprop) or beta1 (Adam, AdamW) moves
    inversely between max_momentum and base_momentum. Stepping past total_steps raises.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | Sequence[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float = 0.85,
        max_momentum: float = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ):
        owner = "OneCycleLR"
        optimizer = _optimizer(optimizer, owner)
        if total_steps is None:
            _require(
                _positive_int(epochs) and _positive_int(steps_per_epoch),
                owner,
                "give total_steps, or epochs and steps_per_epoch (positive ints)",
                (epochs, steps_per_epoch),
            )
            total_steps = epochs * steps_per_epoch  # type: ignore[operator]
        _require(
            _positive_int(total_steps), owner, "total_steps must be a positive int", total_steps
        )
        _require(
            _real(pct_start) and 0 <= pct_start <= 1,
            owner,
            "pct_start must be in [0, 1]",
            pct_start,
        )
        _require(
            anneal_strategy in ("cos", "linear"),
            owner,
            "anneal_strategy must be 'cos' or 'linear'",
            anneal_strategy,
        )
        _require(_real(div_factor) and div_factor > 0, owner, "div_factor must be > 0", div_factor)
        _require(
            _real(final_div_factor) and final_div_factor > 0,
            owner,
            "final_div_factor must be > 0",
            final_div_factor,
        )
        groups = optimizer.param_groups
        max_lrs: list[Any] = (
            list(max_lr) if isinstance(max_lr, (list, tuple)) else [max_lr] * len(groups)
        )
        _require(
            len(max_lrs) == len(groups) and all(_real(m) and m > 0 for m in max_lrs),
            owner,
            f"max_lr must be a positive number or one per group ({len(groups)})",
            max_lr,
        )
        self.total_steps = int(total_steps)  # type: ignore[arg-type]
        self.anneal_strategy = anneal_strategy
        pct = float(pct_start) * self.total_steps
        # (end step, lr from, lr to, momentum from, momentum to), lr keys of each group
        self._phases: list[tuple[float, str, str, str, str]]
        if three_phase:
            self._phases = [
                (pct - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (2 * pct - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                (self.total_steps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            self._phases = [
                (pct - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (self.total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            if not any(k in optimizer.defaults for k in ("momentum", "betas")):
                raise ValueError(
                    f"{owner}: cycle_momentum needs an optimizer with momentum or betas "
                    f"({type(optimizer).__name__} has neither); pass cycle_momentum=False"
                )
            _require(
                _real(base_momentum)
                and _real(max_momentum)
                and 0 <= base_momentum <= max_momentum < 1,
                owner,
                "need 0 <= base_momentum <= max_momentum < 1",
                (base_momentum, max_momentum),
            )
        if last_epoch == -1:
            for group, top in zip(groups, max_lrs):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = float(top)
                group["min_lr"] = group["initial_lr"] / final_div_factor
                if self.cycle_momentum:
                    group["max_momentum"], group["base_momentum"] = max_momentum, base_momentum
        super().__init__(optimizer, last_epoch)

    def _values(self, group: dict[str, Any], step: int) -> tuple[float, float | None]:
        start = 0.0
        for i, (end, lr0, lr1, m0, m1) in enumerate(self._phases):
            if step <= end or i == len(self._phases) - 1:
                pct = (step - start) / (end - start) if end != start else 1.0
                lr = _anneal(group[lr0], group[lr1], pct, self.anneal_strategy)
                mom = (
                    _anneal(group[m0], group[m1], pct, self.anneal_strategy)
                    if self.cycle_momentum
                    else None
                )
                return lr, mom
            start = end
        raise AssertionError("unreachable")

    def get_lr(self) -> list[float]:
        return [self._values(g, self.last_epoch)[0] for g in self.optimizer.param_groups]

    def step(self, *unexpected: Any) -> None:
        """Advance one batch: set each group's lr (and momentum or beta1)."""
        if unexpected:
            super().step(*unexpected)  # raises the error naming the argument
        if self.last_epoch + 1 > self.total_steps:
            raise ValueError(
                f"OneCycleLR: stepped {self.last_epoch + 1} times, but total_steps is "
                f"{self.total_steps}"
            )
        super().step()
        if self.cycle_momentum:
            for group in self.optimizer.param_groups:
                mom = self._values(group, self.last_epoch)[1]
                if "betas" in group:
                    group["betas"] = (mom, group["betas"][1])
                else:
                    group["momentum"] = mom


class ReduceLROnPlateau(LRScheduler):
    """Scale lr by ``factor`` when a metric has not improved for more than ``patience``
    steps, as PyTorch's: ``step(metric)`` once per epoch. "Improved" is, for mode "min",
    metric < best (1 - threshold) ("rel") or metric < best - threshold ("abs") (mirrored for
    "max"); after a reduction, ``cooldown`` steps pass before bad steps count again; lr never
    goes below ``min_lr`` and a change smaller than ``eps`` is skipped.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0.0,
        eps: float = 1e-8,
    ):
        owner = "ReduceLROnPlateau"
        self.optimizer = _optimizer(optimizer, owner)
        _require(mode in ("min", "max"), owner, "mode must be 'min' or 'max'", mode)
        _require(
            threshold_mode in ("rel", "abs"),
            owner,
            "threshold_mode must be 'rel' or 'abs'",
            threshold_mode,
        )
        _require(_real(factor) and 0 < factor < 1, owner, "factor must be in (0, 1)", factor)
        for name, value in (("patience", patience), ("cooldown", cooldown)):
            _require(
                isinstance(value, int) and value >= 0, owner, f"{name} must be an int >= 0", value
            )
        _require(_real(threshold) and threshold >= 0, owner, "threshold must be >= 0", threshold)
        _require(_real(eps) and eps >= 0, owner, "eps must be >= 0", eps)
        groups = optimizer.param_groups
        min_lrs: list[Any] = (
            list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * len(groups)
        )
        _require(
            len(min_lrs) == len(groups) and all(_real(m) and m >= 0 for m in min_lrs),
            owner,
            f"min_lr must be a number >= 0 or one per group ({len(groups)})",
            min_lr,
        )
        self.mode, self.threshold_mode = mode, threshold_mode
        self.factor, self.patience, self.cooldown = float(factor), patience, cooldown
        self.threshold, self.eps, self.min_lrs = (
            float(threshold),
            float(eps),
            [float(m) for m in min_lrs],
        )
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs, self.cooldown_counter, self.last_epoch = 0, 0, 0
        self._last_lr = [g["lr"] for g in groups]

    def _is_better(self, a: float) -> bool:
        best, th = self.best, self.threshold
        if self.mode == "min":
            return a < (best * (1.0 - th) if self.threshold_mode == "rel" else best - th)
        return a > (best * (1.0 + th) if self.threshold_mode == "rel" else best + th)

    def step(self, metrics: float) -> None:  # type: ignore[override]
        """Record this epoch's metric and reduce the lr if it has stalled."""
        try:
            current = float(metrics)
        except (TypeError, ValueError):
            raise TypeError(
                f"ReduceLROnPlateau.step: metrics must be a number, got {metrics!r}"
            ) from None
        self.last_epoch += 1
        if self._is_better(current):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, floor in zip(self.optimizer.param_groups, self.min_lrs):
                new = max(group["lr"] * self.factor, floor)
                if group["lr"] - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]
