"""The store contract suite: the same tests on SQLite and on PostgreSQL (``db_url`` fixture).

Stores are driven through the ``Store`` API with crafted events (``tests/store_factories.py``),
so each test states exactly which reports arrive and what the living dataset must then say.
"""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from rasd.schema import Span
from rasd.store import EventFilter, Store
from rasd.store.models import ArticleRow, AuditRow, CandidateRow, DeletionRow, EventSourceRow
from rasd.store.repository import KnownUrl, Rejection, content_hash, normalise_url
from tests.store_factories import DAY, make_article, make_event, stub_extractor


def test_store_migrations_match_models(db_url: str) -> None:
    """The Alembic migrations build exactly the schema the models declare (nothing to autogenerate)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from rasd.store.models import Base

    store = Store.open(db_url)
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    store.close()
    assert diff == []


def test_store_ingest_stores_articles_events_and_sources(db_url: str) -> None:
    store = Store.open(db_url)
    extract = stub_extractor({"a1": [make_event(), make_event(status="candidate", reason="unlocated", latitude=None,
                                                                longitude=None, admin1="", admin2="", location="",
                                                                geo_precision=None)]})
    counts = store.ingest([make_article("a1")], extract)
    assert (counts.read, counts.new, counts.coded, counts.events_new, counts.candidates) == (1, 1, 1, 1, 1)
    events = list(store.events(EventFilter(include_candidates=True)))
    assert sorted(e.event_id_cnty for e in events) == ["SYR1", "SYR2"]
    assert all(re.fullmatch(r"[A-Z]{3}\d+", e.event_id_cnty) and e.timestamp for e in events)
    # Candidates are stored (and queued for review) but are not events to export.
    assert [e.status for e in store.events()] == ["event"]
    with store.session() as s:
        assert s.scalar(select(CandidateRow.reason)) == "unlocated"
        assert s.scalar(select(ArticleRow.status)) == "coded"
        assert len(s.scalars(select(EventSourceRow)).all()) == 2
    store.close()


def test_store_ingest_twice_changes_nothing(db_url: str) -> None:
    store = Store.open(db_url)
    extract = stub_extractor({"a1": [make_event()], "a2": [make_event(event_date=DAY + dt.timedelta(days=1))]})
    items = [make_article("a1"), make_article("a2"), Rejection("feed.xml", "broken feed: test")]
    store.ingest(items, extract)
    before = store.counts()
    again = store.ingest(items, extract)
    assert (again.new, again.duplicate, again.rejected) == (0, 2, 1)
    assert store.counts() == before
    store.close()


def test_store_duplicate_by_url_and_by_normalised_text(db_url: str) -> None:
    store = Store.open(db_url)
    text = "قُتل ثلاثة مدنيين في قصفٍ على أريحا"
    store.ingest([make_article("a1", text, url="https://Example.org/news/1/?utm_source=x#top")], stub_extractor({}))
    counts = store.ingest([
        make_article("other-id", "text changed but same page", url="https://example.org/news/1"),
        make_article("re-scraped", "قتل  ثلاثة مدنيين في قصف على اريحا\n"),  # no diacritics, other spaces, alef form
    ], stub_extractor({}))
    assert (counts.new, counts.duplicate) == (0, 2)
    assert content_hash(text) == content_hash("قتل ثلاثة مدنيين في قصف على اريحا")
    assert normalise_url("HTTPS://EXAMPLE.org/a/?utm_medium=x&b=1#c") == "https://example.org/a?b=1"
    store.close()


def test_store_id_clash_with_other_content_is_rejected(db_url: str) -> None:
    store = Store.open(db_url)
    store.ingest([make_article("a1", "نص أول عن قصف")], stub_extractor({}))
    counts = store.ingest([make_article("a1", "نص آخر تماما عن اشتباك")], stub_extractor({}))
    assert counts.rejected == 1
    assert "already stored with different content" in store.rejected()[0].reason
    store.close()


def test_store_merges_reports_of_one_incident(db_url: str) -> None:
    store = Store.open(db_url)
    first = make_event(fatalities=5, fatalities_low=5, fatalities_best=5, fatalities_high=5, geo_precision=2,
                       where_prec=2, location="Ariha area")
    second = make_event(event_date=DAY + dt.timedelta(days=1), fatalities=3, fatalities_low=3, fatalities_best=3,
                        fatalities_high=4, source="SANA")
    extract = stub_extractor({"a1": [first], "a2": [second]})
    store.ingest([make_article("a1"), make_article("a2", source="SANA")], extract)
    events = list(store.events())
    assert len(events) == 1
    merged = events[0]
    assert merged.event_id_cnty == "SYR1"
    assert merged.source == "Enab Baladi; SANA"
    assert (merged.location, merged.geo_precision) == ("Ariha", 1)  # the more precise place
    assert merged.event_date == DAY  # equal time precision: the stored date stays
    assert (merged.fatalities, merged.fatalities_low, merged.fatalities_best, merged.fatalities_high) == (3, 3, 5, 5)
    with store.session() as s:
        assert s.scalars(select(EventSourceRow.article_id).order_by(EventSourceRow.id)).all() == ["a1", "a2"]
        audit = list(s.scalars(select(AuditRow).order_by(AuditRow.id)))
        assert [a.action for a in audit] == ["insert", "merge"]
        assert audit[1].detail["match"] == "match: 10km"  # no sentences: the rule alone decided
    store.close()


def test_store_audit_says_by_what_two_reports_were_merged(db_url: str) -> None:
    # the same agency sentence in two outlets (labelled pair s034): the rule matches, the model agrees
    told = make_event(source_sentence="وخرجت الأحد احتجاجات مماثلة في مدينتي الناصرية والسماوة.")
    retold = make_event(source="SANA", source_sentence="وخرجت، الأحد، احتجاجات مماثلة في مدينتي الناصرية والسماوة، "
                                                       "وفقا لمراسل فرانس برس.")
    store = Store.open(db_url)
    store.ingest([make_article("a1"), make_article("a2", source="SANA")], stub_extractor({"a1": [told], "a2": [retold]}))
    with store.session() as s:
        merge = s.scalars(select(AuditRow).where(AuditRow.action == "merge")).one()
    store.close()
    assert merge.detail["match"].startswith("match: same town (model 0.")
    assert float(merge.detail["match"].rsplit(" ", 1)[1].rstrip(")")) >= 0.5


CHEMICAL = {"event_type": "Explosions/Remote violence", "sub_event_type": "Chemical weapon", "geo_precision": 2}


def test_store_report_matching_two_events_of_different_incidents_joins_only_one(db_url: str) -> None:
    # "Near" a town (geo_precision 2): the 10 km radius applies. West and east are ~10.8 km apart,
    # two incidents by the rule; a report between them, within 10 km of both, is one more report
    # of the oldest and does not make them one (session 5: that joined a month of fighting).
    store = Store.open(db_url)
    west = make_event(latitude=35.80, longitude=36.50, admin2="A", location="West", geo_precision=2)
    east = make_event(latitude=35.80, longitude=36.62, admin2="B", location="East", geo_precision=2)
    middle = make_event(latitude=35.80, longitude=36.56, admin2="C", location="Middle", geo_precision=2)
    extract = stub_extractor({"a1": [west], "a2": [east], "a3": [middle]})
    store.ingest([make_article("a1"), make_article("a2")], extract)
    counts = store.ingest([make_article("a3")], extract)
    assert (counts.events_merged, counts.stored_merged) == (1, 0)
    assert sorted(e.event_id_cnty for e in store.events()) == ["SYR1", "SYR2"]
    assert store.deletions() == []
    with store.session() as s:
        assert s.scalars(select(EventSourceRow.event_id_cnty).where(EventSourceRow.article_id == "a3")).one() == "SYR1"
    store.close()


def test_store_takes_two_reports_of_one_article_of_a_chemical_attack(db_url: str) -> None:
    # An article naming a chemical attack twice (dated once by the attack, once by a statement)
    # tells one attack; two strikes of one article stay two events (the next test but one).
    store = Store.open(db_url)
    attack = make_event(**CHEMICAL)
    told = make_event(event_date=DAY + dt.timedelta(days=3), **CHEMICAL)
    store.ingest([make_article("a1")], stub_extractor({"a1": [attack, told]}))
    assert [e.event_id_cnty for e in store.events()] == ["SYR1"]
    store.close()


def test_store_bridging_report_merges_two_stored_events_and_records_the_deletion(db_url: str) -> None:
    store = Store.open(db_url)
    # Two records of one article, kept apart (one stored event takes one report of an article),
    # though the rule finds them one incident; a report of another article matches both and
    # joins them (``may_join``: they are the same incident by the rule).
    west = make_event(location="West")
    east = make_event(location="East", latitude=35.8140)
    middle = make_event(location="Middle", latitude=35.8139)
    extract = stub_extractor({"a1": [west, east], "a3": [middle]})
    store.ingest([make_article("a1")], extract)
    assert sorted(e.event_id_cnty for e in store.events()) == ["SYR1", "SYR2"]
    counts = store.ingest([make_article("a3")], extract)
    assert counts.stored_merged == 1
    assert [e.event_id_cnty for e in store.events()] == ["SYR1"]
    (deletion,) = store.deletions()
    assert (deletion.event_id_cnty, deletion.merged_into) == ("SYR2", "SYR1")
    assert deletion.reason == "duplicate: merged into SYR1"
    # A withdrawn id is never handed out again.
    store.ingest([make_article("a4")], stub_extractor({"a4": [make_event(event_type="Protests",
                                                                           sub_event_type="Peaceful protest")]}))
    assert sorted(e.event_id_cnty for e in store.events()) == ["SYR1", "SYR3"]
    store.close()


def test_store_does_not_merge_a_campaign_summary_with_one_days_report(db_url: str) -> None:
    store = Store.open(db_url)
    day_sentence = "وقتل مدنيان في اشتباكات قرب أريحا."
    summary_sentence = "وقتل 300 مدني في اشتباكات قرب أريحا منذ بدء الحملة العسكرية في شباط."
    def report(sentence: str):  # type: ignore[no-untyped-def]
        start = sentence.index("اشتباكات")
        return make_event(source_sentence=sentence,
                          evidence={"trigger": Span(start=start, end=start + len("اشتباكات"), text="اشتباكات")})
    extract = stub_extractor({"a1": [report(day_sentence)], "a2": [report(summary_sentence)],
                              "a3": [report(day_sentence)]})
    store.ingest([make_article("a1"), make_article("a2")], extract)
    assert len(list(store.events())) == 2  # the stored day's report is read with its sentence
    store.ingest([make_article("a3")], extract)
    assert len(list(store.events())) == 2
    with store.session() as s:
        merged_into = s.scalars(select(EventSourceRow.event_id_cnty).where(EventSourceRow.article_id == "a3")).one()
    assert merged_into == "SYR1"  # another day's report of the day, not the summary
    store.close()


def test_store_bridging_a_reviewed_candidate_withdraws_it_with_its_queue_entry(db_url: str) -> None:
    from rasd.gazetteer import Place
    from rasd.store import review

    store = Store.open(db_url)
    west = make_event(location="West")
    unlocated = make_event(status="candidate", reason="unlocated", latitude=None, longitude=None, location="",
                           geo_precision=None)
    middle = make_event(location="Middle", latitude=35.8139)
    # the candidate is a record of the event's own article: placed, it stays an event of its own
    extract = stub_extractor({"a1": [west, unlocated], "a3": [middle]})
    store.ingest([make_article("a1")], extract)
    east = Place(id="east", name="East", name_ar="الشرق", country="SY", admin1="Idleb", lat=35.8140, lon=36.6097,
                 kind="town", admin2="Ariha")
    assert review.place(store, "SYR2", east).event_id_cnty == "SYR2"
    # a report between the two bridges them; the younger, once a candidate, is withdrawn with its
    # (resolved) queue entry, which would otherwise still point at it
    assert store.ingest([make_article("a3")], extract).stored_merged == 1
    assert [e.event_id_cnty for e in store.events(EventFilter(include_candidates=True))] == ["SYR1"]
    with store.session() as s:
        assert s.scalars(select(CandidateRow)).all() == []
        assert [d.merged_into for d in s.scalars(select(DeletionRow))] == ["SYR1"]
    store.close()


def test_store_never_merges_two_events_of_one_article(db_url: str) -> None:
    store = Store.open(db_url)
    store.ingest([make_article("a1")], stub_extractor({"a1": [make_event(), make_event(location="Ariha 2")]}))
    assert len(list(store.events())) == 2
    store.close()


def test_store_filters(db_url: str) -> None:
    store = Store.open(db_url)
    iraq = make_event(iso=368, country="Iraq", admin1="Nineveh", admin2="Mosul", location="Mosul", latitude=36.34,
                      longitude=43.13, actor1="Islamic State (ISIS)", inter1="Rebel group", actor2="")
    protest = make_event(event_type="Protests", sub_event_type="Peaceful protest", event_date=dt.date(2021, 5, 1))
    store.ingest([make_article("a1"), make_article("a2"), make_article("a3")],
                 stub_extractor({"a1": [make_event()], "a2": [iraq], "a3": [protest]}))
    ids = lambda **kw: sorted(e.event_id_cnty for e in store.events(EventFilter(**kw)))  # noqa: E731
    assert ids(country="iraq") == ["IRQ1"]
    assert ids(admin1="Idleb") == ["SYR1", "SYR2"]
    assert ids(event_type="Protests") == ["SYR2"]
    assert ids(sub_event_type="Armed clash") == ["IRQ1", "SYR1"]
    assert ids(actor="isis") == ["IRQ1"]
    assert ids(date_from=dt.date(2021, 4, 1)) == ["SYR2"]
    assert ids(date_to=dt.date(2021, 4, 1)) == ["IRQ1", "SYR1"]
    newest = max(e.timestamp or 0 for e in store.events())
    assert ids(since=newest + 1) == []
    store.close()


def test_store_known_url_items_count_as_duplicates(db_url: str) -> None:
    store = Store.open(db_url)
    store.ingest([make_article("a1", url="https://example.org/x")], stub_extractor({}))
    assert store.url_known("https://example.org/x/")
    counts = store.ingest([KnownUrl("feed#item1", "https://example.org/x")], stub_extractor({}))
    assert (counts.read, counts.duplicate, counts.new) == (1, 1, 0)
    store.close()


def test_store_extractor_error_is_recorded_and_the_run_goes_on(db_url: str) -> None:
    store = Store.open(db_url)

    def flaky(article):  # type: ignore[no-untyped-def]
        if article.id == "bad":
            raise RuntimeError("boom")
        return [make_event()]

    counts = store.ingest([make_article("bad"), make_article("good")], flaky)
    assert (counts.new, counts.coded, counts.rejected, counts.events_new) == (2, 1, 1, 1)
    assert "extractor error: RuntimeError: boom" in store.rejected()[0].reason
    with store.session() as s:
        assert s.get(ArticleRow, "bad").status == "failed"
    store.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.sampled_from("ابتثجحخدذرزسشصضطظعغفقكلمنهوي ءآأؤإئةىًٌٍَُِّْ0123456789،.\n"),
                    min_size=1, max_size=300))
def test_store_round_trips_arabic_text(tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('rt') / 'rasd.db'}")
    store.ingest([make_article("a1", text)], stub_extractor({}))
    with store.session() as s:
        assert s.get(ArticleRow, "a1").text == text
    store.close()


def test_store_deletions_since(db_url: str) -> None:
    store = Store.open(db_url)
    assert store.deletions() == []
    with store.session() as s, s.begin():
        s.add(DeletionRow(event_id_cnty="SYR9", deleted_at=100, reason="analyst: not an event"))
        s.add(DeletionRow(event_id_cnty="SYR8", deleted_at=200, reason="duplicate: merged into SYR1", merged_into="SYR1"))
    assert [d.event_id_cnty for d in store.deletions(since=150)] == ["SYR8"]
    store.close()
