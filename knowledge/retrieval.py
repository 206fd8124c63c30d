"""Find the entry that answers a question: BM25 over questions and answers, with synonyms,
stemming and typo correction, and a calibrated confidence with an honest fallback."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import bm25s
import numpy
import Stemmer
from spacy.language import Language

from knowledge.base import DATA_DIR
from knowledge.models import Entry, KnowledgeBase
from knowledge.text import nearest_word, plain_text
from nlu.yamlfile import read_yaml

# A word seen this often in the base is a real word, not a typo.
_COMMON = 3
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Questions longer than this are read up to here; no entry needs more.
MAX_QUESTION_CHARS = 1000


@dataclass(frozen=True, slots=True)
class Settings:
    """The tunable part of retrieval, from ``knowledge/data/retrieval.yml``."""

    synonyms: dict[str, list[str]]
    stop_words: frozenset[str]
    k1: float
    b: float
    answer_weight: float
    temperature: float
    classifier_weight: float
    threshold: float

    @classmethod
    def load(cls, path: Path = DATA_DIR / "retrieval.yml") -> Settings:
        data = read_yaml(path)
        return cls(
            synonyms=data["synonyms"], stop_words=frozenset(data["stop_words"]), k1=data["k1"],
            b=data["b"], answer_weight=data["answer_weight"],
            temperature=data["temperature"], classifier_weight=data["classifier_weight"],
            threshold=data["threshold"],
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Answer:
    """What the knowledge base says to a question; ``fallback`` when it has no good answer."""

    question: str
    answer: str
    entry_id: str | None
    sources: list[dict[str, str]]
    confidence: float
    fallback: bool
    related: list[str] = field(default_factory=list)
    ranking: list[tuple[str, float]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question, "answer": self.answer, "entry_id": self.entry_id,
            "sources": self.sources, "confidence": round(self.confidence, 4),
            "fallback": self.fallback, "related": self.related,
            "ranking": [{"entry_id": e, "probability": round(p, 4)} for e, p in self.ranking],
        }  # fmt: skip


FALLBACK_ANSWER = (
    "I'm not sure I have a good answer to that. I can explain <b>career advancement</b> and "
    "<b>promotion</b> and how they differ, tell you whether a change at work counts as a "
    "promotion, and help you track career goals with a weekly nudge. Try asking "
    "<i>what is a lateral move?</i> or <i>how do I get ready for a promotion?</i>"
)


class Analyzer:
    """Text -> search terms: synonyms to one word, stop words out, typos fixed, stemmed."""

    def __init__(self, settings: Settings) -> None:
        self.stop_words = settings.stop_words
        phrases = [(variant, canonical) for canonical, variants in settings.synonyms.items()
                   for variant in variants]  # fmt: skip
        phrases.sort(key=lambda pair: -len(pair[0]))
        self._phrases = phrases
        alternatives = "|".join(re.escape(variant) for variant, _ in phrases)
        self._phrase_pattern = re.compile(rf"\b({alternatives})\b") if phrases else None
        self._canonical = dict(phrases)
        self._stemmer = Stemmer.Stemmer("english")
        self.vocabulary: frozenset[str] = frozenset()
        self._vocabulary_list: list[str] = []
        self._typos: dict[str, str] = {}

    def words(self, text: str) -> list[str]:
        """Lower-case content words with synonyms made canonical (no typo fixing)."""
        folded = plain_text(text).lower().replace("’", "'")
        if self._phrase_pattern is not None:
            folded = self._phrase_pattern.sub(lambda m: self._canonical[m.group(1)], folded)
        return [w for w in _WORD.findall(folded) if w not in self.stop_words]

    def learn_vocabulary(self, texts: list[str]) -> None:
        """Learn the known words; a word seen once that is one edit from a common word
        ("advancment") is taken as a typo of it, in the base as in questions."""
        counts = Counter(word for text in texts for word in self.words(text))
        common = sorted(word for word, count in counts.items() if count >= _COMMON)
        self._typos = {}
        for word, count in counts.items():
            if count == 1 and len(word) >= 5 and not word.isdigit():
                meant = nearest_word(word, common, 1)
                if meant is not None:
                    self._typos[word] = meant
        self.vocabulary = frozenset(counts)
        self._vocabulary_list = sorted(counts)

    def correct(self, word: str) -> str | None:
        """The known word a typo most likely meant, or None when nothing is close."""
        if word in self._typos:
            return self._typos[word]
        if word in self.vocabulary:
            return word
        if len(word) < 4 or word.isdigit():
            return None
        return nearest_word(word, self._vocabulary_list, 1 if len(word) < 7 else 2)

    def stem(self, words: list[str]) -> list[str]:
        return list(self._stemmer.stemWords(words))


@lru_cache(maxsize=4)
def default_retriever(classifier_dir: Path | None = None) -> Retriever:
    """The retriever over the packaged knowledge base (built once per process), with the
    entry classifier from ``classifier_dir`` when one is given (built there if needed)."""
    from knowledge import classifier
    from knowledge.base import load_knowledge

    model = None if classifier_dir is None else classifier.load(classifier_dir)
    return Retriever(load_knowledge(), Settings.load(), classifier=model)


class Retriever:
    """BM25 (bm25s) over every entry's question phrasings and its answer."""

    def __init__(
        self, kb: KnowledgeBase, settings: Settings, *, classifier: Language | None = None
    ) -> None:
        self.kb = kb
        self.settings = settings
        self.classifier = classifier
        self.analyzer = Analyzer(settings)
        texts: list[str] = []
        owners: list[int] = []
        for index, entry in enumerate(kb.entries):
            texts.extend(entry.questions)
            owners.extend([index] * len(entry.questions))
        self._question_owner = numpy.asarray(owners)
        # A question asked exactly as the base words it needs no ranking.
        self._exact = {_fold(text): owner for text, owner in zip(texts, owners, strict=True)}
        self.analyzer.learn_vocabulary(texts + [entry.answer for entry in kb.entries])
        self._questions = self._index(texts)
        self._answers = self._index([entry.answer for entry in kb.entries])

    def _index(self, texts: list[str]) -> bm25s.BM25:
        corpus = [self.terms(text)[0] or ["_"] for text in texts]
        index = bm25s.BM25(k1=self.settings.k1, b=self.settings.b)
        index.index(bm25s.tokenization.Tokenized(*_as_ids(corpus)), show_progress=False)
        return index

    def terms(self, text: str) -> tuple[list[str], float]:
        """Search terms for a question, and the share of its words the base knows."""
        words = self.analyzer.words(text[:MAX_QUESTION_CHARS])
        corrected = [self.analyzer.correct(word) for word in words]
        known = [word for word in corrected if word is not None]
        coverage = len(known) / len(words) if words else 0.0
        return self.analyzer.stem(known), coverage

    def scores(self, terms: list[str]) -> numpy.ndarray:
        """One score per entry: its best-matching question plus a share of its answer."""
        entry_scores = numpy.zeros(len(self.kb.entries), dtype=numpy.float64)
        if not terms:
            return entry_scores
        question_scores = _scores(self._questions, terms)
        numpy.maximum.at(entry_scores, self._question_owner, question_scores)
        return entry_scores + self.settings.answer_weight * _scores(self._answers, terms)

    def ask(self, question: str) -> Answer:
        """The best entry for a question, or the fallback answer when unsure."""
        exact = self._exact.get(_fold(question[:MAX_QUESTION_CHARS]))
        if exact is not None:
            entry = self.kb.entries[exact]
            return self._answer(question, entry, 1.0, [(entry.id, 1.0)])
        terms, coverage = self.terms(question)
        scores = self.scores(terms)
        if not terms or not scores.any():
            return Answer(question, FALLBACK_ANSWER, None, [], 0.0, True)
        shifted = (scores - scores.max()) / self.settings.temperature
        probabilities = numpy.exp(shifted) / numpy.exp(shifted).sum()
        if self.classifier is not None:
            # The classifier generalises across wordings better than BM25, which in turn
            # keeps exact and rare words in play: the two probabilities are mixed.
            cats = self.classifier(question[:MAX_QUESTION_CHARS]).cats
            learned = numpy.asarray([cats.get(entry.id, 0.0) for entry in self.kb.entries])
            weight = self.settings.classifier_weight
            probabilities = weight * learned + (1 - weight) * probabilities
        order = numpy.argsort(-probabilities)[:3]
        ranking = [(self.kb.entries[i].id, float(probabilities[i])) for i in order]
        confidence = float(probabilities[order[0]]) * coverage
        if confidence < self.settings.threshold or math.isnan(confidence):
            return Answer(question, FALLBACK_ANSWER, None, [], confidence, True, [], ranking)
        return self._answer(question, self.kb.entries[int(order[0])], confidence, ranking)

    def _answer(
        self, question: str, entry: Entry, confidence: float, ranking: list[tuple[str, float]]
    ) -> Answer:
        sources = [self._describe(source.document, source.section) for source in entry.sources]
        return Answer(question, entry.answer, entry.id, sources, confidence, False,
                      list(entry.related), ranking)  # fmt: skip

    def _describe(self, document_id: str, section: str) -> dict[str, str]:
        document = self.kb.document(document_id)
        return {"document": document.id, "title": document.title, "section": section}


def _fold(text: str) -> str:
    return " ".join(_WORD.findall(text.lower().replace("’", "'")))


def _as_ids(corpus: list[list[str]]) -> tuple[list[list[int]], dict[str, int]]:
    vocabulary: dict[str, int] = {}
    ids = [[vocabulary.setdefault(term, len(vocabulary)) for term in doc] for doc in corpus]
    return ids, vocabulary


def _scores(index: bm25s.BM25, terms: list[str]) -> numpy.ndarray:
    known = [term for term in terms if term in index.vocab_dict]
    if not known:
        return numpy.zeros(index.scores["num_docs"], dtype=numpy.float64)
    ids = [index.vocab_dict[term] for term in known]
    return numpy.asarray(index.get_scores(ids), dtype=numpy.float64)
