"""The entry classifier: a spaCy text classifier from each entry's question phrasings.

Built by `careerbot train` beside the NLU model (a build product, not committed); its
fingerprint covers the entries, the config and the classifier's code, so it is rebuilt when
the base changes.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from spacy.language import Language

import nlu.architectures
import nlu.components
from knowledge.base import DATA_DIR, load_knowledge
from knowledge.models import OUT_OF_SCOPE
from knowledge.text import plain_text
from nlu.pipeline import load_pipeline
from nlu.train import digest, is_current, train_classifier

CONFIG_PATH = Path(str(files("knowledge") / "config.cfg"))
_NLU = Path(nlu.architectures.__file__).parent


def fingerprint() -> str:
    """A digest of what the classifier is built from."""
    data = [DATA_DIR / "entries.yml", DATA_DIR / "out_of_scope.yml"]
    code = [_NLU / "architectures.py", _NLU / "components.py", _NLU / "train.py"]
    return digest([CONFIG_PATH, *data, *code])


def train(output_dir: Path) -> Path:
    """Train the entry classifier on every phrasing (and answer) of every entry, and on the
    questions the base does not answer as one more label, ``OUT_OF_SCOPE``."""
    kb = load_knowledge()
    examples = [(question, entry.id) for entry in kb.entries for question in entry.questions]
    examples += [(plain_text(entry.answer), entry.id) for entry in kb.entries]
    examples += [(question, OUT_OF_SCOPE) for question in kb.out_of_scope]
    return train_classifier(
        config=CONFIG_PATH,
        examples=examples,
        labels=[entry.id for entry in kb.entries] + [OUT_OF_SCOPE],
        output_dir=output_dir,
        fingerprint=fingerprint(),
        name="careerbot_kb",
    )


def load(model_dir: Path, *, build_if_needed: bool = True) -> Language:
    """The trained classifier, built first when missing or out of date."""
    if build_if_needed and not is_current(model_dir, fingerprint()):
        train(model_dir)
    return load_pipeline(model_dir)
