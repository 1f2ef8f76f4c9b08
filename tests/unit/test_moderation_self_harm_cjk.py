"""Issue 31, the fifteenth round: self-harm said by its method, without a harm word, in
Chinese, Japanese, Arabic and Hindi (policy_dev_sh15.csv's kinds): lying on the tracks as
a train comes, pills beside a farewell letter, a rope at the neck and a chair, charcoal in
a sealed room, a high place and about to jump, a razor in the bath. The everyday scenes
with the same words (a train on the tracks, a diver, a parachutist, a lasso, a barber, a
barbecue, a pharmacy) pass."""

from __future__ import annotations

import pytest

from studio.moderation.pairs import UnspacedPair, read_pairs
from studio.moderation.prompts import parse_entries


@pytest.mark.parametrize(
    "prompt",
    [
        # Chinese
        "一个女人躺在铁轨上，远处火车开过来",
        "桌上放着安眠药和一封遗书",
        "男人把绳子套在脖子上，站在椅子上",
        "门窗紧闭的卧室里烧炭",
        # Japanese
        "線路に寝そべる少女、近づく列車",
        "大量の睡眠薬と遺書",
        "首に縄をかけ、踏み台の上に立つ男性",
        "目張りした部屋で練炭を焚く",
        # Arabic
        "رجل على حافة الجسر يستعد للقفز",
        "فتاة ممددة على السكة في الليل",
        "حبل المشنقة حول رقبتها وكرسي مقلوب",
        "حبوب منومة ورسالة وداع بجانب السرير",
        "شفرة حلاقة على معصمها",
        # Hindi
        "इमारत की छत पर खड़ा आदमी कूदने वाला है",
        "पटरी पर लेटी औरत और आती हुई ट्रेन",
        "नींद की गोलियां और आखिरी खत",
        "फंदा गले में डालकर कुर्सी पर खड़ी लड़की",
        "किसान ने कीटनाशक पी लिया",
    ],
)
def test_self_harm_by_its_method_is_refused(policy, prompt):
    decision = policy.without_classifier().check(prompt)
    assert not decision.allowed, decision
    assert decision.category == "self_harm", decision


@pytest.mark.parametrize(
    "prompt",
    [
        "跳水运动员站在跳台边缘准备跳下去",
        "一列火车沿着铁轨开过来，铁路摄影",
        "牛仔用绳子套住小牛的脖子",
        "冬天的房间里烧着炭火锅",
        "同学们写告别信，毕业季",
        "夕日の中、線路を走る電車",
        "カウボーイが子牛の首にロープをかける",
        "キャンプで練炭を使ってバーベキュー",
        "غطاس يقف على حافة المنصة ويستعد للقفز في المسبح",
        "قطار يسير على السكة عند الغروب",
        "راعي بقر يلف الحبل حول رقبة العجل",
        "حلاق يحلق ذقن رجل بشفرة حلاقة",
        "गोताखोर चट्टान से समुद्र में कूदने वाला है",
        "पैराशूट लेकर विमान से कूदने वाला सैनिक",
        "रेल की पटरी पर दौड़ती ट्रेन",
        "गाय के गले में रस्सी बांधता किसान",
        "नाई ब्लेड से आदमी की दाढ़ी बना रहा है",
    ],
)
def test_the_same_words_in_everyday_scenes_pass(policy, prompt):
    decision = policy.without_classifier().check(prompt)
    assert decision.allowed, decision


def test_a_chinese_or_japanese_section_takes_across_and_unless():
    (pair,) = read_pairs(
        [("self_harm", ["躺在铁轨", "+ 16 across", "火车", "unless", "模型"])], parse_entries
    )
    assert isinstance(pair, UnspacedPair)
    assert pair.find("男人躺在铁轨上，火车开过来", []) == "躺在铁轨 + 火车"
    assert pair.find("模型火车，玩具人躺在铁轨上", []) is None


def test_a_caret_group_is_the_same_group_of_the_section_above():
    _, second = read_pairs(
        [
            ("violence", ["slapping", "> 2", "wife", "unless", "cake"]),
            ("violence", ["beating", "> 2", "^", "unless", "at chess"]),
        ],
        parse_entries,
    )
    assert [p.term for p in second.second.phrases] == ["wife"]
    assert [p.term for p in second.unless.phrases] == ["at chess"]
