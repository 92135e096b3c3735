"""The daily report's account of each incident, in sentences: 重点舆情 (what it is, where
it was found, its summary and link, how hot it is and the latest assessment) and
处置情况 (what was done that day, in order, by whom and when: steps with their notes,
statements in full, the approved line with its signers, hand-overs).

Built in the language of the document being made; the plan's words (titles, names)
are the plan's, the incidents' texts as they were recorded.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from yuqing_cli.i18n import _, language
from yuqing_cli.plan.state import Assessment, LineVersion, Statement
from yuqing_cli.render.doc import Block, Part
from yuqing_cli.render.report_dates import recorded_on, when_text
from yuqing_cli.services.report import DailyReport, DayIncident, Movement
from yuqing_cli.when import When

CHINESE_NUMERALS = "一二三四五六七八九十"
_ENDS = ("。", "！", "？", ".", "!", "?", "…")
_QUOTES = ("”", "」", "）", ")", '"')


def numeral(n: int) -> str:
    """1 → 一, 12 → 十二, 21 → 二十一."""
    if n <= 10:
        return CHINESE_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (
        (CHINESE_NUMERALS[tens - 1] if tens > 1 else "")
        + "十"
        + (CHINESE_NUMERALS[ones - 1] if ones else "")
    )


def part_title(n: int, title: str) -> str:
    """（一）title, or (1) title."""
    return f"（{numeral(n)}）{title}" if language() == "zh" else f"({n}) {title}"


def listing(items: Sequence[str]) -> str:
    """Items of a list in a sentence: 甲、乙、丙, or a, b, c."""
    return _(", ").join(items)


def sentence(head: str, detail: str = "") -> str:
    """``head``, then ``detail`` after a colon, closed with a full stop (unless the
    detail ends a sentence itself)."""
    text = head + (_(": ") + detail.strip() if detail.strip() else "")
    return text if _ended(text) else text + _(".")


def sentences(*texts: str) -> str:
    """Sentences one after another: 甲。乙。 or A. B."""
    return ("" if language() == "zh" else " ").join(t for t in texts if t)


def _ended(text: str) -> bool:
    """Does ``text`` end a sentence: with a full stop, or one inside closing quotes?"""
    return text.rstrip("".join(_QUOTES)).endswith(_ENDS)


def quoted(text: str) -> str:
    return _("“{text}”").format(text=text.strip())


def big_number(n: int) -> str:
    """90万, 1.5万 in Chinese; 900,000 otherwise."""
    if language() == "zh":
        return f"{n / 10000:.1f}".rstrip("0").rstrip(".") + "万" if n >= 10000 else str(n)
    return f"{n:,}"


def by_importance(incidents: Sequence[DayIncident]) -> list[DayIncident]:
    """The highest level first, then in order of detection."""
    return sorted(
        incidents,
        key=lambda i: (-i.plan.level(i.state.level).rank, i.state.detected.at, i.ref),
    )


# -- 重点舆情 -----------------------------------------------------------------------------------


def incident_parts(report: DailyReport) -> list[Part]:
    """One part for each incident new or active that day, the most serious first, and a
    line for the incidents open without anything new."""
    active = by_importance(report.active)
    parts = [
        Part(part_title(n, i.state.title), tuple(_incident_blocks(report, i)), i.ref)
        for n, i in enumerate(active, 1)
    ]
    shown = {i.id for i in active}
    quiet = [i for i in by_importance(report.open) if i.id not in shown]
    if quiet:
        names = listing(
            [
                _("{title} ({ref}, {stage})").format(
                    title=i.state.title, ref=i.ref, stage=i.plan.stage(i.state.stage).name
                )
                for i in quiet
            ]
        )
        text = (
            _("{n} other open incidents had nothing new that day: {incidents}")
            if active
            else _("{n} open incidents had nothing new that day: {incidents}")
        ).format(n=len(quiet), incidents=names)
        parts.append(Part(blocks=(Block(text=sentence(text)),)))
    return parts


def _incident_blocks(report: DailyReport, i: DayIncident) -> Iterator[Block]:
    s, plan = i.state, i.plan
    tz, day = report.plan.info.timezone, report.day
    level = plan.level(s.level).name
    categories = listing([plan.category(c).name for c in s.categories])
    found = when_text(s.detected, tz, day, short=True)
    head = (
        _("{ref}, {level}, {categories}, found on {platform} {time} (logged by {person})").format(
            ref=i.ref, level=level, categories=categories, platform=s.platform, time=found,
            person=s.reporter,
        )
        if s.platform
        else _("{ref}, {level}, {categories}, found {time} (logged by {person})").format(
            ref=i.ref, level=level, categories=categories, time=found, person=s.reporter
        )
    )  # fmt: skip
    if report.late_entry(i):
        head += recorded_on(i.logged_at, tz, day)
    status = [head]
    if s.exercise:
        status.append(_("an exercise"))
    if i in report.new:
        status.append(_("new that day"))
    if i in report.reopened:
        status.append(_("reopened that day (wave {wave})").format(wave=s.wave))
    if i in report.closed and not i.is_open:
        status.append(_("closed that day"))
    else:
        status.append(_("now at the stage “{stage}”").format(stage=plan.stage(s.stage).name))
    if s.lead:
        status.append(_("led by {body}").format(body=s.lead))
    yield Block(text=sentence(_clauses(status)))
    if s.summary.strip():
        yield Block(lead=_("Summary: "), text=s.summary.strip())
    if s.url:
        yield Block(lead=_("Link: "), text=s.url)
    latest = s.assessments[-1] if s.assessments else None
    if latest is not None:
        yield Block(lead=_("Heat: "), text=_heat(report, i, latest))
    note = _assess_note(i)
    if note:
        yield Block(lead=_("Assessment: "), text=note)


def _clauses(parts: list[str]) -> str:
    """Clauses of one sentence: 甲，乙，丙 (or a, b, c)."""
    text = parts[0]
    for part in parts[1:]:
        text = _("{first}, {second}").format(first=text, second=part)
    return text


def _assess_note(i: DayIncident) -> str:
    """The latest assessment in words (研判): the latest assessment's note, or where no
    assessment was recorded, the note given when the plan's assessment step was done."""
    noted = [a.note.strip() for a in i.state.assessments if a.note.strip()]
    if noted or i.state.assessments:
        return noted[-1] if noted else ""
    step = i.plan.assessment.step if i.plan.assessment else None
    record = i.state.steps.get(step) if step else None
    return record.note.strip() if record is not None else ""


