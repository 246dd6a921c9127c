"""Soak test of the native firmware (the virtual glove, a release build): 10^5 unusable lines --
random printable text, binary bytes, over-long lines, malformed samples and replays, wrong
arguments, comments, an unbalanced quote -- interleaved with 100 streamed letters, many of
them between the samples of an open window. Every letter is answered exactly as in the same
session without the garbage (same LETTER lines, counters included), the garbage is answered
with ERR lines, and the process's resident memory stays flat (the firmware has no heap).
"""

from __future__ import annotations

import subprocess
import threading
import time

import numpy as np

GARBAGE_LINES = 100_000
LETTERS = 100
RSS_TOLERANCE_KB = 64


def _garbage(rng) -> bytes:
    k = int(rng.integers(0, 12))
    if k == 0:  # printable junk whose first word is no command
        n = int(rng.integers(1, 60))
        return b"x" + bytes(rng.integers(0x20, 0x7F, n, dtype=np.uint8))
    if k == 1:  # binary (no newline)
        b = rng.integers(0, 256, int(rng.integers(1, 40)), dtype=np.uint8)
        return bytes(np.where(b == 10, 11, b).astype(np.uint8))
    if k == 2 and rng.random() < 0.02:  # over-long
        return b"y" * int(rng.integers(1201, 1500))
    fixed = [b"s 1 2 3", b"s 1 2 3 4 5 6 7 8 99999", b"s a b c d e f g h i", b"replay 33 00", b"replay 2 zz",
             b"replay", b"replay 1 00", b"model bogus", b"auto maybe", b"info extra", b"reset now", b"start x",
             b"# a comment", b"", b"\r", b'abc"def', b"LETTER a q8=zz", b"s 1 2 3 4 5 6 7 8 9 10"]
    return fixed[int(rng.integers(0, len(fixed)))]


def _streams(recs, rng):
    """(clean, garbage) byte streams, the same letters in the same order."""
    from glovexfer.device.protocol import sample_line

    clean, dirty = [], []
    per_gap = GARBAGE_LINES // (LETTERS * 34)
    left = GARBAGE_LINES
    for c in recs:
        lines = [b"start"] + [sample_line(s).encode() for s in c]
        clean += lines
        for ln in lines:
            n = min(left, int(rng.integers(0, 2 * per_gap + 1)))
            dirty += [_garbage(rng) for _ in range(n)]
            left -= n
            dirty.append(ln)
    dirty += [_garbage(rng) for _ in range(left)]
    return clean, dirty


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _run(exe, lines: list[bytes], rss_at: int | None = None):
    """Feed lines; with rss_at, measure VmRSS after line rss_at and at the end (an ``info``
    round trip makes sure everything before was handled). Returns (output lines, rss)."""
    p = subprocess.Popen([str(exe)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out: list[bytes] = []
    infos = threading.Semaphore(0)

    def reader():
        for ln in p.stdout:
            out.append(ln.rstrip(b"\n"))
            if ln.startswith(b"INFO "):
                infos.release()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    rss = []
    cuts = [rss_at, len(lines)] if rss_at is not None else [len(lines)]
    pos = 0
    for cut in cuts:
        p.stdin.write(b"\n".join(lines[pos:cut]) + b"\n")
        pos = cut
        if rss_at is not None:
            p.stdin.write(b"info\n")
            p.stdin.flush()
            assert infos.acquire(timeout=120), "the glove stopped answering"
            rss.append(_rss_kb(p.pid))
    p.stdin.close()
    assert p.wait(timeout=120) == 0, p.stderr.read()[-2000:]
    t.join(timeout=10)
    return out, rss


def test_soak_garbage_between_letters(glove):
    from glovexfer.simulate.recordings import simulated_recordings

    rng = np.random.default_rng(11)
    recs = simulated_recordings(LETTERS, seed=23)
    clean, dirty = _streams(recs, rng)
    assert len(dirty) - len(clean) == GARBAGE_LINES
    t0 = time.monotonic()
    want, _ = _run(glove, clean)
    got, rss = _run(glove, dirty, rss_at=len(dirty) // 10)
    print(f"soak: {len(dirty)} lines in {time.monotonic() - t0:.1f} s, VmRSS {rss[0]} -> {rss[1]} kB")
    want_letters = [x for x in want if x.startswith(b"LETTER ") or x.startswith(b"ERR E_NO_MOTION")]
    got_letters = [x for x in got if x.startswith(b"LETTER ") or x.startswith(b"ERR E_NO_MOTION")]
    assert len(want_letters) == LETTERS and sum(x.startswith(b"LETTER ") for x in want_letters) > LETTERS // 2
    assert got_letters == want_letters
    errs = sum(x.startswith(b"ERR ") for x in got) - sum(x.startswith(b"ERR ") for x in want)
    assert errs > 0.8 * GARBAGE_LINES  # comments and empty lines are the only silent ones
    assert not any(x.startswith(b"OK ") for x in got)  # no garbage line changed a setting
    assert rss[1] - rss[0] <= RSS_TOLERANCE_KB, rss
