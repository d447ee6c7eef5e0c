"""What the 1-D and 3-D convolutions and adaptive average pools share, held on one table each: gradchecks in float64
on awkward shapes (odd sizes, batch 1, unbatched inputs, stride smaller and larger than the kernel, padding 0 and
more, dilation, groups, "same" with even kernels, output_padding) and values and gradients against PyTorch.
What is particular to each size is in test_conv1d_pool1d.py and test_conv3d_pool3d.py."""
import pytest

import minigan.nn.functional as F

from helpers import check_grad, compare_with_torch, conv_call, conv_inputs, randn

# --------------------------------------------------------------------------- conv1d, conv3d
# (input shape, weight shape, bias, stride, padding, dilation, groups)
CONV1D = [
    ((2, 3, 7), (4, 3, 3), True, 2, 1, 1, 1),
    ((1, 4, 9), (6, 2, 3), False, 1, 2, 2, 2),
    ((3, 8), (2, 3, 2), True, 3, 0, 1, 1),             # unbatched
    ((1, 2, 5), (4, 1, 4), True, 1, "same", 1, 2),      # odd total padding: the extra zero at the right
    ((2, 2, 6), (2, 2, 3), False, 1, "valid", 2, 1),
    ((1, 1, 4), (1, 1, 1), True, (2,), (0,), (1,), 1),  # 1-tuples, a 1-tap kernel
]
CONV1D_IDS = ["s2p1-bias", "dilation-groups-batch1", "unbatched-s3", "same-even-kernel", "valid-dilation", "tuples"]
CONV3D = [
    ((2, 2, 5, 4, 3), (3, 2, 3, 2, 3), True, 2, 1, 1, 1),
    ((1, 4, 5, 4, 3), (2, 2, 2, 3, 1), False, 1, (2, 1, 0), (2, 1, 1), 2),
    ((2, 4, 3, 5), (3, 2, 2, 2, 2), True, (1, 2, 1), 0, 1, 1),                 # unbatched
    ((1, 2, 4, 3, 4), (2, 1, 2, 3, 2), True, 1, "same", (1, 1, 3), 2),           # odd totals: the extra at the back
    ((1, 1, 6, 3, 3), (1, 1, 2, 1, 2), False, 1, "valid", (3, 1, 1), 1),
    ((1, 2, 7, 3, 3), (2, 2, 2, 2, 1), True, (3, 1, 2), (1, 0, 0), 1, 1),       # depth stride > kernel
    ((1, 2, 3, 3, 3), (2, 2, 1, 1, 1), True, [1, 2, 1], [0, 1, 0], [1, 1, 1], 1),  # lists, a 1-tap kernel
]
CONV3D_IDS = ["s2p1-bias", "dilation-groups-batch1", "unbatched", "same-even-groups", "valid-dilation",
            "depth-stride-3", "lists-1tap"]
CONVS = [("conv1d", c) for c in CONV1D] + [("conv3d", c) for c in CONV3D]
CONV_IDS = [f"1d-{i}" for i in CONV1D_IDS] + [f"3d-{i}" for i in CONV3D_IDS]


@pytest.mark.parametrize("op,case", CONVS, ids=CONV_IDS)
def test_conv_gradcheck(device, op, case):
    arrays = conv_inputs(case, case[1][0])
    rep = check_grad(conv_call(F, op, case), *arrays, device=device)
    assert len(rep.rows) == len(arrays)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")   # torch's note on its own speed
@pytest.mark.parametrize("op,case", CONVS, ids=CONV_IDS)
def test_conv_matches_torch(device, torch, op, case):
    compare_with_torch(torch, conv_call(F, op, case), conv_call(torch.nn.functional, op, case),
                       conv_inputs(case, case[1][0]), device=device)


