"""The substance of a response: assessments (研判), the unified line (口径), public
statements, and hand-over to another body.

Each operation is one writing transaction: it checks the plan's rules and the order of
times, records its event, and — where the plan says so — the step it completes (the
first assessment completes the assessment step; an approved line the line step; a
statement of ours the steps its kind completes), each as an event of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from yuqing_cli.errors import BadInput, Refused
from yuqing_cli.i18n import _
from yuqing_cli.plan import rules
from yuqing_cli.plan.grading import Suggestion, suggestions
from yuqing_cli.plan.schema import METRICS, TRENDS, Plan, Step
from yuqing_cli.plan.state import IncidentState, LineVersion
from yuqing_cli.services import state as st
from yuqing_cli.services.context import Context, Writing, reading, writing
from yuqing_cli.services.incidents import MAX_SHORT, clean_text, complete, outcome, require
from yuqing_cli.services.views import Outcome
from yuqing_cli.when import When

MAX_STATEMENT = 20_000


def _open_step(plan: Plan, state: IncidentState, step_id: str | None) -> Step | None:
    """The step, if it applies to the incident and is neither done nor waived."""
    if step_id is None or not plan.has_step(step_id):
        return None
    step = plan.step(step_id)
    if step.id in state.steps or not rules.applies(step, state):
        return None
    return step


def _detected_floor(w: Writing, state: IncidentState, at: str | None) -> When:
    return w.when_after(
        at, state.detected, _("{when} is before the incident was detected ({bound})")
    )


# -- assessments (研判) ---------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentInput:
    metrics: Mapping[str, int | None]
    rank: int | None = None
    platform: str = ""
    sentiment: str | None = None  # as typed
    trend: str | None = None
    note: str = ""
    at: str | None = None


def assess(ctx: Context, ref: str, data: AssessmentInput) -> Outcome:
    note = clean_text(data.note, _("note"))
    platform = clean_text(data.platform, _("platform"), limit=MAX_SHORT)
    metrics = {k: v for k, v in data.metrics.items() if v is not None}
    for name, value in metrics.items():
        if name not in METRICS or value < 0:
            raise BadInput(_("{name} must be a number of 0 or more").format(name=name))
    if data.rank is not None and data.rank < 1:
        raise BadInput(_("a hot-search rank starts at 1"))
    if data.trend is not None and data.trend not in TRENDS:
        raise BadInput(
            _("unknown trend {trend!r}").format(trend=data.trend),
            hint=_("trends: {names}").format(names=", ".join(TRENDS)),
        )
    if not metrics and data.rank is None and data.sentiment is None and data.trend is None:
        raise BadInput(
            _("an assessment needs at least one measure"),
            hint=_("e.g. --reposts 12000 --trend rising, or --sentiment 负面"),
        )
    with writing(ctx) as w:
        loaded = st.load_for_write(w.session, w.plan, ref)
        plan, state = loaded.plan, loaded.state
        require(w.plan, w.actor, "assess", _("record assessments"), state)
        sentiment = plan.sentiment(data.sentiment).id if data.sentiment else None
        when = _detected_floor(w, state, data.at)
        optional: dict[str, Any] = {
            "rank": data.rank,
            "sentiment": sentiment,
            "trend": data.trend,
        }
        payload: dict[str, Any] = {"metrics": metrics}
        payload.update({k: v for k, v in optional.items() if v is not None})
        if platform:
            payload["platform"] = platform
        loaded = st.record(
            w.session, loaded, action="assess", actor=w.actor, when=when, note=note,
            data=payload, now=w.now,
        )  # fmt: skip
        events = 1
        details: list[str] = []
        step = _open_step(plan, loaded.state, plan.assessment.step if plan.assessment else None)
        if step is not None and rules.stage_passed(plan, step, loaded.state):
            loaded = complete(
                w, loaded, step, when, _("first assessment"),
                {"assessment": loaded.state.last_seq},
            )  # fmt: skip
            events += 1
            details.append(_("step {step} done").format(step=step.id))
        details += [suggestion_text(s) for s in suggestions(plan, loaded.state)]
        number = len(loaded.state.assessments)
        return outcome(
            w,
            loaded,
            "assess",
            _("{ref}: assessment {n} recorded").format(ref=loaded.ref, n=number),
            events=events,
            details=tuple(details),
        )


def suggestion_text(s: Suggestion) -> str:
    what = (
        _("re-grade to {level}").format(level=s.level.name)
        if s.level is not None
        else _("consider step {step} ({title})").format(step=s.step.id, title=s.step.title)
        if s.step is not None
        else ""
    )
    return _("suggestion: {what} — rule “{rule}” (Art. {article})").format(
        what=what, rule=s.rule.name, article=s.rule.article
    )


# -- the unified line (口径) ------------------------------------------------------------------


def _line_rules(plan: Plan) -> Any:
    if plan.line is None:
        raise Refused(
            _("the plan has no unified line (no `line:` section)"),
            hint=_("adopt a plan with a `line:` section (see docs/plan-format.md)"),
        )
    return plan.line


def draft_line(ctx: Context, ref: str, text: str, *, at: str | None = None) -> Outcome:
    text = clean_text(text, _("line"), required=True, limit=MAX_STATEMENT)
    with writing(ctx) as w:
        loaded = st.load_for_write(w.session, w.plan, ref)
        _line_rules(loaded.plan)
        require(w.plan, w.actor, "draft_line", _("draft the unified line"), loaded.state)
        when = _detected_floor(w, loaded.state, at)
        version = len(loaded.state.lines) + 1
        loaded = st.record(
            w.session, loaded, action="line_draft", actor=w.actor, when=when,
            subject=str(version), data={"version": version, "text": text}, now=w.now,
        )  # fmt: skip
        return outcome(
            w,
            loaded,
            "line_draft",
            _("{ref}: line version {version} drafted").format(ref=loaded.ref, version=version),
        )


def approve_line(
    ctx: Context, ref: str, version: int | None = None, *, at: str | None = None
) -> Outcome:
    with writing(ctx) as w:
        loaded = st.load_for_write(w.session, w.plan, ref)
        plan, state = loaded.plan, loaded.state
        line_rules = _line_rules(plan)
        approvers = rules.line_approvers(w.plan, plan)
        if not rules.roles_of(w.plan, w.actor, state.assignments) & set(approvers):
            raise Refused(
                _("{actor} may not approve the unified line").format(actor=w.actor),
                hint=_("only {who} may (Art. {article}); ask them").format(
                    who=rules.who_may(w.plan, approvers), article=line_rules.article
                ),
            )
        target = _line_version(state, version)
        if any(x.person == w.actor for x in target.signatures):
            raise Refused(
                _("{actor} has already signed line version {version}").format(
                    actor=w.actor, version=target.number
                ),
                hint=_("a second signature must come from another approver"),
            )
        if target.approved is not None:
            raise Refused(
                _("line version {version} is already approved").format(version=target.number)
            )
        when = w.when_after(at, target.when, _("{when} is before the line was drafted ({bound})"))
        loaded = st.record(
            w.session, loaded, action="line_approve", actor=w.actor, when=when,
            subject=str(target.number), now=w.now,
        )  # fmt: skip
        signed = loaded.state.line(target.number)
        assert signed is not None
        needed = line_rules.needed(state.level)
        events = 1
        details: list[str] = []
        if signed.approved is None:
            message = _(
                "{ref}: line version {version} signed by {person} "
                "({n} of {needed} signatures; not yet approved)"
            ).format(
                ref=loaded.ref, version=target.number, person=w.actor,
                n=len(signed.signatures), needed=needed,
            )  # fmt: skip
        else:
            message = _("{ref}: line version {version} approved").format(
                ref=loaded.ref, version=target.number
            )
            step = _open_step(plan, loaded.state, line_rules.step)
            if step is not None:
                loaded = complete(
                    w, loaded, step, when, _("line version {version}").format(
                        version=target.number
                    ), {"line": target.number},
                )  # fmt: skip
                events += 1
                details.append(_("step {step} done").format(step=step.id))
        return outcome(w, loaded, "line_approve", message, events=events, details=tuple(details))


def _line_version(state: IncidentState, version: int | None) -> LineVersion:
    if not state.lines:
        raise Refused(
            _("{ref} has no unified line yet").format(ref=state.ref),
            hint=_("draft one with `yq line draft {ref} --text …`").format(ref=state.ref),
        )
    if version is None:
        return state.lines[-1]
    found = state.line(version)
    if found is None:
        raise BadInput(
            _("{ref} has no line version {version}").format(ref=state.ref, version=version),
            hint=_("versions: {numbers}").format(
                numbers=", ".join(str(x.number) for x in state.lines)
            ),
        )
    return found


@dataclass(frozen=True)
class LineReport:
    ref: str
    tz: str
    needed: int
    versions: tuple[LineVersion, ...]


def line_show(ctx: Context, ref: str) -> LineReport:
    with reading(ctx) as r:
        loaded = st.load(r.session, r.plan, ref, r.plan)
    line_rules = loaded.plan.line
    needed = line_rules.needed(loaded.state.level) if line_rules else 1
    return LineReport(loaded.ref, loaded.plan.info.timezone, needed, loaded.state.lines)


# -- public statements -------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementInput:
    kind: str
    text: str
    channel: str = ""
    body: str = ""  # another body's statement
    speaker: str = ""
    line: int | None = None
    without_line: bool = False
    reason: str = ""
    at: str | None = None


def add_statement(ctx: Context, ref: str, data: StatementInput) -> Outcome:
    text = clean_text(data.text, _("statement"), required=True, limit=MAX_STATEMENT)
    channel = clean_text(data.channel, _("channel"), limit=MAX_SHORT)
    body = clean_text(data.body, _("body"), limit=MAX_SHORT)
    speaker = clean_text(data.speaker, _("speaker"), limit=MAX_SHORT)
    reason = clean_text(data.reason, _("reason"), required=data.without_line)
    with writing(ctx) as w:
        loaded = st.load_for_write(w.session, w.plan, ref)
        plan, state = loaded.plan, loaded.state
        if plan.statements is None:
            raise Refused(
                _("the plan has no public statements (no `statements:` section)"),
                hint=_("adopt a plan with a `statements:` section (see docs/plan-format.md)"),
            )
        kind = plan.statements.kind(data.kind)
        require(w.plan, w.actor, "statement", _("record public statements"), state)
        when = _detected_floor(w, state, data.at)
        payload: dict[str, Any] = {
            "number": len(state.statements) + 1,
            "kind": kind.id,
            "text": text,
        }
        if channel:
            payload["channel"] = channel
        if body:
            payload["body"] = body
        if not speaker and not body:  # ours: said by the designated spokesperson, if any
            speaker = next(
                (p for r, p in state.assignments.items() if w.plan.role(r).per_incident), ""
            )
        if speaker:
            payload["speaker"] = speaker
            if not any(p.name == "".join(speaker.split()) for p in w.plan.people):
                payload["speaker_external"] = True
        if not body:
            payload.update(_line_for(w, plan, state, data, when, reason))
        loaded = st.record(
            w.session, loaded, action="statement", actor=w.actor, when=when,
            subject=str(payload["number"]), note=reason, data=payload, now=w.now,
        )  # fmt: skip
        events, details = 1, []
        if not body:
            for step_id in kind.completes:
                step = _open_step(plan, loaded.state, step_id)
                if step is None:
                    continue
                loaded = complete(
                    w, loaded, step, when, f"{kind.name} #{payload['number']}",
                    {"statement": payload["number"]},
                )  # fmt: skip
                events += 1
                details.append(_("step {step} done").format(step=step.id))
        message = (
            _("{ref}: statement {n} ({kind}) recorded").format(
                ref=loaded.ref, n=payload["number"], kind=kind.name
            )
            if not body
            else _("{ref}: statement {n} ({kind}) by {body} recorded (not ours)").format(
                ref=loaded.ref, n=payload["number"], kind=kind.name, body=body
            )
        )
        return outcome(w, loaded, "statement", message, events=events, details=tuple(details))


def _line_for(
    w: Writing, plan: Plan, state: IncidentState, data: StatementInput, when: When, reason: str
) -> dict[str, Any]:
    """The approved line a statement of ours follows, or the recorded override."""
    assert plan.statements is not None
    approved = [x for x in state.lines if x.approved is not None]
    if data.line is not None:
        chosen = state.line(data.line)
        if chosen is None or chosen.approved is None:
            raise Refused(
                _("line version {version} is not approved").format(version=data.line),
                hint=_("see `yq line show {ref}`").format(ref=state.ref),
            )
    else:
        chosen = approved[-1] if approved else None
    if chosen is not None and not data.without_line:
        assert chosen.approved is not None
        w.not_before(
            when,
            chosen.approved,
            _("{when} is before the line it follows was approved ({bound})"),
        )
        return {"line": chosen.number}
    if not plan.statements.requires_line and not data.without_line:
        return {}
    if not data.without_line:
        raise Refused(
            _("{ref} has no approved unified line: a statement of ours needs one").format(
                ref=state.ref
            ),
            hint=_(
                "draft and approve it (`yq line draft`, `yq line approve`); a leader may "
                "publish without it with --without-line --reason TEXT"
            ),
        )
    override = plan.statements.override
    if not rules.roles_of(w.plan, w.actor, state.assignments) & set(override):
        raise Refused(
            _("{actor} may not publish without an approved line").format(actor=w.actor),
            hint=_("only {who} may; ask them").format(who=rules.who_may(w.plan, override)),
        )
    return {"without_line": reason}


def retract_statement(
    ctx: Context,
    ref: str,
    number: int,
    *,
    reason: str,
    replaced_by: int | None = None,
    at: str | None = None,
) -> Outcome:
    reason = clean_text(reason, _("reason"), required=True)
    with writing(ctx) as w:
        loaded = st.load_for_write(w.session, w.plan, ref)
        state = loaded.state
        require(w.plan, w.actor, "retract", _("retract statements"), state)
        statement = state.statement(number)
        if statement is None:
            raise BadInput(
                _("{ref} has no statement {n}").format(ref=loaded.ref, n=number),
                hint=_("see `yq show {ref}`").format(ref=loaded.ref),
            )
        if not statement.valid:
            raise Refused(_("statement {n} is already retracted").format(n=number))
        if replaced_by is not None:
            successor = state.statement(replaced_by)
            if successor is None or not successor.valid or replaced_by == number:
                raise BadInput(
                    _("statement {n} cannot replace it").format(n=replaced_by),
                    hint=_("record the correct statement first, then retract the wrong one"),
                )
        when = w.when_after(
            at, statement.when, _("{when} is before the statement was made ({bound})")
        )
        before = {k: v.when for k, v in state.steps.items() if v.statement == number}
        loaded = st.record(
            w.session, loaded, action="retract", actor=w.actor, when=when, subject=str(number),
            note=reason, data={"replaced_by": replaced_by} if replaced_by else None, now=w.now,
        )  # fmt: skip
        details = []
        for step_id in before:
            record = loaded.state.steps.get(step_id)
            details.append(
                _("step {step} now rests on statement {n}").format(step=step_id, n=record.statement)
                if record is not None
                else _("step {step} is open again").format(step=step_id)
            )
        return outcome(
            w,
            loaded,
            "retract",
            _("{ref}: statement {n} retracted").format(ref=loaded.ref, n=number),
            details=tuple(details),
        )


# -- hand-over ---------------------------------------------------------------------------------


def handover(ctx: Context, ref: str, body: str, *, reason: str, at: str | None = None) -> Outcome:
    body = clean_text(body, _("body"), required=True, limit=MAX_SHORT)
    reason = clean_text(reason, _("reason"), required=True)
    with writing(ctx) as w:
        loaded = st.load_for_write(w.session, w.plan, ref)
        require(w.plan, w.actor, "handover", _("hand incidents over"), loaded.state)
        when = _detected_floor(w, loaded.state, at)
        loaded = st.record(
            w.session, loaded, action="handover", actor=w.actor, when=when, subject="lead",
            old=loaded.state.lead or None, new=body, note=reason, data={"body": body},
            now=w.now,
        )  # fmt: skip
        return outcome(
            w,
            loaded,
            "handover",
            _("{ref}: now led by {body}; still tracked here").format(ref=loaded.ref, body=body),
        )
