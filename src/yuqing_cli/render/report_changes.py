"""What a correction (更正) changes: the sections, and in them the incidents, that differ
from the issue it corrects — said at the head of the correction."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from yuqing_cli.i18n import _
from yuqing_cli.render.doc import LAYOUT, Doc, Section, doc_from_data
from yuqing_cli.render.report_story import listing, sentence
from yuqing_cli.services.report import DailyReport

_NUMBER = re.compile(r"^(?:[一二三四五六七八九十]+、|\d+\.\s*)")


def correction_note(doc: Doc, report: DailyReport, corrected: dict[str, Any], number: str) -> str:
    """``This issue corrects No. 1 …; changed: 概况, 重点舆情 (YQ-…)``."""
    changes = list(_changes(doc, report, corrected))
    if not changes:
        return sentence(
            _("This issue corrects {number}; nothing in it differs").format(number=number)
        )
    return sentence(
        _("This issue corrects {number}. What differs from it: {changes}").format(
            number=number, changes=_("; ").join(changes)
        )
    )


def _name(section: Section) -> str:
    return _NUMBER.sub("", section.title)


def _named(section: Section, refs: Iterable[str]) -> str:
    shown = sorted(set(refs))
    return (
        _("{section} ({refs})").format(section=_name(section), refs=listing(shown))
        if shown
        else _name(section)
    )


def _changes(doc: Doc, report: DailyReport, corrected: dict[str, Any]) -> Iterator[str]:
    if corrected.get("layout") == LAYOUT:
        before = {s.key: s for s in doc_from_data(corrected["doc"]).sections}
        for section in doc.sections:
            old = before.get(section.key)
            if old == section:
                continue
            if old is None:
                yield _name(section)
                continue
            parts = {p.key: p for p in section.parts if p.key}
            old_parts = {p.key: p for p in old.parts if p.key}
            refs = [k for k in parts.keys() | old_parts.keys() if parts.get(k) != old_parts.get(k)]
            loose = [p for p in section.parts if not p.key] != [p for p in old.parts if not p.key]
            yield _named(section, refs) if refs and not loose else _name(section)
        return
    # An issue of the first layout: compared through its data, section by section.
    from yuqing_cli.render.report_data import report_json

    now, then = report_json(report), corrected.get("json", {})
    sections = {s.key: s for s in doc.sections}
    for key, names in (
        ("overview", ("counts", "routines", "response_times")),
        ("incidents", ("incidents", "assessments")),
        ("handling", ("moved", "statements", "lines_approved")),
        ("missed", ("missed",)),
    ):
        found = sections.get(key)
        if found is None or all(now.get(n) == then.get(n) for n in names):
            continue
        differing = {
            ref
            for n in names
            if isinstance(now.get(n), list)
            for ref in _differing(now.get(n, []), then.get(n, []))
        }
        yield _named(found, differing)


def _differing(now: list[Any], then: list[Any]) -> set[str]:
    """The references whose entries differ between two lists of entries with a ``ref``."""

    def by_ref(items: list[Any]) -> dict[str, list[Any]]:
        found: dict[str, list[Any]] = {}
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("ref"), str):
                found.setdefault(item["ref"], []).append(item)
        return found

    a, b = by_ref(now), by_ref(then)
    return {ref for ref in a.keys() | b.keys() if a.get(ref) != b.get(ref)}
