"""Score `ask` and `judge` on the team-written evaluation sets, beside plain baselines.

- Questions (``eval_questions*.jsonl``): phrasings not in the base, each with the entry that
  answers it, or none when the base does not cover it and the bot must fall back.
- Situations (``eval_situations.jsonl``): described changes with the verdict the documents'
  definitions give.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import bm25s

from knowledge.advisor import judge
from knowledge.base import DATA_DIR
from knowledge.retrieval import Retriever, default_retriever
from knowledge.text import plain_text
from nlu.pipeline import Nlu

QUESTIONS_PATH = DATA_DIR / "eval_questions.jsonl"
# More development questions, written later by someone who saw the entries' answers but none
# of their phrasings.
MORE_QUESTIONS_PATHS = (DATA_DIR / "eval_questions_2.jsonl",)
SITUATIONS_PATH = DATA_DIR / "eval_situations.jsonl"
# More development situations, written later to find what the rules missed.
_DEV_FILES = [
    "dev_situations.jsonl",
    "dev_situations_2.jsonl",
    "dev_situations_3.jsonl",
    "dev_situations_4.jsonl",
    "dev_situations_5.jsonl",
]
MORE_SITUATIONS_PATHS = tuple(DATA_DIR / name for name in _DEV_FILES)
# A second team-written pair, kept out of development entirely: nobody tuning the rules or
# writing phrasings has read it, so its figures are the unbiased ones.
HOLDOUT_QUESTIONS_PATH = DATA_DIR / "holdout_questions.jsonl"
HOLDOUT_SITUATIONS_PATH = DATA_DIR / "holdout_situations.jsonl"


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a JSON-lines evaluation file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def bm25_baseline(retriever: Retriever) -> Any:
    """Plain BM25 (bm25s defaults: English stop words, no stemming, synonyms or typo fixing)
    over every question phrasing and answer; the best document's entry, never a fallback."""
    texts, owners = [], []
    for entry in retriever.kb.entries:
        for text in [*entry.questions, plain_text(entry.answer)]:
            texts.append(text)
            owners.append(entry.id)
    index = bm25s.BM25()
    index.index(bm25s.tokenize(texts, show_progress=False), show_progress=False)

    def top(question: str) -> str | None:
        tokens = bm25s.tokenize([question], show_progress=False)
        if not tokens.ids or not tokens.ids[0]:
            return None
        results, _ = index.retrieve(tokens, k=1, show_progress=False)
        return owners[int(results[0][0])]

    return top


def evaluate_ask(
    retriever: Retriever | None = None,
    paths: tuple[Path, ...] = (QUESTIONS_PATH, *MORE_QUESTIONS_PATHS),
) -> dict[str, Any]:
    """Top-1 answer accuracy on answerable questions and fallbacks on the others."""
    retriever = retriever or default_retriever()
    rows = [row for path in paths for row in read_rows(path)]
    baseline = bm25_baseline(retriever)
    answerable = [row for row in rows if row["entry_id"] is not None]
    uncovered = [row for row in rows if row["entry_id"] is None]
    answers = {row["text"]: retriever.ask(row["text"]) for row in rows}
    correct = sum(answers[r["text"]].entry_id == r["entry_id"] for r in answerable)
    ranked_first = sum(bool(answers[r["text"]].ranking)
                       and answers[r["text"]].ranking[0][0] == r["entry_id"]
                       for r in answerable)  # fmt: skip
    fell_back = sum(answers[r["text"]].fallback for r in uncovered)
    baseline_correct = sum(baseline(r["text"]) == r["entry_id"] for r in answerable)
    return {
        "questions": len(rows),
        "answerable": len(answerable),
        "uncovered": len(uncovered),
        "top1_accuracy": correct / len(answerable),
        "ranked_first": ranked_first / len(answerable),
        "answered": sum(not answers[r["text"]].fallback for r in answerable) / len(answerable),
        "uncovered_fallback_rate": fell_back / len(uncovered) if uncovered else 1.0,
        "overall_accuracy": (correct + fell_back) / len(rows),
        "baseline_top1_accuracy": baseline_correct / len(answerable),
        "baseline_overall_accuracy": baseline_correct / len(rows),
    }


def keyword_baseline(text: str) -> str:
    """The plain guess: "promotion" if the message says promot-, else advancement."""
    return "promotion" if "promot" in text.lower() else "advancement"


def evaluate_judge(
    nlu: Nlu, paths: tuple[Path, ...] = (SITUATIONS_PATH, *MORE_SITUATIONS_PATHS)
) -> dict[str, Any]:
    """Verdict accuracy on the labelled situations, and the keyword baseline's."""
    rows = [row for path in paths for row in read_rows(path)]
    confusion: Counter[tuple[str, str]] = Counter()
    errors = []
    for row in rows:
        verdict = judge(row["text"], nlu.parse(row["text"]).entities).verdict.value
        confusion[(row["verdict"], verdict)] += 1
        if verdict != row["verdict"]:
            errors.append({"text": row["text"], "gold": row["verdict"], "predicted": verdict})
    correct = sum(count for (gold, found), count in confusion.items() if gold == found)
    baseline = sum(keyword_baseline(row["text"]) == row["verdict"] for row in rows)
    return {
        "situations": len(rows),
        "by_verdict": dict(Counter(row["verdict"] for row in rows)),
        "accuracy": correct / len(rows),
        "baseline_accuracy": baseline / len(rows),
        "confusion": [
            {"gold": g, "predicted": p, "count": n} for (g, p), n in sorted(confusion.items())
        ],
        "errors": errors,
    }


def render(ask: dict[str, Any], verdicts: dict[str, Any], *, title: str = "",
           show_errors: bool = True) -> str:  # fmt: skip
    """Both reports as readable lines."""
    lines = [
        f"Knowledge answers{title}: {ask['questions']} held-out questions "
        f"({ask['answerable']} answerable, {ask['uncovered']} the base does not cover)",
        f"  top-1 accuracy (right entry, answered)  careerbot {ask['top1_accuracy']:.3f}   "
        f"plain BM25 baseline {ask['baseline_top1_accuracy']:.3f}",
        f"  right entry ranked first                {ask['ranked_first']:.3f} "
        f"(answered {ask['answered']:.1%}, the rest fell back)",
        f"  uncovered questions that fell back      {ask['uncovered_fallback_rate']:.3f} "
        "(the baseline never falls back)",
        f"  overall accuracy                        careerbot {ask['overall_accuracy']:.3f}   "
        f"baseline {ask['baseline_overall_accuracy']:.3f}",
        "",
        f"Verdicts{title}: {verdicts['situations']} labelled situations {verdicts['by_verdict']}",
        f"  accuracy  careerbot {verdicts['accuracy']:.3f}   "
        f"keyword baseline ('promot' -> promotion) {verdicts['baseline_accuracy']:.3f}",
    ]
    if show_errors:
        lines += [f"  {e['gold']:>11} -> {e['predicted']:<11} {e['text'][:80]!r}"
                  for e in verdicts["errors"]]  # fmt: skip
    return "\n".join(lines)
