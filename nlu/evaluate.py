"""Score the NLU on the held-out dev set, beside a TF-IDF + logistic regression baseline."""

from __future__ import annotations

from typing import Any

from nlu.dataset import DEV_PATH, TRAIN_PATH, load_examples
from nlu.intents import Intent
from nlu.pipeline import Nlu

LABELS = [intent.value for intent in Intent]


def _scores(gold: list[str], predicted: list[str]) -> dict[str, Any]:
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=LABELS, zero_division=0
    )
    per_intent = {
        label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for label, p, r, f, s in zip(LABELS, precision, recall, f1, support, strict=True)
    }
    return {
        "macro_f1": float(sum(f1) / len(LABELS)),
        "accuracy": sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold),
        "per_intent": per_intent,
        "confusion": confusion_matrix(gold, predicted, labels=LABELS).tolist(),
    }


def baseline_predictions(
    train_texts: list[str], train_labels: list[str], texts: list[str]
) -> list[str]:
    """A plain baseline: word 1-2-gram TF-IDF and logistic regression, trained on train.jsonl."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(lowercase=True, ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(max_iter=2000, C=10.0),
    )
    model.fit(train_texts, train_labels)
    return [str(label) for label in model.predict(texts)]


def evaluate(nlu: Nlu) -> dict[str, Any]:
    """Per-intent P/R/F1, macro-F1 and confusion for the NLU and the baseline on dev.jsonl."""
    train = load_examples(TRAIN_PATH)
    dev = load_examples(DEV_PATH)
    gold = [example.intent.value for example in dev]
    results = list(nlu.parse_many([example.text for example in dev]))
    predicted = [result.intent.value for result in results]
    model = _scores(gold, predicted)
    fallbacks = [r for r in results if r.fallback]
    confident = [(r, g) for r, g in zip(results, gold, strict=True) if not r.fallback]
    model["fallback_rate"] = len(fallbacks) / len(results)
    model["confident_accuracy"] = (
        sum(r.intent.value == g for r, g in confident) / len(confident) if confident else 0.0
    )
    model["errors"] = [
        {"text": r.text, "gold": g, "predicted": r.intent.value,
         "confidence": round(r.confidence, 3), "fallback": r.fallback}
        for r, g in zip(results, gold, strict=True) if r.intent.value != g
    ]  # fmt: skip
    baseline = _scores(
        gold,
        baseline_predictions(
            [e.text for e in train], [e.intent.value for e in train], [e.text for e in dev]
        ),
    )
    return {
        "dev_examples": len(dev),
        "train_examples": len(train),
        "labels": LABELS,
        "model": model,
        "baseline": baseline,
    }


def render_report(report: dict[str, Any]) -> str:
    """The report as readable tables."""
    model, baseline = report["model"], report["baseline"]
    lines = [
        f"Held-out dev set: {report['dev_examples']} messages "
        f"(trained on {report['train_examples']})",
        "",
        f"{'intent':<16} {'P':>6} {'R':>6} {'F1':>6}   {'base P':>6} {'base R':>6} "
        f"{'base F1':>7} {'n':>4}",
    ]
    for label in report["labels"]:
        m, b = model["per_intent"][label], baseline["per_intent"][label]
        lines.append(
            f"{label:<16} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f}   "
            f"{b['precision']:6.3f} {b['recall']:6.3f} {b['f1']:7.3f} {m['support']:4d}"
        )
    lines += [
        "",
        f"macro-F1    careerbot {model['macro_f1']:.3f}   "
        f"baseline (TF-IDF + logistic regression) {baseline['macro_f1']:.3f}",
        f"accuracy    careerbot {model['accuracy']:.3f}   baseline {baseline['accuracy']:.3f}",
        f"fallback    {model['fallback_rate']:.1%} of messages would get 'did you mean…?'; "
        f"accuracy on the rest {model['confident_accuracy']:.3f}",
        "",
        "Confusion matrix (careerbot; rows = gold, columns = predicted):",
    ]
    short = [label[:5] for label in report["labels"]]
    lines.append(" " * 16 + " ".join(f"{s:>5}" for s in short))
    for label, row in zip(report["labels"], model["confusion"], strict=True):
        lines.append(f"{label:<16}" + " ".join(f"{count:5d}" for count in row))
    if model["errors"]:
        lines += ["", "Misread messages:"]
        lines += [
            f"  {e['gold']:>15} -> {e['predicted']:<15} {e['confidence']:.2f}"
            f"{' (asks)' if e['fallback'] else ''}  {e['text'][:70]!r}"
            for e in model["errors"]
        ]
    return "\n".join(lines)
