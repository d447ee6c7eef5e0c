"""The feature extractors: shapes, seeding, layer names, and the VGG-19 weights loader."""
import numpy as np
import pytest

import minigan as mg
import minigan.nn.functional as F
from minigan.style import RandomMultiscale, RandomVGG, UnknownLayerError, VGG19, WeightsError, make_extractor
from minigan.style.features import IMAGENET_MEAN, IMAGENET_STD, VGG19_CONFIG

# torchvision's VGG-19 `features`: the index of every conv, and the names minigan gives them.
VGG19_CONVS = {0: "conv1_1", 2: "conv1_2", 5: "conv2_1", 7: "conv2_2", 10: "conv3_1", 12: "conv3_2", 14: "conv3_3",
               16: "conv3_4", 19: "conv4_1", 21: "conv4_2", 23: "conv4_3", 25: "conv4_4", 28: "conv5_1",
               30: "conv5_2", 32: "conv5_3", 34: "conv5_4"}
VGG19_POOLS = {4: "pool1", 9: "pool2", 18: "pool3", 27: "pool4", 36: "pool5"}


def test_random_multiscale_shapes_and_seed(device):
    ex = RandomMultiscale(sizes=(3, 5, 9), channels=(4, 6, 8), seed=3).to(device)
    x = mg.rand(2, 3, 20, 24, device=device)
    out = ex(x)
    assert list(out) == ["k3", "k5", "k9"] == list(ex.layer_names)
    assert out["k3"].shape == (2, 4, 18, 22) and out["k5"].shape == (2, 6, 16, 20) and out["k9"].shape == (2, 8, 12, 16)
    assert all(float(f.data.min()) >= 0 for f in out.values())          # after ReLU
    assert out["k9"].device == device and out["k9"].dtype == np.float32
    assert not any(p.requires_grad for p in ex.parameters())
    same = RandomMultiscale(sizes=(3, 5, 9), channels=(4, 6, 8), seed=3)
    other = RandomMultiscale(sizes=(3, 5, 9), channels=(4, 6, 8), seed=4)
    w = ex.convs[2].weight.numpy()
    np.testing.assert_array_equal(w, same.convs[2].weight.numpy())
    assert not np.allclose(w, other.convs[2].weight.numpy())
    assert np.std(w) == pytest.approx(np.sqrt(2 / (3 * 81)), rel=0.1)    # He scale
    assert list(ex(x, ["k5"])) == ["k5"]
    same_pad = RandomMultiscale(sizes=(3, 7), channels=2, padding="same")(mg.rand(1, 3, 10, 10))
    assert same_pad["k7"].shape == (1, 2, 10, 10)


def test_unknown_layer_is_one_clear_error():
    ex = RandomMultiscale(sizes=(3, 5), channels=2)
    with pytest.raises(UnknownLayerError) as info:
        ex(mg.rand(1, 3, 8, 8), ["k3", "conv4_2"])
    assert str(info.value) == "RandomMultiscale: unknown layer 'conv4_2'; valid names: k3, k5"
    with pytest.raises(UnknownLayerError, match="unknown content layer 'k7'"):
        RandomMultiscale(sizes=(3,), channels=2, content_layers=()).check_layers(["k7"], "content layer")
    with pytest.raises(ValueError, match=r"expected RGB images \(N, 3, H, W\)"):
        ex(mg.rand(1, 1, 8, 8))
    with pytest.raises(ValueError, match="needs images of at least 5x5"):
        ex(mg.rand(1, 3, 4, 4))


def test_random_vgg_names_and_shapes(device):
    ex = RandomVGG(channels=(4, 8, 16), convs_per_block=(2, 1, 1), seed=0).to(device)
    assert ex.layer_names == ("conv1_1", "relu1_1", "conv1_2", "relu1_2", "pool1", "conv2_1", "relu2_1", "pool2",
                              "conv3_1", "relu3_1")
    out = ex(mg.rand(1, 3, 16, 16, device=device), ["relu1_2", "pool1", "relu3_1"])
    assert out["relu1_2"].shape == (1, 4, 16, 16) and out["pool1"].shape == (1, 4, 8, 8)
    assert out["relu3_1"].shape == (1, 16, 4, 4)
    assert type(ex.features[4]).__name__ == "AvgPool2d"
    assert ex.style_layers == ("relu1_1", "relu2_1", "relu3_1")
    with pytest.raises(UnknownLayerError, match="valid names: conv1_1, relu1_1"):
        RandomVGG(channels=(4,), convs_per_block=(1,), content_layers=("relu4_2",))


def _random_vgg19_npz(path, rng, extra=None):
    """A file in torchvision's format (features.i.weight/bias), He-scaled so 16 layers stay finite."""
    arrays, c_in, i = {}, 3, 0
    for v in VGG19_CONFIG:
        if v != "M":
            w = rng.standard_normal((v, c_in, 3, 3)) * np.sqrt(2 / (9 * c_in))
            arrays[f"features.{i}.weight"] = w.astype(np.float32)
            arrays[f"features.{i}.bias"] = (rng.standard_normal(v) * 0.01).astype(np.float32)
            c_in, i = v, i + 1
        i += 1
    arrays.update(extra or {})
    np.savez(path, **arrays)
    return arrays


@pytest.fixture(scope="module")
def vgg19_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("vgg") / "vgg19.npz"
    arrays = _random_vgg19_npz(path, np.random.default_rng(0),
                               extra={"classifier.6.bias": np.zeros(10, np.float32)})   # ignored
    return path, arrays


