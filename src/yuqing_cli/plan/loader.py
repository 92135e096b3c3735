"""Load and validate ``plan.yaml`` into :class:`~yuqing_cli.plan.schema.Plan`.

The YAML is composed into nodes (which know their line) and read by hand, so
that every problem can be reported as ``file:line: what is wrong`` with a hint,
and so that loading a plan does not need a model framework at start-up.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import replace

import yaml

from yuqing_cli.i18n import _
from yuqing_cli.plan.reader import (
    Abort,
    Problem,
    Reader,
    T,
    _Loader,
    line_of,
)
from yuqing_cli.plan.reader import (
    PlanError as PlanError,
)
from yuqing_cli.plan.schema import (
    ACTIONS,
    DEFAULT_MILESTONES,
    FALLBACK,
    ORIGINS,
    Article,
    Category,
    Condition,
    Deadline,
    Level,
    Permission,
    Person,
    Plan,
    PlanInfo,
    Role,
    Routine,
    Sentiment,
    Stage,
    Step,
    Text,
)
from yuqing_cli.plan.sections import SectionReaders

SUPPORTED_FORMAT = 1


def parse_plan(data: bytes, source: str = "plan.yaml") -> Plan:
    plan, problems, _warnings = check_plan(data, source)
    if plan is None:
        raise PlanError(source, problems)
    return plan


def check_plan(
    data: bytes, source: str = "plan.yaml"
) -> tuple[Plan | None, list[Problem], list[Problem]]:
    """Validate a plan. Returns (plan or None, errors, warnings)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (
            None,
            [
                Problem(
                    None,
                    _("not UTF-8 text ({exc_reason} at byte {exc_start})").format(
                        exc_reason=exc.reason, exc_start=exc.start
                    ),
                    _("save the file as UTF-8"),
                )
            ],
            [],
        )
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        return (
            None,
            [
                Problem(
                    line,
                    _("YAML syntax: {v1}").format(v1=exc.problem or exc.context),
                    _("check indentation, colons and quotes on that line"),
                )
            ],
            [],
        )
    except yaml.YAMLError as exc:
        return None, [Problem(None, _("YAML syntax: {exc}").format(exc=exc))], []
    if root is None:
        return (
            None,
            [Problem(None, _("the plan file is empty"), _("start from the shipped plan.yaml"))],
            [],
        )
    builder = _Builder(Reader(), source)
    try:
        plan = builder.build(root)
    except Abort:
        plan = None
    errors = builder.reader.problems
    if errors or plan is None:
        return None, errors or [Problem(None, _("the plan could not be read"))], []
    plan = replace(plan, source=source, version=hashlib.sha256(data).hexdigest(), text=text)
    return plan, [], list(_warnings(plan))


# --------------------------------------------------------------------------------
# Building the model
# --------------------------------------------------------------------------------

_TOP = (
    "format",
    "plan",
    "articles",
    "principles",
    "roles",
    "people",
    "duties",
    "permissions",
    "levels",
    "categories",
    "sentiments",
    "stages",
    "routines",
    "defaults",
    "time",
    "milestones",
    "assessment",
    "line",
    "statements",
    "report",
    "unit",
)
_TOP_REQUIRED = ("format", "plan", "articles", "roles", "people", "levels", "categories", "stages")


