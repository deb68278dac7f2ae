"""A few short made-up plans (invented places and figures) for tests that write indexes: small enough
that a build with the bundled model takes seconds."""

from __future__ import annotations

from pathlib import Path

PLACES = ("青禾县", "石泉区", "白桦县", "云岭区", "临溪县", "松原区", "枫桥县", "海晏区", "柳川县", "金沙区",
          "桃源县", "星湖区")

TEMPLATE = """{place}“十四五”卫生健康发展规划

第一章 发展基础
{place}现有医疗卫生机构{units}家，床位{beds}张。

第二章 主要指标
到2025年，{place}每千人口注册护士数达到{nurses}人，每万人口全科医生数达到{gps}人。

第三章 主要任务
第一节 基层能力
新建社区卫生服务站{stations}个，由{place}卫生健康局牵头，{place}财政局、{place}医疗保障局配合。
第二节 应急救治
建设急救站点{posts}个，由{place}应急管理局负责。
"""


def plan_text(n: int) -> str:
    """Plan number n: its own place and figures, so answers can be traced to one plan."""
    place = PLACES[n % len(PLACES)] if n < len(PLACES) else f"第{n}{PLACES[n % len(PLACES)]}"
    return TEMPLATE.format(place=place, units=40 + n, beds=300 + 7 * n, nurses=f"{3 + n / 100:.2f}",
                           gps=f"{2 + n / 50:.1f}", stations=5 + n, posts=2 + n % 5)


def write_plans(folder: Path, numbers, stem: str = "plan") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for n in numbers:
        path = folder / f"{stem}-{n:02d}.txt"
        path.write_text(plan_text(n), encoding="utf-8")
        out.append(path)
    return out


def build_tiny(index_dir: Path, corpus: Path, numbers=range(3)) -> None:
    from assistant.build import build_index
    from assistant.settings import Settings

    write_plans(corpus, numbers)
    build_index(Settings(index_dir=index_dir, corpus_dir=corpus), log=lambda m: None)
