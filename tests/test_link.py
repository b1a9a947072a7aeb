"""Link stage on real sentences with hand-built figures: measure, subject, change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pipeline.link import LinkContext, find_entities, link_figures
from schemas.records import Figure


def fig(text: str, surface: str, kind: str = "count", nth: int = 0) -> Figure:
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    value = None if kind == "date" else 1.0
    return Figure(kind=kind, value=value, unit="x", start=start, end=start + len(surface), surface=surface)


def link(text: str, figures: list[Figure], history: tuple[str, ...] = (), doc=None) -> dict[str, Figure]:
    context = LinkContext()
    for sentence in history + (text,):
        context.observe(sentence)
    return {f.surface: f for f in link_figures(text, figures, doc, context)}


# (sentence, figure surface, kind, expected measure)
MEASURE_CASES = [
    ("据介绍,河南钜盛先导新材料科技有限公司新材料项目总投资5.5亿元,项目占地约122亩。", "5.5亿元", "money", "总投资"),
    ("据介绍,河南钜盛先导新材料科技有限公司新材料项目总投资5.5亿元,项目占地约122亩。", "约122亩", "area", "占地"),
    ("获嘉县位庄乡下辖24个村、53个小区,常住人口近10万人。", "24个", "count", "村"),
    ("获嘉县位庄乡下辖24个村、53个小区,常住人口近10万人。", "53个", "count", "小区"),
    ("获嘉县位庄乡下辖24个村、53个小区,常住人口近10万人。", "近10万人", "count", "常住人口"),
    ("今年以来,获嘉县民事案件诉调成功率达到42.13%。", "42.13%", "percent", "民事案件诉调成功率"),
    ("鹤壁昌宏镁业有限公司今年前4个月营业收入同比增长55%。", "今年前4个月", "date", None),
    ("鹤壁昌宏镁业有限公司今年前4个月营业收入同比增长55%。", "55%", "percent", "营业收入"),
    ("目前,全市已为148家文化艺术类校外培训机构颁发办学许可证。", "148家", "count", "文化艺术类校外培训机构"),
    ("2023年,全市地区生产总值达到3600亿元。", "3600亿元", "money", "地区生产总值"),
    ("乡亲们总共拿到700多万元贷款。", "700多万元", "money", "贷款"),
    ("完成投资320亿元以上。", "320亿元以上", "money", "完成投资"),
    ("先后吸引了29家实力雄厚的央企参与竞标。", "29家", "count", "央企参与竞标"),
    ("归集11个部门、23类重点场所的涉疫数据213万条。", "23类", "count", "重点场所"),
    ("归集11个部门、23类重点场所的涉疫数据213万条。", "213万条", "count", "涉疫数据"),
    ("该镇共排查出各类矛盾纠纷51个,已调解成功46件,5件正在调解处理中。", "46件", "count", "调解成功"),
    ("该镇共排查出各类矛盾纠纷51个,已调解成功46件,5件正在调解处理中。", "5件", "count", "正在调解处理中"),
    ("经过在高速公路3个多小时的行驶,ETC缴费。", "3个多小时", "duration", "行驶"),
    ("全年社会消费品零售总额1200亿元,城镇居民人均可支配收入增长6.1%。", "1200亿元", "money", "社会消费品零售总额"),
    ("全年社会消费品零售总额1200亿元,城镇居民人均可支配收入增长6.1%。", "6.1%", "percent", "城镇居民人均可支配收入"),
    ("固定资产投资增长15%。", "15%", "percent", "固定资产投资"),
    ("新建、扩建智慧停车泊位5000个。", "5000个", "count", "智慧停车泊位"),
    ("促使新乡移动全年综合满意度位居全省第三、行业第一。", "行业第一", "rank", "综合满意度"),
]


@pytest.mark.parametrize(("text", "surface", "kind", "measure"), MEASURE_CASES)
def test_measure(text: str, surface: str, kind: str, measure: str | None) -> None:
    # the sentence's other figures from the table are there too, as the grammar would give them
    figures = [fig(t, s, k) for t, s, k, _m in MEASURE_CASES if t == text]
    figures += [fig(text, "全省第三", "rank")] if "全省第三" in text else []
    figure = link(text, figures)[surface]
    assert figure.measure == measure
    if measure is not None:
        assert text[figure.measure_start : figure.measure_start + len(measure)] == measure


def test_measures_of_a_respectively_list() -> None:
    text = "科技型中小企业、高新技术企业数量分别突破800家和500家。"
    got = link(text, [fig(text, "突破800家"), fig(text, "500家")])
    assert got["突破800家"].measure == "科技型中小企业"
    assert got["500家"].measure == "高新技术企业"


def test_date_figures_get_no_measure_or_subject() -> None:
    text = "2023年12月28日,辉县市盘活低效用地1100多亩。"
    got = link(text, [fig(text, "2023年12月28日", "date"), fig(text, "1100多亩", "area")])
    assert got["2023年12月28日"].measure is None and got["2023年12月28日"].subject is None
    assert got["1100多亩"].subject == "辉县市"
    assert got["1100多亩"].measure == "盘活低效用地"


# (sentence, figure surface, kind, expected subject, earlier sentences of the article)
SUBJECT_CASES = [
    ("据介绍,河南钜盛先导新材料科技有限公司新材料项目总投资5.5亿元。", "5.5亿元", "money",
     "河南钜盛先导新材料科技有限公司新材料项目", ()),
    ("获嘉县位庄乡下辖24个村。", "24个", "count", "获嘉县位庄乡", ()),
    ("截至目前,辉县市已盘活低效用地1100多亩。", "1100多亩", "area", "辉县市", ()),
    ("位于辉县经济技术开发区洪洲园区的河南前进铸钢有限公司(分部),占地484亩。", "484亩", "area",
     "河南前进铸钢有限公司(分部)", ()),
    ("辉县市鸿宇化机有限公司原是一家化工企业,占地70亩。", "70亩", "area", "辉县市鸿宇化机有限公司", ()),
    ("近日,新乡县市场监管局对检查中出现问题的7家药品经营企业负责人进行了约谈。", "7家", "count", "新乡县市场监管局", ()),
    ("在农村,我市以获嘉县为试点,每个行政村设立1个微网格。", "1个", "count", "获嘉县", ()),
    ("依托大数据和网格化,新乡市4月份已研判处置问题222个。", "222个", "count", "新乡市", ()),
    # anaphors resolve to the last place of their level named before
    ("今年一季度,该镇共排查出各类矛盾纠纷51个。", "51个", "count", "小店镇", ("小店镇党委书记郝思奇说,矛盾纠纷闭环式流转。",)),
    ("目前,全市已为148家培训机构颁发许可证。", "148家", "count", "新乡市", ("新乡市文旅部门开展排查。",)),
    ("该乡党委书记祝贺说,446名社区双报到党员齐上阵。", "446名", "count", "获嘉县位庄乡", ("获嘉县位庄乡下辖24个村。",)),
    ("2021年,该市成功列入国家创新型城市建设序列。", "2021年", "date", None, ("新乡积极与科研院所合作。",)),
    # scope words are not owners: 全省第三 belongs to nobody named in the sentence
    ("今年全省规模以上工业增加值增长5%。", "5%", "percent", None, ()),
    # members of a list are not owners
    ("红旗区推动人社局、法院等12家单位常驻办公。", "12家", "count", "红旗区", ()),
]


@pytest.mark.parametrize(("text", "surface", "kind", "subject", "history"), SUBJECT_CASES)
def test_subject(text: str, surface: str, kind: str, subject: str | None, history: tuple[str, ...]) -> None:
    figure = link(text, [fig(text, surface, kind)], history)[surface]
    assert figure.subject == subject
    if subject is not None and subject in text:
        assert text[figure.subject_start : figure.subject_start + len(subject)] == subject


def test_anaphor_subject_has_no_offset() -> None:
    text = "目前,全市已为148家培训机构颁发许可证。"
    figure = link(text, [fig(text, "148家")], ("新乡市文旅部门开展排查。",))["148家"]
    assert figure.subject == "新乡市" and figure.subject_start is None


def test_unresolved_anaphor_gives_no_subject() -> None:
    text = "该镇共排查出各类矛盾纠纷51个。"
    assert link(text, [fig(text, "51个")])["51个"].subject is None


def test_anaphor_does_not_see_places_named_later_in_its_sentence() -> None:
    history = ("小店镇党委书记说。",)
    text = "该镇排查出纠纷51个,大召营镇排查出纠纷20个。"
    got = link(text, [fig(text, "51个"), fig(text, "20个")], history)
    assert got["51个"].subject == "小店镇"
    assert got["20个"].subject == "大召营镇"


def test_semicolon_sentences_keep_their_head_owner() -> None:
    first = "新乡市把今年作为基础设施建设攻坚年:加快547个重点项目建设;"
    second = "强力推进38个片区整体开发。"
    context = LinkContext()
    context.observe(first)
    context.observe(second)
    got = link_figures(second, [fig(second, "38个")], None, context)
    assert got[0].subject == "新乡市" and got[0].subject_start is None


def test_new_sentence_forgets_the_head_owner() -> None:
    first = "新乡市把今年作为攻坚年。"
    second = "强力推进38个片区整体开发。"
    context = LinkContext()
    context.observe(first)
    context.observe(second)
    assert link_figures(second, [fig(second, "38个")], None, context)[0].subject is None


def test_doc_entities_name_persons_and_orgs() -> None:
    import spacy
    from spacy.tokens import Doc, Span

    nlp = spacy.blank("zh")
    words = ["刘洪杰", "配合", "公安", "系统", "打击", "窝点", "45个", "。"]
    doc = Doc(nlp.vocab, words=words, spaces=[False] * len(words))
    doc.ents = [Span(doc, 0, 1, label="PERSON")]
    text = doc.text
    figure = link(text, [fig(text, "45个")], doc=doc)["45个"]
    assert figure.subject == "刘洪杰" and figure.subject_start == 0
    assert figure.measure == "配合公安系统打击窝点"  # no tags: the clause up to the figure


def test_doc_tags_cut_the_measure_after_the_verb() -> None:
    import spacy
    from spacy.tokens import Doc

    nlp = spacy.blank("zh")
    words = ["配合", "公安", "系统", "打击", "窝点", "45个", "。"]
    doc = Doc(nlp.vocab, words=words, spaces=[False] * len(words),
              tags=["v", "n", "n", "v", "n", "m", "w"])
    text = doc.text
    assert link(text, [fig(text, "45个")], doc=doc)["45个"].measure == "窝点"


# (sentence, surface, kind, change, direction, basis)
CHANGE_CASES = [
    ("今年前4个月营业收入同比增长55%。", "55%", "percent", True, "up", "同比"),
    ("其中婚姻家庭案件与去年同期相比下降了20%。", "20%", "percent", True, "down", "与去年同期相比"),
    ("近5年来人口增加了4万人。", "4万人", "count", True, "up", None),
    ("全市经营收益10万元以上的村较上年度增加14.9%。", "14.9%", "percent", True, "up", "较上年度"),
    ("城镇化率比上年提高3.5个百分点。", "3.5个百分点", "percent", True, "up", "比上年"),
    ("工业增加值同比增12.3%。", "12.3%", "percent", True, "up", "同比"),
    ("出口额环比降3%。", "3%", "percent", True, "down", "环比"),
    ("社会消费品零售总额增幅达8%。", "8%", "percent", True, "up", None),
    ("实现村集体收入翻番。", "翻番", "multiple", True, "up", None),
    # levels, not changes
    ("常住人口增长到10万人。", "10万人", "count", False, None, None),
    ("工业增加值1000亿元。", "1000亿元", "money", False, None, None),
    ("民事案件诉调成功率达到42.13%。", "42.13%", "percent", False, None, None),
]


@pytest.mark.parametrize(("text", "surface", "kind", "change", "direction", "basis"), CHANGE_CASES)
def test_change(text: str, surface: str, kind: str, change: bool, direction: str | None, basis: str | None) -> None:
    figure = link(text, [fig(text, surface, kind)])[surface]
    assert (figure.change, figure.direction, figure.basis) == (change, direction, basis)


def test_change_measure_skips_verb_and_basis() -> None:
    text = "其中婚姻家庭案件与去年同期相比下降了20%。"
    assert link(text, [fig(text, "20%", "percent")])["20%"].measure == "婚姻家庭案件"


def test_link_returns_new_figures() -> None:
    text = "项目总投资5.5亿元。"
    original = fig(text, "5.5亿元", "money")
    out = link_figures(text, [original], None, LinkContext())
    assert out[0] is not original and original.measure is None and out[0].measure == "总投资"


def test_no_figures_no_work() -> None:
    assert link_figures("没有数字。", [], None, LinkContext()) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("获嘉县位庄乡下辖24个村", ["获嘉县位庄乡"]),
        ("在农村,我市以获嘉县为试点", ["获嘉县"]),
        ("新乡移动全年综合满意度位居全省第三", ["新乡移动"]),
        ("打造中心城区与周边县(市)30分钟交通圈", []),
        ("优化功能布局,村民代表担任网格员", []),
        ("服务乡村振兴,某村村民刘某驾驶电动三轮车", []),
        ("配合公安系统打击窝点", []),
    ],
)
def test_rule_entities(text: str, names: list[str]) -> None:
    assert [e.name for e in find_entities(text)] == names


# ------------------------------------------------------------------ fresh news sentences


def linked(text: str, history: tuple[str, ...] = (), model: str = "blank") -> dict[str, Figure]:
    """The whole snippet path (grammar + link) on the last sentence, earlier ones as context."""
    from pipeline.process import extract_snippet

    facts = extract_snippet("".join(history) + text, pipeline=_pipeline(model))
    offset = len("".join(history))
    return {f.surface: f for f in facts if f.start >= offset}


_PIPELINES: dict = {}


def _pipeline(model: str):
    from pipeline.process import Pipeline

    if model not in _PIPELINES:
        _PIPELINES[model] = Pipeline.load(model)
    return _PIPELINES[model]


# (sentence, figure surface, expected measure): never a function word, verb, modal or
# number fragment; leading verbs and clause openers go, keywords listed whole stay whole
JUNK_MEASURE_CASES = [
    ("据统计，活动期间共接待游客120.5万人次，实现旅游收入9.6亿元，分别增长35%和42%。", "35%", "接待游客"),
    ("据统计，活动期间共接待游客120.5万人次，实现旅游收入9.6亿元，分别增长35%和42%。", "42%", "旅游收入"),
    ("据统计，活动期间共接待游客120.5万人次，实现旅游收入9.6亿元，分别增长35%和42%。", "120.5万人次", "接待游客"),
    ("员工人数从500人增至800人。", "500人", "员工人数"),
    ("员工人数从500人增至800人。", "800人", "员工人数"),
    ("该企业员工人数从2019年的800人增至目前的2300人。", "2300人", "员工人数"),
    ("该企业员工人数从2019年的800人增至目前的2300人。", "800人", "员工人数"),
    ("力争全年增长8%以上。", "8%以上", None),
    ("最高可达三十八摄氏度。", "三十八摄氏度", "最高"),
    ("该县位列全国百强县第28位，比上年前移5位。", "5位", "百强县"),
    ("同比增长百分之十二点五。", "百分之十二点五", None),
    ("建成后预计年产值可达20亿元。", "20亿元", "年产值"),
    ("项目建成投产后，预计年销售收入可达45亿元。", "45亿元", "年销售收入"),
    ("连续8年稳定在千亿斤以上。", "8年", None),
    ("今年以来，全市改造老旧小区136个，建成充电桩2000个。", "136个", "老旧小区"),
    ("今年以来，全市改造老旧小区136个，建成充电桩2000个。", "2000个", "充电桩"),
    ("焦作市今年共发放消费券3000万元，拉动消费超过4.5亿元。", "3000万元", "消费券"),
    ("焦作市今年共发放消费券3000万元，拉动消费超过4.5亿元。", "超过4.5亿元", "消费"),
    ("该公司拥有员工3000余人，计划完成投资12亿元。", "3000余人", "员工"),
    ("该公司拥有员工3000余人，计划完成投资12亿元。", "12亿元", "完成投资"),
    ("全县收获小麦80万亩，惠及居民2.3万户。", "80万亩", "小麦"),
    ("全县收获小麦80万亩，惠及居民2.3万户。", "2.3万户", "居民"),
    ("固始县今年种植水稻120万亩。", "120万亩", "水稻"),
    ("该县种植大户达到320户。", "320户", "种植大户"),
    ("该公司表示，四季度将新增产能2万吨。", "2万吨", "产能"),
    ("该镇今年新发展设施蔬菜大棚460座，村集体经济收入全部超过10万元。", "460座", "设施蔬菜大棚"),
    ("该镇今年新发展设施蔬菜大棚460座，村集体经济收入全部超过10万元。", "超过10万元", "村集体经济收入"),
    ("南阳市西峡县带动农户2.1万户，人均增收8000元以上。", "8000元以上", "人均"),
    ("许昌市市场监管局查处违法案件7起，罚没款18.6万元。", "7起", "违法案件"),
    ("国家统计局15日发布数据显示，全国固定资产投资423456亿元，同比增长3.4%。", "3.4%", "固定资产投资"),
    ("全省共有高新技术企业1.3万家，比上年增加1800家。", "1800家", "高新技术企业"),
    ("郑州宇通客车股份有限公司10月份销售客车3582辆，同比增长23.7%。", "23.7%", "客车"),
]


@pytest.mark.parametrize(("text", "surface", "measure"), JUNK_MEASURE_CASES)
@pytest.mark.parametrize("model", ["blank", "lac"])
def test_measure_is_a_noun_phrase(text: str, surface: str, measure: str | None, model: str) -> None:
    got = linked(text, model=model)[surface]
    assert got.measure == measure


# (earlier sentences, sentence, figure surface, expected subject)
TYPED_SUBJECT_CASES = [
    # 该公司 / 该企业 only mean companies, never a government body
    (("洛阳栾川钼业集团股份有限公司发布三季报。",), "该公司前三季度实现净利润68亿元。", "68亿元", "洛阳栾川钼业集团股份有限公司"),
    (("市住建局召开新闻发布会。",), "该企业今年新增订单12亿元。", "12亿元", None),
    (("新乡市住建局日前介绍进展。",), "该局今年已完成改造小区156个。", "156个", "新乡市住建局"),
    (("中国建设银行河南省分行举行发布会。",), "该行今年投放贷款860亿元。", "860亿元", "中国建设银行河南省分行"),
    # 全省 / 该省 only provinces and autonomous regions; a municipality is 该市
    (("河南省委经济工作会议召开。",), "该省今年粮食产量达到1340亿斤。", "1340亿斤", "河南省"),
    (("北京市今年新增就业岗位26万个。",), "全省累计发放补贴3亿元。", "3亿元", None),
    (("北京市统计局发布数据。",), "该市前三季度地区生产总值增长5.1%。", "5.1%", "北京市"),
    (("广西壮族自治区发布数据。",), "该区前三季度外贸进出口增长12%。", "12%", "广西壮族自治区"),
    # 该县 means a county or a county-level city (the gazetteer's level column)
    (("辉县市位于新乡市西北部。",), "该县今年引进项目32个。", "32个", "辉县市"),
    (("新乡市下辖获嘉县。",), "该县今年引进项目12个。", "12个", "获嘉县"),
    (("新乡市代表团赴郑州。",), "该县今年引进项目12个。", "12个", None),
    # a venue is a weak antecedent: it never displaces the article's own city
    (("新乡市代表团参加农博会。", "农博会在郑州开幕。"), "该市签约项目18个。", "18个", "新乡市"),
    (("第十届中原农博会在郑州开幕。",), "该市今年农产品加工产值达到3200亿元。", "3200亿元", "郑州市"),
    ((), "2024中国（郑州）产业转移系列对接活动在郑州开幕，现场签约项目126个。", "126个", None),
    # a reporting source is not the owner; the scope word after it decides
    ((), "国家统计局15日发布数据显示，1—10月份，全国固定资产投资423456亿元。", "423456亿元", None),
    ((), "近日，记者从市住建局获悉，今年以来全市共改造老旧小区136个。", "136个", None),
    (("新乡市召开新闻发布会。",), "近日，记者从市住建局获悉，今年以来全市共改造老旧小区136个。", "136个", "新乡市"),
    ((), "据市统计局统计，今年前三季度全市社会消费品零售总额达到1865亿元。", "1865亿元", None),
    ((), "河南省统计局近日发布数据显示，前三季度全省居民人均可支配收入21856元。", "21856元", None),
    ((), "开封市文旅局发布消息，国庆假期全市共接待游客512.6万人次。", "512.6万人次", None),
    # owners that are not sources stay
    ((), "许昌市市场监管局对辖区内的52家加油站开展专项检查。", "52家", "许昌市市场监管局"),
    ((), "根据红旗区矛调联动机制，红旗区人民调解委员会接到调解委托38件。", "38件", "红旗区人民调解委员会"),
    ((), "南阳市西峡县香菇种植面积稳定在3万亩。", "3万亩", "南阳市西峡县"),
    ((), "今年以来，辉县市累计发放创业担保贷款2.3亿元，带动就业4600余人。", "4600余人", "辉县市"),
    (("辉县市是新乡市代管的县级市。",), "今年该县粮食总产量达到68万吨。", "68万吨", "辉县市"),
    ((), "信阳市浉河区新建高标准农田5.6万亩，总投资1.12亿元。", "1.12亿元", "信阳市浉河区"),
]


@pytest.mark.parametrize(("history", "text", "surface", "subject"), TYPED_SUBJECT_CASES)
@pytest.mark.parametrize("model", ["blank", "lac"])
def test_subject_types_sources_and_venues(history: tuple[str, ...], text: str, surface: str,
                                          subject: str | None, model: str) -> None:
    assert linked(text, history, model=model)[surface].subject == subject


def test_coordinated_figures_share_the_change() -> None:
    got = linked("据统计，接待游客120.5万人次，实现旅游收入9.6亿元，分别增长35%和42%。")
    assert (got["42%"].change, got["42%"].direction) == (True, "up")
    assert (got["35%"].change, got["35%"].direction) == (True, "up")


def test_rank_move_is_a_change() -> None:
    got = linked("该县位列全国百强县第28位，比上年前移5位。")
    assert (got["5位"].change, got["5位"].direction, got["5位"].basis) == (True, "up", "比上年")


def test_tagger_verb_cut_keeps_listed_keywords_whole() -> None:
    import spacy
    from spacy.tokens import Doc

    nlp = spacy.blank("zh")
    words = ["计划", "完成", "投资", "12亿元", "。"]
    doc = Doc(nlp.vocab, words=words, spaces=[False] * len(words), tags=["v", "v", "n", "m", "w"])
    text = doc.text
    assert link(text, [fig(text, "12亿元", "money")], doc=doc)["12亿元"].measure == "完成投资"


def test_tagger_verb_cut_does_not_borrow_the_previous_measure() -> None:
    import spacy
    from spacy.tokens import Doc

    nlp = spacy.blank("zh")
    words = ["实现", "营业收入", "1567亿元", "，", "净利润", "同比", "增长", "64%", "。"]
    doc = Doc(nlp.vocab, words=words, spaces=[False] * len(words), tags=["v", "n", "m", "w", "n", "v", "v", "m", "w"])
    text = doc.text
    got = link(text, [fig(text, "1567亿元", "money"), fig(text, "64%", "percent")], doc=doc)
    assert got["64%"].measure == "净利润"


def test_unresolved_anaphor_blocks_an_earlier_name() -> None:
    # 全市 names no city here, and 市住建局 is only the source: no subject at all
    text = "市住建局表示，全市改造老旧小区136个。"
    assert link(text, [fig(text, "136个")])["136个"].subject is None


def _state(context: LinkContext) -> tuple:
    context._sync()
    return dict(context.last), context.topic, dict(context._before), context._continues


def _eager_reads(article: list[str], read: Callable[[LinkContext, str], Any]) -> list[Any]:
    """What `read` gives on an eager context right after each sentence is observed."""
    eager = LinkContext(eager=True)
    reads = []
    for sentence in article:
        eager.observe(sentence)
        reads.append(read(eager, sentence))
    return reads


def test_lazy_observation_equals_eager_at_every_sentence() -> None:
    # anaphors (该市, 全市, 该公司, 该镇), a topic carried over ；and ：, nested places
    article = [
        "新乡市把今年作为基础设施建设攻坚年:加快547个重点项目建设;",
        "强力推进38个片区整体开发。",
        "河南钜盛先导新材料科技有限公司新材料项目总投资5.5亿元。",
        "该公司今年营业收入增长20%;",
        "获嘉县位庄乡下辖24个村。",
        "小店镇党委排查纠纷51个,该镇化解45个。",
        "全市地区生产总值达到3600亿元,该市排名全省第三。",
        "国家统计局15日发布数据显示,全国粮食产量增长2%。",
    ]
    eager_states = _eager_reads(article, lambda context, _sentence: _state(context))
    # lazy, read after every sentence, and lazy, read only after several at once
    for read_every in (1, 3, len(article)):
        lazy = LinkContext()
        for k, sentence in enumerate(article):
            lazy.observe(sentence)
            if (k + 1) % read_every == 0 or k == len(article) - 1:
                assert _state(lazy) == eager_states[k], (read_every, sentence)


def test_lazy_topic_and_memory_reads_match_eager() -> None:
    article = [
        "新乡市把今年作为攻坚年:加快547个重点项目建设;",
        "强力推进38个片区整体开发。",
        "该市新增企业120家。",
        "推进12个项目。",
    ]
    eager, lazy = LinkContext(eager=True), LinkContext()
    for sentence in article:
        eager.observe(sentence)
        lazy.observe(sentence)
        figures = [fig(sentence, s) for s in ("547个", "38个", "120家", "12个") if s in sentence]
        assert link_figures(sentence, figures, None, lazy) == link_figures(sentence, figures, None, eager)
        assert lazy.topic_before(sentence) == eager.topic_before(sentence)


def test_recall_before_equals_the_eager_memory() -> None:
    # strong writes, a venue's weak write, a chain's weak county write, re-namings
    article = [
        "新乡市召开会议。",
        "会议在北京召开。",
        "获嘉县位庄乡下辖24个村。",
        "辉县市新增企业15家,河南钜盛先导新材料科技有限公司投资5亿元。",
        "新乡县市场监管局检查门店30家。",
        "该县该市该公司全市全县。",
    ]
    eager = LinkContext(eager=True)
    keys = ("province", "city", "county", "district", "town", "village", "company", "bureau", "bank")
    for k, sentence in enumerate(article):
        eager.observe(sentence)
        expected = eager.state_before(sentence)
        lazy = LinkContext()
        for earlier in article[: k + 1]:
            lazy.observe(earlier)
        assert {key: lazy.recall_before(sentence, key) for key in keys} == \
            {key: expected.get(key) for key in keys}, sentence
        assert lazy.state_before(sentence) == expected


def test_may_name_never_misses_a_write_of_the_observation() -> None:
    # recall_before skips the sentences _may_name rules out for a key: it must never rule
    # out a key the full observation writes (chains, heads, zones, projects, venues)
    from pathlib import Path

    from pipeline.link import _may_name, _observation

    seeds = Path(__file__).parent.parent / "seeds"
    texts = [
        "获嘉县位庄乡下辖24个村。", "辉县市新增企业15家。", "会议在北京召开。",
        "广西壮族自治区南宁市青秀区仙葫经济开发区。", "新乡县经济技术开发区新材料项目总投资5亿元。",
        "小店镇党委排查纠纷51个,中国建设银行河南省分行新乡县市场监管局。", "高新区发展量增长。",
    ]
    for path in sorted(seeds.glob("*.txt")):
        texts += [t for t in path.read_text(encoding="utf-8").split("。") if t]
    for text in texts:
        for key, _name, _weak in _observation(text).writes:
            assert _may_name(text, key), (text, key)


def test_lazy_topic_of_a_run_of_continuing_sentences_matches_eager() -> None:
    # runs cut at ；and ：, a run opened by an anaphor (该市) resolved from the memory, a run
    # reaching back past what an earlier read applied, a sentence that names nothing
    article = [
        "新乡市召开会议。",
        "该市把今年作为攻坚年:",
        "加快547个重点项目建设;",
        "强力推进38个片区整体开发;",
        "推进12个项目。",
        "获嘉县位庄乡下辖24个村;",
        "新增企业120家。",
        "记者了解到,",
        "全年完成投资5亿元;",
        "新增就业3000人。",
    ]
    expected = _eager_reads(article, LinkContext.topic_before)
    for read_every in (1, 2, 3):
        lazy = LinkContext()
        for k, sentence in enumerate(article):
            lazy.observe(sentence)
            if k % read_every == 0:
                assert lazy.topic_before(sentence) == expected[k], (read_every, sentence)
                if k % 2:  # a full read applies the queue: the next runs start past it
                    assert lazy.state_before(sentence) == eager_state_before(article, k)


def eager_state_before(article: list[str], k: int) -> dict[str, str]:
    eager = LinkContext(eager=True)
    for sentence in article[: k + 1]:
        eager.observe(sentence)
    return eager.state_before(article[k])


def test_flat_ints_equal_numpy_tolist():
    """The buffer read of a Doc array gives numpy's own values: uint64 hashes above 2**63,
    a column view (not contiguous), and the fallback for another dtype."""
    import numpy

    from pipeline.link import _flat_ints

    values = numpy.array([[0, 2, 92, 16978132545290669629], [2, 2, 86, 2**64 - 1]], dtype=numpy.uint64)
    for array in (values, values[:, 1:], values.astype(numpy.int64), values[:, :1].astype(numpy.uint32)):
        assert _flat_ints(array) == array.ravel().tolist()
        assert all(type(v) is int for v in _flat_ints(array))


def test_level_of_equals_the_first_suffix_match_in_table_order():
    """_level_of looks suffixes up longest first; the table is read first match first."""
    from pipeline.link import _PLACE_LEVEL_BY_SUFFIX, _level_of, _vocab

    def first_match(name: str) -> str:
        return next((level for suffix, level in _PLACE_LEVEL_BY_SUFFIX if name.endswith(suffix)), "district")

    suffixes = [suffix for suffix, _level in _PLACE_LEVEL_BY_SUFFIX]
    names = list(_vocab().gazetteer) + list(_vocab().place_suffixes) + suffixes
    names += ["", "区", "x", "开发区", "高新区"] + [s[1:] for s in suffixes] + ["新乡" + s for s in suffixes]
    for name in names:
        assert _level_of(name) == first_match(name), name


def _link_test_texts() -> list[str]:
    """Sentences of every kind for the fast-path tests: the seeds' and the cases above."""
    from pathlib import Path

    seeds = Path(__file__).parent.parent / "seeds"
    texts = [t for t, _s, _k, _m in MEASURE_CASES]
    for path in sorted(seeds.glob("*.txt")):
        texts += [t for t in path.read_text(encoding="utf-8").replace("。", "。\n").splitlines() if t]
    return texts


