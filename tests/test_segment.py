"""Segment: sentences with raw offsets, articles with titles."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.normalise import normalise
from pipeline.segment import segment
from schemas.records import Article, RawDocument, Sentence
from tests.conftest import SEEDS

SEED_000 = SEEDS / "000_ee6c23fa554db40a.txt"
SEED_003 = SEEDS / "003_24b2b01388e8f82b.txt"


def _run(raw: str, doc_id: str = "t") -> tuple[list[Article], list[Sentence]]:
    doc = RawDocument(doc_id=doc_id, source="<test>", text=raw)
    articles, sentences = segment(doc, normalise(raw))
    _check(raw, articles, sentences)
    return articles, sentences


def _check(raw: str, articles: list[Article], sentences: list[Sentence]) -> None:
    norm = normalise(raw)
    assert articles, "at least one article"
    assert [a.index for a in articles] == list(range(len(articles)))
    for a in articles:  # built unvalidated (valid by construction): validation agrees
        assert Article.model_validate(a.model_dump()) == a and a.model_fields_set == set(Article.model_fields)
    for a, b in zip(articles, articles[1:]):
        assert a.start <= a.end <= b.start
    previous_end = 0
    for i, s in enumerate(sentences):
        assert s.index == i
        assert raw[s.start:s.end] == s.text
        # segment builds Sentences unvalidated (valid by construction): validation agrees
        assert Sentence.model_validate(s.model_dump(), context={"raw": raw}) == s and type(s) is Sentence
        assert s.model_fields_set == set(Sentence.model_fields)
        assert s.text == s.text.strip() and s.text
        assert s.start >= previous_end
        previous_end = s.end
        assert norm.raw_span(s.norm_start, s.norm_end) == (s.start, s.end)
        article = articles[s.article]
        assert article.start <= s.start and s.end <= article.end


# (raw text, expected sentence texts)
SENTENCE_CASES = [
    ("全市地区生产总值完成812.6亿元,同比增长5.8%。规模以上工业增加值增长7.2%。",
     ["全市地区生产总值完成812.6亿元,同比增长5.8%。", "规模以上工业增加值增长7.2%。"]),
    ("“人在网中走,事在网中办。”市委政法委有关负责同志告诉记者。",
     ["“人在网中走,事在网中办。”", "市委政法委有关负责同志告诉记者。"]),
    ("学费怎么退?课程怎么上?不少家长十分心焦!", ["学费怎么退?", "课程怎么上?", "不少家长十分心焦!"]),
    ("学费怎么退？课程怎么上！", ["学费怎么退？", "课程怎么上！"]),  # full-width, raw kept
    ("一是亩均投资提高;二是企业及时落地。", ["一是亩均投资提高;", "二是企业及时落地。"]),
    ("真的吗?!当然。", ["真的吗?!", "当然。"]),
    ("他写道:“孩儿已经奔赴前线……”\n这就是力量。", ["他写道:“孩儿已经奔赴前线……”", "这就是力量。"]),
    ("无悔选择\n\n短短几天,记者在该旅采访。", ["无悔选择", "短短几天,记者在该旅采访。"]),
    ("网址: http://www.xxrb.com.cn/a?id=3;b=4 今日8版", ["网址: http://www.xxrb.com.cn/a?id=3;b=4 今日8版"]),
    ("能否只跑一地?2022年10月,红旗区成立了中心。", ["能否只跑一地?", "2022年10月,红旗区成立了中心。"]),
    ("  前导空格。  \n\t尾随空白。 ", ["前导空格。", "尾随空白。"]),
    ("增长15%)。(完)", ["增长15%)。", "(完)"]),
    ("", []),
    ("\n \n", []),
]


@pytest.mark.parametrize(("raw", "expected"), SENTENCE_CASES)
def test_sentences(raw: str, expected: list[str]) -> None:
    _, sentences = _run(raw)
    assert [s.text for s in sentences] == expected


def test_sentence_across_a_cut_keeps_raw_text() -> None:
    long = "获悉信息后,市社会维稳办立即协同文旅部门,对所有文化艺术类校外培训机构颁发了经"
    raw = long + "\n\n营审核同意书。"
    _, sentences = _run(raw)
    assert len(sentences) == 1
    assert sentences[0].text == raw  # raw characters, break included
    norm = normalise(raw)
    assert norm.text[sentences[0].norm_start:sentences[0].norm_end] == long + "营审核同意书。"


PAGE = """新乡日报

2024年6月5日 星期三

用好招商引资新模式 构建新机制

本报讯(记者 王海玲)6月4日,我市召开招商引资工作会议。会议通报了进展情况。

集成高效,预防跑在风险前

今年以来,共排查矛盾纠纷51个。

(下转第二版)

辉县市:盘活低效用地

本报讯(记者 赵政荣)项目总投资5.5亿元,占地约122亩。

续写英雄宣言的时代荣光

——陆军某合成旅采访见闻

□新乡日报全媒体记者 翟京元

