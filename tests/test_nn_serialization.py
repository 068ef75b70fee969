"""nn.save / nn.load: round trip, atomic writes, corrupted and foreign files."""

from __future__ import annotations

import numpy as np
import pytest

import nn


def test_round_trip(tmp_path):
    a = nn.MLP(4, [6], 3, dtype=np.float32, seed=0)
    path = tmp_path / "model.npz"
    nn.save(a, path)
    b = nn.load(nn.MLP(4, [6], 3, dtype=np.float32, seed=1), path)
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        assert p.dtype == q.dtype == np.float32, name
        np.testing.assert_array_equal(p.data, q.data)
    assert sorted(f.name for f in tmp_path.iterdir()) == ["model.npz"]  # no temp file left


def test_saved_file_gets_the_mode_of_a_plain_open(tmp_path):
    import os

    plain = tmp_path / "plain"
    plain.write_bytes(b"")
    path = tmp_path / "model.npz"
    nn.save(nn.Linear(2, 2, seed=0), path)
    assert os.stat(path).st_mode & 0o777 == os.stat(plain).st_mode & 0o777


def test_overwrite_and_exact_name(tmp_path):
    path = tmp_path / "weights.bin"
    nn.save(nn.Linear(2, 2, seed=0), path)
    model = nn.Linear(2, 2, seed=1)
    nn.save(model, path)
    assert path.exists() and not (tmp_path / "weights.bin.npz").exists()
    loaded = nn.load(nn.Linear(2, 2, seed=2), path)
    np.testing.assert_array_equal(loaded.weight.data, model.weight.data)


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    good = nn.Linear(2, 2, seed=0)
    nn.save(good, path)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(OSError, match="disk full"):
        nn.save(nn.Linear(2, 2, seed=1), path)
    monkeypatch.undo()
    assert sorted(f.name for f in tmp_path.iterdir()) == ["m.npz"]
    np.testing.assert_array_equal(nn.load(nn.Linear(2, 2), path).weight.data, good.weight.data)


def with_file(save):
    def write(path):
        with path.open("wb") as f:
            save(f)

    return write


@pytest.mark.parametrize(
    "write, message",
    [
        (lambda p: p.write_bytes(b"garbage, not a zip"), "not a readable nn checkpoint"),
        (lambda p: p.write_bytes(b""), "not a readable nn checkpoint"),
        (with_file(lambda f: np.save(f, np.ones(3))), "not an .npz archive"),
        (with_file(lambda f: np.savez(f, a=np.ones(3))), "not one written by nn.save"),
        (
            with_file(lambda f: np.savez(f, x=np.array([{"a": 1}], dtype=object))),
            "not a readable nn checkpoint",
        ),
    ],
)
def test_corrupted_and_foreign_files(tmp_path, write, message):
    path = tmp_path / "bad.npz"
    write(path)
    with pytest.raises(ValueError, match=message) as info:
        nn.load(nn.Linear(3, 3), path)
    assert "bad.npz" in str(info.value) or "nn.save" in str(info.value)


def test_truncated_checkpoint(tmp_path):
    path = tmp_path / "m.npz"
    nn.save(nn.MLP(4, [6], 3, seed=0), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a readable nn checkpoint"):
        nn.load(nn.MLP(4, [6], 3), path)


def test_wrong_architecture(tmp_path):
    path = tmp_path / "m.npz"
    nn.save(nn.MLP(4, [6], 3, seed=0), path)
    with pytest.raises(ValueError, match="shape"):
        nn.load(nn.MLP(4, [7], 3), path)
    with pytest.raises(KeyError, match="missing keys"):
        nn.load(nn.MLP(4, [6, 6], 3), path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.load(nn.Linear(2, 2), tmp_path / "nope.npz")
