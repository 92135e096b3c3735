"""The floor for `yq new`: import the stack (typer, rich, sqlmodel) and commit one row.

Run as a script with the database path as its argument. This is what any command
of this stack that writes one row must cost; `yq new` is compared against it.
"""

import sys
from datetime import UTC, datetime

import rich.console  # noqa: F401
import typer  # noqa: F401
from sqlmodel import Field, Session, SQLModel, create_engine


class Row(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str
    at: datetime


engine = create_engine(f"sqlite:///{sys.argv[1]}")
SQLModel.metadata.create_all(engine)
with Session(engine) as session:
    session.add(Row(title="x", at=datetime.now(UTC)))
    session.commit()
