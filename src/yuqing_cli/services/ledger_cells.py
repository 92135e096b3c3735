"""The cells of a ledger file read as yq's fields, for ``yq import``.

- :func:`find_header`: the header row, below any title rows (a merged title cell, a
  subtitle with the period): the first row that names at least two known columns.
- :func:`map_columns`: which field each column fills, by its header (the ledger's own,
  the variants offices use, English names) or as ``--map`` says.
- :func:`skip_reason`: totals, notes and signature rows (合计, 小计, 填表人, 审核人, 备注…),
  skipped and listed rather than read as incidents.
- :class:`RowReader`: one row into a :class:`Row`, every problem named by row and
  column, and every interpretation of a cell (an Excel serial date, ``12.10``, a level
  synonym, a name off the roster…) recorded so the dry run can list it.

Times that are text go through :func:`yuqing_cli.when.parse_when`; only what is
particular to spreadsheets is read here: date cells, Excel serial numbers, ``12.10``
and a year missing from a date (the file's year: ``--year``, or the year its title
row names).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from yuqing_cli.errors import YqError
from yuqing_cli.i18n import _
from yuqing_cli.plan.schema import Plan
from yuqing_cli.services.context import Reading
from yuqing_cli.services.incidents import (
    MAX_SHORT,
    MAX_TEXT,
    MAX_TITLE,
    clean_text,
    resolve_categories,
)
from yuqing_cli.services.ledger import Column, columns
from yuqing_cli.services.ledger_sheet import excel_serial
from yuqing_cli.timeutil import local, zone
from yuqing_cli.when import Anchor, When, parse_when

# Columns an office's ledger has that yq's does not write: read as notes.
EXTRA = (Column("remark", "备注", ("remark", "remarks", "说明", "附注")),)
HEADER_SCAN = 20  # rows searched for the header


@dataclass(frozen=True)
class Problem:
    row: int  # as a spreadsheet numbers it; 0: the whole file
    column: str  # the file's header, or "" for the row or the file
    message: str


# -- the header ----------------------------------------------------------------------------


def key(text: str) -> str:
    """A header as compared: NFKC, no spaces, no note in brackets, lower case."""
    value = unicodedata.normalize("NFKC", text)
    value = re.sub(r"[(\[（【].*?[)\]）】]", "", value)
    return re.sub(r"\s+", "", value).lower()


def known_headers(plan: Plan) -> dict[str, Column]:
    by_key: dict[str, Column] = {}
    for column in (*columns(plan), *EXTRA):
        for name in (column.header, column.field, *column.aliases):
            by_key.setdefault(key(name), column)
    return by_key


def _as_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def find_header(plan: Plan, rows: Sequence[tuple[int, list[Any]]]) -> int | None:
    """The index in ``rows`` of the header: the first row naming two known columns."""
    known = known_headers(plan)
    for index, (_n, cells) in enumerate(rows[:HEADER_SCAN]):
        found = {known[k].field for c in cells if (k := key(_as_text(c))) in known}
        if len(found) >= 2:
            return index
    return None


_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


def year_in(texts: Sequence[str]) -> int | None:
    """The year a title row names (``2024年舆情台账``), if one names exactly one."""
    years = {int(m) for t in texts for m in _YEAR.findall(t)}
    return years.pop() if len(years) == 1 else None


def map_columns(
    headers: Sequence[str], plan: Plan, overrides: Sequence[str]
) -> tuple[dict[int, Column], list[str], list[Problem]]:
    """Which field each column of the file fills: by its header, Chinese or English,
    or as ``--map 'Header=field'`` says. Returns the mapping by column index, the
    headers left out, and problems (a missing required column, a bad --map)."""
    known = (*columns(plan), *EXTRA)
    by_key = known_headers(plan)
    fields = {c.field: c for c in known}
    problems: list[Problem] = []
    forced: dict[str, Column | None] = {}
    for item in overrides:
        header, sep, target = item.partition("=")
        if not sep or not header.strip():
            problems.append(
                Problem(0, "", _("--map {item!r} is not HEADER=FIELD").format(item=item))
            )
            continue
        name = target.strip()
        if name in ("", "-", "ignore", "忽略"):
            forced[key(header)] = None
            continue
        chosen = fields.get(name) or by_key.get(key(name))
        if chosen is None or chosen.computed:
            problems.append(
                Problem(
                    0,
                    header.strip(),
                    _("--map: unknown field {field!r}; fields: {fields}").format(
                        field=name,
                        fields=", ".join(c.field for c in known if not c.computed),
                    ),
                )
            )
            continue
        forced[key(header)] = chosen
    present = {key(h) for h in headers}
    for header in forced:
        if header not in present:
            problems.append(Problem(0, header, _("--map names a column the file does not have")))
    mapping: dict[int, Column] = {}
    ignored: list[str] = []
    taken: dict[str, str] = {}
    for index, header in enumerate(headers):
        k = key(header)
        if not k:
            continue
        found = forced[k] if k in forced else by_key.get(k)
        if found is None or found.computed:
            ignored.append(header)
            continue
        if found.field in taken:
            problems.append(
                Problem(
                    0,
                    header,
                    _("this column and {other!r} both hold {field}").format(
                        other=taken[found.field], field=found.header
                    ),
                )
            )
            continue
        taken[found.field] = header
        mapping[index] = found
    for required in ("title", "detected"):
        if required not in taken:
            problems.append(
                Problem(
                    0,
                    fields[required].header,
                    _("no column holds the {field}: name one with --map 'HEADER={name}'").format(
                        field=fields[required].header, name=required
                    ),
                )
            )
    return mapping, ignored, problems


# Rows that close or annotate a ledger: totals, notes, signatures.
_SKIP = (
    "合计", "小计", "总计", "共计", "累计", "填表人", "填报人", "制表人", "制表", "审核人", "审核",
    "审批人", "负责人签字", "签字", "签发", "备注", "注：", "注:", "说明", "填表日期", "填报日期",
    "报送单位", "填报单位",
)  # fmt: skip


def skip_reason(cells: Sequence[Any]) -> str | None:
    """Why a row is no incident (its first text, e.g. ``合计：11条``), or None."""
    for cell in cells:
        text = re.sub(r"\s+", "", _as_text(cell))
        if not text:
            continue
        if text.startswith(_SKIP):
            return text[:40]
        return None
    return None


# -- rows ----------------------------------------------------------------------------------

_YES = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "已办结", "办结", "已", "x", "已完成", "完成"}
_NO = {"否", "n", "no", "false", "0", "×", "✗", "未办结", "未", "", "—", "-", "未完成", "处置中"}
_NAMES = re.compile(r"[、,，;；/\s]+")


@dataclass(slots=True)
class Row:
    """One row of the file, read and checked."""

    number: int
    title: str = ""
    ref: str = ""
    detected: When | None = None
    first_seen: When | None = None
    platform: str = ""
    url: str | None = None
    summary: str = ""
    categories: tuple[str, ...] = ()
    level: str = ""
    gradings: tuple[tuple[When, str], ...] = ()  # (since, level id), oldest first
    sentiment: str = ""
    disposal: str = ""
    remark: str = ""
    responsible: tuple[str, ...] = ()  # as the file names them (on the roster or not)
    milestones: dict[str, When] = field(default_factory=dict)
    first_closed: When | None = None
    closed: When | None = None
    is_closed: bool | None = None
    stage: str = ""  # a stage id
    waves: int = 1
    reporter: str = ""
    exercise: bool = False
    voided: bool = False
    void_reason: str = ""
    duplicate_of: str = ""
    carried: dict[str, Any] = field(default_factory=dict)  # statements, heat, lead…

    @property
    def is_open(self) -> bool:
        return self.closed is None and not self.is_closed and not self.voided


class _Bad(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


@dataclass
class Interpretation:
    """One kind of reading of the file's cells, in one column: counted, with examples."""

    column: str
    message: str  # e.g. "an Excel serial date"
    count: int = 0
    examples: list[tuple[int, str, str]] = field(default_factory=list)  # row, as written, read


