"""Module features: the module tree (children, modules, named_modules, apply), buffers,
ModuleList and ModuleDict, load_state_dict(strict=...) and its errors, keyword arguments in
calls, and nn.init."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nn
from autograd_core import Tensor
from nn import init


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, seed=0)
        self.norm = nn.BatchNorm2d(2)
        self.register_buffer("steps", np.zeros((), np.int64))

    def forward(self, x, scale=1.0, *, shift=0.0):
        return self.norm(self.conv(x)) * scale + shift


def test_children_modules_named_modules_and_apply():
    model = nn.Sequential(Block(), nn.ReLU(), nn.Flatten())
    assert [type(m).__name__ for m in model.children()] == ["Block", "ReLU", "Flatten"]
    names = [name for name, _ in model.named_modules()]
    assert names == ["", "0", "0.conv", "0.norm", "1", "2"]
    assert len(list(model.modules())) == 6
    seen = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen == ["Conv2d", "BatchNorm2d", "Block", "ReLU", "Flatten", "Sequential"]
    model.apply(lambda m: init.zeros_(m.weight) if isinstance(m, nn.Conv2d) else None)
    assert not model[0].conv.weight.data.any()


def test_shared_modules_are_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert [n for n, _ in model.named_modules()] == ["", "0", "1"]
    assert len(model.parameters()) == 2


def test_buffers_are_state_but_not_parameters():
    block = Block()
    assert "steps" in dict(block.named_buffers())
    assert "steps" not in dict(block.named_parameters())
    assert {"steps", "norm.running_mean", "norm.running_var"} <= set(block.state_dict())
    block.steps = np.array(7)
    assert int(block.state_dict()["steps"]) == 7
    with pytest.raises(TypeError, match="steps is a buffer"):
        block.steps = 3.0
    with pytest.raises(KeyError, match="already a parameter"):
        block.conv.register_buffer("weight", np.zeros(1))


def test_keyword_arguments_reach_forward():
    block = Block()
    x = np.random.default_rng(0).random((2, 1, 4, 4))
    base = block(x).data
    np.testing.assert_allclose(block(x, scale=2.0, shift=1.0).data, 2 * base + 1)


def test_load_state_dict_reports_missing_unexpected_and_shapes():
    a, b = Block(), Block()
    a.steps = np.array(3)
    a.norm.running_mean[:] = [1.0, 2.0]
    b.load_state_dict(a.state_dict())
    assert int(b.steps) == 3 and list(b.norm.running_mean) == [1.0, 2.0]
    state = a.state_dict()
    del state["norm.running_var"]
    state["extra"] = np.ones(1)
    with pytest.raises(KeyError, match=r"missing keys \['norm.running_var'\], unexpected keys "
                                       r"\['extra'\]"):
        b.load_state_dict(state)
    result = b.load_state_dict(state, strict=False)
    assert result.missing_keys == ["norm.running_var"] and result.unexpected_keys == ["extra"]
    bad = a.state_dict()
    bad["conv.weight"] = np.zeros((2, 1, 2, 2))
    before = b.state_dict()
    with pytest.raises(ValueError, match=r"conv.weight has shape \(2, 1, 3, 3\) in the model but "
                                         r"\(2, 1, 2, 2\)"):
        b.load_state_dict(bad)
    for key, value in before.items():  # nothing was modified
        np.testing.assert_array_equal(b.state_dict()[key], value)


def test_module_list_and_module_dict():
    layers = nn.ModuleList([nn.Linear(2, 3), nn.ReLU()])
    layers.append(nn.Linear(3, 1))
    assert len(layers) == 3 and isinstance(layers[2], nn.Linear)
    assert [n for n, _ in layers.named_parameters()] == ["0.weight", "0.bias", "2.weight",
                                                         "2.bias"]
    with pytest.raises(TypeError, match="not a Module"):
        layers.append(3)

    class Heads(nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 2)})

        def forward(self, x, head):
            return self.heads[head](x)

    model = Heads()
    assert set(model.state_dict()) == {"heads.a.weight", "heads.a.bias", "heads.b.weight",
                                       "heads.b.bias"}
    assert model(np.ones((4, 2)), head="b").shape == (4, 2)
    assert "a" in model.heads and model.heads.keys() == ["a", "b"]
    with pytest.raises(KeyError, match="without dots"):
        model.heads["a.b"] = nn.ReLU()


# --- nn.init ----------------------------------------------------------------------------------


def test_init_functions_fill_in_place_with_the_right_scale():
    g = np.random.default_rng(0)
    w = nn.Parameter(np.empty((64, 32, 3, 3)))  # fan_in 288, fan_out 576
    assert init.kaiming_normal_(w, nonlinearity="relu", generator=g) is w
    assert abs(w.data.std() - math.sqrt(2 / 288)) < 0.02 * math.sqrt(2 / 288)
    init.kaiming_uniform_(w, mode="fan_out", nonlinearity="relu", generator=g)
    bound = math.sqrt(3) * math.sqrt(2 / 576)
    assert w.data.max() <= bound and w.data.max() > 0.99 * bound
    init.xavier_uniform_(w, generator=g)
    bound = math.sqrt(6 / (288 + 576))
    assert np.abs(w.data).max() <= bound and np.abs(w.data).max() > 0.99 * bound
    init.xavier_normal_(w, gain=2.0, generator=g)
    assert abs(w.data.std() - 2 * math.sqrt(2 / 864)) < 0.02 * 2 * math.sqrt(2 / 864)
    lin = nn.Parameter(np.empty((300, 100)))  # this library's Linear: (in, out)
    init.kaiming_normal_(lin, generator=g)
    assert abs(lin.data.std() - math.sqrt(2 / (1 + 0.01**2) / 300)) < 0.02 * math.sqrt(2 / 300)
    init.normal_(lin, 3.0, 0.5, generator=g)
    assert abs(lin.data.mean() - 3.0) < 0.01 and abs(lin.data.std() - 0.5) < 0.01
    init.uniform_(lin, -2, -1, generator=g)
    assert lin.data.min() >= -2 and lin.data.max() < -1
    arr = np.empty(3, np.float32)
    init.constant_(arr, 2.5)
    assert arr.tolist() == [2.5] * 3
    assert init.ones_(Tensor(np.zeros(2))).data.tolist() == [1.0, 1.0]
    assert init.zeros_(np.ones(2)).tolist() == [0.0, 0.0]


def test_init_generators_reproduce_and_errors():
    a, b = np.empty((4, 4)), np.empty((4, 4))
    init.xavier_normal_(a, generator=np.random.default_rng(3))
    init.xavier_normal_(b, generator=3)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.kaiming_normal_(np.empty(3))
    with pytest.raises(ValueError, match="mode must be"):
        init.kaiming_normal_(a, mode="fan_avg")
    with pytest.raises(TypeError, match="expected a float"):
        init.zeros_(np.zeros(3, dtype=int))
    assert init.calculate_gain("tanh") == 5 / 3 and init.calculate_gain("relu") == math.sqrt(2)
