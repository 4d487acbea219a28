"""The cleaning filters and their registry.

A filter is a function registered with `@side_filter`, `@pair_filter` or `@batch_filter`.
It receives the language(s) and, as keyword-only arguments with defaults and type
annotations, its parameters; it returns a *check* that says True when the input must be
removed:

- side filters judge one segment: `f(lang, **params) -> check(line) -> bool`. clean-corpus
  runs them on both sides (each with its own language and parameters), clean-mono on its
  one language;
- pair filters judge a pair: `f(src, trg, **params) -> check(src_line, trg_line) -> bool`;
- batch filters score many pairs at once (a model): `f(src, trg, **params) ->
  check(src_lines, trg_lines) -> list[bool]`; they must come last in a filter file.

The parameters' names, defaults and types are read from the signature: the filter file
is validated against them (see filter_file.py). A filter that cannot run here (no model,
a language it does not know) raises Unavailable; the step logs the reason once and goes
on without it. Checks see whitespace-normalized segments.
"""

import functools
import inspect
import re
import sys
import unicodedata
from dataclasses import dataclass
from typing import Callable

from pipeline.clean import bicleaner as bicleaner_model
from pipeline.common import langs


class Unavailable(Exception):
    """The filter cannot run here; the message says why and what to do."""


@dataclass(frozen=True)
class Filter:
    name: str
    scope: str  # "side", "pair" or "batch"
    make: Callable
    params: dict[str, inspect.Parameter]  # keyword-only: annotation and default

    def defaults(self) -> dict:
        return {name: param.default for name, param in self.params.items()}

    @property
    def summary(self) -> str:
        return (self.make.__doc__ or "").strip().splitlines()[0]


FILTERS: dict[str, Filter] = {}


def _register(scope: str):
    def decorator(make):
        signature = inspect.signature(make)
        params = {name: p for name, p in signature.parameters.items() if p.kind is p.KEYWORD_ONLY}
        FILTERS[make.__name__] = Filter(make.__name__, scope, make, params)
        return make

    return decorator


side_filter, pair_filter, batch_filter = _register("side"), _register("pair"), _register("batch")


# --- side filters -------------------------------------------------------------------

# Unicode category Cc is exactly U+0000-U+001F and U+007F-U+009F; tab (U+0009) is one.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


@side_filter
def empty(lang: str):
    """The segment is empty (after whitespace normalization)."""
    return lambda line: not line


@side_filter
def too_long(lang: str, *, max_words: int = 150, max_chars: int = 1000):
    """The segment has more than max_words words or max_chars characters (only the
    characters count in a script without spaces: Chinese, Japanese, Thai, ...)."""
    if langs.without_spaces(lang):
        return lambda line: len(line) > max_chars
    return lambda line: len(line) > max_chars or len(line.split()) > max_words


@side_filter
def control_chars(lang: str):
    """The segment has a control character (Unicode Cc), tabs included (they break TSV)."""
    return lambda line: _CONTROL.search(line) is not None


_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_ADDRESS = r"(?:(?:https?|ftp)://\S+|www\.\S+|[^\s@]+@[^\s@]+\.\w+)"
_ADDRESSES_ONLY = re.compile(rf"{_ADDRESS}(?: {_ADDRESS})*[.,;]?")


@side_filter
def markup(lang: str, *, tags: bool = True, entities: bool = True, urls: bool = True):
    """Markup junk: an HTML/XML tag, an HTML entity, or nothing but URLs / e-mail addresses."""
    searched = [pattern.pattern for enabled, pattern in ((tags, _TAG), (entities, _ENTITY)) if enabled]
    search = re.compile("|".join(searched)).search if searched else lambda line: None
    only_addresses = _ADDRESSES_ONLY.fullmatch if urls else lambda line: None
    return lambda line: search(line) is not None or only_addresses(line) is not None


@functools.cache
def _not_letters() -> re.Pattern:
    """Characters that are neither letters, combining marks nor whitespace: digits,
    punctuation, symbols. Marks count as letters (Indic vowel signs are marks)."""
    marks = [code for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code))[0] == "M"]
    ranges, start = [], marks[0]
    for previous, code in zip(marks, marks[1:] + [None]):
        if code != previous + 1:
            ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(previous))}")
            start = code
    return re.compile(rf"[^\w\s{''.join(ranges)}]|[\d_]")


