"""The knowledge base data: schema on load, whole-base checks, and `careerbot kb validate`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from knowledge.base import DATA_DIR, fold, load_knowledge, problems
from knowledge.models import OUT_OF_SCOPE, TipKind, html_problems

KB = load_knowledge()


def test_the_packaged_base_has_no_problems() -> None:
    assert problems(KB) == []


def test_every_entry_has_enough_phrasings_a_source_and_related_entries() -> None:
    for entry in KB.entries:
        assert len(entry.questions) >= 5, entry.id
        assert entry.sources, entry.id
        assert 1 <= len(entry.related) <= 4, entry.id


def test_every_goal_kind_has_tips() -> None:
    assert {tip.kind for tip in KB.tips} == set(TipKind)


def test_the_nurse_examples_are_covered() -> None:
    answers = {entry.id: entry.answer.lower() for entry in KB.entries}
    assert "nurse manager" in answers["nurse-promotion-example"]
    assert "triage" in answers["nurse-lateral-example"]


@pytest.mark.parametrize(
    ("html", "problem"),
    [("<b>ok</b>", None), ("<script>x</script>", "not allowed"), ("<b>open", "never closed"),
     ("a & b", "bare &"), ("<i>x</b>", "does not close")],
)  # fmt: skip
def test_answers_are_valid_telegram_html(html: str, problem: str | None) -> None:
    found = html_problems(html)
    assert (found == []) if problem is None else any(problem in p for p in found)


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A copy of the data directory to break."""
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    return copy


def _edit_entries(directory: Path, change) -> None:
    path = directory / "entries.yml"
    entries = yaml.safe_load(path.read_text())
    change(entries)
    path.write_text(yaml.safe_dump(entries, allow_unicode=True))


def test_a_dangling_related_id_is_reported(broken: Path) -> None:
    _edit_entries(broken, lambda e: e[0]["related"].append("no-such-entry"))
    assert any("no-such-entry" in p for p in problems(load_knowledge(broken)))


def test_a_question_in_two_entries_is_reported(broken: Path) -> None:
    _edit_entries(broken, lambda e: e[1]["questions"].append(e[0]["questions"][0]))
    assert any("several entries" in p for p in problems(load_knowledge(broken)))


def test_an_out_of_scope_question_that_an_entry_answers_is_reported(broken: Path) -> None:
    entries = yaml.safe_load((broken / "entries.yml").read_text())
    path = broken / "out_of_scope.yml"
    data = yaml.safe_load(path.read_text())
    data["questions"].append(entries[0]["questions"][0].upper())
    path.write_text(yaml.safe_dump(data))
    found = problems(load_knowledge(broken))
    assert any("several entries" in p and OUT_OF_SCOPE in p for p in found)


def test_an_entry_named_like_the_out_of_scope_label_is_reported(broken: Path) -> None:
    _edit_entries(broken, lambda e: e[0].update(id=OUT_OF_SCOPE))
    assert any("classifier's label" in p for p in problems(load_knowledge(broken)))


def test_an_unknown_source_section_is_reported(broken: Path) -> None:
    _edit_entries(broken, lambda e: e[0]["sources"].append(
        {"document": "mckissick", "section": "Chapter 99"}))  # fmt: skip
    assert any("Chapter 99" in p for p in problems(load_knowledge(broken)))


def test_a_topic_without_its_entry_is_reported(broken: Path) -> None:
    _edit_entries(broken, lambda e: e.pop(0))
    found = problems(load_knowledge(broken))
    assert any("topic advancement-definition" in p for p in found)


def test_an_entry_without_sources_does_not_load(broken: Path) -> None:
    _edit_entries(broken, lambda e: e[0].update(sources=[]))
    with pytest.raises(ValidationError):
        load_knowledge(broken)


def test_an_unknown_field_does_not_load(broken: Path) -> None:
    _edit_entries(broken, lambda e: e[0].update(colour="blue"))
    with pytest.raises(ValidationError):
        load_knowledge(broken)


def test_no_evaluation_question_is_one_the_base_learns_from() -> None:
    # The scores of `careerbot eval` are only worth something on questions the retriever
    # and the classifier were not given.
    from knowledge.evaluate import (
        HOLDOUT_QUESTIONS_PATH,
        MORE_QUESTIONS_PATHS,
        QUESTIONS_PATH,
        read_rows,
    )

    learned = {fold(q) for entry in KB.entries for q in entry.questions}
    learned |= {fold(q) for q in KB.out_of_scope}
    for path in (QUESTIONS_PATH, *MORE_QUESTIONS_PATHS, HOLDOUT_QUESTIONS_PATH):
        for row in read_rows(path):
            assert fold(row["text"]) not in learned, (path.name, row["text"])
