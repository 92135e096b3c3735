"""A busy day for the daily report (2024-12-02), logged as it happened, with the clock
set to each moment: a rumour handled from detection to closing (step notes, an approved
line signed by two, our statement, a waiver), a staff-error complaint reported late and
assessed twice (the grading aid speaks), a mass incident graded 特别重大 and handed over to
the office, with another body's statement, and a duplicate that was voided."""

from __future__ import annotations

from conftest import DEPUTY, LEADER, LIAISON, MEMBER, Clock, new, ok

DAY = "2024-12-02"
SPOKESPERSON = "秦可娟"
LINE = "经核查，网传视频系2022年外地旧闻，与我区社区矫正工作无关。"
STATEMENT = (
    "【情况通报】近日，有网民发布视频称我区一名社区矫正对象夜间外出无人监管。经核查，"
    "该视频系2022年外地旧闻，当事人当晚在家，电子定位记录完整，与我区社区矫正工作无关。"
    "请广大网民不信谣、不传谣。"
)
OTHER_BODY = "区公安分局"
OTHER_STATEMENT = "区公安分局已到场维持秩序，现场秩序正常。"
NOTES = {
    "trace_source": "首发账号为外地营销号",
    "report_leading_group": "已电话报告郭雁组长，建议发布澄清",
    "approve_handling": "同意澄清，由秦可娟发布",
    "confirm_facts": "当事人当晚在家，电子定位记录完整",
    "contact_media": "已联系微博平台删除原视频",
    "clarify": "已在微博评论区置顶澄清",
    "watch_flareup": "18:00复查，无新增转发",
}
LATE_REASON = "值班人员外出培训，汇报延误"


def _at(clock: Clock, time: str) -> None:
    clock.set(f"{DAY} {time}")


def build(clock: Clock) -> dict[str, str]:
    _at(clock, "07:50")
    ok("routine", "done", "patrol", "--note", "发现2条", user=LIAISON)
    # a: a rumour, handled and closed the same day
    _at(clock, "08:35")
    a = new(
        "网传社区矫正对象夜不归宿无人管",
        level="重大",
        category="rumour",
        at=f"{DAY} 08:30",
        extra=[
            "--source", "微博", "--url", "https://weibo.com/7001/Nabc",
            "--summary", "微博账号发布视频称某矫正对象夜间外出无人监管，转发较多。",
        ],
    )  # fmt: skip
    _at(clock, "09:00")
    ok(
        "assess", a, "--reposts", "12000", "--reads", "800000", "--rank", "35",
        "--sentiment", "负面", "--trend", "rising", "-m", "视频系2022年外地旧闻，已核实为谣言",
        user=MEMBER,
    )  # fmt: skip
    _at(clock, "09:05")
    ok("done", a, "trace_source", "-m", NOTES["trace_source"], user=MEMBER)
    _at(clock, "09:10")
    ok("done", a, "report_leading_group", "-m", NOTES["report_leading_group"], user=LIAISON)
    _at(clock, "09:15")
    ok("advance", a, user=LEADER)
    _at(clock, "09:20")
    ok("assign", a, "spokesperson", SPOKESPERSON, user=LEADER)
    _at(clock, "09:30")
    ok("done", a, "approve_handling", "-m", NOTES["approve_handling"], user=LEADER)
    _at(clock, "09:40")
    ok("advance", a, user=LEADER)
    _at(clock, "10:00")
    ok("done", a, "confirm_facts", "-m", NOTES["confirm_facts"], user=MEMBER)
    _at(clock, "10:10")
    ok("line", "draft", a, "--text", LINE, user=SPOKESPERSON)
    _at(clock, "10:20")
    ok("line", "approve", a, user=LEADER)
    _at(clock, "10:25")
    ok("line", "approve", a, user=DEPUTY)
    _at(clock, "10:40")
    ok(
        "statement", "add", a, "--kind", "权威信息/通报", "--channel", "微博", "--text",
        STATEMENT, "--line", "1", user=SPOKESPERSON,
    )  # fmt: skip
    # b: a complaint about staff, logged at 10:35 (and logged again by mistake: d)
    _at(clock, "10:35")
    b = new(
        "网传矫正中心工作人员态度恶劣",
        level="较大",
        category="staff_error",
        at=f"{DAY} 10:30",
        extra=["--source", "抖音", "--url", "https://www.douyin.com/video/7301"],
    )
    _at(clock, "10:40")
    d = new(
        "网传矫正中心工作人员态度恶劣（重复）",
        level="较大",
        category="staff_error",
        at=f"{DAY} 10:30",
        user=MEMBER,
        extra=["--source", "抖音"],
    )
    _at(clock, "11:00")
    ok("waive", a, "press_conference", "-r", "已发布权威通报，无需召开发布会", user=LEADER)
    ok("void", d, "-r", "重复登记", "--duplicate-of", b, user=LEADER)
    _at(clock, "11:30")
    ok("done", a, "contact_media", "-m", NOTES["contact_media"], user=MEMBER)
    _at(clock, "11:40")
    ok("done", a, "clarify", "-m", NOTES["clarify"], user=SPOKESPERSON)
    _at(clock, "11:50")
    ok("done", a, "notify_units", user=LIAISON)
    _at(clock, "12:00")
    ok("done", b, "report_leading_group", "-m", LATE_REASON, user=LIAISON)
    ok("advance", a, user=LEADER)
    _at(clock, "13:00")
    ok(
        "assess", b, "--reposts", "3000", "--sentiment", "负面", "--trend", "rising",
        "-m", "负面评论集中于服务态度", user=MEMBER,
    )  # fmt: skip
    # c: a gathering, 特别重大, handed over to the office
    _at(clock, "14:05")
    c = new(
        "网传矫正对象家属聚集",
        level="特别重大",
        category="mass_incident",
        at=f"{DAY} 14:00",
        extra=["--source", "微信公众号"],
    )
    _at(clock, "14:20")
    ok("done", c, "assess", "-m", "聚集约20人，情绪激动", user=MEMBER)
    ok("done", c, "trace_source", user=MEMBER)
    _at(clock, "14:30")
    ok("done", c, "report_leading_group", user=LIAISON)
    _at(clock, "14:40")
    ok("advance", c, user=LEADER)
    _at(clock, "14:50")
    ok("done", c, "report_superior", "-m", "已报市司法局", user=LIAISON)
    _at(clock, "15:00")
    ok("done", c, "hand_to_office", user=LEADER)
    _at(clock, "16:00")
    ok(
        "assess", b, "--reposts", "5200", "--sentiment", "负面", "--trend", "rising",
        user=MEMBER,
    )  # fmt: skip
    _at(clock, "16:30")
    ok(
        "statement", "add", c, "--kind", "权威信息/通报", "--body", OTHER_BODY, "--speaker",
        "王警官", "--text", OTHER_STATEMENT, user=LIAISON,
    )  # fmt: skip
    _at(clock, "18:00")
    ok("done", a, "watch_flareup", "-m", NOTES["watch_flareup"], user=MEMBER)
    _at(clock, "18:10")
    ok("done", a, "report_progress", user=LIAISON)
    _at(clock, "18:30")
    ok("advance", a, "-m", "舆情平息", user=LEADER)
    return {"a": a, "b": b, "c": c, "d": d}
