"""Hostile and mistaken inputs, tried as an adversary or a new user would: every one gets a
clear library error (the exception type AND a message naming the problem), never a traceback
from inside numpy, never a silent wrong answer.

Categories: construction, arguments, nn, files, CLI (the first corpus); then nn layers, nn
losses, nn optimizers/schedulers/clipping, nn data, nn fit/checkpoints/serialization, CLI
flags, and nn.init/nn.scalar/file paths. Each case is one parametrized test.
"""

from __future__ import annotations

import gzip
import io
import os
import struct
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest

import nn
from autograd_core import Scalar, Tensor, concat
from nn import datasets as D
from nn.datasets import read_idx, split_train_test
from nn.safe_npz import load_npz

ROOT = Path(__file__).resolve().parent.parent


# --- files -----------------------------------------------------------------------------------
def idx_bytes(shape: tuple[int, ...], code: int = 0x08, data: bytes | None = None) -> bytes:
    """An IDX file: magic, the shape as big-endian uint32, then the data (zeros by default)."""
    itemsize = {0x08: 1, 0x09: 1, 0x0B: 2, 0x0C: 4, 0x0D: 4, 0x0E: 8}[code]
    if data is None:
        data = bytes(int(np.prod(shape)) * itemsize)
    return bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape) + data


def npy_bytes(array: np.ndarray) -> bytes:
    f = io.BytesIO()
    np.lib.format.write_array(f, array, allow_pickle=True)
    return f.getvalue()


def npy_header(shape: tuple[int, ...], dtype: str = "<f8") -> bytes:
    f = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        f, {"descr": dtype, "fortran_order": False, "shape": shape}
    )
    return f.getvalue()


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    f = io.BytesIO()
    with zipfile.ZipFile(f, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return f.getvalue()


def flip_byte(data: bytes, where: int) -> bytes:
    return data[:where] + bytes([data[where] ^ 0xFF]) + data[where + 1 :]


GOOD_IDX = idx_bytes((3, 4, 4), data=bytes(range(48)))
GOOD_GZ = gzip.compress(GOOD_IDX)

IDX_FILES = {
    "empty file": (b"", "no header"),
    "wrong magic": (b"\x01\x02" + GOOD_IDX[2:], "bad magic"),
    "a PNG": (b"\x89PNG\r\n\x1a\n" + bytes(40), "bad magic"),
    "unknown type code": (GOOD_IDX[:2] + b"\x42" + GOOD_IDX[3:], "unknown data type"),
    "zero dimensions": (GOOD_IDX[:3] + b"\x00", "0 dimensions"),
    "header cut short": (GOOD_IDX[:9], "truncated IDX header"),
    "255 dimensions, no sizes": (b"\x00\x00\x08\xff", "truncated IDX header"),
    "absurd dimensions": (idx_bytes((60000, 60000, 60000), data=b""), "header says shape"),
    "absurd 4-byte dims": (idx_bytes((2**32 - 1,) * 4, data=bytes(100)), "more than a file"),
    "data truncated": (GOOD_IDX[:-5], "truncated"),
    "trailing bytes": (GOOD_IDX + b"\x00", "trailing bytes"),
    "int32 with odd data": (idx_bytes((3,), 0x0C, data=bytes(11)), "truncated"),
    "gzip corrupted bytes": (flip_byte(GOOD_GZ, len(GOOD_GZ) // 2), "gzip"),
    "gzip truncated": (GOOD_GZ[:-10], "gzip"),
    "gzip magic only": (b"\x1f\x8b", "gzip"),
    "gzip wrong crc": (GOOD_GZ[:-8] + b"\x00\x00\x00\x00" + GOOD_GZ[-4:], "gzip"),
    "gzip of garbage": (gzip.compress(b"hello world, not idx"), "bad magic"),
    "gzip absurd dims": (gzip.compress(idx_bytes((10**5, 10**5), data=b"")), "gzip file of"),
    "gzip trailing": (gzip.compress(GOOD_IDX + b"xyz"), "trailing bytes"),
    "gzip data short": (gzip.compress(GOOD_IDX[:-1]), "truncated"),
}


@pytest.mark.parametrize("content, message", IDX_FILES.values(), ids=IDX_FILES.keys())
def test_files_idx(tmp_path, content, message):
    path = tmp_path / "hostile-idx"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_files_idx_directory(tmp_path):
    with pytest.raises(ValueError, match="is a directory") as info:
        read_idx(tmp_path)
    assert str(tmp_path) in str(info.value)


def test_files_idx_missing(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope")


def test_files_idx_good_ones_still_read(tmp_path):
    for name, content in (("raw", GOOD_IDX), ("gz", GOOD_GZ)):
        (tmp_path / name).write_bytes(content)
        out = read_idx(tmp_path / name)
        assert out.shape == (3, 4, 4) and out.dtype == np.uint8
        np.testing.assert_array_equal(out.ravel(), np.arange(48))


GOOD_NPZ = {"w.npy": npy_bytes(np.arange(6.0).reshape(2, 3)), "b.npy": npy_bytes(np.zeros(3))}

NPZ_FILES = {
    "not a zip": (b"garbage, not a zip", "not an .npz archive"),
    "empty file": (b"", "not an .npz archive"),
    "a single .npy": (npy_bytes(np.ones(3)), "not an .npz archive"),
    "member not .npy": (zip_of({"evil.txt": b"hello"}), "is not an .npy array"),
    "member bad magic": (zip_of({"a.npy": b"NOTNUMPY" + bytes(100)}), "not an .npy array"),
    "object dtype": (
        zip_of({"a.npy": npy_bytes(np.array([{"a": 1}], dtype=object))}),
        "unpickling",
    ),
    "header declares huge": (
        zip_of({"a.npy": npy_header((10**6, 10**6)) + bytes(80)}),
        "header declares shape",
    ),
    "header declares more than data": (
        zip_of({"a.npy": npy_header((100,)) + bytes(80)}),
        r"800 bytes\) but the member holds 80",
    ),
    "header declares less than data": (
        zip_of({"a.npy": npy_header((2,)) + bytes(80)}),
        "member holds 80",
    ),
    "malformed header": (
        zip_of({"a.npy": b"\x93NUMPY\x01\x00\x10\x00{'descr': 12}   \n"}),
        "malformed .npy header",
    ),
    "unsupported version": (zip_of({"a.npy": b"\x93NUMPY\x07\x00" + bytes(20)}), "version"),
    "corrupted deflate": (
        flip_byte(zip_of({"a.npy": npy_bytes(np.arange(1000.0))}), 200),
        "corrupted",
    ),
    "over the limit": (zip_of({"a.npy": npy_bytes(np.zeros(1000))}), "max_bytes"),
}


@pytest.mark.parametrize("content, message", NPZ_FILES.values(), ids=NPZ_FILES.keys())
def test_files_npz(tmp_path, content, message):
    path = tmp_path / "hostile.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message) as info:
        load_npz(path, max_bytes=4000)
    assert str(path) in str(info.value)


def test_files_npz_zip_bomb_under_an_unexpected_key(tmp_path):
    """A member that inflates to 64 MiB under a key the model does not have: refused from the
    zip directory's sizes before a byte is inflated (the file itself is ~64 KiB)."""
    path = tmp_path / "bomb.npz"
    write_npz_bomb(path, "a_key_nobody_asked_for", 64 << 20)
    assert path.stat().st_size < 1 << 20
    with pytest.raises(ValueError, match="declares .* uncompressed bytes") as info:
        nn.load(nn.Linear(2, 2), path)
    assert str(path) in str(info.value)


def test_files_npz_round_trip_and_dtypes(tmp_path):
    path = tmp_path / "ok.npz"
    arrays = {
        "f": np.arange(6.0).reshape(2, 3),
        "fortran": np.asfortranarray(np.arange(6.0, dtype=np.float32).reshape(2, 3)),
        "i": np.arange(4, dtype=np.int16),
        "empty": np.zeros((0, 3)),
        "s": np.array("marker"),
    }
    np.savez_compressed(path, **arrays)
    out = load_npz(path)
    assert out.keys() == arrays.keys()
    for k, a in arrays.items():
        assert out[k].dtype == a.dtype and out[k].shape == a.shape, k
        np.testing.assert_array_equal(out[k], a)
    out["f"][0, 0] = 7.0  # writable


def test_files_npz_directory_and_missing(tmp_path):
    with pytest.raises(ValueError, match="is a directory"):
        load_npz(tmp_path)
    with pytest.raises(FileNotFoundError):
        load_npz(tmp_path / "missing.npz")
    with pytest.raises(ValueError, match="is a directory"):
        nn.load(nn.Linear(2, 2), tmp_path)


def test_files_npz_duplicate_member(tmp_path):
    path = tmp_path / "dup.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a.npy", npy_bytes(np.ones(2)))
        with pytest.warns(UserWarning, match="Duplicate name"):
            zf.writestr("a.npy", npy_bytes(np.zeros(2)))
    with pytest.raises(ValueError, match="appears twice"):
        load_npz(path)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda p: nn.load(p, nn.Linear(2, 2)), "wrong order"),
        (lambda p: nn.save(p, nn.Linear(2, 2)), "wrong order"),
        (lambda p: nn.load(nn.Linear(2, 2), 3), "path must be a str"),
        (lambda p: nn.load(nn.Linear(2, 2), None), "nn.load needs a path"),
        (lambda p: nn.load(np.ones(3), p), "model must be a Module"),
        (lambda p: nn.save({"w": np.ones(2)}, p), r"dict has no state_dict\(\); pass a Module"),
        (lambda p: nn.load(nn.Linear, p), "got the class Linear; pass a model instance"),
    ],
    ids=[
        "load swapped",
        "save swapped",
        "int path",
        "None path",
        "array model",
        "dict model",
        "class as model",
    ],
)
def test_files_wrong_arguments_to_load_and_save(tmp_path, call, message):
    with pytest.raises(TypeError, match=message):
        call(tmp_path / "m.npz")


