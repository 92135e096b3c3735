"""Incident operations: each writing command is one transaction with its events.

Every function takes the command's context and what the user typed (plan tokens such
as a level's name, a time as written); it resolves them against the governing plan,
checks the workflow rules of :mod:`yuqing_cli.plan.rules` on the state rebuilt from
the incident's trail, records its events through :func:`yuqing_cli.services.state.record`
and returns a plain view for rendering.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import select

from yuqing_cli.errors import BadInput, Refused
from yuqing_cli.i18n import _
from yuqing_cli.plan import rules
from yuqing_cli.plan.schema import Plan, Step
from yuqing_cli.plan.state import IncidentState
from yuqing_cli.services import state as st
from yuqing_cli.services.context import Context, Writing, writing
from yuqing_cli.services.plans import ensure_version
from yuqing_cli.services.views import Outcome, incident_view
from yuqing_cli.store.tables import Incident
from yuqing_cli.when import When

MAX_TITLE = 500
MAX_SHORT = 2_000  # a URL, a platform, a source
MAX_TEXT = 20_000  # a summary, a note, a reason


@dataclass(frozen=True)
class NewIncident:
    """What `yq new` was given, as typed: plan tokens are resolved by the service."""

    title: str
    level: str | None = None
    categories: tuple[str, ...] = ()
    sentiment: str | None = None
    platform: str = ""
    url: str | None = None
    summary: str = ""
    at: str | None = None
    first_seen: str | None = None
    exercise: bool = False
    allow_duplicate: bool = False
    imported: bool = False


def clean_text(value: str, what: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    text = value.strip()
    if required and not text:
        raise BadInput(
            _("the {what} is empty").format(what=what), hint=_("give a {what}").format(what=what)
        )
    if len(text) > limit:
        raise BadInput(
            _("the {what} is too long ({length} characters, at most {limit})").format(
                what=what, length=len(text), limit=limit
            ),
            hint=_("shorten it; put long texts in a note"),
        )
    return text


def require(plan: Plan, actor: str, action: str, what: str, state: IncidentState | None) -> None:
    """Refuse unless ``actor`` may do ``action``: rights come from ``plan``, the plan that
    governs the database now (its roster and permissions), whatever version the
    incident follows for its steps."""
    assignments = dict(state.assignments) if state else {}
    if not rules.may(plan, actor, action, assignments):
        raise Refused(
            _("{actor} may not {what}").format(actor=actor, what=what),
            hint=_("only {who} may (Art. {article}); ask them to do it").format(
                who=rules.who_may(plan, plan.permission(action), assignments),
                article=plan.permission_article(action),
            ),
        )


def outcome(
    w: Writing,
    loaded: st.Loaded,
    action: str,
    message: str,
    *,
    events: int = 1,
    details: tuple[str, ...] = (),
) -> Outcome:
    """What a writing command did to an incident, for its confirmation."""
    return Outcome(
        loaded.ref,
        action,
        message,
        incident_view(loaded.plan, loaded.state, w.now),
        events=events,
        details=details,
        names=loaded.plan.names,
    )


def resolve_categories(plan: Plan, tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Category tokens (ids or names, also comma-separated) to ids, the first kept first."""
    names: list[str] = []
    for token in tokens:
        for part in token.replace("，", ",").replace("、", ",").split(","):
            if part.strip():
                category = plan.category(part).id
                if category not in names:
                    names.append(category)
    return tuple(names) or (plan.defaults.category,)


# -- creating ----------------------------------------------------------------------------


