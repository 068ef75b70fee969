"""Pictures and tables of a computational graph: ``to_dot``/``render``/``draw`` and ``trace``.

``to_dot(root)`` writes the graph under ``root`` as Graphviz DOT source: one record per value
(its name, data and gradient), one ellipse per op, and edges parent -> op -> result. ``render``
turns that into an SVG or PNG file with the ``dot`` program (Debian/Ubuntu package
``graphviz``); ``draw`` returns an object that notebooks show as inline SVG when ``dot`` is
installed and as the DOT text otherwise, so a notebook never fails for lack of Graphviz.

``trace(root)`` is the staged-backprop table of the CS231n notes, filled in by the engine:
one row per node in the order the backward pass visits it, with the node's value, the
upstream gradient d(root)/d(node), and for every parent the local gradient (Scalars: the
engine's rule evaluated on the forward values), the product upstream * local, and the
parent's gradient after that product was added with ``+=``. It runs its own backward sweep
(``graph.backprop``) and never touches any ``.grad``.

Both work for Scalars and Tensors. A tensor with more than ``MAX_VALUES`` entries is shown by
shape and dtype (and, in the table, its norm). Tensor rules are vector-Jacobian products, so
for Tensors the table shows each parent's contribution (the VJP) instead of a local Jacobian.
"""

from __future__ import annotations

import html
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .graph import Node, backprop, toposort

__all__ = [
    "to_dot",
    "render",
    "draw",
    "to_svg",
    "trace",
    "Trace",
    "TraceRow",
    "ParentUpdate",
    "GraphvizNotFoundError",
]

#: How the ops of both engines are drawn; any op not listed is drawn by its name.
OP_SYMBOLS: dict[str, str] = {
    "add": "+",
    "sub": "-",
    "mul": "*",
    "div": "/",
    "neg": "neg",
    "matmul": "@",
}

#: Tensors with more entries than this are shown as "shape dtype" instead of their values.
MAX_VALUES = 6


class GraphvizNotFoundError(RuntimeError):
    """Raised by ``render`` when the Graphviz ``dot`` program is not on the PATH."""


# --- walking the graph ------------------------------------------------------------------
def _is_tensor_like(x: Any) -> bool:
    return isinstance(x, np.ndarray)


def _op_label(node: Node) -> str:
    """The op of ``node`` as drawn: a symbol for arithmetic, the constant parameters appended
    (``pow 2``, ``sum axis=0``)."""
    label = OP_SYMBOLS.get(node.op, node.op)
    params = [text for text in map(_format_param, node.params) if text]
    return f"{label} {', '.join(params)}" if params else label


def _format_param(c: Any) -> str:
    """A short text for a simple op parameter (a number, an axis, a shape); "" for anything
    else (arrays, masks, functions an engine keeps for its backward rule)."""
    if isinstance(c, bool) or c is None:
        return ""
    if isinstance(c, (int, np.integer)):
        return str(int(c))
    if isinstance(c, (float, np.floating)):
        return str(int(c)) if float(c).is_integer() else f"{float(c):.4g}"
    if isinstance(c, str):
        return c if len(c) <= 24 else c[:21] + "..."
    if isinstance(c, tuple) and len(c) <= 6 and all(isinstance(i, (int, np.integer)) for i in c):
        return str(tuple(int(i) for i in c))
    return ""


def _labels(nodes: list[Node]) -> dict[int, str]:
    """A unique, readable label per node: its ``name`` if set, else ``op`` + a counter in
    forward order (``add1``, ``mul2``), ``const`` for constants and ``leaf`` for unnamed
    inputs. Repeated names get ``#2``, ``#3``, ... appended."""
    labels: dict[int, str] = {}
    seen: dict[str, int] = {}
    counters: dict[str, int] = {}
    for node in nodes:
        if node.name:
            base = str(node.name)
        else:
            if node.op:
                kind = node.op
            elif node.requires_grad:
                kind = "leaf"
            else:
                kind = "const"
            counters[kind] = counters.get(kind, 0) + 1
            base = f"{kind}{counters[kind]}"
        seen[base] = seen.get(base, 0) + 1
        labels[id(node)] = base if seen[base] == 1 else f"{base}#{seen[base]}"
    return labels


def _check_options(op: str, precision: Any, **flags: Any) -> None:
    """``precision`` a non-negative int and each flag a bool, or a TypeError/ValueError
    naming the option (numpy's formatter would fail deep inside, a str flag count as True)."""
    if isinstance(precision, (bool, np.bool_)) or not isinstance(precision, (int, np.integer)):
        raise TypeError(f"{op}: precision must be an int, got {precision!r}")
    if precision < 0:
        raise ValueError(f"{op}: precision must be >= 0, got {precision}")
    for name, value in flags.items():
        if value is not True and value is not False:
            raise TypeError(f"{op}: {name} must be True or False, got {value!r}")


