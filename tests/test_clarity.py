"""rasd.extract.clarity: single incident or summary (campaign, period, cumulative toll), on
sentences from the development corpus, and its lexicon (data/lexicons/clarity.yaml)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from rasd.extract.clarity import classify, classify_event
from rasd.extract.lexicons import ClarityCues, load_clarity
from rasd.schema import Span
from tests.store_factories import make_event


def span(sentence: str, words: str) -> tuple[int, int]:
    start = sentence.index(words)
    return start, start + len(words)


@pytest.mark.parametrize(("sentence", "cue"), [
    ("وأجرى مجلس الأمن جلسة لبحث الغوطة الشرقية التي تتعرض لقصف مستمر منذ 18 فبراير/شباط الماضي.", "period: منذ 18"),
    ("أسفر القصف التركي على عفرين، منذ بدء العملية العسكرية في 20 يناير، عن مقتل 245.", "period: منذ بدء"),
    ("قتل أكثر من 1401 مدني خلال تصعيد عمليات القصف الجوي على مدن الغوطة.", "period: خلال تصعيد"),
    ("وشنت إسرائيل خلال الأسابيع الماضية غارات على مواقع قرب دمشق.", "period: خلال الاسابيع الماضيه"),
    ("ما يرفع الحصيلة الإجمالية للقتلى إلى 54 مقاتلا.", "cumulative: الاجماليه"),
])
def test_clarity_summary_cues(sentence: str, cue: str) -> None:
    result = classify(sentence, time_precision=1)
    assert result.summary and result.label == "summary"
    assert result.cue.startswith(cue), result.cue


@pytest.mark.parametrize("sentence", [
    "وشن مسلحون هجوما عنيفا منذ صباح أمس على الأحياء الواقعة تحت سيطرة قوات النظام في مدينة درعا.",  # one day
    "ونقل المرصد أن قصفا بريا لا يزال يستهدف عفرين منذ منتصف ليل الجمعة وحتى هذه اللحظة.",  # since midnight
    "وقتل أربعة مدنيين في غارة على البلدة منذ يومين.",  # "two days ago"
    "وشن التنظيم هجوما عنيفا هو الأكبر على البوكمال منذ سيطرة قوات النظام عليها.",  # a yardstick
    "نفذت القوات مئات الضربات الجوية على بلدات درعا في تصعيد غير مسبوق منذ بدء الهجوم على المنطقة.",
    "ارتفعت حصيلة تفجير السيارة المفخخة في بغداد الجديدة إلى 66 قتيلا.",  # one bombing's toll, updated
])
def test_clarity_single_incidents_despite_period_words(sentence: str) -> None:
    assert not classify(sentence, time_precision=1).summary


def test_clarity_a_period_that_starts_at_the_act_is_not_a_summary_of_it() -> None:
    sentence = "ناقش الرئيسان التطورات التي حصلت منذ الهجوم الكيميائي الذي استهدف سكان دوما."
    # Without knowing the act, "since the chemical attack" opens a period ...
    assert classify(sentence, 1).summary
    # ... but the record *is* that attack: where the period starts, not the period.
    assert not classify(sentence, 1, trigger=span(sentence, "الهجوم الكيميائي")).summary


def test_clarity_the_acts_own_day_wins_over_a_period_elsewhere_in_the_sentence() -> None:
    sentence = ("وحشدت قوات النظام خلال الأسبوعين الماضيين تعزيزاتها العسكرية في جنوب دمشق، قبل أن تبدأ "
                "قصفا مركزا الخميس.")
    trigger, thursday = span(sentence, "قصفا"), span(sentence, "الخميس")
    assert classify(sentence, 1, trigger=trigger, date=thursday) == classify(sentence, 1, trigger, thursday)
    assert not classify(sentence, 1, trigger=trigger, date=thursday).summary
    # the same sentence with the date taken from elsewhere (the article's lead): a summary
    assert classify(sentence, 1, trigger=trigger).summary
    # a date that is the start of the period is not the act's own day
    since = "وتتعرض الغوطة لقصف منذ 18 فبراير."
    assert classify(since, 1, trigger=span(since, "لقصف"), date=span(since, "18 فبراير")).summary


def test_clarity_ongoing_words_count_only_without_a_precise_day_and_in_the_acts_clause() -> None:
    campaign = "وقال الطبيب إن الغارات الجوية مستمرة على الغوطة الشرقية."
    assert classify(campaign, time_precision=2).cue.startswith("ongoing")
    assert not classify(campaign, time_precision=1).summary
    other_clause = ("قالت الخارجية إن لديها أدلة على الهجوم الكيمياوي على دوما الأسبوع الماضي، مضيفة أن "
                    "واشنطن ما زالت تتحرى عن نوع العنصر المستخدم.")
    assert not classify(other_clause, 2, trigger=span(other_clause, "الهجوم الكيمياوي")).summary
    assert classify(other_clause, 2).summary  # without the act's place, the whole sentence is its clause


def test_clarity_a_relative_clause_about_something_else_does_not_count() -> None:
    sentence = "بدأت الحافلات دخول بلدتي الفوعة وكفريا اللتين يحاصرهما منذ 3 سنوات مقاتلو المعارضة، في إطار اتفاق إجلاء."
    assert not classify(sentence, 1, trigger=span(sentence, "اتفاق إجلاء")).summary
    besieged = "الغوطة الشرقية التي تتعرض لقصف مستمر منذ 18 فبراير."
    assert classify(besieged, 1, trigger=span(besieged, "لقصف")).summary  # the act is in the clause


def test_clarity_a_cue_on_the_other_side_of_a_joined_report_does_not_count() -> None:
    sentence = ("وتشهد مدن عراقية تظاهرات احتجاجية واسعة منذ الجمعة ضد نقص الخدمات، فيما اقتحم محتجون في "
                "مدينة النجف مطار المدينة.")
    assert not classify(sentence, 1, trigger=span(sentence, "اقتحم")).summary  # the storming of the airport
    assert classify(sentence, 2, trigger=span(sentence, "تظاهرات")).summary  # the wave of protests


def test_clarity_of_a_coded_record_and_of_a_stored_row() -> None:
    sentence = "وقال المرصد إن 42 مدنيا قتلوا الجمعة في غارات على الغوطة منذ 18 فبراير."
    offset = 1000  # the sentence's place in its article: evidence spans are article offsets
    trigger, friday = span(sentence, "غارات"), span(sentence, "الجمعة")
    evidence = {"trigger": Span(start=offset + trigger[0], end=offset + trigger[1], text="غارات"),
                "date": Span(start=offset + friday[0], end=offset + friday[1], text="الجمعة")}
    event = make_event(source_sentence=sentence, evidence=evidence, time_precision=1)
    assert not classify_event(event).summary  # Friday's strikes, in the act's own clause
    assert classify_event(event.model_copy(update={"evidence": {"trigger": evidence["trigger"]}})).summary
    # a stored row carries its evidence as JSON
    row = event.model_copy(update={"evidence": {k: v.model_dump() for k, v in evidence.items()}})
    assert classify_event(row) == classify_event(event)
    assert not classify_event(make_event()).summary  # no sentence: nothing says summary


def test_clarity_lexicon_loads_and_is_validated() -> None:
    cues = load_clarity()
    assert "منذ" in {m.key for m in cues.opens_period.find("منذ")}
    assert "ليل" in cues.same_day and "الاكبر" in cues.comparison
    with pytest.raises(ValidationError):
        ClarityCues.model_validate({"opens_period": ["منذ"], "same_day": ["صباح أمس"], "comparison": ["الأكبر"],
                                    "relative": ["التي"], "period": ["خلال الأيام الماضية"], "cumulative": ["إجمالي"],
                                    "ongoing": ["مستمر"]})
    with pytest.raises(ValidationError):
        ClarityCues.model_validate({"opens_period": ["منذ"], "unknown": ["x"]})
