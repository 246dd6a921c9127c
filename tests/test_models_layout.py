"""models/: one folder per domain, each laid out the same way (model folders, the domain's
metrics.json, firmware/), holding only what a command reads, every entry in the table of
models/README.md; an old path (before the domain folders) is refused naming the new one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from glovexfer.errors import GloveXferError
from glovexfer.files import DOMAINS, MODELS_ROOT, domain_dir, domain_firmware_dir, moved_models_hint

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"
#: What a model folder may hold: the network, its figures, its int8 export.
MODEL_FILES = {"model.h5", "metrics.json", "model_int8.tflite", "int8.json"}
#: Folders of a domain that are no model folders, and what they hold.
OTHER_FOLDERS = {"firmware": None, "firmware_writing": None, "lexicon": {"lexicon.tsv", "lexicon.json"}}


def _shipped():
    if not (MODELS / "glove" / "metrics.json").is_file():
        pytest.skip("no shipped models")


def test_models_is_one_folder_per_domain():
    _shipped()
    assert MODELS_ROOT == MODELS
    assert sorted(p.name for p in MODELS.iterdir()) == sorted(["README.md", *DOMAINS])
    for domain in DOMAINS:
        d = domain_dir(domain)
        assert d == MODELS / domain and domain_firmware_dir(domain) == d / "firmware"
        assert json.loads((d / "metrics.json").read_text()), domain
        manifest = json.loads((d / "firmware" / "MANIFEST.json").read_text())
        for role, net in manifest["networks"].items():
            assert (d / net["tflite"]).is_file(), (domain, role)
            assert (d / "firmware" / f"gx_model_{role}.cpp").is_file(), (domain, role)
    with pytest.raises(GloveXferError, match="unknown domain"):
        domain_dir("paper")


def test_model_folders_hold_only_what_a_command_reads():
    """model.h5, metrics.json and the int8 export: no float .tflite, and the source pretraining
    only where ``train --model writing`` reads it (``nets.shipping.PRETRAINED_SHIPPED``)."""
    from glovexfer.nets.shipping import PRETRAINED_FILE, PRETRAINED_SHIPPED
    from glovexfer.nets.writing_models import PRETRAINED_FROM

    assert set(PRETRAINED_FROM.values()) == set(PRETRAINED_SHIPPED)
    _shipped()
    for domain in DOMAINS:
        for folder in sorted(p for p in domain_dir(domain).iterdir() if p.is_dir()):
            files = {p.name for p in folder.iterdir()}
            if folder.name in OTHER_FOLDERS:
                assert OTHER_FOLDERS[folder.name] is None or files == OTHER_FOLDERS[folder.name], folder
                continue
            meta = json.loads((folder / "metrics.json").read_text())
            if "members" in meta:
                assert files == {"metrics.json"}, folder
                assert all((folder.parent / m / "model.h5").is_file() for m in meta["members"]), folder
            else:
                pre = domain == "glove" and folder.name in PRETRAINED_SHIPPED
                assert (PRETRAINED_FILE in files) == pre, folder
                assert {"model.h5", "metrics.json"} <= files - {PRETRAINED_FILE} <= MODEL_FILES, folder
                assert ("model_int8.tflite" in files) == ("int8.json" in files), folder


def test_readme_table_names_every_shipped_entry():
    """Each domain's row set in models/README.md names every file and folder the domain ships."""
    _shipped()
    rows = [line.split("|")[1:3] for line in (MODELS / "README.md").read_text().splitlines() if line.startswith("| ")]
    for domain in DOMAINS:
        named = " ".join(entry for d, entry in rows if d.strip() == domain)
        for p in domain_dir(domain).iterdir():
            assert f"`{p.name}{'/' if p.is_dir() else ''}`" in named, (domain, p.name)


@pytest.mark.parametrize("old, new", [
    ("models/firmware", "models/glove/firmware"),
    ("models/best_lstm", "models/glove/best_lstm"),
    ("models/metrics_chen2021.json", "models/chen2021/metrics.json"),
])
def test_an_old_models_path_names_the_new_one(old, new):
    _shipped()
    assert f"models/{old.split('/', 1)[1]} is now {new}" in moved_models_hint(ROOT / old)
    assert moved_models_hint(ROOT / new) == "" and moved_models_hint(ROOT / "out" / "x") == ""


def test_an_old_model_dir_is_refused_naming_the_new_one(capsys):
    """glovexfer bench --model-dir models/firmware (the layout before the domain folders)."""
    from glovexfer.cli import main

    _shipped()
    assert main(["bench", "--model-dir", str(ROOT / "models" / "firmware"), "--n", "1"]) == 2
    assert "models/glove/firmware" in capsys.readouterr().err
