"""Cleaning Chinese and Japanese: the default filters keep good pairs (no spaces between
words, Latin names and numbers inside, short polite phrases) and still remove bad ones."""

import json

import pytest

from pipeline.clean import clean_corpus, filters
from pipeline.common.corpus import LineWriter, read_lines

ZH_HANT = [
    ("Thank you very much.", "非常感謝。"),
    ("Where is the nearest train station?", "最近的火車站在哪裡？"),
    # a space around a Latin name or a number: counted as words, this was 3 "words" against 17
    ("I worked at Google for five years and now I am an engineer at a small company.", "我在 Google 工作了五年，現在在一家小公司當工程師。"),
    ("The meeting has been moved to 3 PM on Friday because the manager is travelling.", "因為經理出差，會議改到星期五下午 3 點。"),
    ("Taipei is the capital and largest city of Taiwan, with a population of about 2.5 million people.", "臺北是臺灣的首都和最大城市，人口約 250 萬。"),
    ("This book has been translated into many languages and sold millions of copies around the world.", "這本書已被翻譯成多種語言，在全世界賣出了數百萬冊。"),
    ("Please remember to turn off the lights and lock the door when you leave the office tonight.", "今晚離開辦公室時，請記得關燈並鎖門。"),
    ("Yes.", "是的。"),
    ("The new iPhone 15 will be released in September.", "新款 iPhone 15 將於九月發布。"),
    ("Traditional Chinese characters are still used in Taiwan, Hong Kong and Macau.", "臺灣、香港和澳門仍然使用繁體中文字。"),
    # 208 characters: over max_words (150) if each were a word, but words do not apply here
    (("The river flows quietly through the old town. " * 16).strip(), "河水靜靜地流過古老的小鎮。" * 16),
]
JA = [
    # kana are syllables: counted one a word, this was 14 "words" against 4
    ("Thank you very much.", "どうもありがとうございます。"),
    ("I'm sorry.", "申し訳ございません。"),
    ("Good morning.", "おはようございます。"),
    ("Where is the nearest train station?", "一番近い駅はどこですか？"),
    ("I bought milk and bread at the store yesterday.", "昨日、店で牛乳とパンを買いました。"),
    ("I worked at Sony for five years and now I am an engineer at a small company.", "私はソニーで5年間働き、今は小さな会社でエンジニアをしています。"),
    ("The new iPhone 15 will be released in September.", "新しい iPhone 15 は9月に発売されます。"),
    ("Tokyo is the capital of Japan and one of the largest cities in the world.", "東京は日本の首都であり、世界最大級の都市の一つです。"),
    ("Please take off your shoes before entering the room.", "部屋に入る前に靴を脱いでください。"),
    ("The train was delayed by 20 minutes because of heavy snow.", "大雪のため、電車が20分遅れました。"),
]
BAD_ZH_HANT = [
    ("Yes.", "是的，我完全同意你的看法，我們明天早上九點在公司門口見面吧。", "length_ratio"),
    ("The committee approved the new budget for schools, hospitals and public transport after a long debate.", "是。", "length_ratio"),
    ("The weather is nice today, so let's take a walk in the park.", "今日はいい天気なので、公園を散歩しましょう。", "langid"),
    ("Too long", "長" * 1001, "too_long"),
]


def clean(tmp_path, trg: str, pairs) -> tuple[dict, list[tuple[str, str]]]:
    for index, lang in enumerate(("en", trg)):
        with LineWriter(tmp_path / f"in.{lang}.zst") as out:
            for pair in pairs:
                out.write(pair[index])
    clean_corpus.main([
        "--src", "en", "--trg", trg, "--input-prefix", str(tmp_path / "in"), "--output-prefix", str(tmp_path / "out"),
        "--workers", "1",
    ])
    report = json.loads((tmp_path / "out.cleaning.json").read_text())
    return report, list(zip(read_lines(tmp_path / "out.en.zst"), read_lines(tmp_path / f"out.{trg}.zst")))


@pytest.mark.parametrize(("trg", "pairs"), [("zh-Hant", ZH_HANT), ("ja", JA)])
def test_default_filters_keep_good_cjk_pairs(tmp_path, trg, pairs):
    report, kept = clean(tmp_path, trg, pairs)
    assert {name: count for name, count in report["removed"].items() if count} == {}
    assert kept == pairs


def test_default_filters_remove_bad_cjk_pairs(tmp_path):
    report, kept = clean(tmp_path, "zh-Hant", ZH_HANT + [pair[:2] for pair in BAD_ZH_HANT])
    assert kept == ZH_HANT
    assert {name: count for name, count in report["removed"].items() if count} == {"length_ratio": 2, "langid": 1, "too_long": 1}


def test_lengths_follow_the_script():
    assert filters.lengths("zh-Hant")(["我在 Google 工作了五年。", ""]) == [8, 0]  # 7 characters and one Latin word
    assert filters.lengths("ja")(["申し訳ございません。"]) == [5.5]  # 2 kanji and 7 kana
    assert filters.lengths("th")(["ฉันชอบ กินข้าว"]) == [13]  # characters, not the 2 space-separated runs
    assert filters.lengths("ko")(["오늘 날씨가 좋다"]) == [3]  # Korean separates words by spaces
    assert filters.lengths("de")(["Guten Morgen, Welt", "", "ein\tzwei\u3000drei\xa0vier\u200bfünf"]) == [3, 0, 4]
    assert filters.too_long("zh", max_words=5, max_chars=10)(["一二三四五六七八九十"]) == [False]  # words do not apply
    assert filters.too_long("zh", max_words=5, max_chars=9)(["一二三四五六七八九十"]) == [True]