# --- formatting values ------------------------------------------------------------------
def format_value(
    x: Any, precision: int = 4, max_values: int = MAX_VALUES, show_norm: bool = False
) -> str:
    """A short text for a float or an array: ``%.{precision}g`` numbers, and for an array of
    more than ``max_values`` entries its shape and dtype (``(784, 30) float32``), followed by
    its Frobenius norm with ``show_norm`` (``(784, 30) float32 |.|=3.2``)."""
    if x is None:
        return "None"
    if isinstance(x, Node):
        x = x._data
    if _is_tensor_like(x):
        if x.size > max_values:
            text = f"{tuple(x.shape)} {x.dtype}"
            if show_norm:
                text += f" |.|={float(np.linalg.norm(x.astype(np.float64))):.{precision}g}"
            return text
        if x.ndim == 0:
            return f"{float(x):.{precision}g}"
        return np.array2string(
            x, precision=precision, separator=", ", floatmode="maxprec", suppress_small=False
        ).replace("\n", "")
    try:
        return f"{float(x):.{precision}g}"
    except (TypeError, ValueError):
        return str(x)


def _record_escape(text: str) -> str:
    """Escape the characters that structure a Graphviz record label (and the quote)."""
    out = []
    for ch in text:
        if ch in '\\{}|<>"':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        else:
            out.append(ch)
    return "".join(out)


