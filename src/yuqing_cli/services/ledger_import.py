"""`yq import`: an existing ledger (台账) brought in, as incidents backfilled (补录).

A unit that adopts yq starts with months of incidents in a spreadsheet. Each row of
the file becomes an incident marked as imported, with the times the file gives as
when things happened and now as when they were recorded, and its events in the audit
trail:

- ``create`` at the detection time, with the file's 首发时间, the row it came from and
  what the row says that no event records (责任人 — on the roster or not —, 发布次数,
  首次回应形式, 最新热度, 牵头单位); in the file's stage (当前阶段) when it is open;
- a ``grade`` for each later level of 定级经过 (the re-grades deadlines count from);
- for each milestone the file dates (报告领导小组时间, 首次公开回应时间, …), the step of
  the plan that marks it, done at that time;
- 处置情况 and 备注 as notes (when they were written is not known);
- the closings and reopenings the file gives (办结时间, 首次办结时间, 波次);
- ``void`` for a row marked 作废, with its reason and the row it repeats.

Deadlines that fell due before the import are judged only from what the file says
(:func:`yuqing_cli.plan.deadlines.before_import`): never live alarms.

The file is read as a stream (:mod:`.ledger_sheet`, bounded); its header is found
below any title rows, totals and signature rows are skipped and listed, and every
interpretation of a cell is counted for the dry run (:mod:`.ledger_cells`). The import
is all or nothing: every row is checked first, and one bad row means nothing is written
(exit 2). Rows whose URL, or title and detection time, are already in the database (or
earlier in the file) are skipped and listed. Checked rows wait in a private temporary
file, not in memory, and are written in batches through the same fold
(:func:`yuqing_cli.services.state.create_many`).
"""

from __future__ import annotations

import gc
import hashlib
import pickle
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlmodel import Session, col, select

from yuqing_cli.i18n import _
from yuqing_cli.plan import rules
from yuqing_cli.plan.schema import Plan, Step
from yuqing_cli.services import state as st
from yuqing_cli.services.context import Context, Reading, acting_person, reading, writing
from yuqing_cli.services.ledger_cells import (
    Interpretation,
    Problem,
    Row,
    RowReader,
    _Bad,
    find_header,
    map_columns,
    skip_reason,
    year_in,
)
from yuqing_cli.services.ledger_sheet import open_table
from yuqing_cli.services.plans import ensure_version
from yuqing_cli.store import dialect
from yuqing_cli.store.bulk import chunks
from yuqing_cli.store.tables import Incident
from yuqing_cli.timeutil import local
from yuqing_cli.when import When

BATCH = 1000  # rows written per statement
PROGRESS_EVERY = 250  # rows checked between reports of progress

# Called as rows are checked ("check") and written ("write"): (phase, done, in all;
# 0 while the number of rows is not known yet).
Progress = Callable[[str, int, int], None]

