"""evaluate.score: BLEU tokenized for the target language (sacrebleu's zh, ja-mecab and
ko-mecab), chrF, chrF++ and their signatures, on small real CJK test sets."""

import pytest
import sacrebleu

from pipeline.eval.evaluate import score

# (hypotheses, references): three sentences, close but not identical translations.
FIXTURES = {
    "zh": (
        ["我昨天去商店买了牛奶和面包。", "这本书被翻译成了很多种语言。", "今天下午天气很好，我们去公园散步吧。"],
        ["昨天我去商店买了牛奶和面包。", "这本书已经被翻译成很多种语言。", "今天下午天气不错，我们去公园散步吧。"],
    ),
    "zh-Hant": (
        ["我昨天去商店買了牛奶和麵包。", "這本書被翻譯成了很多種語言。", "今天下午天氣很好，我們去公園散步吧。"],
        ["昨天我去商店買了牛奶和麵包。", "這本書已經被翻譯成很多種語言。", "今天下午天氣不錯，我們去公園散步吧。"],
    ),
    "ja": (
        ["昨日、店で牛乳とパンを買いました。", "この本は多くの言語に翻訳されました。", "今日の午後は天気がいいので、公園を散歩しましょう。"],
        ["昨日、私は店で牛乳とパンを買った。", "この本は多くの言語に翻訳されている。", "今日の午後は天気が良いので、公園を散歩しよう。"],
    ),
    "ko": (
        ["어제 가게에서 우유와 빵을 샀어요.", "이 책은 많은 언어로 번역되었습니다.", "오늘 오후는 날씨가 좋으니 공원에 산책하러 갑시다."],
        ["어제 나는 가게에서 우유와 빵을 샀다.", "이 책은 여러 언어로 번역되었다.", "오늘 오후는 날씨가 좋으니 공원으로 산책하러 가자."],
    ),
    "de": (
        ["Die Katze saß auf der Matte.", "Er liest jeden Abend ein Buch."],
        ["Die Katze saß gerade auf der Matte.", "Er liest jeden Abend ein gutes Buch."],
    ),
}
SIGNATURE = "nrefs:1|case:mixed|eff:{eff}|{rest}|version:2.6.0"
# target: (BLEU, its tokenizer in the signature, BLEU with 13a as before, chrF, chrF++)
EXPECTED = {
    "zh": (73.4, "zh", 0.0, 64.72, 55.48),
    "zh-Hant": (73.4, "zh", 0.0, 64.72, 55.48),
    "ja": (61.64, "ja-mecab-0.996-IPA", 0.0, 65.95, 56.53),
    "ko": (55.11, "ko-mecab-0.996/ko-0.9.2-KO", 25.49, 57.66, 56.48),
}


@pytest.mark.parametrize("trg", sorted(EXPECTED))
def test_cjk_scores_are_sacrebleus_with_the_right_tokenizer(trg):
    hypotheses, references = FIXTURES[trg]
    bleu, tokenizer, bleu_13a, chrf, chrfpp = EXPECTED[trg]
    assert score(hypotheses, references, trg) == {
        "bleu": bleu,
        "bleu_signature": SIGNATURE.format(eff="no", rest=f"tok:{tokenizer}|smooth:exp"),
        "chrf": chrf,
        "chrf_signature": SIGNATURE.format(eff="yes", rest="nc:6|nw:0|space:no"),
        "chrfpp": chrfpp,
        "chrfpp_signature": SIGNATURE.format(eff="yes", rest="nc:6|nw:2|space:no"),
    }
    tokenize = tokenizer.split("-0.996")[0]  # sacrebleu's own name: zh, ja-mecab, ko-mecab
    assert round(sacrebleu.corpus_bleu(hypotheses, [references], tokenize=tokenize).score, 2) == bleu
    # what the 13a tokenizer (the one used for every target before) made of it
    assert round(sacrebleu.corpus_bleu(hypotheses, [references], tokenize="13a").score, 2) == bleu_13a


def test_other_targets_keep_13a():
    result = score(*FIXTURES["de"], "de")
    assert "tok:13a" in result["bleu_signature"]
    assert 50 < result["bleu"] < 70 and result["chrf"] > 70 and result["chrfpp"] > 70


def test_thai_counts_characters():
    """sacrebleu's flores200 tokenizer would download a model: characters work offline."""
    result = score(["ฉันชอบกินข้าวผัด"], ["ฉันชอบกินข้าวผัดมาก"], "th")
    assert "tok:char" in result["bleu_signature"]
    assert 70 < result["bleu"] < 90  # 13a: one token each, no match at all
