"""viz: DOT drawings and staged-backprop tables of the classic CS231n and Olah examples."""

from __future__ import annotations

import math
import re
import shutil

import numpy as np
import pytest

from autograd_core import Scalar, viz


def _shared_input_graph():
    """e = (a + b)(b + 1) at a = 2, b = 1 (worked examples, section 2)."""
    a, b = Scalar(2.0, name="a"), Scalar(1.0, name="b")
    c = a + b
    c.name = "c"
    d = b + 1
    d.name = "d"
    e = c * d
    e.name = "e"
    return a, b, e


def _staged_f():
    """f = (x + sigmoid(y)) / (sigmoid(x) + (x + y)^2) at x = 3, y = -4 (section 3)."""
    x, y = Scalar(3.0, name="x"), Scalar(-4.0, name="y")
    sigy = y.sigmoid()
    sigy.name = "sigy"
    num = x + sigy
    num.name = "num"
    sigx = x.sigmoid()
    sigx.name = "sigx"
    xpy = x + y
    xpy.name = "xpy"
    xpysqr = xpy**2
    xpysqr.name = "xpysqr"
    den = sigx + xpysqr
    den.name = "den"
    f = num / den
    f.name = "f"
    return x, y, f


# --- trace -----------------------------------------------------------------------------
def test_trace_shared_input_sums_two_paths():
    a, b, e = _shared_input_graph()
    t = viz.trace(e)
    assert [r.node for r in t.rows] == ["e", "c", "a", "d", "b"]
    row_e = t["e"]
    assert row_e.op == "mul" and row_e.value == 6.0 and row_e.upstream == 1.0
    # de/dc = d = 2, de/dd = c = 3
    assert row_e.local_grads == [2.0, 3.0]
    assert row_e.products == [2.0, 3.0]
    # b is reached along two paths: via c (2) and via d (3), accumulated with +=
    b_updates = [u for r in t.rows for u in r.updates if u.parent == "b"]
    assert [u.product for u in b_updates] == [2.0, 3.0]
    assert [u.total for u in b_updates] == [2.0, 5.0]
    assert t["b"].upstream == 5.0 and t["a"].upstream == 2.0
    assert t.grads["b"] == 5.0 and t.grads["a"] == 2.0
    # the constant 1 in b + 1 needs no gradient and gets no update
    assert [u.parent for u in t["d"].updates] == ["b"]


def test_trace_three_step_function():
    """J = 3(a + bc): J = 33; dJ/da = 3, dJ/db = 6, dJ/dc = 9 (section 1)."""
    a, b, c = Scalar(5.0, name="a"), Scalar(3.0, name="b"), Scalar(2.0, name="c")
    u = b * c
    u.name = "u"
    v = a + u
    v.name = "v"
    J = 3 * v
    J.name = "J"
    t = viz.trace(J)
    assert t["J"].value == 33.0
    assert t["J"].local_grads == [3.0]  # only v needs a gradient (3 is a constant)
    assert t["v"].upstream == 3.0
    assert t["u"].upstream == 3.0 and t["u"].local_grads == [2.0, 3.0]
    assert t["u"].products == [6.0, 9.0]
    assert (t.grads["a"], t.grads["b"], t.grads["c"]) == (3.0, 6.0, 9.0)