__all__ = ["ImportResult", "Problem", "Progress", "import_ledger"]


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
    rows: int  # data rows (not the title, header, totals or signature rows)
    mapping: tuple[tuple[str, str], ...]  # (the file's header, the field it fills)
    ignored: tuple[str, ...]  # headers read but not imported
    imported: tuple[Imported, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    problems: tuple[Problem, ...] = ()
    notices: tuple[Problem, ...] = ()  # kept, but not as the file says (e.g. 编号)
    dry_run: bool = False
    sheet: str = ""  # the workbook's sheet read
    header_row: int = 1
    year: int | None = None  # the year of dates written without one
    year_from: str = ""  # where that year comes from: --year, the title row, the name
    read_as: tuple[Interpretation, ...] = ()  # every interpretation of the file's cells
    not_carried: tuple[str, ...] = ()  # the file's columns computed again, not read
    arriving_open: int = 0  # rows that will be (or were) imported as open incidents
    kept: int = 0  # rows that will be (or were) imported

    @property
    def ok(self) -> bool:
        return not self.problems


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
    year: int | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Check every row of the file; unless ``dry_run`` or a row is bad, import them all in
    one transaction."""
    with _no_gc():
        if dry_run:
            with reading(ctx) as r:
                actor = acting_person(r.plan, ctx.user) if ctx.user else ""
                return _run(r, actor, path, overrides, year, write=False, progress=progress)
        with writing(ctx) as w:
            return _run(w, w.actor, path, overrides, year, write=True, progress=progress)


# Computed columns ``yq export`` writes: computed again from what is imported.
def _not_carried(ignored: Sequence[str], plan: Plan) -> tuple[list[str], list[str]]:
    from yuqing_cli.services.ledger_cells import key, known_headers

    known = known_headers(plan)
    computed = [h for h in ignored if (c := known.get(key(h))) is not None and c.computed]
    return [h for h in ignored if h not in computed], computed


@dataclass
class _Pass:
    """What the check of every row keeps: small keys, not the rows."""

    kept: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    skip: set[int] = field(default_factory=set)
    urls: dict[int, int] = field(default_factory=dict)  # a URL's digest -> first row
    titles: dict[int, int] = field(default_factory=dict)  # title and time's digest -> row
    order: list[tuple[datetime, int, str, bool]] = field(default_factory=list)
    open_rows: set[int] = field(default_factory=set)
    needs: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    file_refs: dict[str, int] = field(default_factory=dict)  # the file's 编号 -> row


def _digest(*parts: str) -> int:
    """A key kept for each row instead of its text (12 bytes: no collision in practice)."""
    text = "\x1f".join(parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=12).digest(), "big")


def _run(
    r: Reading,
    actor: str,
    path: Path,
    overrides: Sequence[str],
    year: int | None,
    *,
    write: bool,
    progress: Progress | None,
) -> ImportResult:
    plan = r.plan
    table = open_table(path)
    rows = table.rows
    head: list[tuple[int, list[Any]]] = []
    for item in rows:
        if any(_filled(v) for v in item[1]):
            head.append(item)
        if len(head) >= 20:
            break
    if not head:
        from yuqing_cli.errors import BadInput

        raise BadInput(
            _("{path} holds no table").format(path=path), hint=_("is it the right file?")
        )
    at = find_header(plan, head)
    index = at if at is not None else 0
    header_row, cells = head[index]
    headers = [str(v).strip() if v is not None else "" for v in cells]
    titles = [" ".join(str(v) for v in c if _filled(v)) for _n, c in head[:index]]
    year_from = "--year" if year is not None else ""
    if year is None:
        year = year_in([*titles, path.stem])
        year_from = (
            (_("the title row") if year_in(titles) else _("the file's name")) if year else ""
        )
    mapping, ignored, problems = map_columns(headers, plan, overrides)
    left_out, computed = _not_carried(ignored, plan)
    base = ImportResult(
        file=path.name,
        rows=0,
        mapping=tuple((headers[i], c.header) for i, c in sorted(mapping.items())),
        ignored=tuple(left_out),
        dry_run=not write,
        sheet=table.sheet,
        header_row=header_row,
        year=year,
        year_from=year_from,
        not_carried=tuple(computed),
    )
    titled = [
        Skipped(n, _("a title row: {text}").format(text=t[:60]))
        for (n, _c), t in zip(head[:index], titles, strict=True)
    ]
    if problems:
        return replace(base, problems=tuple(problems), skipped=tuple(titled))
    reader = RowReader(r, mapping, headers, year)
    check = _Pass(skipped=titled)
    spill = tempfile.TemporaryFile() if write else None  # private; gone when closed
    try:
        batch: list[Row] = []  # checked rows, for the database's duplicates and the spill
        data_rows = 0
        for number, values in _chain(head[index + 1 :], rows):
            if not any(_filled(v) for v in values):
                continue
            reason = skip_reason(values)
            if reason is not None:
                check.skipped.append(
                    Skipped(number, _("not an incident: {text}").format(text=reason))
                )
                continue
            data_rows += 1
            row = reader.read(number, values)
            if row is not None:
                _checked(plan, actor, row, check)
                batch.append(row)
                if len(batch) >= BATCH:
                    gc.collect(1)  # the collector is off for speed: what cycles left, now
                    _known(r.session, check, batch)
                    if spill is not None:
                        pickle.dump(batch, spill, protocol=pickle.HIGHEST_PROTOCOL)
                    batch = []
            if progress is not None and data_rows % PROGRESS_EVERY == 0:
                progress("check", data_rows, 0)
        if batch:
            _known(r.session, check, batch)
            if spill is not None:
                pickle.dump(batch, spill, protocol=pickle.HIGHEST_PROTOCOL)
            batch = []
        if progress is not None:
            progress("check", data_rows, data_rows)
        problems = [*reader.problems, *check.problems, *_rights_problems(actor, check)]
        result = replace(
            base,
            rows=data_rows,
            skipped=tuple(sorted(check.skipped, key=lambda x: x.row)),
            problems=tuple(problems),
            read_as=tuple(reader.read_as.values()),
            arriving_open=len(check.open_rows - check.skip),
            kept=check.kept,
        )
        if problems or spill is None:
            return result
        assert actor
        ensure_version(r.session, plan, r.now)
        dialect.roomy_cache(r.session.connection())
        refs, notices = _references(r.session, plan, check)
        imported: list[Imported] = []
        spill.seek(0)
        done = 0
        for chunk in _batches(spill):
            wanted = [row for row in chunk if row.number not in check.skip]
            st.create_many(
                r.session,
                plan,
                (_trail(plan, row, refs, actor, r.now, base.file) for row in wanted),
                now=r.now,
            )
            imported += [Imported(row.number, refs[row.number], row.ref) for row in wanted]
            gc.collect()
            done += len(wanted)
            if progress is not None:
                progress("write", done, check.kept)
        imported.sort(key=lambda x: x.row)
        return replace(result, imported=tuple(imported), notices=tuple(notices))
    finally:
        if spill is not None:
            spill.close()


def _chain(
    first: Iterable[tuple[int, list[Any]]], rest: Iterator[tuple[int, list[Any]]]
) -> Iterator[tuple[int, list[Any]]]:
    yield from first
    yield from rest


def _batches(spill: IO[bytes]) -> Iterator[list[Row]]:
    while True:
        try:
            yield pickle.load(spill)  # noqa: S301 - our own private temporary file
        except EOFError:
            return


def _filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _checked(plan: Plan, actor: str, row: Row, check: _Pass) -> None:
    """Duplicates in the file, rights, and the keys kept for what follows."""
    assert row.detected is not None
    key = _digest(row.title, row.detected.at.isoformat())
    url = _digest(row.url) if row.url else None
    if not row.voided and url is not None and url in check.urls:
        check.skipped.append(
            Skipped(row.number, _("same URL as row {row}").format(row=check.urls[url]))
        )
        check.skip.add(row.number)
        return
    if key in check.titles:
        check.skipped.append(
            Skipped(
                row.number,
                _("same title and time of detection as row {row}").format(row=check.titles[key]),
            )
        )
        check.skip.add(row.number)
        return
    if url is not None and not row.voided:
        check.urls[url] = row.number
    check.titles[key] = row.number
    check.kept += 1
    if row.is_open:
        check.open_rows.add(row.number)
    ours = row.ref if _REF.match(row.ref) else ""
    check.order.append((row.detected.at, row.number, ours, row.voided))
    if row.ref:
        check.file_refs.setdefault(row.ref, row.number)
    _rights(plan, actor, row, check)


def _known(session: Session, check: _Pass, rows: list[Row]) -> None:
    """Rows of a batch already in the database: same URL, or same title and time of
    detection."""
    fresh = [row for row in rows if row.number not in check.skip]
    urls = {row.url: row.number for row in fresh if row.url and not row.voided}
    known: dict[str, str] = {}
    for chunk in chunks(sorted(urls)):
        for ref, url in session.exec(
            select(Incident.ref, Incident.url).where(col(Incident.url).in_(chunk))
        ):
            if url is not None:
                known.setdefault(url, ref)
    for url, number in urls.items():
        if url in known:
            _drop(check, number, _("its URL is already {ref}").format(ref=known[url]))
    by_key = {(row.title, _detected(row).at): row.number for row in fresh}
    for some in chunks(sorted({at for _t, at in by_key})):
        for ref, title, at in session.exec(
            select(Incident.ref, Incident.title, Incident.detected_at).where(
                col(Incident.detected_at).in_(some)
            )
        ):
            found = by_key.get((title, at))
            if found is not None and found not in check.skip:
                _drop(
                    check,
                    found,
                    _("already {ref} (same title and time of detection)").format(ref=ref),
                )


def _drop(check: _Pass, number: int, reason: str) -> None:
    check.skipped.append(Skipped(number, reason))
    check.skip.add(number)
    check.kept -= 1
    for entries in check.needs.values():
        if number in entries:
            entries.remove(number)


def _milestone_step(plan: Plan, milestone: str, level: str, categories: Sequence[str]) -> Step:
    """The step that marks ``milestone`` for an incident of this level and categories."""
    steps = [s for s in plan.milestone_steps(milestone) if s.when.applies(level, categories)]
    if not steps:
        raise _Bad(_("no step of the plan marks this for an incident of this level"))
    return steps[0]


def _grading(plan: Plan, row: Row) -> tuple[str, tuple[str, ...]]:
    return row.level or plan.defaults.level, row.categories or (plan.defaults.category,)


def _rights(plan: Plan, actor: str, row: Row, check: _Pass) -> None:
    """What the row asks of the person importing, against the plan's roles: the rows
    that need each kind of entry the person may not make are collected. (Without a
    person, in a dry run, only what the plan itself allows is checked.)"""

    def need(what: str, roles: tuple[str, ...]) -> None:
        if actor and not rules.roles_of(plan, actor) & set(roles):
            check.needs.setdefault((what, rules.who_may(plan, roles)), []).append(row.number)

    need(_("log incidents"), plan.permission("new"))
    level, categories = _grading(plan, row)
    for milestone in row.milestones:
        try:
            step = _milestone_step(plan, milestone, level, categories)
        except _Bad as bad:
            check.problems.append(Problem(row.number, plan.milestone(milestone).name, bad.message))
            continue
        need(step.title, plan.permission("assign") if step.assigns else step.roles)
    if row.disposal or row.remark:
        need(_("add notes"), plan.permission("note"))
    if row.closed is not None or row.is_closed or row.first_closed is not None:
        need(_("close incidents"), plan.permission("close"))
        if row.closed is None and row.is_closed and not plan.time.allow_unknown:
            check.problems.append(
                Problem(row.number, "", _("closed, but the file gives no closing time"))
            )
    if len(row.gradings) > 1:
        need(_("re-grade incidents"), plan.permission("grade"))
    if row.waves > 1:
        need(_("reopen incidents"), plan.permission("reopen"))
    if row.voided:
        need(_("void incidents"), plan.permission("void"))


def _rights_problems(actor: str, check: _Pass) -> list[Problem]:
    problems = []
    for (what, who), numbers in check.needs.items():
        if not numbers:
            continue
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


def _references(session: Session, plan: Plan, check: _Pass) -> tuple[dict[Any, str], list[Problem]]:
    """Each row's reference (by row number): the file's own when it has this plan's
    form, the day of detection and is free; else the next of the day of detection. The
    file's own numbers map to the references given (for 重复于)."""
    tz = plan.info.timezone
    prefix = plan.info.reference_prefix.upper()
    rows = sorted(x for x in check.order if x[1] not in check.skip)
    wanted = {}
    for at, number, ref, _voided in rows:
        m = _REF.match(ref)
        day = local(at, tz).strftime("%Y%m%d")
        if m and m[1] == prefix and m[2] == day:
            wanted[number] = f"{prefix}-{day}-{int(m[3]):03d}"
    taken = set()
    for chunk in chunks(sorted(set(wanted.values()))):
        taken |= set(session.exec(select(Incident.ref).where(col(Incident.ref).in_(chunk))))
    refs: dict[Any, str] = {}
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
    for at, number, ref, _voided in rows:
        if number in refs:
            continue
        day = local(at, tz).strftime("%Y%m%d")
        if day not in checked:
            last[day] = max(last.get(day, 0), st.last_number(session, plan, day))
            checked.add(day)
        last[day] += 1
        refs[number] = f"{prefix}-{day}-{last[day]:03d}"
        if _REF.match(ref):  # one of ours, but taken or of another day: say so
            notices.append(
                Problem(
                    number,
                    "",
                    _("logged as {ref}: the number {given} is taken or of another day").format(
                        ref=refs[number], given=ref
                    ),
                )
            )
    for ref, number in check.file_refs.items():
        if number in refs:
            refs[("file", ref)] = refs[number]
    return refs, notices


def _trail(
    plan: Plan, row: Row, refs: dict[Any, str], actor: str, now: datetime, file: str
) -> st.NewTrail:
    level, categories = _grading(plan, row)
    detected = _detected(row)
    gradings = list(row.gradings)
    first_level = gradings[0][1] if len(gradings) > 1 else level
    closing = row.closed is not None or bool(row.is_closed)
    stage = plan.initial_stage.id
    if row.stage and not closing and row.waves == 1 and not plan.stage(row.stage).final:
        stage = row.stage  # open in the stage the file says
    fields: dict[str, Any] = {
        "title": row.title,
        "level": first_level,
        "categories": list(categories),
        "category": categories[0],
        "sentiment": row.sentiment or plan.defaults.sentiment,
        "platform": row.platform,
        "url": row.url,
        "summary": row.summary,
        "exercise": row.exercise,
        "stage": stage,
        "imported": True,
    }
    if row.reporter and row.reporter != actor:
        fields["reporter"] = row.reporter
    data: dict[str, Any] = {"source": {"file": file, "row": row.number}}
    if row.ref:
        data["source"]["ref"] = row.ref
    if row.first_seen is not None:
        data["first_seen"] = row.first_seen.clip(hi=detected.hi).to_dict()
    carried = dict(row.carried)
    if row.responsible:
        carried["responsible"] = list(row.responsible)
    if carried:
        data["ledger"] = carried
    entries: list[st.Entry] = []
    end = row.closed.hi if row.closed is not None else now
    previous = first_level
    for since, graded in gradings[1:]:
        if graded != previous:
            when = since.clip(lo=detected.lo)
            entries.append(st.Entry("grade", when, subject="level", old=previous, new=graded))
            previous = graded
    for milestone, when in sorted(row.milestones.items(), key=lambda kv: kv[1].at):
        step = _milestone_step(plan, milestone, level, categories)
        if step.assigns:
            continue  # a designation names a person the file does not give
        entries.append(st.Entry("done", when, subject=step.id, old="open", new="done"))
    for note in (row.disposal, row.remark):
        if note:
            entries.append(st.Entry("note", _unknown(detected, end), note=note))
    final = next(s for s in plan.stages if s.final)
    current = stage
    latest = max([detected.lo, *(w.lo for w in row.milestones.values())])
    for wave in range(1, row.waves + 1):
        last_wave = wave == row.waves
        if not last_wave or closing:
            given = row.closed if last_wave else (row.first_closed if wave == 1 else None)
            closed = given or When(latest, latest, max(latest, end), "unknown")
            entries.append(st.Entry("close", closed, subject="stage", old=current, new=final.id))
            latest = closed.lo
            current = final.id
        if not last_wave:
            target = plan.stage(final.reopen_to or plan.initial_stage.id)
            reopened = When(latest, latest, max(latest, end), "unknown")
            entries.append(
                st.Entry(
                    "reopen",
                    reopened,
                    subject="stage",
                    old=current,
                    new=target.id,
                    note=_("imported: wave {n}").format(n=wave + 1),
                )  # fmt: skip
            )
            current = target.id
    if row.voided:
        data_void: dict[str, Any] = {}
        if row.duplicate_of:
            data_void["duplicate_of"] = refs.get(("file", row.duplicate_of), row.duplicate_of)
        entries.append(
            st.Entry(
                "void",
                When.exact(now),
                note=row.void_reason or _("voided in the file"),
                data=data_void or None,
            )  # fmt: skip
        )
    return st.NewTrail(refs[row.number], actor, detected, fields, data, tuple(entries))


def _detected(row: Row) -> When:
    assert row.detected is not None  # a row without one is a problem, never imported
    return row.detected


def _unknown(start: When, end: datetime) -> When:
    """Some time between ``start`` and ``end``: a time the file does not give."""
    return When(start.lo, start.lo, max(start.lo, end), "unknown")