def _quote(text: str) -> str:
    """A double-quoted DOT string (for ordinary, non-record labels)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# --- DOT ----------------------------------------------------------------------------------
def to_dot(
    root: Node, rankdir: str = "LR", show_grad: bool = True, precision: int = 4
) -> str:
    """Graphviz DOT source for the graph under ``root``.

    Each value is a record ``name | data | grad`` (the grad is the stored ``.grad``, so call
    ``backward()`` first to see gradients; ``show_grad=False`` leaves it out). Each op is an
    ellipse between its inputs and its result. Constants (values that need no gradient) are
    drawn grey. Tensors with more than ``MAX_VALUES`` entries are shown as shape and dtype.
    The output is deterministic: node ids are assigned in forward order.

    Args:
        root: the output node (a Scalar or a Tensor).
        rankdir: Graphviz layout direction, ``"LR"`` (left to right) or ``"TB"``, ...
        show_grad: include each value's ``.grad`` in its record.
        precision: significant digits for numbers.
    """
    if not isinstance(root, Node):
        raise TypeError(f"to_dot() takes a Scalar or a Tensor, got {type(root).__name__}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be one of LR, RL, TB, BT, got {rankdir!r}")
    _check_options("to_dot", precision, show_grad=show_grad)
    nodes = toposort(root, include_constants=True)
    labels = _labels(nodes)
    ids = {id(n): f"v{i}" for i, n in enumerate(nodes)}
    lines = [
        "digraph G {",
        f"  rankdir={rankdir};",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [color="#555555"];',
    ]
    for node in nodes:
        fields = [labels[id(node)], f"data {format_value(node._data, precision)}"]
        if show_grad and node.requires_grad:
            fields.append(f"grad {format_value(node.grad, precision)}")
        record = " | ".join(_record_escape(f) for f in fields)
        if rankdir in ("LR", "RL"):
            # records flip with the rank direction; braces keep the fields side by side.
            record = "{ " + record + " }"
        if node is root:
            style = 'style="filled,bold", fillcolor="#e8f0ff"'
        elif node.requires_grad:
            style = 'style=filled, fillcolor="#ffffff"'
        else:
            style = 'style=filled, fillcolor="#eeeeee", fontcolor="#555555"'
        lines.append(f'  {ids[id(node)]} [shape=record, label="{record}", {style}];')
        if node.parents:
            op_id = ids[id(node)] + "_op"
            lines.append(f"  {op_id} [shape=ellipse, label={_quote(_op_label(node))}];")
            for parent in node.parents:
                lines.append(f"  {ids[id(parent)]} -> {op_id};")
            lines.append(f"  {op_id} -> {ids[id(node)]};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _require_dot() -> str:
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizNotFoundError(
            "the Graphviz 'dot' program is not installed, so the graph cannot be rendered. "
            "Install it with `sudo apt-get install graphviz` (Debian/Ubuntu; `brew install "
            "graphviz` on macOS), or get the DOT source with autograd_core.viz.to_dot(root) "
            "and paste it into any Graphviz viewer."
        )
    return exe


def _run_dot(source: str, fmt: str) -> bytes:
    exe = _require_dot()
    result = subprocess.run(
        [exe, f"-T{fmt}"], input=source.encode(), capture_output=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"dot -T{fmt} failed (exit {result.returncode}): {result.stderr.decode().strip()}"
        )
    return result.stdout


def render(
    root: Node, path: str | Path, format: str | None = None, **dot_options: Any
) -> Path:
    """Draw the graph under ``root`` into ``path`` with Graphviz and return the path.

    ``format`` (``"svg"``, ``"png"``, ``"pdf"``, ...) defaults to the file's suffix, and to
    SVG when it has none. Needs the ``dot`` program: without it raises
    ``GraphvizNotFoundError`` saying how to install it and how to get the DOT source instead.
    ``dot_options`` are passed to ``to_dot`` (``rankdir``, ``show_grad``, ``precision``).
    """
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".") or "svg").lower()
    data = _run_dot(to_dot(root, **dot_options), fmt)
    path.write_bytes(data)
    return path


def to_svg(root: Node, **dot_options: Any) -> str:
    """The graph under ``root`` as an SVG string (needs ``dot``, like ``render``)."""
    return _run_dot(to_dot(root, **dot_options), "svg").decode()


class GraphDrawing:
    """What ``draw`` returns: shown as inline SVG in Jupyter when ``dot`` is installed, and as
    the DOT source text otherwise (``.source`` holds it either way)."""

    def __init__(self, source: str):
        self.source = source

    def _repr_svg_(self) -> str | None:
        if shutil.which("dot") is None:
            return None  # Jupyter then falls back to the text/plain representation
        return _run_dot(self.source, "svg").decode()

    def __repr__(self) -> str:
        if shutil.which("dot") is None:
            return "Graphviz is not installed (apt-get install graphviz); DOT source:\n" + (
                self.source
            )
        return self.source


def draw(root: Node, **dot_options: Any) -> GraphDrawing:
    """A drawing of the graph under ``root`` for notebooks: inline SVG with Graphviz, the DOT
    text without it. ``dot_options`` are passed to ``to_dot``."""
    return GraphDrawing(to_dot(root, **dot_options))


# --- the staged-backprop table ----------------------------------------------------------
@dataclass
class ParentUpdate:
    """One ``parent.grad += upstream * local`` of a backward step.

    Attributes:
        parent: the parent's label.
        local: d(node)/d(parent) at the forward values (Scalars); None for Tensors, whose
            rules give the product directly as a vector-Jacobian product.
        product: the contribution added into the parent's gradient (upstream * local).
        total: the parent's gradient right after this addition.
    """

    parent: str
    local: Any
    product: Any
    total: Any


@dataclass
class TraceRow:
    """A node as the backward pass visits it.

    Attributes:
        step: 1 for the output, then in backward order.
        node: the node's label (its name, or op + counter, see ``to_dot``).
        op: the op that computed it ("" for an input or a constant).
        value: its forward value.
        upstream: d(root)/d(node), complete when the node is visited.
        updates: one ``ParentUpdate`` per parent that needs a gradient.
        shape: the shape of the value for Tensors, None for Scalars.
    """

    step: int
    node: str
    op: str
    value: Any
    upstream: Any
    updates: list[ParentUpdate] = field(default_factory=list)
    shape: tuple[int, ...] | None = None

    @property
    def local_grads(self) -> list[Any]:
        """The local gradient for each parent, in order."""
        return [u.local for u in self.updates]

    @property
    def products(self) -> list[Any]:
        """The product accumulated into each parent, in order."""
        return [u.product for u in self.updates]


class Trace:
    """The table ``trace`` returns. ``.rows`` holds ``TraceRow``s; ``.grads`` maps each
    label to d(root)/d(node); ``str()`` gives an aligned text table and Jupyter shows an HTML
    table."""

    def __init__(self, rows: list[TraceRow], grads: dict[str, Any], precision: int = 6):
        self.rows = rows
        self.grads = grads
        self.precision = precision

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, label: str) -> TraceRow:
        """The row of the node labelled ``label``."""
        for row in self.rows:
            if row.node == label:
                return row
        raise KeyError(f"no node labelled {label!r}; labels: {[r.node for r in self.rows]}")

    _HEADER = ("step", "node", "op", "value", "upstream", "local", "parent += upstream*local")

    def _cells(self) -> list[list[tuple[str, ...]]]:
        """Per row, one tuple of cell texts per printed line (a line per parent)."""
        p = self.precision
        table = []
        for row in self.rows:
            first = (
                str(row.step),
                row.node,
                _op_text(row.op),
                format_value(row.value, p, show_norm=True),
                format_value(row.upstream, p, show_norm=True),
            )
            lines: list[tuple[str, ...]] = []
            if not row.updates:
                lines.append(first + ("", "(input: gradient complete)" if row.op == "" else ""))
            for i, u in enumerate(row.updates):
                head = first if i == 0 else ("",) * len(first)
                local = "VJP" if u.local is None else format_value(u.local, p)
                update = (
                    f"{u.parent} += {format_value(u.product, p, show_norm=True)}"
                    f"  -> {format_value(u.total, p, show_norm=True)}"
                )
                lines.append(head + (local, update))
            table.append(lines)
        return table

    def __str__(self) -> str:
        cells = self._cells()
        flat = [self._HEADER] + [line for lines in cells for line in lines]
        widths = [max(len(line[i]) for line in flat) for i in range(len(self._HEADER))]

        def fmt(line: tuple[str, ...]) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip()

        out = [fmt(self._HEADER), "  ".join("-" * w for w in widths)]
        for lines in cells:
            out.extend(fmt(line) for line in lines)
        return "\n".join(out)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        esc = html.escape
        parts = [
            '<table style="border-collapse:collapse;font-family:monospace">',
            "<thead><tr>"
            + "".join(
                f'<th style="border-bottom:1px solid #888;padding:2px 8px;text-align:left">'
                f"{esc(h)}</th>"
                for h in self._HEADER
            )
            + "</tr></thead><tbody>",
        ]
        for lines in self._cells():
            n = len(lines)
            for i, line in enumerate(lines):
                cells = []
                if i == 0:
                    for c in line[:5]:
                        cells.append(
                            f'<td rowspan="{n}" style="padding:2px 8px;vertical-align:top;'
                            f'border-top:1px solid #ddd">{esc(c)}</td>'
                        )
                border = "border-top:1px solid #ddd;" if i == 0 else ""
                for c in line[5:]:
                    cells.append(f'<td style="padding:2px 8px;{border}">{esc(c)}</td>')
                parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</tbody></table>")
        return "".join(parts)


def _op_text(op: str) -> str:
    return op if op else "input"


def _local_grads(node: Node) -> list[Any]:
    """The engine's local derivatives d(node)/d(parent), evaluated on the forward values.

    Only for engines whose rules are local derivatives (Scalar); Tensor rules are VJPs and get
    None here."""
    from .scalar import RULES as SCALAR_RULES  # local: viz must not import engines at load
    from .scalar import Scalar

    if not isinstance(node, Scalar):
        return [None] * len(node.parents)
    rules = SCALAR_RULES[node.op]
    args = (node._data, *[p._data for p in node.parents], *node.params)
    return [rule(*args) for rule in rules]


def _copy(x: Any) -> Any:
    return x.copy() if isinstance(x, np.ndarray) else x


def trace(root: Node, seed: Any = None, precision: int = 6) -> Trace:
    """The staged backward pass of ``root`` as a table (see the module docstring).

    Args:
        root: the output; a Scalar, or a Tensor (one-element, or pass ``seed``).
        seed: d(root)/d(root), default 1 (ones of root's shape for Tensors).
        precision: significant digits in the text and HTML tables (``.rows`` keep full
            precision).

    Rows follow the backward order of ``graph.backprop`` (reverse topological order), so the
    upstream gradient of a row is already complete: all of its ``+=`` contributions come from
    rows above it. No ``.grad`` is read or written.
    """
    if not isinstance(root, Node):
        raise TypeError(f"trace() takes a Scalar or a Tensor, got {type(root).__name__}")
    if not root.requires_grad:
        raise RuntimeError("trace(): the output does not require grad (no input reaches it)")
    _check_options("trace", precision)
    if seed is None:
        seed = np.ones_like(root._data) if _is_tensor_like(root._data) else 1.0
    else:  # checked as backward(grad) checks its gradient: numbers of the output's shape
        seed = root._seed(seed, False)
    labels = _labels(toposort(root, include_constants=True))
    edges: dict[int, list[tuple[Node, Any, Any]]] = {}

    def record(node: Node, parent: Node, contribution: Any, total: Any) -> None:
        edges.setdefault(id(node), []).append((parent, _copy(contribution), _copy(total)))

    grads = backprop(root, seed, on_edge=record)  # the engine's own sweep, observed
    order = toposort(root)  # the order backprop visits, so rows follow the engine's sweep
    rows: list[TraceRow] = []
    for step, node in enumerate(reversed(order), start=1):
        shape = tuple(node._data.shape) if _is_tensor_like(node._data) else None
        row = TraceRow(step, labels[id(node)], node.op, _copy(node._data),
                       _copy(grads.get(node)), shape=shape)
        rows.append(row)
        if not node.parents:
            continue
        recorded = iter(edges.get(id(node), ()))
        # backprop reports an edge for each parent that requires grad, in parent order
        for parent, local in zip(node.parents, _local_grads(node)):
            if parent.requires_grad:
                _, contribution, total = next(recorded)
                row.updates.append(
                    ParentUpdate(labels[id(parent)], local, contribution, total)
                )
    by_label = {labels[id(n)]: grads[n] for n in order if n in grads}
    return Trace(rows, by_label, precision)

