"""``rasd.store.bulk.execute_many`` stores exactly what ``Connection.execute(statement, rows)`` does.

On both backends, through the store's own engine (its JSON serialiser): dates, JSON documents
(None included, which SQLAlchemy writes as JSON 'null'), constants compiled into the statement,
upserts, updates and deletes by bound keys; and statements it cannot run faithfully are refused.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import JSON, Column, Date, Integer, MetaData, String, Table, bindparam, insert, select, text

from rasd.store import db as dbmod
from rasd.store.bulk import execute_many

metadata = MetaData()
ITEMS = Table("bulk_items", metadata, Column("id", Integer, primary_key=True), Column("day", Date),
              Column("name", String(50)), Column("doc", JSON), Column("note", String(20), default="python default"))
ROWS = [{"id": 1, "day": dt.date(2018, 4, 7), "name": "دوما", "doc": {"k": ["ص", 1.5], "n": None}, "note": "a"},
        {"id": 2, "day": None, "name": "", "doc": None, "note": "b"},
        {"id": 3, "day": dt.date(2017, 4, 4), "name": "خان شيخون", "doc": [], "note": "c"}]
INSERT = insert(ITEMS)
RENAME = ITEMS.update().where(ITEMS.c.id == bindparam("b_id"), ITEMS.c.note != "frozen").values(
    name=bindparam("new_name"))
DROP = ITEMS.delete().where(ITEMS.c.id == bindparam("b_id"))


def _raw(engine) -> list[tuple]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:  # the stored text, not the decoded values
        return [tuple(r) for r in conn.execute(text("SELECT id, day, name, CAST(doc AS TEXT), note FROM bulk_items "
                                                    "ORDER BY id"))]


def _engine(url: str):  # type: ignore[no-untyped-def]
    engine = dbmod.make_engine(url)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    return engine


def test_execute_many_stores_what_sqlalchemy_stores(db_url: str) -> None:
    engine = _engine(db_url)
    with engine.begin() as conn:
        conn.execute(insert(ITEMS), ROWS)
        conn.execute(ITEMS.update().where(ITEMS.c.id == bindparam("b_id"), ITEMS.c.note != "frozen")
                     .values(name=bindparam("new_name")), [{"b_id": 2, "new_name": "حلب"}])
        conn.execute(ITEMS.delete().where(ITEMS.c.id == bindparam("b_id")), [{"b_id": 3}])
    expected, expected_values = _raw(engine), _values(engine)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as conn:
        execute_many(conn, INSERT, ROWS)
        execute_many(conn, RENAME, [{"b_id": 2, "new_name": "حلب"}])
        execute_many(conn, DROP, [{"b_id": 3}])
        execute_many(conn, DROP, [])  # nothing to do
    assert _raw(engine) == expected
    assert _values(engine) == expected_values
    assert expected_values[1]["doc"] is None and expected[1][3] == "null"  # JSON null, not SQL NULL
    metadata.drop_all(engine)
    engine.dispose()


def _values(engine) -> list[dict]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(ITEMS).order_by(ITEMS.c.id))]


def test_execute_many_refuses_what_it_cannot_run_faithfully(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = _engine(f"sqlite:///{tmp_path / 'b.db'}")
    with engine.begin() as conn:
        with pytest.raises(ValueError, match="Python defaults"):  # 'note' has a Python-side default
            execute_many(conn, INSERT, [{"id": 9, "day": None, "name": "x", "doc": {}}])
        with pytest.raises(ValueError, match="expanding"):
            execute_many(conn, ITEMS.delete().where(ITEMS.c.id.in_(bindparam("ids", expanding=True))),
                         [{"ids": [1, 2]}])
    engine.dispose()