def _heat(report: DailyReport, i: DayIncident, a: Assessment) -> str:
    from yuqing_cli.render.substance_view import measure_name, trend_name

    measures = [
        _("{measure} {value}").format(measure=measure_name(k), value=big_number(v))
        for k, v in a.metrics.items()
    ]
    if a.rank is not None:
        measures.append(_("No. {rank} on the hot-search list").format(rank=a.rank))
    if a.sentiment:
        measures.append(
            _("sentiment {sentiment}").format(sentiment=i.plan.sentiment(a.sentiment).name)
        )
    if a.trend:
        measures.append(_("trend {trend}").format(trend=trend_name(a.trend)))
    when = when_text(a.when, report.plan.info.timezone, report.day)
    source = _("assessed {time} by {person}").format(time=when, person=a.actor)
    if a.platform:
        source = _("{platform}, {source}").format(platform=a.platform, source=source)
    return sentence(_("{measures} ({source})").format(measures=listing(measures), source=source))


# -- 处置情况 -----------------------------------------------------------------------------------


# What the account leaves out: the logging (in 重点舆情), assessments (their latest is in
# 重点舆情) and the steps another record completed: a statement, an assessment or an
# approved line (that record says it), a designation (the assignment says it).
_SILENT = ("create", "assess", "routine")
_COMPLETED_BY = ("statement", "assessment", "line")


def _said_elsewhere(
    i: DayIncident | None, m: Movement, designations: set[tuple[str, str, When]]
) -> bool:
    if m.action in _SILENT:
        return True
    if m.action != "done":
        return False
    if any(key in m.data for key in _COMPLETED_BY):
        return True
    step = i.plan.step(m.subject) if i is not None and i.plan.has_step(m.subject) else None
    return step is not None and bool(step.assigns) and (m.ref, step.assigns, m.when) in designations


