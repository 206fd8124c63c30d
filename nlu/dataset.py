"""Labelled example messages kept as JSONL under ``nlu/data/``, validated when loaded."""

from __future__ import annotations

import json
from collections import Counter
from importlib.resources import files
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nlu.intents import Intent

DATA_DIR = Path(str(files("nlu") / "data"))
TRAIN_PATH = DATA_DIR / "train.jsonl"
DEV_PATH = DATA_DIR / "dev.jsonl"


class Example(BaseModel):
    """One message a person might send, with the intent it expresses."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=1, max_length=4096)
    intent: Intent


class DataError(ValueError):
    """A data file does not hold valid examples; the message names the file and line."""


def load_examples(path: Path) -> list[Example]:
    """Read and validate every line of a JSONL example file."""
    examples: list[Example] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                examples.append(Example.model_validate(json.loads(line)))
            except (json.JSONDecodeError, ValidationError) as error:
                raise DataError(f"{path}:{number}: {error}") from error
    return examples


def normalised(text: str) -> str:
    """The form under which two example texts count as the same message."""
    return " ".join(text.casefold().split())


def duplicate_texts(examples: list[Example]) -> list[str]:
    """Texts that occur more than once (after case and whitespace folding)."""
    counts = Counter(normalised(example.text) for example in examples)
    return sorted(text for text, count in counts.items() if count > 1)
