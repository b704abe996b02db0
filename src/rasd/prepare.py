"""Text preparation: HTML to main text, boilerplate lines, sentences with offsets.

Plain text is never rewritten: boilerplate lines are *skipped* rather than deleted, so every
offset rasd reports still indexes the text as given. HTML is first reduced to its main text with
trafilatura; offsets then index that extracted text, which rasd returns with the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HTML_HINT = re.compile(r"<\s*(html|body|div|p|article|head|meta|span|br|h[1-6])\b", re.IGNORECASE)

# Lines that scraped news pages carry around the story, checked on the normalised line (ى is ي,
# أ is ا there): most markers stand at the line's start (matched there only, which is cheap),
# a few anywhere in its first 120 characters.
_BOILERPLATE_START = re.compile(
    r"(?:ع ع ع$|اضغط هنا|ادعم |اقرا ايضا|اقرا المزيد|شاهد ايضا"
    r"|تابعونا|تابعوا |اشترك|للمزيد|مواضيع ذات صله|اخبار ذات صله|الاعلام الموجه"
    r"|دولار واحد شهريا|رابط الخبر|حقوق النشر|جميع الحقوق|share|×$|المصدر:?$)",
)
_BOILERPLATE_ANYWHERE = ("camera icon", "tag icon", "بحاجتك لنبقي")
# After one of these lines, the rest of the page is related links and appeals.
_TAIL_MARKERS = re.compile(r"^(مقالات متعلقه|مقالات ذات صله|اخبار متعلقه|مواد ذات صله|روابط ذات صله)\s*$")


def looks_like_html(raw: str) -> bool:
    return bool(_HTML_HINT.search(raw[:5000]))


def html_to_text(html: str) -> str:
    """Main text of an HTML page (title first when trafilatura finds one); '' if nothing."""
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_recall=True) or ""
    meta = trafilatura.extract_metadata(html)
    title = (meta.title or "").strip() if meta else ""
    if title and not text.startswith(title):
        text = f"{title}\n\n{text}" if text else title
    return text.strip()


def html_published_date(html: str) -> str | None:
    """The publication date trafilatura finds in a page's metadata (YYYY-MM-DD), if any."""
    import trafilatura

    meta = trafilatura.extract_metadata(html)
    return meta.date if meta and meta.date else None


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    paragraph: int

    def text_of(self, text: str) -> str:
        return text[self.start:self.end]


def boilerplate_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of lines that are page furniture, not article."""
    from rasd.normalize import normalize_text  # no offsets needed: whole lines are returned

    ranges: list[tuple[int, int]] = []
    pos = 0
    lines = text.split("\n")
    for index, line in enumerate(lines):
        end = pos + len(line)
        norm = normalize_text(line[:120]).strip()  # the markers stand at a line's start
        if _TAIL_MARKERS.match(norm):
            ranges.append((pos, len(text)))
            break
        if norm and (_BOILERPLATE_START.match(norm) or any(marker in norm for marker in _BOILERPLATE_ANYWHERE)
                     or not any(c.isalpha() for c in norm)):
            ranges.append((pos, end))
        pos = end + 1
    return ranges


_CLOSERS = {"«": "»", "“": "”", "(": ")", "\"": "\""}
_SENTENCE_END = ".!?؟"


def split_sentences(text: str, skip: list[tuple[int, int]] | None = None) -> list[Sentence]:
    """Split into sentences by Arabic and Latin punctuation and newlines, not inside quotes.

    A full stop inside a quotation does not end the sentence unless the line ends there, and a
    full stop between digits (3.5) never does. Ranges in ``skip`` produce no sentences.
    """
    skip = skip or []
    sentences: list[Sentence] = []
    paragraph = 0
    start = 0
    stack: list[str] = []

    def emit(s: int, e: int) -> None:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e - s < 2:
            return
        for a, b in skip:
            if a <= s < b:
                return
        sentences.append(Sentence(s, e, paragraph))

    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            emit(start, i)
            paragraph += 1
            start = i + 1
            stack.clear()
        elif stack and ch == stack[-1]:
            stack.pop()
        elif ch in _CLOSERS and (ch != "\"" or not stack):
            if len(stack) < 3:
                stack.append(_CLOSERS[ch])
        elif ch in _SENTENCE_END and not stack:
            if ch == "." and 0 < i < n - 1 and text[i - 1].isdigit() and text[i + 1].isdigit():
                i += 1
                continue
            j = i + 1
            while j < n and text[j] in _SENTENCE_END + "”»\"":
                j += 1
            emit(start, j)
            start = j
            i = j
            continue
        i += 1
    emit(start, n)
    return sentences
