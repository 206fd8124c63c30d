"""The intent classifier's model: a linear bag of words and character n-grams (fastText-like).

spaCy's own ``TextCatBOW`` hashes case-sensitive word n-grams only, so "Promotion",
"promotion" and "promtion" share nothing. This architecture hashes lower-case word unigrams
and bigrams plus the character 3- and 4-grams of every word, which carries what the model
learned across case, typos and inflections, and stays a single sparse linear layer: fast
enough for tens of thousands of messages a second on one core.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

import numpy
from spacy.strings import get_string_id
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model, SparseLinear_v2, chain, softmax_activation

_CACHE_SIZE = 200_000
# A word bigram's key mixes the two word hashes (golden-ratio multiplier, 64-bit).
_MIX = 0x9E3779B97F4A7C15
_MASK = 2**64 - 1


def _char_ngram_keys(word: str, sizes: Sequence[int]) -> tuple[int, ...]:
    marked = f"<{word}>"
    return tuple(
        get_string_id(marked[i : i + n]) for n in sizes for i in range(len(marked) - n + 1)
    )


def extract_features(char_ngram_sizes: Sequence[int]) -> Model[list[Doc], tuple[Any, Any, Any]]:
    """Docs -> (hashed feature keys, counts, lengths), the input SparseLinear expects."""
    # Character n-gram keys per word hash; kept out of model.attrs so it is never serialised.
    # Tuples of ints, unlike lists, are left alone by the garbage collector.
    cache: dict[int, tuple[int, ...]] = {}

    def forward(
        model: Model[list[Doc], tuple[Any, Any, Any]], docs: list[Doc], is_train: bool
    ) -> tuple[tuple[Any, Any, Any], Callable[[Any], list[Doc]]]:
        return _extract(model, docs, cache, char_ngram_sizes)

    return Model("extract_word_and_char_ngrams", forward)


def _extract(
    model: Model[list[Doc], tuple[Any, Any, Any]],
    docs: list[Doc],
    cache: dict[int, tuple[int, ...]],
    sizes: Sequence[int],
) -> tuple[tuple[Any, Any, Any], Callable[[Any], list[Doc]]]:
    # Repeated keys are left in: SparseLinear sums one weight per key occurrence, which is
    # the same as weighting each distinct key by its count. Keys are built in one Python list
    # per batch: per-doc numpy calls cost more than the features themselves.
    keys: list[int] = []
    lengths: list[int] = []
    for doc in docs:
        start = len(keys)
        words = [token.lower for token in doc]
        keys.extend(words)
        keys.extend([(a * _MIX + b) & _MASK for a, b in pairwise(words)])
        for word in words:
            ngrams = cache.get(word)
            if ngrams is None:
                ngrams = _char_ngram_keys(doc.vocab.strings[word], sizes)
                if len(cache) < _CACHE_SIZE:
                    cache[word] = ngrams
            keys.extend(ngrams)
        lengths.append(len(keys) - start)
    key_array = numpy.asarray(keys, dtype=numpy.uint64)
    values = numpy.ones(len(keys), dtype=numpy.float32)

    def backprop(d_output: Any) -> list[Doc]:
        return []

    return (key_array, values, numpy.asarray(lengths, dtype=numpy.int32)), backprop


def build_char_bow_classifier(
    exclusive_classes: bool = True,
    length: int = 2**19,
    char_ngram_sizes: Sequence[int] = (3, 4),
    nO: int | None = None,
) -> Model[list[Doc], Any]:
    """Linear softmax classifier over hashed word and character n-gram counts."""
    if not exclusive_classes:
        raise ValueError("careerbot.TextCatCharBOW.v1 classifies exclusive intents only")
    linear = SparseLinear_v2(nO=nO, length=length)
    model: Model[list[Doc], Any] = chain(
        extract_features(char_ngram_sizes), linear, softmax_activation()
    )
    if nO is not None:
        model.set_dim("nO", nO)
    model.set_ref("output_layer", linear)
    model.attrs["multi_label"] = False
    return model


registry.architectures.register("careerbot.TextCatCharBOW.v1", func=build_char_bow_classifier)
