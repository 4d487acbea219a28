"""Language codes: one BCP-47 normaliser (langcodes) for the config, labels and file
names, the importers' upstream codes, language identification and evaluation.

A code is any BCP-47 tag langcodes knows: ISO 639-1 or 639-3, optionally with a script
and a region (`de`, `fil`, `yue`, `zh-Hant`, `pt-BR`, `es-419`, `sr-Latn`). `canonical`
gives its one spelling (`zh_hant` -> `zh-Hant`, `tl` -> `fil`, `iw` -> `he`, `cmn` ->
`zh`), used everywhere after the config is read. Light on purpose: the graph side imports it.
"""

import functools

import langcodes

from pipeline.common.errors import UserError

EXAMPLES = "e.g. en, de, fil, pt-BR, zh-Hant"

# Scripts written without spaces between words: length filters count characters there.
NO_SPACES = frozenset({"Hani", "Hans", "Hant", "Jpan", "Thai", "Laoo", "Khmr", "Mymr", "Tibt"})

# The individual language FLORES-200 and HPLT (NLLB's and OpenLID's labels) file a
# macrolanguage's data under; langcodes' ISO 639-3 code for these is the macrolanguage.
INDIVIDUAL = {
    "ar": "arb", "az": "azj", "fa": "pes", "ff": "fuv", "fil": "tgl", "kr": "knc", "ku": "kmr", "lv": "lvs",
    "mg": "plt", "mn": "khk", "ms": "zsm", "ne": "npi", "no": "nob", "om": "gaz", "or": "ory", "ps": "pbt",
    "qu": "quy", "sq": "als", "sw": "swh", "uz": "uzn", "yi": "ydd",
}
# Upstreams (OPUS, mtdata's index, fastText) name Filipino by Tagalog's ISO 639-1 code,
# which langcodes' canonical form replaces.
TAGALOG = {"fil": "tl"}
# fastText's lid.176 labels (Wikipedia's codes) that are not the language subtag: Bokmål is
# `no`; Alemannic `als` (gsw); Western Punjabi `pnb` (lah); Zazaki `diq` (zza); Bhojpuri
# `bh` (bho); Emilian `eml` (egl).
FASTTEXT = {**TAGALOG, "nb": "no", "gsw": "als", "lah": "pnb", "zza": "diq", "bho": "bh", "egl": "eml"}


class CodeError(UserError, ValueError):
    """Not a language code (a user mistake: one line)."""


@functools.lru_cache(maxsize=1024)
def canonical(code: str) -> str:
    """The one spelling of a code; CodeError if it is not a language code."""
    try:
        tag = langcodes.standardize_tag(code, macro=True)
        language = langcodes.Language.get(tag)
        if language.is_valid() and language.language not in (None, "und") and language.to_alpha3():
            return tag
    except (ValueError, LookupError):  # LookupError: private use (x-...), no ISO 639-3 code
        pass
    raise CodeError(f"{code!r} is not a language code; use a BCP-47 tag, {EXAMPLES}")


def problem(code: str) -> str | None:
    """Why `code` is not a language code (one line), or None."""
    try:
        canonical(code)
    except CodeError as error:
        return str(error)
    return None


def is_valid(code: str) -> bool:
    """`en`, `zh-Hant`, `pt-BR`, `fil`, `zh_hant` are valid; `english`, `xx` are not."""
    return problem(code) is None


def _language(code: str) -> langcodes.Language:
    return langcodes.Language.get(canonical(code))


def primary(code: str) -> str:
    """The language subtag: `pt-BR` -> `pt`, `zh_Hant` -> `zh`, `tl` -> `fil`; a tag that is
    not a language code (an upstream's `x-unknown`) gives its first part, lower case."""
    try:
        return _language(code).language
    except ValueError:
        return code.replace("_", "-").split("-", 1)[0].lower()


def script(code: str) -> str:
    """The script, written or likely: `de` -> `Latn`, `zh-TW` -> `Hant`, `ja` -> `Jpan`."""
    return _language(code).maximize().script


def without_spaces(code: str) -> bool:
    """Whether the language's script separates no words by spaces (Chinese, Japanese, Thai, ...)."""
    return script(code) in NO_SPACES


def base(code: str) -> str:
    """The language, with its script only if it is not the usual one, without region, as
    upstreams that know no regions name it: `pt-BR` -> `pt`, `zh-TW` -> `zh-Hant`,
    `sr-Latn` -> `sr-Latn`, `fil` -> `tl`."""
    language = _language(code)
    name = TAGALOG.get(language.language, language.language)
    written = language.maximize().script
    usual = langcodes.Language.get(language.language).maximize().script
    return name if written == usual else f"{name}-{written}"


def alpha3_script(code: str, individual: dict[str, str] = INDIVIDUAL) -> str:
    """`<ISO 639-3>_<script>` as FLORES-200 and HPLT name languages: `de` -> `deu_Latn`,
    `zh-Hant` -> `zho_Hant`, `pt-BR` -> `por_Latn`, `ar` -> `arb_Arab` (see INDIVIDUAL)."""
    language = _language(code)
    alpha3 = individual.get(language.language) or language.to_alpha3()
    written = language.maximize().script
    return f"{alpha3}_{'Hang' if written == 'Kore' else written}"  # NLLB labels Korean Hang, CLDR Kore


def opus(code: str) -> str:
    """OPUS's code: `de`, `pt_BR`, `zh_Hant`, `tl`."""
    tag = canonical(code)
    return TAGALOG.get(tag, tag).replace("-", "_")


def langid_label(code: str) -> str:
    """The language's label in fastText's lid.176, without `__label__` (which may not have it)."""
    language = primary(code)
    return FASTTEXT.get(language, language)


@functools.lru_cache(maxsize=4096)  # a TMX file asks once per segment
def matches(tag: str | None, code: str) -> bool:
    """Whether data an upstream tags `tag` (`de_DE`, `DE`, `zh_TW`, `sr@latin`, `pt`) is in
    language `code`: the same language in the same script, and the region `code` names, if any."""
    tag, _, modifier = (tag or "").strip().partition("@")
    try:
        found = _language(tag)
        wanted = _language(code)
    except ValueError:
        return False
    if modifier.lower() == "latin":
        found = found.update_dict({"script": "Latn"})
    full = found.maximize()
    return (
        found.language == wanted.language
        and full.script == wanted.maximize().script
        and wanted.territory in (None, full.territory)
    )


def bleu_tokenizer(code: str) -> str:
    """The sacrebleu tokenizer for a target language: `zh` for Chinese (any Han script),
    MeCab for Japanese and Korean (sacrebleu's ja and ko extras), characters for the other
    scripts without spaces (Thai, Lao, Khmer, Myanmar, Tibetan), else `13a`."""
    written = script(code)
    if written in ("Hani", "Hans", "Hant"):
        return "zh"
    if written == "Jpan":
        return "ja-mecab"
    if written == "Kore":
        return "ko-mecab"
    return "char" if written in NO_SPACES else "13a"
