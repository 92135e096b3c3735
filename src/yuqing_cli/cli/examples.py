"""Each command's one-line summary (in the list of commands) and its examples (at the
end of its help page), by the command's path: ``"new"``, ``"line draft"``.

The summaries are written for the list of commands, where the first sentence of a
long help would be cut at an abbreviation ("e.g.", "Art."). The examples are real
command lines: the tests parse every one of them against the command it belongs to.
"""

from __future__ import annotations

from yuqing_cli.i18n import _


def summaries() -> dict[str, str]:
    """Command path -> a summary short enough for an 80-column list of commands."""
    return {
        "demo": _("A guided first run on an exercise incident"),
        "todo": _("What you may do now, overdue first"),
        "mine": _("Same as todo: what you may do now"),
        "due": _("Steps overdue or due soon, for everyone (exit 4)"),
        "new": _("Log a new incident and print its reference"),
        "list": _("List incidents, newest first"),
        "show": _("One incident: details, deadlines, checklist, trail"),
        "checklist": _("The current stage's steps and their state"),
        "done": _("Mark a step done"),
        "waive": _("Skip a step, with a reason (leaders)"),
        "advance": _("Move an incident to its next stage"),
        "grade": _("Re-grade an incident"),
        "assign": _("Designate a per-incident role"),
        "note": _("Add a note to an incident's timeline"),
        "reopen": _("Reopen a closed incident after a flare-up"),
        "assess": _("Record an assessment (研判) of how hot it is"),
        "line": _("The unified line (统一口径): draft, approve, show"),
        "line show": _("Every version of the line and who signed"),
        "line draft": _("Draft a new version of the line"),
        "line approve": _("Sign a version of the line"),
        "statement": _("Public statements: add, retract"),
        "statement add": _("Record a public statement"),
        "statement retract": _("Mark a statement wrong or withdrawn"),
        "handover": _("Record that another body now leads"),
        "edit": _("Correct what was logged about an incident"),
        "void": _("Void an incident logged by mistake or twice"),
        "undo": _("Take back a step done or waived in error"),
        "log": _("The audit trail"),
        "verify": _("Check the audit trail and all built from it"),
        "report": _("The daily report (舆情日报)"),
        "report issue": _("Issue (签发) and number the day's report"),
        "report list": _("The issued reports, by number"),
        "report show": _("Print an issued report again, as issued"),
        "export": _("The ledger (台账) as CSV, JSON or Excel"),
        "import": _("Bring an existing ledger in (补录)"),
        "routine": _("Recurring duties: web patrol, coordination"),
        "routine list": _("Each routine, its last run, whether overdue"),
        "routine done": _("Record one run of a routine"),
        "plan": _("Check, show and adopt the response plan"),
        "plan show": _("Print the plan readably"),
        "plan check": _("Validate a plan file"),
        "plan path": _("Which plan file is in use"),
        "plan adopt": _("Adopt a plan file for this database (leaders)"),
        "plan history": _("Every plan adopted in this database"),
        "db": _("The database: where it is, its schema"),
        "db path": _("Where the data is"),
        "db status": _("The database and its migrations"),
        "db upgrade": _("Bring an older database up to date"),
        "db copy": _("Copy every row and the chain into an empty database"),
        "db setup-roles": _("Grants for writer and reader logins (server)"),
        "people": _("Logins linked to people on a server (leaders)"),
        "people list": _("Each linked login, its person, and who you are"),
        "people link": _("Link a database login to a person"),
        "people unlink": _("Take a login's link away"),
    }


# Command lines as typed (Chinese titles and names, as the office works). Without
# "yq " in front; the help page adds it.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "demo": ("demo",),
    "todo": ("todo", "--as 李丹 todo"),
    "mine": ("mine",),
    "due": ("due", "due --within 30m"),
    "new": (
        "new '网传中心办事拖延' -s 微博 -c 投诉",
        "new '网传矫正对象脱管' -l 重大 -c 谣言 --at '今天 09:40' -u https://weibo.com/1",
    ),
    "list": ("list", "list --all --late", "list --mine"),
    "show": ("show 001", "show YQ-20241123-001 --json"),
    "checklist": ("checklist 001",),
    "done": (
        "done 001 report_leading_group",
        "done 001 向领导小组汇报 --at '今天 09:40' -m '电话报告郭雁'",
    ),
    "waive": ("waive 001 press_conference -r '影响较小，无需发布会'",),
    "advance": ("advance 001",),
    "grade": ("grade 001 较大 -r '转发量超过一万'",),
    "assign": ("assign 001 spokesperson 张江晖",),
    "note": ("note 001 '视频发布者已删帖'",),
    "reopen": ("reopen 001 -r '有新的转发和评论'",),
    "assess": ("assess 001 --reposts 12000 --rank 15 --trend rising",),
    "line": ("line show 001",),
    "line show": ("line show 001",),
    "line draft": (
        "line draft 001 -t '中心已核实，正在依法处理'",
        "line draft 001 --file 口径.txt",
    ),
    "line approve": ("line approve 001", "line approve 001 2"),
    "statement": ("statement add 001 -k 表态 --channel 微博 -t '已关注，正在核实'",),
    "statement add": (
        "statement add 001 -k 表态 --channel 微博 -t '已关注，正在核实'",
        "statement add 001 -k 通报 --body 公安机关 --file 通报.txt",
    ),
    "statement retract": ("statement retract 001 1 -r '数字有误' --replaced-by 2",),
    "handover": ("handover 001 --to 市司法局 -r '上级部门牵头处置'",),
    "edit": ("edit 001 --title '网传中心窗口办事拖延' -r '标题更准确'",),
    "void": ("void 002 -r '重复登记' --duplicate-of 001",),
    "undo": ("undo 001", "undo 001 confirm_facts -r '误点'"),
    "log": ("log", "log 001", "log --since 2024-11-23 --until 2024-11-24"),
    "verify": ("verify",),
    "report": ("report", "report --date 2024-11-23 -f docx -o 日报.docx"),
    "report issue": ("report issue --date 2024-11-23 -f docx -o 日报.docx",),
    "report list": ("report list",),
    "report show": ("report show 3", "report show --date 2024-11-23 -f docx -o 日报.docx"),
    "export": ("export -o 台账.csv", "export -f xlsx -o 台账.xlsx --since 2024-11"),
    "import": (
        "import 台账.xlsx --dry-run",
        "import 旧台账.csv --map '首次回应时间=首次公开回应时间'",
    ),
    "routine": ("routine list", "routine done patrol --zero"),
    "routine list": ("routine list",),
    "routine done": ("routine done patrol -m '发现一条，已登记'", "routine done patrol --zero"),
    "plan": ("plan show", "plan check plan.yaml"),
    "plan show": ("plan show",),
    "plan check": ("plan check plan.yaml",),
    "plan path": ("plan path",),
    "plan adopt": ("--as 郭雁 plan adopt plan.yaml",),
    "plan history": ("plan history",),
    "db": ("db path", "db status"),
    "db path": ("db path",),
    "db status": ("db status",),
    "db upgrade": ("db upgrade",),
    "db copy": ("db copy --to postgresql+psycopg://yq@db.example/yq",),
    "db setup-roles": (
        "db setup-roles --writer guojuntao --writer lidan --reader inspector",
        "db setup-roles --writer guojuntao --apply",
    ),
    "people": ("people list", "people link guojuntao 郭俊涛"),
    "people list": ("people list",),
    "people link": ("people link guojuntao 郭俊涛 -m '新到岗'",),
    "people unlink": ("people unlink guojuntao -m '调离'",),
}
