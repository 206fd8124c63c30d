"""Build the NLU pipeline: examples -> DocBin -> ``spacy train`` with ``config.cfg`` -> model.

The trained model is a build product (not committed). Its ``meta.json`` records a fingerprint
of the data and config it was built from, so a stale model is noticed and rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from importlib.resources import files
from pathlib import Path

import spacy
import srsly
from spacy.tokens import DocBin

import nlu.architectures
import nlu.components  # noqa: F401  (registers the pipeline's factories)
from nlu.dataset import DATA_DIR, TRAIN_PATH, load_examples
from nlu.intents import Intent

CONFIG_PATH = Path(str(files("nlu") / "config.cfg"))
META_KEY = "careerbot_fingerprint"

log = logging.getLogger(__name__)


# The code that decides what is stored in the model; a change to it needs a rebuild too.
_BUILD_CODE = [Path(__file__).with_name(name) for name in
               ("architectures.py", "components.py", "train.py")]  # fmt: skip


def digest(paths: list[Path]) -> str:
    """A SHA-256 over the names and contents of these files."""
    hashed = hashlib.sha256()
    for path in paths:
        if path.is_file():
            hashed.update(path.name.encode())
            hashed.update(path.read_bytes())
    return hashed.hexdigest()


def fingerprint() -> str:
    """A digest of everything the model is built from: config, data and the building code."""
    data = sorted(p for p in DATA_DIR.iterdir() if p.name != "dev.jsonl")
    return digest([CONFIG_PATH, *data, *_BUILD_CODE])


def model_fingerprint(model_dir: Path) -> str | None:
    """The fingerprint a built model carries, or None when there is no usable model there."""
    meta_path = model_dir / "meta.json"
    if not meta_path.is_file():
        return None
    value = srsly.read_json(meta_path).get(META_KEY)
    return value if isinstance(value, str) else None


def is_current(model_dir: Path, expected: str | None = None) -> bool:
    """Whether ``model_dir`` holds a model built from the data and config as they are now."""
    return model_fingerprint(model_dir) == (expected or fingerprint())


def _docbin(examples: list[tuple[str, str]], labels: list[str], path: Path) -> None:
    nlp = spacy.blank("en")
    docs = DocBin(store_user_data=False)
    for text, gold in examples:
        doc = nlp.make_doc(text)
        doc.cats = {label: float(label == gold) for label in labels}
        docs.add(doc)
    docs.to_disk(path)


def train_classifier(
    *,
    config: Path,
    examples: list[tuple[str, str]],
    labels: list[str],
    output_dir: Path,
    fingerprint: str,
    name: str,
) -> Path:
    """Train a text classifier pipeline with ``spacy train`` and write it to ``output_dir``."""
    # spacy.cli takes ~0.4 s to import; loading a built model never needs it.
    from spacy.cli.train import train as spacy_train

    with tempfile.TemporaryDirectory(prefix="careerbot-train-") as scratch:
        work = Path(scratch)
        _docbin(examples, labels, work / "train.spacy")
        log.info("training %s on %d examples with %s", name, len(examples), config)
        # The dev corpus spacy train reports on is the training data itself: held-out data
        # stays unseen, and the last model is kept rather than a "best" checkpoint.
        spacy_train(
            config,
            work / "out",
            use_gpu=-1,
            overrides={
                "paths.train": str(work / "train.spacy"),
                "paths.dev": str(work / "train.spacy"),
            },
        )
        built = work / "out" / "model-last"
        meta = srsly.read_json(built / "meta.json")
        meta[META_KEY] = fingerprint
        meta["name"] = name
        srsly.write_json(built / "meta.json", meta)
        if output_dir.exists():
            shutil.rmtree(output_dir)
        output_dir.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(built, output_dir)
    return output_dir


def train(output_dir: Path) -> Path:
    """Train the NLU pipeline from ``nlu/data/train.jsonl`` and write it to ``output_dir``."""
    examples = load_examples(TRAIN_PATH)
    return train_classifier(
        config=CONFIG_PATH,
        examples=[(example.text, example.intent.value) for example in examples],
        labels=[intent.value for intent in Intent],
        output_dir=output_dir,
        fingerprint=fingerprint(),
        name="careerbot_nlu",
    )
