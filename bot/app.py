"""The composition root: settings in, the long-lived services out. Nothing runs at import."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.config import Settings

if TYPE_CHECKING:
    # Imported where used: the CLI's light commands should not pay for spaCy's import.
    from bot.conversation import Conversation
    from bot.storage.db import Database
    from knowledge.retrieval import Retriever
    from nlu.pipeline import Nlu

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    database: Database
    conversation: Conversation


def load_nlu(settings: Settings, *, build_if_needed: bool = True) -> Nlu:
    """Load the NLU model, building it first when it is missing or older than its data."""
    from nlu.pipeline import Nlu
    from nlu.train import is_current, train

    model_dir = settings.nlu_model_dir
    if build_if_needed and not is_current(model_dir):
        state = "out of date" if (model_dir / "meta.json").is_file() else "not built yet"
        print(
            f"The NLU model in {model_dir} is {state}; building it now "
            "(careerbot train, about a minute)...",
            file=sys.stderr,
        )
        train(model_dir)
    return Nlu.load(
        model_dir, threshold=settings.nlu_confidence_threshold, margin=settings.nlu_ambiguity_margin
    )


def load_retriever(settings: Settings) -> Retriever:
    """The knowledge retriever with its entry classifier, building that first if needed."""
    from knowledge import classifier
    from knowledge.retrieval import default_retriever
    from nlu.train import is_current

    if not is_current(settings.kb_model_dir, classifier.fingerprint()):
        print(f"The knowledge classifier in {settings.kb_model_dir} is missing or out of date; "
              "building it now (careerbot train)...", file=sys.stderr)  # fmt: skip
    return default_retriever(settings.kb_model_dir)


def build_services(settings: Settings) -> Services:
    """Load the NLU model, the knowledge base and the advisor, and open the database.

    Models missing or older than their data are built first (about a minute, once).
    """
    from bot.conversation import Conversation
    from bot.conversation.replies import load_replies
    from knowledge.advisor import default_rules

    database = settings.database()
    conversation = Conversation(
        nlu=load_nlu(settings),
        retriever=load_retriever(settings),
        rules=default_rules(),
        database=database,
        replies=load_replies(),
        state_ttl=timedelta(minutes=settings.dialogue_timeout_minutes),
        default_timezone=settings.default_timezone,
        admin_ids=frozenset(settings.admin_user_ids),
    )
    return Services(settings, database, conversation)