def test_trace_staged_f_matches_worked_numbers():
    x, y, f = _staged_f()
    t = viz.trace(f)
    assert t["f"].value == pytest.approx(1.5456448841066441, abs=1e-12)
    assert t.grads["x"] == pytest.approx(2.0595697955721652, abs=1e-12)
    assert t.grads["y"] == pytest.approx(1.5922327514838093, abs=1e-12)
    # f = num / den: local grads 1/den and -num/den^2
    num, den = 3.0 + 1 / (1 + math.exp(4)), 1 / (1 + math.exp(-3)) + 1.0
    assert t["f"].local_grads == pytest.approx([1 / den, -num / den**2], abs=1e-15)
    # xpy = x + y = -1; xpysqr = xpy^2, local grad 2*xpy = -2
    assert t["xpysqr"].local_grads == [-2.0]
    assert t["xpysqr"].products[0] == pytest.approx(-2.0 * t["xpysqr"].upstream)
    # x is reached along three paths (num, sigx, xpy): three += whose last total is dx
    x_updates = [u for r in t.rows for u in r.updates if u.parent == "x"]
    assert len(x_updates) == 3
    assert sum(u.product for u in x_updates) == pytest.approx(2.0595697955721652, abs=1e-12)
    assert x_updates[-1].total == pytest.approx(2.0595697955721652, abs=1e-12)
    y_updates = [u for r in t.rows for u in r.updates if u.parent == "y"]
    assert len(y_updates) == 2
    # each row's upstream is complete when the row is visited: it equals the final gradient
    for row in t.rows:
        assert row.upstream == t.grads[row.node]


def test_trace_does_not_touch_grad_and_agrees_with_backward():
    x, y, f = _staged_f()
    x.grad = 0.25  # whatever is stored must survive
    viz.trace(f)
    assert x.grad == 0.25 and y.grad == 0.0 and f.grad == 0.0
    x.grad = 0.0
    t = viz.trace(f)
    f.backward()
    assert x.grad == t.grads["x"] and y.grad == t.grads["y"]


def test_trace_sigmoid_neuron_fused_and_from_gates_agree():
    w = [Scalar(2.0, name="w0"), Scalar(-3.0, name="w1"), Scalar(-3.0, name="w2")]
    x = [Scalar(-1.0, name="x0"), Scalar(-2.0, name="x1")]
    z = w[0] * x[0] + w[1] * x[1] + w[2]
    fused = viz.trace(z.sigmoid())
    gates = viz.trace((1 + (-z).exp()).reciprocal())
    f = 0.7310585786300049
    assert fused.rows[0].value == pytest.approx(f, abs=1e-15)
    assert fused.rows[0].local_grads[0] == pytest.approx(f * (1 - f), abs=1e-15)
    for name, want in [
        ("x0", 0.3932238664829637),
        ("x1", -0.5898357997244456),
        ("w0", -0.19661193324148185),
        ("w1", -0.3932238664829637),
        ("w2", 0.19661193324148185),
    ]:
        assert fused.grads[name] == pytest.approx(want, abs=1e-12)
        assert gates.grads[name] == pytest.approx(want, abs=1e-12)
    assert [r.op for r in gates.rows[:4]] == ["reciprocal", "add", "exp", "neg"]


def test_trace_text_and_html_tables():
    _, _, e = _shared_input_graph()
    t = viz.trace(e)
    text = str(t)
    lines = text.splitlines()
    assert lines[0].split()[:5] == ["step", "node", "op", "value", "upstream"]
    assert "b += 3  -> 5" in text and "b += 2  -> 2" in text
    # aligned: every data line puts the update column at the same offset
    col = lines[0].index("parent")
    assert all(line[col:].startswith(("c +=", "d +=", "a +=", "b +=", "(input"))
               for line in lines[2:])
    h = t._repr_html_()
    assert h.startswith("<table") and h.endswith("</table>")
    assert "b += 3  -&gt; 5" in h
    assert h.count("<tr>") == 1 + len([line for line in lines[2:]])


def test_trace_refuses_constants():
    with pytest.raises(RuntimeError, match="does not require grad"):
        viz.trace(Scalar(1.0, requires_grad=False) * 2)
    with pytest.raises(TypeError):
        viz.trace(1.0)