def test_vgg19_layer_names_map_to_torchvision_indices():
    ex = VGG19()
    assert len(ex.features) == 37 and len(ex.layer_names) == 37
    for i, name in VGG19_CONVS.items():
        assert ex.index[name] == i and ex.index["relu" + name[4:]] == i + 1
    for i, name in VGG19_POOLS.items():
        assert ex.index[name] == i
    assert [k for k in ex.state_dict()][:4] == ["features.0.weight", "features.0.bias", "features.2.weight",
                                                "features.2.bias"]
    assert type(VGG19(pool="avg").features[4]).__name__ == "AvgPool2d"
    assert type(ex.features[4]).__name__ == "MaxPool2d"


def _hand_built(arrays, x, pool):
    """VGG-19 written out with F.* from the file's arrays, layer by layer: {index: output}."""
    h = (x - mg.tensor(np.array(IMAGENET_MEAN, np.float32).reshape(1, 3, 1, 1))) / \
        mg.tensor(np.array(IMAGENET_STD, np.float32).reshape(1, 3, 1, 1))
    outs, i = {}, 0
    for v in VGG19_CONFIG:
        if v == "M":
            h = F.max_pool2d(h, 2, 2) if pool == "max" else F.avg_pool2d(h, 2, 2)
            outs[i] = h
            i += 1
        else:
            w, b = mg.tensor(arrays[f"features.{i}.weight"]), mg.tensor(arrays[f"features.{i}.bias"])
            h = F.conv2d(h, w, b, padding=1)
            outs[i] = h
            h = F.relu(h)
            outs[i + 1] = h
            i += 2
    return outs


@pytest.mark.parametrize("pool", ["max", "avg"])
def test_vgg19_npz_loads_and_matches_a_hand_built_stack(vgg19_file, pool):
    path, arrays = vgg19_file
    ex = VGG19(path, pool=pool)
    for k, v in ex.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), arrays[k])
    x = mg.rand(1, 3, 32, 32)
    names = ["conv1_1", "relu1_2", "pool1", "relu3_1", "conv4_2", "relu5_1", "pool5"]
    got = ex(x, names)
    want = _hand_built(arrays, x, pool)
    for name in names:
        np.testing.assert_allclose(got[name].numpy(), want[ex.index[name]].numpy(), rtol=1e-5, atol=1e-5)
    assert got["pool5"].shape == (1, 512, 1, 1)


def test_vgg19_matches_torchvisions_layout(vgg19_file, torch):
    """torchvision's vgg19().features, built with torch.nn (torchvision itself is not needed)."""
    path, arrays = vgg19_file
    layers = []
    c_in = 3
    for v in VGG19_CONFIG:
        if v == "M":
            layers.append(torch.nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [torch.nn.Conv2d(c_in, v, kernel_size=3, padding=1), torch.nn.ReLU(inplace=True)]
            c_in = v
    tv = torch.nn.Module()
    tv.features = torch.nn.Sequential(*layers)
    theirs = {k: tuple(v.shape) for k, v in tv.state_dict().items()}
    ex = VGG19(path)
    assert {k: v.shape for k, v in ex.state_dict().items()} == theirs
    tv.load_state_dict({k: torch.from_numpy(arrays[k]) for k in theirs})
    x = np.random.default_rng(1).random((1, 3, 32, 32), dtype=np.float32)
    mean = torch.tensor(IMAGENET_MEAN).reshape(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).reshape(1, 3, 1, 1)
    got = ex(mg.tensor(x), ["relu2_1", "conv4_2", "pool5"])
    with torch.no_grad():
        h = (torch.from_numpy(x) - mean) / std
        for i, layer in enumerate(tv.features):
            h = layer(h)
            for name in got:
                if ex.index[name] == i:
                    np.testing.assert_allclose(got[name].numpy(), h.numpy(), rtol=1e-4, atol=1e-4)


def test_vgg19_bad_weights_files(tmp_path, rng):
    with pytest.raises(FileNotFoundError, match="no weights file at .*nothere.npz"):
        VGG19(tmp_path / "nothere.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"this is not an npz file")
    with pytest.raises(WeightsError, match="cannot read .*junk.npz"):
        VGG19(junk)
    partial = tmp_path / "partial.npz"
    np.savez(partial, **{"features.0.weight": np.zeros((64, 3, 3, 3), np.float32)})
    with pytest.raises(WeightsError, match="lacks 31 array.*first features.0.bias"):
        VGG19(partial)
    wrong = tmp_path / "wrong.npz"
    arrays = {f"features.{i}.{p}": np.zeros(1, np.float32) for i in range(40) for p in ("weight", "bias")}
    np.savez(wrong, **arrays)
    with pytest.raises(WeightsError, match=r"features.0.weight has shape \(1,\).*needs float \(64, 3, 3, 3\)"):
        VGG19(wrong)


def test_make_extractor_by_name(tmp_path):
    assert isinstance(make_extractor("multiscale"), RandomMultiscale)
    assert isinstance(make_extractor("random-vgg", seed=2), RandomVGG)
    with pytest.raises(ValueError, match="unknown extractor 'alexnet'"):
        make_extractor("alexnet")
    with pytest.raises(ValueError, match="vgg19 needs its weights file"):
        make_extractor("vgg19")
    with pytest.raises(FileNotFoundError, match="no weights file"):
        make_extractor(f"vgg19:{tmp_path / 'w.npz'}")
