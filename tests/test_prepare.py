"""Text preparation: sentences with offsets, boilerplate lines, HTML to main text."""

from __future__ import annotations

import pytest

from rasd.prepare import boilerplate_ranges, html_to_text, looks_like_html, split_sentences
from tests.conftest import SEED, needs_shared


def _sentences(text: str) -> list[str]:
    return [s.text_of(text) for s in split_sentences(text)]


# --- sentences --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("قصفت الطائرات البلدة. ونزح السكان.", ["قصفت الطائرات البلدة.", "ونزح السكان."]),
        ("هل وصل الرتل؟ نعم وصل", ["هل وصل الرتل؟", "نعم وصل"]),
        ("يا للهول! قتل سبعة", ["يا للهول!", "قتل سبعة"]),
        ("سطر أول\nسطر ثان", ["سطر أول", "سطر ثان"]),
        ("انتهى الأمر... ثم عاد القصف.", ["انتهى الأمر...", "ثم عاد القصف."]),
        ("حقًا؟! نعم.", ["حقًا؟!", "نعم."]),
    ],
)
def test_prepare_split_on_arabic_punctuation(text: str, expected: list[str]) -> None:
    assert _sentences(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "قال المتحدث «إن القوات وصلت. ثم انسحبت» وغادر.",
        "قال المتحدث “إن القوات وصلت. ثم انسحبت” وغادر.",
        'قال المتحدث "إن القوات وصلت. ثم انسحبت" وغادر.',
        "قال المتحدث (انظر الصورة. أعلاه) وغادر.",
    ],
)
def test_prepare_no_split_inside_quotes(text: str) -> None:
    assert _sentences(text) == [text]


def test_prepare_no_split_inside_decimal() -> None:
    text = "ارتفعت النسبة إلى 3.5 بالمئة. ثم تراجعت"
    assert _sentences(text) == ["ارتفعت النسبة إلى 3.5 بالمئة.", "ثم تراجعت"]


def test_prepare_quote_state_reset_at_newline() -> None:
    text = "قال «إنه وصل. ثم\nعاد. وانصرف."
    assert _sentences(text) == ["قال «إنه وصل. ثم", "عاد.", "وانصرف."]


def test_prepare_sentence_spans_slice_text_and_paragraphs() -> None:
    text = "  أولى. ثانية؟\n\nثالثة!  \nرابعة "
    found = split_sentences(text)
    assert [(text[s.start:s.end], s.paragraph) for s in found] == [
        ("أولى.", 0), ("ثانية؟", 0), ("ثالثة!", 2), ("رابعة", 3),
    ]
    for s in found:
        assert s.text_of(text) == text[s.start:s.end]
        assert not text[s.start].isspace() and not text[s.end - 1].isspace()


def test_prepare_sentences_skip_ranges() -> None:
    text = "camera icon صورة. \nنص الخبر هنا."
    skip = [(0, text.index("\n"))]
    assert _sentences(text) == ["camera icon صورة.", "نص الخبر هنا."]
    assert [s.text_of(text) for s in split_sentences(text, skip)] == ["نص الخبر هنا."]


def test_prepare_tiny_fragments_dropped() -> None:
    assert _sentences("ب \n.\n ! \n") == []
    assert _sentences("أ.") == ["أ."]


# --- boilerplate ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_text() -> str:
    return (SEED / "article.txt").read_text(encoding="utf-8")


def _line_span(text: str, prefix: str) -> tuple[int, int]:
    start = text.index(prefix)
    end = text.find("\n", start)
    return start, len(text) if end < 0 else end


def _covered(ranges: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in ranges)


def _touched(ranges: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a < end and start < b for a, b in ranges)


@needs_shared
@pytest.mark.parametrize("prefix", ["camera icon", "tag icon", "مقالات متعلقة", "×", "ادعم عنب بلدي", "دولار واحد شهريًا",
                                    "سوريا بحاجة للصحافة الحرة", "الإعلام الموجّه", "اضغط هنا للمساهمة"])
def test_prepare_boilerplate_flags_seed_furniture(seed_text: str, prefix: str) -> None:
    assert _covered(boilerplate_ranges(seed_text), *_line_span(seed_text, prefix))


@needs_shared
def test_prepare_boilerplate_tail_runs_to_end(seed_text: str) -> None:
    ranges = boilerplate_ranges(seed_text)
    assert ranges[-1] == (seed_text.index("مقالات متعلقة"), len(seed_text))


