"""The device path of the golden model is integer-only: a scan of its source for floating
point (float literals, true division, float functions).

Shared imports, error bounds, strategies and fixtures: tests/golden_common.py.
"""

from __future__ import annotations

from golden_common import *  # noqa: F403 -- shared imports, bounds, strategies, fixtures
from glovexfer.golden import calibrate as g_calibrate_mod


DEVICE_MODULES = [
    fixed,
    g_or,
    g_points_mod,
    g_normalise_mod,
    g_smooth_mod,
    g_thin_mod,
    g_resample_mod,
    g_raster_mod,
    g_calibrate_mod,
]
NOT_DEVICE = {
    "derive_fixed_params",
    "_derive",
    "_round_half_up",
    "_scaled_constant",
    "as_dict",
    "input_quantiser",
}
FLOAT_NAMES = {
    "float",
    "sqrt",
    "atan2",
    "arctan2",
    "asin",
    "arcsin",
    "atan",
    "exp",
    "log",
    "cos",
    "sin",
    "float64",
    "float32",
    "isclose",
    "hypot",
    "linspace",
    "true_divide",
}


def _device_functions():
    for mod in DEVICE_MODULES:
        for name, obj in vars(mod).items():
            obj = getattr(obj, "__wrapped__", obj)  # lru_cache
            if (
                inspect.isfunction(obj)
                and obj.__module__ == mod.__name__
                and name not in NOT_DEVICE
            ):
                yield mod.__name__ + "." + name, obj
    yield "pipeline.run_golden", g_pipeline_mod.run_golden
    yield "pipeline._check_counts", g_pipeline_mod._check_counts


def test_device_path_has_no_floating_point():
    """No float literal, true division, or float function in any device-path function."""
    names = []
    for qual, fn in _device_functions():
        names.append(qual)
        tree = ast.parse(
            inspect.getsource(fn).strip()
            if not inspect.getsource(fn).startswith(" ")
            else "if 1:\n" + inspect.getsource(fn)
        )
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, float):
                pytest.fail(f"{qual}: float literal {node.value}")
            if isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(
                node.op, ast.Div
            ):
                pytest.fail(f"{qual}: true division '/'")
            if isinstance(node, ast.Name) and node.id in FLOAT_NAMES:
                pytest.fail(f"{qual}: uses {node.id}")
            if isinstance(node, ast.Attribute) and node.attr in FLOAT_NAMES:
                pytest.fail(f"{qual}: uses .{node.attr}")
    assert len(names) > 40