# --- to_dot / render -----------------------------------------------------------------------
def test_to_dot_structure():
    a, b, e = _shared_input_graph()
    e.backward()
    dot = viz.to_dot(e)
    assert dot.startswith("digraph G {") and dot.rstrip().endswith("}")
    assert "rankdir=LR;" in dot
    records = re.findall(r'label="\{ ([^"]*) \}"', dot)
    assert "a | data 2 | grad 2" in records
    assert "b | data 1 | grad 5" in records
    assert "e | data 6 | grad 1" in records
    # the constant 1 of b + 1 is drawn without a grad
    assert "const1 | data 1" in records
    # 6 values (one a constant), 3 ops; edges parent -> op (6) and op -> result (3)
    assert dot.count("shape=record") == 6
    assert dot.count("shape=ellipse") == 3
    assert len(re.findall(r"^\s+\w+ -> \w+;$", dot, flags=re.M)) == 9
    assert viz.to_dot(e) == dot  # deterministic
    no_grad = viz.to_dot(e, show_grad=False, rankdir="TB")
    assert "grad" not in no_grad and "rankdir=TB;" in no_grad


def test_to_dot_escapes_labels():
    x = Scalar(1.0, name='a|b{c}<d>"e\\')
    y = x * 2
    dot = viz.to_dot(y)
    assert r'a\|b\{c\}\<d\>\"e\\' in dot
    with pytest.raises(ValueError):
        viz.to_dot(y, rankdir="XY")


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz not installed")
def test_render_svg_and_png(tmp_path):
    _, _, f = _staged_f()
    svg = viz.render(f, tmp_path / "f.svg")
    assert svg.read_text().lstrip().startswith(("<?xml", "<svg"))
    png = viz.render(f, tmp_path / "f.out", format="png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in viz.draw(f)._repr_svg_()


def test_render_without_graphviz_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    _, _, e = _shared_input_graph()
    with pytest.raises(viz.GraphvizNotFoundError, match="apt-get install graphviz") as err:
        viz.render(e, tmp_path / "e.svg")
    assert "to_dot" in str(err.value)
    assert not (tmp_path / "e.svg").exists()
    drawing = viz.draw(e)
    assert drawing._repr_svg_() is None  # notebooks fall back to text
    assert "digraph G" in repr(drawing)


# --- Tensor support ------------------------------------------------------------------------


def _tensor_cls():
    try:
        from autograd_core import Tensor  # type: ignore[attr-defined]
    except ImportError:
        pytest.skip("Tensor engine not available yet")
    return Tensor


def test_tensor_to_dot_shows_shape_for_large_values_for_small():
    Tensor = _tensor_cls()
    W = Tensor(np.arange(50.0).reshape(5, 10), requires_grad=True)
    W.name = "W"
    b = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b.name = "b"
    D = W @ Tensor(np.ones((10, 3)))
    out = D.sum() + (b * b).sum()
    dot = viz.to_dot(out)
    assert "W | data (5, 10) float64" in dot
    assert "data [1., 2.]" in dot or "data [1, 2]" in dot
    assert "label=\"@\"" in dot


def test_tensor_trace_matmul_vjp():
    """D = W X: the trace's contribution into W is dD X^T, into X it is W^T dD."""
    Tensor = _tensor_cls()
    rng = np.random.default_rng(0)
    W = Tensor(rng.standard_normal((5, 10)), requires_grad=True)
    W.name = "W"
    X = Tensor(rng.standard_normal((10, 3)), requires_grad=True)
    X.name = "X"
    dD = rng.standard_normal((5, 3))
    D = W @ X
    D.name = "D"
    t = viz.trace(D, seed=dD)
    row = t["D"]
    assert row.shape == (5, 3)
    assert [u.parent for u in row.updates] == ["W", "X"]
    assert row.updates[0].local is None
    np.testing.assert_allclose(row.updates[0].product, dD @ X.data.T, rtol=1e-12)
    np.testing.assert_allclose(row.updates[1].product, W.data.T @ dD, rtol=1e-12)
    assert W.grad is None or not np.any(W.grad)
    assert "(5, 10) float64" in str(t) and "VJP" in str(t)
