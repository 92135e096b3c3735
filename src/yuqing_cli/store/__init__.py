"""Storage: SQLModel tables, the engine and its transactions, and migrations.

SQL stays portable through SQLAlchemy; everything SQLite-specific lives in
:mod:`yuqing_cli.store.dialect`.
"""
