"""The links of logins to people, folded from link/unlink events (pure; no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yuqing_cli.plan.files import load_plan
from yuqing_cli.plan.schema import Plan
from yuqing_cli.services.identity import LinkEvent, Links, fold

from conftest import DEPUTY, LEADER, LIAISON, MEMBER, SHIPPED_PLAN

pytestmark = pytest.mark.no_store  # never opens a database: run once, on SQLite

PLAN: Plan = load_plan(SHIPPED_PLAN)
T = datetime(2024, 11, 23, tzinfo=UTC)


def ev(
    n: int,
    actor: str,
    login: str | None,
    subject: str,
    new: str | None = None,
    *,
    admin: bool = False,
) -> LinkEvent:
    return LinkEvent(n, "link" if new else "unlink", actor, subject, new, login, admin, T)


def test_the_administrator_links_the_first_leader_who_links_the_others() -> None:
    links, refused = fold(
        [
            ev(1, LEADER, "postgres", "guoyan", LEADER, admin=True),
            ev(2, LEADER, "guoyan", "lidan", LIAISON),
            ev(3, LEADER, "guoyan", "guojuntao", MEMBER),
        ],
        lambda _id: PLAN,
    )
    assert refused == []
    assert {k: v.person for k, v in links.current.items()} == {
        "guoyan": LEADER,
        "lidan": LIAISON,
        "guojuntao": MEMBER,
    }
    assert links.managers(PLAN) == {"guoyan"}


def test_nobody_links_themselves_to_a_leader() -> None:
    links, refused = fold(
        [
            ev(1, LEADER, "postgres", "guoyan", LEADER, admin=True),
            ev(2, LEADER, "guoyan", "guojuntao", MEMBER),
            ev(3, MEMBER, "guojuntao", "guojuntao", LEADER),  # not entitled
            ev(4, LEADER, "guojuntao", "guojuntao", LEADER),  # not its person
            ev(5, LEADER, "visitor", "visitor", LEADER),  # linked to no one
            ev(6, LEADER, "guoyan", "lidan", "不在名单"),  # not on the roster
        ],
        lambda _id: PLAN,
    )
    assert links.person("guojuntao") == MEMBER and links.person("visitor") is None
    assert [(e.id, why) for e, why in refused] == [
        (3, f"{MEMBER} was not entitled to link logins to people"),
        (4, f"it was written by the login guojuntao, linked to {MEMBER}, as {LEADER}"),
        (5, "it was written by the login visitor, which was linked to no one"),
        (6, "it links to 不在名单, who is not on the plan's roster"),
    ]


def test_unlink_and_relink() -> None:
    links, refused = fold(
        [
            ev(1, LEADER, None, "guoyan", LEADER),  # written before logins were recorded
            ev(2, LEADER, "guoyan", "x", MEMBER),
            ev(3, LEADER, "guoyan", "x", DEPUTY),
            ev(4, LEADER, "guoyan", "x"),
        ],
        lambda _id: PLAN,
    )
    assert refused == [] and set(links.current) == {"guoyan"}


@given(
    st.lists(
        st.tuples(
            st.sampled_from([LEADER, DEPUTY, MEMBER, LIAISON]),
            st.sampled_from(["a", "b", "c", None]),
            st.sampled_from(["a", "b", "c"]),
            st.sampled_from([LEADER, DEPUTY, MEMBER, LIAISON, None]),
            st.booleans(),
        ),
        max_size=30,
    )
)
def test_a_login_only_reaches_a_leader_through_a_leader_or_the_administrator(
    steps: list[tuple[str, str | None, str, str | None, bool]],
) -> None:
    """Whatever events are written: each login linked to a leader got there by an event
    of an administrator, of a login without a recorded name, or of a leader's login."""
    events = [
        ev(i, actor, login, subject, new, admin=admin)
        for i, (actor, login, subject, new, admin) in enumerate(steps, start=1)
    ]
    links = Links()
    for event in events:
        before = dict(links.current)
        problem = links.apply(event, PLAN)
        if problem is not None:
            assert links.current == before
            continue
        assert event.actor == LEADER  # only the leader may manage people in the plan
        if event.login is not None and not event.login_admin:
            assert before[event.login].person == LEADER
