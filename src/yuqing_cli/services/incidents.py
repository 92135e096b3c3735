"""Incident operations: each writing function is one transaction with its events.

Every function takes the store, the plan in use and the acting person (already
checked to be on the roster), applies the pure rules of
:mod:`yuqing_cli.plan.rules`, and returns plain views for rendering.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func
from sqlmodel import Session, col, select

from yuqing_cli.errors import BadInput, NotFound, Refused
from yuqing_cli.i18n import _
from yuqing_cli.plan import rules
from yuqing_cli.plan.rules import IncidentState
from yuqing_cli.plan.schema import Plan, Step
from yuqing_cli.services import audit
from yuqing_cli.services.history import mark_milestone
from yuqing_cli.services.plans import ensure_version, plan_for
from yuqing_cli.services.views import Checklist, ChecklistItem, EventView, IncidentView, Outcome
from yuqing_cli.store.db import Store
from yuqing_cli.store.tables import Assignment, Event, Incident, StepRecord
from yuqing_cli.timeutil import fmt_iso, local, utcnow

MAX_TITLE = 500


@dataclass(frozen=True)
class NewIncident:
    """What `yq new` was given, already resolved against the plan."""

    title: str
    level: str
    category: str
    sentiment: str
    platform: str = ""
    url: str | None = None
    summary: str = ""
    detected_at: datetime | None = None
    exercise: bool = False
    allow_duplicate: bool = False


# -- reading helpers ---------------------------------------------------------------


def _get(session: Session, ref: str) -> Incident:
    wanted = ref.strip().upper()
    incident = session.exec(select(Incident).where(Incident.ref == wanted)).first()
    if incident is None:
        raise NotFound(
            _("no incident {ref!r}").format(ref=ref), hint=_("list incidents with `yq list --all`")
        )
    return incident


def _stage_entered(incident: Incident) -> dict[str, datetime]:
    raw: dict[str, str] = json.loads(incident.stage_entered)
    return {stage: datetime.fromisoformat(at) for stage, at in raw.items()}


def _records(session: Session, ids: Sequence[int]) -> dict[int, dict[str, rules.StepRecord]]:
    out: dict[int, dict[str, rules.StepRecord]] = {i: {} for i in ids}
    if not ids:
        return out
    rows = session.exec(select(StepRecord).where(col(StepRecord.incident_id).in_(ids))).all()
    for row in rows:
        status: Literal["done", "waived"] = "done" if row.status == "done" else "waived"
        out[row.incident_id][row.step_id] = rules.StepRecord(
            status, row.actor, row.happened_at, row.note
        )
    return out


def _assignments(session: Session, ids: Sequence[int]) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {i: {} for i in ids}
    if not ids:
        return out
    for row in session.exec(select(Assignment).where(col(Assignment.incident_id).in_(ids))):
        out[row.incident_id][row.role] = row.person
    return out


def _id(incident: Incident) -> int:
    assert incident.id is not None, "incident not flushed"
    return incident.id


def _state(
    incident: Incident, records: dict[str, rules.StepRecord], assignments: dict[str, str]
) -> IncidentState:
    return IncidentState(
        level=incident.level,
        category=incident.category,
        stage=incident.stage,
        detected_at=incident.detected_at,
        stage_entered=_stage_entered(incident),
        steps=records,
        assignments=assignments,
    )


def _load_state(session: Session, incident: Incident) -> IncidentState:
    iid = _id(incident)
    return _state(incident, _records(session, [iid])[iid], _assignments(session, [iid])[iid])


def _trail(
    session: Session,
    incident: Incident,
    plan: Plan,
    when: datetime,
    now: datetime,
    *,
    action: str,
    actor: str,
    subject: str = "",
    old: str | None = None,
    new: str | None = None,
    note: str = "",
) -> None:
    """Append the incident's next event: it happened ``when``, is recorded ``now``."""
    audit.append(
        session,
        incident=incident,
        action=action,
        actor=actor,
        subject=subject,
        old=old,
        new=new,
        note=note,
        happened_at=when,
        recorded_at=now,
        plan_version=plan.version,
    )


def _open(session: Session, current: Plan, ref: str) -> tuple[Incident, Plan, IncidentState]:
    """The incident, the plan version it follows, and its state."""
    incident = _get(session, ref)
    return (
        incident,
        plan_for(session, current, incident.plan_version),
        _load_state(session, incident),
    )