@side_filter
def alpha_ratio(lang: str, *, min_ratio: float = 0.5):
    """Too few letters: letters (any script) are under min_ratio of the non-space characters."""
    not_letters = _not_letters()

    def check(line: str) -> bool:
        chars = len(line) - line.count(" ")
        return chars > 0 and len(not_letters.findall(line)) > (1 - min_ratio) * chars

    return check


@functools.cache
def _identifier():
    """py3langid's identifier, loaded once (about a second): its model ships in the wheel."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@side_filter
def langid(lang: str, *, min_chars: int = 20, min_confidence: float = 0.8, accept: list[str] = []):  # noqa: B006
    """py3langid identifies the segment as another language than `lang` (or one of
    `accept`), with a probability of at least min_confidence.

    Segments shorter than min_chars characters are kept: identification is unreliable
    there. So are segments it is unsure about: a short UI string such as "Available
    permissions" comes out as 32% French, 18% English.
    """
    identifier = _identifier()
    expected = {langs.langid_label(lang), *accept} & set(identifier.labels)
    if not expected:
        raise Unavailable(f"py3langid has no model for {lang!r}; add the labels it may use in langid.accept")
    classify = identifier.classify

    def check(line: str) -> bool:
        if len(line) < min_chars:
            return False
        label, probability = classify(line)
        return label not in expected and probability >= min_confidence

    return check


# --- pair filters -------------------------------------------------------------------

_HAN, _KANA = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff", "\u3040-\u30ff"
_HAN_CHAR, _KANA_CHAR = re.compile(f"[{_HAN}]"), re.compile(f"[{_KANA}]")
_OTHER_WORD = re.compile(f"[^\\W{_HAN}{_KANA}]+")  # a Latin name or a number inside CJK text


def cjk_length(line: str) -> float:
    """About English words: a Han character counts as one, a kana (a syllable) as half
    of one, a run of other letters or digits as one; punctuation and spaces not at all."""
    return len(_HAN_CHAR.findall(line)) + len(_KANA_CHAR.findall(line)) / 2 + len(_OTHER_WORD.findall(line))


def length(lang: str) -> Callable[[str], float]:
    """A segment's length: words; in Chinese and Japanese, cjk_length; in the other scripts
    without spaces (Thai, Lao, Khmer, Myanmar, Tibetan), characters other than spaces."""
    if langs.script(lang) in ("Hani", "Hans", "Hant", "Jpan"):
        return cjk_length
    if langs.without_spaces(lang):
        return lambda line: len(line) - line.count(" ")
    return lambda line: len(line.split())


@pair_filter
def length_ratio(src: str, trg: str, *, max_ratio: float = 3.0, min_words: int = 3):
    """Longer/shorter side length above max_ratio, when the longer side is over min_words
    long. Lengths are words, or characters for a language written without spaces."""
    src_length, trg_length = length(src), length(trg)

    def check(src_line: str, trg_line: str) -> bool:
        shorter, longer = sorted((src_length(src_line), trg_length(trg_line)))
        return longer > min_words and longer > max_ratio * shorter

    return check


@pair_filter
def source_equals_target(src: str, trg: str):
    """Both sides are the same, ignoring case (an untranslated copy)."""
    return lambda src_line, trg_line: src_line.casefold() == trg_line.casefold()


_NUMBER = re.compile(r"\d+")


def _numbers(line: str) -> set:
    # int() reads every script's digits ("٣" == "3"); leading zeros do not count.
    return {int(n) if len(n) < 100 else n for n in _NUMBER.findall(line)}


@pair_filter
def num_mismatch(src: str, trg: str):
    """The sides have different sets of numbers (digit sequences)."""
    return lambda src_line, trg_line: _numbers(src_line) != _numbers(trg_line)


# --- batch filters ------------------------------------------------------------------


@batch_filter
def bicleaner(src: str, trg: str, *, threshold: float = 0.5, model_dir: str = "", batch_size: int = 32):
    """bicleaner-ai scores the pair under threshold (skipped when bicleaner-ai or the model is missing).

    The model is `<model_dir>/<src>-<trg>` (or `<trg>-<src>`), model_dir defaulting to
    $BICLEANER_AI_MODELS.
    """
    problem, score = bicleaner_model.load(src, trg, model_dir, batch_size)
    if problem:
        raise Unavailable(problem)
    return lambda src_lines, trg_lines: [value < threshold for value in score(src_lines, trg_lines)]
