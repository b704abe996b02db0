"""The analysts' API at scale: filter indexes, the actor index and the /api/stats summary tables.

* ``ix_events_date`` becomes ``ix_events_date_scan``: the same order, carrying the filters without
  an index of their own (status, fatalities, iso, latitude, longitude); the (column, date)
  indexes end with the id, so they give the page's whole order;
  ``ix_events_lat_lon`` and ``ix_events_fatalities`` serve small boxes and high minimums.
* ``actor_names`` / ``event_actors``: the distinct actor values and the events carrying them.
* ``summary_events`` / ``summary_days`` / ``summary_actors``: counts and fatalities per period.

The new tables are filled here from the stored events, with the same rules as
``rasd.store.derived`` applies on every later write (tests/test_summary.py checks both agree).
The statements are written out here rather than imported, so this revision keeps meaning what it
meant when later code changes.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ALL_TIME = dt.date(1, 1, 1)
ACTOR_COLUMNS = ("actor1", "actor2", "assoc_actor_1", "assoc_actor_2")
NEW_INDEXES = {
    "ix_events_date_scan": ["event_date", "event_id_cnty", "status", "fatalities", "iso", "latitude", "longitude"],
    "ix_events_lat_lon": ["latitude", "longitude", "event_id_cnty"],
    "ix_events_fatalities": ["fatalities", "event_id_cnty"],
}
# (column, then date) indexes that end with the id, so that they give the whole page order
EXTENDED_INDEXES = {"ix_events_type_date": "event_type", "ix_events_country_date": "country",
                    "ix_events_admin1_date": "admin1", "ix_events_sub_date": "sub_event_type",
                    "ix_events_iso_date": "iso"}
events = sa.table("events", *(sa.column(name) for name in (
    "event_id_cnty", "event_date", "status", "iso", "country", "admin1", "event_type", "sub_event_type",
    "fatalities", *ACTOR_COLUMNS)))


def _counts() -> list[sa.Column]:
    return [sa.Column("events", sa.Integer(), nullable=False), sa.Column("fatalities", sa.BigInteger(), nullable=False)]


def _key(name: str, type_: sa.types.TypeEngine) -> sa.Column:
    return sa.Column(name, type_, nullable=False, primary_key=True)


def create_tables() -> None:
    op.create_table("actor_names", _key("name", sa.Text()), sa.Column("folded", sa.Text(), nullable=False),
                    sa.Column("events", sa.Integer(), nullable=False))
    op.create_table("event_actors", _key("name", sa.Text()), _key("event_id_cnty", sa.String(16)),
                    sqlite_with_rowid=False)
    op.create_index("ix_event_actors_event", "event_actors", ["event_id_cnty"])
    where = [_key("status", sa.String(20)), _key("iso", sa.Integer()), _key("country", sa.String(80))]
    op.create_table("summary_events", _key("grain", sa.String(5)), _key("period", sa.Date()), *where,
                    _key("admin1", sa.String(200)), _key("event_type", sa.String(60)),
                    _key("sub_event_type", sa.String(60)), *_counts(), sqlite_with_rowid=False)
    op.create_index("ix_summary_events_admin1", "summary_events", ["grain", "admin1", "period"])
    op.create_index("ix_summary_events_sub", "summary_events", ["grain", "sub_event_type", "period"])
    where = [_key("status", sa.String(20)), _key("iso", sa.Integer()), _key("country", sa.String(80))]
    op.create_table("summary_days", _key("period", sa.Date()), *where, _key("event_type", sa.String(60)),
                    *_counts(), sqlite_with_rowid=False)
    where = [_key("status", sa.String(20)), _key("iso", sa.Integer()), _key("country", sa.String(80))]
    op.create_table("summary_actors", _key("grain", sa.String(5)), _key("period", sa.Date()), *where,
                    _key("admin1", sa.String(200)), _key("event_type", sa.String(60)), _key("actor", sa.Text()),
                    *_counts(), sqlite_with_rowid=False)


def _period(grain: str) -> sa.ColumnElement:
    """The first day of the event's period (not "all"), as each backend truncates a date; the
    unit is inline SQL so that the SELECT and GROUP BY expressions are the same."""
    if grain == "day":
        return events.c.event_date
    if op.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.func.date_trunc(sa.literal_column(f"'{grain}'"), events.c.event_date), sa.Date())
    return sa.func.date(events.c.event_date, sa.literal_column(f"'start of {grain}'"))


def _fill(table: str, grain: str | None, keys: dict[str, sa.ColumnElement], source: sa.FromClause,
          where: list[sa.ColumnElement]) -> None:
    """INSERT INTO table SELECT [grain, period,] keys, count(*), sum(fatalities) ... GROUP BY keys
    (the constant grain, and the period of "all", are selected but not grouped)."""
    constants: dict[str, sa.ColumnElement] = {}
    if grain is not None:
        constants["grain"] = sa.literal_column(f"'{grain}'")
        if grain == "all":
            constants["period"] = sa.literal(ALL_TIME, sa.Date())
    names = [*constants, *keys, "events", "fatalities"]
    query = (sa.select(*constants.values(), *keys.values(), sa.func.count(),
                       sa.func.coalesce(sa.func.sum(source.c.fatalities), 0))
             .select_from(source).where(*where).group_by(*keys.values()))
    op.execute(sa.table(table, *(sa.column(n) for n in names)).insert().from_select(names, query))


def fill_summaries() -> None:
    where = {"status": events.c.status, "iso": sa.func.coalesce(events.c.iso, 0), "country": events.c.country}
    dated = [events.c.event_date.is_not(None)]
    for grain in ("all", "year", "month", "day"):
        period = {} if grain == "all" else {"period": _period(grain)}
        _fill("summary_events", grain, {**period, **where, "admin1": events.c.admin1, "event_type": events.c.event_type,
                                        "sub_event_type": events.c.sub_event_type},
              events, [] if grain == "all" else dated)
    _fill("summary_days", None, {"period": events.c.event_date, **where, "event_type": events.c.event_type}, events, dated)
    for grain in ("all", "year", "month"):
        period = [] if grain == "all" else [_period(grain).label("period")]
        # one row per actor slot: an event counts once as actor1 and once as actor2
        slots = sa.union_all(*(
            sa.select(*period, *(e.label(n) for n, e in where.items()), events.c.admin1, events.c.event_type,
                      events.c[column].label("actor"), events.c.fatalities)
            .where(events.c[column] != "", *([] if grain == "all" else dated))
            for column in ("actor1", "actor2"))).subquery()
        keys = {name: slots.c[name] for name in ([] if grain == "all" else ["period"])}
        keys.update({name: slots.c[name] for name in ("status", "iso", "country", "admin1", "event_type", "actor")})
        _fill("summary_actors", grain, keys, slots, [])


def fill_actor_index() -> None:
    pairs = sa.union(*(sa.select(events.c[column].label("name"), events.c.event_id_cnty)
                       .where(events.c[column] != "") for column in ACTOR_COLUMNS)).subquery()
    op.execute(sa.table("event_actors", sa.column("name"), sa.column("event_id_cnty")).insert()
               .from_select(["name", "event_id_cnty"], sa.select(pairs.c.name, pairs.c.event_id_cnty)))
    # folded = Python's str.lower (SQLite's lower() folds ASCII only), so names go through Python.
    event_actors = sa.table("event_actors", sa.column("name"), sa.column("event_id_cnty"))
    counts = op.get_bind().execute(sa.select(event_actors.c.name, sa.func.count()).group_by(event_actors.c.name))
    rows = [{"name": name, "folded": name.lower(), "events": n} for name, n in counts]
    if rows:
        op.bulk_insert(sa.table("actor_names", sa.column("name"), sa.column("folded"), sa.column("events")), rows)


def upgrade() -> None:
    op.drop_index("ix_events_date", table_name="events")
    for name, column in EXTENDED_INDEXES.items():
        op.drop_index(name, table_name="events")
        op.create_index(name, "events", [column, "event_date", "event_id_cnty"])
    for name, columns in NEW_INDEXES.items():
        op.create_index(name, "events", columns)
    create_tables()
    fill_summaries()
    fill_actor_index()


def downgrade() -> None:
    for table in ("summary_actors", "summary_days", "summary_events", "event_actors", "actor_names"):
        op.drop_table(table)
    for name in NEW_INDEXES:
        op.drop_index(name, table_name="events")
    for name, column in EXTENDED_INDEXES.items():
        op.drop_index(name, table_name="events")
        op.create_index(name, "events", [column, "event_date"])
    op.create_index("ix_events_date", "events", ["event_date", "event_id_cnty"])
