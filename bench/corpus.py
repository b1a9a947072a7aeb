"""Synthetic corpora for the benchmark and the scale tests: the seeds plus generated news.

`write_corpus(folder, scale)` writes `scale` copies of a base set into `folder`:
- each seed article (seeds/*.txt), copy k > 0 with its amounts varied (digits before a
  unit or scale word replaced at random: same layout, other figures);
- GENERATED_PER_SCALE generated articles in one JSONL file per copy: templated Chinese
  news paragraphs with random amounts, units, dates, companies, places, percentages.

Deterministic for a given (scale, seed), so two runs see the same text.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GENERATED_PER_SCALE = 30

PLACES = ["新乡市", "红旗区", "卫辉市", "辉县市", "长垣市", "获嘉县", "原阳县", "延津县", "封丘县", "牧野区",
          "郑州市", "洛阳市", "开封市", "安阳市", "鹤壁市", "焦作市", "濮阳市", "许昌市"]
COMPANIES = ["河南钜盛先导新材料科技有限公司", "新乡化纤股份有限公司", "华兰生物工程股份有限公司", "河南心连心化学工业集团",
             "新乡市瑞丰新材料股份有限公司", "河南科隆集团", "卫华集团有限公司", "河南豫北转向系统有限公司",
             "新乡天力锂能股份有限公司", "河南省中原内配股份有限公司"]
PROJECTS = ["新材料产业园项目", "年产5万吨锂电池正极材料项目", "智能装备制造基地", "现代公铁物流园", "生物医药产业园",
            "高标准农田建设项目", "污水处理厂提标改造工程", "乡村振兴示范区", "5G基站建设工程", "冷链物流中心"]
MEASURES = ["总投资", "计划投资", "完成投资", "营业收入", "利润总额", "税收", "出口额", "固定资产投资", "产值", "销售额"]
AREA_WORDS = ["占地", "建筑面积", "流转土地", "新增绿化面积", "种植面积"]
COUNT_WORDS = [("新增就业岗位", "个"), ("网格员", "名"), ("签约项目", "个"), ("参会企业", "家"), ("受益群众", "人"),
               ("新建5G基站", "座"), ("培训农民", "人次")]
CHANGE_WORDS = [("同比增长", "up"), ("同比下降", "down"), ("较上年增长", "up"), ("环比增长", "up")]
HEDGES = ["", "", "约", "近", "超过", "逾"]
OFFICIALS = ["王海玲", "李明", "张伟", "刘洋", "陈静", "杨帆"]


@dataclass(frozen=True)
class CorpusInfo:
    files: int
    documents: int
    chars: int


def _amount(rng: random.Random) -> str:
    style = rng.random()
    if style < 0.4:
        return f"{rng.randint(1, 999) / 10:g}亿元"
    if style < 0.8:
        return f"{rng.randint(100, 99999)}万元"
    return f"{rng.choice('一二三四五六七八九')}亿{rng.choice(['', '五千万'])}元"


def _day(rng: random.Random, published: date) -> str:
    d = published - timedelta(days=rng.randint(0, 120))
    return rng.choice([f"{d.month}月{d.day}日", f"{d.year}年{d.month}月{d.day}日", "今年以来", "上半年",
                       f"{d.year}年第{rng.randint(1, 4)}季度", "去年同期"])


def _paragraph(rng: random.Random, published: date) -> str:
    place, company, project = rng.choice(PLACES), rng.choice(COMPANIES), rng.choice(PROJECTS)
    measure, hedge = rng.choice(MEASURES), rng.choice(HEDGES)
    area_word = rng.choice(AREA_WORDS)
    count_word, classifier = rng.choice(COUNT_WORDS)
    change_word, _ = rng.choice(CHANGE_WORDS)
    templates = [
        f"{_day(rng, published)},{place}{project}正式开工,该项目由{company}投资建设,{measure}{hedge}{_amount(rng)},"
        f"{area_word}{hedge}{rng.randint(10, 2000)}亩,预计{rng.randint(2025, 2028)}年{rng.randint(1, 12)}月建成投产。",
        f"据{place}统计局数据,{_day(rng, published)}全市{measure}达到{_amount(rng)},{change_word}{rng.randint(1, 300) / 10:g}%,"
        f"增速居全省第{rng.randint(1, 18)}位。",
        f"{company}负责人介绍,项目达产后可实现年{measure}{_amount(rng)},{count_word}{rng.randint(20, 5000)}{classifier},"
        f"带动周边{rng.randint(2, 40)}个村集体经济增收。",
        f"{place}共投入资金{_amount(rng)},完成{area_word}{rng.randint(1, 900) / 10:g}万平方米,"
        f"惠及群众{rng.randint(1, 50)}万余人,群众满意度达{rng.randint(850, 999) / 10:g}%。",
        f"截至{_day(rng, published)},{place}已累计{count_word}{rng.randint(100, 90000)}{classifier},"
        f"比{rng.randint(2019, 2023)}年增加{rng.randint(2, 9)}倍。",
    ]
    figures = rng.sample(templates, k=rng.randint(1, 3))
    # news is mostly prose: about a third of its sentences hold a figure (the seeds: 34%,
    # one fact per 79 characters), so each figure sentence comes with prose around it
    prose = [_prose(rng, place, company, project) for _ in range(3 * len(figures))]
    sentences = figures + prose
    rng.shuffle(sentences)
    return "".join(sentences)


PROSE = [
    "{place}坚持以高质量发展为主线,统筹推进稳增长、促改革、调结构、惠民生、防风险各项工作。",
    "{company}负责人表示,将进一步加大研发力度,提升产品核心竞争力,为地方经济发展贡献力量。",
    "该项目建成后,将有效完善区域产业链条,带动上下游配套企业集聚发展。",
    "会议要求,各级各部门要切实增强责任感和紧迫感,强化要素保障,推动{project}早日投产达效。",
    "{place}有关负责人介绍,下一步将持续优化营商环境,深化“放管服”改革,提升企业和群众办事便利度。",
    "据了解,{project}是{place}重点推进的民生工程,受到群众广泛关注。",
    "走进{company}的生产车间,自动化生产线正在有序运转,工人们忙着检验和包装产品。",
    "近年来,{place}聚焦主导产业,围绕龙头企业精准招商,形成了产业链集聚效应。",
    "“我们将以更大的力度抓项目、促投资,确保完成全年目标任务。”{place}相关负责同志说。",
    "下一步,{place}将继续坚持问题导向,补短板、强弱项,不断提升基层治理能力和水平。",
]


def _prose(rng: random.Random, place: str, company: str, project: str) -> str:
    return rng.choice(PROSE).format(place=place, company=company, project=project)


def generated_article(rng: random.Random, index: int) -> dict[str, str]:
    published = date(2024, 1, 1) + timedelta(days=rng.randint(0, 365))
    place = rng.choice(PLACES)
    title = f"{place}{rng.choice(['扎实推进', '加快建设', '全力冲刺', '稳步推进'])}{rng.choice(PROJECTS)}"
    body = "\n".join(_paragraph(rng, published) for _ in range(rng.randint(3, 8)))
    lead = f"本报讯(记者 {rng.choice(OFFICIALS)}){_day(rng, published)},记者从{place}获悉,"
    return {"id": f"gen-{index:07d}", "title": title, "published": published.isoformat(), "text": lead + body}


_AMOUNT_BEFORE_UNIT = re.compile(r"\d+(?:\.\d+)?(?=[万亿元亩%个家名人吨座倍公千平])")


def vary_seed(text: str, rng: random.Random) -> str:
    """The same article with other amounts: digits before a unit replaced, dates kept."""

    def swap(m: re.Match[str]) -> str:
        return "".join(rng.choice("123456789") if c.isdigit() else c for c in m.group())

    return _AMOUNT_BEFORE_UNIT.sub(swap, text)


def write_corpus(folder: Path, scale: int, *, seed: int = 7, generated_per_scale: int = GENERATED_PER_SCALE) -> CorpusInfo:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    seeds = sorted(SEEDS.glob("*.txt"))
    files = documents = chars = 0
    for copy in range(scale):
        sub = folder / f"c{copy:04d}"
        sub.mkdir(exist_ok=True)
        for path in seeds:
            text = path.read_text(encoding="utf-8")
            text = text if copy == 0 else vary_seed(text, rng)
            (sub / path.name).write_text(text, encoding="utf-8")
            files, documents, chars = files + 1, documents + 1, chars + len(text)
        with (sub / "generated.jsonl").open("w", encoding="utf-8") as out:
            for i in range(generated_per_scale):
                article = generated_article(rng, copy * generated_per_scale + i)
                out.write(json.dumps(article, ensure_ascii=False) + "\n")
                documents, chars = documents + 1, chars + len(article["text"])
        files += 1
    return CorpusInfo(files=files, documents=documents, chars=chars)
