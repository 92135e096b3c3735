"""`yq import`: an existing ledger (台账) brought in, as incidents backfilled (补录).

A unit that adopts yq starts with months of incidents in a spreadsheet. Each row of
the file becomes an incident marked as imported, with the times the file gives as
when things happened (times written as people write them, or real date cells) and
now as when they were recorded, and its events in the audit trail:

- ``create`` at the detection time, with the file's 首发时间 and the row it came from;
- the designation of the incident's own role (责任人/发言人) when it names someone on
  the roster;
- for each milestone the file dates (报告领导小组时间, 首次公开回应时间, …), the step of
  the plan that marks it, done at that time;
- 处置情况 as a note (when it was written is not known: between detection and the
  closing, or now);
- 办结时间 (or 是否办结 = 是 without a time) as the closing.

The workflow's rules still hold: the person importing must be entitled to each of
these (a member cannot record a closing), and times may not run backwards. An open
incident starts in the plan's first stage, with those milestones done; its checklist
goes on from there.

The import is all or nothing: every row is checked first, and one bad row means
nothing is written (exit 2), with a report naming each problem by row and column.
Rows whose URL, or title and detection time, are already in the database (or earlier
in the file) are skipped and listed. Rows are written in bulk through the same fold
(:func:`yuqing_cli.services.state.create_many`).
"""

from __future__ import annotations

import csv
import gc
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from yuqing_cli.errors import BadInput, YqError
from yuqing_cli.i18n import _
from yuqing_cli.plan import rules
from yuqing_cli.plan.schema import Plan, Step
from yuqing_cli.services import state as st
from yuqing_cli.services.context import Context, Reading, acting_person, reading, writing
from yuqing_cli.services.incidents import (
    MAX_SHORT,
    MAX_TEXT,
    MAX_TITLE,
    clean_text,
    resolve_categories,
)
from yuqing_cli.services.ledger import Column, columns
from yuqing_cli.services.plans import ensure_version
from yuqing_cli.store import dialect
from yuqing_cli.store.bulk import chunks
from yuqing_cli.store.tables import Incident
from yuqing_cli.timeutil import local, zone
from yuqing_cli.when import When, parse_when

BATCH = 1000  # rows written per statement
PROGRESS_EVERY = 250  # rows checked between reports of progress

# Called as rows are checked ("check") and written ("write"): (phase, done, in all).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Problem:
    row: int  # as a spreadsheet numbers it (the header is row 1); 0: the whole file
    column: str  # the file's header, or "" for the row or the file
    message: str


@dataclass(frozen=True)
class Skipped:
    row: int
    reason: str


@dataclass(frozen=True)
class Imported:
    row: int
    ref: str
    source_ref: str  # the file's 编号, if it had one


@dataclass(frozen=True)
class ImportResult:
    file: str
    rows: int
    mapping: tuple[tuple[str, str], ...]  # (the file's header, the field it fills)
    ignored: tuple[str, ...]  # headers read but not imported
    imported: tuple[Imported, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    problems: tuple[Problem, ...] = ()
    notices: tuple[Problem, ...] = ()  # kept, but not as the file says (e.g. 编号)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


# -- reading the file --------------------------------------------------------------------------


@dataclass
class Sheet:
    headers: list[str]
    rows: list[list[Any]]
    first_row: int  # the spreadsheet row number of rows[0]


def read_sheet(path: Path) -> Sheet:
    """The table in a CSV or XLSX file: the first non-empty row is the header."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(
            _("cannot read {path}: {reason}").format(path=path, reason=exc.strerror)
        ) from None
    if data[:4] == b"PK\x03\x04":
        table, offset = _xlsx_rows(data, path)
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        raise BadInput(
            _("{path} is not an Excel workbook (.xlsx)").format(path=path),
            hint=_("save it as .xlsx or as CSV (UTF-8)"),
        )
    else:
        table, offset = _csv_rows(data), 0
    for index, row in enumerate(table):
        if any(_blank(v) is not None for v in row):
            headers = [str(v).strip() if v is not None else "" for v in row]
            rows = list(table[index + 1 :])
            return Sheet(headers, rows, offset + index + 2)
    raise BadInput(_("{path} holds no table").format(path=path), hint=_("is it the right file?"))


def _blank(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def _csv_rows(data: bytes) -> list[list[Any]]:
    """CSV in UTF-8 (with or without a BOM), else GB18030 (what Excel writes in China)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise BadInput(_("the file is neither UTF-8 nor GB18030 text"))
    first = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count)
    return [
        [_unquoted(v) for v in r]
        for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    ]


