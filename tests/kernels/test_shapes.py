"""The size formulas and argument checks of minigan.kernels.shapes: PyTorch's sizes, helpful errors."""
import itertools

import pytest

from minigan.kernels import shapes


def test_pair_accepts_ints_and_pairs_only():
    assert shapes.pair(3, "stride") == (3, 3)
    assert shapes.pair((2, 5), "stride") == (2, 5)
    assert shapes.pair([1, 4], "stride") == (1, 4)
    for bad in [(1, 2, 3), 1.5, "2", None, True, (1, 2.0)]:
        with pytest.raises(TypeError, match="stride must be an int or a pair of ints"):
            shapes.pair(bad, "stride")


def test_conv2d_output_size_on_dcgan_discriminator():
    k, s, p = (4, 4), (2, 2), (1, 1)
    sizes = [28]
    for _ in range(3):
        sizes.append(shapes.conv2d_output_size(sizes[-1], sizes[-1], k, s, p)[0])
    assert sizes == [28, 14, 7, 3]
    assert shapes.conv2d_output_size(9, 10, (3, 3), (1, 1), (0, 0), (2, 3)) == (5, 4)   # span 5 and 7


def test_conv_transpose2d_output_size_on_course_generator():
    """G: k3 s2, sizes 1 -> 3 -> 7 -> 15 -> 28 (last layer padding 2, output_padding 1)."""
    k, s = (3, 3), (2, 2)
    sizes = [1]
    for p, op in [(0, 0), (0, 0), (0, 0), (2, 1)]:
        sizes.append(shapes.conv_transpose2d_output_size(sizes[-1], sizes[-1], k, s, (p, p), (op, op))[0])
    assert sizes == [1, 3, 7, 15, 28]
    assert shapes.conv_transpose2d_output_size(7, 7, (4, 4), (2, 2), (1, 1)) == (14, 14)


def test_pool2d_output_size_is_floor_mode():
    assert shapes.pool2d_output_size(7, 8, (2, 2), (2, 2), (0, 0)) == (3, 4)
    assert shapes.pool2d_args(3) == ((3, 3), (3, 3), (0, 0), (1, 1))          # stride defaults to kernel
    assert shapes.pool2d_args((2, 3), 1, (1, 0)) == ((2, 3), (1, 1), (1, 0), (1, 1))


def test_pool2d_output_size_in_ceil_mode():
    assert shapes.pool2d_output_size(5, 7, (2, 2), (2, 2), (0, 0), ceil_mode=True) == (3, 4)    # partial windows
    assert shapes.pool2d_output_size(6, 8, (2, 2), (2, 2), (0, 0), ceil_mode=True) == (3, 4)    # none needed
    # 8 rows, k3 s3 p1: the ceil formula gives 4 windows, but the 4th would start at row 9 = H + p, inside
    # the bottom padding only, so it is dropped
    assert shapes.pool2d_output_size(8, 8, (3, 3), (3, 3), (1, 1), ceil_mode=True) == (3, 3)


