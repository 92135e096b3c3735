"""The plan's fixed vocabulary: the actions a permission grants, what an assessment
measures, where a deadline starts — and the kinds of thing a value of the plan names
(:class:`~yuqing_cli.plan.fields.Ref`), with the checks of single values the models'
declarations use (:mod:`yuqing_cli.plan.schema`)."""

from yuqing_cli.i18n import _
from yuqing_cli.plan.fields import Ref

SUPPORTED_FORMAT = 1

# Actions other than completing a step; the plan's `permissions` grant them. An action
# a plan does not list falls back to the roles of another (FALLBACK), so plans written
# before the action existed keep working; `yq plan check` warns about it.
ACTIONS = (
    "new", "note", "advance", "close", "waive", "grade", "assign", "reopen", "adopt", "edit",
    "void", "undo", "assess", "draft_line", "statement", "retract", "handover", "people",
)  # fmt: skip
FALLBACK = {
    "adopt": "close",
    "edit": "new",
    "void": "waive",
    "undo": "waive",
    "assess": "note",
    "draft_line": "note",
    "statement": "note",
    "retract": "waive",
    "handover": "waive",
    "people": "adopt",
}
# What an assessment (研判) may measure; `rank` (a hot-search rank) counts down.
METRICS = ("reads", "reposts", "comments", "likes")
TRENDS = ("rising", "steady", "falling")

# Where a deadline starts, besides a milestone of the plan (e.g. `reported`).
ORIGINS = ("detected", "stage", "wave", "graded")

# -- what a value may name ----------------------------------------------------------------

ARTICLE = Ref("article", lambda: _("article"))
PRINCIPLE = Ref("principle", lambda: _("principle"))
DUTY = Ref("duty", lambda: _("duty"))
ROLE = Ref("role", lambda: _("role"))
PERSON = Ref("person", lambda: _("person"))
PERMISSION = Ref("permission", lambda: _("permission for action"))
LEVEL = Ref("level", lambda: _("level"))
CATEGORY = Ref("category", lambda: _("category"))
SENTIMENT = Ref("sentiment", lambda: _("sentiment"))
MILESTONE = Ref("milestone", lambda: _("milestone"))
STAGE = Ref("stage", lambda: _("stage"))
STEP = Ref("step", lambda: _("step"))
ROUTINE = Ref("routine", lambda: _("routine"))
RULE = Ref("rule", lambda: _("assessment rule"))
KIND = Ref("statement kind", lambda: _("statement kind"))
ACTION = Ref("action", lambda: _("action"), fixed=ACTIONS)
TREND = Ref("trend", lambda: _("trend"), fixed=TRENDS)
ORIGIN = Ref("origin", lambda: _("origin"), fixed=ORIGINS, also=MILESTONE)

# -- checks of single values (checks across items are the loader's) -----------------------


def supported_format(value: int) -> tuple[str, str] | None:
    if value == SUPPORTED_FORMAT:
        return None
    return (
        _("plan format {fmt!r} is not supported").format(fmt=value),
        _("this version of yq reads format {SUPPORTED_FORMAT}").format(
            SUPPORTED_FORMAT=SUPPORTED_FORMAT
        ),
    )


def time_zone(value: str) -> tuple[str, str] | None:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(value)
    except (ValueError, LookupError, OSError):
        return (
            _("unknown time zone {tz!r}").format(tz=value),
            _("use an IANA name such as Asia/Shanghai"),
        )
    return None


def letters_and_digits(value: str) -> tuple[str, str] | None:
    if value.isascii() and value.isalnum():
        return None
    return _("reference_prefix {prefix!r} must be letters and digits").format(prefix=value), ""


def compact(name: str) -> str:
    return "".join(name.split())  # "郭  雁" and "郭雁" are the same person