def test_clause_start_equals_the_last_break_before_the_position() -> None:
    from pipeline.link import _CLAUSE_BREAK, _clause_start

    for text in _link_test_texts() + ["", "，", "a,b；c", "\n增长5%"]:
        starts = [0] + [m.end() for m in _CLAUSE_BREAK.finditer(text)]
        for position in range(len(text) + 1):
            expected = max(s for s in starts if s <= position)
            assert _clause_start(text[::-1], position) == expected, (text, position)


def test_change_verb_at_end_equals_the_verb_search() -> None:
    """The last-character gate only rules out phrases the search would not match."""
    from pipeline.link import _change_verb_at_end, _vocab

    vocab = _vocab()
    ends = sorted(vocab.verb_direction) + list(vocab.rate_linked) + ["了", "为", "达到", "是", "x", "同比增长了"]
    phrases = ["", "营业收入", "同比", "比上年", "与去年同期相比"]
    for text in _link_test_texts():
        phrases += [text[:k] for k in range(len(text) + 1)]
    phrases += [p + e for p in ("", "营业收入", "同比", "比上年") for e in ends]
    for phrase in phrases:
        found, expected = _change_verb_at_end(phrase, vocab), vocab.verb_re.search(phrase)
        assert (found and found.span()) == (expected and expected.span()), phrase


