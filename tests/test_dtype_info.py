"""mg.finfo / mg.iinfo: the limits of the number types, held to PyTorch's."""
import minigan as mg
import numpy as np
import pytest

FLOATS = ["float16", "float32", "float64"]
INTS = ["uint8", "int8", "int16", "int32", "int64"]
FINFO_FIELDS = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")


@pytest.mark.parametrize("name", FLOATS)
def test_finfo_matches_torch(torch, name):
    ours, theirs = mg.finfo(getattr(np, name)), torch.finfo(getattr(torch, name))
    for field in FINFO_FIELDS:
        assert getattr(ours, field) == getattr(theirs, field), field
        assert type(getattr(ours, field)) is type(getattr(theirs, field)), field
    assert repr(ours) == repr(theirs)
    assert str(ours) == str(theirs)


@pytest.mark.parametrize("name", INTS)
def test_iinfo_matches_torch(torch, name):
    ours, theirs = mg.iinfo(getattr(np, name)), torch.iinfo(getattr(torch, name))
    for field in ("bits", "max", "min", "dtype"):
        assert getattr(ours, field) == getattr(theirs, field), field
        assert type(getattr(ours, field)) is type(getattr(theirs, field)), field
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("spelling", [mg.float32, np.dtype(np.float32), "float32", np.float32])
def test_finfo_accepts_minigan_dtype_spellings(spelling):
    assert mg.finfo(spelling) == mg.finfo(mg.float32)
    assert mg.finfo(spelling).eps == 2.0 ** -23


def test_finfo_of_the_default_dtype_follows_set_default_dtype():
    assert mg.finfo().dtype == "float32"
    mg.set_default_dtype(mg.float64)
    try:
        assert mg.finfo().dtype == "float64"
        assert mg.finfo().eps == 2.0 ** -52
    finally:
        mg.set_default_dtype(mg.float32)


def test_finfo_of_a_tensor_dtype_and_of_complex(torch):
    x = mg.zeros(2, dtype=mg.float16)
    assert mg.finfo(x.dtype).max == 65504.0
    assert mg.finfo(np.complex64) == mg.finfo(mg.float32)
    assert repr(mg.finfo(np.complex128)) == repr(torch.finfo(torch.complex128))


def test_iinfo_accepts_names_and_types():
    assert mg.iinfo("int32").max == 2 ** 31 - 1
    assert mg.iinfo(mg.int64).min == -2 ** 63
    assert mg.iinfo(np.dtype(np.uint8)).max == 255


def test_eps_is_the_gap_above_one():
    for name in FLOATS:
        one = np.array(1, dtype=name)
        eps = mg.finfo(name).eps
        assert one + np.array(eps, dtype=name) > one
        assert one + np.array(eps / 2, dtype=name) == one      # rounds back to 1 (ties to even)


def test_finfo_rejects_integer_types_like_torch(torch):
    with pytest.raises(TypeError, match="requires a floating point input type"):
        torch.finfo(torch.int64)
    with pytest.raises(TypeError, match=r"finfo\(\) requires a floating point input type, got int64"):
        mg.finfo(mg.int64)
    with pytest.raises(TypeError, match="requires a floating point input type"):
        mg.finfo(mg.bool_)


def test_iinfo_rejects_float_types_and_bool_like_torch(torch):
    with pytest.raises(TypeError, match="requires an integer input type"):
        torch.iinfo(torch.float32)
    with pytest.raises(TypeError, match=r"iinfo\(\) requires an integer input type, got float32"):
        mg.iinfo(mg.float32)
    with pytest.raises(TypeError, match="bool is not supported by"):
        torch.iinfo(torch.bool)
    with pytest.raises(TypeError, match="bool is not supported by iinfo"):
        mg.iinfo(mg.bool_)


@pytest.mark.parametrize("bad", [3, "no_such_type", 1.5])
def test_not_a_dtype_is_a_type_error(bad):
    with pytest.raises(TypeError, match=r"finfo\(\): argument 'type' must be a dtype"):
        mg.finfo(bad)
    with pytest.raises(TypeError, match=r"iinfo\(\): argument 'type' must be a dtype"):
        mg.iinfo(bad)


def test_iinfo_needs_an_argument():
    with pytest.raises(TypeError):
        mg.iinfo()


def test_infos_compare_and_hash_by_dtype():
    assert mg.finfo(mg.float32) == mg.finfo("float32")
    assert mg.finfo(mg.float32) != mg.finfo(mg.float64)
    assert len({mg.iinfo(mg.int32), mg.iinfo("int32"), mg.iinfo(mg.int64)}) == 2
    assert mg.finfo(mg.float32) != mg.iinfo(mg.int32)
