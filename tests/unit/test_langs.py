"""The one language-code normaliser: canonical tags, errors, and each upstream's codes."""

import subprocess
import sys

import pytest

from pipeline.common import langs
from pipeline.common.errors import UserError
from tests.conftest import REPO


@pytest.mark.parametrize(
    ("code", "canonical"),
    [
        ("en", "en"), ("EN", "en"), ("zh_hant", "zh-Hant"), ("zh-hant", "zh-Hant"), ("zh-TW", "zh-TW"),
        ("tl", "fil"), ("fil", "fil"), ("iw", "he"), ("in", "id"), ("cmn", "zh"), ("deu_Latn", "de"),
        ("pt_br", "pt-BR"), ("es-419", "es-419"), ("sr-latn", "sr-Latn"), ("ast", "ast"), ("yue", "yue"), ("ckb", "ckb"),
    ],
)
def test_canonical(code, canonical):
    assert langs.canonical(code) == canonical
    assert langs.is_valid(code)


@pytest.mark.parametrize("code", ["english", "xx", "und", "x-foo", "", "de-", "123"])
def test_not_a_language_code(code):
    assert not langs.is_valid(code)
    message = f"{code!r} is not a language code; use a BCP-47 tag, e.g. en, de, fil, pt-BR, zh-Hant"
    assert langs.problem(code) == message
    with pytest.raises(UserError, match=f"^{message}$"):
        langs.canonical(code)


def test_primary_script_and_spaces():
    assert [langs.primary(code) for code in ("pt-BR", "zh_Hant", "tl", "DE", "x-unknown")] == ["pt", "zh", "fil", "de", "x"]
    assert [langs.script(code) for code in ("de", "zh-TW", "zh", "ja", "ko", "sr", "sr-Latn")] == [
        "Latn", "Hant", "Hans", "Jpan", "Kore", "Cyrl", "Latn"
    ]
    assert [code for code in ("zh", "zh-Hant", "yue", "ja", "th", "km", "ko", "vi", "en") if langs.without_spaces(code)] == [
        "zh", "zh-Hant", "yue", "ja", "th", "km"
    ]


def test_upstream_codes():
    assert [langs.alpha3_script(code) for code in ("de", "zh-Hant", "zh", "pt-BR", "ar", "et", "ko", "fil")] == [
        "deu_Latn", "zho_Hant", "zho_Hans", "por_Latn", "arb_Arab", "est_Latn", "kor_Hang", "tgl_Latn"
    ]
    assert [langs.opus(code) for code in ("de", "pt-BR", "zh_hant", "zh-TW", "tl")] == ["de", "pt_BR", "zh_Hant", "zh_TW", "tl"]
    assert [langs.base(code) for code in ("pt-BR", "zh", "zh-TW", "zh-Hant", "sr-Latn", "es-419", "fil")] == [
        "pt", "zh", "zh-Hant", "zh-Hant", "sr-Latn", "es", "tl"
    ]
    assert [langs.langid_label(code) for code in ("pt-BR", "zh-Hant", "fil", "he", "nb", "gsw", "pnb", "diq", "bh")] == [
        "pt", "zh", "tl", "he", "no", "als", "pnb", "diq", "bh"
    ]
    assert [langs.bleu_tokenizer(code) for code in ("zh", "zh-Hant", "yue", "ja", "ko", "th", "de", "fil")] == [
        "zh", "zh", "zh", "ja-mecab", "ko-mecab", "char", "13a", "13a"
    ]


@pytest.mark.parametrize(
    ("tag", "code", "expected"),
    [
        ("de_DE", "de", True), ("DE", "de", True), ("deu", "de", True), ("de-AT", "de", True),
        ("zh_TW", "zh-Hant", True), ("zh_TW", "zh", False), ("zh_CN", "zh", True), ("zh-Hant", "zh-TW", True),
        ("pt_BR", "pt", True), ("pt", "pt-BR", True), ("pt_PT", "pt-BR", False),
        ("sr@latin", "sr-Latn", True), ("sr@latin", "sr", False), ("tl", "fil", True),
        ("x-unknown", "de", False), (None, "de", False), ("translation", "de", False), ("fr", "de", False),
    ],
)
def test_matches(tag, code, expected):
    assert langs.matches(tag, code) is expected


def test_the_graph_side_imports_no_heavy_module():
    """config.py imports langs: it must stay light (decision-task requirements only)."""
    code = "import sys, pipeline.common.langs; print(sorted(m for m in ('sacrebleu', 'fasttext', 'zstandard') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