def _view(
    plan: Plan, incident: Incident, state: IncidentState | None = None, now: datetime | None = None
) -> IncidentView:
    overdue = len(rules.overdue_steps(plan, state, now)) if state and now else 0
    return IncidentView(
        ref=incident.ref,
        title=incident.title,
        summary=incident.summary,
        platform=incident.platform,
        url=incident.url,
        level=plan.level(incident.level),
        category=plan.category(incident.category),
        sentiment=plan.sentiment(incident.sentiment),
        stage=plan.stage(incident.stage),
        exercise=incident.exercise,
        reporter=incident.reporter,
        detected_at=incident.detected_at,
        recorded_at=incident.recorded_at,
        reported_at=incident.reported_at,
        first_response_at=incident.first_response_at,
        closed_at=incident.closed_at,
        reopened=incident.reopened,
        plan_version=incident.plan_version,
        assignments=dict(state.assignments) if state else {},
        overdue=overdue,
    )


def _require(plan: Plan, actor: str, action: str, what: str, assignments: dict[str, str]) -> None:
    if not rules.may(plan, actor, action, assignments):
        raise Refused(
            _("{actor} may not {what}").format(actor=actor, what=what),
            hint=_("only {v1} may (Art. {v3}); act as one of them with --as NAME").format(
                v1=rules.who_may(plan, plan.permission(action), assignments),
                v3=_article(plan, action),
            ),
        )


def _article(plan: Plan, action: str) -> str:
    return next((p.article for p in plan.permissions if p.action == action), "?")


def _happened(at: datetime | None, now: datetime, incident: Incident | None = None) -> datetime:
    when = at or now
    if incident is not None and when < incident.detected_at:
        raise BadInput(
            _("{v0} is before the incident was detected ({v2})").format(
                v0=fmt_iso(when), v2=fmt_iso(incident.detected_at)
            ),
            hint=_("give a time after detection with --at, or leave --at out for now"),
        )
    return when


def _clean_text(value: str, what: str, *, required: bool = False, limit: int = 20_000) -> str:
    text = value.strip()
    if required and not text:
        raise BadInput(
            _("the {what} is empty").format(what=what), hint=_("give a {what}").format(what=what)
        )
    if len(text) > limit:
        raise BadInput(
            _("the {what} is too long ({v3} characters, at most {limit})").format(
                what=what, v3=len(text), limit=limit
            )
        )
    return text


# -- creating ----------------------------------------------------------------------


def next_ref(session: Session, plan: Plan, detected_at: datetime) -> str:
    day = local(detected_at, plan.info.timezone).strftime("%Y%m%d")
    prefix = f"{plan.info.reference_prefix}-{day}-"
    # A range on the unique index (LIKE would scan: it is case-insensitive in SQLite).
    last = session.exec(
        select(Incident.ref)
        .where(col(Incident.ref) >= prefix, col(Incident.ref) < prefix[:-1] + ".")
        .order_by(func.length(Incident.ref).desc(), col(Incident.ref).desc())
        .limit(1)
    ).first()
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:03d}"


def new_incident(store: Store, plan: Plan, actor: str, data: NewIncident) -> Outcome:
    title = _clean_text(data.title, _("title"), required=True, limit=MAX_TITLE)
    summary = _clean_text(data.summary, _("summary"))
    url = data.url.strip() if data.url and data.url.strip() else None
    _require(plan, actor, "new", _("log incidents"), {})
    now = utcnow()
    detected = _happened(data.detected_at, now)
    with store.write() as session:
        if url is not None and not data.allow_duplicate:
            existing = session.exec(select(Incident).where(Incident.url == url)).first()
            if existing is not None:
                raise Refused(
                    _("this URL is already logged as {existing_ref}: {existing_title}").format(
                        existing_ref=existing.ref, existing_title=existing.title
                    ),
                    hint=_(
                        "add to it with `yq note {existing_ref} TEXT`, or pass --allow-duplicate "
                        "to log a separate incident"
                    ).format(existing_ref=existing.ref),
                )
        ensure_version(session, plan, now)
        initial = plan.initial_stage
        incident = Incident(
            ref=next_ref(session, plan, detected),
            title=title,
            summary=summary,
            platform=data.platform.strip(),
            url=url,
            level=data.level,
            category=data.category,
            sentiment=data.sentiment,
            stage=initial.id,
            exercise=data.exercise,
            reporter=actor,
            plan_version=plan.version,
            detected_at=detected,
            recorded_at=now,
            stage_entered=json.dumps({initial.id: fmt_iso(detected)}),
        )
        session.add(incident)
        session.flush()
        fields = {
            "title": title,
            "level": data.level,
            "category": data.category,
            "sentiment": data.sentiment,
            "platform": incident.platform,
            "url": url,
            "summary": summary,
            "exercise": data.exercise,
            "stage": initial.id,
        }
        _trail(
            session,
            incident,
            plan,
            detected,
            now,
            action="create",
            actor=actor,
            new=json.dumps(fields, ensure_ascii=False, sort_keys=True),
        )
        view = _view(plan, incident, _state(incident, {}, {}), now)  # nothing done yet
    return Outcome(
        incident.ref,
        "create",
        _("logged {ref} in stage {stage}").format(ref=incident.ref, stage=initial.name),
        view,
    )


