"""The daily report as a document (:class:`~yuqing_cli.render.doc.Doc`), in sections a
leader reads in two minutes: 概况 (the day's figures in sentences, the response times
among them), 重点舆情, 处置情况, 超时事项 and 下步工作建议; the day's event log as an
appendix when asked for.

:func:`report_doc` builds it once, in the language it is called in: the unit's for a
document (:func:`document`, :func:`frozen`), the operator's for the terminal. Its
masthead (版头) is a draft's, or an issued report's number and signer; its closing
(版记) lists who receives it, from the plan. Every deadline figure comes from the
report's one list of verdicts.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from yuqing_cli.i18n import _, language, speaking
from yuqing_cli.render.doc import (
    DIGEST,
    LAYOUT,
    Block,
    Cell,
    Closing,
    Doc,
    Masthead,
    Part,
    Section,
    Table,
    doc_data,
)
from yuqing_cli.render.report_dates import (
    duration,
    end_of,
    long_date,
    short_date,
    stamp,
    when_cell,
    when_text,
)
from yuqing_cli.render.report_story import (
    handling_parts,
    incident_parts,
    listing,
    numeral,
    sentence,
    sentences,
)
from yuqing_cli.services.issued import IssueMark
from yuqing_cli.services.report import DailyReport, Movement
from yuqing_cli.services.report_verdicts import Owner


def _action_label(action: str) -> str:
    return {
        "done": _("done:"),
        "waived": _("waived:"),
        "advance": _("moved to"),
        "close": _("closed:"),
        "grade": _("re-graded"),
        "reopen": _("reopened to"),
        "assign": _("designated"),
        "note": _("note:"),
        "edit": _("corrected:"),
        "void": _("voided:"),
    }.get(action, action)


def action_label(action: str) -> str:
    """An event's label in the day's log."""
    return _action_label(action)


def _movement_text(m: Movement) -> str:
    plan = m.plan
    if m.action in ("done", "waived") and plan.has_step(m.subject):
        what = f"{_action_label(m.action)} {plan.step(m.subject).title}"
    elif m.action in ("advance", "close", "reopen") and m.new:
        stage = plan.stage(m.new).name if m.new in {s.id for s in plan.stages} else m.new
        what = f"{_action_label(m.action)} {stage}"
    elif m.action == "grade":
        names = {lv.id: lv.name for lv in plan.levels}
        what = f"{_action_label('grade')} {names.get(m.old or '', m.old)} → {names.get(m.new or '', m.new)}"  # noqa: E501
    elif m.action == "assign":
        roles = {r.id: r.name for r in plan.roles}
        what = f"{_action_label('assign')} {roles.get(m.subject, m.subject)}: {m.new}"
    else:
        what = _action_label(m.action)
    return (
        f"{what} {m.note}".strip()
        if m.action == "note"
        else (f"{what} · {m.note}" if m.note else what)
    )


# -- the document ---------------------------------------------------------------------------


def document(report: DailyReport, issue: IssueMark | None = None, **options: Any) -> Doc:
    """The report as its unit's document: in the plan's language, whatever the
    operator's."""
    with speaking(report.plan.unit.language):
        return report_doc(report, issue, **options)


def report_doc(
    report: DailyReport,
    issue: IssueMark | None = None,
    *,
    with_log: bool = False,
    corrects: dict[str, Any] | None = None,
) -> Doc:
    """The report as a document, in the language in use; ``issue`` gives an issued
    report's number and signer, ``corrects`` the content of the issue it corrects."""
    sections = [
        (_("Overview"), "overview", _overview(report)),
        (_("Incidents"), "incidents", incident_parts(report)),
        (_("Handling"), "handling", handling_parts(report)),
        (_("Deadlines missed"), "missed", _missed(report)),
        (_("Next steps"), "next", _next_steps(report)),
    ]
    built = [
        Section(_heading(n, title), tuple(parts) or _nothing(), key)
        for n, (title, key, parts) in enumerate(sections, 1)
    ]
    if with_log:
        built.append(
            Section(_("Appendix: the day's events"), (Part(blocks=_log(report)),), "log", True)
        )
    doc = Doc(
        language=language(),
        masthead=_masthead(report, issue),
        sections=tuple(built),
        closing=_closing(report, issue),
        title=_("{name} ({day})").format(
            name=_("Daily public-opinion report"), day=long_date(report.day)
        ),
    )
    if issue is not None and issue.revision_of is not None:
        from yuqing_cli.render.report_changes import correction_note

        note = correction_note(doc, report, corrects or {}, issue_number(*issue.revision_of))
        doc = replace(doc, preface=(Block(text=Cell(note, "bold")),))
    return doc