def handling_parts(report: DailyReport) -> list[Part]:
    """For each incident with something done that day, what was done, in order."""
    known = {i.ref: i for i in report.incidents}
    designations = {(m.ref, m.subject, m.when) for m in report.activity if m.action == "assign"}
    by_ref: dict[str, list[Movement]] = {}
    for m in report.activity:
        if _said_elsewhere(known.get(m.ref), m, designations):
            continue
        by_ref.setdefault(m.ref, []).append(m)
    incidents = by_importance([i for i in report.incidents if i.ref in by_ref])
    return [
        Part(
            part_title(n, i.state.title),
            tuple(Block("item", text) for text in _account(report, i, by_ref[i.ref])),
            i.ref,
        )
        for n, i in enumerate(incidents, 1)
    ]


def _account(report: DailyReport, i: DayIncident, moves: list[Movement]) -> Iterator[str]:
    """One sentence per thing done, in order; the steps one person completed at one time
    without a note, in one sentence; a move to the next stage without a note is left to
    the stage the incident is at (in 重点舆情)."""
    tz, day = report.plan.info.timezone, report.day
    groups: dict[tuple[object, ...], list[Movement]] = {}
    order: list[tuple[object, ...] | Movement] = []
    for m in moves:
        if m.action == "advance" and not m.note.strip():
            continue
        if m.action == "done" and not m.note.strip():
            key = (m.when, m.actor, m.late)
            if key not in groups:
                groups[key] = []
                order.append(key)
            groups[key].append(m)
        else:
            order.append(m)
    for item in order:
        if isinstance(item, Movement):
            text = event_text(report, i, item)
            if text:
                yield text + _late(report, item)
            continue
        group = groups[item]
        first = group[0]
        head = _("{time}, {person} completed {steps}").format(
            time=when_text(first.when, tz, day, short=True),
            person=first.actor,
            steps=listing([quoted(_step(i, m.subject)) for m in group]),
        )
        yield sentence(head) + _late(report, first)


def _late(report: DailyReport, m: Movement) -> str:
    return recorded_on(m.recorded_at, report.plan.info.timezone, report.day) if m.late else ""


def _step(i: DayIncident, step_id: str) -> str:
    return i.plan.step(step_id).title if i.plan.has_step(step_id) else step_id


def _stage(i: DayIncident, stage_id: str | None) -> str:
    known = {s.id: s.name for s in i.plan.stages}
    return known.get(stage_id or "", stage_id or "")


def event_text(report: DailyReport, i: DayIncident, m: Movement) -> str:  # noqa: C901
    """One thing done, as a sentence: when, who, what (one kind of event a branch)."""
    tz, day = report.plan.info.timezone, report.day
    time = when_text(m.when, tz, day, short=True)
    who = m.actor
    a = m.action
    if a == "done":
        head = _("{time}, {person} completed {steps}").format(
            time=time, person=who, steps=quoted(_step(i, m.subject))
        )
        return sentence(head, m.note)
    if a == "waived":
        head = _("{time}, {person} waived {step}").format(
            time=time, person=who, step=quoted(_step(i, m.subject))
        )
        return sentence(head, m.note)
    if a == "advance":
        head = _("{time}, {person} moved it to the stage “{stage}”")
        return sentence(head.format(time=time, person=who, stage=_stage(i, m.new)), m.note)
    if a == "close":
        return sentence(_("{time}, {person} closed it").format(time=time, person=who), m.note)
    if a == "reopen":
        head = _("{time}, {person} reopened it (stage “{stage}”)")
        return sentence(head.format(time=time, person=who, stage=_stage(i, m.new)), m.note)
    if a == "grade":
        names = {lv.id: lv.name for lv in i.plan.levels}
        head = _("{time}, {person} re-graded it from {old} to {new}").format(
            time=time, person=who, old=names.get(m.old or "", m.old or "—"),
            new=names.get(m.new or "", m.new or "—"),
        )  # fmt: skip
        return sentence(head, m.note)
    if a == "assign":
        roles = {r.id: r.name for r in i.plan.roles}
        head = _("{time}, {person} designated {assignee} as {role}").format(
            time=time, person=who, assignee=m.new or "—", role=roles.get(m.subject, m.subject)
        )
        return sentence(head, m.note)
    if a == "note":
        return sentence(_("{time}, {person} noted").format(time=time, person=who), m.note)
    if a == "edit":
        changed = listing([_field_name(k) for k in m.data.get("changes", {})])
        head = _("{time}, {person} corrected the record ({fields})").format(
            time=time, person=who, fields=changed or "—"
        )
        return sentence(head, m.note)
    if a == "undo":
        head = _("{time}, {person} withdrew the record of {step}").format(
            time=time, person=who, step=quoted(_step(i, m.subject))
        )
        return sentence(head, m.note)
    if a == "handover":
        head = _("{time}, {person} handed the lead over to {body}").format(
            time=time, person=who, body=m.new or str(m.data.get("body", ""))
        )
        return sentence(head, m.note)
    if a == "retract":
        head = _("{time}, {person} retracted release {number}").format(
            time=time, person=who, number=m.subject
        )
        return sentence(head, m.note)
    if a == "statement":
        found = i.state.statement(int(m.data.get("number", 0) or 0))
        return _statement(report, i, found, time) if found is not None else ""
    if a == "line_draft":
        version = i.state.line(int(m.data.get("version", 0) or 0))
        if version is not None and version.approved is not None and _in_day(report, version):
            return ""  # its approval, below, gives the text
        head = _("{time}, {person} drafted version {number} of the unified line")
        return sentence(head.format(time=time, person=who, number=m.data.get("version", "?")))
    if a == "line_approve":
        version = i.state.line(int(m.subject)) if m.subject.isdigit() else None
        return _approval(i, version, m, time) if version is not None else ""
    from yuqing_cli.render.report_view import action_label

    return sentence(
        _("{time}, {person}: {what}").format(time=time, person=who, what=action_label(a))
    )