def test_pool2d_output_size_matches_torch_in_both_modes(torch):
    pool = torch.nn.functional.max_pool2d
    for n, k, s, d in itertools.product(range(1, 12), (1, 2, 3), (1, 2, 3), (1, 2)):
        for p in range(k // 2 + 1):
            if n + 2 * p < d * (k - 1) + 1:
                continue
            for ceil_mode in (False, True):
                expected = pool(torch.zeros(1, 1, n, 1), (k, 1), (s, 1), (p, 0), (d, 1), ceil_mode=ceil_mode).shape[2]
                got = shapes.pool2d_output_size(n, 1, (k, 1), (s, 1), (p, 0), (d, 1), ceil_mode)[0]
                assert got == expected, f"n={n} k={k} s={s} p={p} d={d} ceil_mode={ceil_mode}"


@pytest.mark.parametrize("k,s,p,d", list(itertools.product([1, 3, 4], [1, 2, 3], [0, 1, 2], [1, 2])))
def test_output_padding_helper_recovers_every_input_size(k, s, p, d):
    for h in range(1, 12):
        if d * (k - 1) + 1 > h + 2 * p:
            continue
        h_out, _ = shapes.conv2d_output_size(h, h, (k, k), (s, s), (p, p), (d, d))
        op = shapes.conv2d_grad_input_output_padding((h, h), (h_out, h_out), (k, k), (s, s), (p, p), (d, d))
        assert 0 <= op[0] < s
        assert shapes.conv_transpose2d_output_size(h_out, h_out, (k, k), (s, s), (p, p), op, (d, d))[0] == h


def test_check_conv2d_returns_the_output_shape():
    assert shapes.check_conv2d((64, 1, 28, 28), (64, 1, 4, 4), (2, 2), (1, 1)) == (64, 64, 14, 14)
    assert shapes.check_conv2d((2, 4, 9, 9), (6, 2, 3, 3), (1, 1), (0, 0), (2, 2), 2) == (2, 6, 5, 5)


def test_conv2d_channel_mismatch_names_both():
    with pytest.raises(ValueError) as err:
        shapes.check_conv2d((64, 3, 28, 28), (64, 1, 4, 4), (2, 2), (1, 1))
    msg = str(err.value)
    assert msg.startswith("conv2d:") and "3 channels" in msg and "expects 1" in msg and "(64, 1, 4, 4)" in msg


def test_conv2d_groups_must_divide_both_channel_counts():
    with pytest.raises(ValueError, match=r"conv2d: groups=2 must divide .*input channels \(3\).*output channels \(4\)"):
        shapes.check_conv2d((1, 3, 8, 8), (4, 1, 3, 3), (1, 1), (0, 0), (1, 1), 2)
    with pytest.raises(ValueError, match=r"groups=2 must divide .*output channels \(5\)"):
        shapes.check_conv2d((1, 4, 8, 8), (5, 2, 3, 3), (1, 1), (0, 0), (1, 1), 2)
    with pytest.raises(ValueError, match="groups must be a positive int"):
        shapes.check_conv2d((1, 4, 8, 8), (4, 4, 3, 3), (1, 1), (0, 0), (1, 1), 0)


def test_kernel_larger_than_padded_input_names_the_sizes():
    with pytest.raises(ValueError, match=r"conv2d: the kernel \(5 x 5\) is larger than the padded input "
                                         r"\(4 x 5\) \(input \(2 x 3\), padding \(1, 1\)\)"):
        shapes.check_conv2d((1, 1, 2, 3), (1, 1, 5, 5), (1, 1), (1, 1))
    with pytest.raises(ValueError, match=r"kernel \(5 x 1\) \(kernel \(3 x 1\), dilation \(2, 1\)\)"):
        shapes.check_conv2d((1, 1, 4, 4), (1, 1, 3, 1), (1, 1), (0, 0), (2, 1))


def test_wrong_ndim_and_bad_hyperparameters():
    with pytest.raises(ValueError, match=r"conv2d: expected a 4-D input \(N, C_in, H, W\), got shape \(3, 28, 28\)"):
        shapes.check_conv2d((3, 28, 28), (1, 3, 3, 3), (1, 1), (0, 0))
    with pytest.raises(ValueError, match=r"expected a 4-D weight"):
        shapes.check_conv_transpose2d((1, 3, 8, 8), (3, 3, 3), (1, 1), (0, 0))
    with pytest.raises(ValueError, match="stride must be positive"):
        shapes.check_conv2d((1, 1, 8, 8), (1, 1, 3, 3), (0, 1), (0, 0))
    with pytest.raises(ValueError, match="padding must be non-negative"):
        shapes.check_conv2d((1, 1, 8, 8), (1, 1, 3, 3), (1, 1), (-1, 0))


def test_check_conv_transpose2d_shapes_and_channels():
    assert shapes.check_conv_transpose2d((64, 128, 7, 7), (128, 64, 4, 4), (2, 2), (1, 1)) == (64, 64, 14, 14)
    assert shapes.check_conv_transpose2d((2, 4, 3, 3), (4, 3, 3, 3), (2, 2), (0, 0), (1, 1), (1, 1), 2) == \
        (2, 6, 8, 8)
    with pytest.raises(ValueError, match=r"conv_transpose2d: input has 100 channels but weight expects 128 "
                                         r"\(weight shape \(128, 64, 4, 4\)"):
        shapes.check_conv_transpose2d((1, 100, 1, 1), (128, 64, 4, 4), (1, 1), (0, 0))


def test_output_padding_must_be_smaller_than_stride_or_dilation():
    ok = shapes.check_conv_transpose2d((1, 1, 5, 5), (1, 1, 3, 3), (1, 1), (0, 0), (1, 1), (2, 2))
    assert ok == (1, 1, 10, 10)                        # smaller than the dilation: allowed
    for op, s, d in [((2, 0), (2, 2), (1, 1)), ((1, 1), (1, 1), (1, 1)), ((0, 3), (2, 3), (3, 3))]:
        with pytest.raises(ValueError, match="output_padding must be smaller than either stride or dilation"):
            shapes.check_conv_transpose2d((1, 1, 5, 5), (1, 1, 3, 3), s, (0, 0), op, d)


def test_pool_checks():
    assert shapes.check_pool2d((2, 3, 7, 7), (2, 2), (2, 2), (1, 1)) == (2, 3, 4, 4)
    with pytest.raises(ValueError, match=r"max_pool2d: padding should be at most half of the kernel size"):
        shapes.check_pool2d((1, 1, 8, 8), (3, 3), (1, 1), (2, 2))
    with pytest.raises(ValueError, match=r"avg_pool2d: the window \(5 x 5\) is larger than the padded input"):
        shapes.check_pool2d((1, 1, 3, 3), (5, 5), (1, 1), (0, 0), op="avg_pool2d")
