"""Shell completion (Typer's) for incident references, step ids, levels and names.

Completion runs before the global options' callback, so each function rebuilds what
it needs from the root parameters and the environment. Any failure completes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from yuqing_cli.cli.app import AppState

Completion = list[tuple[str, str]]


def _state(ctx: typer.Context) -> AppState:
    from yuqing_cli.cli.app import AppState

    params = ctx.find_root().params
    return AppState(
        plan_path=params.get("plan") or os.environ.get("YQ_PLAN") or None,
        db=params.get("db") or os.environ.get("YQ_DB") or None,
        quiet=True,
    )


def _safe(
    func: Callable[[typer.Context, str], Iterator[tuple[str, str]]],
) -> Callable[[typer.Context, str], Completion]:
    def complete(ctx: typer.Context, incomplete: str) -> Completion:
        try:
            return [
                (value, help_)
                for value, help_ in func(ctx, incomplete)
                if value.lower().startswith(incomplete.lower())
            ]
        except Exception:  # noqa: BLE001 - completion must never break the shell
            return []

    complete.__name__ = func.__name__
    return complete


@_safe
def refs(ctx: typer.Context, incomplete: str) -> Iterator[tuple[str, str]]:
    from yuqing_cli.services.queries import ListFilter, list_incidents

    with list_incidents(_state(ctx), ListFilter(include_closed=True, limit=200)) as views:
        for view in views:
            yield view.ref, f"{view.stage.name} · {view.title[:40]}"


@_safe
def open_steps(ctx: typer.Context, incomplete: str) -> Iterator[tuple[str, str]]:
    """The open steps of the incident named earlier on the line."""
    from yuqing_cli.services.queries import checklist

    ref = ctx.params.get("ref")
    if not ref:
        return
    for item in checklist(_state(ctx), ref).items:
        if item.status == "open":
            yield item.step.id, item.step.title


@_safe
def levels(ctx: typer.Context, incomplete: str) -> Iterator[tuple[str, str]]:
    for level in _state(ctx).plan().levels:
        yield level.id, f"{level.name} ({level.roman})"
        yield level.name, level.id


@_safe
def categories(ctx: typer.Context, incomplete: str) -> Iterator[tuple[str, str]]:
    for category in _state(ctx).plan().categories:
        yield category.id, category.name


@_safe
def people(ctx: typer.Context, incomplete: str) -> Iterator[tuple[str, str]]:
    plan = _state(ctx).plan()
    for person in plan.people:
        yield person.name, "、".join(plan.role(r).name for r in person.roles)


@_safe
def designated_roles(ctx: typer.Context, incomplete: str) -> Iterator[tuple[str, str]]:
    for role in _state(ctx).plan().roles:
        if role.per_incident:
            yield role.id, role.name


@_safe
def routines(ctx: typer.Context, incomplete: str) -> Iterator[tuple[str, str]]:
    for routine in _state(ctx).plan().routines:
        yield routine.id, routine.name


@_safe
def stages(ctx: typer.Context, incomplete: str) -> Iterator[tuple[str, str]]:
    for stage in _state(ctx).plan().stages:
        yield stage.id, stage.name


@_safe
def statement_kinds(ctx: typer.Context, incomplete: str) -> Iterator[tuple[str, str]]:
    statements = _state(ctx).plan().statements
    for kind in statements.kinds if statements else ():
        yield kind.id, kind.name
        yield kind.name, kind.id


@_safe
def roles(ctx: typer.Context, incomplete: str) -> Iterator[tuple[str, str]]:
    for role in _state(ctx).plan().roles:
        yield role.id, role.name