# -- steps -------------------------------------------------------------------------


def _applicable_step(plan: Plan, state: IncidentState, step_id: str, ref: str) -> Step:
    step = plan.step(step_id)
    if not step.when.applies(state.level, state.category):
        raise Refused(
            _("step {step_id} ({step_title}) does not apply to {ref}").format(
                step_id=step.id, step_title=step.title, ref=ref
            ),
            hint="see `yq checklist " + ref + "` for the steps that apply",
        )
    if plan.stage_index(step.stage) > plan.stage_index(state.stage):
        stage = plan.stage(step.stage)
        raise Refused(
            _("step {step_id} belongs to stage {stage_name}, which {ref} has not reached").format(
                step_id=step.id, stage_name=stage.name, ref=ref
            ),
            hint=_("finish the current stage and `yq advance {ref}` first").format(ref=ref),
        )
    if step.id in state.steps:
        record = state.steps[step.id]
        raise Refused(
            _("step {step_id} is already {record_status} by {record_actor}").format(
                step_id=step.id, record_status=record.status, record_actor=record.actor
            ),
            hint=_("see `yq log {ref}`").format(ref=ref),
        )
    return step


def complete_step(
    store: Store,
    current: Plan,
    actor: str,
    ref: str,
    step_id: str,
    *,
    note: str = "",
    at: datetime | None = None,
    waive: bool = False,
) -> Outcome:
    """`yq done` (waive=False) or `yq waive` (waive=True, the note is the reason)."""
    note = _clean_text(note, _("reason") if waive else _("note"), required=waive)
    now = utcnow()
    with store.write() as session:
        incident, plan, state = _open(session, current, ref)
        step = _applicable_step(plan, state, step_id, incident.ref)
        if waive:
            _require(plan, actor, "waive", _("waive steps"), dict(state.assignments))
        elif step.assigns:
            role = plan.role(step.assigns)
            raise Refused(
                _("step {step_id} is completed by designating the {role_name}").format(
                    step_id=step.id, role_name=role.name
                ),
                hint=_("run `yq assign {incident_ref} {role_id} NAME`").format(
                    incident_ref=incident.ref, role_id=role.id
                ),
            )
        elif not rules.may_complete(plan, actor, step, state.assignments):
            raise Refused(
                _("{actor} may not complete step {step_id} ({step_title})").format(
                    actor=actor, step_id=step.id, step_title=step.title
                ),
                hint=_(
                    "only {v1} may (Art. {step_article}); act as one of them with --as NAME"
                ).format(
                    v1=rules.who_may(plan, step.roles, dict(state.assignments)),
                    step_article=step.article,
                ),
            )
        when = _happened(at, now, incident)
        status = "waived" if waive else "done"
        session.add(
            StepRecord(
                incident_id=_id(incident),
                step_id=step.id,
                status=status,
                actor=actor,
                note=note,
                happened_at=when,
                recorded_at=now,
            )
        )
        if not waive:
            mark_milestone(incident, step, when)
        _trail(
            session,
            incident,
            plan,
            when,
            now,
            action=status,
            actor=actor,
            subject=step.id,
            old="open",
            new=status,
            note=note,
        )
        session.add(incident)
        view = _view(plan, incident, _load_state(session, incident), now)
    message = _("{ref}: {step} waived ({title})") if waive else _("{ref}: {step} done ({title})")
    return Outcome(
        incident.ref, status, message.format(ref=incident.ref, step=step.id, title=step.title), view
    )


# -- moving through the stages -------------------------------------------------------


def _enter(incident: Incident, stage_id: str, at: datetime) -> None:
    entered = json.loads(incident.stage_entered)
    entered[stage_id] = fmt_iso(at)
    incident.stage_entered = json.dumps(entered)
    incident.stage = stage_id