def write_npz_bomb(path: Path, key: str, size: int) -> None:
    """An .npz whose member ``key`` is a valid float64 array of ``size`` bytes of zeros,
    deflated (~1000:1), written in chunks so the test itself stays small in memory."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open(key + ".npy", "w", force_zip64=True) as f:
            f.write(npy_header((size // 8,)))
            chunk = bytes(1 << 20)
            for _ in range(size >> 20):
                f.write(chunk)


def write_gzip_bomb(path: Path, promised: int, size: int) -> None:
    """A gzip IDX file whose header promises ``promised`` bytes but whose data is ``size``."""
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(idx_bytes((promised,), data=b""))
        chunk = bytes(1 << 20)
        for _ in range(size >> 20):
            f.write(chunk)


ADDRESS_SPACE_SCRIPT = textwrap.dedent(
    """
    import resource, sys
    import numpy as np
    import nn
    from nn.datasets import read_idx
    from nn.safe_npz import load_npz

    def vm_size():
        for line in open("/proc/self/status"):
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024

    limit = vm_size() + (96 << 20)  # 96 MiB above what is mapped now
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # the limit bites: a plain allocation of 256 MiB fails
    try:
        np.ones(32 << 20)
        print("LIMIT DID NOT BITE")
    except MemoryError:
        print("limit bites")
    # and numpy's own loader, handed the bomb, runs out of memory: what load_npz prevents
    try:
        with np.load(sys.argv[1], allow_pickle=False) as z:
            z["a_key_nobody_asked_for"]
        print("np.load read the bomb")
    except MemoryError:
        print("np.load: MemoryError")
    for name, call in [
        ("npz bomb", lambda: load_npz(sys.argv[1], max_bytes=1 << 20)),
        ("npz bomb via nn.load", lambda: nn.load(nn.Linear(2, 2), sys.argv[1])),
        ("npz huge header", lambda: load_npz(sys.argv[2])),
        ("idx huge header", lambda: read_idx(sys.argv[3])),
        ("gzip bomb", lambda: read_idx(sys.argv[4])),
        ("gzip huge header", lambda: read_idx(sys.argv[5])),
    ]:
        try:
            call()
            print(name, "READ")
        except ValueError as exc:
            print(name, "ValueError", str(exc).replace(chr(10), " "))
        except MemoryError:
            print(name, "MemoryError")
    """
)


@pytest.mark.slow
def test_files_hostile_files_fail_cleanly_under_a_small_address_space(tmp_path):
    """Under RLIMIT_AS 96 MiB above the interpreter's current mapping, every hostile file gets
    its ValueError (no MemoryError), while np.load on the same bomb runs out of memory."""
    bomb = tmp_path / "bomb.npz"
    write_npz_bomb(bomb, "a_key_nobody_asked_for", 256 << 20)
    huge_npz = tmp_path / "huge.npz"
    huge_npz.write_bytes(zip_of({"w.npy": npy_header((10**5, 10**5)) + bytes(64)}))
    huge_idx = tmp_path / "huge-idx"
    huge_idx.write_bytes(idx_bytes((60000, 28, 28, 255), data=bytes(1000)))
    gz_bomb = tmp_path / "bomb-idx.gz"
    write_gzip_bomb(gz_bomb, 16, 256 << 20)
    gz_huge = tmp_path / "huge-idx.gz"
    gz_huge.write_bytes(gzip.compress(idx_bytes((1 << 30,), data=bytes(1 << 16))))
    result = subprocess.run(
        [sys.executable, "-c", ADDRESS_SPACE_SCRIPT, bomb, huge_npz, huge_idx, gz_bomb, gz_huge],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "limit bites" and lines[1] == "np.load: MemoryError", lines
    outcome = dict(line.split(" ValueError ", 1) for line in lines[2:] if " ValueError " in line)
    assert set(outcome) == {
        "npz bomb",
        "npz bomb via nn.load",
        "npz huge header",
        "idx huge header",
        "gzip bomb",
        "gzip huge header",
    }, lines
    assert "uncompressed bytes" in outcome["npz bomb"]
    assert "uncompressed bytes" in outcome["npz bomb via nn.load"]
    assert "header declares shape" in outcome["npz huge header"]
    assert "more than a file" in outcome["idx huge header"]
    assert "trailing bytes" in outcome["gzip bomb"]
    assert "more than a gzip file" in outcome["gzip huge header"]


# --- CLI -------------------------------------------------------------------------------------
def write_bad_mnist_dir(path: Path, damage: str) -> Path:
    """An MNIST-layout directory whose files are damaged as ``damage`` says."""
    path.mkdir()
    images, labels = idx_bytes((5, 28, 28)), idx_bytes((5,))
    files = {
        "train-images-idx3-ubyte": images,
        "train-labels-idx1-ubyte": labels,
        "t10k-images-idx3-ubyte": images,
        "t10k-labels-idx1-ubyte": labels,
    }
    if damage == "truncated":
        files["train-images-idx3-ubyte"] = images[:-100]
    elif damage == "corrupted gzip":
        del files["train-images-idx3-ubyte"]
        gz = gzip.compress(images)
        files["train-images-idx3-ubyte.gz"] = flip_byte(gz, len(gz) // 2)
    elif damage == "missing":
        del files["t10k-labels-idx1-ubyte"]
    elif damage == "mismatched":
        files["train-labels-idx1-ubyte"] = idx_bytes((4,))
    elif damage == "directory":
        del files["train-images-idx3-ubyte"]
        (path / "train-images-idx3-ubyte").mkdir()
    for name, content in files.items():
        (path / name).write_bytes(content)
    return path


QUICK = ["--dataset", "moons", "--epochs", "1", "--quiet"]

CLI_ERRORS = {
    "lr 0": (["--lr", "0"], "--lr must be a finite number > 0, got 0"),
    "lr negative": (["--lr", "-0.1"], "--lr must be a finite number > 0"),
    "lr nan": (["--lr", "nan"], "--lr must be a finite number > 0, got nan"),
    "lr inf": (["--lr", "inf"], "--lr must be a finite number > 0, got inf"),
    "lr text": (["--lr", "fast"], "argument --lr: invalid float value: 'fast'"),
    "epochs -1": (["--epochs", "-1"], "--epochs must be >= 1, got -1"),
    "epochs 0": (["--epochs", "0"], "--epochs must be >= 1, got 0"),
    "epochs float": (["--epochs", "2.5"], "argument --epochs: invalid int value"),
    "lr-decay negative": (["--lr-decay", "-0.5"], "--lr-decay must be a finite number > 0"),
    "lr-decay 0": (["--lr-decay", "0"], "--lr-decay must be a finite number > 0"),
    "lr-decay nan": (["--lr-decay", "nan"], "--lr-decay must be a finite number > 0"),
    "hidden -5": (["--hidden", "-5"], "--hidden sizes must be >= 1, got -5"),
    "hidden 0": (["--hidden", "16", "0"], "--hidden sizes must be >= 1, got 16 0"),
    "batch-size 0": (["--batch-size", "0"], "--batch-size must be >= 1, got 0"),
    "batch-size -3": (["--batch-size", "-3"], "--batch-size must be >= 1, got -3"),
    "momentum 1": (["--momentum", "1"], "--momentum must be in [0, 1)"),
    "momentum negative": (["--momentum", "-0.5"], "--momentum must be a finite number >= 0"),
    "weight-decay negative": (["--weight-decay", "-1"], "--weight-decay must be a finite"),
    "weight-decay nan": (["--weight-decay", "nan"], "--weight-decay must be a finite"),
    "threads negative": (["--threads", "-2"], "--threads must be >= 0"),
    "unknown dataset": (["--dataset", "cifar"], "argument --dataset: invalid choice: 'cifar'"),
    "unknown flag": (["--learning-rate", "0.1"], "unrecognized arguments: --learning-rate"),
    "dtype float16": (["--dtype", "float16"], "argument --dtype: invalid choice"),
    "mnist without data-dir": (["--dataset", "mnist"], "--dataset mnist needs --data-dir"),
    "demo with bad lr": (["--demo", "--lr", "0"], "--lr must be a finite number > 0"),
}


@pytest.mark.parametrize("flags, message", CLI_ERRORS.values(), ids=CLI_ERRORS.keys())
def test_cli_rejects_bad_flags_on_one_line(capsys, flags, message):
    assert nn.cli.main([*QUICK, *flags]) == 2
    out, err = capsys.readouterr()
    assert err.endswith("\n") and err.count("\n") == 1, err  # one line
    assert err.startswith("python -m nn: error: ") and message in err, err
    assert "Traceback" not in err and out == ""  # rejected before training printed anything


@pytest.mark.parametrize(
    "damage", ["truncated", "corrupted gzip", "missing", "mismatched", "directory"]
)
def test_cli_corrupted_dataset_directory(tmp_path, capsys, damage):
    data = write_bad_mnist_dir(tmp_path / "mnist", damage)
    assert nn.cli.main(["--dataset", "mnist", "--data-dir", str(data), "--epochs", "1"]) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "Traceback" not in err, err
    expected = {
        "truncated": "truncated",
        "corrupted gzip": "corrupted or truncated gzip",
        "missing": "t10k-labels-idx1-ubyte[.gz] not found",
        "mismatched": "has 5 images but",
        "directory": "not found",
    }[damage]
    assert expected in err and str(data) in err, err


@pytest.mark.parametrize(
    "where", ["directory", "missing parent", "unwritable parent", "unwritable file"]
)
def test_cli_save_checked_before_training(tmp_path, capsys, monkeypatch, where):
    target = {
        "directory": tmp_path,
        "missing parent": tmp_path / "no" / "such" / "m.npz",
        "unwritable parent": tmp_path / "ro" / "m.npz",
        "unwritable file": tmp_path / "ro-file.npz",
    }[where]
    if where == "unwritable parent":
        (tmp_path / "ro").mkdir(mode=0o500)
    if where == "unwritable file":
        target.write_bytes(b"")
        target.chmod(0o400)
    # root may write anywhere: answer os.access from the mode bits, as for any other user
    real_access = os.access
    monkeypatch.setattr(
        nn.cli.os,
        "access",
        lambda p, mode: real_access(p, mode) and (os.stat(p).st_mode & 0o200 != 0),
    )
    assert nn.cli.main([*QUICK, "--save", str(target)]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # nothing trained
    message = {
        "directory": "is a directory",
        "missing parent": "does not exist",
        "unwritable parent": "is not writable",
        "unwritable file": "the existing file is not writable",
    }[where]
    assert err.count("\n") == 1 and message in err and "--save" in err, err


def test_cli_output_piped_into_head():
    """`python -m nn ... | head -1`: head exits after the first line, the next epoch's line
    meets a closed pipe; no BrokenPipeError traceback, nothing on stderr, status 141."""
    result = subprocess.run(
        f"{sys.executable} -m nn --dataset moons --epochs 30 --batch-size 8 | head -1; "
        'echo "status ${PIPESTATUS[0]}"',
        shell=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        executable="/bin/bash",
    )
    first, status = result.stdout.splitlines()
    assert first.startswith("moons:"), result.stdout
    assert status == "status 141"  # the pipe did break, and was handled
    assert result.stderr == "", result.stderr


def test_cli_demo_honours_other_flags(capsys):
    assert nn.cli.main(["--demo", "--epochs", "1", "--hidden", "8", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(
        "demo: python -m nn --dataset digits --model mlp --hidden 8 --epochs 1 "
        "--batch-size 32 --optimizer adam --lr 0.001 --dtype float64"
    ), out
    assert err == ""


def test_cli_lr_given_is_the_lr_used(capsys):
    """--lr is honoured exactly (it was `args.lr or default`)."""
    args = nn.cli.build_parser().parse_args([*QUICK, "--lr", "0.005", "--optimizer", "sgd"])
    out = nn.cli.run(args)
    assert out["history"] is not None
    assert "sgd lr 0.005" not in capsys.readouterr().out  # --quiet
    args = nn.cli.build_parser().parse_args(
        ["--dataset", "moons", "--epochs", "1", "--lr", "0.005"]
    )
    nn.cli.run(args)
    assert "adam lr 0.005," in capsys.readouterr().out


def test_cli_help_and_parse_errors_return_status(capsys):
    assert nn.cli.main(["--help"]) == 0
    assert "usage:" in capsys.readouterr().out
    assert nn.cli.main(["--epochs"]) == 2
    err = capsys.readouterr().err
    assert err == "python -m nn: error: argument --epochs: expected one argument\n"


# --- construction ----------------------------------------------------------------------------
class NotANumber:
    pass


CONSTRUCTION = {
    "int beyond float64": (lambda: Tensor(10**400), OverflowError, "401 digits is too large"),
    "negative huge int in list": (
        lambda: Tensor([1, -(10**309)]),
        OverflowError,
        "too large for float64",
    ),
    "ragged rows": (lambda: Tensor([[1, 2], [3]]), ValueError, "ragged nested sequence"),
    "ragged depth": (lambda: Tensor([1, [2, 3]]), ValueError, "ragged nested sequence"),
    "ragged 3-D": (lambda: Tensor([[[1, 2]], [[3]]]), ValueError, "ragged"),
    "unknown dtype string": (lambda: Tensor([1.0], dtype="flaot32"), TypeError, "unknown dtype"),
    "dtype not a dtype": (lambda: Tensor([1.0], dtype=5), TypeError, "unknown dtype"),
    "int dtype": (lambda: Tensor([1.0], dtype="int32"), TypeError, "dtype int32 is not supported"),
    "bool dtype": (lambda: Tensor([1.0], dtype=bool), TypeError, "dtype bool is not supported"),
    "complex dtype": (lambda: Tensor([1.0], dtype=complex), TypeError, "not supported"),
    "a string": (lambda: Tensor("abc"), TypeError, "got strings"),
    "numeric strings": (lambda: Tensor(["1", "2"]), TypeError, "got strings"),
    "bytes": (lambda: Tensor(b"12"), TypeError, "got strings"),
    "None": (lambda: Tensor(None), TypeError, "got a NoneType"),
    "None in a list": (lambda: Tensor([1.0, None]), TypeError, "got a NoneType"),
    "dict": (lambda: Tensor({"a": 1}), TypeError, "got a dict"),
    "set": (lambda: Tensor({1, 2}), TypeError, "got a set"),
    "an object": (lambda: Tensor(NotANumber()), TypeError, "got a NotANumber"),
    "bools": (lambda: Tensor([True, False]), TypeError, "dtype bool is not supported"),
    "complex": (lambda: Tensor([1 + 2j]), TypeError, "dtype complex128 is not supported"),
    "bool among ints": (lambda: Tensor(np.array([1, True], dtype=object)), TypeError, "bool"),
    "a Scalar": (lambda: Tensor(Scalar(1.0)), TypeError, "Scalars and Tensors cannot be mixed"),
    "requires_grad string": (
        lambda: Tensor([1.0], requires_grad="no"),
        TypeError,
        "requires_grad must be a bool",
    ),
    "requires_grad None": (
        lambda: Tensor([1.0], requires_grad=None),
        TypeError,
        "requires_grad must be a bool",
    ),
    "Scalar of a huge int": (lambda: Scalar(10**400), OverflowError, "too large for a float"),
    "Scalar of a string": (lambda: Scalar("1.0"), TypeError, "takes a real number"),
    "Scalar of None": (lambda: Scalar(None), TypeError, "takes a real number"),
    "Scalar of a list": (lambda: Scalar([1.0]), TypeError, "takes a real number"),
    "Scalar of a bool": (lambda: Scalar(True), TypeError, "takes a real number"),
    "Scalar of a Tensor": (lambda: Scalar(Tensor(1.0)), TypeError, "takes a real number"),
    "operand None": (lambda: Tensor([1.0]) + None, TypeError, "got a NoneType"),
    "operand string": (lambda: Tensor([1.0]) * "2", TypeError, "got strings"),
}


@pytest.mark.parametrize("make, error, message", CONSTRUCTION.values(), ids=CONSTRUCTION.keys())
def test_construction(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_construction_claims_of_the_docstring():
    """Integers become float64, float32 stays float32, float ndarrays are not copied."""
    assert Tensor([1, 2]).dtype == np.float64
    assert Tensor(np.float32(1)).dtype == np.float32
    assert Tensor([1, 2], dtype="float32").dtype == np.float32
    a = np.ones(3)
    assert Tensor(a).data is a
    assert Tensor(2**70).item() == 2.0**70  # beyond int64 but within float64: converted
    assert Tensor(np.array([2**63], dtype=np.uint64)).item() == 2.0**63


# --- arguments -------------------------------------------------------------------------------
def T(*shape):
    return Tensor(np.ones(shape), requires_grad=True)


def scalar_out():
    return Scalar(1.0) * 2.0


ARGUMENTS = {
    "sum axis float": (lambda: T(2, 3).sum(axis=1.0), TypeError, "sum: axis must be an int"),
    "sum axis string": (lambda: T(2, 3).sum(axis="0"), TypeError, "sum: axis must be an int"),
    "sum axis bool": (lambda: T(2, 3).sum(axis=True), TypeError, "axis must be an int"),
    "sum axis list of str": (lambda: T(2, 3).sum(axis=["0"]), TypeError, "axis must be"),
    "sum axis out of range": (lambda: T(2, 3).sum(axis=2), ValueError, "out of range"),
    "sum axis repeated": (lambda: T(2, 3).sum(axis=(0, -2)), ValueError, "repeated axis"),
    "mean axis float": (lambda: T(2, 3).mean(axis=0.5), TypeError, "mean: axis must be"),
    "max axis string": (lambda: T(2, 3).max(axis="rows"), TypeError, "max: axis must be"),
    "logsumexp axis float": (lambda: T(2, 3).logsumexp(axis=1.0), TypeError, "logsumexp"),
    "softmax axis None": (
        lambda: T(2, 3).softmax(axis=None),
        TypeError,
        "softmax: axis must be one int",
    ),
    "softmax axis None 1-D": (lambda: T(4).softmax(axis=None), TypeError, "reshape to 1-D"),
    "softmax axis tuple": (lambda: T(2, 3).softmax(axis=(0, 1)), TypeError, "one int"),
    "softmax axis float": (lambda: T(2, 3).softmax(axis=1.0), TypeError, "softmax: axis must be"),
    "softmax axis 5": (lambda: T(2, 3).softmax(axis=5), ValueError, "out of range"),
    "log_softmax axis None": (
        lambda: T(2, 3).log_softmax(axis=None),
        TypeError,
        "log_softmax: axis must be one int",
    ),
    "cross_entropy axis None": (
        lambda: T(2, 3).cross_entropy(np.ones((2, 3)) / 3, axis=None),
        TypeError,
        "cross_entropy: axis must be one int",
    ),
    "concat axis tuple": (lambda: concat([T(2), T(2)], axis=(0,)), TypeError, "concat: axis"),
    "clip bound string": (lambda: T(2, 3).clip("a", 1), TypeError, "clip: lo must be a number"),
    "clip bound None list": (lambda: T(2, 3).clip(0, [None]), TypeError, "clip: hi must be"),
    "operand ragged list": (lambda: T(2, 2) + [[1.0], [2.0, 3.0]], ValueError, "ragged nested"),
    "reshape floats": (
        lambda: T(6).reshape(2.0, 3),
        TypeError,
        "reshape: the new shape must be ints",
    ),
    "reshape float tuple": (lambda: T(6).reshape((2, 3.0)), TypeError, "must be ints"),
    "reshape string": (lambda: T(6).reshape("6"), TypeError, "must be ints"),
    "reshape None": (lambda: T(6).reshape(None), TypeError, "must be ints"),
    "reshape bool": (lambda: T(1).reshape(True), TypeError, "must be ints"),
    "reshape wrong size": (lambda: T(6).reshape(4, 2), ValueError, r"shape \(6,\).*into shape"),
    "reshape two -1": (lambda: T(6).reshape(-1, -1), ValueError, "cannot reshape"),
    "bool of many": (lambda: bool(T(6)), ValueError, r"bool\(\) of a Tensor of shape \(6,\)"),
    "bool of empty": (lambda: bool(T(0)), ValueError, "0 entries"),
    "if on a matrix": (lambda: 1 if T(2, 2) else 0, ValueError, "ambiguous"),
    "backward string grad": (
        lambda: (T(3) * 2).backward("abc"),
        TypeError,
        r"backward\(grad\): got strings",
    ),
    "backward None inside grad": (
        lambda: (T(3) * 2).backward([None, 1.0, 2.0]),
        TypeError,
        "backward\\(grad\\): got a NoneType",
    ),
    "backward ragged grad": (lambda: (T(3) * 2).backward([[1], 2, 3]), ValueError, "ragged"),
    "backward dict grad": (lambda: (T(3) * 2).backward({"g": 1}), TypeError, "got a dict"),
    "backward bool grad": (lambda: (T(2) * 2).backward([True, False]), TypeError, "dtype bool"),
    "backward complex grad": (lambda: (T(2) * 2).backward([1j, 1j]), TypeError, "complex"),
    "backward wrong-shape grad": (lambda: (T(3) * 2).backward(np.ones(4)), ValueError, "shape"),
    "backward no grad, many": (lambda: (T(3) * 2).backward(), RuntimeError, "one-element"),
    "backward huge int grad": (lambda: (T(1) * 2).backward(10**400), OverflowError, "too large"),
    "Scalar backward string": (
        lambda: scalar_out().backward("x"),
        TypeError,
        r"backward\(grad\) takes a real number .* got str",
    ),
    "Scalar backward None-list": (lambda: scalar_out().backward([1.0]), TypeError, "real number"),
    "Scalar backward huge int": (
        lambda: scalar_out().backward(10**400),
        OverflowError,
        "too large",
    ),
    "Scalar + string": (
        lambda: Scalar(1.0) + "1",
        TypeError,
        r"unsupported operand.*'Scalar' and 'str'",
    ),
}


@pytest.mark.parametrize("call, error, message", ARGUMENTS.values(), ids=ARGUMENTS.keys())
def test_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_arguments_good_calls_still_work():
    x = T(2, 3)
    assert x.sum(axis=np.int64(1)).shape == (2,)
    assert x.sum(axis=[0, 1]).shape == ()
    assert x.reshape(np.int64(3), 2).shape == (3, 2)
    assert bool(Tensor([2.0])) and not bool(Tensor(0.0))
    y = x * 2
    y.backward([[1, 2, 3], [4, 5, 6]])  # a nested list of ints is a fine gradient
    np.testing.assert_array_equal(x.grad, 2 * np.arange(1, 7).reshape(2, 3))


def test_scalar_relu_of_nan_is_nan_as_tensor():
    out = Scalar(float("nan")).relu()
    assert np.isnan(out.data)
    assert np.isnan(Tensor(np.nan).relu().item())
    assert Scalar(-0.0).relu().data == 0.0 and Scalar(2.5).relu().data == 2.5
    out.backward()


# --- nn --------------------------------------------------------------------------------------
X3 = np.ones((3, 2))

NN = {
    "Linear(0, n)": (
        lambda: nn.Linear(0, 3),
        ValueError,
        "Linear: in_features must be >= 1, got 0",
    ),
    "Linear(n, 0)": (lambda: nn.Linear(3, 0), ValueError, "out_features must be >= 1, got 0"),
    "Linear negative": (lambda: nn.Linear(3, -1), ValueError, "out_features must be >= 1"),
    "Linear float size": (lambda: nn.Linear(3.5, 2), TypeError, "in_features must be an int"),
    "Linear string size": (lambda: nn.Linear("3", 2), TypeError, "in_features must be an int"),
    "Linear bool size": (lambda: nn.Linear(True, 2), TypeError, "must be an int"),
    "Linear int dtype": (lambda: nn.Linear(2, 2, dtype="int32"), TypeError, "float dtype"),
    "Linear unknown dtype": (lambda: nn.Linear(2, 2, dtype="f32"), TypeError, "unknown dtype"),
    "Linear unknown init": (lambda: nn.Linear(2, 2, init="kaiming"), ValueError, "unknown init"),
    "Linear float seed": (lambda: nn.Linear(3, 2, seed=1.5), TypeError, "Linear: seed must be"),
    "Linear string seed": (lambda: nn.Linear(3, 2, seed="0"), TypeError, "seed must be"),
    "Linear negative seed": (lambda: nn.Linear(3, 2, seed=-1), TypeError, "int >= 0"),
    "Linear bool seed": (lambda: nn.Linear(3, 2, seed=True), TypeError, "seed must be"),
    "MLP hidden int": (lambda: nn.MLP(4, 16, 3), TypeError, r"hidden_sizes must be a list.*\[16\]"),
    "MLP hidden string": (lambda: nn.MLP(4, "16", 3), TypeError, "hidden_sizes must be a list"),
    "MLP hidden 0": (lambda: nn.MLP(4, [16, 0], 3), ValueError, r"hidden_sizes\[1\] must be >= 1"),
    "MLP hidden float": (
        lambda: nn.MLP(4, [16.0], 3),
        TypeError,
        r"hidden_sizes\[0\] must be an int",
    ),
    "MLP out 0": (lambda: nn.MLP(4, [8], 0), ValueError, "MLP: out_features must be >= 1"),
    "MLP in float": (lambda: nn.MLP(4.0, [8], 2), TypeError, "MLP: in_features must be an int"),
    "MLP seed float": (lambda: nn.MLP(4, [8], 2, seed=0.5), TypeError, "MLP: seed must be"),
    "MLP activation": (
        lambda: nn.MLP(4, [8], 2, activation="gelu"),
        ValueError,
        "unknown activation",
    ),
    "MLP int dtype": (lambda: nn.MLP(4, [8], 2, dtype=np.int64), TypeError, "float dtype"),
    "LogisticRegression 0": (
        lambda: nn.LogisticRegression(4, 0),
        ValueError,
        "num_classes must be >= 1",
    ),
    "LogisticRegression float": (
        lambda: nn.LogisticRegression(4, 2.0),
        TypeError,
        "num_classes must be an int",
    ),
    "manual_seed string": (
        lambda: nn.manual_seed("a"),
        TypeError,
        "manual_seed: seed must be an int",
    ),
    "manual_seed float": (lambda: nn.manual_seed(1.5), TypeError, "manual_seed: seed must be"),
    "manual_seed None": (lambda: nn.manual_seed(None), TypeError, "manual_seed: seed must be"),
    "DataLoader None X": (lambda: nn.DataLoader(None, np.ones(3), 2), TypeError, "X is None"),
    "DataLoader None y": (lambda: nn.DataLoader(X3, None, 2), TypeError, "y is None"),
    "DataLoader mismatched": (
        lambda: nn.DataLoader(X3, np.ones(2), 2),
        ValueError,
        "X has 3 rows but y has 2",
    ),
    "DataLoader 0-d X": (
        lambda: nn.DataLoader(np.float64(1), np.ones(3), 2),
        ValueError,
        "one row per example",
    ),
    "DataLoader string X": (
        lambda: nn.DataLoader(["a", "b", "c"], np.ones(3), 2),
        TypeError,
        "numeric",
    ),
    "DataLoader batch 0": (
        lambda: nn.DataLoader(X3, np.ones(3), 0),
        ValueError,
        "batch_size must be an int >= 1, got 0",
    ),
    "DataLoader batch -1": (
        lambda: nn.DataLoader(X3, np.ones(3), -1),
        ValueError,
        "batch_size must be",
    ),
    "DataLoader batch float": (
        lambda: nn.DataLoader(X3, np.ones(3), 2.5),
        ValueError,
        "batch_size must be",
    ),
    "DataLoader batch string": (
        lambda: nn.DataLoader(X3, np.ones(3), "2"),
        ValueError,
        "batch_size must be",
    ),
    "DataLoader batch None": (
        lambda: nn.DataLoader(X3, np.ones(3), None),
        ValueError,
        "batch_size must be",
    ),
    "DataLoader seed float": (
        lambda: nn.DataLoader(X3, np.ones(3), 2, seed=0.5),
        TypeError,
        "DataLoader: seed must be",
    ),
    "split fraction": (lambda: split_train_test(X3, np.ones(3), 1.5), ValueError, "test_fraction"),
    "split mismatched": (
        lambda: split_train_test(X3, np.ones(2)),
        ValueError,
        "3 rows but y has 2",
    ),
    "DataLoader ragged X": (
        lambda: nn.DataLoader([[1, 2], [3]], [1, 2], 1),
        ValueError,
        "DataLoader: X is ragged",
    ),
    "Linear on a string": (lambda: nn.Linear(3, 2)("abc"), TypeError, "got strings"),
    "Linear on None": (lambda: nn.Linear(3, 2)(None), TypeError, "got a NoneType"),
    "Linear on ragged rows": (lambda: nn.Linear(2, 2)([[1, 2], [3]]), ValueError, "ragged"),
    "Linear on wrong width": (
        lambda: nn.Linear(3, 2)(np.ones((4, 5))),
        ValueError,
        r"matmul: inner dimensions differ: \(4, 5\) @ \(3, 2\)",
    ),
    "make_moons n -5": (lambda: D.make_moons(-5), ValueError, "make_moons: n_samples must be >= 1"),
    "make_moons n float": (lambda: D.make_moons(10.5), TypeError, "n_samples must be an int"),
    "make_moons noise -1": (
        lambda: D.make_moons(10, noise=-1),
        ValueError,
        "noise must be a finite",
    ),
    "make_moons noise nan": (lambda: D.make_moons(10, noise=np.nan), ValueError, "noise must be"),
    "make_moons seed float": (
        lambda: D.make_moons(10, seed=1.5),
        TypeError,
        "make_moons: seed must be",
    ),
    "make_spheres n -1": (lambda: D.make_spheres(-1), ValueError, "n_per_class must be >= 1"),
    "make_spheres radius -1": (lambda: D.make_spheres(3, radius=-1), ValueError, "radius must be"),
    "make_blobs centers 0": (
        lambda: D.make_blobs(10, centers=0),
        ValueError,
        "centers must be >= 1",
    ),
    "make_blobs centers 1-D": (
        lambda: D.make_blobs(10, centers=np.array([1.0, 2.0])),
        ValueError,
        r"centers must be a count or an array of shape \(k, n_features\)",
    ),
    "make_blobs std -1": (lambda: D.make_blobs(10, cluster_std=-1), ValueError, "cluster_std"),
    "split leaves no training rows": (
        lambda: split_train_test(X3, np.ones(3), 0.9),
        ValueError,
        "leaves no training rows",
    ),
    "split None": (lambda: split_train_test(None, None), TypeError, "one row per example"),
    "load_digits int dtype": (lambda: D.load_digits(dtype=np.int64), TypeError, "float dtype"),
    "fashion unknown dtype": (
        lambda: D.load_fashion_mnist(dtype="flt", path="/nonexistent"),
        TypeError,
        "load_fashion_mnist: unknown dtype 'flt'",
    ),
    "fashion path is a file": (
        lambda: D.load_fashion_mnist(path=__file__),
        NotADirectoryError,
        "is a file; give the directory",
    ),
    "mnist path missing": (
        lambda: D.load_mnist("/nonexistent/mnist"),
        FileNotFoundError,
        "neither a directory of IDX files nor a file",
    ),
}


@pytest.mark.parametrize("call, error, message", NN.values(), ids=NN.keys())
def test_nn(call, error, message):
    with pytest.raises(error, match=message):
        call()


def epochs_of(loader, n=3):
    return [np.concatenate([yb for _, yb in loader]) for _ in range(n)]


def test_nn_manual_seed_seeds_dataloader_shuffling():
    X, y = np.arange(40.0).reshape(20, 2), np.arange(20)
    nn.manual_seed(3)
    first = epochs_of(nn.DataLoader(X, y, 4))
    nn.manual_seed(3)
    again = epochs_of(nn.DataLoader(X, y, 4))
    nn.manual_seed(4)
    other = epochs_of(nn.DataLoader(X, y, 4))
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(first, other, strict=True))
    # an explicit seed still wins, and a loader does not shift the stream modules draw from
    nn.manual_seed(0)
    w0 = nn.Linear(3, 2).weight.data
    nn.manual_seed(0)
    nn.DataLoader(X, y, 4)
    np.testing.assert_array_equal(nn.Linear(3, 2).weight.data, w0)


def test_nn_no_sklearn_name_with_other_behaviour():
    """nn.datasets has no train_test_split (scikit-learn's returns another order)."""
    assert not hasattr(nn.datasets, "train_test_split")
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    X_tr, y_tr, X_te, y_te = split_train_test(X, y, 0.3, seed=0)
    assert X_tr.shape == (7, 2) and y_tr.shape == (7,) and X_te.shape == (3, 2)
    np.testing.assert_array_equal(X_tr[:, 0] / 2, y_tr)


# --- README truth ----------------------------------------------------------------------------
def test_readme_constructor_claims_hold():
    """README: Linear and MLP take dtype and seed, LogisticRegression takes dtype."""
    readme = (ROOT / "README.md").read_text()
    assert "`Linear` and `MLP` take `dtype` and `seed`" in readme
    for make in (
        lambda **kw: nn.Linear(4, 3, **kw),
        lambda **kw: nn.MLP(4, [5], 3, **kw),
    ):
        a, b = make(dtype=np.float32, seed=7), make(dtype=np.float32, seed=7)
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            assert p.dtype == np.float32
            np.testing.assert_array_equal(p.data, q.data)
        c = make(dtype=np.float64, seed=8)
        assert not np.array_equal(a.parameters()[0].data, c.parameters()[0].data)
    assert all(
        p.dtype == np.float32 for p in nn.LogisticRegression(4, 3, dtype="float32").parameters()
    )


def test_readme_reproducibility_claims_hold():
    readme = (ROOT / "README.md").read_text()
    assert "## Reproducibility" in readme and "BLAS thread count" in readme
    X, y = np.arange(60.0).reshape(30, 2), np.arange(30)

    def run():
        nn.manual_seed(11)
        model = nn.MLP(2, [3], 1)
        loader = nn.DataLoader(X, y, 7)
        return model.parameters()[0].data, [yb for _, yb in loader]

    (w1, b1), (w2, b2) = run(), run()
    np.testing.assert_array_equal(w1, w2)
    for u, v in zip(b1, b2, strict=True):
        np.testing.assert_array_equal(u, v)


# --- nn layers: modules built or called wrongly -------------------------------------------
X4 = np.ones((2, 3, 5, 5))  # (N, C, H, W)
X3C = np.ones((2, 3, 5))  # (N, C, L)


def linear_state(**entries):
    return {"weight": np.ones((2, 2)), "bias": np.ones(2), **entries}


LAYERS = {
    "Conv2d kernel 0": (
        lambda: nn.Conv2d(3, 4, 0),
        ValueError,
        "Conv2d: kernel_size must be >= 1, got 0",
    ),
    "Conv2d kernel -1": (
        lambda: nn.Conv2d(3, 4, -1),
        ValueError,
        "kernel_size must be >= 1, got -1",
    ),
    "Conv2d kernel float": (
        lambda: nn.Conv2d(3, 4, 2.5),
        TypeError,
        "Conv2d: kernel_size must be an int or 2 ints, got float 2.5",
    ),
    "Conv2d kernel None": (lambda: nn.Conv2d(3, 4, None), TypeError, "kernel_size must be an int"),
    "Conv2d kernel triple": (
        lambda: nn.Conv2d(3, 4, (3, 3, 3)),
        TypeError,
        r"2 ints, got tuple \(3, 3, 3\)",
    ),
    "Conv2d kernel larger than input": (
        lambda: nn.Conv2d(3, 4, 7)(X4),
        ValueError,
        r"kernel \(7, 7\).*larger than the padded input \(5, 5\)",
    ),
    "Conv2d stride 0": (
        lambda: nn.Conv2d(3, 4, 3, stride=0),
        ValueError,
        "Conv2d: stride must be >= 1, got 0",
    ),
    "Conv2d stride -1": (
        lambda: nn.Conv2d(3, 4, 3, stride=(1, -1)),
        ValueError,
        "stride must be >= 1",
    ),
    "Conv2d padding -1": (
        lambda: nn.Conv2d(3, 4, 3, padding=-1),
        ValueError,
        "padding must be >= 0, got -1",
    ),
    "Conv2d padding 'same'": (
        lambda: nn.Conv2d(3, 4, 3, padding="same"),
        TypeError,
        "Conv2d: padding must be an int or 2 ints, got str 'same'",
    ),
    "Conv2d padding float": (
        lambda: nn.Conv2d(3, 4, 3, padding=1.5),
        TypeError,
        "padding must be an int",
    ),
    "Conv2d dilation 0": (
        lambda: nn.Conv2d(3, 4, 3, dilation=0),
        ValueError,
        "dilation must be >= 1",
    ),
    "Conv2d in_channels mismatch": (
        lambda: nn.Conv2d(2, 4, 3)(X4),
        ValueError,
        r"Conv2d\(2, 4\): expected a 4-D input \(N, C, H, W\) with C = in_channels = 2, got shape "
        r"\(2, 3, 5, 5\)",
    ),
    "Conv2d 3-D input": (
        lambda: nn.Conv2d(3, 4, 3)(X3C),
        ValueError,
        r"4-D input.*got shape \(2, 3, 5\)",
    ),
    "Conv2d 5-D input": (
        lambda: nn.Conv2d(3, 4, 3)(np.ones((1, 2, 3, 5, 5))),
        ValueError,
        "4-D input",
    ),
    "Conv2d float channels": (
        lambda: nn.Conv2d(3.0, 4, 3),
        TypeError,
        "Conv2d: in_channels must be an int, got float",
    ),
    "Conv2d string channels": (
        lambda: nn.Conv2d("3", 4, 3),
        TypeError,
        "in_channels must be an int, got str",
    ),
    "Conv2d bool channels": (
        lambda: nn.Conv2d(True, 4, 3),
        TypeError,
        "in_channels must be an int, got bool",
    ),
    "Conv2d 0 in_channels": (
        lambda: nn.Conv2d(0, 4, 3),
        ValueError,
        "in_channels must be >= 1, got 0",
    ),
    "Conv2d 0 out_channels": (
        lambda: nn.Conv2d(3, 0, 3),
        ValueError,
        "out_channels must be >= 1, got 0",
    ),
    "Conv2d negative out_channels": (
        lambda: nn.Conv2d(3, -4, 3),
        ValueError,
        "out_channels must be >= 1",
    ),
    "Conv2d groups 0": (
        lambda: nn.Conv2d(3, 3, 3, groups=0),
        ValueError,
        "groups must be >= 1, got 0",
    ),
    "Conv2d groups float": (
        lambda: nn.Conv2d(4, 4, 3, groups=2.0),
        TypeError,
        "groups must be an int",
    ),
    "Conv2d groups not dividing": (
        lambda: nn.Conv2d(3, 4, 3, groups=2),
        ValueError,
        "divisible by groups 2",
    ),
    "Conv2d int dtype": (
        lambda: nn.Conv2d(3, 4, 3, dtype="int32"),
        TypeError,
        "Conv2d: dtype must be a float",
    ),
    "Conv2d unknown dtype": (
        lambda: nn.Conv2d(3, 4, 3, dtype="f32"),
        TypeError,
        "Conv2d: unknown dtype 'f32'",
    ),
    "Conv2d seed float": (lambda: nn.Conv2d(3, 4, 3, seed=1.5), TypeError, "Conv2d: seed must be"),
    "Conv2d bias string": (
        lambda: nn.Conv2d(3, 4, 3, bias="no"),
        TypeError,
        "bias must be True or False",
    ),
    "Conv1d kernel 0": (lambda: nn.Conv1d(3, 4, 0), ValueError, "Conv1d: kernel_size must be >= 1"),
    "Conv1d kernel pair": (
        lambda: nn.Conv1d(3, 4, (3, 3)),
        TypeError,
        "Conv1d: kernel_size must be an int",
    ),
    "Conv1d 4-D input": (
        lambda: nn.Conv1d(3, 4, 3)(X4),
        ValueError,
        r"Conv1d\(3, 4\): expected a 3-D input \(N, C, L\)",
    ),
    "Conv1d in_channels mismatch": (
        lambda: nn.Conv1d(2, 4, 3)(X3C),
        ValueError,
        "in_channels = 2, got shape",
    ),
    "Conv1d stride 0": (
        lambda: nn.Conv1d(3, 4, 3, stride=0),
        ValueError,
        "Conv1d: stride must be >= 1",
    ),
    "Conv1d float channels": (
        lambda: nn.Conv1d(3.5, 4, 3),
        TypeError,
        "Conv1d: in_channels must be an int",
    ),
    "MaxPool2d kernel 0": (
        lambda: nn.MaxPool2d(0),
        ValueError,
        "MaxPool2d: kernel_size must be >= 1",
    ),
    "MaxPool2d kernel float": (
        lambda: nn.MaxPool2d(2.0),
        TypeError,
        "MaxPool2d: kernel_size must be an int",
    ),
    "MaxPool2d stride 0": (
        lambda: nn.MaxPool2d(2, stride=0),
        ValueError,
        "MaxPool2d: stride must be >= 1",
    ),
    "MaxPool2d padding -1": (
        lambda: nn.MaxPool2d(2, padding=-1),
        ValueError,
        "padding must be >= 0",
    ),
    "MaxPool2d kernel larger": (
        lambda: nn.MaxPool2d(7)(X4),
        ValueError,
        "larger than the padded input",
    ),
    "MaxPool2d 3-D input": (
        lambda: nn.MaxPool2d(2)(X3C),
        ValueError,
        r"input must be 4-D.*\(2, 3, 5\)",
    ),
    "AvgPool2d kernel string": (
        lambda: nn.AvgPool2d("2"),
        TypeError,
        "AvgPool2d: kernel_size must be an int",
    ),
    "AdaptiveAvgPool2d 0": (
        lambda: nn.AdaptiveAvgPool2d(0),
        ValueError,
        "output_size must be >= 1, got 0",
    ),
    "AdaptiveAvgPool2d float": (
        lambda: nn.AdaptiveAvgPool2d(1.0),
        TypeError,
        "output_size must be an int",
    ),
    "adaptive_avg_pool2d string size": (
        lambda: nn.functional.adaptive_avg_pool2d(Tensor(X4), "1"),
        TypeError,
        "adaptive_avg_pool2d: output_size must be an int or 2 ints",
    ),
    "adaptive_avg_pool2d uneven": (
        lambda: nn.functional.adaptive_avg_pool2d(Tensor(X4), 2),
        ValueError,
        r"output size \(2, 2\) must divide the input's \(5, 5\)",
    ),
    "AdaptiveAvgPool2d 3-D input": (
        lambda: nn.AdaptiveAvgPool2d(1)(X3C),
        ValueError,
        "must be 4-D",
    ),
    "Flatten float dim": (
        lambda: nn.Flatten(1.0),
        TypeError,
        "Flatten: start_dim must be an int, got float",
    ),
    "Flatten string dim": (
        lambda: nn.Flatten(end_dim="-1"),
        TypeError,
        "Flatten: end_dim must be an int",
    ),
    "Flatten 0-d input": (
        lambda: nn.Flatten()(Tensor(1.0)),
        ValueError,
        r"do not fit an input of shape \(\)",
    ),
    "Dropout p -0.1": (
        lambda: nn.Dropout(-0.1),
        ValueError,
        r"Dropout: p must be in \[0, 1\], got -0.1",
    ),
    "Dropout p 1.5": (lambda: nn.Dropout(1.5), ValueError, r"p must be in \[0, 1\], got 1.5"),
    "Dropout p nan": (lambda: nn.Dropout(float("nan")), ValueError, "got nan"),
    "Dropout p string": (
        lambda: nn.Dropout("0.5"),
        TypeError,
        "Dropout: p must be a number, got str",
    ),
    "Dropout p None": (
        lambda: nn.Dropout(None),
        TypeError,
        "Dropout: p must be a number, got NoneType",
    ),
    "Dropout seed float": (lambda: nn.Dropout(0.5, seed=1.5), TypeError, "Dropout: seed must be"),
    "dropout p string": (
        lambda: nn.functional.dropout(Tensor([1.0]), "0.5"),
        TypeError,
        "dropout: p must be a number",
    ),
    "dropout training string": (
        lambda: nn.functional.dropout(Tensor([1.0]), 0.5, training="no"),
        TypeError,
        "dropout: training must be True or False, got str 'no'",
    ),
    "BatchNorm1d wrong feature count": (
        lambda: nn.BatchNorm1d(4)(np.ones((5, 3))),
        ValueError,
        r"expected input of shape \(N, 4, ...\), got \(5, 3\)",
    ),
    "BatchNorm2d wrong feature count": (
        lambda: nn.BatchNorm2d(4)(X4),
        ValueError,
        r"\(N, 4, ...\), got \(2, 3, 5, 5\)",
    ),
    "BatchNorm2d 3-D input": (
        lambda: nn.BatchNorm2d(3)(X3C),
        ValueError,
        "BatchNorm2d: expected a 4-D input",
    ),
    "BatchNorm1d 4-D input": (
        lambda: nn.BatchNorm1d(3)(X4),
        ValueError,
        "BatchNorm1d: expected a 2 or 3-D input",
    ),
    "BatchNorm eps 0": (
        lambda: nn.BatchNorm1d(3, eps=0),
        ValueError,
        "BatchNorm1d: eps must be > 0, got 0",
    ),
    "BatchNorm eps -1": (
        lambda: nn.BatchNorm2d(3, eps=-1),
        ValueError,
        "BatchNorm2d: eps must be > 0",
    ),
    "BatchNorm eps nan": (
        lambda: nn.BatchNorm1d(3, eps=float("nan")),
        ValueError,
        "eps must be a finite",
    ),
    "BatchNorm momentum 2": (
        lambda: nn.BatchNorm1d(3, momentum=2),
        ValueError,
        r"momentum .* in \[0, 1\], got 2",
    ),
    "BatchNorm momentum -0.1": (lambda: nn.BatchNorm1d(3, momentum=-0.1), ValueError, "momentum"),
    "BatchNorm momentum string": (lambda: nn.BatchNorm1d(3, momentum="0.1"), TypeError, "momentum"),
    "BatchNorm 0 features": (
        lambda: nn.BatchNorm1d(0),
        ValueError,
        "num_features must be >= 1, got 0",
    ),
    "BatchNorm float features": (
        lambda: nn.BatchNorm1d(3.0),
        TypeError,
        "num_features must be an int",
    ),
    "BatchNorm int dtype": (
        lambda: nn.BatchNorm1d(3, dtype="int64"),
        TypeError,
        "must be a float dtype",
    ),
    "BatchNorm affine string": (
        lambda: nn.BatchNorm1d(3, affine="no"),
        TypeError,
        "affine must be True",
    ),
    "BatchNorm batch of one": (
        lambda: nn.BatchNorm1d(3)(np.ones((1, 3))),
        ValueError,
        "more than 1 value",
    ),
    "LayerNorm shape mismatch": (
        lambda: nn.LayerNorm(4)(np.ones((2, 3))),
        ValueError,
        r"input of shape \(2, 3\) does not end in normalized_shape \(4,\)",
    ),
    "LayerNorm shape 0": (
        lambda: nn.LayerNorm(0),
        ValueError,
        "normalized_shape must be >= 1, got 0",
    ),
    "LayerNorm shape float": (
        lambda: nn.LayerNorm(3.5),
        TypeError,
        "normalized_shape must be an int",
    ),
    "LayerNorm shape string": (
        lambda: nn.LayerNorm("3"),
        TypeError,
        "normalized_shape must be an int",
    ),
    "LayerNorm shape empty": (lambda: nn.LayerNorm(()), ValueError, "at least one axis"),
    "LayerNorm eps 0": (lambda: nn.LayerNorm(3, eps=0), ValueError, "LayerNorm: eps must be > 0"),
    "LayerNorm int dtype": (
        lambda: nn.LayerNorm(3, dtype=int),
        TypeError,
        "LayerNorm: dtype must be a float",
    ),
    "Embedding index out of range": (
        lambda: nn.Embedding(5, 2)(np.array([5])),
        ValueError,
        r"embedding: index 5 is out of range for 5 embeddings \[0, 5\)",
    ),
    "Embedding negative index": (
        lambda: nn.Embedding(5, 2)([-1]),
        ValueError,
        "index -1 is out of range",
    ),
    "Embedding float indices": (
        lambda: nn.Embedding(5, 2)([1.0, 2.0]),
        ValueError,
        "must be integers, got dtype float64",
    ),
    "Embedding indices as a Tensor": (
        lambda: nn.Embedding(5, 2)(Tensor([1, 2])),
        ValueError,
        "indices must be integers, got dtype float64 \\(a Tensor holds floats",
    ),
    "Embedding bool indices": (
        lambda: nn.Embedding(5, 2)(np.array([True])),
        ValueError,
        "dtype bool",
    ),
    "Embedding ragged indices": (
        lambda: nn.Embedding(5, 2)([[1, 2], [3]]),
        ValueError,
        "embedding: indices is ragged",
    ),
    "Embedding 0 rows": (
        lambda: nn.Embedding(0, 2),
        ValueError,
        "num_embeddings must be >= 1, got 0",
    ),
    "Embedding 0 dim": (
        lambda: nn.Embedding(5, 0),
        ValueError,
        "embedding_dim must be >= 1, got 0",
    ),
    "Embedding float rows": (
        lambda: nn.Embedding(5.0, 2),
        TypeError,
        "num_embeddings must be an int",
    ),
    "Embedding padding_idx float": (
        lambda: nn.Embedding(5, 2, padding_idx=1.5),
        TypeError,
        "padding_idx must be an int",
    ),
    "Embedding padding_idx 5": (
        lambda: nn.Embedding(5, 2, padding_idx=5),
        ValueError,
        "padding_idx 5 is out of range",
    ),
    "Sequential of a string": (
        lambda: nn.Sequential(nn.Linear(2, 2), "relu"),
        TypeError,
        "argument 1 is str, not a Module",
    ),
    "Sequential of a class": (
        lambda: nn.Sequential(nn.ReLU),
        TypeError,
        "argument 0 is type, not a Module",
    ),
    "Sequential of a list": (lambda: nn.Sequential([nn.ReLU()]), TypeError, "argument 0 is list"),
    "Sequential index out of range": (
        lambda: nn.Sequential(nn.ReLU())[5],
        IndexError,
        "Sequential: index 5 is out of range for 1 modules",
    ),
    "Sequential string index": (
        lambda: nn.Sequential(nn.ReLU())["0"],
        TypeError,
        "index must be an int",
    ),
    "ModuleList of an int": (
        lambda: nn.ModuleList([nn.ReLU(), 3]),
        TypeError,
        "ModuleList: got int",
    ),
    "state_dict missing key": (
        lambda: nn.Linear(2, 2).load_state_dict({"weight": np.ones((2, 2))}),
        KeyError,
        r"missing keys \['bias'\], unexpected keys \[\]",
    ),
    "state_dict extra key": (
        lambda: nn.Linear(2, 2).load_state_dict(linear_state(zzz=np.ones(1))),
        KeyError,
        r"unexpected keys \['zzz'\]",
    ),
    "state_dict mis-shaped": (
        lambda: nn.Linear(2, 2).load_state_dict(linear_state(weight=np.ones((3, 2)))),
        ValueError,
        r"weight has shape \(2, 2\) in the model but \(3, 2\) in the state dict",
    ),
    "state_dict strings": (
        lambda: nn.Linear(2, 2).load_state_dict(linear_state(bias=np.array(["a", "b"]))),
        ValueError,
        "bias holds non-numeric",
    ),
    "state_dict ragged": (
        lambda: nn.Linear(2, 2).load_state_dict(linear_state(weight=[[1, 2], [3]])),
        ValueError,
        "weight is ragged",
    ),
    "state_dict complex": (
        lambda: nn.Linear(2, 2).load_state_dict(linear_state(bias=np.ones(2) * 1j)),
        ValueError,
        r"bias holds complex numbers \(complex128\)",
    ),
    "state_dict a list": (
        lambda: nn.Linear(2, 2).load_state_dict([np.ones((2, 2)), np.ones(2)]),
        TypeError,
        "state must be a dict of name -> array, got list",
    ),
    "state_dict None": (lambda: nn.Linear(2, 2).load_state_dict(None), TypeError, "got NoneType"),
    "state_dict a model": (
        lambda: nn.Linear(2, 2).load_state_dict(nn.Linear(2, 2)),
        TypeError,
        r"pass model.state_dict\(\), not the model",
    ),
    "state_dict strict string": (
        lambda: nn.Linear(2, 2).load_state_dict(linear_state(), strict="no"),
        TypeError,
        "strict must be True or False",
    ),
    "train('False')": (
        lambda: nn.Linear(2, 2).train("False"),
        TypeError,
        "Linear.train: mode must be True or False",
    ),
    "train(None)": (lambda: nn.MLP(2, [2], 2).train(None), TypeError, "MLP.train: mode must be"),
    "Linear bias string": (
        lambda: nn.Linear(3, 2, bias="no"),
        TypeError,
        "Linear: bias must be True or False",
    ),
    "LeakyReLU slope string": (
        lambda: nn.LeakyReLU("0.1"),
        TypeError,
        "LeakyReLU: negative_slope must be a number",
    ),
    "LeakyReLU slope nan": (
        lambda: nn.LeakyReLU(float("nan")),
        ValueError,
        "negative_slope must be a finite",
    ),
    "ELU alpha string": (lambda: nn.ELU("a"), TypeError, "ELU: alpha must be a number, got str"),
    "Softplus threshold None": (
        lambda: nn.Softplus(threshold=None),
        TypeError,
        "threshold must be a number",
    ),
    "Hardtanh bound string": (
        lambda: nn.Hardtanh("-1", 1),
        TypeError,
        "Hardtanh: min_val must be a number",
    ),
    "Softmax dim float": (lambda: nn.Softmax(1.0), TypeError, "Softmax: dim must be an int"),
    "LogSoftmax dim string": (
        lambda: nn.LogSoftmax("1"),
        TypeError,
        "LogSoftmax: dim must be an int",
    ),
    "CNN image_size float": (
        lambda: nn.CNN(image_size=28.0),
        TypeError,
        "CNN: image_size must be an int",
    ),
    "CNN in_channels 0": (
        lambda: nn.CNN(in_channels=0),
        ValueError,
        "Conv2d: in_channels must be >= 1",
    ),
    "CNN wrong image size": (
        lambda: nn.CNN(seed=0)(np.ones((2, 1, 20, 20))),
        ValueError,
        r"CNN: built for 28x28 images .* got input of shape \(2, 1, 20, 20\)",
    ),
}


@pytest.mark.parametrize("call, error, message", LAYERS.values(), ids=LAYERS.keys())
def test_nn_layers(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(
    "layer",
    [nn.ReLU(), nn.Sigmoid(), nn.Tanh(), nn.LeakyReLU(), nn.GELU(), nn.Softmax(), nn.Flatten(0)],
    ids=lambda m: type(m).__name__,
)
def test_nn_layers_without_parameters_take_arrays(layer):
    """Layers without parameters called on an ndarray or a list give a Tensor (they raised
    AttributeError: 'numpy.ndarray' object has no attribute 'relu')."""
    out = layer(np.array([[-1.0, 0.5]]))
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.data, layer(Tensor([[-1.0, 0.5]])).data)


def test_nn_layers_pooling_and_dropout_take_arrays():
    for out in (
        nn.functional.layer_norm(np.ones((2, 3)), 3),  # were bare ndarrays
        nn.functional.batch_norm(np.arange(6.0).reshape(3, 2), None, None, training=True),
        nn.functional.dropout(np.ones(3), 0.5),
    ):
        assert isinstance(out, Tensor)
    assert isinstance(nn.AdaptiveAvgPool2d(1)(X4), Tensor)  # was a bare ndarray
    assert isinstance(nn.functional.adaptive_avg_pool2d(X4, 1), Tensor)
    assert nn.MaxPool2d(2)(X4).shape == (2, 3, 2, 2)
    assert isinstance(nn.Dropout(0.5, seed=0)(np.ones(3)), Tensor)
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert seq[-1] is seq[2] and seq[0:2] == [seq[0], seq[1]]


# --- nn losses: predictions and targets that do not fit -----------------------------------
Fn = nn.functional


def logits(n=4, k=3):
    return Tensor(np.zeros((n, k)), requires_grad=True)


def probs(*values):
    return Tensor(np.array(values, dtype=float))


LOSSES = {
    "cross_entropy one-hot int targets": (
        lambda: Fn.cross_entropy(logits(), np.eye(3, dtype=int)[[0, 1, 2, 0]]),
        ValueError,
        r"labels of shape \(4, 3\) .* look like one-hot rows; pass class indices "
        r"\(labels.argmax\(axis=1\)\)",
    ),
    "cross_entropy float class indices": (
        lambda: Fn.cross_entropy(logits(), np.array([0.0, 1, 2, 0])),
        ValueError,
        "cross_entropy: labels must be integer class indices, got dtype float64",
    ),
    "cross_entropy bool labels": (
        lambda: Fn.cross_entropy(logits(), np.array([True, False, True, False])),
        ValueError,
        "integer class indices, got dtype bool",
    ),
    "cross_entropy labels as a Tensor": (
        lambda: Fn.cross_entropy(logits(), Tensor([0, 1, 2, 0])),
        ValueError,
        "got dtype float64 \\(a Tensor holds floats: pass the labels as an integer ndarray\\)",
    ),
    "nll_loss labels as a Tensor": (
        lambda: Fn.nll_loss(logits(), Tensor([0, 1, 2, 0])),
        ValueError,
        "nll_loss: labels must be integer class indices.*a Tensor holds floats",
    ),
    "cross_entropy string labels": (
        lambda: Fn.cross_entropy(logits(), ["a", "b", "c", "d"]),
        ValueError,
        "integer class indices",
    ),
    "cross_entropy None labels": (
        lambda: Fn.cross_entropy(logits(), None),
        TypeError,
        "cross_entropy: labels is None",
    ),
    "cross_entropy ragged labels": (
        lambda: Fn.cross_entropy(logits(), [[0], [1, 2], [0], [1]]),
        ValueError,
        "cross_entropy: labels is ragged",
    ),
    "cross_entropy too few labels": (
        lambda: Fn.cross_entropy(logits(), np.array([0, 1])),
        ValueError,
        r"logits have shape \(4, 3\), so labels must have shape \(4,\); got \(2,\)",
    ),
    "cross_entropy labels (n, 1)": (
        lambda: Fn.cross_entropy(logits(), np.zeros((4, 1), int)),
        ValueError,
        r"labels must have shape \(4,\); got \(4, 1\)",
    ),
    "cross_entropy class index = k": (
        lambda: Fn.cross_entropy(logits(), np.array([0, 1, 3, 0])),
        ValueError,
        r"cross_entropy: label 3 is out of range for 3 classes \[0, 3\)",
    ),
    "cross_entropy class index -1": (
        lambda: Fn.cross_entropy(logits(), np.array([0, -1, 1, 0])),
        ValueError,
        "cross_entropy: label -1 is out of range",
    ),
    "cross_entropy huge class index": (
        lambda: Fn.cross_entropy(logits(), np.array([0, 10**6, 1, 0])),
        ValueError,
        "label 1000000 is out of range",
    ),
    "cross_entropy 1-D logits": (
        lambda: Fn.cross_entropy(Tensor(np.zeros(3)), np.array([0])),
        ValueError,
        r"logits must be \(n, classes\), got shape \(3,\)",
    ),
    "cross_entropy 3-D logits": (
        lambda: Fn.cross_entropy(Tensor(np.zeros((2, 3, 4))), np.array([0, 1])),
        ValueError,
        r"got shape \(2, 3, 4\)",
    ),
    "cross_entropy arguments swapped": (
        lambda: Fn.cross_entropy(np.zeros(4, int), logits()),
        ValueError,
        r"logits must be \(n, classes\)",
    ),
    "cross_entropy probabilities of the wrong width": (
        lambda: Fn.cross_entropy(logits(), np.ones((4, 2)) / 2),
        ValueError,
        r"labels must have shape \(4,\); got \(4, 2\)",
    ),
    "cross_entropy negative probabilities": (
        lambda: Fn.cross_entropy(logits(), -np.ones((4, 3))),
        ValueError,
        "cross_entropy: target probabilities must be >= 0, got -1.0",
    ),
    "cross_entropy nan probabilities": (
        lambda: Fn.cross_entropy(logits(), np.full((4, 3), np.nan)),
        ValueError,
        "probabilities must be >= 0, got nan",
    ),
    "cross_entropy reduction 'avg'": (
        lambda: Fn.cross_entropy(logits(), np.zeros(4, int), reduction="avg"),
        ValueError,
        r"cross_entropy: reduction must be one of \('mean', 'sum', 'none'\), got 'avg'",
    ),
    "cross_entropy reduction None": (
        lambda: Fn.cross_entropy(logits(), np.zeros(4, int), reduction=None),
        ValueError,
        "reduction must be one of .* got None",
    ),
    "cross_entropy reduction batchmean": (
        lambda: Fn.cross_entropy(logits(), np.zeros(4, int), reduction="batchmean"),
        ValueError,
        "got 'batchmean'",
    ),
    "cross_entropy weight of the wrong length": (
        lambda: Fn.cross_entropy(logits(), np.zeros(4, int), weight=np.ones(2)),
        ValueError,
        r"weight must be 3 finite numbers \(one per class\), got shape \(2,\)",
    ),
    "cross_entropy weight string": (
        lambda: Fn.cross_entropy(logits(), np.zeros(4, int), weight="abc"),
        ValueError,
        "weight must be 3 finite numbers",
    ),
    "cross_entropy weight nan": (
        lambda: Fn.cross_entropy(logits(), np.zeros(4, int), weight=[1, np.nan, 1]),
        ValueError,
        "weight must be 3 finite numbers",
    ),
    "cross_entropy label_smoothing 2": (
        lambda: Fn.cross_entropy(logits(), np.zeros(4, int), label_smoothing=2),
        ValueError,
        r"label_smoothing must be in \[0, 1\], got 2",
    ),
    "cross_entropy label_smoothing string": (
        lambda: Fn.cross_entropy(logits(), np.zeros(4, int), label_smoothing="a"),
        TypeError,
        "cross_entropy: label_smoothing must be a number, got str",
    ),
    "cross_entropy ignore_index float": (
        lambda: Fn.cross_entropy(logits(), np.zeros(4, int), ignore_index=1.5),
        TypeError,
        "cross_entropy: ignore_index must be an int, got float 1.5",
    ),
    "cross_entropy ignore_index string": (
        lambda: Fn.cross_entropy(logits(), np.zeros(4, int), ignore_index="a"),
        TypeError,
        "ignore_index must be an int",
    ),
    "cross_entropy logits strings": (
        lambda: Fn.cross_entropy("abc", np.zeros(4, int)),
        TypeError,
        "cross_entropy: input must be a Tensor or an array of numbers",
    ),
    "nll_loss class index = k": (
        lambda: Fn.nll_loss(logits(), np.array([0, 1, 3, 0])),
        ValueError,
        "nll_loss: label 3 is out of range for 3 classes",
    ),
    "nll_loss class index -2": (
        lambda: Fn.nll_loss(logits(), np.array([0, -2, 1, 0])),
        ValueError,
        "nll_loss: label -2 is out of range",
    ),
    "nll_loss float labels": (
        lambda: Fn.nll_loss(logits(), np.array([0.0, 1, 2, 0])),
        ValueError,
        "nll_loss: labels must be integer class indices",
    ),
    "nll_loss weight of the wrong length": (
        lambda: Fn.nll_loss(logits(), np.zeros(4, int), weight=np.ones(4)),
        ValueError,
        r"nll_loss: weight must be 3 finite numbers .* got shape \(4,\)",
    ),
    "nll_loss reduction 'means'": (
        lambda: Fn.nll_loss(logits(), np.zeros(4, int), reduction="means"),
        ValueError,
        "nll_loss: reduction must be one of",
    ),
    "nll_loss 1-D input": (
        lambda: Fn.nll_loss(Tensor(np.zeros(3)), np.zeros(3, int)),
        ValueError,
        r"nll_loss: input must be \(n, classes\)",
    ),
    "mse_loss (n, 1) against (n,)": (
        lambda: Fn.mse_loss(Tensor(np.zeros((4, 1))), np.zeros(4)),
        ValueError,
        r"mse_loss: input has shape \(4, 1\) but target has shape \(4,\)",
    ),
    "mse_loss reduction 'Mean'": (
        lambda: Fn.mse_loss(Tensor(np.zeros(3)), np.zeros(3), reduction="Mean"),
        ValueError,
        "mse_loss: reduction must be one of .* got 'Mean'",
    ),
    "mse_loss string target": (
        lambda: Fn.mse_loss(Tensor(np.zeros(3)), ["a", "b", "c"]),
        TypeError,
        "mse_loss: target must be numbers",
    ),
    "mse_loss ragged target": (
        lambda: Fn.mse_loss(Tensor(np.zeros(2)), [[1], [2, 3]]),
        ValueError,
        "mse_loss: target is ragged",
    ),
    "mse_loss complex target": (
        lambda: Fn.mse_loss(Tensor(np.zeros(3)), np.ones(3) * 1j),
        TypeError,
        "target must be numbers, got dtype complex128",
    ),
    "mse_loss None input": (lambda: Fn.mse_loss(None, np.zeros(3)), TypeError, "mse_loss: input"),
    "l1_loss shapes": (
        lambda: Fn.l1_loss(Tensor(np.zeros(3)), np.zeros(4)),
        ValueError,
        r"l1_loss: input has shape \(3,\) but target has shape \(4,\)",
    ),
    "huber_loss delta 0": (
        lambda: Fn.huber_loss(Tensor(np.zeros(3)), np.zeros(3), delta=0),
        ValueError,
        "huber_loss: delta must be > 0, got 0",
    ),
    "huber_loss delta string": (
        lambda: Fn.huber_loss(Tensor(np.zeros(3)), np.zeros(3), delta="1"),
        TypeError,
        "huber_loss: delta must be a number",
    ),
    "huber_loss delta inf": (
        lambda: Fn.huber_loss(Tensor(np.zeros(3)), np.ones(3), delta=float("inf")),
        ValueError,
        "delta must be a finite number > 0, got inf",
    ),
    "smooth_l1_loss beta -1": (
        lambda: Fn.smooth_l1_loss(Tensor(np.zeros(3)), np.zeros(3), beta=-1),
        ValueError,
        "smooth_l1_loss: beta must be >= 0, got -1",
    ),
    "smooth_l1_loss beta string": (
        lambda: Fn.smooth_l1_loss(Tensor(np.zeros(3)), np.zeros(3), beta="1"),
        TypeError,
        "beta must be a number",
    ),
    "binary_cross_entropy target 2": (
        lambda: Fn.binary_cross_entropy(probs(0.5, 0.5), np.array([2.0, 0.0])),
        ValueError,
        r"binary_cross_entropy: target must be probabilities in \[0, 1\] .* got 2.0",
    ),
    "binary_cross_entropy target -1": (
        lambda: Fn.binary_cross_entropy(probs(0.5, 0.5), np.array([-1.0, 1.0])),
        ValueError,
        "got -1.0",
    ),
    "binary_cross_entropy target nan": (
        lambda: Fn.binary_cross_entropy(probs(0.5, 0.5), np.array([np.nan, 1.0])),
        ValueError,
        "target must be probabilities",
    ),
    "binary_cross_entropy (n,) against (n, 1)": (
        lambda: Fn.binary_cross_entropy(probs(0.5, 0.5), np.array([[1.0], [0.0]])),
        ValueError,
        r"input has shape \(2,\) but target has shape \(2, 1\)",
    ),
    "binary_cross_entropy weight of the wrong length": (
        lambda: Fn.binary_cross_entropy(probs(0.5, 0.5), [1.0, 0.0], weight=np.ones(3)),
        ValueError,
        r"weight of shape \(3,\) does not broadcast to the input's shape \(2,\)",
    ),
    "binary_cross_entropy weight string": (
        lambda: Fn.binary_cross_entropy(probs(0.5, 0.5), [1.0, 0.0], weight="a"),
        TypeError,
        "binary_cross_entropy: weight must be numbers",
    ),
    "bce_with_logits class indices as target": (
        lambda: Fn.binary_cross_entropy_with_logits(probs(0.5, 0.5, 1.0), np.array([0, 1, 2])),
        ValueError,
        r"binary_cross_entropy_with_logits: target must be probabilities in \[0, 1\].*"
        "for class indices use cross_entropy",
    ),
    "bce_with_logits -1/+1 labels": (
        lambda: Fn.binary_cross_entropy_with_logits(probs(0.5, 0.5), np.array([-1.0, 1.0])),
        ValueError,
        "got -1.0",
    ),
    "bce_with_logits (n, 1) against (n,)": (
        lambda: Fn.binary_cross_entropy_with_logits(Tensor(np.zeros((4, 1))), np.zeros(4)),
        ValueError,
        r"input has shape \(4, 1\) but target has shape \(4,\)",
    ),
    "bce_with_logits pos_weight of the wrong length": (
        lambda: Fn.binary_cross_entropy_with_logits(
            Tensor(np.zeros((4, 3))), np.zeros((4, 3)), pos_weight=np.ones(2)
        ),
        ValueError,
        r"pos_weight of shape \(2,\) does not broadcast to the input's shape \(4, 3\)",
    ),
    "bce_with_logits reduction 'total'": (
        lambda: Fn.binary_cross_entropy_with_logits(
            Tensor(np.zeros(4)), np.zeros(4), reduction="total"
        ),
        ValueError,
        "reduction must be one of",
    ),
    "kl_div reduction 'batch'": (
        lambda: Fn.kl_div(Tensor(np.zeros(3)), np.ones(3) / 3, reduction="batch"),
        ValueError,
        "kl_div: reduction must be one of .*'batchmean'",
    ),
    "kl_div negative target": (
        lambda: Fn.kl_div(Tensor(np.zeros(3)), -np.ones(3)),
        ValueError,
        "kl_div: target must be probabilities",
    ),
    "kl_div log_target string": (
        lambda: Fn.kl_div(Tensor(np.zeros(3)), np.ones(3) / 3, log_target="yes"),
        TypeError,
        "kl_div: log_target must be True or False",
    ),
    "one_hot float labels": (
        lambda: Fn.one_hot([0.0, 1.0], 3),
        ValueError,
        "one_hot: labels must be integer class indices",
    ),
    "one_hot label >= num_classes": (
        lambda: Fn.one_hot([0, 5], 3),
        ValueError,
        "one_hot: label 5 is out of range for 3 classes",
    ),
    "one_hot 2-D labels": (
        lambda: Fn.one_hot([[0, 1]], 3),
        ValueError,
        "one_hot: labels must be 1-D",
    ),
    "one_hot num_classes float": (lambda: Fn.one_hot([0], 2.5), ValueError, "num_classes must be"),
}


@pytest.mark.parametrize("call, error, message", LOSSES.values(), ids=LOSSES.keys())
def test_nn_losses(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_nn_losses_edge_cases_that_are_right():
    """Not errors: the mean over an empty batch is nan as in PyTorch (0 / 0, no numpy
    warning) and the sum 0; ignored rows count nothing; functional activations take arrays."""
    assert np.isnan(Fn.cross_entropy(np.zeros((0, 3)), np.zeros(0, int)).item())
    assert Fn.cross_entropy(np.zeros((0, 3)), np.zeros(0, int), reduction="sum").item() == 0.0
    assert np.isnan(Fn.mse_loss(np.zeros(0), np.zeros(0)).item())
    kept = Fn.cross_entropy(logits(2), np.array([0, -100])).item()
    assert kept == pytest.approx(np.log(3))
    assert Fn.binary_cross_entropy_with_logits([0.0], [0.25]).item() == pytest.approx(np.log(2))
    for fn in (Fn.relu, Fn.softmax, Fn.leaky_relu, Fn.gelu, Fn.log_sigmoid):
        assert isinstance(fn(np.array([-1.0, 2.0])), Tensor)


# --- nn optimizers, schedulers and gradient clipping --------------------------------------
optim, sched = nn.optim, nn.optim.lr_scheduler


def params(n=1):
    return [nn.Parameter(np.ones(3)) for _ in range(n)]


def sgd(**kw):
    return optim.SGD(params(), lr=0.1, **kw)


def with_grads(*grads):
    out = []
    for g in grads:
        p = nn.Parameter(np.ones(np.shape(g)))
        p.grad = None if g is None else np.array(g)
        out.append(p)
    return out


OPTIM = {
    "Adam beta1 = 1": (
        lambda: optim.Adam(params(), betas=(1.0, 0.999)),
        ValueError,
        r"Adam: betas must be two numbers in \[0, 1\), got \(1.0, 0.999\)",
    ),
    "Adam negative beta": (lambda: optim.Adam(params(), betas=(-0.1, 0.9)), ValueError, "betas"),
    "Adam one beta": (lambda: optim.Adam(params(), betas=0.9), ValueError, "betas must be two"),
    "Adam three betas": (lambda: optim.Adam(params(), betas=(0.9, 0.9, 0.9)), ValueError, "two"),
    "Adam nan beta": (lambda: optim.Adam(params(), betas=(np.nan, 0.9)), ValueError, "betas"),
    "Adam eps 0": (lambda: optim.Adam(params(), eps=0), ValueError, "Adam: eps must be a positive"),
    "Adam weight_decay -0.1": (
        lambda: optim.Adam(params(), weight_decay=-0.1),
        ValueError,
        "Adam: weight_decay must be a finite number >= 0, got -0.1",
    ),
    "AdamW weight_decay -1": (
        lambda: optim.AdamW(params(), weight_decay=-1),
        ValueError,
        "AdamW: weight_decay",
    ),
    "Adam amsgrad string": (
        lambda: optim.Adam(params(), amsgrad="yes"),
        ValueError,
        "True or False",
    ),
    "Adam lr string": (lambda: optim.Adam(params(), lr="0.001"), ValueError, "Adam: lr must be"),
    "SGD momentum -0.9": (
        lambda: sgd(momentum=-0.9),
        ValueError,
        "SGD: momentum must be a finite number >= 0, got -0.9",
    ),
    "SGD momentum nan": (lambda: sgd(momentum=np.nan), ValueError, "momentum must be"),
    "SGD weight_decay -1": (lambda: sgd(weight_decay=-1), ValueError, "SGD: weight_decay must be"),
    "SGD dampening 2": (
        lambda: sgd(momentum=0.9, dampening=2),
        ValueError,
        r"dampening .*\[0, 1\]",
    ),
    "SGD nesterov without momentum": (lambda: sgd(nesterov=True), ValueError, "Nesterov momentum"),
    "SGD lr inf": (
        lambda: optim.SGD(params(), lr=np.inf),
        ValueError,
        "lr must be a positive finite",
    ),
    "RMSprop alpha 1.5": (lambda: optim.RMSprop(params(), alpha=1.5), ValueError, "RMSprop: alpha"),
    "RMSprop momentum -1": (lambda: optim.RMSprop(params(), momentum=-1), ValueError, "momentum"),
    "Adagrad lr_decay -1": (lambda: optim.Adagrad(params(), lr_decay=-1), ValueError, "lr_decay"),
    "Adagrad initial_accumulator_value -1": (
        lambda: optim.Adagrad(params(), initial_accumulator_value=-1),
        ValueError,
        "initial_accumulator_value must be",
    ),
    "parameter in two groups": (
        lambda: (lambda p: optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1))(params()[0]),
        ValueError,
        "appear in more than one parameter group",
    ),
    "empty parameter list": (lambda: optim.SGD([], lr=0.1), ValueError, "empty parameter list"),
    "empty generator": (lambda: optim.Adam(p for p in []), ValueError, "empty parameter list"),
    "a Module as params": (
        lambda: optim.SGD(nn.Linear(2, 2), lr=0.1),
        TypeError,
        r"got a Linear module, not its parameters; pass model.parameters\(\)",
    ),
    "named_parameters as params": (
        lambda: optim.SGD(nn.Linear(2, 2).named_parameters(), lr=0.1),
        TypeError,
        "parameter 0 is a tuple, not a Tensor",
    ),
    "ndarrays as params": (lambda: optim.SGD([np.ones(3)], lr=0.1), TypeError, "is a ndarray"),
    "a constant Tensor": (lambda: optim.SGD([Tensor([1.0])], lr=0.1), ValueError, "require grad"),
    "None as params": (lambda: optim.SGD(None, lr=0.1), TypeError, "got NoneType"),
    "one group dict as params": (
        lambda: optim.SGD({"params": params()}, lr=0.1),
        TypeError,
        "a list of dicts, got dict",
    ),
    "group without params": (
        lambda: optim.SGD([{"lr": 0.1}], lr=0.1),
        TypeError,
        "a parameter group must be a dict with 'params'",
    ),
    "group params None": (lambda: optim.SGD([{"params": None}], lr=0.1), TypeError, "NoneType"),
    "group with a typo": (
        lambda: optim.SGD([{"params": params(), "learning_rate": 0.5}], lr=0.1),
        ValueError,
        r"SGD: unknown hyperparameter \['learning_rate'\] in a parameter group; SGD takes "
        r"\['dampening', 'lr', 'momentum', 'nesterov', 'weight_decay'\]",
    ),
    "group with another optimizer's key": (
        lambda: optim.SGD([{"params": params(), "betas": (0.9, 0.99)}], lr=0.1),
        ValueError,
        r"unknown hyperparameter \['betas'\]",
    ),
    "add_param_group with a typo": (
        lambda: sgd().add_param_group({"params": params(), "weight_decy": 0.1}),
        ValueError,
        "unknown hyperparameter",
    ),
    "groups mixed with parameters": (
        lambda: optim.SGD([{"params": params()}, nn.Parameter(np.ones(2))], lr=0.1),
        TypeError,
        "parameter 0 is a dict",
    ),
    "lr set to nan": (lambda: setattr(sgd(), "lr", np.nan), ValueError, "lr must be"),
    "load_state_dict None": (
        lambda: sgd().load_state_dict(None),
        ValueError,
        r"SGD.load_state_dict: expected an optimizer's state_dict\(\) .* got NoneType",
    ),
    "load_state_dict of a model": (
        lambda: sgd().load_state_dict(nn.Linear(2, 2).state_dict()),
        ValueError,
        r"expected an optimizer's state_dict\(\) .* got \['bias', 'weight'\]",
    ),
    "load_state_dict of another optimizer": (
        lambda: sgd().load_state_dict(optim.Adam(params()).state_dict()),
        ValueError,
        r"SGD.load_state_dict: the saved groups hold the hyperparameters \['amsgrad', 'betas', "
        r"'eps', 'lr', 'weight_decay'\], not SGD's",
    ),
    "load_state_dict of another size": (
        lambda: sgd().load_state_dict(optim.SGD(params(2), lr=0.1).state_dict()),
        ValueError,
        r"the saved groups have \[2\] parameters, this optimizer's have \[1\]",
    ),
    "StepLR step_size 0": (
        lambda: sched.StepLR(sgd(), 0),
        ValueError,
        "StepLR: step_size must be a positive int, got 0",
    ),
    "StepLR step_size -1": (lambda: sched.StepLR(sgd(), -1), ValueError, "step_size must be"),
    "StepLR step_size 2.0": (lambda: sched.StepLR(sgd(), 2.0), ValueError, "got 2.0"),
    "StepLR gamma 0": (lambda: sched.StepLR(sgd(), 2, gamma=0), ValueError, "gamma must be > 0"),
    "StepLR gamma -1": (lambda: sched.StepLR(sgd(), 2, gamma=-1), ValueError, "got -1"),
    "StepLR gamma nan": (lambda: sched.StepLR(sgd(), 2, gamma=np.nan), ValueError, "gamma"),
    "StepLR gamma string": (lambda: sched.StepLR(sgd(), 2, gamma="0.1"), ValueError, "gamma"),
    "StepLR on a Module": (
        lambda: sched.StepLR(nn.Linear(2, 2), 2),
        TypeError,
        "StepLR: needs an nn.optim optimizer, got Linear",
    ),
    "StepLR on a parameter list": (lambda: sched.StepLR(params(), 2), TypeError, "got list"),
    "StepLR on None": (lambda: sched.StepLR(None, 2), TypeError, "got NoneType"),
    "StepLR last_epoch string": (
        lambda: sched.StepLR(sgd(), 2, last_epoch="0"),
        ValueError,
        "StepLR: last_epoch must be an int >= -1",
    ),
    "StepLR last_epoch -5": (lambda: sched.StepLR(sgd(), 2, last_epoch=-5), ValueError, ">= -1"),
    "StepLR last_epoch float": (lambda: sched.StepLR(sgd(), 2, last_epoch=1.5), ValueError, "int"),
    "StepLR.step(metric)": (
        lambda: sched.StepLR(sgd(), 2).step(0.5),
        TypeError,
        r"StepLR.step\(\) takes no argument, got 0.5; only ReduceLROnPlateau.step\(metric\)",
    ),
    "OneCycleLR.step(metric)": (
        lambda: sched.OneCycleLR(sgd(momentum=0.9), 0.1, total_steps=4).step(0.5),
        TypeError,
        r"OneCycleLR.step\(\) takes no argument",
    ),
    "MultiStepLR milestones int": (
        lambda: sched.MultiStepLR(sgd(), 5),
        ValueError,
        "MultiStepLR: milestones must be a list of epoch numbers, got 5",
    ),
    "MultiStepLR negative milestone": (
        lambda: sched.MultiStepLR(sgd(), [-1]),
        ValueError,
        "non-neg",
    ),
    "ExponentialLR gamma inf": (lambda: sched.ExponentialLR(sgd(), np.inf), ValueError, "gamma"),
    "ExponentialLR on a string": (lambda: sched.ExponentialLR("adam", 0.9), TypeError, "got str"),
    "CosineAnnealingLR T_max 0": (lambda: sched.CosineAnnealingLR(sgd(), 0), ValueError, "T_max"),
    "CosineAnnealingLR eta_min -1": (
        lambda: sched.CosineAnnealingLR(sgd(), 10, eta_min=-1),
        ValueError,
        "eta_min must be >= 0",
    ),
    "LinearLR start_factor 0": (lambda: sched.LinearLR(sgd(), start_factor=0), ValueError, "start"),
    "OneCycleLR without steps": (lambda: sched.OneCycleLR(sgd(), 0.1), ValueError, "total_steps"),
    "OneCycleLR pct_start 2": (
        lambda: sched.OneCycleLR(sgd(), 0.1, total_steps=10, pct_start=2),
        ValueError,
        r"pct_start must be in \[0, 1\]",
    ),
    "OneCycleLR one max_lr per group": (
        lambda: sched.OneCycleLR(sgd(), [0.1, 0.2], total_steps=10),
        ValueError,
        r"one per group \(1\)",
    ),
    "ReduceLROnPlateau factor 1": (
        lambda: sched.ReduceLROnPlateau(sgd(), factor=1.0),
        ValueError,
        r"factor must be in \(0, 1\)",
    ),
    "ReduceLROnPlateau patience float": (
        lambda: sched.ReduceLROnPlateau(sgd(), patience=2.5),
        ValueError,
        "patience must be an int",
    ),
    "ReduceLROnPlateau eps -1": (
        lambda: sched.ReduceLROnPlateau(sgd(), eps=-1),
        ValueError,
        "ReduceLROnPlateau: eps must be >= 0, got -1",
    ),
    "ReduceLROnPlateau metric string": (
        lambda: sched.ReduceLROnPlateau(sgd()).step("low"),
        TypeError,
        "metrics must be a number",
    ),
    "scheduler load_state_dict None": (
        lambda: sched.StepLR(sgd(), 2).load_state_dict(None),
        TypeError,
        r"StepLR.load_state_dict: expected a scheduler's state_dict\(\), got None",
    ),
    "scheduler load_state_dict unknown key": (
        lambda: sched.StepLR(sgd(), 2).load_state_dict({"zzz": 1}),
        ValueError,
        r"unexpected keys \['zzz'\]",
    ),
    "scheduler load_state_dict wrong kind": (
        lambda: sched.StepLR(sgd(), 2).load_state_dict({"step_size": "a"}),
        ValueError,
        "StepLR.load_state_dict: step_size must be a number like this scheduler's, got 'a'",
    ),
    "clip_grad_norm_ max_norm -1": (
        lambda: nn.utils.clip_grad_norm_(with_grads([1.0]), -1),
        ValueError,
        "clip_grad_norm_: max_norm must be a finite number >= 0, got -1",
    ),
    "clip_grad_norm_ max_norm nan": (
        lambda: nn.utils.clip_grad_norm_(with_grads([1.0]), np.nan),
        ValueError,
        "max_norm must be a finite number",
    ),
    "clip_grad_norm_ max_norm string": (
        lambda: nn.utils.clip_grad_norm_(with_grads([1.0]), "1"),
        ValueError,
        "max_norm must be",
    ),
    "clip_grad_norm_ norm_type 0": (
        lambda: nn.utils.clip_grad_norm_(with_grads([1.0]), 1.0, norm_type=0),
        ValueError,
        "norm_type must be > 0 or inf, got 0.0",
    ),
    "clip_grad_norm_ norm_type nan": (
        lambda: nn.utils.clip_grad_norm_(with_grads([1.0]), 1.0, norm_type=np.nan),
        ValueError,
        "norm_type must be > 0",
    ),
    "clip_grad_norm_ norm_type 'fro'": (
        lambda: nn.utils.clip_grad_norm_(with_grads([1.0]), 1.0, norm_type="fro"),
        TypeError,
        r"clip_grad_norm_: norm_type must be a number > 0 or inf \(2 for the Euclidean norm\), "
        "got 'fro'",
    ),
    "clip_grad_norm_ norm_type None": (
        lambda: nn.utils.clip_grad_norm_(with_grads([1.0]), 1.0, norm_type=None),
        TypeError,
        "norm_type must be a number",
    ),
    "clip_grad_norm_ of a Module": (
        lambda: nn.utils.clip_grad_norm_(nn.Linear(2, 2), 1.0),
        TypeError,
        r"pass model.parameters\(\), not the Linear",
    ),
    "clip_grad_norm_ of None": (
        lambda: nn.utils.clip_grad_norm_(None, 1.0),
        TypeError,
        "parameters must be a Tensor or an iterable of Tensors .* got NoneType",
    ),
    "clip_grad_norm_ of arrays": (
        lambda: nn.utils.clip_grad_norm_([np.ones(3)], 1.0),
        TypeError,
        "parameter 0 is a ndarray, not a Tensor",
    ),
    "clip_grad_norm_ of an int .grad": (
        lambda: nn.utils.clip_grad_norm_(with_grads(np.array([5, 5])), 1.0),
        TypeError,
        "parameter 0 has a .grad of dtype int64",
    ),
    "clip_grad_value_ -1": (
        lambda: nn.utils.clip_grad_value_(with_grads([1.0]), -1),
        ValueError,
        "clip_grad_value_: clip_value must be a finite number >= 0, got -1",
    ),
    "clip_grad_value_ nan": (
        lambda: nn.utils.clip_grad_value_(with_grads([1.0]), np.nan),
        ValueError,
        "clip_value must be",
    ),
    "clip_grad_value_ of an int": (
        lambda: nn.utils.clip_grad_value_(3, 1.0),
        TypeError,
        "clip_grad_value_: parameters must be a Tensor or an iterable",
    ),
}


@pytest.mark.parametrize("call, error, message", OPTIM.values(), ids=OPTIM.keys())
def test_nn_optim(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_nn_optim_edge_cases_that_are_right():
    """A parameter listed twice is stepped once (not twice as fast); numpy scalars are
    numbers; max_norm 0 zeroes the gradients as PyTorch's does; a .grad of the wrong shape
    is named at step()."""
    p = nn.Parameter(np.ones(2))
    opt = optim.SGD([p, p], lr=0.5)
    assert len(opt.param_groups[0]["params"]) == 1
    p.grad = np.ones(2)
    opt.step()
    np.testing.assert_array_equal(p.data, [0.5, 0.5])
    ps = with_grads([3.0, 4.0])
    assert nn.utils.clip_grad_norm_(ps, np.float32(1.0)) == pytest.approx(5.0)
    np.testing.assert_allclose(ps[0].grad, [0.6, 0.8], rtol=1e-6)
    assert nn.utils.clip_grad_norm_(ps, 1.0, norm_type="inf") == pytest.approx(0.8, rel=1e-6)
    nn.utils.clip_grad_norm_(ps, 0)
    np.testing.assert_array_equal(ps[0].grad, [0.0, 0.0])
    q = nn.Parameter(np.ones(2))
    q.grad = np.ones(5)
    with pytest.raises(ValueError, match=r"parameter 0 has shape \(2,\) but its .grad has shape"):
        optim.Adam([q]).step()


# --- nn data: DataLoader and the dataset helpers ------------------------------------------
XD, YD = np.ones((10, 2)), np.arange(10) % 2

DATA = {
    "DataLoader y of another length": (
        lambda: nn.DataLoader(XD, np.ones((9, 1)), 2),
        ValueError,
        "DataLoader: X has 10 rows but y has 9",
    ),
    "DataLoader X a generator": (
        lambda: nn.DataLoader((row for row in XD), YD, 2),
        TypeError,
        r"DataLoader: X is a generator; pass an array with one row per example "
        r"\(np.asarray\(list\(...\)\)",
    ),
    "DataLoader y a generator": (
        lambda: nn.DataLoader(XD, iter(YD), 2),
        TypeError,
        "DataLoader: y is a .*iterator",
    ),
    "DataLoader X a dict": (lambda: nn.DataLoader({"a": 1}, YD, 2), TypeError, "X is a dict"),
    "DataLoader X a number": (lambda: nn.DataLoader(5, YD, 2), ValueError, "one row per example"),
    "DataLoader complex X": (lambda: nn.DataLoader(XD * 1j, YD, 2), TypeError, "complex128"),
    "DataLoader object X": (
        lambda: nn.DataLoader(np.array([None] * 10), YD, 2),
        TypeError,
        "object",
    ),
    "DataLoader batch_size True": (
        lambda: nn.DataLoader(XD, YD, True),
        ValueError,
        "batch_size must be an int >= 1, got True",
    ),
    "DataLoader batch_size 2.0": (lambda: nn.DataLoader(XD, YD, 2.0), ValueError, "got 2.0"),
    "DataLoader batch_size 1e3": (lambda: nn.DataLoader(XD, YD, 1e3), ValueError, "batch_size"),
    "DataLoader shuffle 'no'": (
        lambda: nn.DataLoader(XD, YD, 2, shuffle="no"),
        TypeError,
        "DataLoader: shuffle must be True or False, got str 'no'",
    ),
    "DataLoader shuffle None": (
        lambda: nn.DataLoader(XD, YD, 2, shuffle=None),
        TypeError,
        "shuffle",
    ),
    "DataLoader shuffle 2": (lambda: nn.DataLoader(XD, YD, 2, shuffle=2), TypeError, "got int 2"),
    "DataLoader drop_last 'False'": (
        lambda: nn.DataLoader(XD, YD, 2, drop_last="False"),
        TypeError,
        "drop_last must be True or False",
    ),
    "DataLoader seed -1": (lambda: nn.DataLoader(XD, YD, 2, seed=-1), TypeError, "seed must be"),
    "DataLoader seed a Generator": (
        lambda: nn.DataLoader(XD, YD, 2, seed=np.random.default_rng(0)),
        TypeError,
        "DataLoader: seed must be an int >= 0",
    ),
    "DataLoader load_state_dict None": (
        lambda: nn.DataLoader(XD, YD, 2).load_state_dict(None),
        ValueError,
        "not a DataLoader state",
    ),
    "DataLoader load_state_dict junk": (
        lambda: nn.DataLoader(XD, YD, 2).load_state_dict({"rng": 5}),
        ValueError,
        "not a DataLoader state",
    ),
    "split fraction 0": (
        lambda: split_train_test(XD, YD, 0),
        ValueError,
        r"split_train_test: test_fraction must be in \(0, 1\), got 0",
    ),
    "split fraction 1": (lambda: split_train_test(XD, YD, 1), ValueError, "got 1"),
    "split fraction -0.1": (lambda: split_train_test(XD, YD, -0.1), ValueError, "got -0.1"),
    "split fraction nan": (lambda: split_train_test(XD, YD, np.nan), ValueError, "got nan"),
    "split fraction 20 (percent)": (lambda: split_train_test(XD, YD, 20), ValueError, "got 20"),
    "split fraction string": (
        lambda: split_train_test(XD, YD, "0.2"),
        TypeError,
        "split_train_test: test_fraction must be a number, got str",
    ),
    "split fraction None": (lambda: split_train_test(XD, YD, None), TypeError, "NoneType"),
    "split seed float": (lambda: split_train_test(XD, YD, seed=0.5), TypeError, "seed must be"),
    "split generator": (
        lambda: split_train_test((r for r in XD), YD),
        TypeError,
        "X and y must be arrays with one row per example",
    ),
    "split ragged": (
        lambda: split_train_test([[1, 2], [3]], [0, 1], 0.5),
        ValueError,
        "split_train_test: X is ragged",
    ),
    "split mismatched lists": (
        lambda: split_train_test([[1], [2], [3]], [0, 1]),
        ValueError,
        "split_train_test: X has 3 rows but y has 2",
    ),
    "split no rows": (
        lambda: split_train_test(np.zeros((0, 2)), np.zeros(0)),
        ValueError,
        "of 0 rows leaves no training rows",
    ),
    "load_digits fraction 2": (
        lambda: D.load_digits(test_fraction=2),
        ValueError,
        r"test_fraction must be in \(0, 1\), got 2",
    ),
    "make_moons n string": (lambda: D.make_moons("10"), TypeError, "n_samples must be an int"),
    "make_blobs n_features 0": (
        lambda: D.make_blobs(10, n_features=0),
        ValueError,
        "make_blobs: n_features must be >= 1",
    ),
    "make_blobs centers 2.5": (lambda: D.make_blobs(10, centers=2.5), TypeError, "centers"),
}


@pytest.mark.parametrize("call, error, message", DATA.values(), ids=DATA.keys())
def test_nn_data(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_nn_data_good_calls_still_work():
    """Lists split like arrays (they raised numpy's 'only integer scalar arrays'), string
    labels may be split, numpy ints are batch sizes."""
    X_tr, y_tr, X_te, y_te = split_train_test(XD.tolist(), YD.tolist(), 0.3)
    assert X_tr.shape == (7, 2) and y_te.shape == (3,)
    _, y_tr, _, _ = split_train_test(XD, np.array(["cat", "dog"] * 5), 0.5)
    assert y_tr.dtype.kind == "U"
    assert len(nn.DataLoader(XD, YD, np.int64(3))) == 4
    assert [len(y) for _, y in nn.DataLoader(XD, YD, 4, shuffle=False, drop_last=True)] == [4, 4]


# --- nn fit(), checkpoints and serialization ----------------------------------------------
XF, YF = np.random.default_rng(0).normal(size=(10, 2)), np.arange(10) % 2


def fit_args(hidden=4, optimizer="adam", **kw):
    model = nn.MLP(2, [hidden], 2, seed=0)
    opt = (
        optim.Adam(model.parameters())
        if optimizer == "adam"
        else optim.SGD(model.parameters(), lr=0.1)
    )
    args = dict(
        model=model,
        loss_fn=Fn.cross_entropy,
        optimizer=opt,
        train_loader=nn.DataLoader(XF, YF, 5, seed=0),
        epochs=1,
        verbose=False,
    )
    return {**args, **kw}


def fit_with(**kw):
    return nn.train.fit(**fit_args(**kw))


def checkpoint_at(tmp, epochs=1, **kw):
    path = tmp / "run.npz"
    fit_with(epochs=epochs, checkpoint=path, **kw)
    return path


def write(path, data):
    path.write_bytes(data)
    return path


def scheduler_of_another_optimizer():
    args = fit_args()
    other = optim.SGD(args["model"].parameters(), lr=0.1)
    return nn.train.fit(**args, scheduler=sched.StepLR(other, 1))


FIT = {
    "resume another architecture": (
        lambda p: fit_with(hidden=8, epochs=2, resume=checkpoint_at(p)),
        ValueError,
        r"0.weight has shape \(2, 8\) in the model but \(2, 4\) in the state dict",
    ),
    "resume with another optimizer": (
        lambda p: fit_with(optimizer="sgd", epochs=2, resume=checkpoint_at(p)),
        ValueError,
        r"SGD.load_state_dict: the saved groups hold the hyperparameters \['amsgrad', 'betas'",
    ),
    "resume a truncated file": (
        lambda p: fit_with(resume=write(p / "cut.npz", checkpoint_at(p).read_bytes()[:300])),
        ValueError,
        "cut.npz is not a readable nn checkpoint",
    ),
    "resume a text file": (
        lambda p: fit_with(resume=write(p / "notes.txt", b"hello")),
        ValueError,
        "notes.txt is not a readable nn checkpoint",
    ),
    "resume a parameters-only file": (
        lambda p: (nn.save(nn.MLP(2, [4], 2), p / "m.npz"), fit_with(resume=p / "m.npz")),
        ValueError,
        r"m.npz: the checkpoint has no \['optimizer'\]",
    ),
    "resume a directory": (lambda p: fit_with(resume=p), ValueError, "is a directory"),
    "resume a missing file": (
        lambda p: fit_with(resume=p / "nope.npz"),
        FileNotFoundError,
        "nope.npz",
    ),
    "resume an int": (
        lambda p: fit_with(resume=3),
        TypeError,
        r"fit: resume must be a path \(str or os.PathLike\), got 3",
    ),
    "resume a list of paths": (
        lambda p: fit_with(resume=[str(p)]),
        TypeError,
        "resume must be a path",
    ),
    "resume past epochs": (
        lambda p: fit_with(epochs=1, resume=checkpoint_at(p, epochs=2)),
        ValueError,
        "has done 2 epochs, more than epochs=1",
    ),
    "checkpoint a directory": (
        lambda p: fit_with(checkpoint=p),
        ValueError,
        r"fit: checkpoint .*: is a directory; give a file name",
    ),
    "checkpoint in a missing directory": (
        lambda p: fit_with(checkpoint=p / "no" / "run.npz"),
        ValueError,
        "fit: checkpoint .* does not exist",
    ),
    "checkpoint True": (
        lambda p: fit_with(checkpoint=True),
        TypeError,
        "checkpoint must be a path",
    ),
    "interrupt_checkpoint a directory": (
        lambda p: fit_with(interrupt_checkpoint=p),
        ValueError,
        "fit: interrupt_checkpoint .* is a directory",
    ),
    "epochs 0": (lambda p: fit_with(epochs=0), ValueError, "fit: epochs must be >= 1, got 0"),
    "epochs -1": (lambda p: fit_with(epochs=-1), ValueError, "epochs must be >= 1, got -1"),
    "epochs 2.5": (
        lambda p: fit_with(epochs=2.5),
        TypeError,
        "fit: epochs must be an int, got float",
    ),
    "epochs '3'": (lambda p: fit_with(epochs="3"), TypeError, "epochs must be an int, got str"),
    "train_loader a tuple": (
        lambda p: fit_with(train_loader=(XF, YF)),
        TypeError,
        r"fit: train_loader must be an nn.DataLoader, got tuple; wrap the arrays",
    ),
    "optimizer a Module": (
        lambda p: nn.train.fit(**{**fit_args(), "optimizer": nn.Linear(2, 2)}),
        TypeError,
        "fit: optimizer must be an nn.optim optimizer .* got Linear",
    ),
    "optimizer a string": (
        lambda p: nn.train.fit(**{**fit_args(), "optimizer": "adam"}),
        TypeError,
        "got str",
    ),
    "loss_fn a string": (
        lambda p: fit_with(loss_fn="cross_entropy"),
        TypeError,
        "fit: loss_fn must be callable",
    ),
    "loss_fn returns a float": (
        lambda p: fit_with(loss_fn=lambda out, y: 1.0),
        TypeError,
        "fit: loss_fn must return a one-element Tensor .* got float",
    ),
    "loss_fn returns per-row losses": (
        lambda p: fit_with(loss_fn=lambda out, y: Fn.cross_entropy(out, y, reduction="none")),
        TypeError,
        r"one-element Tensor .* got shape \(5,\)",
    ),
    "model a function": (
        lambda p: nn.train.fit(**{**fit_args(), "model": lambda x: x}),
        TypeError,
        "fit: model must be an nn.Module, got function",
    ),
    "val_data a triple": (
        lambda p: fit_with(val_data=(XF, YF, YF)),
        TypeError,
        r"fit: val_data must be a pair \(X_val, y_val\)",
    ),
    "val_data X only": (lambda p: fit_with(val_data=XF), TypeError, "val_data must be a pair"),
    "val_data mismatched": (
        lambda p: fit_with(val_data=(XF, YF[:3])),
        ValueError,
        "fit: val_data X has 10 rows but y has 3",
    ),
    "callbacks a function": (
        lambda p: fit_with(callbacks=lambda epoch, logs: None),
        TypeError,
        "fit: callbacks must be a list of functions",
    ),
    "scheduler an optimizer": (
        lambda p: fit_with(scheduler=optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1)),
        TypeError,
        "fit: scheduler must be an nn.optim.lr_scheduler scheduler, got SGD",
    ),
    "scheduler of another optimizer": (
        lambda p: scheduler_of_another_optimizer(),
        ValueError,
        "the scheduler was built on another optimizer",
    ),
    "scheduler_interval 'step'": (
        lambda p: fit_with(scheduler_interval="step"),
        ValueError,
        "scheduler_interval must be 'epoch' or 'batch'",
    ),
    "verbose 'no'": (
        lambda p: fit_with(verbose="no"),
        TypeError,
        "fit: verbose must be True or False",
    ),
    "predict batch_size 0": (
        lambda p: nn.train.predict(nn.Linear(2, 2), XF, batch_size=0),
        ValueError,
        "predict: batch_size must be >= 1, got 0",
    ),
    "evaluate mismatched": (
        lambda p: nn.train.evaluate(nn.Linear(2, 2), XF, YF[:3]),
        ValueError,
        "evaluate: X has 10 rows but y has 3",
    ),
    "save into a directory": (
        lambda p: nn.save(nn.Linear(2, 2), p),
        IsADirectoryError,
        "nn.save: cannot write .*: is a directory; give a file name",
    ),
    "save into a missing directory": (
        lambda p: nn.save(nn.Linear(2, 2), p / "no" / "m.npz"),
        FileNotFoundError,
        "nn.save: cannot write .* does not exist",
    ),
    "save a checkpoint into a directory": (
        lambda p: nn.save(p, model=nn.Linear(2, 2)),
        IsADirectoryError,
        "is a directory",
    ),
    "save to an int path": (
        lambda p: nn.save(nn.Linear(2, 2), 5),
        TypeError,
        r"nn.save\(model, path\): path must be a str or os.PathLike, got 5",
    ),
    "save a function in a checkpoint": (
        lambda p: nn.save(p / "c.npz", model=nn.Linear(2, 2), fn=len),
        TypeError,
        "cannot store fn of type builtin_function_or_method without pickle",
    ),
    "load another architecture": (
        lambda p: (nn.save(nn.Linear(2, 2), p / "m.npz"), nn.load(nn.Linear(3, 2), p / "m.npz")),
        ValueError,
        r"weight has shape \(3, 2\) in the model but \(2, 2\)",
    ),
    "load other layer names": (
        lambda p: (nn.save(nn.Linear(2, 2), p / "m.npz"), nn.load(nn.MLP(2, [2], 2), p / "m.npz")),
        KeyError,
        r"missing keys \['0.weight'.* unexpected keys \['weight', 'bias'\]",
    ),
    "load an optimizer of another model": (
        lambda p: (
            nn.save(p / "o.npz", optimizer=optim.Adam(nn.MLP(2, [3], 2).parameters())),
            nn.load(p / "o.npz", optimizer=optim.Adam(nn.Linear(2, 2).parameters())),
        ),
        ValueError,
        r"the saved groups have \[4\] parameters, this optimizer's have \[2\]",
    ),
    "load a plain entry into a number": (
        lambda p: (nn.save(p / "e.npz", epoch=3), nn.load(p / "e.npz", epoch=5)),
        TypeError,
        r"nn.load: epoch=5 has no load_state_dict\(\); to read plain entries, index the dict",
    ),
    "load a truncated file": (
        lambda p: (
            nn.save(nn.Linear(2, 2), p / "m.npz"),
            nn.load(nn.Linear(2, 2), write(p / "t.npz", (p / "m.npz").read_bytes()[:100])),
        ),
        ValueError,
        "t.npz is not a readable nn checkpoint",
    ),
}


@pytest.mark.parametrize("call, error, message", FIT.values(), ids=FIT.keys())
def test_nn_fit_and_checkpoints(tmp_path, call, error, message):
    with pytest.raises(error, match=message):
        call(tmp_path)


def test_nn_fit_checkpoint_problems_are_found_before_training(tmp_path, capsys):
    """A checkpoint path that cannot be written is named before the first batch (it was an
    IsADirectoryError naming a temporary file, after an epoch of training)."""
    calls = []

    def counting_loss(out, y):
        calls.append(1)
        return Fn.cross_entropy(out, y)

    with pytest.raises(ValueError, match="is a directory"):
        fit_with(loss_fn=counting_loss, checkpoint=tmp_path)
    assert calls == []
    history = fit_with(epochs=2, resume=checkpoint_at(tmp_path, epochs=2))  # all done: no-op
    assert history["loss"] and len(history["loss"]) == 2


# --- CLI: flags the first CLI corpus did not cover ------------------------------------------
CLI_MORE = {
    "seed -1": (["--seed", "-1"], "--seed must be >= 0, got -1"),
    "seed float": (["--seed", "1.5"], "argument --seed: invalid int value: '1.5'"),
    "limit -5": (["--limit", "-5"], "--limit must be >= 0 (0 = all rows), got -5"),
    "limit float": (["--limit", "2.5"], "argument --limit: invalid int value"),
    "threads float": (["--threads", "1.5"], "argument --threads: invalid int value"),
    "batch-size float": (["--batch-size", "32.0"], "argument --batch-size: invalid int value"),
    "hidden float": (["--hidden", "16.5"], "argument --hidden: invalid int value: '16.5'"),
    "hidden without sizes": (["--hidden"], "--hidden needs at least one size"),
    "quiet with a value": (["--quiet", "yes"], "unrecognized arguments: yes"),
    "epochs beyond int": (["--epochs", "1e3"], "argument --epochs: invalid int value: '1e3'"),
    "hidden with logreg": (
        ["--model", "logreg", "--hidden", "32"],
        "--hidden applies only with --model mlp; it would be ignored here",
    ),
    "negative hidden with logreg": (["--model", "logreg", "--hidden", "-3"], "--hidden applies"),
    "hidden with cnn": (["--model", "cnn", "--hidden", "64"], "--hidden applies only with"),
    "activation with logreg": (
        ["--model", "logreg", "--activation", "tanh"],
        "--activation applies only with --model mlp",
    ),
    "momentum with adam": (
        ["--optimizer", "adam", "--momentum", "0.9"],
        "--momentum applies only with --optimizer sgd",
    ),
    "momentum with the default optimizer": (["--momentum", "0.9"], "--momentum applies only"),
    "demo with momentum": (["--demo", "--momentum", "0.5"], "--momentum applies only with"),
    "data-dir with moons": (
        ["--data-dir", "/tmp"],
        "--data-dir applies only with --dataset fashion-mnist or mnist",
    ),
    "allow-pickle with moons": (["--allow-pickle"], "--allow-pickle applies only with --dataset"),
    "cnn on moons": (["--model", "cnn"], "--model cnn needs square images"),
    "lr beyond float32": (["--lr", "1e300"], "--lr 1e+300 does not fit in --dtype float32"),
    "lr-decay inf": (["--lr-decay", "inf"], "--lr-decay must be a finite number > 0, got inf"),
    "momentum nan": (["--optimizer", "sgd", "--momentum", "nan"], "--momentum must be a finite"),
    "weight-decay inf": (["--weight-decay", "inf"], "--weight-decay must be a finite number"),
    "unknown model": (["--model", "resnet"], "argument --model: invalid choice: 'resnet'"),
    "unknown optimizer": (["--optimizer", "lbfgs"], "argument --optimizer: invalid choice"),
    "unknown activation": (["--activation", "gelu"], "argument --activation: invalid choice"),
    "dtype int32": (["--dtype", "int32"], "argument --dtype: invalid choice: 'int32'"),
    "lr without value": (["--lr"], "argument --lr: expected one argument"),
    "save empty name": (["--save", ""], "--save : the file name is empty"),
    "checkpoint empty name": (["--checkpoint", ""], "--checkpoint : the file name is empty"),
    "resume empty name": (["--resume", ""], "--resume : no such file"),
    "checkpoint a directory": (["--checkpoint", "{tmp}"], "--checkpoint {tmp}: is a directory"),
    "checkpoint in a missing directory": (
        ["--checkpoint", "{tmp}/no/run.npz"],
        "--checkpoint {tmp}/no/run.npz: directory {tmp}/no does not exist",
    ),
    "resume a missing file": (
        ["--resume", "{tmp}/nope.npz"],
        "--resume {tmp}/nope.npz: no such file; give the checkpoint file",
    ),
    "resume a directory": (["--resume", "{tmp}"], "--resume {tmp}: is a directory"),
    "resume a junk file": (
        ["--resume", "{tmp}/junk.npz"],
        "junk.npz is not a readable nn checkpoint",
    ),
    "resume a parameters-only file": (
        ["--resume", "{tmp}/params.npz"],
        "params.npz: the checkpoint has no ['optimizer', 'scheduler']",
    ),
    "resume another architecture": (
        ["--resume", "{tmp}/run.npz", "--hidden", "7", "--epochs", "3"],
        "0.weight has shape (2, 7) in the model but (2, 128) in the state dict",
    ),
    "resume another optimizer": (
        ["--resume", "{tmp}/run.npz", "--optimizer", "sgd", "--epochs", "3"],
        "SGD.load_state_dict: the saved groups hold the hyperparameters",
    ),
    "resume with fewer epochs than done": (
        ["--resume", "{tmp}/run.npz", "--epochs", "1"],
        "has done 2 epochs, more than epochs=1",
    ),
    "save is the checkpoint": (
        ["--save", "{tmp}/same.npz", "--checkpoint", "{tmp}/same.npz"],
        "--save {tmp}/same.npz is also the --checkpoint checkpoint",
    ),
    "save is the resumed checkpoint": (
        ["--save", "{tmp}/run.npz", "--resume", "{tmp}/run.npz", "--epochs", "3"],
        "is also the --resume checkpoint: the parameters would overwrite it",
    ),
    "mnist from a file that is no gzip": (
        ["--dataset", "mnist", "--data-dir", "{tmp}/junk.npz"],
        "MNIST: {tmp}/junk.npz is neither a directory of IDX files nor a gzip file",
    ),
    "fashion-mnist from a missing directory": (
        ["--dataset", "fashion-mnist", "--data-dir", "{tmp}/nofashion"],
        "Fashion-MNIST directory {tmp}/nofashion does not exist",
    ),
}


@pytest.fixture(scope="module")
def cli_files(tmp_path_factory):
    """A directory with a junk file, a parameters-only file and a 2-epoch CLI checkpoint."""
    tmp = tmp_path_factory.mktemp("cli")
    (tmp / "junk.npz").write_bytes(b"junk")
    nn.save(nn.Linear(2, 2), tmp / "params.npz")
    assert nn.cli.main([*QUICK, "--epochs", "2", "--checkpoint", str(tmp / "run.npz")]) == 0
    return tmp


@pytest.mark.parametrize("flags, message", CLI_MORE.values(), ids=CLI_MORE.keys())
def test_cli_more_flags_rejected_on_one_line(cli_files, capsys, flags, message):
    capsys.readouterr()
    flags = [f.replace("{tmp}", str(cli_files)) for f in flags]
    assert nn.cli.main([*QUICK, *flags]) == 2
    out, err = capsys.readouterr()
    assert err.endswith("\n") and err.count("\n") == 1, err  # one line
    assert err.startswith("python -m nn: error: "), err
    assert message.replace("{tmp}", str(cli_files)) in err, err
    assert "Traceback" not in err and out == ""  # nothing trained, nothing printed


def test_cli_flags_that_apply_still_work(capsys):
    assert nn.cli.main([*QUICK, "--optimizer", "sgd", "--momentum", "0.9"]) == 0
    assert nn.cli.main([*QUICK, "--model", "logreg"]) == 0
    assert nn.cli.main([*QUICK, "--hidden", "8", "--activation", "tanh", "--seed", "3"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and out.count("final:") == 3


# --- nn.init, nn.scalar and the file readers' paths --------------------------------------
def weight():
    return nn.Parameter(np.zeros((3, 4)))


INIT_AND_PATHS = {
    "read_idx None": (lambda: read_idx(None), TypeError, "read_idx: path must be a str or os"),
    "read_idx int": (lambda: read_idx(3), TypeError, "read_idx: path must be .* got 3"),
    "read_idx empty path": (lambda: read_idx(""), ValueError, "read_idx: the path is empty"),
    "load_npz None": (lambda: load_npz(None), TypeError, "load_npz: path must be a str"),
    "load_npz empty path": (lambda: load_npz(""), ValueError, "load_npz: the path is empty"),
    "load_npz max_bytes -1": (
        lambda: load_npz(__file__, max_bytes=-1),
        ValueError,
        "max_bytes must be an int >= 0",
    ),
    "nn.load empty path": (
        lambda: nn.load(nn.Linear(2, 2), ""),
        ValueError,
        "nn.load: the path is empty",
    ),
    "load_mnist None": (lambda: D.load_mnist(None), TypeError, "load_mnist: path must be a str"),
    "load_mnist allow_pickle 'yes'": (
        lambda: D.load_mnist("/nonexistent", allow_pickle="yes"),
        TypeError,
        "load_mnist: allow_pickle must be True or False",
    ),
    "load_fashion_mnist path int": (
        lambda: D.load_fashion_mnist(path=3),
        TypeError,
        "load_fashion_mnist: path must be a str",
    ),
    "load_fashion_mnist flatten 'no'": (
        lambda: D.load_fashion_mnist(path="/nonexistent", flatten="no"),
        TypeError,
        "flatten must be True or False",
    ),
    "kaiming a string": (
        lambda: nn.init.kaiming_uniform_(weight(), a="1"),
        TypeError,
        "kaiming_uniform_: a must be a number, got str",
    ),
    "kaiming mode 'fan'": (
        lambda: nn.init.kaiming_normal_(weight(), mode="fan"),
        ValueError,
        "mode must be 'fan_in' or 'fan_out'",
    ),
    "xavier gain -1": (
        lambda: nn.init.xavier_uniform_(weight(), gain=-1),
        ValueError,
        "xavier_uniform_: gain must be >= 0, got -1",
    ),
    "xavier gain string": (lambda: nn.init.xavier_normal_(weight(), gain="1"), TypeError, "gain"),
    "normal_ std -1": (
        lambda: nn.init.normal_(weight(), std=-1),
        ValueError,
        "normal_: std must be >= 0",
    ),
    "normal_ std nan": (
        lambda: nn.init.normal_(weight(), std=np.nan),
        ValueError,
        "std must be a finite",
    ),
    "uniform_ a > b": (
        lambda: nn.init.uniform_(weight(), 1, 0),
        ValueError,
        "uniform_: a must be <= b, got a=1 > b=0",
    ),
    "uniform_ nan bound": (
        lambda: nn.init.uniform_(weight(), np.nan, 1),
        ValueError,
        "a must be a finite",
    ),
    "constant_ string": (
        lambda: nn.init.constant_(weight(), "a"),
        TypeError,
        "constant_: val must be a number",
    ),
    "constant_ nan": (
        lambda: nn.init.constant_(weight(), np.nan),
        ValueError,
        "val must be a finite",
    ),
    "calculate_gain slope string": (
        lambda: nn.init.calculate_gain("leaky_relu", "a"),
        TypeError,
        "calculate_gain: param must be a number",
    ),
    "init generator float": (
        lambda: nn.init.normal_(weight(), generator=1.5),
        TypeError,
        "nn.init: seed must be",
    ),
    "scalar Neuron(0)": (
        lambda: nn.scalar.Neuron(0),
        ValueError,
        "Neuron: nin must be >= 1, got 0",
    ),
    "scalar Neuron(2.5)": (lambda: nn.scalar.Neuron(2.5), TypeError, "Neuron: nin must be an int"),
    "scalar Layer(2, 0)": (lambda: nn.scalar.Layer(2, 0), ValueError, "Layer: nout must be >= 1"),
    "scalar MLP(2, 3)": (
        lambda: nn.scalar.MLP(2, 3),
        TypeError,
        r"MLP: nouts must be a non-empty list of layer sizes \(e.g. \[16, 1\]\), got 3",
    ),
    "scalar MLP(2, [])": (
        lambda: nn.scalar.MLP(2, []),
        TypeError,
        "nouts must be a non-empty list",
    ),
    "scalar Neuron on strings": (
        lambda: nn.scalar.Neuron(2)(["a", "b"]),
        TypeError,
        r"Neuron: inputs must be numbers or Scalars, got \['a', 'b'\]",
    ),
}


@pytest.mark.parametrize("call, error, message", INIT_AND_PATHS.values(), ids=INIT_AND_PATHS.keys())
def test_nn_init_scalar_and_paths(call, error, message):
    with pytest.raises(error, match=message):
        call()