def _in_day(report: DailyReport, version: LineVersion) -> bool:
    return version.approved is not None and report.start <= version.approved.at < report.end


def _field_name(key: str) -> str:
    return {
        "title": _("title"),
        "summary": _("summary"),
        "platform": _("platform"),
        "url": _("link"),
        "sentiment": _("sentiment"),
        "categories": _("category"),
        "first_seen": _("first published"),
    }.get(key, key)


def _approval(i: DayIncident, version: LineVersion, m: Movement, time: str) -> str:
    """A signature; the one that approved the version gives its text and signers."""
    completes = (
        version.approved is not None
        and version.approved.at == m.when.at
        and any(x.person == m.actor and x.when.at == m.when.at for x in version.signatures)
    )
    if not completes:
        head = _("{time}, {person} signed version {number} of the unified line")
        return sentence(head.format(time=time, person=m.actor, number=version.number))
    signers = listing([x.person for x in version.signatures])
    head = _("{time}, version {number} of the unified line was approved, signed by {people}")
    return sentence(
        head.format(time=time, number=version.number, people=signers), quoted(version.text)
    )


def _statement(report: DailyReport, i: DayIncident, x: Statement, time: str) -> str:
    """A statement in full: who, where, what kind, which release and on which line."""
    plan = i.plan
    kinds = {k.id: k.name for k in plan.statements.kinds} if plan.statements else {}
    kind = kinds.get(x.kind, x.kind)
    if x.ours:
        who = x.speaker or x.actor
        basis = (
            _("release {number}, following version {line} of the unified line").format(
                number=x.number, line=x.line
            )
            if x.line is not None
            else _("release {number}, without an approved line: {reason}").format(
                number=x.number, reason=x.without_line or "—"
            )
        )
    else:
        who = (
            _("{body} ({speaker})").format(body=x.body, speaker=x.speaker) if x.speaker else x.body
        )
        basis = _("release {number}").format(number=x.number)
    head = (
        _("{time}, {person} published {kind} on {channel} ({basis})")
        if x.channel
        else _("{time}, {person} published {kind} ({basis})")
    ).format(time=time, person=who, kind=kind, channel=x.channel, basis=basis)
    text = sentence(head, quoted(x.text))
    if x.retraction is not None:
        text = sentences(
            text,
            sentence(
                _("Retracted {time}").format(
                    time=when_text(x.retraction.when, report.plan.info.timezone, report.day)
                ),
                x.retraction.reason,
            ),
        )
    return text
