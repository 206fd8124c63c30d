"""The model records what it was built from, so a stale model is noticed."""

from __future__ import annotations

import shutil
from pathlib import Path

from nlu.train import fingerprint, is_current, model_fingerprint


def test_the_built_model_matches_the_data_and_config(model_dir: Path) -> None:
    assert model_fingerprint(model_dir) == fingerprint()
    assert is_current(model_dir)


def test_a_model_from_other_data_is_not_current(model_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(model_dir, copy)
    meta = (copy / "meta.json").read_text().replace(fingerprint(), "0" * 64)
    (copy / "meta.json").write_text(meta)
    assert not is_current(copy)


def test_a_missing_model_is_not_current(tmp_path: Path) -> None:
    assert model_fingerprint(tmp_path / "nothing") is None
    assert not is_current(tmp_path / "nothing")
