"""Incident commands: new, list, show, checklist, done, waive, advance, grade, assign,
note, reopen, log. Each parses its arguments, calls one service function and renders.
"""

from __future__ import annotations

from typing import Annotated

import typer

from yuqing_cli.cli import complete
from yuqing_cli.cli.app import YqCommand, app, state
from yuqing_cli.i18n import _

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
            "When it happened (default now), in the plan's time zone: '2024-11-23 14:30', "
            "'昨天 14:30', a day '2020-03-31', part of one '2020-02-26 下午', about "
            "'~16:00', a range '14:00..18:00', or 'unknown'. The time it is recorded is "
            "always the clock."
        ),
        show_default=False,
    ),
]
Json = Annotated[bool, typer.Option("--json", help=_("Print JSON (its keys: docs/json.md)."))]
Reason = Annotated[
    str, typer.Option("--reason", "-r", help=_("Why (required)."), show_default=False)
]


@app.command(cls=YqCommand, help=_("Log a new incident (舆情) and print its reference."))
def new(
    ctx: typer.Context,
    title: Annotated[
        str, typer.Argument(metavar="TITLE", help=_("What was found (标题)."), show_default=False)
    ],
    level: Annotated[
        str | None,
        typer.Option(
            "--level",
            "-l",
            help=_("Level: id, name or roman numeral. Default: the plan's."),
            autocompletion=complete.levels,
            show_default=False,
        ),
    ] = None,
    category: Annotated[
        list[str] | None,
        typer.Option(
            "--category",
            "-c",
            help=_("Category id or name; several with commas or repeated. Default: the plan's."),
            autocompletion=complete.categories,
            show_default=False,
        ),
    ] = None,
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
        str | None,
        typer.Option(
            "--sentiment", help=_("正面/中性/负面 (positive/neutral/negative)."), show_default=False
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help=_(
                "When it was detected (default now), as for other commands' --at, but not "
                "'unknown'. The reference takes this day."
            ),
            show_default=False,
        ),
    ] = None,
    first_seen: Annotated[
        str | None,
        typer.Option(
            "--first-seen",
            help=_("When the item first appeared online (首发时间), if known; may be 'unknown'."),
            show_default=False,
        ),
    ] = None,
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

    data = NewIncident(
        title=title,
        level=level,
        categories=tuple(category or ()),
        sentiment=sentiment,
        platform=source,
        url=url,
        summary=summary,
        at=at,
        first_seen=first_seen,
        exercise=exercise,
        allow_duplicate=allow_duplicate,
    )
    outcome(new_incident(state(ctx), data), json_)


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
        bool, typer.Option("--overdue", help=_("Only incidents with open steps past due."))
    ] = False,
    late: Annotated[
        bool,
        typer.Option("--late", help=_("Only incidents that missed a deadline (also done late).")),
    ] = False,
    no_exercises: Annotated[
        bool, typer.Option("--no-exercises", help=_("Leave exercises out."))
    ] = False,
    mine: Annotated[
        bool, typer.Option("--mine", help=_("Only incidents where you have something to do."))
    ] = False,
    voided: Annotated[
        bool, typer.Option("--voided", help=_("Include voided incidents (duplicates, mistakes)."))
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option("--limit", "-n", min=1, help=_("At most N rows."), show_default=False),
    ] = None,
    json_: Json = False,
) -> None:
    from yuqing_cli.render.incident_view import incident_list
    from yuqing_cli.services.queries import ListFilter, list_incidents

    flt = ListFilter(
        include_closed=all_,
        stage=stage,
        level=level,
        overdue_only=overdue,
        late_only=late,
        mine=mine,
        exercises=not no_exercises,
        voided=voided,
        limit=limit,
    )
    with list_incidents(state(ctx), flt) as views:
        incident_list(views, json_)


@app.command(
    cls=YqCommand,
    help=_("Show one incident: details, deadlines with their verdicts, checklist and trail."),
)
def show(ctx: typer.Context, ref: Ref, json_: Json = False) -> None:
    from yuqing_cli.render.incident_view import show as render
    from yuqing_cli.services.queries import show as service

    render(*service(state(ctx), ref), as_json=json_)


@app.command(
    cls=YqCommand,
    help=_("The current stage's steps: done (by whom, when), waived (why), open, overdue."),
)
def checklist(ctx: typer.Context, ref: Ref, json_: Json = False) -> None:
    from yuqing_cli.render.incident_view import checklist as render
    from yuqing_cli.services.queries import checklist as service

    render(service(state(ctx), ref), as_json=json_)


StepArg = Annotated[
    str,
    typer.Argument(
        metavar="STEP",
        help=_("Step id (or a unique start of it), or its title as the checklist shows it."),
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

    outcome(complete_step(state(ctx), ref, step, note=note, at=at), json_)


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

    outcome(complete_step(state(ctx), ref, step, note=reason, at=at, waive=True), json_)


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

    outcome(service(state(ctx), ref, at=at, note=note), json_)


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
    reason: Reason = "",
    at: At = None,
    json_: Json = False,
) -> None:
    from yuqing_cli.render.incident_view import outcome
    from yuqing_cli.services.incidents import grade as service

    outcome(service(state(ctx), ref, level, reason=reason, at=at), json_)


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

    outcome(service(state(ctx), ref, role, person, at=at), json_)


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

    outcome(add_note(state(ctx), ref, text, at=at), json_)


@app.command(
    cls=YqCommand,
    help=_("Reopen a closed incident after a flare-up (Art. 7.4): a new wave (波次)."),
)
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

    outcome(service(state(ctx), ref, reason=reason, at=at), json_)


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
            help=_("Incident reference; without it, the newest events of all."),
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help=_("From this day or time (when it happened; see --recorded)."),
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
    recorded: Annotated[
        bool,
        typer.Option("--recorded", help=_("--since/--until filter on when it was recorded.")),
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            "-n",
            min=1,
            help=_("The newest N events (default 20 without REF or a range)."),
            show_default=False,
        ),
    ] = None,
    json_: Json = False,
) -> None:
    from yuqing_cli.render.incident_view import events_table
    from yuqing_cli.services.queries import LogQuery
    from yuqing_cli.services.queries import log as service

    query = LogQuery(ref=ref, since=since, until=until, recorded=recorded, limit=limit)
    with service(state(ctx), query) as trail:
        events_table(trail, json_)


@app.command(
    cls=YqCommand,
    help=_(
        "A guided first run: log an exercise (演练) incident and take it through a stage.\n\n"
        "Exercises are marked as such and left out of reports and statistics."
    ),
)
def demo(ctx: typer.Context) -> None:
    from yuqing_cli.render.incident_view import demo as render
    from yuqing_cli.services.context import reading
    from yuqing_cli.services.demo import run_demo

    st = state(ctx)
    st.walkthrough = True
    st.open_store(True)  # the demo writes: the database is created now, not read first
    with reading(st) as r:
        plan = r.plan
    run = run_demo(st, plan)
    render(run, st.open_store(False).where)