@needs_shared
def test_prepare_boilerplate_never_flags_paragraphs(seed_text: str) -> None:
    ranges = boilerplate_ranges(seed_text)
    body = seed_text[: seed_text.index("مقالات متعلقة")]
    paragraphs = [line for line in body.split("\n") if line.strip() and "icon" not in line]
    assert len(paragraphs) == 13  # the title and twelve paragraphs
    for paragraph in paragraphs:
        start = seed_text.index(paragraph)
        assert not _touched(ranges, start, start + len(paragraph)), paragraph[:40]


@needs_shared
def test_prepare_seed_sentences_avoid_boilerplate(seed_text: str) -> None:
    ranges = boilerplate_ranges(seed_text)
    sentences = split_sentences(seed_text, ranges)
    texts = [s.text_of(seed_text) for s in sentences]
    assert texts[:2] == ["لمكافحة نشاط تنظيم “الدولة”..", "التحالف ينفذ مناورات عسكرية شرقي سوريا"]
    assert not any("icon" in t or "عنب بلدي" == t[-8:] or "للمساهمة" in t for t in texts)
    assert any(t.startswith("وفي 15 من تشرين الثاني") for t in texts)


def test_prepare_boilerplate_donation_lines_alone() -> None:
    lines = [
        "قتل سبعة مدنيين بقصف على ريف إدلب.",
        "ادعم عنب بلدي",
        "دولار واحد شهريًا يصنع الفرق",
        "اقرأ أيضا: قصف على حلب",
        "---",
        "وقال مراسل الموقع إن القصف استهدف منازل المدنيين.",
    ]
    text = "\n".join(lines)
    ranges = boilerplate_ranges(text)
    flagged = [text[a:b] for a, b in ranges]
    assert flagged == lines[1:5]


# --- HTML -------------------------------------------------------------------------------------

PARAGRAPHS = [
    "قتل سبعة مدنيين، بينهم ثلاثة أطفال، اليوم الخميس، جراء قصف مدفعي لقوات النظام السوري على بلدة كنصفرة"
    " في جبل الزاوية جنوبي إدلب، بحسب ما أفاد به الدفاع المدني السوري.",
    "وقال مراسل الموقع إن القصف استهدف منازل المدنيين وسط البلدة، ما أدى إلى دمار واسع في الممتلكات، وأضاف"
    " أن فرق الإسعاف نقلت الجرحى إلى مستشفيات المنطقة.",
    "وتشهد مناطق جبل الزاوية تصعيدا عسكريا متواصلا منذ مطلع الشهر الجاري، رغم اتفاق وقف إطلاق النار الموقع"
    " بين روسيا وتركيا في آذار من العام الماضي.",
]
TITLE = "مقتل سبعة مدنيين بقصف على ريف إدلب"
PAGE = f"""<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head><meta charset="utf-8"><title>{TITLE}</title></head>
<body>
<nav><ul><li><a href="/">الرئيسية</a></li><li><a href="/news">أخبار المحافظات</a></li><li><a href="/sport">رياضة</a></li></ul></nav>
<article>
<h1>{TITLE}</h1>
{"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}
</article>
<footer><p>جميع الحقوق محفوظة لموقع الأخبار 2021</p><a href="/privacy">سياسة الخصوصية</a></footer>
</body></html>
"""


def test_prepare_looks_like_html() -> None:
    assert looks_like_html(PAGE)
    assert looks_like_html("<p>نص</p>")
    assert not looks_like_html(PARAGRAPHS[0])
    assert not looks_like_html("قال إن 3 < 5 وأن x>2")


def test_prepare_html_to_text_keeps_article_drops_furniture() -> None:
    text = html_to_text(PAGE)
    assert text.startswith(TITLE)
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    for furniture in ("الرئيسية", "أخبار المحافظات", "رياضة", "جميع الحقوق", "سياسة الخصوصية", "<", ">"):
        assert furniture not in text


def test_prepare_html_to_text_empty_page() -> None:
    assert html_to_text("<html><body></body></html>") == ""


@pytest.mark.parametrize("line", ["نحن بحاجتك لنبقى مستقلين", "اقرأ أيضاً: تفاصيل الهجوم", "المصدر:"])
def test_prepare_boilerplate_markers_match_in_their_written_form(line: str) -> None:
    # the markers are checked on the normalised line, where ى is ي and أ is ا
    text = f"قصفت الطائرات بلدة سراقب.\n{line}\nوقتل ثلاثة مدنيين."
    ranges = boilerplate_ranges(text)
    assert _covered(ranges, *_line_span(text, line))
    assert not _touched(ranges, 0, text.index("\n"))
