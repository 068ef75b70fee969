"""nn layers: forward passes against direct numpy formulas (a naive loop convolution, the
BatchNorm and LayerNorm formulas), gradients against central differences, train/eval
behaviour, state-dict round trips including buffers, and (when torch is installed) the same
numbers as PyTorch with copied weights."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd_core import Tensor
from autograd_core.testing import check_grad
from nn import functional as F

RNG = np.random.default_rng(0)


def leaf(a) -> Tensor:
    return Tensor(np.array(a, dtype=np.float64), requires_grad=True)


def naive_conv2d(x, w, b, stride, padding):
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    ho, wo = (h + 2 * padding - kh) // stride + 1, (wd + 2 * padding - kw) // stride + 1
    out = np.zeros((n, o, ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = xp[:, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out


# --- convolution and pooling layers ----------------------------------------------------------


def test_conv2d_layer_matches_the_naive_loop_and_has_pytorch_shapes_and_init():
    conv = nn.Conv2d(3, 5, 3, stride=2, padding=1, seed=0)
    assert conv.weight.shape == (5, 3, 3, 3) and conv.bias.shape == (5,)
    bound = 1 / np.sqrt(3 * 9)
    assert np.abs(conv.weight.data).max() <= bound and np.abs(conv.bias.data).max() <= bound
    assert np.abs(conv.weight.data).max() > 0.8 * bound  # uniform over the whole range
    x = RNG.standard_normal((2, 3, 7, 6))
    expected = naive_conv2d(x, conv.weight.data, conv.bias.data, 2, 1)
    np.testing.assert_allclose(conv(x).data, expected, rtol=1e-12, atol=1e-12)


def test_conv_layers_gradients():
    conv = nn.Conv2d(4, 2, (2, 3), padding=(1, 0), groups=2, seed=1)
    x = leaf(RNG.standard_normal((2, 4, 4, 5)))
    check_grad(lambda x, w, b: F.conv2d(x, w, b, 1, (1, 0), 1, 2),
               [x, leaf(conv.weight.data), leaf(conv.bias.data)])
    conv1 = nn.Conv1d(2, 3, 3, stride=2, dilation=2, bias=False, seed=2)
    assert conv1.weight.shape == (3, 2, 3) and conv1.bias is None
    x1 = leaf(RNG.standard_normal((2, 2, 9)))
    out = conv1(x1)
    assert out.shape == (2, 3, 3)
    check_grad(lambda x, w: F.conv1d(x, w, None, 2, 0, 2), [x1, leaf(conv1.weight.data)])


def test_conv_layer_rejects_bad_groups():
    with pytest.raises(ValueError, match="divisible by groups 2"):
        nn.Conv2d(3, 4, 3, groups=2)


def test_pooling_layers_and_flatten():
    x = np.arange(2 * 3 * 4 * 4, dtype=np.float64).reshape(2, 3, 4, 4)
    out = nn.MaxPool2d(2)(Tensor(x))
    np.testing.assert_array_equal(out.data, x.reshape(2, 3, 2, 2, 2, 2).max(axis=(3, 5)))
    out = nn.AvgPool2d(2)(Tensor(x))
    np.testing.assert_allclose(out.data, x.reshape(2, 3, 2, 2, 2, 2).mean(axis=(3, 5)))
    gap = nn.AdaptiveAvgPool2d(1)(Tensor(x))
    assert gap.shape == (2, 3, 1, 1)
    np.testing.assert_allclose(gap.data[..., 0, 0], x.mean(axis=(2, 3)))
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d((2, 1))(Tensor(x)).data[..., 0],
                               x.reshape(2, 3, 2, 2, 4).mean(axis=(3, 4)))
    with pytest.raises(ValueError, match=r"output size \(3, 3\) must divide the input's \(4, 4\)"):
        nn.AdaptiveAvgPool2d(3)(Tensor(x))
    assert nn.Flatten()(Tensor(x)).shape == (2, 48)
    assert nn.Flatten(0, 1)(Tensor(x)).shape == (6, 4, 4)
    assert nn.Flatten(2)(Tensor(x)).shape == (2, 3, 16)
    check_grad(lambda t: nn.AdaptiveAvgPool2d(2)(t), [leaf(x / 10)])


# --- dropout ---------------------------------------------------------------------------------


def test_dropout_is_inverted_seeded_and_off_in_eval():
    x = Tensor(np.ones((200, 50)), requires_grad=True)
    drop = nn.Dropout(0.3, seed=0)
    out = drop(x)
    kept = out.data != 0
    assert set(np.unique(out.data)) == {0.0, 1 / 0.7}
    assert abs(kept.mean() - 0.7) < 0.02  # 10,000 draws: 4 standard deviations
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, kept / 0.7)  # the same mask scales the gradient
    again = nn.Dropout(0.3, seed=0)(x)
    np.testing.assert_array_equal(again.data, out.data)  # seeded: reproducible
    assert not np.array_equal(drop(x).data, out.data)  # a new mask every call
    drop.eval()
    assert drop(x) is x
    assert nn.Dropout(1.0)(x).data.sum() == 0 and nn.Dropout(0.0)(x) is x
    with pytest.raises(ValueError, match="p must be in"):
        nn.Dropout(1.5)


# --- normalisation ---------------------------------------------------------------------------


def test_batchnorm2d_training_matches_the_formula_and_updates_running_stats():
    bn = nn.BatchNorm2d(3, momentum=0.2)
    bn.weight.data[:] = [1.0, 2.0, -1.0]
    bn.bias.data[:] = [0.0, 0.5, 1.0]
    x = RNG.standard_normal((4, 3, 5, 2)) * 3 + 1
    out = bn(x)
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    w, b = bn.weight.data.reshape(3, 1, 1), bn.bias.data.reshape(3, 1, 1)
    expected = (x - mean) / np.sqrt(var + 1e-5) * w + b
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bn.running_mean, 0.2 * mean.reshape(-1))
    np.testing.assert_allclose(bn.running_var, 0.8 + 0.2 * x.var(axis=(0, 2, 3), ddof=1))
    assert int(bn.num_batches_tracked) == 1
    bn.eval()
    out = bn(x)
    expected = (x - bn.running_mean.reshape(3, 1, 1)) / np.sqrt(
        bn.running_var.reshape(3, 1, 1) + 1e-5
    ) * bn.weight.data.reshape(3, 1, 1) + bn.bias.data.reshape(3, 1, 1)
    np.testing.assert_allclose(out.data, expected, rtol=1e-10)
    assert int(bn.num_batches_tracked) == 1  # eval does not count


def test_batchnorm_gradients_in_training_and_eval():
    x = leaf(RNG.standard_normal((4, 3, 2, 2)))
    w, b = leaf(RNG.standard_normal(3)), leaf(RNG.standard_normal(3))
    check_grad(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [x, w, b])
    rm, rv = RNG.standard_normal(3), RNG.random(3) + 0.5
    check_grad(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False), [x, w, b])
    x1 = leaf(RNG.standard_normal((5, 3)))
    check_grad(lambda x: nn.BatchNorm1d(3)(x), [x1])


def test_batchnorm1d_shapes_momentum_none_and_errors():
    bn = nn.BatchNorm1d(2, momentum=None, affine=False)
    assert bn.parameters() == []
    batches = [RNG.standard_normal((6, 2, 3)) for _ in range(3)]
    for batch in batches:
        bn(batch)
    means = [b.mean(axis=(0, 2)) for b in batches]
    np.testing.assert_allclose(bn.running_mean, np.mean(means, axis=0))  # cumulative average
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 2, \.\.\.\)"):
        bn(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(np.zeros((1, 2)))
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected a 4-D input"):
        nn.BatchNorm2d(2)(np.zeros((4, 2)))
    no_stats = nn.BatchNorm1d(2, track_running_stats=False).eval()
    x = RNG.standard_normal((5, 2))
    np.testing.assert_allclose(no_stats(x).data, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5))
    assert "running_mean" not in no_stats.state_dict()


def test_batchnorm_state_dict_round_trip_includes_buffers(tmp_path):
    model = nn.Sequential(nn.Conv2d(1, 2, 3, seed=0), nn.BatchNorm2d(2))
    for _ in range(3):
        model(RNG.standard_normal((4, 1, 5, 5)))
    state = model.state_dict()
    assert {"1.running_mean", "1.running_var", "1.num_batches_tracked"} <= set(state)
    assert "1.running_mean" not in dict(model.named_parameters())
    nn.save(model, tmp_path / "bn.npz")
    fresh = nn.Sequential(nn.Conv2d(1, 2, 3, seed=5), nn.BatchNorm2d(2))
    nn.load(fresh, tmp_path / "bn.npz")
    for key, value in state.items():
        np.testing.assert_array_equal(fresh.state_dict()[key], value)
    x = RNG.standard_normal((2, 1, 5, 5))
    np.testing.assert_allclose(fresh.eval()(x).data, model.eval()(x).data)


def test_layernorm_matches_the_formula_and_gradients():
    ln = nn.LayerNorm((3, 4))
    ln.weight.data[...] = RNG.standard_normal((3, 4))
    ln.bias.data[...] = RNG.standard_normal((3, 4))
    x = RNG.standard_normal((2, 3, 4))
    mean = x.mean(axis=(1, 2), keepdims=True)
    var = x.var(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(ln(x).data, (x - mean) / np.sqrt(var + 1e-5) * ln.weight.data
                               + ln.bias.data, rtol=1e-10)
    check_grad(lambda x, w, b: F.layer_norm(x, 4, w, b), [leaf(x), leaf(RNG.random(4)),
                                                          leaf(RNG.random(4))])
    assert nn.LayerNorm(4, elementwise_affine=False).parameters() == []
    with pytest.raises(ValueError, match=r"does not end in normalized_shape \(5,\)"):
        nn.LayerNorm(5)(x)


# --- embeddings, softmax, identity ------------------------------------------------------------


def test_embedding_lookup_gradient_and_padding_idx():
    emb = nn.Embedding(5, 3, padding_idx=1, seed=0)
    np.testing.assert_array_equal(emb.weight.data[1], 0.0)
    idx = np.array([[0, 1, 4], [4, 4, 1]])
    out = emb(idx)
    np.testing.assert_array_equal(out.data, emb.weight.data[idx])
    (out * np.arange(18.0).reshape(2, 3, 3)).sum().backward()
    g = emb.weight.grad
    np.testing.assert_array_equal(g[1], 0.0)  # padding row: no gradient
    np.testing.assert_array_equal(g[4], [6 + 9 + 12, 7 + 10 + 13, 8 + 11 + 14])  # repeats add
    np.testing.assert_array_equal(g[2], 0.0)
    w = leaf(RNG.standard_normal((5, 3)))
    check_grad(lambda w: F.embedding(idx, w), [w])
    with pytest.raises(ValueError, match=r"index 5 is out of range for 5 embeddings"):
        emb(np.array([5]))
    with pytest.raises(ValueError, match="indices must be integers"):
        emb(np.array([0.5]))


def test_softmax_logsoftmax_identity_modules():
    x = Tensor(RNG.standard_normal((2, 3)))
    np.testing.assert_allclose(nn.Softmax(dim=0)(x).data, x.softmax(axis=0).data)
    np.testing.assert_allclose(nn.LogSoftmax(dim=1)(x).data, x.log_softmax(axis=1).data)
    assert nn.Identity()(x) is x


def test_float32_layers_stay_float32():
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1, dtype=np.float32, seed=0),
        nn.BatchNorm2d(2, dtype=np.float32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.LayerNorm(8, dtype=np.float32),
    )
    out = model(RNG.random((3, 1, 4, 4)))
    assert out.dtype == np.float32
    out.sum().backward()
    assert all(p.grad.dtype == np.float32 for p in model.parameters())


# --- PyTorch with copied weights (skipped without torch) ---------------------------------------


def test_layers_match_pytorch_with_copied_weights():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((2, 4, 7, 7))
    conv = nn.Conv2d(4, 6, 3, stride=2, padding=1, dilation=1, groups=2, seed=0)
    tconv = torch.nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2).double()
    with torch.no_grad():
        tconv.weight.copy_(torch.from_numpy(conv.weight.data))
        tconv.bias.copy_(torch.from_numpy(conv.bias.data))
    tx = torch.from_numpy(x).requires_grad_(True)
    xt = leaf(x)
    out, tout = conv(xt), tconv(tx)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = RNG.standard_normal(out.shape)
    out.backward(g)
    tout.backward(torch.from_numpy(g))
    np.testing.assert_allclose(xt.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(conv.weight.grad, tconv.weight.grad.numpy(), rtol=1e-10)
    pooled = F.max_pool2d(Tensor(x), 3, 2, 1).data
    tpooled = torch.nn.functional.max_pool2d(torch.from_numpy(x), 3, 2, 1).numpy()
    np.testing.assert_array_equal(pooled, tpooled)
    bn, tbn = nn.BatchNorm2d(4), torch.nn.BatchNorm2d(4).double()
    for _ in range(2):
        bn(x)
        tbn(torch.from_numpy(x))
    np.testing.assert_allclose(bn.running_var, tbn.running_var.numpy(), rtol=1e-12)
    bn.eval(), tbn.eval()
    np.testing.assert_allclose(bn(x).data, tbn(torch.from_numpy(x)).detach().numpy(), rtol=1e-10)


def test_more_layers_match_pytorch():
    torch = pytest.importorskip("torch")
    tF = torch.nn.functional
    x = RNG.standard_normal((2, 4, 9))
    conv = nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2, seed=0)
    expected = tF.conv1d(torch.from_numpy(x), torch.from_numpy(conv.weight.data),
                         torch.from_numpy(conv.bias.data), 2, 2, 2, 2).numpy()
    np.testing.assert_allclose(conv(x).data, expected, rtol=1e-10, atol=1e-12)
    img = RNG.standard_normal((2, 3, 7, 6))
    np.testing.assert_allclose(
        F.avg_pool2d(Tensor(img), 3, 2, 1).data,
        tF.avg_pool2d(torch.from_numpy(img), 3, 2, 1).numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        F.adaptive_avg_pool2d(Tensor(img[..., :6, :]), (2, 3)).data,
        tF.adaptive_avg_pool2d(torch.from_numpy(img[..., :6, :].copy()), (2, 3)).numpy(),
        rtol=1e-12)
    w, b = RNG.standard_normal(6), RNG.standard_normal(6)
    np.testing.assert_allclose(
        F.layer_norm(Tensor(img), 6, Tensor(w), Tensor(b)).data,
        tF.layer_norm(torch.from_numpy(img), (6,), torch.from_numpy(w),
                      torch.from_numpy(b)).numpy(), rtol=1e-10, atol=1e-12)
    emb = nn.Embedding(5, 3, padding_idx=0, seed=0)
    temb = torch.nn.Embedding(5, 3, padding_idx=0).double()
    with torch.no_grad():
        temb.weight.copy_(torch.from_numpy(emb.weight.data))
    idx = np.array([[0, 2, 2], [4, 0, 1]])
    emb(idx).sum().backward()
    temb(torch.from_numpy(idx)).sum().backward()
    np.testing.assert_allclose(emb.weight.grad, temb.weight.grad.numpy())
