"""Structure ops of the Tensor engine (shape and movement, padding, einsum and contractions,
diagonals, gather and scatter, factories): values against numpy, gradients against float64
central differences on shapes drawn by hypothesis (size-0 and size-1 axes, negative axes),
second derivatives through create_graph, and the error messages.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from autograd_core import Tensor, enable_grad, grad
from autograd_core.testing import check_grad

from helpers import covers, covers_second_order

FINITE = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)
SMALL = st.floats(-1.0, 1.0)
# shapes with size-0 and size-1 axes
ANY_SHAPE = hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3)
NONEMPTY = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)


def arrays(shape, elements=FINITE):
    return hnp.arrays(np.float64, shape, elements=elements)


def leaf(a) -> Tensor:
    return Tensor(np.array(a, dtype=np.float64), requires_grad=True)


def same(out: Tensor, expected) -> None:
    """out has numpy's shape and values."""
    expected = np.asarray(expected)
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.data, expected)


# --- known defects: indexing accumulates repeats in every form; axis errors --------------------


def test_tuple_inside_an_index_accumulates_repeated_positions():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    x[:, (0, 0)].sum().backward()
    np.testing.assert_array_equal(x.grad, [[2.0, 0, 0], [2.0, 0, 0]])


@pytest.mark.parametrize(
    "index",
    [
        (slice(None), (0, 0)),
        (slice(None), [0, 0]),
        (slice(None), np.array([0, 0])),
        (slice(None), Tensor([0.0, 0.0])),
        (Ellipsis, [[0], [0]]),
        (None, slice(None), (0, 0)),
        (slice(None), np.array([2, -1])),
        (slice(None, None, -1), (0, 0)),
        ((1, 1), (0, 0)),
        ([1, 1], slice(None)),
    ],
    ids=["tuple", "list", "array", "Tensor", "nested_list", "newaxis", "negative", "neg_step",
         "two_tuples", "rows"],
)
def test_every_index_form_accumulates_repeats(index):
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    x[index].sum().backward()
    expected = np.zeros((2, 3))
    plain = tuple(i.data.astype(int) if isinstance(i, Tensor) else i for i in index)
    plain = tuple(np.asarray(i) if isinstance(i, (tuple, list)) else i for i in plain)
    np.add.at(expected, plain, np.ones(x.data[plain].shape))
    assert expected.sum() > 0
    np.testing.assert_array_equal(x.grad, expected)