# What a spreadsheet reads as the start of a formula (as render.safe.spreadsheet_safe).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def _unquoted(value: str) -> str:
    """A cell as typed: the quote that keeps a spreadsheet from running ``=…`` as a
    formula (``yq export`` writes one) is not part of the text."""
    if value.startswith("'") and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value


def _xlsx_rows(data: bytes, path: Path) -> tuple[list[list[Any]], int]:
    """The rows of the sheet named 台账, else the first one. A cell whose number format
    shows no time of day is a date (the whole day), not midnight."""
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise BadInput(
            _("cannot read the workbook {path}: {reason}").format(path=path, reason=exc),
            hint=_("save it again as .xlsx, or as CSV (UTF-8)"),
        ) from None
    sheet = book["台账"] if "台账" in book.sheetnames else book.worksheets[0]
    rows: list[list[Any]] = []
    for cells in sheet.iter_rows():
        row: list[Any] = []
        for cell in cells:
            value = getattr(cell, "value", None)
            if isinstance(value, datetime) and value.time() == time(0):
                number_format = str(getattr(cell, "number_format", "") or "").lower()
                if not any(x in number_format for x in ("h", "s")):
                    value = value.date()
            row.append(value)
        rows.append(row)
    book.close()
    return rows, 0


# -- columns -----------------------------------------------------------------------------------


def _key(text: str) -> str:
    """A header as compared: NFKC, no spaces, no note in brackets, lower case."""
    value = unicodedata.normalize("NFKC", text)
    value = re.sub(r"[(\[（【].*?[)\]）】]", "", value)
    return re.sub(r"\s+", "", value).lower()


def map_columns(
    headers: Sequence[str], plan: Plan, overrides: Sequence[str]
) -> tuple[dict[int, Column], list[str], list[Problem]]:
    """Which field each column of the file fills: by its header, Chinese or English,
    or as ``--map 'Header=field'`` says. Returns the mapping by column index, the
    headers left out, and problems (a missing required column, a bad --map)."""
    known = columns(plan)
    by_key: dict[str, Column] = {}
    for column in known:
        for name in (column.header, column.field, *column.aliases):
            by_key.setdefault(_key(name), column)
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
            forced[_key(header)] = None
            continue
        chosen = fields.get(name) or by_key.get(_key(name))
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
        forced[_key(header)] = chosen
    present = {_key(h) for h in headers}
    for header in forced:
        if header not in present:
            problems.append(Problem(0, header, _("--map names a column the file does not have")))
    mapping: dict[int, Column] = {}
    ignored: list[str] = []
    taken: dict[str, str] = {}
    for index, header in enumerate(headers):
        key = _key(header)
        if not key:
            continue
        found = forced[key] if key in forced else by_key.get(key)
        if found is None or found.computed:
            ignored.append(header)
            continue
        column = found
        if column.field in taken:
            problems.append(
                Problem(
                    1,
                    header,
                    _("this column and {other!r} both hold {field}").format(
                        other=taken[column.field], field=column.header
                    ),
                )
            )
            continue
        taken[column.field] = header
        mapping[index] = column
    for required in ("title", "detected"):
        if required not in taken:
            problems.append(
                Problem(
                    1,
                    fields[required].header,
                    _("no column holds the {field}: name one with --map 'HEADER={name}'").format(
                        field=fields[required].header, name=required
                    ),
                )
            )
    return mapping, ignored, problems


# -- rows --------------------------------------------------------------------------------------


_YES = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "已办结", "办结", "已", "x"}
_NO = {"否", "n", "no", "false", "0", "×", "✗", "未办结", "未", "", "—", "-"}


@dataclass
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
    sentiment: str = ""
    disposal: str = ""
    responsible: str | None = None  # a roster name
    responsible_text: str = ""  # a name not on the roster: kept in the note
    milestones: dict[str, When] = field(default_factory=dict)
    closed: When | None = None
    is_closed: bool | None = None
    reporter: str = ""
    exercise: bool = False
    voided: bool = False


