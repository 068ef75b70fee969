"""Anomaly mode: stop at the first nan of a forward pass and the first nan/inf of a gradient.

The Tensor engine follows numpy (``log(-1)`` is nan, ``1/0`` inf, no exception), so a nan can
travel far from the op that made it. Inside ``detect_anomaly()`` every op checks its output
and every backward step checks the gradient it produced, and the first bad value raises a
``FloatingPointError`` naming the op, the entry, the values of the op's inputs there, and the
line of user code that created the node (recorded only while the mode is on). inf in a
forward value is allowed (a -inf mask is intended); in a gradient it is not.

Off, it costs nothing per op: switching it on puts a marker into ``graph._no_grad_threads``,
the set whose emptiness every op already tests, so ops take their rare path (the one
``no_grad()`` takes) only while the mode is on.
"""

from __future__ import annotations

import linecache
import os
import sys
import threading
from contextlib import ContextDecorator
from types import FrameType
from typing import Any

import numpy as np

from .graph import ANOMALY_MARKER as MARKER
from .graph import _no_grad_threads

__all__ = ["detect_anomaly", "is_anomaly_enabled"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_lock = threading.Lock()
_depth = 0


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()``."""
    return MARKER in _no_grad_threads


class detect_anomaly(ContextDecorator):  # noqa: N801 - a function-like name, as PyTorch's
    """Context manager (or decorator: ``@detect_anomaly()``) that makes every Tensor op check
    its output for nan, and every backward step its gradient for nan and inf, raising
    ``FloatingPointError`` at the first one with the op, the entry, the input values there
    and the user's line that created the node. In both engines it also remembers the value
    of every leaf an op reads, and ``backward()`` raises a RuntimeError if a leaf was changed
    since (``x.data[0] = 10`` or ``a.data = 3.0`` between forward and backward), naming the
    leaf, the op and the line that read it. Slows every op down; for debugging only."""

    def __enter__(self) -> detect_anomaly:
        global _depth
        with _lock:
            _depth += 1
            _no_grad_threads.add(MARKER)
        return self

    def __exit__(self, *exc: Any) -> None:
        global _depth
        with _lock:
            _depth -= 1
            if _depth == 0:
                _no_grad_threads.discard(MARKER)
                _read.clear()


def user_frame() -> tuple[str, int, str]:
    """(file, line, source) of the innermost frame outside this package: the user's line."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:  # pragma: no cover - only library frames on the stack
        return ("<unknown>", 0, "")
    filename, lineno = frame.f_code.co_filename, frame.f_lineno
    return filename, lineno, linecache.getline(filename, lineno).strip()


def _where(node: Any) -> str:
    origin = getattr(node, "_origin", None)
    if origin is None:
        return "created outside detect_anomaly()"
    filename, lineno, source = origin
    return f"created at {filename}:{lineno}" + (f": {source}" if source else "")


def _first(bad: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argwhere(bad)[0])


def _input_values(parents: tuple, shape: tuple[int, ...], index: tuple[int, ...]) -> str:
    """The inputs' values at ``index`` of a result of ``shape`` (broadcast as numpy), or a
    summary of an input that does not broadcast to it (a reduction's, a matmul's)."""
    parts = []
    for i, p in enumerate(parents):
        data = p._data
        try:
            value = np.broadcast_to(data, shape)[index]
            parts.append(f"input {i} = {float(value)!r}")
        except ValueError:
            nan, inf = int(np.isnan(data).sum()), int(np.isinf(data).sum())
            parts.append(f"input {i} of shape {data.shape} ({nan} nan, {inf} inf)")
    return ", ".join(parts) if parts else "no inputs"


def check_forward(out: Any, parents: tuple) -> None:
    """Record where ``out`` was created; raise if its value holds a nan."""
    out._origin = user_frame()
    value = out._data
    if value.dtype.kind == "f" and np.isnan(value).any():
        index = _first(np.isnan(value))
        raise FloatingPointError(
            f"detect_anomaly: {out.op} produced nan at index {index} of its output (shape "
            f"{value.shape}); {_input_values(parents, value.shape, index)}; "
            f"{_where(out)}"
        )


def check_gradient(node: Any, parent: Any, contribution: Any, total: Any) -> None:
    """An ``on_edge`` observer of the backward sweep: raise if the gradient that ``node``'s
    VJP sent to ``parent`` holds a nan or an inf."""
    g = contribution._data if hasattr(contribution, "requires_grad") else contribution
    g = np.asarray(g)
    bad = ~np.isfinite(g)
    if not bad.any():
        return
    index = _first(bad) if g.ndim else ()
    i = next(k for k, p in enumerate(node.parents) if p is parent)
    value = np.asarray(parent._data)
    at = f"{float(value[index])!r}" if value.shape == g.shape else f"shape {value.shape}"
    raise FloatingPointError(
        f"detect_anomaly: the backward of {node.op} produced {float(g[index])!r} at index "
        f"{index} of the gradient of its input {i} (input value there: {at}); the "
        f"{node.op} node was {_where(node)}"
    )


# --- leaves changed between forward and backward -------------------------------------------
# A recorded result's value is read-only (tensor.RecordedArray), but a leaf's must stay
# writable for the optimizer's step, so a change between the forward pass and backward()
# cannot be refused when it is made. Detecting it means keeping a copy of each leaf's value
# as the ops read it: O(size) per op, so only here, in the debugging mode (see README,
# "Changing values between forward and backward").
# id(leaf) -> (leaf, a copy of the value the ops read, the first op that read it, its line)
_read: dict[int, tuple[Any, Any, str, tuple[str, int, str]]] = {}


def _same(a: Any, b: Any) -> bool:
    if isinstance(b, np.ndarray):
        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))
    return bool(a == b or (a != a and b != b))


def remember_leaves(parents: tuple, op: str) -> None:
    """Keep the value of each leaf among ``parents`` that requires grad, as ``op`` reads it
    (a value already kept and unchanged is not copied again)."""
    for p in parents:
        if p.requires_grad and p.is_leaf:
            entry = _read.get(id(p))
            if entry is None or entry[0] is not p or not _same(p._data, entry[1]):
                value = p._data
                _read[id(p)] = (p, value.copy() if isinstance(value, np.ndarray) else value,
                                op, user_frame())  # fmt: skip


def check_leaves(order: list) -> None:
    """Raise if a leaf in ``order`` (the nodes a backward sweep visits) changed after an op
    read it."""
    for node in order:
        entry = _read.get(id(node))
        if entry is None or entry[0] is not node or _same(node._data, entry[1]):
            continue
        _, kept, op, (filename, lineno, source) = entry
        what = type(node).__name__ + (f" '{node.name}'" if node.name else "")
        if isinstance(kept, np.ndarray):
            change = f"of shape {kept.shape}"
        else:
            change = f"(was {kept!r}, now {node._data!r})"
        raise RuntimeError(
            f"backward(): the leaf {what} {change} was changed after '{op}' read it at "
            f"{filename}:{lineno}" + (f": {source}" if source else "") + "; the gradient would "
            "mix the new value with a forward pass computed from the old one. Change leaves "
            "after backward() (as an optimizer step does), or run the forward pass again"
        )