@st.composite
def index_forms(draw):
    """A shape and an index into it mixing every form numpy reads: ints, slices with negative
    steps, lists, tuples, nested lists, int arrays and Tensors (which may repeat positions),
    None and Ellipsis."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    length = draw(st.integers(1, 4))
    nested = draw(st.booleans())
    parts = []
    for n in shape:
        kind = draw(st.sampled_from(["int", "slice", "list", "tuple", "array", "tensor"]))
        if kind == "int":
            parts.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            step = draw(st.sampled_from([-2, -1, 1, 2, None]))
            start = draw(st.none() | st.integers(-n, n))
            parts.append(slice(start, None, step))
        else:
            ints = draw(st.lists(st.integers(-n, n - 1), min_size=length, max_size=length))
            if nested and kind == "list":
                parts.append([ints, ints[::-1]])
            elif kind == "list":
                parts.append(ints)
            elif kind == "tuple":
                parts.append(tuple(ints))
            elif kind == "array":
                parts.append(np.array(ints))
            else:
                parts.append(Tensor(np.array(ints, dtype=float)))
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), None)
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(parts)))
        parts = parts[:cut] + [Ellipsis]
    return shape, tuple(parts)


@covers("getitem")
@given(case=index_forms(), data=st.data())
def test_index_forms_against_central_differences(case, data):
    shape, index = case
    x = leaf(data.draw(arrays(shape)))
    check_grad(lambda t: t[index] * 1.0, [x])


@given(data=st.data())
def test_boolean_mask_indexing(data):
    shape = data.draw(NONEMPTY)
    x = leaf(data.draw(arrays(shape)))
    mask = data.draw(hnp.arrays(bool, shape))
    same(x[mask], x.data[mask])
    if mask.any():
        check_grad(lambda t: t[mask], [x])
    x[mask].sum().backward()
    np.testing.assert_array_equal(x.grad, mask.astype(float))  # 1 at each selected entry
    rows = data.draw(hnp.arrays(bool, shape[:1]))
    same(x[rows, ...], x.data[rows, ...])


def test_where_with_one_argument_gives_index_arrays_without_gradient():
    x = Tensor(np.array([[1.0, -2.0], [-3.0, 4.0]]), requires_grad=True)
    idx = ag.where(x.data > 0)
    assert isinstance(idx, tuple) and all(i.dtype.kind == "i" for i in idx)
    for got, want in zip(idx, np.nonzero(x.data > 0)):
        np.testing.assert_array_equal(got, want)
    x[idx].sum().backward()  # the gradient reaches the selected entries, as x[mask]
    np.testing.assert_array_equal(x.grad, [[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(TypeError, match="both a and b, or neither"):
        ag.where(x.data > 0, x)


def test_float_tensor_index_must_hold_whole_numbers():
    x = Tensor(np.arange(3.0))
    with pytest.raises(IndexError, match="whole numbers"):
        x[Tensor([0.5])]
    with pytest.raises(IndexError, match="integers or booleans"):
        x[np.array([0.0])]


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda x: x.transpose(0, 5, 1), r"transpose: axis 5 is out of range for a 3-D"),
        (lambda x: x.transpose(0, -4, 1), r"transpose: axis -4 is out of range"),
        (lambda x: x.sum(axis=3), r"sum: axis 3 is out of range"),
        (lambda x: x.swapaxes(0, 3), r"swapaxes: axis 3 is out of range"),
        (lambda x: x.moveaxis(-4, 0), r"moveaxis: axis -4 is out of range"),
        (lambda x: x.squeeze(7), r"squeeze: axis 7 is out of range"),
        (lambda x: x.expand_dims(5), r"expand_dims: axis 5 is out of range"),
        (lambda x: x.flatten(0, 3), r"flatten: axis 3 is out of range"),
        (lambda x: x.flip(3), r"flip: axis 3 is out of range"),
        (lambda x: x.roll(1, 3), r"roll: axis 3 is out of range"),
        (lambda x: x.take([0], 3), r"take: axis 3 is out of range"),
        (lambda x: x.diagonal(0, 0, 3), r"diagonal: axis 3 is out of range"),
        (lambda x: ag.split(x, 1, axis=-4), r"split: axis -4 is out of range"),
    ],
)
def test_axis_errors_are_axis_errors_naming_the_op_and_the_axis(call, match):
    x = Tensor(np.zeros((2, 3, 4)))
    with pytest.raises(np.exceptions.AxisError, match=match) as info:
        call(x)
    assert isinstance(info.value, ValueError) and isinstance(info.value, IndexError)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda x: x.reshape(5, 5), ValueError, r"reshape: cannot reshape a Tensor of shape"),
        (lambda x: x.transpose(0, 0, 1), ValueError, r"repeated axis in \(0, 0, 1\)"),
        (lambda x: x.transpose(0, 1), ValueError,
         r"transpose: axes \(0, 1\) are not a permutation of the 3 axes"),
        (lambda x: x.squeeze(1), ValueError, r"squeeze: axis 1 of shape \(2, 3, 4\) has size 3"),
        (lambda x: x.flatten(2, 0), ValueError, r"flatten: start_dim 2 comes after end_dim 0"),
        (lambda x: x.broadcast_to((3, 3, 4)), ValueError,
         r"broadcast_to: a Tensor of shape \(2, 3, 4\) cannot be broadcast to \(3, 3, 4\)"),
        (lambda x: x.moveaxis((0, 1), 0), ValueError, r"moveaxis: source"),
        (lambda x: x.repeat(-1, 0), ValueError, r"repeat: repeats must be non-negative"),
        (lambda x: x.repeat([1, 2], 1), ValueError, r"repeat: 2 repeats for axis 1 of size 3"),
        (lambda x: x.tile(-1), ValueError, r"tile: reps must be non-negative"),
        (lambda x: x.roll((1, 2), 0), ValueError, r"roll: 2 shifts for 1 axes"),
        (lambda x: x.diagonal(0, 1, -2), ValueError, r"diagonal: axis1 and axis2 are the same"),
        (lambda x: x.take([5], 1), IndexError, r"take: index 5 is out of bounds"),
        (lambda x: x.take(np.array([True]), 1), IndexError, r"take: indices must be integers"),
        (lambda x: x.sum(axis=1.5), TypeError, r"sum: axis must be an int, a tuple of ints"),
        (lambda x: ag.rot90(x, axes=(1, 1)), ValueError, r"rot90: axes \(1, 1\) are the same"),
        (lambda x: ag.rot90(x, axes=(0,)), ValueError, r"rot90: axes must be two axes"),
        (lambda x: ag.split(x, 2, axis=1), ValueError,
         r"split: axis 1 of size 3 does not divide into 2 equal sections"),
        (lambda x: ag.split(x, 0), ValueError, r"split: the number of sections must be positive"),
        (lambda x: ag.fliplr(x[0, 0]), ValueError, r"fliplr: needs at least 2 axes"),
        (lambda x: ag.flipud(x[0, 0, 0]), ValueError, r"flipud: needs at least 1 axis"),
        (lambda x: ag.diag(x), ValueError, r"diag: needs a 1-D or 2-D tensor, got shape"),
        (lambda x: ag.tril(x[0, 0]), ValueError, r"tril: needs at least 2 axes"),
        (lambda x: ag.triu(x[0, 0]), ValueError, r"triu: needs at least 2 axes"),
        (lambda x: x[0, 0].diagonal(), ValueError, r"diagonal: needs at least 2 axes"),
    ],
)
def test_shape_errors_name_the_op_and_the_bad_value(call, error, match):
    with pytest.raises(error, match=match):
        call(Tensor(np.zeros((2, 3, 4))))


# --- shape and movement ----------------------------------------------------------------------


@st.composite
def tensor_and_axis(draw, shapes=ANY_SHAPE, extra=0):
    shape = draw(shapes)
    nd = len(shape) + extra
    return leaf(draw(arrays(shape))), draw(st.integers(-nd, nd - 1))


@given(case=tensor_and_axis(), data=st.data())
def test_squeeze_expand_dims_flatten_ravel(case, data):
    x, axis = case
    a = x.data
    ones = [i - a.ndim * data.draw(st.booleans()) for i, s in enumerate(a.shape) if s == 1]
    squeeze_axis = data.draw(st.none() | st.just(tuple(ones)))
    same(x.squeeze(squeeze_axis), np.squeeze(a, squeeze_axis))
    same(ag.squeeze(x, squeeze_axis), np.squeeze(a, squeeze_axis))
    new = data.draw(st.integers(-a.ndim - 1, a.ndim))
    same(x.expand_dims(new), np.expand_dims(a, new))
    same(ag.unsqueeze(x, new), np.expand_dims(a, new))
    same(x.flatten(), a.flatten())
    start = data.draw(st.integers(-a.ndim, a.ndim - 1))
    end = data.draw(st.integers(start % a.ndim, a.ndim - 1))
    merged = int(np.prod(a.shape[start % a.ndim : end + 1]))
    same(ag.flatten(x, start, end), a.reshape(a.shape[: start % a.ndim] + (merged,)
                                              + a.shape[end + 1 :]))
    same(ag.ravel(x), np.ravel(a))
    same(x.view(-1), a.reshape(-1))
    for fn in [lambda t: t.squeeze(squeeze_axis), lambda t: t.expand_dims(new),
               lambda t: t.flatten(start, end), lambda t: t.ravel()]:
        check_grad(fn, [x])


@covers("broadcast_to")
@given(x=arrays(ANY_SHAPE), data=st.data())
def test_broadcast_to_and_expand(x, data):
    lead = data.draw(st.lists(st.integers(0, 3), max_size=2))
    target = tuple(lead) + tuple(data.draw(st.integers(1, 3)) if s == 1 else s for s in x.shape)
    same(ag.broadcast_to(leaf(x), target), np.broadcast_to(x, target))
    check_grad(lambda t: t.broadcast_to(target), [leaf(x)])
    sizes = tuple(lead) + tuple(-1 if s != 1 else t for s, t in zip(x.shape, target[len(lead):]))
    same(leaf(x).expand(*sizes), np.broadcast_to(x, target))


@given(case=tensor_and_axis(), data=st.data())
def test_swapaxes_moveaxis_permute(case, data):
    x, axis = case
    a = x.data
    other = data.draw(st.integers(-a.ndim, a.ndim - 1))
    same(ag.swapaxes(x, axis, other), np.swapaxes(a, axis, other))
    same(ag.moveaxis(x, axis, other), np.moveaxis(a, axis, other))
    src = data.draw(st.lists(st.integers(0, a.ndim - 1), unique=True, max_size=a.ndim))
    dst = data.draw(st.permutations(range(a.ndim)))[: len(src)]
    same(x.moveaxis(src, dst), np.moveaxis(a, src, dst))
    perm = data.draw(st.permutations(range(a.ndim)))
    same(x.permute(*perm), a.transpose(perm))
    same(ag.permute(x, perm), a.transpose(perm))
    same(ag.transpose(x, perm), np.transpose(a, perm))
    same(ag.reshape(x, (-1,)), a.reshape(-1))
    check_grad(lambda t: t.swapaxes(axis, other), [x])
    check_grad(lambda t: t.moveaxis(src, dst), [x])


@covers("repeat")
@given(case=tensor_and_axis(), n=st.integers(0, 3), data=st.data())
def test_repeat(case, n, data):
    x, axis = case
    a = x.data
    same(x.repeat(n, axis), np.repeat(a, n, axis))
    same(ag.repeat(x, n), np.repeat(a, n))
    per = data.draw(hnp.arrays(np.int64, a.shape[axis], elements=st.integers(0, 3)))
    same(ag.repeat(x, per, axis), np.repeat(a, per, axis))
    check_grad(lambda t: t.repeat(n, axis), [x])
    check_grad(lambda t: t.repeat(per, axis), [x])
    check_grad(lambda t: t.repeat(n), [x])


@given(x=arrays(ANY_SHAPE), reps=st.lists(st.integers(0, 3), min_size=0, max_size=4))
def test_tile(x, reps):
    same(ag.tile(leaf(x), reps), np.tile(x, reps))
    same(leaf(x).tile(2), np.tile(x, 2))
    check_grad(lambda t: t.tile(reps), [leaf(x)])


@covers("roll")
@given(case=tensor_and_axis(), data=st.data())
def test_flip_roll_rot90(case, data):
    x, axis = case
    a = x.data
    axes = data.draw(st.none() | st.just(axis))
    same(ag.flip(x, axes), np.flip(a, axes))
    shift = data.draw(st.integers(-5, 5))
    same(ag.roll(x, shift, axes), np.roll(a, shift, axes))
    shifts = data.draw(st.lists(st.integers(-4, 4), min_size=a.ndim, max_size=a.ndim))
    same(x.roll(shifts, tuple(range(-a.ndim, 0))), np.roll(a, shifts, tuple(range(a.ndim))))
    check_grad(lambda t: t.flip(axes), [x])
    check_grad(lambda t: t.roll(shift, axes), [x])
    check_grad(lambda t: t.roll(shifts, tuple(range(a.ndim))), [x])
    if a.ndim >= 2:
        k = data.draw(st.integers(-5, 5))
        plane = tuple(data.draw(st.permutations(range(-a.ndim, 0)))[:2])
        same(ag.rot90(x, k, plane), np.rot90(a, k, plane))
        check_grad(lambda t: ag.rot90(t, k, plane), [x])
        same(ag.fliplr(x), np.fliplr(a))
    same(ag.flipud(x), np.flipud(a))


@given(case=tensor_and_axis(), data=st.data())
def test_split_pieces_each_carry_gradient(case, data):
    x, axis = case
    a = x.data
    n = a.shape[axis]
    sections = data.draw(st.integers(1, 4))
    cuts = sorted(data.draw(st.lists(st.integers(-1, n + 1), max_size=3)))
    for got, want in zip(ag.array_split(x, sections, axis), np.array_split(a, sections, axis)):
        same(got, want)
    for got, want in zip(ag.split(x, cuts, axis), np.split(a, cuts, axis)):
        same(got, want)
    if n % sections == 0:
        assert len(ag.split(x, sections, axis)) == sections
    w = np.arange(1.0, sections + 1)

    def weighted(t):
        pieces = ag.array_split(t, sections, axis)
        return sum((p * p).sum() * wi for p, wi in zip(pieces, w))

    check_grad(weighted, [x])


@given(data=st.data())
def test_hstack_vstack_cat(data):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
    parts = [data.draw(arrays(shape)) for _ in range(data.draw(st.integers(1, 3)))]
    same(ag.hstack([leaf(p) for p in parts]), np.hstack(parts))
    same(ag.vstack([leaf(p) for p in parts]), np.vstack(parts))
    same(ag.cat([leaf(p) for p in parts if p.ndim], axis=0) if shape else leaf(parts[0]),
         np.concatenate(parts, 0) if shape else parts[0])
    check_grad(lambda *ts: ag.hstack(ts), [leaf(p) for p in parts])
    check_grad(lambda *ts: ag.vstack(ts), [leaf(p) for p in parts])


# --- padding -------------------------------------------------------------------------------


@covers("pad")
@pytest.mark.parametrize("mode", ["constant", "reflect", "edge"])
@given(x=arrays(ANY_SHAPE), data=st.data())
def test_pad(mode, x, data):
    widths = data.draw(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)),
                                min_size=x.ndim, max_size=x.ndim))
    widths = [(0, 0) if mode != "constant" and n == 0 else w for n, w in zip(x.shape, widths)]
    kwargs = {"constant_values": 1.5} if mode == "constant" else {}
    same(ag.pad(leaf(x), widths, mode=mode, **kwargs), np.pad(x, widths, mode=mode, **kwargs))
    check_grad(lambda t: ag.pad(t, widths, mode=mode), [leaf(x)])
    if x.size:
        same(ag.pad(leaf(x), 2, mode=mode), np.pad(x, 2, mode=mode))
        check_grad(lambda t: ag.pad(t, (1, 2), mode=mode), [leaf(x)])


def test_pad_reflect_and_edge_accumulate_the_copied_entries():
    x = Tensor(np.arange(3.0), requires_grad=True)
    ag.pad(x, (2, 1), mode="reflect").sum().backward()  # [2 1 | 0 1 2 | 1]
    np.testing.assert_array_equal(x.grad, [1.0, 3.0, 2.0])
    x.grad = None
    ag.pad(x, (2, 1), mode="edge").sum().backward()  # [0 0 | 0 1 2 | 2]
    np.testing.assert_array_equal(x.grad, [3.0, 1.0, 2.0])


@covers("unpad")
@pytest.mark.parametrize("mode", ["reflect", "edge"])
@given(data=st.data())
def test_unpad_the_vjp_of_pad_under_create_graph(mode, data):
    x = leaf(data.draw(arrays((3, 2))))
    g = leaf(data.draw(arrays((6, 3))))

    def through_pad(up):
        with enable_grad():
            return grad((ag.pad(x, ((2, 1), (0, 1)), mode=mode) * up).sum(), x,
                        create_graph=True)

    assert "unpad" in {n.op for n in ag.toposort(through_pad(g))}
    check_grad(through_pad, [g])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda x: ag.pad(x, -1), r"pad: pad_width must be non-negative integers"),
        (lambda x: ag.pad(x, 1.5), r"pad: pad_width must be non-negative integers"),
        (lambda x: ag.pad(x, ((1, 2, 3),)), r"pad: pad_width \(\(1, 2, 3\),\) does not fit"),
        (lambda x: ag.pad(x, 1, mode="wrap"), r"pad: mode 'wrap' is not supported"),
        (lambda x: ag.pad(x[:, :0], 1, mode="reflect"),
         r"pad: mode 'reflect' cannot pad the empty axis 1"),
    ],
)
def test_pad_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call(Tensor(np.zeros((2, 3))))


# --- contractions ----------------------------------------------------------------------------

EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ba,ac", [(2, 3), (3, 4)]),
    ("Ab,bc", [(2, 3), (3, 4)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->j", [(2, 2, 3)]),
    ("iii->i", [(2, 2, 2)]),
    ("iji->ij", [(2, 3, 2)]),
    ("ii,i->i", [(3, 3), (3,)]),
    ("i,i->", [(3,), (3,)]),
    ("i,j->ij", [(3,), (2,)]),
    ("i,j", [(3,), (2,)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("ij,kj->ik", [(2, 1), (4, 3)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (1, 3, 2)]),
    ("...j,jk", [(2, 3, 4), (4, 2)]),
    ("i...->...", [(2, 3, 1)]),
    ("...,...", [(2, 3), (3,)]),
    ("ijk,ikl,l->jl", [(2, 3, 2), (2, 2, 3), (3,)]),
    ("i->", [(0,)]),
    ("ij,jk->ik", [(2, 0), (0, 3)]),
    ("ij->i", [(0, 2)]),
    (",i->i", [(), (3,)]),
]


@covers("einsum")
@pytest.mark.parametrize("subscripts, shapes", EINSUM_CASES, ids=[c[0] for c in EINSUM_CASES])
@given(data=st.data())
def test_einsum(subscripts, shapes, data):
    ops = [data.draw(arrays(s)) for s in shapes]
    want = np.einsum(subscripts, *ops)
    got = ag.einsum(subscripts, *[leaf(o) for o in ops])
    assert got.shape == want.shape
    np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=1e-12)
    check_grad(lambda *ts: ag.einsum(subscripts, *ts), [leaf(o) for o in ops])
    if len(ops) > 1:  # a constant operand: only the others get gradients
        check_grad(lambda t: ag.einsum(subscripts, t, *ops[1:]), [leaf(ops[0])])


@given(data=st.data())
def test_tensordot_inner_outer_kron(data):
    a = data.draw(arrays(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)))
    b_shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    n = data.draw(st.integers(0, min(a.ndim, 2)))
    b = data.draw(arrays(a.shape[a.ndim - n :] + b_shape))
    same_close = np.testing.assert_allclose
    same_close(ag.tensordot(leaf(a), leaf(b), n).data, np.tensordot(a, b, n), atol=1e-12)
    check_grad(lambda s, t: ag.tensordot(s, t, n), [leaf(a), leaf(b)])
    if a.ndim and b.ndim:
        pa = tuple(range(a.ndim - n, a.ndim))[::-1]
        pb = tuple(range(n))[::-1]
        same_close(ag.tensordot(leaf(a), leaf(b), (pa, pb)).data, np.tensordot(a, b, (pa, pb)),
                   atol=1e-12)
    c = data.draw(arrays(b_shape[:-1] + a.shape[-1:] if a.ndim and b_shape else b_shape))
    if a.ndim == 0 or c.ndim == 0 or c.shape[-1] == a.shape[-1]:
        same_close(ag.inner(leaf(a), leaf(c)).data, np.inner(a, c), atol=1e-12)
        check_grad(lambda s, t: ag.inner(s, t), [leaf(a), leaf(c)])
    same_close(ag.outer(leaf(a), leaf(c)).data, np.outer(a, c), atol=1e-12)
    check_grad(lambda s, t: ag.outer(s, t), [leaf(a), leaf(c)])
    same_close(ag.kron(leaf(a), leaf(c)).data, np.kron(a, c), atol=1e-12)
    check_grad(lambda s, t: ag.kron(s, t), [leaf(a), leaf(c)])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda a, b: ag.einsum("ij,jk->ik", a), r"einsum: 'ij,jk->ik' names 2 operands, got 1"),
        (lambda a, b: ag.einsum("ijk,jk->ik", a, b), r"subscripts 'ijk' do not fit an operand"),
        (lambda a, b: ag.einsum("ij,jk->ik", a, a), r"einsum: 'ij,jk->ik' with shapes \(2, 3\),"),
        (lambda a, b: ag.einsum("ij,jk->iq", a, b), r"einsum: "),
        (lambda a, b: ag.einsum("i1", a), r"subscripts 'i1' do not fit"),
        (lambda a, b: ag.tensordot(a, a, 1), r"tensordot: shapes \(2, 3\) and \(2, 3\) differ"),
        (lambda a, b: ag.tensordot(a, b, 3), r"tensordot: axes=3 for shapes"),
    ],
)
def test_contraction_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call(Tensor(np.zeros((2, 3))), Tensor(np.zeros((3, 4))))


# --- diagonals and triangles -------------------------------------------------------------------


@given(data=st.data())
def test_diag_diagonal_trace(data):
    v = data.draw(arrays(hnp.array_shapes(min_dims=1, max_dims=1, min_side=0, max_side=4)))
    k = data.draw(st.integers(-3, 3))
    same(ag.diag(leaf(v), k), np.diag(v, k))
    check_grad(lambda t: ag.diag(t, k), [leaf(v)])
    m = data.draw(arrays(hnp.array_shapes(min_dims=2, max_dims=4, min_side=0, max_side=3)))
    square = data.draw(arrays(hnp.array_shapes(min_dims=2, max_dims=2, min_side=0, max_side=3)))
    same(ag.diag(leaf(square), k), np.diag(square, k))
    check_grad(lambda t: ag.diag(t, k), [leaf(square)])
    axes = data.draw(st.permutations(range(-m.ndim, 0)))[:2]
    same(ag.diagonal(leaf(m), k, *axes), np.diagonal(m, k, *axes))
    np.testing.assert_allclose(ag.trace(leaf(m), k, *axes).data, np.trace(m, k, *axes),
                               atol=1e-12)
    check_grad(lambda t: t.diagonal(k, *axes), [leaf(m)])
    check_grad(lambda t: t.trace(k, *axes), [leaf(m)])
    same(ag.tril(leaf(m), k), np.tril(m, k))
    same(ag.triu(leaf(m), k), np.triu(m, k))
    check_grad(lambda t: ag.tril(t, k), [leaf(m)])
    check_grad(lambda t: ag.triu(t, k), [leaf(m)])


def test_tril_keeps_infinite_entries_out_of_the_zeroed_triangle():
    m = Tensor(np.array([[1.0, np.inf], [2.0, 3.0]]), requires_grad=True)
    same(ag.tril(m), [[1.0, 0.0], [2.0, 3.0]])
    ag.tril(m).sum().backward()
    np.testing.assert_array_equal(m.grad, [[1.0, 0.0], [1.0, 1.0]])


# --- gather and scatter ------------------------------------------------------------------------


@given(case=tensor_and_axis(NONEMPTY), data=st.data())
def test_take(case, data):
    x, axis = case
    a = x.data
    n = a.shape[axis]
    idx = data.draw(hnp.arrays(np.int64, data.draw(hnp.array_shapes(min_dims=0, max_dims=2,
                                                                    min_side=0, max_side=4)),
                               elements=st.integers(-n, n - 1)))
    same(ag.take(x, idx, axis), np.take(a, idx, axis))
    flat = data.draw(st.lists(st.integers(-a.size, a.size - 1), max_size=5))
    same(x.take(flat), np.take(a, flat))
    check_grad(lambda t: t.take(idx, axis), [x])
    check_grad(lambda t: t.take(Tensor(idx.astype(float)), axis), [x])
    check_grad(lambda t: t.take(flat), [x])


@given(case=tensor_and_axis(NONEMPTY), data=st.data())
def test_take_along_axis_and_the_scatters(case, data):
    x, axis = case
    a = x.data
    n = a.shape[axis]
    shape = list(a.shape)
    shape[axis] = data.draw(st.integers(0, 4))
    idx = data.draw(hnp.arrays(np.int64, tuple(shape), elements=st.integers(-n, n - 1)))
    same(ag.take_along_axis(x, idx, axis), np.take_along_axis(a, idx, axis))
    check_grad(lambda t: ag.take_along_axis(t, idx, axis), [x])
    flat = np.ravel(idx)
    same(ag.take_along_axis(x, flat, None), np.take_along_axis(a, flat, None))
    values = leaf(data.draw(arrays(idx.shape)))
    want = a.copy()
    np.add.at(want, tuple(np.indices(idx.shape, sparse=True)[:axis % a.ndim]) + (idx,)
              + tuple(np.indices(idx.shape, sparse=True)[axis % a.ndim + 1 :]), values.data)
    np.testing.assert_allclose(ag.add_along_axis(x, idx, values, axis).data, want, atol=1e-12)
    check_grad(lambda t, v: ag.add_along_axis(t, idx, v, axis), [x, values])
    index = data.draw(st.lists(st.integers(-n, n - 1), max_size=5))
    src_shape = list(a.shape)
    src_shape[axis] = len(index)
    source = leaf(data.draw(arrays(tuple(src_shape))))
    want = a.copy()
    np.add.at(want, (slice(None),) * (axis % a.ndim) + (np.array(index, dtype=int),), source.data)
    np.testing.assert_allclose(ag.index_add(x, axis, index, source).data, want, atol=1e-12)
    check_grad(lambda t, s: ag.index_add(t, axis, index, s), [x, source])


def test_scatters_accumulate_repeats_and_return_new_tensors():
    x = Tensor(np.zeros(3), requires_grad=True)
    v = Tensor(np.array([1.0, 2.0, 4.0]), requires_grad=True)
    out = ag.index_add(x, 0, [2, 2, 0], v)
    same(out, [4.0, 0.0, 3.0])
    assert out is not x and np.all(x.data == 0)
    (out * np.array([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(v.grad, [100.0, 100.0, 1.0])
    np.testing.assert_array_equal(x.grad, [1.0, 10.0, 100.0])
    m = Tensor(np.zeros((2, 2)))
    same(ag.add_along_axis(m, np.array([[1, 1], [0, 0]]), 1.0, 1), [[0.0, 2.0], [2.0, 0.0]])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda x: ag.take_along_axis(x, np.array([0]), 1), r"take_along_axis: indices must be"),
        (lambda x: ag.take_along_axis(x, np.array([[5]]), 1), r"take_along_axis: index 5"),
        (lambda x: ag.add_along_axis(x, np.array([[5]]), 1.0, 1), r"add_along_axis: index 5"),
        (lambda x: ag.index_add(x, 0, [[0]], np.ones((1, 3))), r"index_add: index must be a 1-D"),
        (lambda x: ag.index_add(x, 0, [7], np.ones((1, 3))), r"index_add: index 7 is out"),
    ],
)
def test_gather_scatter_errors(call, match):
    with pytest.raises(IndexError, match=match):
        call(Tensor(np.zeros((2, 3))))


# --- factories --------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [None, np.float32])
def test_factories(dtype):
    dt = np.dtype(dtype or np.float64)
    rng = np.random.default_rng(0)
    made = {
        "zeros": (ag.zeros((2, 3), dtype=dtype), np.zeros((2, 3))),
        "ones": (ag.ones(4, dtype=dtype), np.ones(4)),
        "full": (ag.full((2,), 1.5, dtype=dtype), np.full(2, 1.5)),
        "zeros_like": (ag.zeros_like(Tensor(np.ones((2, 1))), dtype=dtype), np.zeros((2, 1))),
        "ones_like": (ag.ones_like(np.ones(3, dtype=int), dtype=dtype), np.ones(3)),
        "arange": (ag.arange(1, 7, 2, dtype=dtype), np.arange(1.0, 7, 2)),
        "arange_n": (ag.arange(3, dtype=dtype), np.arange(3.0)),
        "linspace": (ag.linspace(0, 1, 5, dtype=dtype), np.linspace(0, 1, 5)),
        "linspace_open": (ag.linspace(0, 1, 4, endpoint=False, dtype=dtype), [0, 0.25, 0.5, 0.75]),
        "eye": (ag.eye(2, 3, 1, dtype=dtype), np.eye(2, 3, 1)),
        "identity": (ag.identity(3, dtype=dtype), np.identity(3)),
        "rand": (ag.rand((2, 2), rng, dtype=dtype),
                 np.random.default_rng(0).random((2, 2), dtype=dt)),
        "randn": (ag.randn(3, rng, dtype=dtype),
                  np.random.default_rng(0).standard_normal(3, dtype=dt)),  # rng moved on
    }
    for name, (got, want) in made.items():
        assert isinstance(got, Tensor) and got.dtype == dt, name
        assert not got.requires_grad, name
        if name != "randn":
            np.testing.assert_allclose(got.data, np.asarray(want, dtype=dt), err_msg=name)
    assert np.all(made["randn"][0].data != made["randn"][1])  # drawn after rand, from one rng
    assert ag.zeros(2, requires_grad=True).requires_grad
    assert ag.zeros_like(Tensor(np.ones(2, dtype=np.float32))).dtype == np.float32
    assert ag.randn(3, rng, dtype=np.float16).dtype == np.float16
    r1 = ag.randn(3, np.random.default_rng(5))
    r2 = ag.randn(3, np.random.default_rng(5))
    np.testing.assert_array_equal(r1.data, r2.data)


def test_factory_errors():
    with pytest.raises(TypeError, match="rand: rng must be a numpy.random.Generator"):
        ag.rand(3, 0)
    with pytest.raises(TypeError, match="randn: rng must be a numpy.random.Generator"):
        ag.randn(3, np.random.RandomState(0))
    with pytest.raises(TypeError, match="zeros: dtype int64 is not supported"):
        ag.zeros(3, dtype=np.int64)


# --- second order: every new rule differentiated again ---------------------------------------

SECOND_ORDER = {
    "repeat": lambda a, b: (a * b).repeat(2, axis=1) * a.repeat(2, axis=1),
    "repeat_per_entry": lambda a, b: (a * b).repeat([2, 0, 1], axis=0) * a.repeat([2, 0, 1], 0),
    "roll": lambda a, b: (a * b).roll((1, -1), (0, 1)) * a,
    "pad_constant": lambda a, b: ag.pad(a * b, ((1, 0), (2, 1))) * ag.pad(a, ((1, 0), (2, 1))),
    "pad_reflect": lambda a, b: ag.pad(a * b, 2, mode="reflect") * ag.pad(a, 2, mode="reflect"),
    "pad_edge": lambda a, b: ag.pad(a * b, (1, 3), mode="edge") * ag.pad(a, (1, 3), mode="edge"),
    # the third derivative runs unpad's rule (pad) under create_graph
    "unpad": lambda a, b: grad((ag.pad(a * a, 1, mode="reflect") * ag.pad(b, 1, "reflect")).sum(),
                               a, create_graph=True) * a,
    "einsum": lambda a, b: ag.einsum("ij,jk->ik", a * a, b) * ag.einsum("ii,jk->ij", a, b),
    "einsum_diagonal": lambda a, b: ag.einsum("ii,ij->j", a * b, a) * ag.einsum("ij->", b),
    "einsum_ellipsis": lambda a, b: ag.einsum("...j,...j->...", a, b * a),
    "tensordot_kron": lambda a, b: ag.tensordot(a, b * b, 1).sum() * ag.kron(a, b),
    "take_diag_tril": lambda a, b: ag.take(a * b, [0, 0, 2], 1) * ag.diag(ag.diag(ag.tril(a))),
    "scatter": lambda a, b: ag.index_add(a * a, 1, [0, 0, 2], b) * ag.take_along_axis(
        a, np.array([[0, 0], [1, 2], [2, 2]]), 1).sum(),
    "movement": lambda a, b: ag.rot90(a * b).flip(0).tile((1, 2)) * ag.broadcast_to(
        a[:1], (3, 3)).tile((1, 2)),
}
SECOND_ORDER_OPS = {
    "repeat_per_entry": {"getitem"}, "pad_constant": {"pad"}, "pad_reflect": {"pad", "unpad"},
    "pad_edge": {"pad", "unpad"}, "einsum_diagonal": {"einsum"}, "einsum_ellipsis": {"einsum"},
    "tensordot_kron": {"einsum"}, "take_diag_tril": {"getitem", "scatter_add", "where"},
    "scatter": {"scatter_add", "getitem"}, "movement": {"getitem", "transpose", "broadcast_to"},
}


@covers_second_order(*set().union(*(SECOND_ORDER_OPS.get(n, {n}) for n in SECOND_ORDER)))
@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.slow) if n == "unpad" else n for n in SECOND_ORDER],
)
@given(data=st.data())
def test_second_order(name, data):
    fn = SECOND_ORDER[name]
    a = leaf(data.draw(arrays((3, 3), SMALL)))
    b = leaf(data.draw(arrays((3, 3), SMALL)))
    check_grad(fn, [a, b], order=2, rtol=1e-4, atol=1e-6)


@pytest.mark.slow
def test_bench_structure_quick_runs_and_prints_every_ratio():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_structure.py"
    out = subprocess.run([sys.executable, str(script), "--quick"], check=True,
                         capture_output=True, text=True, timeout=300).stdout
    for case in ["indexing W[idx]", "take(W, idx", "einsum nchw", "pad constant", "pad reflect"]:
        assert case in out
    assert sum(line.startswith("   ") and " ratio " in line for line in out.splitlines()) == 5


def test_axis_arguments_take_any_integer_form():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    for axis in [1, -1, np.int64(1), np.array(1), (1,), [-1], range(1, 2), np.array([1])]:
        same(x.sum(axis=axis), np.arange(6.0).reshape(2, 3).sum(axis=1))
    for bad in [1.0, True, "1", (0, 0.5)]:
        with pytest.raises(TypeError, match="sum: axis must be an int, a tuple of ints or None"):
            x.sum(axis=bad)
