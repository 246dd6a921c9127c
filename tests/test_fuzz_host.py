"""Property-based fuzzing of the host's parsers (CSV recordings, .npz data sets, DigiLeTs and
Chen et al. files, device lines): any input gives a parsed value or a GloveXferError, never
another exception.  Inputs are arbitrary bytes and mutations (bit flips, truncation,
insertions, spliced garbage) of a valid file.  ``GLOVEXFER_FUZZ_EXAMPLES`` sets the examples
per target (default 300; docs/reliability.md records a longer run); tools/fuzz_host.py runs
the same targets under Atheris."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))
from host_fuzz_targets import TARGETS, seeds  # noqa: E402

EXAMPLES = int(os.environ.get("GLOVEXFER_FUZZ_EXAMPLES", "300"))


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """``seed`` with a few random edits."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(("flip", "truncate", "insert", "replace", "delete")))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[at:]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "replace":
            n = draw(st.integers(1, 16))
            data[at:at + n] = draw(st.sampled_from((b"nan", b"1e30", b"-0", b"\x00", b"\xff\xfe", b",", b"\n", b'"', b"=",
                                                    b"inf", b"99999999999999999999", b" ", b"#")))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 64))]
    return bytes(data)


def inputs(name: str):
    return st.one_of(st.binary(max_size=512), st.sampled_from(seeds(name)).flatmap(mutated))


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_host_parser_gives_a_value_or_a_clear_error(name):
    target = TARGETS[name]

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=EXAMPLES <= 300,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(inputs(name))
    def run(data):
        target(data)

    for s in seeds(name):  # the valid seeds parse
        target(s)
    run()