def advance(
    store: Store, current: Plan, actor: str, ref: str, *, at: datetime | None = None, note: str = ""
) -> Outcome:
    now = utcnow()
    note = _clean_text(note, _("note"))
    with store.write() as session:
        incident, plan, state = _open(session, current, ref)
        check = rules.check_advance(plan, state)
        if check.target is None:
            raise Refused(
                _("{incident_ref} is in the final stage {check_current_name}").format(
                    incident_ref=incident.ref, check_current_name=check.current.name
                ),
                hint=_("a flare-up? `yq reopen {incident_ref} --reason TEXT`").format(
                    incident_ref=incident.ref
                ),
            )
        what = _("close incidents") if check.action == "close" else _("advance incidents")
        _require(plan, actor, check.action, what, dict(state.assignments))
        if check.missing:
            raise Refused(
                _("{ref} cannot move to {stage}: {n} required step(s) not done: ").format(
                    ref=incident.ref, stage=check.target.name, n=len(check.missing)
                )
                + ", ".join(step.id for step in check.missing),
                details=[
                    _("{step}  {title}  (stage {stage}, Art. {article})").format(
                        step=step.id,
                        title=step.title,
                        stage=plan.stage(step.stage).name,
                        article=step.article,
                    )
                    for step in check.missing
                ],
                hint=_(
                    "do them with `yq done {incident_ref} STEP`, or a leader may "
                    "`yq waive {incident_ref} STEP --reason TEXT`"
                ).format(incident_ref=incident.ref),
            )
        entered = _stage_entered(incident).get(incident.stage, incident.detected_at)
        when = _happened(at, now, incident)
        if when < entered:
            raise BadInput(
                _("{v0} is before {incident_ref} entered its stage").format(
                    v0=fmt_iso(when), incident_ref=incident.ref
                ),
                hint=_("give a later time with --at"),
            )
        old = incident.stage
        _enter(incident, check.target.id, when)
        if check.target.final:
            incident.closed_at = when
        _trail(
            session,
            incident,
            plan,
            when,
            now,
            action=check.action,
            actor=actor,
            subject="stage",
            old=old,
            new=check.target.id,
            note=note,
        )
        session.add(incident)
        view = _view(plan, incident, _load_state(session, incident), now)
    return Outcome(
        incident.ref,
        check.action,
        f"{incident.ref}: {check.current.name} → {check.target.name}",
        view,
    )


def reopen(
    store: Store, current: Plan, actor: str, ref: str, *, reason: str, at: datetime | None = None
) -> Outcome:
    reason = _clean_text(reason, _("reason"), required=True)
    now = utcnow()
    with store.write() as session:
        incident, plan, state = _open(session, current, ref)
        target = rules.reopen_target(plan, state)
        if target is None:
            stage = plan.stage(incident.stage)
            raise Refused(
                _("{incident_ref} is in stage {stage_name}, which cannot be reopened").format(
                    incident_ref=incident.ref, stage_name=stage.name
                ),
                hint=_("only a closed incident is reopened; it is still being worked"),
            )
        _require(plan, actor, "reopen", _("reopen incidents"), dict(state.assignments))
        when = _happened(at, now, incident)
        reset = [s.id for s in rules.steps_reset_by_reopen(plan, target) if s.id in state.steps]
        if reset:
            for record in session.exec(
                select(StepRecord).where(
                    StepRecord.incident_id == incident.id, col(StepRecord.step_id).in_(reset)
                )
            ):
                session.delete(record)
        old = incident.stage
        _enter(incident, target.id, when)
        incident.closed_at = None
        incident.reopened += 1
        _trail(
            session,
            incident,
            plan,
            when,
            now,
            action="reopen",
            actor=actor,
            subject="stage",
            old=old,
            new=target.id,
            note=reason,
        )
        session.add(incident)
        view = _view(plan, incident, _load_state(session, incident), now)
    details = (_("steps to do again: {steps}").format(steps=", ".join(reset)),) if reset else ()
    return Outcome(
        incident.ref,
        "reopen",
        _("{ref} reopened: {old} → {new}").format(
            ref=incident.ref, old=plan.stage(old).name, new=target.name
        ),
        view,
        details=details,
    )


