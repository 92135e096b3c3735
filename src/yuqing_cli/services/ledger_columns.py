"""The ledger's columns (台账): each field with its Chinese header and the other names
offices give it, in the order the ledger writes them. ``yq export`` writes them and
``yq import`` reads a ledger back by the same names (or English ones)."""

from __future__ import annotations

from dataclasses import dataclass

from yuqing_cli.plan.schema import Plan

# -- the columns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of the ledger: the field it holds, its Chinese header, and the other
    names ``yq import`` knows it by. ``computed`` columns are derived by yq and not read
    back."""

    field: str
    header: str
    aliases: tuple[str, ...] = ()
    computed: bool = False
    time: bool = False


# The columns before and after the milestones (each milestone adds 时间, 用时, 结论). The
# aliases are the headers offices use for the same thing.
HEAD = (
    Column("seq", "序号", ("no", "no.", "#", "number", "编码序号"), computed=True),
    Column("ref", "编号", ("ref", "reference", "id", "舆情编号")),
    Column("first_seen", "首发时间", ("first_seen", "first seen", "首发", "发布时间"), time=True),
    Column(
        "detected",
        "发现时间",
        ("detected", "detected_at", "detection", "time", "日期", "时间", "发现日期", "监测时间"),
        time=True,
    ),
    Column(
        "platform",
        "平台",
        ("platform", "source", "来源", "来源/平台", "来源平台", "发布平台", "媒体", "载体"),
    ),
    Column("title", "标题", ("title", "舆情标题", "事件名称", "舆情事件", "主题")),
    Column("url", "链接", ("url", "link", "网址", "原文链接", "链接地址")),
    Column("summary", "摘要", ("summary", "内容摘要", "内容", "舆情内容", "主要内容", "舆情摘要")),
    Column("categories", "类别", ("category", "categories", "类型", "舆情类别", "舆情类型")),
    Column("level", "级别", ("level", "等级", "舆情级别", "舆情等级")),
    Column("gradings", "定级经过", ("gradings", "grading history")),
    Column("sentiment", "倾向", ("sentiment", "倾向性", "情感倾向")),
    Column(
        "disposal",
        "处置情况",
        ("disposal", "handling", "处置", "notes", "处理结果", "处置结果", "处理情况", "处置措施"),
    ),
    Column(
        "responsible",
        "责任人",
        ("responsible", "责任人/发言人", "处置人", "负责人", "经办人", "承办人", "发言人"),
    ),
)
TAIL = (
    Column("clock", "计时起点", ("clock",), computed=True),
    Column("overdue", "是否超时", ("overdue",), computed=True),
    Column("first_response_kind", "首次回应形式", ("first_response_kind", "回应形式")),
    Column("statements", "发布次数", ("statements",)),
    Column("heat", "最新热度", ("heat", "热度")),
    Column("lead", "牵头单位", ("lead", "牵头部门")),
    Column("first_closed", "首次办结时间", ("first_closed",), time=True),
    Column("closed", "办结时间", ("closed", "closed_at", "办结日期", "完成时间"), time=True),
    Column("is_closed", "是否办结", ("is_closed", "办结", "办结情况")),
    Column("stage", "当前阶段", ("stage", "阶段")),
    Column("waves", "波次", ("waves", "wave")),
    Column("reporter", "报告人", ("reporter", "填报人", "发现人")),
    Column("exercise", "演练", ("exercise",)),
    Column("imported", "补录", ("imported", "late_entry"), computed=True),
    Column("recorded", "录入时间", ("recorded",), computed=True, time=True),
    Column("voided", "作废", ("voided",)),
    Column("void_reason", "作废原因", ("void_reason",)),
    Column("duplicate_of", "重复于", ("duplicate_of",)),
)


def milestone_columns(plan: Plan) -> tuple[Column, ...]:
    """The three columns of each of the plan's milestones: its time, the time it took
    from detection, and the verdict of its deadline."""
    out: list[Column] = []
    for m in plan.milestones:
        names = tuple(x for x in (m.id, m.name_en) if x)
        out += [
            Column(f"milestone:{m.id}", f"{m.name}时间", (*names, m.name), time=True),
            Column(f"elapsed:{m.id}", f"{m.name}用时", computed=True),
            Column(f"verdict:{m.id}", f"{m.name}结论", computed=True),
        ]
    return tuple(out)


def columns(plan: Plan) -> tuple[Column, ...]:
    return HEAD + milestone_columns(plan) + TAIL


def zone_name(tz: str) -> str:
    """The zone as the office says it: 北京时间 for China's zone, else its IANA name."""
    return "北京时间" if tz in ("Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC") else tz
