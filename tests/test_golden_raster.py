"""Golden stage 7, ``golden.raster``, against its float twin, and its int8 input quantiser.

Shared imports, error bounds, strategies and fixtures: tests/golden_common.py.
"""

from __future__ import annotations

from golden_common import *  # noqa: F403 -- shared imports, bounds, strategies, fixtures


@SLOW
@given(thinned_paths())
def test_raster_vs_float(pq):
    pts = g_resample(pq, FP)
    pf = pts / U
    g = g_raster(pts, FP)
    assert (
        g.dtype == np.int32
        and g.shape == (28, 28)
        and g.min() >= 0
        and g.max() == 1 << 15
    )
    ref = f_raster(pf, PAPER)
    same_canvas = np.array_equal(
        g_draw(pts, FP).astype(bool), f_draw(pf, PAPER).astype(bool)
    )
    if same_canvas:
        assert np.abs(g / 2.0**15 - ref).max() <= IMAGE_ISO_ERR
    else:  # a stamp centre rounded to the other pixel (position within ~1e-6 px of .5)
        assert np.abs(g / 2.0**15 - ref).mean() <= IMAGE_RUN_MEAN_ERR


def test_raster_single_point_and_uint8():
    g = g_raster(np.array([[ONE_Q30 // 2, ONE_Q30 // 2]], dtype=np.int32), FP)
    ref = f_raster(np.array([[0.5, 0.5]]), PAPER)
    assert np.abs(g / 2.0**15 - ref).max() <= IMAGE_ISO_ERR
    assert g.max() == 1 << 15 and np.array_equal(g, g.T)
    u8 = to_uint8(g)
    assert u8.dtype == np.uint8 and u8.max() == 255 and u8.min() == 0
    assert to_uint8(np.array([0, 1 << 14, 1 << 15])).tolist() == [0, 128, 255]


def test_image_to_int8_matches_host_quantiser():
    from glovexfer.golden.quant import quantize_to_int8
    from glovexfer.golden.raster import image_to_int8, input_quantiser

    v = np.arange(0, (1 << 15) + 1, dtype=np.int64)
    for scale, zp in ((1 / 255, -128), (0.0039215, -128), (1 / 127, 0), (0.0123, -5)):
        mult, rshift = input_quantiser(scale)
        g = image_to_int8(v, mult, rshift, zp).astype(np.int64)
        ref = quantize_to_int8(v / 2.0**15, scale, zp).astype(np.int64)
        assert np.abs(g - ref).max() <= 1
        assert np.mean(g != ref) < 1e-3
    mult, rshift = input_quantiser(1 / 255)
    assert np.array_equal(
        image_to_int8(v, mult, rshift, -128).astype(np.int64),
        to_uint8(v).astype(np.int64) - 128,
    )