def grade(
    store: Store,
    current: Plan,
    actor: str,
    ref: str,
    level_token: str,
    *,
    reason: str,
    at: datetime | None = None,
) -> Outcome:
    reason = _clean_text(reason, _("reason"), required=True)
    now = utcnow()
    with store.write() as session:
        incident, plan, state = _open(session, current, ref)
        level = plan.level(level_token)
        _require(plan, actor, "grade", _("re-grade incidents"), dict(state.assignments))
        if level.id == incident.level:
            raise Refused(
                _("{incident_ref} is already {level_name}").format(
                    incident_ref=incident.ref, level_name=level.name
                ),
                hint=_("give a different level"),
            )
        when = _happened(at, now, incident)
        old = plan.level(incident.level)
        incident.level = level.id
        _trail(
            session,
            incident,
            plan,
            when,
            now,
            action="grade",
            actor=actor,
            subject="level",
            old=old.id,
            new=level.id,
            note=reason,
        )
        session.add(incident)
        new_state = _load_state(session, incident)
        view = _view(plan, incident, new_state, now)
        before = {s.id for s in rules.outstanding(plan, state)}
        newly = [s for s in rules.outstanding(plan, new_state) if s.id not in before]
    details = tuple(
        _("now outstanding: {step}  {title} (Art. {article})").format(
            step=s.id, title=s.title, article=s.article
        )
        for s in newly
    )
    return Outcome(
        incident.ref, "grade", f"{incident.ref}: {old.name} → {level.name}", view, details=details
    )


def assign(
    store: Store,
    current: Plan,
    actor: str,
    ref: str,
    role_token: str,
    person: str,
    *,
    at: datetime | None = None,
) -> Outcome:
    now = utcnow()
    with store.write() as session:
        incident, plan, state = _open(session, current, ref)
        role = plan.role(role_token)
        if not role.per_incident:
            designated = [r.name for r in plan.roles if r.per_incident]
            raise BadInput(
                _("{role_name} is held from the roster, not designated per incident").format(
                    role_name=role.name
                ),
                hint="roles designated per incident: " + "、".join(designated),
            )
        holder = current.person(person).name
        _require(
            plan,
            actor,
            "assign",
            _("designate the {role}").format(role=role.name),
            dict(state.assignments),
        )
        when = _happened(at, now, incident)
        old = state.assignments.get(role.id)
        if old == holder:
            raise Refused(
                _("{holder} is already the {role_name} of {incident_ref}").format(
                    holder=holder, role_name=role.name, incident_ref=incident.ref
                )
            )
        existing = session.get(Assignment, (incident.id, role.id))
        if existing is None:
            session.add(
                Assignment(incident_id=_id(incident), role=role.id, person=holder, happened_at=when)
            )
        else:
            existing.person, existing.happened_at = holder, when
            session.add(existing)
        _trail(
            session,
            incident,
            plan,
            when,
            now,
            action="assign",
            actor=actor,
            subject=role.id,
            old=old,
            new=holder,
        )
        done = []
        for step in rules.applicable_steps(plan, state.level, state.category):
            if (
                step.assigns == role.id
                and step.id not in state.steps
                and plan.stage_index(step.stage) <= plan.stage_index(state.stage)
            ):
                session.add(
                    StepRecord(
                        incident_id=_id(incident),
                        step_id=step.id,
                        status="done",
                        actor=actor,
                        note=f"{role.name}: {holder}",
                        happened_at=when,
                        recorded_at=now,
                    )
                )
                _trail(
                    session,
                    incident,
                    plan,
                    when,
                    now,
                    action="done",
                    actor=actor,
                    subject=step.id,
                    old="open",
                    new="done",
                    note=f"{role.name}: {holder}",
                )
                done.append(step.id)
        session.add(incident)
        view = _view(plan, incident, _load_state(session, incident), now)
    details = tuple(_("step {step} done").format(step=s) for s in done)
    return Outcome(
        incident.ref,
        "assign",
        _("{ref}: {role} is {person}").format(ref=incident.ref, role=role.name, person=holder),
        view,
        events=1 + len(done),
        details=details,
    )


def add_note(
    store: Store, current: Plan, actor: str, ref: str, text: str, *, at: datetime | None = None
) -> Outcome:
    text = _clean_text(text, _("note"), required=True)
    now = utcnow()
    with store.write() as session:
        incident, plan, state = _open(session, current, ref)
        _require(plan, actor, "note", _("add notes"), dict(state.assignments))
        when = _happened(at, now, incident)
        _trail(
            session,
            incident,
            plan,
            when,
            now,
            action="note",
            actor=actor,
            note=text,
        )
        session.add(incident)
        view = _view(plan, incident, state, now)
    return Outcome(incident.ref, "note", _("{ref}: note added").format(ref=incident.ref), view)


# -- reading -----------------------------------------------------------------------