def new_incident(ctx: Context, data: NewIncident) -> Outcome:
    title = clean_text(data.title, _("title"), required=True, limit=MAX_TITLE)
    summary = clean_text(data.summary, _("summary"))
    platform = clean_text(data.platform, _("platform"), limit=MAX_SHORT)
    url = clean_text(data.url or "", _("URL"), limit=MAX_SHORT) or None
    with writing(ctx) as w:
        plan = w.plan
        level = plan.level(data.level).id if data.level else plan.defaults.level
        categories = resolve_categories(plan, data.categories)
        sentiment = plan.sentiment(data.sentiment).id if data.sentiment else plan.defaults.sentiment
        require(plan, w.actor, "new", _("log incidents"), None)
        if data.at is not None and data.at.strip().lower() in ("unknown", "不详", "未知"):
            raise BadInput(
                _("the time of detection cannot be unknown"),
                hint=_("give at least the day it was found, e.g. --at 2020-03-31"),
            )
        detected = w.when(data.at, what=_("detection"))
        first_seen = w.when(data.first_seen, what=_("first seen")) if data.first_seen else None
        if first_seen is not None:
            first_seen = first_seen.clip(hi=detected.hi)
            w.not_before(
                detected,
                first_seen,
                _("detection ({when}) is before the item was first seen ({bound})"),
            )
        if url is not None and not data.allow_duplicate:
            existing = w.session.exec(select(Incident).where(Incident.url == url)).first()
            if existing is not None:
                raise Refused(
                    _("this URL is already logged as {ref}: {title}").format(
                        ref=existing.ref, title=existing.title
                    ),
                    hint=_(
                        "add to it with `yq note {ref} TEXT`, or pass --allow-duplicate "
                        "to log a separate incident"
                    ).format(ref=existing.ref),
                )
        ensure_version(w.session, plan, w.now)
        fields: dict[str, Any] = {
            "title": title,
            "level": level,
            "categories": list(categories),
            "category": categories[0],
            "sentiment": sentiment,
            "platform": platform,
            "url": url,
            "summary": summary,
            "exercise": data.exercise,
            "stage": plan.initial_stage.id,
        }
        if data.imported:
            fields["imported"] = True
        loaded = st.create(
            w.session,
            plan,
            ref=st.next_ref(w.session, plan, detected.at),
            actor=w.actor,
            when=detected,
            fields=fields,
            data={"first_seen": first_seen.to_dict()} if first_seen else None,
            now=w.now,
        )
        return outcome(
            w,
            loaded,
            "create",
            _("logged {ref} in stage {stage}").format(
                ref=loaded.ref, stage=plan.initial_stage.name
            ),
        )


# -- steps -----------------------------------------------------------------------------------


def resolve_step(plan: Plan, state: IncidentState, token: str) -> Step:
    """A step by id, a unique id prefix, or its exact title."""
    wanted = token.strip()
    if plan.has_step(wanted):
        return plan.step(wanted)
    by_title = [s for s in plan.steps if wanted in (s.title, s.title_en)]
    if len(by_title) == 1:
        return by_title[0]
    prefixed = [s for s in plan.steps if s.id.startswith(wanted)]
    if len(prefixed) == 1 and wanted:
        return prefixed[0]
    import difflib

    names = [s.id for s in plan.steps] + [s.title for s in plan.steps]
    close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.5)
    hint = (
        _("did you mean {names}?").format(names=", ".join(close))
        if close
        else _("see the step ids with `yq checklist {ref}`").format(ref=state.ref)
    )
    raise BadInput(_("unknown step {step!r}").format(step=token), hint=hint)


def _applicable_step(plan: Plan, state: IncidentState, token: str) -> Step:
    step = resolve_step(plan, state, token)
    ref = state.ref
    if not rules.applies(step, state):
        raise Refused(
            _("step {step} ({title}) does not apply to {ref}").format(
                step=step.id, title=step.title, ref=ref
            ),
            hint=_("see `yq checklist {ref}` for the steps that apply").format(ref=ref),
        )
    if plan.stage_index(step.stage) > plan.stage_index(state.stage):
        raise Refused(
            _("step {step} belongs to stage {stage}, which {ref} has not reached").format(
                step=step.id, stage=plan.stage(step.stage).name, ref=ref
            ),
            hint=_("finish the current stage and `yq advance {ref}` first").format(ref=ref),
        )
    if step.id in state.steps:
        record = state.steps[step.id]
        raise Refused(
            _("step {step} is already {status} by {person}").format(
                step=step.id, status=status_word(record.status), person=record.actor
            ),
            hint=_("see `yq log {ref}`; `yq undo {ref} {step}` takes it back").format(
                ref=ref, step=step.id
            ),
        )
    return step


def status_word(status: str) -> str:
    return {"done": _("done"), "waived": _("waived"), "open": _("open")}.get(status, status)


def step_floor(state: IncidentState, step: Step) -> When:
    """The earliest a step can have been done: when its stage was entered in this wave
    (or the wave began, for a stage this wave did not pass through)."""
    return state.entered(step.stage, state.wave) or state.waves[-1].started