def _heading(n: int, title: str) -> str:
    return f"{numeral(n)}、{title}" if language() == "zh" else f"{n}. {title}"


def _nothing() -> tuple[Part, ...]:
    return (Part(blocks=(Block(text=_("None.")),)),)


def issue_number(year: int, number: int, total: int) -> str:
    return _("No. {number} of {year} (No. {total} overall)").format(
        number=number, year=year, total=total
    )


def _masthead(report: DailyReport, issue: IssueMark | None) -> Masthead:
    """The head: the marking, the unit's name and the document's in red, the number, the
    date of the day reported and the signer (签发人)."""
    plan = report.plan
    title = _("{unit} {name}").format(unit=plan.masthead, name=_("Daily public-opinion report"))
    if issue is None:
        return Masthead(
            title, _("(draft, not issued)"), long_date(report.day), marking=plan.report.marking
        )
    return Masthead(
        title,
        _("No. {number} (No. {total} overall)").format(number=issue.number, total=issue.total),
        long_date(report.day),
        _("Signer: {person}").format(person=issue.signed_by),
        plan.report.marking,
        _("correction") if issue.revision_of is not None else "",
    )


def _closing(report: DailyReport, issue: IssueMark | None) -> Closing:
    """The 版记: 报, 送, 发 as the plan lists them; the unit and the day it was issued;
    and for an issue, the line that ties the paper to the audit chain."""
    plan = report.plan
    d = plan.report.distribution
    lines = tuple(
        label.format(names=listing(names))
        for label, names in (
            (_("Reported to: {names}"), d.report_to),
            (_("Sent to: {names}"), d.send_to),
            (_("Distributed to: {names}"), d.distribute_to),
        )
        if names
    )
    if issue is None:
        return Closing(lines)
    from yuqing_cli.timeutil import local

    printed = local(issue.issued_at, plan.info.timezone).date()
    return Closing(
        lines,
        plan.info.unit,
        _("issued {date}").format(date=long_date(printed)),
        _("Audit chain head: {anchor}  Content SHA-256: {digest}").format(
            anchor=issue.anchor, digest=DIGEST
        ),
    )


# -- 概况 ---------------------------------------------------------------------------------------


def _counted(pairs: list[tuple[str, int]]) -> str:
    """ " (特别重大1起、一般2起)": the non-zero counts, or nothing."""
    shown = [_("{name} {n}").format(name=name, n=n) for name, n in pairs if n]
    return _(" ({list})").format(list=listing(shown)) if shown else ""


def _overview(report: DailyReport) -> list[Part]:
    t = report.totals
    plan = report.plan
    levels = sorted(plan.levels, key=lambda lv: -lv.rank)
    new_levels = _counted(
        [(lv.name, sum(1 for i in report.new if i.state.level == lv.id)) for lv in levels]
    )
    open_by_level = {lv.id: n for lv, n in report.open_by_level}
    open_levels = _counted([(lv.name, open_by_level[lv.id]) for lv in levels])
    stages = listing(
        [_("{stage} {n}").format(stage=s.name, n=n) for s, n in report.open_by_stage if n]
    )
    figures = _(
        "On {day}: new incidents {new}{levels}; carried over {carried}; closed {closed}; "
        "reopened {reopened}. At {end}: open {open}{open_levels}"
    ).format(
        day=short_date(report.day, report.day.year), new=t.new, levels=new_levels,
        carried=t.carried,
        closed=t.closed, reopened=t.reopened, end=end_of(report.day), open=t.open,
        open_levels=open_levels,
    )  # fmt: skip
    if stages:
        figures += _(", by stage: {stages}").format(stages=stages)
    paragraphs = [sentence(figures), _deadline_figures(report)]
    routines = _routines(report)
    if routines:
        paragraphs.append(routines)
    blocks = [Block(text=p) for p in paragraphs]
    blocks += [Block("note", note) for note in _notes(report)]
    return [Part(blocks=tuple(blocks))]


