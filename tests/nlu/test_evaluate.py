"""The evaluation report: the model clears the bar on held-out messages and beats the baseline."""

from __future__ import annotations

from nlu.evaluate import evaluate, render_report
from nlu.intents import Intent
from nlu.pipeline import Nlu


def test_macro_f1_is_at_least_095_and_ahead_of_the_baseline(nlu: Nlu) -> None:
    report = evaluate(nlu)
    assert report["model"]["macro_f1"] >= 0.95
    assert report["model"]["macro_f1"] > report["baseline"]["macro_f1"]


def test_report_has_per_intent_scores_and_a_square_confusion_matrix(nlu: Nlu) -> None:
    report = evaluate(nlu)
    assert set(report["model"]["per_intent"]) == {intent.value for intent in Intent}
    assert len(report["model"]["confusion"]) == len(Intent)
    assert all(len(row) == len(Intent) for row in report["model"]["confusion"])
    assert sum(map(sum, report["model"]["confusion"])) == report["dev_examples"]
    assert "macro-F1" in render_report(report)