def complete_step(
    ctx: Context,
    ref: str,
    step_token: str,
    *,
    note: str = "",
    at: str | None = None,
    waive: bool = False,
) -> Outcome:
    """`yq done` (waive=False) or `yq waive` (waive=True, the note is the reason)."""
    note = clean_text(note, _("reason") if waive else _("note"), required=waive)
    with writing(ctx) as w:
        loaded = st.load_for_write(w.session, w.plan, ref)
        plan, state = loaded.plan, loaded.state
        step = _applicable_step(plan, state, step_token)
        if waive:
            require(w.plan, w.actor, "waive", _("waive steps"), state)
        elif step.assigns:
            role = plan.role(step.assigns)
            raise Refused(
                _("step {step} is completed by designating the {role}").format(
                    step=step.id, role=role.name
                ),
                hint=_("run `yq assign {ref} {role} NAME`").format(ref=loaded.ref, role=role.id),
            )
        elif not rules.may_complete(w.plan, w.actor, step, state.assignments):
            raise Refused(
                _("{actor} may not complete step {step} ({title})").format(
                    actor=w.actor, step=step.id, title=step.title
                ),
                hint=_("only {who} may (Art. {article}); ask them to do it").format(
                    who=rules.who_may(w.plan, step.roles, dict(state.assignments)),
                    article=step.article,
                ),
            )
        floor = step_floor(state, step)
        when = w.when_after(
            at, floor, _("{when} is before this step's stage was entered ({bound})")
        )
        status = "waived" if waive else "done"
        loaded = st.record(
            w.session,
            loaded,
            action=status,
            actor=w.actor,
            when=when,
            subject=step.id,
            old="open",
            new=status,
            note=note,
            now=w.now,
        )
        message = (
            _("{ref}: {step} waived ({title})") if waive else _("{ref}: {step} done ({title})")
        )
        return outcome(
            w, loaded, status, message.format(ref=loaded.ref, step=step.id, title=step.title)
        )


# -- moving through the stages ------------------------------------------------------------------


def advance(ctx: Context, ref: str, *, at: str | None = None, note: str = "") -> Outcome:
    note = clean_text(note, _("note"))
    with writing(ctx) as w:
        loaded = st.load_for_write(w.session, w.plan, ref)
        plan, state = loaded.plan, loaded.state
        check = rules.check_advance(plan, state)
        if check.target is None:
            raise Refused(
                _("{ref} is in the final stage {stage}").format(
                    ref=loaded.ref, stage=check.current.name
                ),
                hint=_("a flare-up? `yq reopen {ref} --reason TEXT`").format(ref=loaded.ref),
            )
        what = _("close incidents") if check.action == "close" else _("advance incidents")
        require(w.plan, w.actor, check.action, what, state)
        if check.missing:
            raise Refused(
                _("{ref} cannot move to {stage}: {n} required step(s) not done: ").format(
                    ref=loaded.ref, stage=check.target.name, n=len(check.missing)
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
                    "do them with `yq done {ref} STEP`, or a leader may "
                    "`yq waive {ref} STEP --reason TEXT`"
                ).format(ref=loaded.ref),
            )
        entered = state.entered(state.stage, state.wave) or state.waves[-1].started
        when = w.when_after(
            at, entered, _("{when} is before the current stage was entered ({bound})")
        )
        for step in rules.applicable_steps(plan, state.level, state.categories):
            record = state.steps.get(step.id)
            if step.required and record is not None and rules.stage_passed(plan, step, state):
                w.not_before(
                    when,
                    record.when,
                    _("{when} is before a step this move needs was done ({bound})"),
                )
        loaded = st.record(
            w.session,
            loaded,
            action=check.action,
            actor=w.actor,
            when=when,
            subject="stage",
            old=state.stage,
            new=check.target.id,
            note=note,
            now=w.now,
        )
        return outcome(
            w, loaded, check.action, f"{loaded.ref}: {check.current.name} → {check.target.name}"
        )


def reopen(ctx: Context, ref: str, *, reason: str, at: str | None = None) -> Outcome:
    reason = clean_text(reason, _("reason"), required=True)
    with writing(ctx) as w:
        loaded = st.load_for_write(w.session, w.plan, ref)
        plan, state = loaded.plan, loaded.state
        target = rules.reopen_target(plan, state)
        if target is None:
            raise Refused(
                _("{ref} is in stage {stage}, which cannot be reopened").format(
                    ref=loaded.ref, stage=plan.stage(state.stage).name
                ),
                hint=_("only a closed incident is reopened; it is still being worked"),
            )
        require(w.plan, w.actor, "reopen", _("reopen incidents"), state)
        closed = state.closed
        when = w.when_after(at, closed, _("{when} is before the incident was closed ({bound})"))
        reset = [s.id for s in rules.steps_reset_by_reopen(plan, target) if s.id in state.steps]
        old = state.stage
        loaded = st.record(
            w.session,
            loaded,
            action="reopen",
            actor=w.actor,
            when=when,
            subject="stage",
            old=old,
            new=target.id,
            note=reason,
            now=w.now,
        )
        details = (_("steps to do again: {steps}").format(steps=", ".join(reset)),) if reset else ()
        return outcome(
            w,
            loaded,
            "reopen",
            _("{ref} reopened: {old} → {new} (wave {wave})").format(
                ref=loaded.ref, old=plan.stage(old).name, new=target.name, wave=loaded.state.wave
            ),
            details=details,
        )