def checklist(store: Store, current: Plan, ref: str, now: datetime | None = None) -> Checklist:
    now = now or utcnow()
    with store.read() as session:
        incident, plan, state = _open(session, current, ref)
    return build_checklist(plan, incident, state, now)


def build_checklist(
    plan: Plan, incident: Incident, state: IncidentState, now: datetime
) -> Checklist:
    current = plan.stage(state.stage)
    earlier_missing = [s for s in rules.outstanding(plan, state) if s.stage != current.id]
    steps = rules.applicable_steps(plan, state.level, state.category, current.id) + earlier_missing
    items = tuple(
        ChecklistItem(
            step=step,
            stage=plan.stage(step.stage),
            status=rules.step_status(state, step),
            record=state.steps.get(step.id),
            due=rules.due_at(plan, step, state),
            overdue=rules.is_overdue(plan, step, state, now),
        )
        for step in steps
    )
    check = rules.check_advance(plan, state)
    return Checklist(
        _view(plan, incident, state, now), plan, items, check.target, check.missing, now
    )


def show(store: Store, current: Plan, ref: str) -> tuple[Checklist, list[EventView]]:
    now = utcnow()
    with store.read() as session:
        incident, plan, state = _open(session, current, ref)
        events = _event_views(
            session,
            select(Event).where(Event.incident_id == incident.id).order_by(col(Event.seq)),
            {incident.id: incident.ref},
        )
    return build_checklist(plan, incident, state, now), events


@dataclass(frozen=True)
class ListFilter:
    include_closed: bool = False
    stage: str | None = None
    level: str | None = None
    overdue_only: bool = False
    exercises: bool = True
    limit: int | None = None


def list_incidents(store: Store, current: Plan, flt: ListFilter) -> list[IncidentView]:
    now = utcnow()
    with store.read() as session:
        query = select(Incident)
        if flt.stage is not None:
            query = query.where(Incident.stage == flt.stage)
        elif not flt.include_closed:
            query = query.where(col(Incident.closed_at).is_(None))
        if flt.level is not None:
            query = query.where(Incident.level == flt.level)
        if not flt.exercises:
            query = query.where(col(Incident.exercise).is_(False))
        query = query.order_by(col(Incident.detected_at).desc(), col(Incident.ref).desc())
        if flt.limit is not None and not flt.overdue_only:
            query = query.limit(flt.limit)
        incidents = list(session.exec(query))
        ids = [i.id for i in incidents if i.id is not None]
        records, assignments = _records(session, ids), _assignments(session, ids)
        views = []
        for incident in incidents:
            assert incident.id is not None
            plan = plan_for(session, current, incident.plan_version)
            state = _state(incident, records[incident.id], assignments[incident.id])
            views.append(_view(plan, incident, state, now))
    if flt.overdue_only:
        views = [v for v in views if v.overdue]
        if flt.limit is not None:
            views = views[: flt.limit]
    return views


def _event_views(session: Session, query: object, refs: dict[int | None, str]) -> list[EventView]:
    rows = list(session.exec(query))  # type: ignore[call-overload]
    missing = {e.incident_id for e in rows if e.incident_id is not None} - set(refs)
    if missing:
        for iid, ref in session.exec(
            select(Incident.id, Incident.ref).where(col(Incident.id).in_(missing))
        ):
            refs[iid] = ref
    return [
        EventView(
            id=e.id,
            ref=refs.get(e.incident_id),
            seq=e.seq,
            action=e.action,
            actor=e.actor,
            subject=e.subject,
            old=e.old,
            new=e.new,
            note=e.note,
            happened_at=e.happened_at,
            recorded_at=e.recorded_at,
            plan_version=e.plan_version,
            hash=e.hash,
        )
        for e in rows
    ]


def log(
    store: Store,
    ref: str | None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[EventView]:
    """An incident's trail in order, or every event in a time range (by when it happened)."""
    with store.read() as session:
        query = select(Event)
        refs: dict[int | None, str] = {}
        if ref is not None:
            incident = _get(session, ref)
            query = query.where(Event.incident_id == incident.id)
            refs[incident.id] = incident.ref
        if since is not None:
            query = query.where(Event.happened_at >= since)
        if until is not None:
            query = query.where(Event.happened_at < until)
        if ref is not None:
            query = query.order_by(col(Event.seq))
        else:
            query = query.order_by(col(Event.happened_at), col(Event.id))
        if limit is not None:
            query = query.limit(limit)
        return _event_views(session, query, refs)
