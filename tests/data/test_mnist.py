"""IDX files and load_mnist, on small files the tests write themselves; the network is never used."""
import gzip
import hashlib
import io
import struct

import numpy as np
import pytest

from minigan.data import mnist
from minigan.data.mnist import IDXError, load_mnist, read_idx, write_idx


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    """An IDX file built by hand from the spec (independent of write_idx)."""
    header = struct.pack(">BBBB", 0, 0, type_code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.fixture
def no_network(monkeypatch):
    """Fail loudly if anything tries to open a URL."""
    def refuse(*args, **kwargs):
        raise AssertionError("the network was used")
    monkeypatch.setattr(mnist.urllib.request, "urlopen", refuse)


@pytest.mark.parametrize("gz", [True, False])
def test_read_idx_reads_hand_made_files(tmp_path, gz, rng):
    images = rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    raw = idx_bytes(images)
    path = tmp_path / ("x.gz" if gz else "x")
    path.write_bytes(gzip.compress(raw) if gz else raw)
    np.testing.assert_array_equal(read_idx(path), images)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_write_idx_round_trip(tmp_path, dtype, rng):
    a = (rng.standard_normal((4, 5)) * 50).astype(dtype)
    write_idx(tmp_path / "a.gz", a)
    out = read_idx(tmp_path / "a.gz")
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, a)
    with gzip.open(tmp_path / "a.gz") as f:                  # and it is what the spec says
        assert f.read() == idx_bytes(a, mnist._IDX_CODES[np.dtype(dtype)])


def test_name_does_not_decide_compression(tmp_path):
    labels = np.arange(10, dtype=np.uint8)
    (tmp_path / "plain.gz").write_bytes(idx_bytes(labels))
    (tmp_path / "packed").write_bytes(gzip.compress(idx_bytes(labels)))
    np.testing.assert_array_equal(read_idx(tmp_path / "plain.gz"), labels)
    np.testing.assert_array_equal(read_idx(tmp_path / "packed"), labels)


def test_truncated_and_foreign_files_name_the_path(tmp_path):
    raw = idx_bytes(np.zeros((2, 4, 4), np.uint8))
    cut = tmp_path / "cut"
    cut.write_bytes(raw[:-5])
    with pytest.raises(IDXError, match=r"cut is truncated.*shape \(2, 4, 4\)"):
        read_idx(cut)
    header_only = tmp_path / "header"
    header_only.write_bytes(raw[:6])
    with pytest.raises(IDXError, match="header needs 16 bytes"):
        read_idx(header_only)
    long = tmp_path / "long"
    long.write_bytes(raw + b"\0")
    with pytest.raises(IDXError, match="longer than its header"):
        read_idx(long)
    cut_gz = tmp_path / "cut.gz"
    cut_gz.write_bytes(gzip.compress(raw)[:-12])
    with pytest.raises(IDXError, match="cut.gz is not a readable gzip"):
        read_idx(cut_gz)
    foreign = tmp_path / "picture.png"
    foreign.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40))
    with pytest.raises(IDXError, match="picture.png is not an IDX file"):
        read_idx(foreign)
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nothing")


def make_split(folder, train: bool, n: int, rng, unpacked: bool = False):
    prefix = "train" if train else "t10k"
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    images[0, 0, 0], images[0, 0, 1] = 0, 255      # both ends of the range occur
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = "" if unpacked else ".gz"
    write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels)
    return images, labels


def test_load_mnist_reads_gz_and_unpacked_files(tmp_path, rng, no_network):
    images, labels = make_split(tmp_path / "mnist", True, 5, rng)
    x, y = load_mnist(tmp_path)
    assert x.shape == (5, 1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_allclose(x[:, 0], images / 255 * 2 - 1, atol=1e-6)
    np.testing.assert_array_equal(y, labels)
    test_images, _ = make_split(tmp_path / "mnist", False, 3, rng, unpacked=True)
    x, _ = load_mnist(tmp_path, train=False, scale="unit", size=14)
    assert x.shape == (3, 1, 14, 14) and x.min() >= 0 and x.max() <= 1


def test_fashion_lives_in_its_own_folder(tmp_path, rng, no_network):
    make_split(tmp_path / "mnist", True, 4, rng)
    fashion_images, _ = make_split(tmp_path / "fashion-mnist", True, 6, rng)
    x, _ = load_mnist(tmp_path, kind="fashion", scale="unit")
    np.testing.assert_allclose(x[:, 0], fashion_images / 255, atol=1e-6)
    ds = mnist.MNIST(tmp_path, kind="fashion")
    assert len(ds) == 6 and ds.classes[9] == "Ankle boot" and ds[0][0].shape == (1, 28, 28)
    with pytest.raises(ValueError, match="kind"):
        load_mnist(tmp_path, kind="kmnist")


def test_missing_files_say_what_to_put_where_without_the_network(tmp_path, no_network):
    with pytest.raises(FileNotFoundError) as err:
        load_mnist(tmp_path, train=False)
    msg = str(err.value)
    assert str(tmp_path / "mnist") in msg
    assert "t10k-images-idx3-ubyte.gz" in msg and "t10k-labels-idx1-ubyte.gz" in msg
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/" in msg and "download=True" in msg


def test_images_and_labels_must_agree(tmp_path, rng, no_network):
    folder = tmp_path / "mnist"
    make_split(folder, True, 5, rng)
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.zeros(4, np.uint8))
    with pytest.raises(IDXError, match="same N"):
        load_mnist(tmp_path)


class FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def test_download_fetches_and_checks_sha256(tmp_path, rng, monkeypatch):
    images = rng.integers(0, 256, size=(2, 28, 28), dtype=np.uint8)
    served = {"train-images-idx3-ubyte.gz": gzip.compress(idx_bytes(images)),
              "train-labels-idx1-ubyte.gz": gzip.compress(idx_bytes(np.array([3, 1], np.uint8)))}
    asked = []

    def fake_urlopen(url, timeout=None):
        asked.append(url)
        return FakeResponse(served[url.rsplit("/", 1)[1]])

    monkeypatch.setattr(mnist.urllib.request, "urlopen", fake_urlopen)
    table = {name: hashlib.sha256(data).hexdigest() for name, data in served.items()}
    monkeypatch.setitem(mnist.KINDS["mnist"], "sha256", table)
    x, y = load_mnist(tmp_path, download=True)
    assert asked == [mnist.KINDS["mnist"]["url"] + n for n in served]
    assert y.tolist() == [3, 1] and x.shape == (2, 1, 28, 28)
    load_mnist(tmp_path, download=True)                      # present now: nothing fetched again
    assert len(asked) == 2

    # a file whose digest is wrong is refused and not left behind
    monkeypatch.setitem(mnist.KINDS["mnist"], "sha256", dict(table, **{"t10k-images-idx3-ubyte.gz": "0" * 64}))
    served["t10k-images-idx3-ubyte.gz"] = served["train-images-idx3-ubyte.gz"]
    with pytest.raises(IDXError, match="SHA-256"):
        load_mnist(tmp_path, train=False, download=True)
    assert sorted(p.name for p in (tmp_path / "mnist").iterdir()) == sorted(table)   # the two train files only


def test_known_digests_are_sha256():
    for spec in mnist.KINDS.values():
        assert len(spec["sha256"]) == 4
        assert all(len(h) == 64 and int(h, 16) >= 0 for h in spec["sha256"].values())
