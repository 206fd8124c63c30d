"""The intent classifier's model: a linear bag of words and character n-grams (fastText-like).

spaCy's own ``TextCatBOW`` hashes case-sensitive word n-grams only, so "Promotion",
"promotion" and "promtion" share nothing. This architecture hashes lower-case word unigrams
and bigrams plus the character 3- and 4-grams of every word, which carries what the model
learned across case, typos and inflections, and stays a single sparse linear layer: fast
enough for tens of thousands of messages a second on one core.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy
from spacy.attrs import LOWER
from spacy.strings import get_string_id
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import Model, SparseLinear_v2, chain, softmax_activation

_CACHE_SIZE = 200_000


def _char_ngram_keys(word: str, sizes: Sequence[int]) -> list[int]:
    marked = f"<{word}>"
    return [get_string_id(marked[i : i + n]) for n in sizes for i in range(len(marked) - n + 1)]


def extract_features(char_ngram_sizes: Sequence[int]) -> Model[list[Doc], tuple[Any, Any, Any]]:
    """Docs -> (hashed feature keys, counts, lengths), the input SparseLinear expects."""
    # Character n-gram keys per word hash; kept out of model.attrs so it is never serialised.
    cache: dict[int, list[int]] = {}

    def forward(
        model: Model[list[Doc], tuple[Any, Any, Any]], docs: list[Doc], is_train: bool
    ) -> tuple[tuple[Any, Any, Any], Callable[[Any], list[Doc]]]:
        return _extract(model, docs, cache, char_ngram_sizes)

    return Model("extract_word_and_char_ngrams", forward)


def _extract(
    model: Model[list[Doc], tuple[Any, Any, Any]],
    docs: list[Doc],
    cache: dict[int, list[int]],
    sizes: Sequence[int],
) -> tuple[tuple[Any, Any, Any], Callable[[Any], list[Doc]]]:
    # Repeated keys are left in: SparseLinear sums one weight per key occurrence, which is
    # the same as weighting each distinct key by its count.
    batch_keys = []
    lengths = []
    for doc in docs:
        words = doc.to_array(LOWER).astype(numpy.uint64)
        chars: list[int] = []
        for key in words.tolist():
            ngrams = cache.get(key)
            if ngrams is None:
                ngrams = _char_ngram_keys(doc.vocab.strings[key], sizes)
                if len(cache) < _CACHE_SIZE:
                    cache[key] = ngrams
            chars.extend(ngrams)
        batch_keys.append(words)
        if len(words) > 1:
            batch_keys.append(numpy.asarray(model.ops.ngrams(2, cast(Any, words))))
        batch_keys.append(numpy.asarray(chars, dtype=numpy.uint64))
        lengths.append(len(words) + max(len(words) - 1, 0) + len(chars))
    keys = numpy.concatenate(batch_keys) if batch_keys else numpy.zeros(0, numpy.uint64)
    values = numpy.ones(len(keys), dtype=numpy.float32)

    def backprop(d_output: Any) -> list[Doc]:
        return []

    return (keys, values, numpy.asarray(lengths, dtype=numpy.int32)), backprop


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