class _Builder(SectionReaders):
    def __init__(self, reader: Reader, source: str) -> None:
        self.reader = reader
        self.source = source
        self.article_ids: set[str] = set()
        self.step_nodes: list[tuple[str, yaml.Node]] = []

    # -- helpers -----------------------------------------------------------

    def article(self, node: yaml.Node | None, owner: yaml.Node, what: str) -> str:
        r = self.reader
        if node is None:
            r.fail(
                owner,
                _("{what} cites no article").format(what=what),
                _('add `article: "N"` (e.g. "7.3")'),
            )
            return ""
        value = r.text(node, _("{what} article").format(what=what))
        head = value.split(".", 1)[0]
        if head not in self.article_ids:
            r.fail(
                node,
                _("{what} cites article {value!r}, which the plan does not have").format(
                    what=what, value=value
                ),
                _("articles: ") + ", ".join(sorted(self.article_ids)),
            )
        return value

    def unique(self, items: list[tuple[str, yaml.Node]], what: str) -> None:
        seen: dict[str, int] = {}
        for key, node in items:
            if key in seen:
                self.reader.fail(
                    node,
                    _("duplicate {what} {key!r} (first at line {v5})").format(
                        what=what, key=key, v5=seen[key]
                    ),
                    _("give each {what} its own id").format(what=what),
                )
            else:
                seen[key] = line_of(node)

    # -- sections ----------------------------------------------------------

    def build(self, root: yaml.Node) -> Plan:
        r = self.reader
        top = r.mapping(
            root,
            _("the plan file"),
            _TOP_REQUIRED,
            tuple(k for k in _TOP if k not in _TOP_REQUIRED),
        )
        if "format" in top:
            fmt = r.scalar(top["format"], "format")
            if fmt != SUPPORTED_FORMAT:
                r.fail(
                    top["format"],
                    _("plan format {fmt!r} is not supported").format(fmt=fmt),
                    _("this version of yq reads format {SUPPORTED_FORMAT}").format(
                        SUPPORTED_FORMAT=SUPPORTED_FORMAT
                    ),
                )
        articles = r.each(top.get("articles"), _("articles"), self.read_article)
        self.unique([(a.id, n) for a, n in articles], "article")
        self.article_ids = {a.id for a, _ in articles}
        if not {"plan", "roles", "people", "levels", "categories", "stages"} <= top.keys():
            raise Abort
        info = self.read_info(top["plan"])
        roles = self.with_nodes(top["roles"], _("roles"), self.read_role)
        self.unique([(x.id, n) for x, n in roles], _("role"))
        role_ids = {x.id for x, _ in roles}
        levels = self.with_nodes(top["levels"], _("levels"), self.read_level)
        self.unique([(x.id, n) for x, n in levels], _("level"))
        # Levels are listed from the lowest to the highest; the position is the rank.
        level_list = [replace(x, rank=i) for i, (x, _) in enumerate(levels)]
        categories = self.with_nodes(top["categories"], _("categories"), self.read_category)
        self.unique([(x.id, n) for x, n in categories], _("category"))
        sentiments = self.with_nodes(top.get("sentiments"), _("sentiments"), self.read_sentiment)
        self.unique([(x.id, n) for x, n in sentiments], _("sentiment"))
        people = self.with_nodes(top["people"], _("people"), self.read_person)
        self.unique([(x.name, n) for x, n in people], _("person"))
        for person, node in people:
            self.check_refs(
                node,
                person.roles,
                role_ids,
                _("role"),
                _("person {person_name!r}").format(person_name=person.name),
            )
        permissions = self.with_nodes(
            top.get("permissions"), _("permissions"), self.read_permission
        )
        self.unique([(x.action, n) for x, n in permissions], _("permission for action"))
        for permission, node in permissions:
            self.check_refs(
                node,
                permission.roles,
                role_ids,
                _("role"),
                _("permission {permission_action!r}").format(permission_action=permission.action),
            )
        principles = r.each(
            top.get("principles"), _("principles"), lambda n: self.read_text(n, _("principle"))
        )
        duties = r.each(top.get("duties"), _("duties"), lambda n: self.read_text(n, _("duty")))
        self.ctx_levels = level_list
        self.ctx_categories = {x.id for x, _ in categories}
        self.ctx_roles = {x.id: x for x, _ in roles}
        milestones = self.with_nodes(top.get("milestones"), _("milestones"), self.read_milestone)
        self.unique([(x.id, n) for x, n in milestones], _("milestone"))
        self.ctx_milestones = tuple(x for x, _ in milestones) or DEFAULT_MILESTONES
        stages = self.with_nodes(top["stages"], _("stages"), self.read_stage)
        self.unique([(x.id, n) for x, n in stages], _("stage"))
        self.unique(self.step_nodes, _("step"))
        ordered = self.order_stages(stages, top["stages"])
        routines = self.with_nodes(top.get("routines"), _("routines"), self.read_routine)
        self.unique([(x.id, n) for x, n in routines], _("routine"))
        for routine, node in routines:
            self.check_refs(
                node,
                routine.roles,
                role_ids,
                _("role"),
                _("routine {routine_id!r}").format(routine_id=routine.id),
            )
        sentiment_list = tuple(x for x, _ in sentiments) or _DEFAULT_SENTIMENTS
        defaults = self.read_defaults(top.get("defaults"), level_list, categories, sentiment_list)
        time_settings = self.read_time(top.get("time"))
        plain_stages = [x for x, _n in stages]
        plain_people = [x for x, _n in people]
        assessment = self.read_assessment(top.get("assessment"), plain_stages)
        line = self.read_line(top.get("line"), plain_stages, plain_people)
        statements = self.read_statements(top.get("statements"), plain_stages, self.ctx_milestones)
        report = self.read_report(top.get("report"), role_ids)
        unit = self.read_unit(top.get("unit"))
        self.check_names(
            [
                (_("role"), [(x.id, x.name, n) for x, n in roles]),
                (_("person"), [(x.name, x.name, n) for x, n in people]),
                (_("level"), [(x.id, x.name, n) for x, n in levels]),
                (_("category"), [(x.id, x.name, n) for x, n in categories]),
                (_("stage"), [(x.id, x.name, n) for x, n in stages]),
                (_("routine"), [(x.id, x.name, n) for x, n in routines]),
                (_("milestone"), [(x.id, x.name, n) for x, n in milestones]),
            ]
        )
        return Plan(
            info=info,
            articles=tuple(a for a, _ in articles),
            principles=tuple(principles),
            duties=tuple(duties),
            roles=tuple(x for x, _ in roles),
            people=tuple(x for x, _ in people),
            permissions=tuple(x for x, _ in permissions),
            levels=tuple(level_list),
            categories=tuple(x for x, _ in categories),
            sentiments=sentiment_list,
            stages=ordered,
            routines=tuple(x for x, _ in routines),
            defaults=defaults,
            milestones=self.ctx_milestones,
            time=time_settings,
            assessment=assessment,
            line=line,
            statements=statements,
            report=report,
            unit=unit,
        )

    def with_nodes(
        self, node: yaml.Node | None, what: str, read: Callable[[yaml.Node], T]
    ) -> list[tuple[T, yaml.Node]]:
        return self.reader.each(node, what, lambda n: (read(n), n))

    def check_refs(
        self,
        node: yaml.Node,
        refs: tuple[str, ...] | frozenset[str],
        known: set[str],
        what: str,
        owner: str,
    ) -> None:
        for ref in sorted(set(refs) - known):
            self.reader.fail(
                node,
                _("{owner} names unknown {what} {ref!r}").format(owner=owner, what=what, ref=ref),
                _("known: {names}").format(names=", ".join(sorted(known))),
            )

    def read_article(self, node: yaml.Node) -> tuple[Article, yaml.Node]:
        r = self.reader
        m = r.mapping(node, _("an article"), ("id", "name"), ("name_en",))
        if "id" not in m or "name" not in m:
            raise Abort
        return Article(
            r.text(m["id"], _("article id")),
            r.text(m["name"], _("article name")),
            r.text(m.get("name_en"), _("article name_en")),
        ), m["id"]

    def read_info(self, node: yaml.Node) -> PlanInfo:
        r = self.reader
        m = r.mapping(
            node,
            _("`plan`"),
            ("title", "unit", "issuer", "timezone", "purpose"),
            ("title_en", "date", "published", "reference_prefix"),
        )
        if not {"title", "unit", "issuer", "timezone", "purpose"} <= m.keys():
            raise Abort
        tz = r.text(m["timezone"], "timezone")
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(tz)
        except (ValueError, LookupError, OSError):
            r.fail(
                m["timezone"],
                _("unknown time zone {tz!r}").format(tz=tz),
                _("use an IANA name such as Asia/Shanghai"),
            )
        prefix = r.text(m.get("reference_prefix"), "reference_prefix", "YQ")
        if not prefix.isascii() or not prefix.isalnum():
            r.fail(
                m["reference_prefix"],
                _("reference_prefix {prefix!r} must be letters and digits").format(prefix=prefix),
            )
        purpose = self.read_text(m["purpose"], "purpose", needs_id=False)
        return PlanInfo(
            title=r.text(m["title"], "title"),
            title_en=r.text(m.get("title_en"), "title_en"),
            unit=r.text(m["unit"], "unit"),
            issuer=r.text(m["issuer"], "issuer"),
            date=r.text(m.get("date"), "date"),
            published=r.text(m.get("published"), "published"),
            timezone=tz,
            reference_prefix=prefix,
            purpose=purpose,
        )

    def read_text(self, node: yaml.Node, what: str, needs_id: bool = True) -> Text:
        r = self.reader
        m = r.mapping(
            node,
            _("a {what}").format(what=what),
            ("article", "text") + (("id",) if needs_id else ()),
            ("name", "name_en"),
        )
        item_id = r.text(m.get("id"), _("{what} id").format(what=what), what)
        return Text(
            id=item_id,
            article=self.article(m.get("article"), node, f"{what} {item_id!r}"),
            text=r.text(m.get("text"), _("{what} text").format(what=what)),
            name=r.text(m.get("name"), "name"),
            name_en=r.text(m.get("name_en"), "name_en"),
        )

    def read_role(self, node: yaml.Node) -> Role:
        r = self.reader
        m = r.mapping(node, _("a role"), ("id", "name"), ("name_en", "article", "per_incident"))
        if "id" not in m or "name" not in m:
            raise Abort
        role_id = r.text(m["id"], _("role id"))
        return Role(
            role_id,
            r.text(m["name"], _("role name")),
            r.text(m.get("name_en"), "name_en"),
            self.article(m.get("article"), node, _("role {role_id!r}").format(role_id=role_id)),
            r.flag(m.get("per_incident"), "per_incident", False),
        )

    def read_level(self, node: yaml.Node) -> Level:
        r = self.reader
        m = r.mapping(
            node, _("a level"), ("id", "name", "roman", "colour"), ("name_en", "article", "source")
        )
        if not {"id", "name", "roman", "colour"} <= m.keys():
            raise Abort
        level_id = r.text(m["id"], _("level id"))
        return Level(
            level_id,
            r.text(m["name"], _("level name")),
            r.text(m.get("name_en"), "name_en"),
            r.text(m["roman"], "roman").upper(),
            r.text(m["colour"], "colour"),
            0,
            self.article(m.get("article"), node, _("level {level_id!r}").format(level_id=level_id)),
            r.text(m.get("source"), "source"),
        )

    def read_category(self, node: yaml.Node) -> Category:
        r = self.reader
        m = r.mapping(node, _("a category"), ("id", "name"), ("name_en", "article", "office"))
        if "id" not in m or "name" not in m:
            raise Abort
        cat_id = r.text(m["id"], _("category id"))
        return Category(
            cat_id,
            r.text(m["name"], _("category name")),
            r.text(m.get("name_en"), "name_en"),
            self.article(m.get("article"), node, _("category {cat_id!r}").format(cat_id=cat_id)),
            r.flag(m.get("office"), "office", False),
        )

    def read_sentiment(self, node: yaml.Node) -> Sentiment:
        r = self.reader
        m = r.mapping(node, _("a sentiment"), ("id", "name"), ("name_en",))
        if "id" not in m or "name" not in m:
            raise Abort
        return Sentiment(
            r.text(m["id"], _("sentiment id")),
            r.text(m["name"], "name"),
            r.text(m.get("name_en"), "name_en"),
        )

    def read_person(self, node: yaml.Node) -> Person:
        r = self.reader
        m = r.mapping(node, _("a person"), ("name", "roles"), ("article",))
        if "name" not in m or "roles" not in m:
            raise Abort
        name = "".join(r.text(m["name"], _("person name")).split())
        roles = tuple(t for t, _ in r.texts(m["roles"], _("roles of {name!r}").format(name=name)))
        if not roles:
            r.fail(
                node,
                _("person {name!r} holds no role").format(name=name),
                _("list at least one role id"),
            )
        return Person(
            name,
            roles,
            self.article(m.get("article"), node, _("person {name!r}").format(name=name)),
        )

    def read_permission(self, node: yaml.Node) -> Permission:
        r = self.reader
        m = r.mapping(node, _("a permission"), ("action", "roles"), ("article",))
        if "action" not in m or "roles" not in m:
            raise Abort
        action = r.text(m["action"], "action")
        if action not in ACTIONS:
            r.fail(
                m["action"],
                _("unknown action {action!r}").format(action=action),
                _("actions: ") + ", ".join(ACTIONS),
            )
        roles = tuple(
            t for t, _ in r.texts(m["roles"], _("roles of {action!r}").format(action=action))
        )
        return Permission(
            action,
            roles,
            self.article(m.get("article"), node, _("permission {action!r}").format(action=action)),
        )

    def read_condition(self, node: yaml.Node | None, owner: str) -> Condition:
        if node is None:
            return Condition()
        r = self.reader
        m = r.mapping(
            node,
            _("`when` of {owner}").format(owner=owner),
            (),
            ("levels", "min_level", "categories"),
        )
        level_ids = [lv.id for lv in self.ctx_levels]
        levels: frozenset[str] | None = None
        if "levels" in m:
            named = r.texts(m["levels"], _("levels of {owner}").format(owner=owner))
            for token, item in named:
                if token not in level_ids:
                    r.fail(
                        item,
                        _("{owner} has a condition on unknown level {token!r}").format(
                            owner=owner, token=token
                        ),
                        _("levels: ") + ", ".join(level_ids),
                    )
            levels = frozenset(t for t, _ in named)
        if "min_level" in m:
            token = r.text(m["min_level"], "min_level")
            if token not in level_ids:
                r.fail(
                    m["min_level"],
                    _("{owner} has a condition on unknown level {token!r}").format(
                        owner=owner, token=token
                    ),
                    _("levels: ") + ", ".join(level_ids),
                )
            else:
                above = frozenset(level_ids[level_ids.index(token) :])
                levels = above if levels is None else levels & above
        categories: frozenset[str] | None = None
        if "categories" in m:
            named = r.texts(m["categories"], _("categories of {owner}").format(owner=owner))
            for token, item in named:
                if token not in self.ctx_categories:
                    r.fail(
                        item,
                        _("{owner} has a condition on unknown category {token!r}").format(
                            owner=owner, token=token
                        ),
                        _("categories: ") + ", ".join(sorted(self.ctx_categories)),
                    )
            categories = frozenset(t for t, _ in named)
        return Condition(levels, categories)

    def read_deadline(self, node: yaml.Node | None, owner: str) -> Deadline | None:
        if node is None:
            return None
        r = self.reader
        m = r.mapping(
            node, _("`due` of {owner}").format(owner=owner), ("from", "hours", "source"), ()
        )
        if not {"from", "hours"} <= m.keys():
            raise Abort
        start = r.text(m["from"], "from")
        origins = ORIGINS + tuple(x.id for x in self.ctx_milestones)
        if start not in origins:
            r.fail(
                m["from"],
                _("`due.from` of {owner} is {start!r}, which is no origin").format(
                    owner=owner, start=start
                ),
                _("origins: {names}").format(names=", ".join(origins)),
            )
        hours: dict[str, float] = {}
        if isinstance(m["hours"], yaml.MappingNode):
            level_ids = {lv.id for lv in self.ctx_levels}
            for level_node, value_node in m["hours"].value:
                level_id = r.text(level_node, _("level id"))
                if level_id not in level_ids and level_id != "*":
                    r.fail(
                        level_node,
                        _("{owner} has a deadline for unknown level {level_id!r}").format(
                            owner=owner, level_id=level_id
                        ),
                        _("use level ids, or * for every other level"),
                    )
                hours[level_id] = r.number(value_node, _("hours of {owner}").format(owner=owner))
        else:
            hours["*"] = r.number(m["hours"], _("hours of {owner}").format(owner=owner))
        if "source" not in m:
            raise Abort
        return Deadline(start, hours, r.text(m["source"], "source"))

    def read_step(self, node: yaml.Node, stage_id: str) -> Step:
        r = self.reader
        m = r.mapping(
            node,
            _("a step"),
            ("id", "title", "roles"),
            (
                "title_en",
                "article",
                "required",
                "when",
                "due",
                "milestone",
                "assigns",
                "hands_over",
            ),
        )
        if not {"id", "title", "roles"} <= m.keys():
            raise Abort
        step_id = r.text(m["id"], _("step id"))
        self.step_nodes.append((step_id, m["id"]))
        owner = _("step {id!r}").format(id=step_id)
        roles = tuple(t for t, _ in r.texts(m["roles"], _("roles of {owner}").format(owner=owner)))
        if not roles:
            r.fail(m["roles"], _("{owner} names no role that may complete it").format(owner=owner))
        self.check_refs(m["roles"], roles, set(self.ctx_roles), _("role"), owner)
        milestone = r.text(m.get("milestone"), "milestone") or None
        milestone_ids = [x.id for x in self.ctx_milestones]
        if milestone is not None and milestone not in milestone_ids:
            r.fail(
                m["milestone"],
                _("{owner} has unknown milestone {milestone!r}").format(
                    owner=owner, milestone=milestone
                ),
                _("milestones: ") + ", ".join(milestone_ids),
            )
        assigns = r.text(m.get("assigns"), "assigns") or None
        if assigns is not None:
            role = self.ctx_roles.get(assigns)
            if role is None or not role.per_incident:
                r.fail(
                    m["assigns"],
                    _("{owner} assigns {assigns!r}, which is not a per-incident role").format(
                        owner=owner, assigns=assigns
                    ),
                    _("name a role with `per_incident: true`"),
                )
        return Step(
            id=step_id,
            stage=stage_id,
            title=r.text(m["title"], "title"),
            title_en=r.text(m.get("title_en"), "title_en"),
            article=self.article(m.get("article"), node, owner),
            roles=roles,
            required=r.flag(m.get("required"), "required", True),
            when=self.read_condition(m.get("when"), owner),
            due=self.read_deadline(m.get("due"), owner),
            milestone=milestone,
            assigns=assigns,
            hands_over=r.text(m.get("hands_over"), "hands_over"),
        )

    def read_stage(self, node: yaml.Node) -> Stage:
        r = self.reader
        m = r.mapping(
            node,
            _("a stage"),
            ("id", "name"),
            ("name_en", "article", "next", "initial", "final", "reopen_to", "steps"),
        )
        if "id" not in m or "name" not in m:
            raise Abort
        stage_id = r.text(m["id"], _("stage id"))
        steps = r.each(
            m.get("steps"),
            _("steps of stage {stage_id!r}").format(stage_id=stage_id),
            lambda n: self.read_step(n, stage_id),
        )
        return Stage(
            id=stage_id,
            name=r.text(m["name"], _("stage name")),
            name_en=r.text(m.get("name_en"), "name_en"),
            article=self.article(
                m.get("article"), node, _("stage {stage_id!r}").format(stage_id=stage_id)
            ),
            steps=tuple(steps),
            next=r.text(m.get("next"), "next") or None,
            initial=r.flag(m.get("initial"), "initial", False),
            final=r.flag(m.get("final"), "final", False),
            reopen_to=r.text(m.get("reopen_to"), "reopen_to") or None,
        )

    def order_stages(
        self, stages: list[tuple[Stage, yaml.Node]], node: yaml.Node
    ) -> tuple[Stage, ...]:
        """Check the stage graph and return the stages in workflow order."""
        r = self.reader
        by_id = {s.id: (s, n) for s, n in stages}
        initial = [s for s, _ in stages if s.initial]
        if len(initial) != 1:
            r.fail(
                node,
                _("the plan needs exactly one stage with `initial: true`, found {v1}").format(
                    v1=len(initial)
                ),
            )
            raise Abort
        for stage, n in stages:
            if stage.next is not None and stage.next not in by_id:
                r.fail(
                    n,
                    _("stage {stage_id!r} moves on to unknown stage {stage_next!r}").format(
                        stage_id=stage.id, stage_next=stage.next
                    ),
                    _("stages: ") + ", ".join(by_id),
                )
            if stage.final and stage.next is not None:
                r.fail(
                    n, _("final stage {stage_id!r} must not have `next`").format(stage_id=stage.id)
                )
            if not stage.final and stage.next is None:
                r.fail(
                    n,
                    _("stage {stage_id!r} has no `next` and is not `final`").format(
                        stage_id=stage.id
                    ),
                    _("add `next: STAGE` or `final: true`"),
                )
            if stage.reopen_to is not None and stage.reopen_to not in by_id:
                r.fail(
                    n,
                    _("stage {stage_id!r} reopens to unknown stage {stage_reopen_to!r}").format(
                        stage_id=stage.id, stage_reopen_to=stage.reopen_to
                    ),
                )
        order: list[Stage] = []
        current: Stage | None = initial[0]
        while current is not None and current not in order:
            order.append(current)
            current = by_id[current.next][0] if current.next in by_id else None
        if current is not None:
            r.fail(
                by_id[current.id][1],
                _("the stages loop back to {current_id!r}").format(current_id=current.id),
                _("`next` must lead on to a final stage"),
            )
        elif not order[-1].final:
            r.fail(
                node,
                _("no final stage can be reached from the initial one"),
                _("mark the last stage `final: true`"),
            )
        for stage, n in stages:
            if stage not in order:
                r.fail(
                    n,
                    _("stage {stage_id!r} has no way in: no stage moves on to it").format(
                        stage_id=stage.id
                    ),
                    _("point another stage's `next` at it, or remove it"),
                )
        return tuple(order)

    def read_routine(self, node: yaml.Node) -> Routine:
        r = self.reader
        m = r.mapping(
            node,
            _("a routine"),
            ("id", "name", "roles", "every_hours"),
            ("name_en", "article", "source"),
        )
        if not {"id", "name", "roles", "every_hours"} <= m.keys():
            raise Abort
        routine_id = r.text(m["id"], _("routine id"))
        return Routine(
            id=routine_id,
            name=r.text(m["name"], "name"),
            name_en=r.text(m.get("name_en"), "name_en"),
            article=self.article(
                m.get("article"), node, _("routine {routine_id!r}").format(routine_id=routine_id)
            ),
            roles=tuple(t for t, _ in r.texts(m["roles"], _("roles"))),
            every_hours=r.number(m["every_hours"], "every_hours"),
            source=r.text(m.get("source"), "source"),
        )