# --------------------------------------------------------------------------- conv_transpose1d, conv_transpose3d
# (input shape, weight shape, bias, stride, padding, output_padding, groups, dilation)
TRANSPOSE1D = [
    ((2, 3, 5), (3, 2, 3), True, 2, 1, 1, 1, 1),
    ((1, 4, 3), (4, 1, 4), False, 2, 1, 0, 2, 1),       # k4 s2 p1: the upsampler, groups
    ((2, 2, 4), (2, 3, 3), True, 1, 1, 1, 1, 2),        # output_padding 1 >= stride 1, allowed by dilation 2
    ((3, 5), (3, 2, 2), True, 3, 0, 2, 1, 1),           # unbatched, stride > kernel
    ((1, 2, 6), (2, 2, 5), False, (1,), (2,), (0,), 1, (1,)),
]
TRANSPOSE1D_IDS = ["s2p1op1-bias", "k4s2p1-groups", "op-dilation", "unbatched-s3", "tuples-p2"]
TRANSPOSE3D = [
    ((2, 3, 3, 2, 3), (3, 2, 3, 3, 2), True, 2, 1, 1, 1, 1),
    ((1, 4, 2, 3, 2), (4, 1, 4, 2, 3), False, (2, 1, 2), (1, 0, 1), 0, 2, 1),      # k4 s2 p1 along depth, groups
    ((1, 2, 3, 2, 2), (2, 2, 3, 2, 2), True, 1, (1, 0, 0), (1, 0, 0), 1, (2, 1, 1)),  # op 1 >= stride 1 (dilation 2)
    ((2, 3, 2, 3), (2, 2, 2, 2, 2), True, (3, 1, 2), 0, (2, 0, 1), 1, 1),          # unbatched, stride > kernel
    ((1, 2, 4, 2, 2), (2, 1, 5, 1, 2), False, 1, (2, 0, 1), 0, 1, 1),              # padding crops much of the depth
]
TRANSPOSE3D_IDS = ["s2p1op1-bias", "k4s2p1-groups", "op-dilation", "unbatched-s3", "p2-crop"]
TRANSPOSES = [("conv_transpose1d", c) for c in TRANSPOSE1D] + [("conv_transpose3d", c) for c in TRANSPOSE3D]
TRANSPOSE_IDS = [f"1d-{i}" for i in TRANSPOSE1D_IDS] + [f"3d-{i}" for i in TRANSPOSE3D_IDS]


@pytest.mark.parametrize("op,case", TRANSPOSES, ids=TRANSPOSE_IDS)
def test_conv_transpose_gradcheck(device, op, case):
    arrays = conv_inputs(case, case[1][1] * case[6])
    rep = check_grad(conv_call(F, op, case), *arrays, device=device)
    assert len(rep.rows) == len(arrays)


@pytest.mark.parametrize("op,case", TRANSPOSES, ids=TRANSPOSE_IDS)
def test_conv_transpose_matches_torch(device, torch, op, case):
    compare_with_torch(torch, conv_call(F, op, case), conv_call(torch.nn.functional, op, case),
                       conv_inputs(case, case[1][1] * case[6]), device=device)


# --------------------------------------------------------------------------- adaptive_avg_pool1d, adaptive_avg_pool3d
# (op, input shape, output_size): overlapping windows, the identity, more outputs than inputs, None, unbatched
ADAPTIVE_AVG = [("adaptive_avg_pool1d", (2, 3, 7), 3), ("adaptive_avg_pool1d", (1, 2, 5), 5),
                ("adaptive_avg_pool1d", (2, 1, 4), (7,)), ("adaptive_avg_pool1d", (3, 9), 4),
                ("adaptive_avg_pool3d", (2, 2, 5, 4, 6), (3, 2, 4)), ("adaptive_avg_pool3d", (1, 2, 3, 3, 3), 3),
                ("adaptive_avg_pool3d", (1, 1, 2, 3, 2), (4, None, 3)),
                ("adaptive_avg_pool3d", (2, 7, 4, 5), [3, 4, None])]


@pytest.mark.parametrize("op,shape,size", ADAPTIVE_AVG, ids=lambda v: str(v))
def test_adaptive_avg_pool(device, torch, op, shape, size):
    x = randn(*shape, seed=4)
    check_grad(lambda t: getattr(F, op)(t, size), x, device=device)
    compare_with_torch(torch, lambda t: getattr(F, op)(t, size),
                       lambda t: getattr(torch.nn.functional, op)(t, size), [x], device=device)
