"""Corrections, each an event in the chain: edit what was logged, void a duplicate or a
mistake, undo a step done or waived in error. Nothing is ever deleted: the trail shows
the mistake and its correction."""

from __future__ import annotations

from typing import Any

from yuqing_cli.errors import BadInput, Refused
from yuqing_cli.i18n import _
from yuqing_cli.plan import rules
from yuqing_cli.services import state as st
from yuqing_cli.services.context import Context, writing
from yuqing_cli.services.incidents import (
    MAX_SHORT,
    MAX_TITLE,
    clean_text,
    outcome,
    require,
    resolve_categories,
    resolve_step,
)
from yuqing_cli.services.views import Outcome
from yuqing_cli.when import When


def edit(
    ctx: Context,
    ref: str,
    *,
    title: str | None = None,
    summary: str | None = None,
    url: str | None = None,
    platform: str | None = None,
    categories: tuple[str, ...] = (),
    sentiment: str | None = None,
    first_seen: str | None = None,
    reason: str = "",
) -> Outcome:
    """Correct what was logged. A changed category re-grades from now: the steps the new
    categories need become outstanding, with deadlines from the correction."""
    reason = clean_text(reason, _("reason"))
    given: dict[str, Any] = {}
    if title is not None:
        given["title"] = clean_text(title, _("title"), required=True, limit=MAX_TITLE)
    if summary is not None:
        given["summary"] = clean_text(summary, _("summary"))
    if url is not None:
        given["url"] = clean_text(url, _("URL"), limit=MAX_SHORT) or None
    if platform is not None:
        given["platform"] = clean_text(platform, _("platform"), limit=MAX_SHORT)
    with writing(ctx) as w:
        loaded = st.load_for_write(w.session, w.plan, ref)
        plan, state = loaded.plan, loaded.state
        require(w.plan, w.actor, "edit", _("correct incidents"), state)
        if categories:
            given["categories"] = list(resolve_categories(plan, categories))
        if sentiment is not None:
            given["sentiment"] = plan.sentiment(sentiment).id
        if first_seen is not None:
            seen = w.when(first_seen, what=_("first seen")).clip(hi=state.detected.hi)
            w.not_before(
                state.detected,
                seen,
                _("detection ({when}) is before the item was first seen ({bound})"),
            )
            given["first_seen"] = seen.to_dict()
        current = {
            "title": state.title,
            "summary": state.summary,
            "url": state.url,
            "platform": state.platform,
            "categories": list(state.categories),
            "sentiment": state.sentiment,
            "first_seen": state.first_seen.to_dict() if state.first_seen else None,
        }
        changes = {k: v for k, v in given.items() if current[k] != v}
        if not changes:
            raise Refused(
                _("nothing to change: {ref} already says so").format(ref=loaded.ref),
                hint=_("give what is different, e.g. --title or --category"),
            )
        before = {s.id for s in rules.applicable_steps(plan, state.level, state.categories)}
        loaded = st.record(
            w.session, loaded, action="edit", actor=w.actor, when=When.exact(w.now),
            subject=",".join(sorted(changes)), note=reason,
            data={"changes": changes, "was": {k: current[k] for k in changes}}, now=w.now,
        )  # fmt: skip
        after = loaded.state
        newly = [
            s
            for s in rules.applicable_steps(plan, after.level, after.categories)
            if s.id not in before
        ]
        details = tuple(
            _("now applies: {step}  {title} (Art. {article})").format(
                step=s.id, title=s.title, article=s.article
            )
            for s in newly
        )
        return outcome(
            w,
            loaded,
            "edit",
            _("{ref}: corrected {fields}").format(
                ref=loaded.ref, fields=", ".join(sorted(changes))
            ),
            details=details,
        )


def void(ctx: Context, ref: str, *, reason: str, duplicate_of: str | None = None) -> Outcome:
    """Mark an incident logged by mistake, or twice: kept in the trail and the ledger with
    its mark, left out of lists, counts and reports."""
    reason = clean_text(reason, _("reason"), required=True)
    with writing(ctx) as w:
        loaded = st.load_for_write(w.session, w.plan, ref)
        require(w.plan, w.actor, "void", _("void incidents"), loaded.state)
        if loaded.state.voided:
            raise Refused(_("{ref} is already voided").format(ref=loaded.ref))
        data: dict[str, Any] = {}
        if duplicate_of is not None:
            original = st.find(w.session, w.plan, duplicate_of)
            if original.id == loaded.id:
                raise BadInput(_("an incident cannot be a duplicate of itself"))
            data["duplicate_of"] = original.ref
        loaded = st.record(
            w.session, loaded, action="void", actor=w.actor, when=When.exact(w.now),
            note=reason, data=data or None, now=w.now,
        )  # fmt: skip
        message = (
            _("{ref} voided as a duplicate of {original}").format(
                ref=loaded.ref, original=data["duplicate_of"]
            )
            if data
            else _("{ref} voided").format(ref=loaded.ref)
        )
        return outcome(w, loaded, "void", message)


def undo(ctx: Context, ref: str, step_token: str | None = None, *, reason: str = "") -> Outcome:
    """Take back a step done or waived in error: one's own last one, or (with the plan's
    `undo` permission) anyone's. A compensating event; the step is open again."""
    reason = clean_text(reason, _("reason"))
    with writing(ctx) as w:
        loaded = st.load_for_write(w.session, w.plan, ref)
        plan, state = loaded.plan, loaded.state
        if step_token is not None:
            step = resolve_step(plan, state, step_token)
            record = state.steps.get(step.id)
            if record is None:
                raise Refused(
                    _("step {step} is not done or waived").format(step=step.id),
                    hint=_("see `yq checklist {ref}`").format(ref=loaded.ref),
                )
            step_id = step.id
        else:
            mine = [(r.seq, k, r) for k, r in state.steps.items() if r.actor == w.actor]
            if not mine:
                raise Refused(
                    _("{actor} has no step done or waived on {ref} to take back").format(
                        actor=w.actor, ref=loaded.ref
                    ),
                    hint=_("name the step: `yq undo {ref} STEP`").format(ref=loaded.ref),
                )
            _seq, step_id, record = max(mine)
        if record.statement is not None:
            raise Refused(
                _("step {step} rests on statement {n}").format(step=step_id, n=record.statement),
                hint=_("retract the statement instead: `yq statement retract {ref} {n}`").format(
                    ref=loaded.ref, n=record.statement
                ),
            )
        if record.actor != w.actor:
            require(w.plan, w.actor, "undo", _("take back others' steps"), state)
        loaded = st.record(
            w.session, loaded, action="undo", actor=w.actor, when=When.exact(w.now),
            subject=step_id, old=record.status, new="open", note=reason,
            data={"undoes": record.seq}, now=w.now,
        )  # fmt: skip
        return outcome(
            w,
            loaded,
            "undo",
            _("{ref}: {step} is open again (was {status} by {person})").format(
                ref=loaded.ref, step=step_id, status=record.status, person=record.actor
            ),
        )
