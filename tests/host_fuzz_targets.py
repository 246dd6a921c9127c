"""Fuzz targets for the host's parsers, shared by tests/test_fuzz_host.py (hypothesis, in
``make test``) and tools/fuzz_host.py (Atheris, long runs).  Each target takes arbitrary
bytes and returns normally when the parser gave a value or refused the input with a
GloveXferError; any other exception escapes and is a finding."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from glovexfer.errors import GloveXferError

_DIR = Path(tempfile.mkdtemp(prefix="gx-fuzz-host-"))


def _file(name: str, data: bytes) -> Path:
    p = _DIR / name
    p.write_bytes(data)
    return p


def _valid_csv() -> bytes:
    from glovexfer.data.recordings import Recording, write_csv

    rng = np.random.default_rng(0)
    rec = Recording(rng.integers(-2000, 2000, (32, 9)).astype(np.int16), "a", "u1")
    return write_csv(rec).encode()


def _valid_npz() -> bytes:
    from glovexfer.data.recordings import RecordingSet

    rng = np.random.default_rng(0)
    rs = RecordingSet(rng.integers(-2000, 2000, (2, 32, 9)).astype(np.int16), ["a", "b"], ["u1", "u1"],
                      meta={"simulated": True}, extras={"writer": np.array(["001", "002"])})
    return rs.save(_DIR / "seed.npz").read_bytes()


def _valid_session() -> tuple[bytes, bytes]:
    """A session CSV with its truth, and a session set .npz."""
    from glovexfer.data.sessions import Session, SessionSet, write_session_csv

    rng = np.random.default_rng(0)
    s = Session(rng.integers(-2000, 2000, (40, 9)).astype(np.int16), "ab c", np.array([[2, 10], [12, 20], [25, 38]]), "u1")
    return write_session_csv(s).encode(), SessionSet.from_sessions([s, s]).save(_DIR / "seed_sessions.npz").read_bytes()


def _valid_digilets_line() -> bytes:
    return b" ".join(f"{0.2 + 0.05 * i:g} {0.3 + 0.04 * i:g} 0.5 {int(i == 0)} {0.1 * i:g}".encode() for i in range(8))


def _valid_chen() -> bytes:
    rows = [f"3,{37 if i else 0},10.5,-2.25,1.5,12,-980,40,1.5,-0.5,0.25,1,0,0,0" for i in range(30)]
    return ("\n".join(rows) + "\n").encode()


#: Valid inputs that mutation-based fuzzing starts from (Atheris corpus, hypothesis examples).
SEEDS: dict[str, list[bytes]] = {}


def _refuses_cleanly(fn, *args) -> None:
    try:
        fn(*args)
    except GloveXferError:
        pass


def fuzz_csv(data: bytes) -> None:
    """A glove-logger CSV recording (``read_csv``)."""
    from glovexfer.data.recordings import read_csv

    _refuses_cleanly(read_csv, _file("rec.csv", data))


def fuzz_npz(data: bytes) -> None:
    """A recordings data set (``RecordingSet.load``)."""
    from glovexfer.data.recordings import RecordingSet

    _refuses_cleanly(RecordingSet.load, _file("set.npz", data))


def fuzz_session_csv(data: bytes) -> None:
    """A glove-logger CSV writing session (``read_session_csv``)."""
    from glovexfer.data.sessions import read_session_csv

    _refuses_cleanly(read_session_csv, _file("session.csv", data))


def fuzz_session_npz(data: bytes) -> None:
    """A session set (``SessionSet.load``)."""
    from glovexfer.data.sessions import SessionSet

    _refuses_cleanly(SessionSet.load, _file("sessions.npz", data))


def fuzz_digilets(data: bytes) -> None:
    """A DigiLeTs writer file: ``data`` is the first lowercase letter's point line (the rest
    of the file valid), and also a whole file on its own."""
    from glovexfer.data.digilets import FIRST_LOWERCASE, INSTANCES, N_SYMBOLS, load_writer

    name = "001-m-20-right_2020-01-01-00-00-00"
    lines = []
    ok = _valid_digilets_line()
    for sym in range(N_SYMBOLS):
        onehot = b" ".join(b"1" if k == sym else b"0" for k in range(N_SYMBOLS))
        for k in range(INSTANCES):
            lines += [data.replace(b"\n", b" ") if (sym, k) == (FIRST_LOWERCASE, 0) else ok, onehot]
    _refuses_cleanly(load_writer, _file(name, b"\n".join(lines) + b"\n"))
    _refuses_cleanly(load_writer, _file(name, data))


def fuzz_chen(data: bytes) -> None:
    """A Chen et al. (2021) letter file and calibration file."""
    from glovexfer.data.chen2021 import load_calibration, load_letter_file

    (_DIR / "s_1").mkdir(exist_ok=True)
    p = _DIR / "s_1" / "a.csv"
    p.write_bytes(data)
    _refuses_cleanly(load_letter_file, p, "s_1", 1)
    _refuses_cleanly(load_calibration, p)


def fuzz_device_line(data: bytes) -> None:
    """One device line as the host reads it (``Device.read_line`` decodes ASCII with
    replacement), parsed and, by kind, decoded further."""
    from glovexfer.device.protocol import letter_of, parse_line, stage_of

    line = data.split(b"\n", 1)[0].decode("ascii", errors="replace")
    try:
        m = parse_line(line)
        if m.kind in ("LETTER", "RESULT"):
            letter_of(m)
        elif m.kind == "STAGE":
            stage_of(m)
    except GloveXferError:
        pass


TARGETS = {
    "csv": fuzz_csv,
    "npz": fuzz_npz,
    "session_csv": fuzz_session_csv,
    "session_npz": fuzz_session_npz,
    "digilets": fuzz_digilets,
    "chen": fuzz_chen,
    "device_line": fuzz_device_line,
}


def seeds(name: str) -> list[bytes]:
    if not SEEDS:
        SEEDS.update({
            "csv": [_valid_csv()],
            "npz": [_valid_npz()],
            "session_csv": [_valid_session()[0]],
            "session_npz": [_valid_session()[1]],
            "digilets": [_valid_digilets_line()],
            "chen": [_valid_chen(), _valid_chen() + b"#\n"],
            "device_line": [b"LETTER h q8=201 top3=h:201,n:30,k:3 model=fused n=4",
                            b'READY proto=1 fw=0.1.0 board=native model=fused lstm="gxmodel/2 lstm" cnn="x"',
                            b"STAGE euler i32 3 ffffffff7fffffff80000000", b"ERR E_ARGS s: bad",
                            b"RESULT lstm x q8=31 top3=x:31,v:22,s:21 margin=26", b"WORD", b"END replay n=2"],
        })
    return SEEDS[name]


__all__ = ["SEEDS", "TARGETS", "seeds"]
