"""Incident commands: new, list, show, checklist, done, waive, advance, grade, assign,
note, reopen, log. Each parses its arguments, calls one service function and renders.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from yuqing_cli.cli import complete
from yuqing_cli.cli.app import AppState, YqCommand, app, state
from yuqing_cli.i18n import _
from yuqing_cli.timeutil import day_bounds, parse_day, parse_instant

Ref = Annotated[
    str,
    typer.Argument(
        metavar="REF",
        help=_("Incident reference, e.g. YQ-20241123-001."),
        show_default=False,
        autocompletion=complete.refs,
    ),
]
At = Annotated[
    str | None,
    typer.Option(
        "--at",
        help=_(
            "When it happened (default now), e.g. '2024-11-23 14:30' in the plan's time "
            "zone. The time it is recorded is always the clock."
        ),
        show_default=False,
    ),
]
Json = Annotated[bool, typer.Option("--json", help=_("Print JSON (see README, 'JSON output')."))]


def _at(st: AppState, value: str | None) -> datetime | None:
    return parse_instant(value, st.plan().info.timezone) if value else None


@app.command(cls=YqCommand, help=_("Log a new incident (舆情) and print its reference."))
def new(
    ctx: typer.Context,
    title: Annotated[
        str, typer.Argument(metavar="TITLE", help=_("What was found (标题)."), show_default=False)
    ],
    level: Annotated[
        str,
        typer.Option(
            "--level",
            "-l",
            help=_("Level: id, Chinese name or roman numeral (一般/较大/重大/特别重大, IV…I)."),
            autocompletion=complete.levels,
        ),
    ] = "一般",
    category: Annotated[
        str,
        typer.Option(
            "--category", "-c", help=_("Category id or name."), autocompletion=complete.categories
        ),
    ] = "other",
    source: Annotated[
        str,
        typer.Option(
            "--source", "--platform", "-s", help=_("Where it was found: 微博, 微信公众号, 抖音, …")
        ),
    ] = "",
    url: Annotated[
        str | None, typer.Option("--url", "-u", help=_("Link to the item."), show_default=False)
    ] = None,
    summary: Annotated[str, typer.Option("--summary", help=_("Short summary."))] = "",
    sentiment: Annotated[
        str, typer.Option("--sentiment", help=_("正面/中性/负面 (positive/neutral/negative)."))
    ] = "neutral",
    at: At = None,
    exercise: Annotated[
        bool,
        typer.Option(
            "--exercise", help=_("An exercise (演练): left out of reports and statistics.")
        ),
    ] = False,
    allow_duplicate: Annotated[
        bool, typer.Option("--allow-duplicate", help=_("Log it even if the URL is already logged."))
    ] = False,
    json_: Json = False,
) -> None:
    from yuqing_cli.render.incident_view import outcome
    from yuqing_cli.services.incidents import NewIncident, new_incident

    st = state(ctx)
    plan = st.plan()
    data = NewIncident(
        title=title,
        level=plan.level(level).id,
        category=plan.category(category).id,
        sentiment=plan.sentiment(sentiment).id,
        platform=source,
        url=url,
        summary=summary,
        detected_at=_at(st, at),
        exercise=exercise,
        allow_duplicate=allow_duplicate,
    )
    actor = st.actor()
    outcome(new_incident(st.store(), plan, actor, data), plan.info.timezone, json_)


@app.command(
    "list", cls=YqCommand, help=_("List incidents, newest first (open ones unless --all).")
)
def list_(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", "-a", help=_("Include closed incidents."))] = False,
    stage: Annotated[
        str | None,
        typer.Option(
            "--stage",
            help=_("Only this stage (id or name)."),
            show_default=False,
            autocompletion=complete.stages,
        ),
    ] = None,
    level: Annotated[
        str | None,
        typer.Option(
            "--level",
            "-l",
            help=_("Only this level."),
            show_default=False,
            autocompletion=complete.levels,
        ),
    ] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help=_("Only incidents with overdue steps."))
    ] = False,
    no_exercises: Annotated[
        bool, typer.Option("--no-exercises", help=_("Leave exercises out."))
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option("--limit", "-n", min=1, help=_("At most N rows."), show_default=False),
    ] = None,
    json_: Json = False,
) -> None:
    from yuqing_cli.render.incident_view import incident_list
    from yuqing_cli.services.incidents import ListFilter, list_incidents

    st = state(ctx)
    plan = st.plan()
    stage_id = _stage_id(st, stage) if stage else None
    flt = ListFilter(
        include_closed=all_,
        stage=stage_id,
        level=plan.level(level).id if level else None,
        overdue_only=overdue,
        exercises=not no_exercises,
        limit=limit,
    )
    incident_list(list_incidents(st.store(), plan, flt), plan.info.timezone, json_)


def _stage_id(st: AppState, token: str) -> str:
    for stage in st.plan().stages:
        if token in (stage.id, stage.name):
            return stage.id
    return st.plan().stage(token).id  # raises with the list of stages


@app.command(cls=YqCommand, help=_("Show one incident: its details, checklist and audit trail."))
def show(ctx: typer.Context, ref: Ref, json_: Json = False) -> None:
    from yuqing_cli.render.incident_view import show as render
    from yuqing_cli.services.incidents import show as service

    st = state(ctx)
    render(*service(st.store(), st.plan(), ref), as_json=json_)


@app.command(
    cls=YqCommand,
    help=_("The current stage's steps: done (by whom, when), waived (why), open, overdue."),
)
def checklist(ctx: typer.Context, ref: Ref, json_: Json = False) -> None:
    from yuqing_cli.render.incident_view import checklist as render
    from yuqing_cli.services.incidents import checklist as service

    st = state(ctx)
    render(service(st.store(), st.plan(), ref), as_json=json_)


StepArg = Annotated[
    str,
    typer.Argument(
        metavar="STEP",
        help=_("Step id, as shown by `yq checklist REF`."),
        show_default=False,
        autocompletion=complete.open_steps,
    ),
]


@app.command(cls=YqCommand, help=_("Mark a step done."))
def done(
    ctx: typer.Context,
    ref: Ref,
    step: StepArg,
    note: Annotated[str, typer.Option("--note", "-m", help=_("What was done."))] = "",
    at: At = None,
    json_: Json = False,
) -> None:
    from yuqing_cli.render.incident_view import outcome
    from yuqing_cli.services.incidents import complete_step

    st = state(ctx)
    result = complete_step(st.store(), st.plan(), st.actor(), ref, step, note=note, at=_at(st, at))
    outcome(result, st.plan().info.timezone, json_)


@app.command(cls=YqCommand, help=_("Skip a step, with a reason. Leaders only."))
def waive(
    ctx: typer.Context,
    ref: Ref,
    step: StepArg,
    reason: Annotated[
        str,
        typer.Option("--reason", "-r", help=_("Why it is skipped (required)."), show_default=False),
    ] = "",
    at: At = None,
    json_: Json = False,
) -> None:
    from yuqing_cli.render.incident_view import outcome
    from yuqing_cli.services.incidents import complete_step

    st = state(ctx)
    result = complete_step(
        st.store(), st.plan(), st.actor(), ref, step, note=reason, at=_at(st, at), waive=True
    )
    outcome(result, st.plan().info.timezone, json_)


@app.command(
    cls=YqCommand,
    help=_("Move to the next stage once every required step so far is done or waived."),
)
def advance(
    ctx: typer.Context,
    ref: Ref,
    note: Annotated[str, typer.Option("--note", "-m", help=_("A note for the trail."))] = "",
    at: At = None,
    json_: Json = False,
) -> None:
    from yuqing_cli.render.incident_view import outcome
    from yuqing_cli.services.incidents import advance as service

    st = state(ctx)
    result = service(st.store(), st.plan(), st.actor(), ref, at=_at(st, at), note=note)
    outcome(result, st.plan().info.timezone, json_)


@app.command(
    cls=YqCommand, help=_("Re-grade an incident. Steps that now apply become outstanding.")
)
def grade(
    ctx: typer.Context,
    ref: Ref,
    level: Annotated[
        str,
        typer.Argument(
            metavar="LEVEL",
            help=_("New level: id, Chinese name or roman numeral."),
            show_default=False,
            autocompletion=complete.levels,
        ),
    ],
    reason: Annotated[
        str, typer.Option("--reason", "-r", help=_("Why (required)."), show_default=False)
    ] = "",
    at: At = None,
    json_: Json = False,
) -> None:
    from yuqing_cli.render.incident_view import outcome
    from yuqing_cli.services.incidents import grade as service

    st = state(ctx)
    result = service(st.store(), st.plan(), st.actor(), ref, level, reason=reason, at=_at(st, at))
    outcome(result, st.plan().info.timezone, json_)


@app.command(cls=YqCommand, help=_("Designate a per-incident role, e.g. the spokesperson."))
def assign(
    ctx: typer.Context,
    ref: Ref,
    role: Annotated[
        str,
        typer.Argument(
            metavar="ROLE",
            help=_("Per-incident role, e.g. spokesperson (新闻发言人)."),
            show_default=False,
            autocompletion=complete.designated_roles,
        ),
    ],
    person: Annotated[
        str,
        typer.Argument(
            metavar="PERSON",
            help=_("A person on the roster."),
            show_default=False,
            autocompletion=complete.people,
        ),
    ],
    at: At = None,
    json_: Json = False,
) -> None:
    from yuqing_cli.render.incident_view import outcome
    from yuqing_cli.services.incidents import assign as service

    st = state(ctx)
    result = service(st.store(), st.plan(), st.actor(), ref, role, person, at=_at(st, at))
    outcome(result, st.plan().info.timezone, json_)


@app.command(cls=YqCommand, help=_("Add a note to an incident's timeline."))
def note(
    ctx: typer.Context,
    ref: Ref,
    text: Annotated[str, typer.Argument(metavar="TEXT", help=_("The note."), show_default=False)],
    at: At = None,
    json_: Json = False,
) -> None:
    from yuqing_cli.render.incident_view import outcome
    from yuqing_cli.services.incidents import add_note

    st = state(ctx)
    result = add_note(st.store(), st.plan(), st.actor(), ref, text, at=_at(st, at))
    outcome(result, st.plan().info.timezone, json_)


@app.command(cls=YqCommand, help=_("Reopen a closed incident after a flare-up (Art. 7.4)."))
def reopen(
    ctx: typer.Context,
    ref: Ref,
    reason: Annotated[
        str,
        typer.Option("--reason", "-r", help=_("What flared up (required)."), show_default=False),
    ] = "",
    at: At = None,
    json_: Json = False,
) -> None:
    from yuqing_cli.render.incident_view import outcome
    from yuqing_cli.services.incidents import reopen as service

    st = state(ctx)
    result = service(st.store(), st.plan(), st.actor(), ref, reason=reason, at=_at(st, at))
    outcome(result, st.plan().info.timezone, json_)


@app.command(
    cls=YqCommand,
    help=_("The audit trail: who did what, when it happened and when it was recorded."),
)
def log(
    ctx: typer.Context,
    ref: Annotated[
        str | None,
        typer.Argument(
            metavar="REF",
            help=_("Incident reference; without it, every event in the time range."),
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help=_("From this day (YYYY-MM-DD) or time. Default without REF: today."),
            show_default=False,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            help=_("Up to and including this day, or before this time."),
            show_default=False,
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", "-n", min=1, help=_("At most N events."), show_default=False),
    ] = None,
    json_: Json = False,
) -> None:
    from yuqing_cli.render.incident_view import events_table
    from yuqing_cli.services.incidents import log as service
    from yuqing_cli.timeutil import today

    st = state(ctx)
    tz = st.plan().info.timezone
    start = _bound(since, tz, end=False)
    end = _bound(until, tz, end=True)
    if ref is None and start is None and end is None:
        start = day_bounds(today(tz), tz)[0]
    events_table(service(st.store(), ref, start, end, limit), tz, json_)


def _bound(value: str | None, tz: str, *, end: bool) -> datetime | None:
    """A day means its start (--since) or the start of the next day (--until)."""
    if value is None:
        return None
    if len(value.strip()) == 10:
        return day_bounds(parse_day(value), tz)[1 if end else 0]
    return parse_instant(value, tz)


@app.command(
    cls=YqCommand,
    help=_(
        "A guided first run: log an exercise (演练) incident and take it through a stage.\n\n"
        "Exercises are marked as such and left out of reports and statistics."
    ),
)
def demo(ctx: typer.Context) -> None:
    from yuqing_cli.render.incident_view import demo as render
    from yuqing_cli.services.demo import run_demo

    st = state(ctx)
    render(run_demo(st.store(), st.plan()), str(st.store().path or st.store().url))