def _deadline_figures(report: DailyReport) -> str:
    """The deadlines in figures, from the report's one list of verdicts: those missed
    (as 超时事项 lists them) and the response times."""
    missed = report.missed
    if missed:
        open_ = sum(1 for m in missed if not m.done)
        text = sentence(
            _(
                "{n} deadlines were missed, in {incidents} incidents: {open} still open at "
                "{end}, {late} done late that day"
            ).format(
                n=len(missed),
                incidents=len({m.ref for m in missed}),
                open=open_,
                end=end_of(report.day),
                late=len(missed) - open_,
            )
        )
    else:
        text = sentence(_("No deadline was missed"))
    measured = [rt for rt in report.response_times if rt.count]
    if measured:
        names = {m.id: m.name for m in report.plan.milestones}
        parts = []
        for rt in measured:
            part = _("{milestone}: {n}, {met} in time, {missed} late").format(
                milestone=names.get(rt.milestone, rt.milestone), n=rt.count, met=rt.met,
                missed=rt.missed,
            )  # fmt: skip
            if rt.undeterminable:
                part += _(", {n} undeterminable").format(n=rt.undeterminable)
            if rt.count == 1 and rt.worst is not None:
                part += _(", taking {time}").format(time=duration(rt.worst))
            elif rt.median is not None and rt.worst is not None:
                part += _(", taking {median} (median), {longest} at most").format(
                    median=duration(rt.median), longest=duration(rt.worst)
                )
            parts.append(part)
        text = sentences(
            text, sentence(_("Response times: {list}").format(list=_("; ").join(parts)))
        )
    return text


def _routines(report: DailyReport) -> str:
    tz, day = report.plan.info.timezone, report.day
    found = []
    for d in report.routines:
        runs = listing(
            [
                _("{person} {time}").format(
                    person=run.actor, time=when_text(run.when, tz, day, short=True)
                )
                + (_(" (zero report)") if run.zero else "")
                + (
                    _(" ({note})").format(note=run.note.strip())
                    if run.note.strip() and not run.zero
                    else ""
                )
                for run in d.runs
            ]
        )
        if d.missing:
            found.append(_("{routine}: not done that day").format(routine=d.routine.name))
        elif d.overdue:
            last = stamp(d.last_at, tz) if d.last_at else ""
            found.append(
                _("{routine}: overdue, last done {time}").format(routine=d.routine.name, time=last)
                if last
                else _("{routine}: overdue, never done").format(routine=d.routine.name)
            )
        elif runs:
            found.append(_("{routine}: {runs}").format(routine=d.routine.name, runs=runs))
    return sentence(_("; ").join(found)) if found else ""


def _notes(report: DailyReport) -> list[str]:
    notes = []
    late = sum(1 for i in report.new if report.late_entry(i)) + sum(
        1 for m in report.activity if m.late
    )
    if late:
        notes.append(
            _("{n} entries about this day were recorded after it (late entries, marked)").format(
                n=late
            )
        )
    if report.as_known_at:
        notes.append(
            _("As the records stood at {time}").format(
                time=stamp(report.known, report.plan.info.timezone)
            )
        )
    if report.include_exercises:
        notes.append(_("Exercises included"))
    return [sentence(n) for n in notes]


# -- 超时事项, 下步工作建议, 响应时间 -------------------------------------------------------------


def owner_text(report: DailyReport, owner: Owner) -> str:
    """联络人李丹, 舆情评论员: the role, and the one person meant where there is one."""
    roles = {r.id: r.name for r in report.plan.roles}
    role = roles.get(owner.role, owner.role)
    if owner.person:
        return _("{role} {person}").format(role=role, person=owner.person) if role else owner.person
    return role or "—"