def grade(
    ctx: Context, ref: str, level_token: str, *, reason: str, at: str | None = None
) -> Outcome:
    reason = clean_text(reason, _("reason"), required=True)
    with writing(ctx) as w:
        loaded = st.load_for_write(w.session, w.plan, ref)
        plan, state = loaded.plan, loaded.state
        level = plan.level(level_token)
        require(w.plan, w.actor, "grade", _("re-grade incidents"), state)
        if level.id == state.level:
            raise Refused(
                _("{ref} is already {level}").format(ref=loaded.ref, level=level.name),
                hint=_("give a different level"),
            )
        last = state.gradings[-1].since
        when = w.when_after(at, last, _("{when} is before its last grading ({bound})"))
        old = plan.level(state.level)
        before = {s.id for s in rules.outstanding(plan, state)}
        loaded = st.record(
            w.session,
            loaded,
            action="grade",
            actor=w.actor,
            when=when,
            subject="level",
            old=old.id,
            new=level.id,
            note=reason,
            now=w.now,
        )
        newly = [s for s in rules.outstanding(plan, loaded.state) if s.id not in before]
        details = tuple(
            _("now outstanding: {step}  {title} (Art. {article})").format(
                step=s.id, title=s.title, article=s.article
            )
            for s in newly
        )
        return outcome(
            w, loaded, "grade", f"{loaded.ref}: {old.name} → {level.name}", details=details
        )


def assign(
    ctx: Context, ref: str, role_token: str, person: str, *, at: str | None = None
) -> Outcome:
    with writing(ctx) as w:
        loaded = st.load_for_write(w.session, w.plan, ref)
        plan, state = loaded.plan, loaded.state
        role = plan.role(role_token)
        if not role.per_incident:
            designated = [r.name for r in plan.roles if r.per_incident]
            raise BadInput(
                _("{role} is held from the roster, not designated per incident").format(
                    role=role.name
                ),
                hint=_("roles designated per incident: {roles}").format(
                    roles="、".join(designated)
                ),
            )
        holder = w.plan.person(person).name
        require(w.plan, w.actor, "assign", _("designate the {role}").format(role=role.name), state)
        when = w.when_after(
            at, state.detected, _("{when} is before the incident was detected ({bound})")
        )
        pending = [
            step
            for step in rules.applicable_steps(plan, state.level, state.categories)
            if step.assigns == role.id
            and step.id not in state.steps
            and plan.stage_index(step.stage) <= plan.stage_index(state.stage)
        ]
        if state.assignments.get(role.id) == holder and not pending:
            raise Refused(
                _("{person} is already the {role} of {ref}").format(
                    person=holder, role=role.name, ref=loaded.ref
                )
            )
        events = 0
        if state.assignments.get(role.id) != holder:
            loaded = st.record(
                w.session,
                loaded,
                action="assign",
                actor=w.actor,
                when=when,
                subject=role.id,
                old=state.assignments.get(role.id),
                new=holder,
                now=w.now,
            )
            events += 1
        done = []
        for step in pending:
            loaded = complete(w, loaded, step, when, f"{role.name}: {holder}")
            events += 1
            done.append(step.id)
        return outcome(
            w,
            loaded,
            "assign",
            _("{ref}: {role} is {person}").format(ref=loaded.ref, role=role.name, person=holder),
            events=events,
            details=tuple(_("step {step} done").format(step=s) for s in done),
        )


def add_note(ctx: Context, ref: str, text: str, *, at: str | None = None) -> Outcome:
    text = clean_text(text, _("note"), required=True)
    with writing(ctx) as w:
        loaded = st.load_for_write(w.session, w.plan, ref)
        require(w.plan, w.actor, "note", _("add notes"), loaded.state)
        detected = loaded.state.detected
        when = w.when_after(at, detected, _("{when} is before the incident was detected ({bound})"))
        loaded = st.record(
            w.session, loaded, action="note", actor=w.actor, when=when, note=text, now=w.now
        )
        return outcome(w, loaded, "note", _("{ref}: note added").format(ref=loaded.ref))


def complete(
    w: Writing,
    loaded: st.Loaded,
    step: Step,
    when: When,
    note: str,
    data: Mapping[str, Any] | None = None,
) -> st.Loaded:
    """Record ``step`` done by what completes it (a designation, a statement, a line)."""
    return st.record(
        w.session,
        loaded,
        action="done",
        actor=w.actor,
        when=when,
        subject=step.id,
        old="open",
        new="done",
        note=note,
        data=data,
        now=w.now,
    )
