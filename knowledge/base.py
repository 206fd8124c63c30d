"""Load the knowledge base from ``knowledge/data`` and check it as a whole."""

from __future__ import annotations

from collections import Counter
from importlib.resources import files
from pathlib import Path
from typing import Any

from knowledge.models import OUT_OF_SCOPE, Entry, KnowledgeBase, Tip, TipKind
from nlu.yamlfile import read_yaml

DATA_DIR = Path(str(files("knowledge") / "data"))


def _read(directory: Path, name: str) -> Any:
    return read_yaml(directory / name)


def load_knowledge(directory: Path = DATA_DIR) -> KnowledgeBase:
    """Read and validate the entries, tips, topics, source documents and the questions the
    base does not answer (pydantic)."""
    return KnowledgeBase.model_validate({
        "documents": _read(directory, "sources.yml")["documents"],
        "entries": _read(directory, "entries.yml"),
        "tips": _read(directory, "tips.yml"),
        "topics": _read(directory, "topics.yml"),
        "out_of_scope": _read(directory, "out_of_scope.yml")["questions"],
    })  # fmt: skip


def fold(text: str) -> str:
    return " ".join(text.casefold().split())


def problems(kb: KnowledgeBase) -> list[str]:
    """Everything wrong with the base as a whole; the schema is checked on load."""
    found: list[str] = []
    entry_ids = Counter(entry.id for entry in kb.entries)
    found += [f"entry id {i!r} is used {n} times" for i, n in entry_ids.items() if n > 1]
    if OUT_OF_SCOPE in entry_ids:
        found.append(f"entry id {OUT_OF_SCOPE!r} is the classifier's label for other questions")
    tip_ids = Counter(tip.id for tip in kb.tips)
    found += [f"tip id {i!r} is used {n} times" for i, n in tip_ids.items() if n > 1]

    owners: dict[str, set[str]] = {}
    for entry in kb.entries:
        for question in entry.questions:
            owners.setdefault(fold(question), set()).add(entry.id)
    for question in kb.out_of_scope:
        owners.setdefault(fold(question), set()).add(OUT_OF_SCOPE)
    found += [f"question {q!r} is in several entries: {sorted(ids)}"
              for q, ids in owners.items() if len(ids) > 1]  # fmt: skip

    sections = {document.id: set(document.sections) for document in kb.documents}
    sourced: list[Entry | Tip] = [*kb.entries, *kb.tips]
    for item in sourced:
        for source in item.sources:
            if source.document not in sections:
                found.append(f"{item.id}: unknown source document {source.document!r}")
            elif source.section not in sections[source.document]:
                found.append(f"{item.id}: {source.document} has no section {source.section!r}")
    for entry in kb.entries:
        for related in entry.related:
            if related == entry.id:
                found.append(f"{entry.id}: lists itself as related")
            elif related not in entry_ids:
                found.append(f"{entry.id}: related entry {related!r} does not exist")
    for topic in kb.topics:
        missing = [entry for entry in topic.entries if entry not in entry_ids]
        if missing:
            found.append(f"topic {topic.id}: entries {missing} do not exist")
    covered = {document_id for document_id in sections}
    cited = {source.document for entry in kb.entries for source in entry.sources}
    found += [f"document {d!r} is cited by no entry" for d in sorted(covered - cited)]
    kinds = Counter(tip.kind for tip in kb.tips)
    found += [f"no tips for goal kind {kind.value!r}" for kind in TipKind if not kinds[kind]]
    return found
