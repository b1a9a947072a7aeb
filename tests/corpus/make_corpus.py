"""Writes the ingest test corpus into this folder (or the folder given as argument).

Same Chinese news text in every encoding ingest must read, plus the bad inputs it must
report instead of raising. Run from the repository root:

    .venv/bin/python tests/corpus/make_corpus.py

The files are committed; tests/test_ingest.py checks this script still writes them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# A short newspaper page: masthead, headline, dateline, figures.
NEWS = """新乡日报

2024年3月8日 星期五

我市一季度经济运行稳中向好

本报讯(记者 张明)今年一季度,全市地区生产总值完成812.6亿元,同比增长5.8%。规模以上工业增加值增长7.2%,固定资产投资增长11.3%。

全市新增城镇就业1.2万人,城镇调查失业率为5.1%。社会消费品零售总额达到356亿元,较上年同期增长6.4%。

一季度,全市粮食播种面积稳定在530万亩以上,小麦长势良好。进出口总额完成48.7亿元,其中出口32.1亿元。
"""

# The same text in Traditional characters (what a Big5 source would hold). Written out,
# not converted at run time, so the corpus does not depend on OpenCC.
NEWS_TRADITIONAL = """新鄉日報

2024年3月8日 星期五

我市一季度經濟運行穩中向好

本報訊(記者 張明)今年一季度,全市地區生產總值完成812.6億元,同比增長5.8%。規模以上工業增加值增長7.2%,固定資產投資增長11.3%。

全市新增城鎮就業1.2萬人,城鎮調查失業率為5.1%。社會消費品零售總額達到356億元,較上年同期增長6.4%。

一季度,全市糧食播種面積穩定在530萬畝以上,小麥長勢良好。進出口總額完成48.7億元,其中出口32.1億元。
"""

HTML = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>我市一季度经济运行稳中向好 - 新乡日报网</title>
<meta property="og:title" content="我市一季度经济运行稳中向好">
<meta name="publishdate" content="2024-03-08">
<style>p { margin: 0 }</style>
<script>var views = 12345; document.write("广告 999 元");</script>
</head>
<body>
<header><nav><a href="/">首页</a> | <a href="/news">新闻</a> | 今日天气 18℃</nav></header>
<article>
<h1>我市一季度经济运行稳中向好</h1>
<p>本报讯(记者 张明)今年一季度,全市地区生产总值完成<b>812.6亿元</b>,
同比增长5.8%。</p>
<p>全市新增城镇就业1.2万人,城镇调查失业率为5.1%。</p>
<!-- 编辑: 李四 -->
<p>进出口总额完成48.7亿元,其中出口32.1亿元。<br>小麦长势良好。</p>
</article>
<footer>版权所有 2024 新乡日报社 备案号 12345678</footer>
</body>
</html>
"""

JSONL_LINES = [
    json.dumps({"id": "j1", "text": "今年一季度,全市地区生产总值完成812.6亿元,同比增长5.8%。",
                "title": "一季度经济", "published": "2024-04-20"}, ensure_ascii=False),
    json.dumps({"id": "j2", "text": "全市新增城镇就业1.2万人。", "source": "wire:42"}, ensure_ascii=False),
    '{"id": "j3", "text": "进出口总额完成48.7亿元', # malformed: cut short
    json.dumps({"id": "j4", "title": "没有正文"}, ensure_ascii=False),  # no text
    json.dumps({"text": "没有编号的文档,增长3%。"}, ensure_ascii=False),  # no id
    json.dumps({"id": "j1", "text": "重复的编号,金额5万元。"}, ensure_ascii=False),  # duplicate id
    json.dumps({"id": "j7", "text": "日期不对,面积30亩。", "published": "上周三"}, ensure_ascii=False),
    "",  # blank lines are skipped, not errors
    json.dumps({"id": "j8", "text": "2024年5月6日 星期一\n粮食播种面积530万亩。"}, ensure_ascii=False),
    "[1, 2, 3]",
]


def files() -> dict[str, bytes]:
    utf8 = NEWS.encode("utf-8")
    return {
        "news_utf8.txt": utf8,
        "news_utf8_bom.txt": b"\xef\xbb\xbf" + utf8,
        "news_utf16.txt": NEWS.encode("utf-16"),  # with BOM, machine order
        "news_utf16be.txt": b"\xfe\xff" + NEWS.encode("utf-16-be"),
        "news_gbk.txt": NEWS.encode("gbk"),
        "news_big5.txt": NEWS_TRADITIONAL.encode("big5"),
        "page.html": HTML.encode("utf-8"),
        "page_gbk.htm": HTML.replace('charset="utf-8"', 'charset="gbk"').encode("gbk"),
        "docs.jsonl": ("\n".join(JSONL_LINES) + "\n").encode("utf-8"),
        "empty.txt": b"",
        "blank.txt": b" \n\n\t\n",
        # a PNG header and bytes that are no text in any encoding
        "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
        # cut inside the last character: "...32.1亿" with 元's 3 bytes halved
        "truncated.txt": utf8[: utf8.rindex("元".encode("utf-8")) + 2],
        # valid UTF-8 with a stray byte on line 7
        "damaged.txt": utf8.replace("城镇就业".encode("utf-8"), "城镇".encode("utf-8") + b"\xff\xfe" + "就业".encode("utf-8"), 1),
    }


def main(folder: Path = HERE) -> None:
    for name, data in files().items():
        (folder / name).write_bytes(data)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
