"""nn modules: registration, state dicts, inits, shapes, dtypes and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd_core import Scalar, Tensor
from autograd_core.testing import check_grad
from nn import functional as F
from nn.scalar import MLP as ScalarMLP

RNG = np.random.default_rng(0)
X = RNG.normal(size=(7, 4))
LABELS = np.array([0, 2, 1, 2, 0, 1, 1])


def test_parameters_registered_by_attribute():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.first = nn.Linear(4, 3, seed=0)
            self.scale = nn.Parameter(np.ones(3))
            self.not_a_parameter = np.ones(3)
            self.act = nn.ReLU()

        def forward(self, x):
            return self.act(self.first(x)) * self.scale

    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["scale", "first.weight", "first.bias"]
    assert len(net.parameters()) == 3
    # replacing a parameter by a plain value would silently stop training it: refused
    with pytest.raises(TypeError, match=r"Net.scale is a parameter: assign an nn.Parameter or "
                       r"None, not ndarray \(to change its values: .scale.data = ...\)"):
        net.scale = np.zeros(3)
    with pytest.raises(TypeError, match="Net.first is a submodule: assign an nn.Module or None"):
        net.first = 3
    assert len(net.parameters()) == 3
    net.scale = nn.Parameter(np.zeros(3))  # another Parameter takes its place
    assert [n for n, _ in net.named_parameters()] == ["scale", "first.weight", "first.bias"]
    net.scale = None  # None (or del) unregisters it
    assert [n for n, _ in net.named_parameters()] == ["first.weight", "first.bias"]


def test_shared_parameter_listed_once():
    a = nn.Linear(3, 3, seed=0)
    model = nn.Sequential(a, nn.Tanh(), a)
    assert len(model.parameters()) == 2
    assert model(X[:, :3]).shape == (7, 3)


def test_module_needs_super_init():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.ones(2))

    with pytest.raises(AttributeError, match="super"):
        Bad()


def test_zero_grad_train_eval():
    model = nn.MLP(4, [5], 3, seed=0)
    F.cross_entropy(model(X), LABELS).backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    assert model.training and model[0].training
    model.eval()
    assert not model.training and not model[0].training
    model.train()
    assert model[2].training


def test_state_dict_round_trip_and_errors():
    a, b = nn.MLP(4, [5], 3, seed=0), nn.MLP(4, [5], 3, seed=1)
    state = a.state_dict()
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    state["0.bias"][:] = 99  # a copy: the model is untouched
    assert not np.any(a[0].bias.data == 99)
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(b(X).data, a(X).data)
    with pytest.raises(KeyError, match=r"missing keys \['2.bias'\]"):
        b.load_state_dict({k: v for k, v in a.state_dict().items() if k != "2.bias"})
    with pytest.raises(KeyError, match=r"unexpected keys \['extra'\]"):
        b.load_state_dict({**a.state_dict(), "extra": np.ones(1)})
    bad = {**a.state_dict(), "0.weight": np.ones((5, 4))}
    before = b.state_dict()
    with pytest.raises(ValueError, match=r"0.weight has shape \(4, 5\) .* \(5, 4\)"):
        b.load_state_dict(bad)
    for k, v in b.state_dict().items():  # nothing was half-loaded
        np.testing.assert_array_equal(v, before[k])


def test_load_state_dict_casts_to_model_dtype():
    a = nn.Linear(3, 2, seed=0)
    b = nn.Linear(3, 2, dtype=np.float32, seed=1)
    b.load_state_dict(a.state_dict())
    assert b.weight.dtype == np.float32
    np.testing.assert_allclose(b.weight.data, a.weight.data, rtol=1e-6)


def test_inits_and_seeding():
    big = nn.Linear(2000, 300, seed=0, init="he")
    assert big.weight.data.std() == pytest.approx(np.sqrt(2 / 2000), rel=0.02)
    assert np.all(big.bias.data == 0)
    xav = nn.Linear(200, 100, seed=0, init="xavier")
    limit = np.sqrt(6 / 300)
    assert np.abs(xav.weight.data).max() <= limit
    assert xav.weight.data.std() == pytest.approx(limit / np.sqrt(3), rel=0.03)
    lecun = nn.Linear(1000, 300, seed=0)
    assert lecun.weight.data.std() == pytest.approx(np.sqrt(1 / 1000), rel=0.02)
    np.testing.assert_array_equal(
        nn.MLP(4, [8], 2, seed=3)[0].weight.data, nn.MLP(4, [8], 2, seed=3)[0].weight.data
    )
    nn.manual_seed(5)
    first = nn.Linear(4, 4).weight.data
    nn.manual_seed(5)
    np.testing.assert_array_equal(nn.Linear(4, 4).weight.data, first)
    f32 = nn.MLP(4, [8], 2, dtype=np.float32, seed=3)
    np.testing.assert_allclose(
        f32[0].weight.data, nn.MLP(4, [8], 2, seed=3)[0].weight.data, rtol=1e-6
    )
    with pytest.raises(ValueError, match="unknown init"):
        nn.Linear(2, 2, init="orthogonal")
    with pytest.raises(ValueError, match="unknown activation"):
        nn.MLP(2, [2], 2, activation="gelu")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shapes_and_dtypes(dtype):
    x = X.astype(dtype)
    lin = nn.Linear(4, 3, dtype=dtype, seed=0)
    assert lin(x).shape == (7, 3) and lin(x).dtype == dtype
    assert nn.Linear(4, 3, bias=False, dtype=dtype)(x).shape == (7, 3)
    assert nn.Linear(4, 3, bias=False).parameters()[0].shape == (4, 3)
    mlp = nn.MLP(4, [6, 5], 3, activation="tanh", dtype=dtype, seed=0)
    assert len(mlp) == 5
    out = mlp(X)  # float64 input is cast to the model's dtype
    assert out.shape == (7, 3) and out.dtype == dtype
    loss = F.cross_entropy(out, LABELS)
    assert loss.dtype == dtype
    loss.backward()
    for p in mlp.parameters():
        assert p.grad.dtype == dtype and p.grad.shape == p.shape
    binary = nn.LogisticRegression(4, dtype=dtype)
    assert binary(x).shape == (7,)
    assert nn.LogisticRegression(4, num_classes=3, dtype=dtype)(x).shape == (7, 3)
    for act in (nn.ReLU(), nn.Sigmoid(), nn.Tanh()):
        t = Tensor(x)
        assert act(t).shape == t.shape and act(t).dtype == dtype


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_mlp_gradients_match_central_differences(activation):
    model = nn.MLP(4, [5, 4], 3, activation=activation, seed=1)
    x = Tensor(X, requires_grad=True)
    check_grad(lambda x, *ps: F.cross_entropy(model(x), LABELS), [x, *model.parameters()])
    check_grad(lambda x, *ps: model(x), [x, *model.parameters()])


def test_linear_and_activation_gradients():
    lin = nn.Linear(4, 3, seed=2)
    x = Tensor(X, requires_grad=True)
    check_grad(lambda x, w, b: lin(x), [x, lin.weight, lin.bias])
    for act in (nn.ReLU(), nn.Sigmoid(), nn.Tanh()):
        check_grad(lambda x, act=act: act(x), [x])


def test_logistic_regression_gradients_and_probabilities():
    y = (LABELS > 0).astype(np.float64)
    binary = nn.LogisticRegression(4)
    assert np.all(binary.predict_proba(X) == 0.5)  # zero init
    binary.linear.weight.data[:] = RNG.normal(size=(4, 1))
    check_grad(lambda w, b: F.binary_cross_entropy_with_logits(binary(X), y), binary.parameters())
    p = binary.predict_proba(X)
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-(X @ binary.linear.weight.data[:, 0]))))
    multi = nn.LogisticRegression(4, num_classes=3)
    multi.linear.weight.data[:] = RNG.normal(size=(4, 3))
    check_grad(lambda w, b: F.cross_entropy(multi(X), LABELS), multi.parameters())
    np.testing.assert_allclose(multi.predict_proba(X).sum(axis=1), 1.0)


def test_scalar_mlp_and_tensor_mlp_agree():
    """The same 3-4-4-2 network on both engines: same logits, loss and gradients."""
    scalar_net = ScalarMLP(3, [4, 4, 2], activation="tanh", seed=0)
    tensor_net = nn.MLP(3, [4, 4], 2, activation="tanh", seed=0)
    weights = scalar_net.weights()
    linears = [m for m in tensor_net if isinstance(m, nn.Linear)]
    for lin, (W, b) in zip(linears, weights, strict=True):
        lin.weight.data[:] = np.array(W).T  # neurons are rows there, columns here
        lin.bias.data[:] = b
    xs = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7], [-2.0, 1.0, 0.1]])
    ys = np.array([1.0, -1.0, 1.0])

    # mean squared error of the first output against ys
    scalar_loss = sum(
        ((scalar_net(list(x))[0] - t) ** 2 for x, t in zip(xs, ys, strict=True)),
        Scalar(0.0, requires_grad=False),
    ) / len(xs)
    scalar_loss.backward()
    tensor_out = tensor_net(xs)
    tensor_loss = F.mse_loss(tensor_out[:, 0], ys)
    tensor_loss.backward()
    assert tensor_loss.item() == pytest.approx(scalar_loss.data, abs=1e-12)
    for lin, layer in zip(linears, scalar_net.layers, strict=True):
        dW = np.array([[w.grad for w in n.w] for n in layer.neurons]).T
        db = np.array([n.b.grad for n in layer.neurons])
        np.testing.assert_allclose(lin.weight.grad, dW, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(lin.bias.grad, db, rtol=1e-10, atol=1e-12)


def test_sequential_rejects_non_modules_and_repr():
    with pytest.raises(TypeError, match="argument 1"):
        nn.Sequential(nn.ReLU(), lambda x: x)
    text = repr(nn.MLP(4, [5], 3, dtype=np.float32))
    assert "Linear(4, 5, bias=True, dtype=float32)" in text and "ReLU()" in text
