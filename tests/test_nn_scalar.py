"""nn.scalar: micrograd-style networks on Scalars; Victor Zhou's network (worked examples §6)."""

from __future__ import annotations

import math

import pytest

from autograd_core import Scalar
from autograd_core.testing import check_grad
from nn.scalar import MLP, Layer, Neuron

PEOPLE = [((-2, -1), 1), ((25, 6), 0), ((17, 4), 0), ((-15, -6), 1)]


def sigmoid_net(w_hidden, w_out):
    net = MLP(2, [2, 1], activation="sigmoid", output_activation="sigmoid", seed=0)
    net.set_weights([(w_hidden, [0.0, 0.0]), ([w_out], [0.0])])
    return net


def test_shapes_and_parameters():
    net = MLP(3, [4, 4, 1], seed=0)
    out = net([1.0, -2.0, 3.0])
    assert len(out) == 1 and isinstance(out[0], Scalar)
    assert len(net.parameters()) == (3 * 4 + 4) + (4 * 4 + 4) + (4 + 1)
    assert len(Layer(3, 5)([1, 2, 3])) == 5
    assert all(-1 <= w.data <= 1 for w in net.parameters())
    assert [p.data for p in MLP(3, [4, 1], seed=7).parameters()] == [
        p.data for p in MLP(3, [4, 1], seed=7).parameters()
    ]


def test_zero_grad():
    net = MLP(2, [3, 1], seed=0)
    net([1.0, 2.0])[0].backward()
    assert any(p.grad != 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad == 0.0 for p in net.parameters())


def test_gradients_match_central_differences():
    net = MLP(3, [4, 2], activation="tanh", seed=1)
    params = net.parameters()
    x = [0.5, -1.0, 2.0]

    def f(*ps):
        out = net(x)
        return (out[0] - 1.0) ** 2 + out[1].sigmoid()

    check_grad(f, params)


def test_bad_inputs():
    with pytest.raises(ValueError, match="3 inputs got 2"):
        Neuron(3)([1, 2])
    with pytest.raises(ValueError, match="unknown activation"):
        Neuron(2, activation="gelu")
    with pytest.raises(ValueError, match="layer 0"):
        MLP(2, [2, 1]).set_weights([([[1, 2, 3]], [0]), ([[1, 2]], [0])])


# --- worked examples §6: a network from scratch ----------------------------------------------
def test_one_neuron():
    n = Neuron(2, activation="sigmoid")
    n.w[0].data, n.w[1].data, n.b.data = 0.0, 1.0, 4.0
    assert n([2, 3]).data == pytest.approx(0.9990889488055994, abs=1e-12)


def test_feedforward_with_weights_0_1():
    net = sigmoid_net([[0, 1], [0, 1]], [0, 1])
    h = net.layers[0]([2, 3])
    assert h[0].data == pytest.approx(0.9525741268224334, abs=1e-12)
    assert h[1].data == pytest.approx(0.9525741268224334, abs=1e-12)
    assert net([2, 3])[0].data == pytest.approx(0.7216325609518421, abs=1e-12)


def test_mse_of_predicting_zero():
    mse = sum((Scalar(float(label)) - 0.0) ** 2 for _, label in PEOPLE) / len(PEOPLE)
    assert mse.data == 0.5


def test_alice_gradient():
    net = sigmoid_net([[1, 1], [1, 1]], [1, 1])
    hidden = net.layers[0]([-2, -1])
    assert round(hidden[0].data, 4) == round(hidden[1].data, 4) == 0.0474
    o1 = net([-2, -1])[0]
    assert round(o1.data, 3) == 0.524
    loss = (1 - o1) ** 2
    loss.backward()
    w1 = net.layers[0].neurons[0].w[0]  # the weight from height to h1
    # The tutorial rounds its intermediate values by hand and gets 0.0214; the chain rule in
    # float64 gives 0.02147, which the exact formula below confirms.
    assert w1.grad == pytest.approx(0.0214, abs=1e-4)
    h = 1 / (1 + math.exp(3))
    o = 1 / (1 + math.exp(-2 * h))
    exact = -2 * (1 - o) * o * (1 - o) * 1.0 * h * (1 - h) * -2
    assert w1.grad == pytest.approx(exact, abs=1e-12)


def test_training_classifies_emily_and_frank():
    net = MLP(2, [2, 1], activation="sigmoid", output_activation="sigmoid", seed=0)

    def total_loss():
        return sum((label - net(x)[0]) ** 2 for x, label in PEOPLE).data / len(PEOPLE)

    losses = [total_loss()]
    for epoch in range(1000):
        for x, label in PEOPLE:  # stochastic gradient descent, one person at a time
            net.zero_grad()
            ((label - net(x)[0]) ** 2).backward()
            for p in net.parameters():
                p.data -= 0.1 * p.grad
        if epoch % 100 == 99:
            losses.append(total_loss())
    assert all(b < a for a, b in zip(losses, losses[1:], strict=False)), losses
    assert losses[-1] < 0.01
    emily, frank = net([-7, -3])[0].data, net([20, 2])[0].data
    assert emily == pytest.approx(0.95, abs=0.04)
    assert frank == pytest.approx(0.04, abs=0.04)
    assert not math.isnan(emily)