class _Bad(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


class RowReader:
    """Reads rows of the file into :class:`Row` against the plan, collecting problems."""

    def __init__(self, r: Reading, mapping: dict[int, Column], headers: Sequence[str]) -> None:
        self.plan = r.plan
        self.rules = r.time_rules()
        self.now = r.now
        self.tz = r.tz
        self.mapping = mapping
        self.headers = headers
        self.problems: list[Problem] = []
        self.notices: list[Problem] = []
        self.per_incident = next((role.id for role in r.plan.roles if role.per_incident), None)

    def read(self, number: int, values: Sequence[Any]) -> Row | None:
        row = Row(number)
        before = len(self.problems)
        cells = {
            column.field: (self.headers[i], values[i] if i < len(values) else None)
            for i, column in self.mapping.items()
        }
        if all(_blank(v) is None for _h, v in cells.values()):
            return None  # an empty line
        for name in ("detected", "title"):  # detection first: later times are checked on it
            if name in cells:
                self._field(row, name, *cells.pop(name))
        for name, (header, value) in cells.items():
            self._field(row, name, header, value)
        self._check_order(row, cells)
        return row if len(self.problems) == before else None

    def _field(self, row: Row, name: str, header: str, value: Any) -> None:
        try:
            self._set(row, name, value)
        except _Bad as bad:
            self.problems.append(Problem(row.number, header, bad.message))
        except YqError as exc:
            self.problems.append(Problem(row.number, header, exc.message))

    def _set(self, row: Row, name: str, value: Any) -> None:  # noqa: C901 - one per field
        text = _text(value)
        if name == "title":
            if not text:
                raise _Bad(_("the title is empty"))
            row.title = clean_text(text, _("title"), limit=MAX_TITLE)
        elif name == "ref":
            row.ref = text.upper()
        elif name == "detected":
            if not text and value is None:
                raise _Bad(_("no time of detection"))
            when = self._when(value, floor=None)
            if when.precision == "unknown":
                raise _Bad(_("the time of detection cannot be unknown"))
            row.detected = when
        elif name == "first_seen":
            if text:
                row.first_seen = self._when(value, floor=None)
        elif name == "platform":
            row.platform = clean_text(text, _("platform"), limit=MAX_SHORT)
        elif name == "url":
            row.url = clean_text(text, _("URL"), limit=MAX_SHORT) or None
        elif name == "summary":
            row.summary = clean_text(text, _("summary"), limit=MAX_TEXT)
        elif name == "categories":
            row.categories = resolve_categories(self.plan, (text,)) if text else ()
        elif name == "level":
            row.level = self.plan.level(text).id if text else ""
        elif name == "sentiment":
            row.sentiment = self.plan.sentiment(text).id if text else ""
        elif name == "disposal":
            row.disposal = clean_text(text, _("note"), limit=MAX_TEXT)
        elif name == "responsible":
            self._responsible(row, text)
        elif name.startswith("milestone:"):
            if text or isinstance(value, datetime | date):
                row.milestones[name.split(":", 1)[1]] = self._when(
                    value, floor=row.detected.lo if row.detected else None
                )
        elif name == "closed":
            if text or isinstance(value, datetime | date):
                row.closed = self._when(value, floor=row.detected.lo if row.detected else None)
        elif name == "is_closed":
            row.is_closed = _flag(text)
        elif name == "reporter":
            row.reporter = clean_text(text, _("reporter"), limit=MAX_SHORT)
        elif name == "exercise":
            row.exercise = bool(_flag(text))
        elif name == "voided":
            row.voided = bool(_flag(text))

    def _responsible(self, row: Row, text: str) -> None:
        names = [n for n in re.split(r"[、,，;；/\s]+", text) if n]
        if not names:
            return
        if self.per_incident is None:
            row.responsible_text = text
            return
        try:
            row.responsible = self.plan.person(names[0]).name
        except YqError:
            row.responsible_text = text
            self.notices.append(
                Problem(
                    row.number,
                    "",
                    _("{name} is not on the roster: kept in the note, not designated").format(
                        name=text
                    ),
                )
            )

    def _when(self, value: Any, *, floor: datetime | None) -> When:
        if isinstance(value, datetime):
            at = value.replace(tzinfo=zone(self.tz)) if value.tzinfo is None else value
            return When.exact(at.astimezone(zone("UTC")))
        if isinstance(value, date):
            return parse_when(value.isoformat(), self.rules, now=self.now, floor=floor)
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise _Bad(_("{value} is a number, not a time").format(value=value))
        return parse_when(_text(value), self.rules, now=self.now, floor=floor)

    def _check_order(self, row: Row, cells: dict[str, tuple[str, Any]]) -> None:
        detected = row.detected
        if detected is None:
            return
        header = {name: h for name, (h, _v) in cells.items()}
        if row.first_seen is not None and row.first_seen.lo > detected.hi:
            self.problems.append(
                Problem(
                    row.number,
                    header.get("first_seen", ""),
                    _("first seen after it was detected"),
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


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value).strip()


def _flag(text: str) -> bool | None:
    value = unicodedata.normalize("NFKC", text).strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False if value else None
    raise _Bad(_("{value!r} is neither 是 nor 否").format(value=text))


# -- the import ----------------------------------------------------------------------------------


@contextmanager
def _no_gc() -> Iterator[None]:
    """No cyclic garbage collection while rows are read and written: an import builds
    hundreds of thousands of small objects and no cycles, and the collector would walk
    them all again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def import_ledger(
    ctx: Context,
    path: Path,
    *,
    overrides: Sequence[str] = (),
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Check every row of the file; unless ``dry_run`` or a row is bad, import them all in
    one transaction."""
    with _no_gc():
        return _import(ctx, path, overrides, dry_run, progress)


def _import(
    ctx: Context,
    path: Path,
    overrides: Sequence[str],
    dry_run: bool,
    progress: Progress | None,
) -> ImportResult:
    sheet = read_sheet(path)
    if dry_run:
        with reading(ctx) as r:
            actor = acting_person(r.plan, ctx.user) if ctx.user else ""
            return _run(r, actor, path, sheet, overrides, write=False, progress=progress)
    with writing(ctx) as w:
        return _run(w, w.actor, path, sheet, overrides, write=True, progress=progress)


def _run(
    r: Reading,
    actor: str,
    path: Path,
    sheet: Sheet,
    overrides: Sequence[str],
    *,
    write: bool,
    progress: Progress | None,
) -> ImportResult:
    plan = r.plan
    mapping, ignored, problems = map_columns(sheet.headers, plan, overrides)
    base = ImportResult(
        file=path.name,
        rows=sum(1 for row in sheet.rows if any(_blank(v) is not None for v in row)),
        mapping=tuple((sheet.headers[i], c.header) for i, c in sorted(mapping.items())),
        ignored=tuple(ignored),
        dry_run=not write,
    )
    if problems:
        return _result(base, problems=problems)
    reader = RowReader(r, mapping, sheet.headers)
    rows = []
    for i, values in enumerate(sheet.rows):
        row = reader.read(sheet.first_row + i, values)
        if row is not None:
            rows.append(row)
        if progress is not None and (i + 1) % PROGRESS_EVERY == 0:
            progress("check", i + 1, len(sheet.rows))
    if progress is not None:
        progress("check", len(sheet.rows), len(sheet.rows))
    problems = reader.problems
    skipped, rows = _duplicates(r.session, rows)
    problems += _rights(plan, actor, rows)
    if problems or not write:
        return _result(base, problems=problems, skipped=skipped, notices=reader.notices)
    assert actor
    ensure_version(r.session, plan, r.now)
    dialect.roomy_cache(r.session.connection())
    refs, notices = _references(r.session, plan, rows)
    imported: list[Imported] = []
    ordered = sorted(rows, key=_order)
    total = len(ordered)
    for start in range(0, total, BATCH):
        chunk = ordered[start : start + BATCH]
        st.create_many(
            r.session,
            plan,
            (_trail(plan, row, refs[row.number], actor, r.now, base.file) for row in chunk),
            now=r.now,
        )
        imported += [Imported(row.number, refs[row.number], row.ref) for row in chunk]
        if progress is not None:
            progress("write", min(start + BATCH, total), total)
    imported.sort(key=lambda x: x.row)
    return _result(base, imported=imported, skipped=skipped, notices=[*reader.notices, *notices])


def _result(
    base: ImportResult,
    *,
    problems: Iterable[Problem] = (),
    skipped: Iterable[Skipped] = (),
    notices: Iterable[Problem] = (),
    imported: Iterable[Imported] = (),
) -> ImportResult:
    from dataclasses import replace

    return replace(
        base,
        problems=tuple(problems),
        skipped=tuple(skipped),
        notices=tuple(notices),
        imported=tuple(imported),
    )


def _duplicates(session: Session, rows: list[Row]) -> tuple[list[Skipped], list[Row]]:
    """Rows already in the database or earlier in the file (same URL, or same title and
    time of detection), and voided rows: skipped."""
    urls = {row.url for row in rows if row.url}
    known_urls: dict[str, str] = {}
    ordered = sorted(urls)
    for chunk in chunks(ordered):
        for ref, url in session.exec(
            select(Incident.ref, Incident.url).where(col(Incident.url).in_(chunk))
        ):
            if url is not None:
                known_urls.setdefault(url, ref)
    times = sorted({row.detected.at for row in rows if row.detected})
    known_titles: dict[tuple[str, datetime], str] = {}
    for some in chunks(times):
        for ref, title, at in session.exec(
            select(Incident.ref, Incident.title, Incident.detected_at).where(
                col(Incident.detected_at).in_(some)
            )
        ):
            known_titles.setdefault((title, at), ref)
    skipped: list[Skipped] = []
    kept: list[Row] = []
    seen_urls: dict[str, int] = {}
    seen_titles: dict[tuple[str, datetime], int] = {}
    for row in rows:
        assert row.detected is not None
        key = (row.title, row.detected.at)
        if row.voided:
            skipped.append(Skipped(row.number, _("marked as voided (作废) in the file")))
        elif row.url and row.url in known_urls:
            skipped.append(
                Skipped(row.number, _("its URL is already {ref}").format(ref=known_urls[row.url]))
            )
        elif key in known_titles:
            skipped.append(
                Skipped(
                    row.number,
                    _("already {ref} (same title and time of detection)").format(
                        ref=known_titles[key]
                    ),
                )
            )
        elif row.url and row.url in seen_urls:
            skipped.append(
                Skipped(row.number, _("same URL as row {row}").format(row=seen_urls[row.url]))
            )
        elif key in seen_titles:
            skipped.append(
                Skipped(
                    row.number,
                    _("same title and time of detection as row {row}").format(row=seen_titles[key]),
                )
            )
        else:
            kept.append(row)
        if row.url:
            seen_urls.setdefault(row.url, row.number)
        seen_titles.setdefault(key, row.number)
    return skipped, kept


def _milestone_step(plan: Plan, milestone: str, level: str, categories: Sequence[str]) -> Step:
    """The step that marks ``milestone`` for an incident of this level and categories."""
    steps = [s for s in plan.milestone_steps(milestone) if s.when.applies(level, categories)]
    if not steps:
        raise _Bad(_("no step of the plan marks this for an incident of this level"))
    return steps[0]


def _grading(plan: Plan, row: Row) -> tuple[str, tuple[str, ...]]:
    return row.level or plan.defaults.level, row.categories or (plan.defaults.category,)


def _rights(plan: Plan, actor: str, rows: list[Row]) -> list[Problem]:
    """What the rows ask of the person importing, against the plan's roles: one problem
    per kind of entry they may not make, naming the rows that need it. (Without a
    person, in a dry run, only what the plan itself allows is checked.)"""
    needs: dict[tuple[str, str], list[int]] = {}
    problems = []

    def need(what: str, roles: tuple[str, ...], row: int) -> None:
        if actor and not rules.roles_of(plan, actor) & set(roles):
            needs.setdefault((what, rules.who_may(plan, roles)), []).append(row)

    for row in rows:
        need(_("log incidents"), plan.permission("new"), row.number)
        level, categories = _grading(plan, row)
        for milestone in row.milestones:
            try:
                step = _milestone_step(plan, milestone, level, categories)
            except _Bad as bad:
                problems.append(Problem(row.number, plan.milestone(milestone).name, bad.message))
                continue
            need(step.title, plan.permission("assign") if step.assigns else step.roles, row.number)
        if row.disposal or row.responsible_text:
            need(_("add notes"), plan.permission("note"), row.number)
        if row.closed is not None or row.is_closed:
            need(_("close incidents"), plan.permission("close"), row.number)
            if row.closed is None and not plan.time.allow_unknown:
                problems.append(
                    Problem(row.number, "", _("closed, but the file gives no closing time"))
                )
        if row.responsible:
            need(_("designate the incident's own roles"), plan.permission("assign"), row.number)
    for (what, who), numbers in needs.items():
        shown = ", ".join(str(n) for n in numbers[:10]) + (" …" if len(numbers) > 10 else "")
        problems.append(
            Problem(
                0,
                "",
                _("{actor} may not record “{what}” (rows {rows}): only {who} may").format(
                    actor=actor, what=what, rows=shown, who=who
                ),
            )
        )
    return problems


_REF = re.compile(r"^([A-Z0-9]+)-(\d{8})-(\d{1,6})$")


def _references(
    session: Session, plan: Plan, rows: list[Row]
) -> tuple[dict[int, str], list[Problem]]:
    """Each row's reference: the file's own when it has this plan's form, the day of
    detection and is free; else the next of the day of detection."""
    tz = plan.info.timezone
    prefix = plan.info.reference_prefix.upper()
    wanted = {}
    for row in rows:
        m = _REF.match(row.ref)
        day = local(_detected(row).at, tz).strftime("%Y%m%d")
        if m and m[1] == prefix and m[2] == day:
            wanted[row.number] = f"{prefix}-{day}-{int(m[3]):03d}"
    taken = set()
    candidates = sorted(set(wanted.values()))
    for chunk in chunks(candidates):
        taken |= set(session.exec(select(Incident.ref).where(col(Incident.ref).in_(chunk))))
    refs: dict[int, str] = {}
    kept: set[str] = set()
    for number, ref in wanted.items():
        if ref not in taken and ref not in kept:
            refs[number] = ref
            kept.add(ref)
    last: dict[str, int] = {}
    for ref in kept:
        _p, day, n = ref.split("-")
        last[day] = max(last.get(day, 0), int(n))
    checked: set[str] = set()
    notices = []
    for row in sorted(rows, key=_order):
        if row.number in refs:
            continue
        day = local(_detected(row).at, tz).strftime("%Y%m%d")
        if day not in checked:
            last[day] = max(last.get(day, 0), st.last_number(session, plan, day))
            checked.add(day)
        last[day] += 1
        refs[row.number] = f"{prefix}-{day}-{last[day]:03d}"
        if _REF.match(row.ref):  # one of ours, but taken or of another day: say so
            notices.append(
                Problem(
                    row.number,
                    "",
                    _("logged as {ref}: the number {given} is taken or of another day").format(
                        ref=refs[row.number], given=row.ref
                    ),
                )
            )
    # (a number in the unit's own form is kept in the incident's trail as its source)
    return refs, notices


def _trail(plan: Plan, row: Row, ref: str, actor: str, now: datetime, file: str) -> st.NewTrail:
    level, categories = _grading(plan, row)
    fields: dict[str, Any] = {
        "title": row.title,
        "level": level,
        "categories": list(categories),
        "category": categories[0],
        "sentiment": row.sentiment or plan.defaults.sentiment,
        "platform": row.platform,
        "url": row.url,
        "summary": row.summary,
        "exercise": row.exercise,
        "stage": plan.initial_stage.id,
        "imported": True,
    }
    if row.reporter and row.reporter != actor:
        fields["reporter"] = row.reporter
    data: dict[str, Any] = {"source": {"file": file, "row": row.number}}
    if row.ref:
        data["source"]["ref"] = row.ref
    if row.first_seen is not None:
        data["first_seen"] = row.first_seen.clip(hi=_detected(row).hi).to_dict()
    entries: list[st.Entry] = []
    detected = _detected(row)
    end = row.closed.hi if row.closed is not None else now
    if row.responsible is not None:
        role = next(x.id for x in plan.roles if x.per_incident)
        entries.append(
            st.Entry("assign", _unknown(detected, end), subject=role, new=row.responsible)
        )
    for milestone, when in sorted(row.milestones.items(), key=lambda kv: kv[1].at):
        step = _milestone_step(plan, milestone, level, categories)
        entries.append(st.Entry("done", when, subject=step.id, old="open", new="done", note="补录"))
    note = "；".join(x for x in (row.disposal, row.responsible_text) if x)
    if note:
        entries.append(st.Entry("note", _unknown(detected, end), note=note))
    if row.closed is not None or row.is_closed:
        final = next(s for s in plan.stages if s.final)
        latest = max([detected.lo, *(w.lo for w in row.milestones.values())])
        closed = row.closed or When(latest, latest, max(latest, now), "unknown")
        entries.append(
            st.Entry("close", closed, subject="stage", old=plan.initial_stage.id, new=final.id)
        )
    return st.NewTrail(ref, actor, detected, fields, data, tuple(entries))


def _detected(row: Row) -> When:
    assert row.detected is not None  # a row without one is a problem, never imported
    return row.detected


def _order(row: Row) -> tuple[datetime, int]:
    return _detected(row).at, row.number


def _unknown(start: When, end: datetime) -> When:
    """Some time between ``start`` and ``end``: a time the file does not give."""
    return When(start.lo, start.lo, max(start.lo, end), "unknown")