def test_updated_equals_model_copy() -> None:
    from pipeline.link import _updated

    text = "项目总投资5.5亿元。"
    original = fig(text, "5.5亿元", "money")
    for update in ({}, {"measure": "总投资", "measure_start": 2}, {"change": True, "direction": "up", "basis": None}):
        copied, expected = _updated(original, update), original.model_copy(update=update)
        assert copied == expected and copied is not original
        assert copied.model_fields_set == expected.model_fields_set
        assert copied.model_fields_set is not original.model_fields_set


def test_quoted_spans_equal_every_match() -> None:
    from pipeline.link import _QUOTED, _quoted_spans

    for text in _link_test_texts() + ["“平安新乡”APP上线", "《报告》和“行动”", "“未闭合", ""]:
        assert _quoted_spans(text) == [m.span() for m in _QUOTED.finditer(text)], text


@pytest.mark.parametrize(("text", "chars", "expected"), [
    ("", "全", False),
    ("全市", "", False),
    ("全市", "全", True),
    ("新乡市", "全该", False),
    ("他说“好”", "“\"「《", True),
    ('a"b', "“\"「《", True),
    ("《报告》", "“\"「《", True),
    ("无引号", "“\"「《", False),
])
def test_holds_any(text: str, chars: str, expected: bool) -> None:
    from pipeline.link import _holds_any

    assert _holds_any(text, chars) is expected


