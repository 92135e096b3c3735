"""Adopting a plan into the database, and the history of adoptions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from yuqing_cli.errors import YqError
from yuqing_cli.i18n import _
from yuqing_cli.services import plans
from yuqing_cli.services.context import Context, reading, writing


@dataclass(frozen=True)
class Adopted:
    version: str
    title: str
    source: str
    changed: bool  # False: it already was the adopted plan


def adopt_file(ctx: Context, path: Path, *, note: str = "") -> Adopted:
    from yuqing_cli.plan.files import load_plan

    new = load_plan(path)
    with writing(_Current(ctx)) as w:
        changed = plans.adopt(w.session, w.plan, new, w.actor, note.strip())
    return Adopted(new.version, new.info.title, str(path), changed)


@dataclass(frozen=True)
class _Current:
    """The command's context, but governed by the adopted plan whatever file was given:
    adopting is how another file becomes the plan."""

    base: Context

    @property
    def plan_request(self) -> plans.PlanRequest:
        return plans.PlanRequest(self.base.plan_request.load, explicit=False)

    @property
    def user(self) -> str | None:
        return self.base.user

    @property
    def on_server(self) -> bool:
        return self.base.on_server

    def open_store(self, write: bool):  # type: ignore[no-untyped-def]
        return self.base.open_store(write)


@dataclass(frozen=True)
class HistoryEntry:
    version: str
    title: str
    actor: str
    at: datetime
    note: str
    current: bool


@dataclass(frozen=True)
class History:
    tz: str
    entries: tuple[HistoryEntry, ...]


def history(ctx: Context) -> History:
    with reading(ctx) as r:
        found = plans.adoptions(r.session)
        if not found:
            raise YqError(
                _("no plan has been adopted in this database yet"),
                hint=_("the first command that records something adopts the plan in use"),
            )
        entries = []
        for i, a in enumerate(found):
            plan = plans.plan_for(r.session, None, a.version)
            entries.append(
                HistoryEntry(a.version, plan.info.title, a.actor, a.at, a.note, i == len(found) - 1)
            )
        return History(r.tz, tuple(entries))