EXAMPLES = 5
_MONTH_DAY = re.compile(r"^(\d{1,2})[.](\d{1,2})(?=$|\s)")
_YEARLESS = re.compile(
    r"^(\d{1,2})\s*(?:[-/]|月)\s*(\d{1,2})\s*[日号]?(?=$|\s|[0-9上下中晚凌早深白傍夜])"
)
_SERIAL_RANGE = (32874, 73051)  # 1990-01-01 … 2099-12-31 in Excel's days


class RowReader:
    """Reads rows of the file into :class:`Row` against the plan, collecting problems
    and interpretations."""

    def __init__(
        self,
        r: Reading,
        mapping: dict[int, Column],
        headers: Sequence[str],
        year: int | None,
    ) -> None:
        self.plan = r.plan
        self.rules = r.time_rules()
        self.now = r.now
        self.tz = r.tz
        self.mapping = sorted(mapping.items())
        self.headers = headers
        self.year = year
        self.problems: list[Problem] = []
        self.read_as: dict[tuple[str, str], Interpretation] = {}
        self.stages = {s.id: s for s in r.plan.stages}
        self._cache: dict[tuple[str, str], Any] = {}  # (field, text) -> a value read once

    # -- interpretations -----------------------------------------------------------------

    def noted(self, number: int, header: str, message: str, written: str, read: str) -> None:
        found = self.read_as.get((header, message))
        if found is None:
            found = self.read_as[(header, message)] = Interpretation(header, message)
        found.count += 1
        if len(found.examples) < EXAMPLES:
            found.examples.append((number, written, read))

    # -- a row ---------------------------------------------------------------------------

    def read(self, number: int, values: Sequence[Any]) -> Row | None:
        row = Row(number)
        before = len(self.problems)
        cells = [
            (column.field, self.headers[i], values[i] if i < len(values) else None)
            for i, column in self.mapping
        ]
        if all(_blank(v) for _f, _h, v in cells):
            return None  # an empty line
        cells.sort(key=lambda c: (c[0] not in ("detected", "title", "level"), 0))
        for name, header, value in cells:
            try:
                self._set(row, name, header, value)
            except _Bad as bad:
                self.problems.append(Problem(number, header, bad.message))
            except YqError as exc:
                self.problems.append(Problem(number, header, exc.message))
        self._check_order(row, {name: h for name, h, _v in cells})
        return row if len(self.problems) == before else None

    def _set(self, row: Row, name: str, header: str, value: Any) -> None:  # noqa: C901
        text = _text(value)
        n = row.number
        if name == "title":
            if not text:
                raise _Bad(_("the title is empty"))
            row.title = self._clean(n, header, text, _("title"), MAX_TITLE)
        elif name == "ref":
            row.ref = text.upper()
        elif name == "detected":
            if not text and value is None:
                raise _Bad(_("no time of detection"))
            when = self.when(n, header, value, floor=None)
            if when.precision == "unknown":
                raise _Bad(_("the time of detection cannot be unknown"))
            row.detected = when
        elif name in ("first_seen", "closed", "first_closed") or name.startswith("milestone:"):
            if text or isinstance(value, datetime | date):
                floor = None if name == "first_seen" else _lo(row.detected)
                when = self.when(n, header, value, floor=floor, anchor=row.detected)
                if name.startswith("milestone:"):
                    row.milestones[name.split(":", 1)[1]] = when
                else:
                    setattr(row, name, when)
        elif name == "platform":
            row.platform = self._clean(n, header, text, _("platform"), MAX_SHORT)
        elif name == "url":
            row.url = clean_text(text, _("URL"), limit=MAX_SHORT) or None
        elif name == "summary":
            row.summary = self._clean(n, header, text, _("summary"), MAX_TEXT)
        elif name == "categories":
            if text:
                row.categories = self._lookup(n, header, "categories", text)
        elif name == "level":
            if text:
                row.level = self._lookup(n, header, "level", text)
        elif name == "gradings":
            if text:
                row.gradings = self._gradings(row, text)
        elif name == "sentiment":
            if text:
                row.sentiment = self._lookup(n, header, "sentiment", text)
        elif name == "disposal":
            row.disposal = clean_text(text, _("note"), limit=MAX_TEXT)
        elif name == "remark":
            row.remark = clean_text(text, _("note"), limit=MAX_TEXT)
        elif name == "responsible":
            self._responsible(row, header, text)
        elif name == "is_closed":
            row.is_closed = self._flag(n, header, text)
        elif name == "stage":
            if text:
                row.stage = self._stage(text)
        elif name == "waves":
            if text:
                row.waves = _count(text, _("waves"), minimum=1)
        elif name == "reporter":
            row.reporter = clean_text(text, _("reporter"), limit=MAX_SHORT)
        elif name == "exercise":
            row.exercise = bool(self._flag(n, header, text))
        elif name == "voided":
            row.voided = bool(self._flag(n, header, text))
        elif name == "void_reason":
            row.void_reason = clean_text(text, _("reason"), limit=MAX_TEXT)
        elif name == "duplicate_of":
            row.duplicate_of = text.upper()
        elif name == "statements":
            if text:
                row.carried["statements"] = _count(text, _("statements"), minimum=0)
        elif name in ("first_response_kind", "heat", "lead"):
            if text:
                row.carried[name] = clean_text(text, name, limit=MAX_SHORT)

    def _clean(self, n: int, header: str, text: str, what: str, limit: int) -> str:
        cleaned = clean_text(text, what, limit=limit)
        return cleaned

    def _lookup(self, n: int, header: str, what: str, text: str) -> Any:
        """A level, categories or sentiment by the plan's names; a synonym is noted."""
        cache_key = (what, text)
        if cache_key in self._cache:
            found, shown = self._cache[cache_key]
        else:
            plan = self.plan
            if what == "level":
                level = plan.level(_strip_suffix(text, "舆情"))
                found, shown = level.id, level.name
            elif what == "sentiment":
                sentiment = plan.sentiment(text)
                found, shown = sentiment.id, sentiment.name
            else:
                found = resolve_categories(plan, (text,))
                shown = "、".join(plan.category(c).name for c in found)
            self._cache[cache_key] = (found, shown)
        if shown != text:
            self.noted(n, header, _("read as the plan's name"), text, shown)
        return found

    def _stage(self, text: str) -> str:
        for stage in self.plan.stages:
            if text in (stage.id, stage.name, stage.name_en):
                return stage.id
        raise _Bad(
            _("{value!r} is no stage of the plan; stages: {stages}").format(
                value=text, stages="、".join(s.name for s in self.plan.stages)
            )
        )

    def _gradings(self, row: Row, text: str) -> tuple[tuple[When, str], ...]:
        """定级经过 as ``yq export`` writes it: ``2024-11-23 10:00 重大；2024-11-23 16:00
        特别重大`` (categories in brackets are left to 类别)."""
        out = []
        for part in re.split(r"[；;]", text):
            part = re.sub(r"[（(].*?[)）]", "", part).strip()
            if not part:
                continue
            when_text, _sep, level = part.rpartition(" ")
            if not when_text:
                raise _Bad(_("{value!r} is not “time level”").format(value=part))
            when = self.when(row.number, "", when_text, floor=None)
            out.append((when, self.plan.level(level).id))
        return tuple(out)

    def _responsible(self, row: Row, header: str, text: str) -> None:
        names = tuple(dict.fromkeys(n for n in _NAMES.split(text) if n))
        for name in names:
            if self.plan.roles_of_person(name) is None:
                self.noted(
                    row.number,
                    header,
                    _("not on the roster: kept as an external person"),
                    text,
                    name,
                )
        if len(names) > 1:
            self.noted(row.number, header, _("several people"), text, "、".join(names))
        row.responsible = names

    def _flag(self, n: int, header: str, text: str) -> bool | None:
        value = unicodedata.normalize("NFKC", text).strip().lower()
        if value in _YES:
            if text not in ("是",):
                self.noted(n, header, _("read as 是"), text, "是")
            return True
        if value in _NO:
            if text not in ("否", ""):
                self.noted(n, header, _("read as 否"), text, "否")
            return False if value else None
        raise _Bad(_("{value!r} is neither 是 nor 否").format(value=text))

    # -- times ---------------------------------------------------------------------------

    def when(
        self,
        n: int,
        header: str,
        value: Any,
        *,
        floor: datetime | None,
        anchor: When | None = None,
    ) -> When:
        """A time from a cell: a date cell, an Excel serial number, ``12.10``, a date
        without its year, or text as people write it (:func:`parse_when`)."""
        if isinstance(value, datetime):
            at = value.replace(tzinfo=zone(self.tz)) if value.tzinfo is None else value
            return When.exact(at.astimezone(zone("UTC")))
        if isinstance(value, date):
            return parse_when(value.isoformat(), self.rules, now=self.now, floor=floor)
        if isinstance(value, int | float) and not isinstance(value, bool):
            if _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
                read = excel_serial(value)
                self.noted(n, header, _("an Excel serial date"), _number(value), _shown(read))
                return self.when(n, header, read, floor=floor)
            if isinstance(value, float) and 1 <= value < 13:
                raise _Bad(
                    _("{value} may be a date (month.day) but its day is ambiguous").format(
                        value=value
                    )
                )
            raise _Bad(_("{value} is a number, not a time").format(value=value))
        text = _text(value)
        if re.fullmatch(r"\d{5}(?:\.\d+)?", text):
            number = float(text)
            if _SERIAL_RANGE[0] <= number <= _SERIAL_RANGE[1]:
                read = excel_serial(number)
                self.noted(n, header, _("an Excel serial date"), text, _shown(read))
                return self.when(n, header, read, floor=floor)
        written = text
        text = self._with_year(n, header, text, anchor)
        when = parse_when(
            text, self.rules, now=self.now, floor=floor, anchor=self._anchor(anchor)
        )
        if text != written:
            from yuqing_cli.when import show_when

            self.noted(
                n,
                header,
                _("a date without its year"),
                written,
                show_when(when, self.tz, chinese=True),
            )
        return when

    def _anchor(self, detected: When | None) -> Anchor:
        """What a cell's 当日, 次日 or year-less date is read against: the row's detection
        (for its other cells), and the file's year."""
        start = local(detected.lo, self.tz).date() if detected is not None else None
        return Anchor(start=start, year=self.year)

    def _with_year(self, n: int, header: str, text: str, anchor: When | None) -> str:
        """``12.10``, ``12-10``, ``12月10日`` with the file's year (or, for a time after
        detection, the year that puts it on or after the detection's day)."""
        value = unicodedata.normalize("NFKC", text).strip()
        m = _MONTH_DAY.match(value) or _YEARLESS.match(value)
        if m is None:
            return text
        month, day = int(m[1]), int(m[2])
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return text
        year = self.year
        if anchor is not None:
            start = local(anchor.lo, self.tz).date()
            year = start.year
            try:
                if date(year, month, day) < start:
                    year += 1
            except ValueError:
                return text
        if year is None:
            raise _Bad(
                _("{value!r} has no year: give the file's year with --year").format(value=text)
            )
        return f"{year}-{month:02d}-{day:02d}{value[m.end() :]}"

    def _check_order(self, row: Row, header: dict[str, str]) -> None:
        detected = row.detected
        if detected is None:
            return
        if row.first_seen is not None and row.first_seen.lo > detected.hi:
            self.problems.append(
                Problem(
                    row.number, header.get("first_seen", ""), _("first seen after it was detected")
                )
            )
        for milestone, when in row.milestones.items():
            if when.hi < detected.lo:
                self.problems.append(
                    Problem(
                        row.number,
                        header.get(f"milestone:{milestone}", ""),
                        _("before the time of detection"),
                    )
                )
        if row.closed is not None:
            latest = max([detected.lo, *(w.lo for w in row.milestones.values())])
            if row.closed.hi < latest:
                self.problems.append(
                    Problem(
                        row.number,
                        header.get("closed", ""),
                        _("closed before it was detected or before a time it lists"),
                    )
                )
            if row.is_closed is False:
                self.problems.append(
                    Problem(
                        row.number,
                        header.get("is_closed", ""),
                        _("says it is not closed, but gives a closing time"),
                    )
                )


def _lo(when: When | None) -> datetime | None:
    return when.lo if when is not None else None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _strip_suffix(text: str, suffix: str) -> str:
    return text[: -len(suffix)] if text.endswith(suffix) and len(text) > len(suffix) else text


def _count(text: str, what: str, *, minimum: int) -> int:
    try:
        value = int(float(text))
    except ValueError:
        raise _Bad(_("{value!r} is not a number").format(value=text)) from None
    if value < minimum:
        raise _Bad(_("{value!r} is not a number").format(value=text))
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _shown(value: datetime | date) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()