def test_firsts_gate_every_match_of_its_words() -> None:
    """A search gated by _holds_any(text, _firsts(words)) misses no match of the words."""
    from pipeline.link import _QUOTE_OPENERS, _QUOTED, _holds_any, _vocab

    vocab = _vocab()
    texts = _link_test_texts() + ["全国第一", "全球", "行业", "“未闭合", "《报告》"]
    for text in texts:
        if vocab.scope_re.search(text):
            assert _holds_any(text, vocab.scope_firsts), text
        if _QUOTED.search(text):
            assert _holds_any(text, _QUOTE_OPENERS), text


def _possible_last_chars(pattern: str) -> set[str]:
    """The characters a match of ``pattern`` can end with, read off its parse: enough of
    the regex syntax for the basis patterns (literals, groups, alternations, repeats)."""
    from re import _parser  # type: ignore[attr-defined]

    def of_sequence(items: list[Any]) -> tuple[set[str], bool]:  # (last characters, may be empty)
        chars: set[str] = set()
        for op, av in reversed(items):
            more, nullable = of_item(str(op), av)
            chars |= more
            if not nullable:
                return chars, False
        return chars, True

    def of_item(op: str, av: Any) -> tuple[set[str], bool]:
        if op == "LITERAL":
            return {chr(av)}, False
        if op == "IN" and all(str(kind) == "LITERAL" for kind, _c in av):
            return {chr(c) for _kind, c in av}, False  # an alternation of characters (末|底)
        if op == "SUBPATTERN":
            return of_sequence(list(av[3]))
        if op == "BRANCH":
            found = [of_sequence(list(branch)) for branch in av[1]]
            return set().union(*(c for c, _n in found)), any(n for _c, n in found)
        if op in ("MAX_REPEAT", "MIN_REPEAT"):
            chars, nullable = of_sequence(list(av[2]))
            return chars, nullable or av[0] == 0
        raise AssertionError(f"unsupported at a basis pattern's end: {op}")

    chars, nullable = of_sequence(list(_parser.parse(pattern)))
    assert not nullable, pattern
    return chars


def test_basis_last_chars_list_every_ending_of_the_basis_patterns() -> None:
    from pipeline.link import _vocab
    from pipeline.resources import load_toml

    assert _possible_last_chars("(?:与|和)(?:上年|\\d{4}年(?:同期)?)(?:相比|比较)") == {"比", "较"}
    assert _possible_last_chars("比(?:上年|\\d{4}年(?:末|底)?)") == {"年", "末", "底"}
    for pattern in load_toml("change_words.toml")["basis"]["patterns"]:
        assert _possible_last_chars(pattern) <= _vocab().basis_last_chars, pattern


def test_verb_end_chars_gate_the_change_verb_search() -> None:
    from pipeline.link import _change_verb_at_end, _vocab

    vocab = _vocab()
    for text in _link_test_texts():
        for k in range(len(text) + 1):
            if _change_verb_at_end(text[:k], vocab):
                assert text[:k][-1:] in vocab.verb_end_chars, text[:k]
    assert vocab.verb_last_chars | vocab.rate_linked_lasts == vocab.verb_end_chars