def _missed(report: DailyReport) -> list[Part]:
    """超时事项: each deadline missed, how late, whether done since (and why late, where
    the one who did it said), and who answers for it."""
    tz, day = report.plan.info.timezone, report.day
    rows = []
    for m in report.missed:
        v = m.verdict
        late = duration(v.late_by)
        if v.record is None:
            state = Cell(_("{late}, not done").format(late=late), "red")
        else:
            text = _("{late}, done {time} by {person}").format(
                late=late, time=when_text(v.record.when, tz, day, short=True),
                person=v.record.actor,
            )  # fmt: skip
            if v.record.note.strip():
                text += _("; note: {note}").format(note=v.record.note.strip())
            state = Cell(text)
        rows.append(
            (m.ref, v.step.title, when_cell(v.due, tz, day), state, owner_text(report, m.owner))
        )
    if not rows:
        return []
    header = (_("ref"), _("deadline missed"), _("due"), _("how late"), _("owner"))
    table = Table(header, tuple(rows), (0, 5, 0, 4, 2), (True, False, True, False, False))
    return [Part(blocks=(Block("table", table=table),))]


def _next_steps(report: DailyReport) -> list[Part]:
    tz, day = report.plan.info.timezone, report.day
    blocks = []
    if report.overdue:
        blocks.append(
            Block(
                text=sentence(
                    _(
                        "{n} missed deadlines are still open: their owners should act at once"
                    ).format(n=len(report.overdue))
                )
            )
        )
    rows: list[tuple[str, ...]] = [
        (
            d.ref,
            d.verdict.step.title,
            owner_text(report, d.owner),
            _("by {time}").format(time=when_cell(d.verdict.due, tz, day)),
        )
        for d in report.due_next
    ]
    levels = {lv.id: lv.name for lv in report.plan.levels}
    for s in report.suggestions:
        rule = s.suggestion.rule
        if s.suggestion.level is not None:
            what = _("suggests re-grading to {level}").format(
                level=levels.get(s.suggestion.level.id, "")
            )
        elif s.suggestion.step is not None:
            what = _("suggests the step “{step}”").format(step=s.suggestion.step.title)
        else:
            continue
        text = _("Assessment rule “{rule}” (Art. {article}): {what}").format(
            rule=rule.name, article=rule.article, what=what
        )
        due = (
            _("by {time}").format(time=when_cell(s.due.due, tz, day))
            if s.due is not None and s.due.due is not None
            else _("promptly")
        )
        rows.append((s.incident.ref, text, owner_text(report, s.owner), due))
    if rows:
        header = (_("ref"), _("to do"), _("owner"), _("by when"))
        table = Table(header, tuple(rows), (0, 5, 2, 0), (True, False, False, True))
        blocks.append(Block("table", table=table))
    return [Part(blocks=tuple(blocks))] if blocks else []


# -- the appendix -------------------------------------------------------------------------------


def _log(report: DailyReport) -> tuple[Block, ...]:
    """The day's events, one a row, as the audit trail has them."""
    from yuqing_cli.render.report_dates import recorded_on

    tz, day = report.plan.info.timezone, report.day
    rows = []
    for m in report.activity:
        what = _movement_text(m) if _action_label(m.action) != m.action else _other(report, m)
        if m.late:
            what += recorded_on(m.recorded_at, tz, day)
        rows.append((when_text(m.when, tz, day, short=True), m.ref, m.actor, what))
    if not rows:
        return (Block(text=_("None.")),)
    header = (_("time"), _("ref"), _("who"), _("what"))
    return (
        Block("table", table=Table(header, tuple(rows), (0, 0, 0, 1), (True, True, True, False))),
    )


def _other(report: DailyReport, m: Movement) -> str:
    """An event the label table has no words for, in the words of the account."""
    from yuqing_cli.render.report_story import event_text

    incident = next((i for i in report.incidents if i.ref == m.ref), None)
    return event_text(report, incident, m) if incident is not None else m.action


# -- issuing ----------------------------------------------------------------------------------


def frozen(
    report: DailyReport,
    issue: IssueMark,
    corrects: dict[str, Any] | None = None,
    *,
    with_log: bool = False,
) -> dict[str, Any]:
    """What an issued report keeps: its document (in its unit's language), its JSON and
    its CSV, as data, and the layout they are in."""
    from yuqing_cli.render.report_data import report_csv, report_json

    with speaking(report.plan.unit.language):
        doc = report_doc(report, issue, with_log=with_log, corrects=corrects)
        data = report_json(report)
    return {"layout": LAYOUT, "doc": doc_data(doc), "json": data, "csv": report_csv(report)}