中国人民志愿军第9兵团20军奉命坚守阵地。
"""


def test_articles_of_a_page() -> None:
    articles, sentences = _run(PAGE)
    assert [a.title for a in articles] == [
        None, "用好招商引资新模式 构建新机制", "辉县市:盘活低效用地", "续写英雄宣言的时代荣光"]
    by_text = {s.text: s.article for s in sentences}
    assert by_text["2024年6月5日 星期三"] == 0
    assert by_text["集成高效,预防跑在风险前"] == 1  # a subheading stays in its article
    assert by_text["(下转第二版)"] == 1
    assert by_text["——陆军某合成旅采访见闻"] == 3
    assert by_text["中国人民志愿军第9兵团20军奉命坚守阵地。"] == 3
    assert PAGE[articles[1].start:].startswith("用好招商引资")
    assert PAGE[:articles[3].end].endswith("坚守阵地。")


def test_plain_text_headlines_open_articles() -> None:
    raw = ("在省委的正确领导下,新乡打了一场漂亮的反击战。\n"
           "“大数据+网格化”,将疫情挡在“城门”外\n"
           "5月23日凌晨,货车司机载着一车快递抵达分拨中心。\n"
           "钱从哪儿来?\n"
           "新乡坚持项目为王理念,投资19.5亿元。\n")
    articles, sentences = _run(raw)
    assert [a.title for a in articles] == [None, "“大数据+网格化”,将疫情挡在“城门”外"]
    assert sentences[-1].article == 1


def test_seed_000() -> None:
    raw = SEED_000.read_text(encoding="utf-8")
    articles, sentences = _run(raw, "000_ee6c23fa554db40a")
    assert [a.title for a in articles] == [
        None,
        "魏建平在全市招商引资工作会议上强调 用好招商引资新模式 构建“招落一体”新机制 以高质量招商引资赋能高质量发展",
        "党建引领、大数据支撑、全科网格夯基的基层治理“新乡模式” 一站式调解 多元化共治",
        "辉县市:盘活低效用地「腾笼」引来「金凤」",
        "续写英雄宣言的时代荣光",
        "“你我他”的贴心人",
    ]
    assert len(sentences) == 133
    texts = [s.text for s in sentences]
    assert "营审核同意书。" not in texts
    assert any(t.endswith("颁发了经\n\n营审核同意书。") for t in texts)
    assert "据介绍,河南钜盛先导新材料科技有限公司新材料项目总投资5.5亿元,项目占地约122亩。" in texts


def test_seed_003() -> None:
    raw = SEED_003.read_text(encoding="utf-8")
    articles, sentences = _run(raw, "003_24b2b01388e8f82b")
    assert [a.title for a in articles] == [
        None,
        "“大数据+网格化”,将疫情挡在“城门”外",
        "“资产公司+社会资本+金融机构+资金平衡”,助力灾后重建",
        "“党建+金融”,精准服务乡村振兴",
        "“颜值+气质+诚信”,文明创建增强群众幸福感",
        "“五中心+五基地”,全力打造“中原农谷”核心区",
        "“自主研发+成果转化”,抢占绿色发展“新赛道”",
    ]
    assert len(sentences) == 118
    assert "钱从哪儿来?" in [s.text for s in sentences]


_PIECES = st.sampled_from([
    "\n", "\n\n", "\r\n", "\u2028", " ", "\u3000", "。", "!", "?", ";", ",", "”", "“", "……", "——", ":", ")",
    "１２３", "，", "．", "％", "？", "萬億元", "總資", "\u200b", "本报讯(记者 王某)", "□新乡日报全媒体记者 刘某",
    "(下转第二版)", "2024年6月5日 星期三", "今年2月,", "新乡日报", "增长5.8%", "http://a.cn/?x=1;y", "标题行",
    "获悉信息后,市社会维稳办立即协同文旅部门,对所有文化艺术类校外培训机构颁发了经",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_invariants_on_news_like_text(raw: str) -> None:
    _run(raw)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_invariants_on_any_text(raw: str) -> None:
    _run(raw)


def _reference_split(line: str) -> list[str]:
    """Sentences of one stripped line as the rule says: cut after every run of end marks
    and the closers after it, each piece stripped."""
    import re
    from itertools import pairwise

    from pipeline import layout as lay
    from pipeline.segment import _end_mark

    ends = re.compile(rf"(?:{_end_mark()})+[{re.escape(lay.layout().closers)}]*")
    cuts = [0] + [m.end() for m in ends.finditer(line)] + [len(line)]
    return [piece for a, b in pairwise(cuts) if (piece := line[a:b].strip())]


_LINE_PIECES = st.sampled_from([
    " ", "\u3000", "\t", "。", "!", "?", ";", "”", "’", ")", "」", "a", "3", "/", ".", "中", "http://a.cn/?x=1;y",
    "3!5", "x; y", "“好!”", "\n", "\n\n ",
])


@settings(max_examples=500, deadline=None)
@given(st.lists(_LINE_PIECES, max_size=40).map("".join))
def test_sentence_split_follows_the_rule(text: str) -> None:
    """The fast scan (whole text, first mark looked back at, blanks taken by the pattern)
    splits every line as the plain rule does on the line alone."""
    from pipeline.normalise import text_lines
    from pipeline.segment import _split_sentences

    for line in text_lines(text):
        assert [text[s:e] for s, e in _split_sentences(text, line)] == _reference_split(line.text)



@pytest.mark.parametrize("text", [
    "好。下一句", "好!!!下一句", "好。!?;”下一句", "看http://a.cn/?x=1;y=2!好", "a!b", "a! b", "1;2", "好;a!?b",
    "好。。”」 下一句", "结束!", "!开头", "好?!)", "x=1;\u3000y", "好!a。b?c;",
])
def test_the_marks_after_a_first_mark_are_any_split_characters(text):
    """The sentence-end pattern repeats the marks after the first as a plain class: the same
    matches as repeating the full mark pattern (lookarounds and all)."""
    import re

    from pipeline import layout as lay
    from pipeline.segment import _end_mark, _sentence_end

    conf = lay.layout()
    mark = _end_mark()
    general = re.compile(rf"([{re.escape(conf.sentence_split)}](?<={mark})(?:{mark})*"
                         rf"[{re.escape(conf.closers)}]*)\s*")
    assert [m.span(1) + m.span() for m in _sentence_end().finditer(text)] == \
        [m.span(1) + m.span() for m in general.finditer(text)]