_DEFAULT_SENTIMENTS = (
    Sentiment("positive", "正面", "Positive"),
    Sentiment("neutral", "中性", "Neutral"),
    Sentiment("negative", "负面", "Negative"),
)


def _warnings(plan: Plan) -> Iterator[Problem]:
    """Things that make a plan weaker without making it unusable."""
    listed = {p.action for p in plan.permissions}
    for action, fallback in FALLBACK.items():
        if action not in listed:
            yield Problem(
                None,
                _("no permission lists {action!r}: the roles of {fallback!r} may do it").format(
                    action=action, fallback=fallback
                ),
                _(
                    "add `- {{action: {action}, roles: [...], article: ...}}` to `permissions`"
                ).format(action=action),
            )
    for role in plan.roles:
        if not role.per_incident and not plan.holders(role.id):
            yield Problem(
                None,
                _("role {role_id!r} ({role_name}) is held by nobody on the roster").format(
                    role_id=role.id, role_name=role.name
                ),
                _("add a person with this role, or mark it `per_incident: true`"),
            )
    cited = {a.split(".", 1)[0] for a in _citations(plan)}
    for article in plan.articles:
        if article.id not in cited:
            yield Problem(
                None,
                _("article {article_id} ({article_name}) is cited by no item").format(
                    article_id=article.id, article_name=article.name
                ),
            )
    for step in plan.steps:
        if step.due is not None:
            missing = [
                lv.id
                for lv in plan.levels
                if (step.when.levels is None or lv.id in step.when.levels)
                and step.due.hours_for(lv.id) is None
            ]
            if missing:
                yield Problem(
                    None,
                    _("step {step_id!r} has no deadline for level(s) {v3}").format(
                        step_id=step.id, v3=", ".join(missing)
                    ),
                    _("add them to `due.hours`, or `*` for all"),
                )


def _citations(plan: Plan) -> Iterator[str]:
    yield plan.info.purpose.article
    for group in (
        plan.principles,
        plan.duties,
        plan.roles,
        plan.people,
        plan.permissions,
        plan.levels,
        plan.categories,
        plan.stages,
        plan.steps,
        plan.routines,
    ):
        for item in group:
            yield item.article
    for rules in (plan.assessment, plan.line, plan.statements, plan.report):
        if rules is not None and rules.article:
            yield rules.article
    if plan.assessment is not None:
        yield from (rule.article for rule in plan.assessment.rules)
    if plan.statements is not None:
        yield from (kind.article for kind in plan.statements.kinds)
