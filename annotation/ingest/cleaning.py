"""Cleaning and cutting of raw Chinese text into snippets, with offset maps. Pure Python.

The raw text is never changed. Cleaning only ever drops characters or replaces one character
by one other (a half-width comma by a full-width one, a line break between two Latin words by
a space), so every character of a snippet comes from exactly one raw character. A snippet's
offset map records that as *runs*: pairs ``(snippet_index, raw_index)`` where a stretch of
consecutive snippet characters starts; inside a run both indices advance together.
Indices are code points, and ranges are end-exclusive.
"""

import functools
import gzip
import json
import math
import re
from dataclasses import dataclass
from importlib import resources

import jieba

from annotation.core.pieces import Piece

# Ideographs (with extensions), CJK symbols and punctuation, full-width forms, and the
# quotes and dashes Chinese typesetting uses.
_CJK_RANGES = (
    "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u31c0-\u31ef\u3200-\u9fff"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f"
    "\u2018\u2019\u201c\u201d\u2014\u2026\u00b7"
)
_CJK = f"[{_CJK_RANGES}]"
_CJK_RE = re.compile(_CJK)
_CJK_SPACES = re.compile(f"(?<={_CJK})[ \\t\\u3000\\u00a0]+(?={_CJK})")
_HALF_PUNCT = re.compile(r"[,;:!?]")
_BRACKETS = re.compile(r"[()]")
_HALF_OR_BRACKET = re.compile(r"[,;:!?()]")
_FULL = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？", "(": "（", ")": "）"}
# What ends a sentence, and so may end a paragraph: a line ending otherwise was broken by
# the layout. A closing quote or bracket ends one only after one of these ("好。”"), never
# alone: "《拉德茨基进行曲》" at a line's end is in the middle of its sentence.
_SENTENCE_ENDERS = frozenset("。！？!?…；;")
_CLOSERS = frozenset("”’」』》)）\"'】〕")
_SENTENCE_PUNCT = re.compile(r"[，,。；;！!？?]")
_SENTENCE_END = re.compile(r"[。！？；!?;…]+[”’」』）)\"'》]*")
_SOFT_BREAK = re.compile(r"[，,、：:]")
_HEADING_MARKERS = frozenset("#")
# A line starting with one of these starts a body paragraph (a list item, a bullet point).
_BULLETS = frozenset("■□●◆▲★☆◎◇△▼▽○•·※")
_LIST_ITEM = re.compile(
    r"(\d{1,3}[.．、)）](?!\d)|[（(]\d{1,3}[)）]|[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[)）])"
)
# Captions and bylines: body text of their own, never titles.
_CAPTION_WORDS = r"(图片?|摄影?|照片|视频|来源|本报记者|记者|通讯员|责任编辑|责编|编辑)"
_CAPTION = re.compile(rf"^([（(【\[].*[）)】\]]$|{_CAPTION_WORDS}\s*[：:／/])")
# "记者 张三" is a byline; "记者 从市里获悉，……" (a space the layout put in) is not.
_BYLINE = re.compile(rf"^{_CAPTION_WORDS}\s[^，,。；;！!？?]{{1,16}}$")
_OPENERS = frozenset("“‘「『《（(【〔")
_LEADS_ON = frozenset("：:、，,；;") | _OPENERS
# A news paragraph's dateline (本报北京9月27日讯): it starts a paragraph, never a title.
_DATELINE = re.compile(r"^本报.{0,16}讯")
# What cannot start a sentence: a line starting with it goes on with the one before.
_CONTINUING = frozenset("，,。.：:；;、？?！!）)”’》」』…%％")
_ANY_PUNCT = re.compile(r"[，,。；;！!？?：:、“”‘’《》（）()「」『』]")
_SPACE = " \t\u3000\u00a0"
HEADING_MAX_CHARS = 40
HEADING_BLOCK_MAX_LINES = 3


def is_cjk(char: str | None) -> bool:
    return char is not None and _CJK_RE.match(char) is not None


@dataclass(frozen=True)
class CleaningOptions:
    reflow: bool = True
    remove_cjk_spaces: bool = True
    normalize_punctuation: bool = True
    max_snippet_chars: int = 256
    # A record kept exactly as it came: no titles, no reflow, nothing replaced or dropped;
    # cut only where it is longer than a snippet, into pieces that join back to it.
    exact: bool = False
    # Records that carry annotations (another tool's, or spans in ours) kept exactly.
    annotated_exact: bool = True


@dataclass
class Article:
    """One article cut from a page: its raw slice, title and snippets.

    ``raw_start`` locates the article in the page; snippet maps are relative to the
    article's own raw text (``page[raw_start:raw_end]``).
    """

    raw_start: int
    raw_end: int
    title: str
    snippets: list[Piece]


@dataclass
class _Line:
    start: int  # raw index of the first non-space character
    end: int  # raw index after the last non-space character
    text: str
    heading: bool = False
    starts: bool = False  # starts a paragraph: a bullet point, a list item, a caption
    alone: bool = False  # a paragraph of its own: a caption, a short line standing apart
    follows: bool = False  # right under the line before, with no blank line between
    # How the line ends, for a sentence's end: the line, or for a line of nothing but
    # punctuation ("。", "”"), the line before with it.
    ending: str = ""
    closes: bool = False  # ends its paragraph: the last line of a caption or a bullet point


def _lines(raw: str) -> list[_Line | None]:
    """Stripped lines with their raw ranges; None for blank lines."""
    result: list[_Line | None] = []
    position = 0
    for line in raw.split("\n"):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            start = position + lead
            result.append(_Line(start, start + len(stripped), stripped))
        else:
            result.append(None)
        position += len(line) + 1
    return result


def _looks_like_heading(text: str, width: float) -> bool:
    """Short, without sentence punctuation, not a line of the page's columns, and whole:
    not ending where a sentence goes on (a colon, 、) nor leaving a quote or a bracket open."""
    return (
        len(text) <= HEADING_MAX_CHARS
        and not _SENTENCE_PUNCT.search(text)
        and not _column_like(text, width)
        and _whole_line(text)
    )


def _whole_line(text: str) -> bool:
    """Not cut off mid-sentence: ending neither on what leads on (a colon, 、, an opening
    quote or bracket) nor with a quote or a bracket still open."""
    if text[-1] in _LEADS_ON:
        return False
    depth = 0
    for char in text:
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS and depth:
            depth -= 1
    return depth == 0


def _column_like(text: str, width: float) -> bool:
    """As wide as the page's columns: a line the layout broke, perhaps mid-sentence."""
    return width - 2 <= _width_of(text) <= width + 1


def _width_of(text: str) -> int:
    """A line's length in the columns: spaces put between Chinese characters take no room;
    a space between Latin words is one of the line's characters."""
    if " " not in text:
        return len(text)
    return len(text) - sum(len(match.group()) for match in _CJK_SPACE.finditer(text))


_CJK_SPACE = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef]) +| +(?=[\u3000-\u9fff\uff00-\uffef])")


def _ends_sentence(text: str) -> bool:
    """Whether ``text`` ends a sentence: with its punctuation, or a closing quote or bracket
    right after it ("好。”"); a closer alone ("《进行曲》") does not. A full stop ends an
    English sentence after a word ("world."), not in a number or an address ("1.", "www.")."""
    body = text.rstrip("".join(_CLOSERS))
    if not body:
        return False
    if body[-1] == ".":  # a line of its own holding the full stop ends one too
        return len(body) == 1 or (body[-2].isalpha() and not _URLISH.search(body))
    return body[-1] in _SENTENCE_ENDERS


def _ends_paragraph(previous: _Line, line: _Line, width: float = float("inf")) -> bool:
    """Whether the paragraph ends between these two lines. A sentence's end ends it, but
    for a line running the columns' full width with the next right under it: there the
    sentence ended at the column's edge. A colon ends it where a list item or a bullet
    point follows; before a quote it goes on (他说：“……”)."""
    if _ends_sentence(previous.ending or previous.text):
        return not (line.follows and len(previous.text) >= width - 1)
    if not line.follows and math.isfinite(width) and _width_of(previous.text) <= width - 2:
        return True  # a column's last line runs its full width: a short one ends a paragraph
    return previous.text[-1] in "：:" and line.starts


def _column_width(blocks: list[list[_Line]]) -> float:
    """The width of the page's columns: the length most lines another line follows have
    (a paragraph's inner lines run full width). Infinite where there are no columns: too
    few such lines, or lengths that vary (a paragraph a line)."""
    inner = sorted(_width_of(line.text) for block in blocks for line in block[:-1])
    if len(inner) < 3:
        return float("inf")
    median = inner[len(inner) // 2]
    near = sum(1 for length in inner if abs(length - median) <= 1)
    return median if near >= 0.6 * len(inner) else float("inf")


@dataclass(frozen=True)
class _Page:
    """What a page's lines are read against, measured on the whole page: its columns'
    width, and the Latin words it holds whole."""

    width: float
    words: frozenset[str]


def _page_of(raw: str) -> _Page:
    blocks: list[list[_Line]] = []
    block: list[_Line] = []
    for line in [*_lines(raw), None]:
        if line is None:
            if block:
                blocks.append(block)
            block = []
        else:
            block.append(line)
    return _Page(_column_width(blocks), _latin_words(raw))


def _mark_lines(lines: list[_Line | None], width: float) -> None:
    """Which lines are headings, start a paragraph, or stand alone, on a page whose
    columns are ``width`` wide.

    A heading is a Markdown ``#`` line, or a block of at most three short lines without
    punctuation between blank lines, where nothing else fits: after the end of a sentence
    (or at the top), with text after it, neither a caption, a bullet point nor a list item,
    and not a line of the page's columns. A short line standing apart after the end of a
    sentence is a paragraph of its own, never glued to the next: a headline with a comma,
    a short point, or a headline as wide as the columns (which could be a column's
    fragment: standing alone, it loses nothing either way). A short bullet line without
    punctuation is a byline or a caption ("□本报记者 张羽"), which ends with its block.
    """
    blocks: list[list[_Line]] = []
    block: list[_Line] = []
    last = ""
    for line in [*lines, None]:
        if line is None:
            if block:
                blocks.append(block)
            block = []
            continue
        line.follows = bool(block)
        punctuation = all(char in _CONTINUING or char in _CLOSERS for char in line.text)
        line.ending = last[-8:] + line.text if punctuation else line.text
        last = line.ending
        block.append(line)
        line.heading = line.text[0] in _HEADING_MARKERS
        caption = _CAPTION.match(line.text) is not None or _BYLINE.match(line.text) is not None
        line.starts = (
            caption
            or line.text[0] in _BULLETS
            or _LIST_ITEM.match(line.text) is not None
            or _DATELINE.match(line.text) is not None
        )
        line.alone = caption
    for number, block in enumerate(blocks):
        # A bullet point as short as a caption, without punctuation, ends with its block
        # unless the next block goes on with it.
        after = blocks[number + 1][0].text if number + 1 < len(blocks) else ""
        text = "".join(line.text for line in block)
        if (
            block[0].text[0] in _BULLETS
            and _looks_like_heading(text, math.inf)
            and not (after and (_goes_on(after) or _word_across(text, after)))
        ):
            block[-1].closes = True
    for number, block in enumerate(blocks):
        before = blocks[number - 1][-1] if number else None
        after_sentence = (
            before is None
            or before.heading
            or before.alone
            or before.closes
            or _ends_paragraph(before, block[0], width)
        )
        after = blocks[number + 1][0].text if number + 1 < len(blocks) else ""
        if (
            not after_sentence
            or any(line.starts or line.heading for line in block)
            or (after and (_goes_on(after) or _word_across(block[-1].text, after)))
        ):
            continue
        if (
            number + 1 < len(blocks)
            and len(block) <= HEADING_BLOCK_MAX_LINES
            and all(_looks_like_heading(line.text, width) for line in block)
        ):
            for line in block:
                line.heading = True
        elif (
            len(block) == 1
            and _stands_apart(block[0].text, width if before else math.inf)
            # Right under a headline, a line as wide as the columns is its article's first,
            # cut where the column ended, not a second headline.
            and not (before is not None and before.heading and _width_of(block[0].text) >= width)
        ):
            block[0].alone = True


def _goes_on(text: str) -> bool:
    """Whether a line can only go on with the text before it: no paragraph starts with
    "”" or "，", nor with a sentence of a character or two ("了。", "的。")."""
    return text[0] in _CONTINUING or _SENTENCE_TAIL.match(text) is not None


_SENTENCE_TAIL = re.compile(r"[\u4e00-\u9fff]{1,2}[。！？]")


def _word_across(left: str, right: str) -> bool:
    """Whether jieba reads a word across the break between two lines: a sentence the
    layout cut mid-word ("近日开" / "放，这是")."""
    if not (is_cjk(left[-1]) and is_cjk(right[0])):
        return False
    head, tail = left[-3:], right[:3]
    end = 0
    for token in jieba.dt.cut(head + tail, HMM=False):
        end += len(token)
        if end - len(token) < len(head) < end:
            return True
    return False


def _stands_apart(text: str, width: float) -> bool:
    """A short line without a sentence's end: unless it is a column's line with
    punctuation in it (a fragment of a sentence), a paragraph of its own."""
    if len(text) > HEADING_MAX_CHARS or _ends_sentence(text) or not _whole_line(text):
        return False
    return not (_column_like(text, width) and _ANY_PUNCT.search(text))


def _latin_words(raw: str) -> frozenset[str]:
    """The Latin words the file holds whole: not at a line's edge, where one may be cut."""
    return frozenset(word.lower() for word in _LATIN_WORD.findall(raw))


# English words too common to be half of another where a line breaks: beside one, the break
# stood for a space.
_FUNCTION_WORDS = frozenset(
    "an and are as at be been but by can could do for from had has have he her his if "
    "in into is it its may more most not of on or our shall she should so than that the "
    "their them then there these they this those to was we were what when which while who "
    "will with would you your".split()
)


@functools.cache
def _english() -> tuple[dict[str, int], int]:
    """English words with their frequencies (pyspellchecker's list, inflections included),
    and the sum of the frequencies; read once, when a line first breaks between letters."""
    data = resources.files("spellchecker") / "resources" / "en.json.gz"
    with data.open("rb") as packed, gzip.open(packed, "rt", encoding="utf-8") as text:
        frequencies: dict[str, int] = json.load(text)
    return frequencies, sum(frequencies.values())


def _english_break(first: str, second: str) -> str | None:
    """Whether an English text broken by the layout between ``first`` and ``second`` (two
    halves standing as words) read ``first second`` (" ") or ``firstsecond`` (""), by the
    likelier reading, as a word segmenter chooses: the whole's frequency against both
    halves' together. None where English knows none of the three (names, pinyin)."""
    frequencies, total = _english()
    whole = frequencies.get(first + second, 0)
    apart = frequencies.get(first, 0) * frequencies.get(second, 0)
    if not whole and not apart:
        return None
    return "" if whole * total > apart else " "


_LATIN_WORD = re.compile(r"(?<![A-Za-z\n])[A-Za-z]{2,}(?![A-Za-z\n])")
_LAST_WORD = re.compile(r"[A-Za-z]+-?$")
_FIRST_WORD = re.compile(r"^[A-Za-z]+")
# A half standing as a word of its own: a space, punctuation or the line's edge beyond it,
# not a Chinese character or a digit running on ("包括Pyth" / "on编程" are halves of one).
_WORD_BEFORE = re.compile(r"(^|[\s\"'(“‘,;:])[A-Za-z]+$")
_WORD_AFTER = re.compile(r"^[A-Za-z]+($|[\s\"')”’,.;:!?])")
_URLISH = re.compile(r"(https?://|www\.|[\w.-]+@)\S*$|\S*[/=&?]$")


def _line_break(left: str, right: str, words: frozenset[str]) -> str:
    """What a line break between two lines of Latin text stood for: "" (a word, number or
    URL broken by the layout), " " (a space between words), or "-" (a hyphen to drop)."""
    before, after = left[-1], right[0]
    if not after.isascii() or not (after.isalnum() or after in "./%"):
        return ""
    if _URLISH.search(left):
        return ""
    if before.isdigit() and (after.isdigit() or after in ".%"):
        return ""  # a number: 1\n2.5% is 12.5%
    if before in ".,:" and len(left) > 1 and left[-2].isdigit() and after.isdigit():
        return ""  # 1,\n000 and 2.\n5
    if before == "-" and after.isalpha():
        head, tail = _LAST_WORD.search(left), _FIRST_WORD.match(right)
        whole = (head.group()[:-1] if head else "") + (tail.group() if tail else "")
        return "-" if whole.lower() in words else ""
    if before.isalpha() and after.isalpha():
        # A word cut by the layout, unless the file says otherwise: its halves seen as
        # words and the whole never, or a capital starting a new word ("Label Studio").
        head, tail = _LAST_WORD.search(left), _FIRST_WORD.match(right)
        first, second = (head.group() if head else ""), (tail.group() if tail else "")
        if (first + second).lower() in words:
            return ""
        if _WORD_BEFORE.search(left) and _WORD_AFTER.match(right):
            english = _english_break(first.lower(), second.lower())
            if english is not None:
                return english
        known = words | _FUNCTION_WORDS
        first_whole = _WORD_BEFORE.search(left) is not None and first.lower() in known
        second_whole = _WORD_AFTER.match(right) is not None and second.lower() in known
        if first_whole and second_whole:
            return " "
        if (first_whole and first.lower() in _FUNCTION_WORDS) or (
            second_whole and second.lower() in _FUNCTION_WORDS
        ):
            return " "  # "to\nbuild", "and\nwe": no word begins or ends that way as often
        return " " if before.islower() and after.isupper() else ""
    if before in ",;:!?." and after.isalnum() and len(left) > 1 and left[-2].isalpha():
        return " " if left[-2].isascii() else ""  # "excited,\nand"; "举行,\n20余家"
    if before.isalnum() and after.isalnum():
        return " "
    return ""


def _paragraphs(
    raw: str, options: CleaningOptions, page: _Page | None = None
) -> list[tuple[bool, Piece]]:
    """(is_heading, piece) in reading order, lines reflowed where the layout broke them;
    ``page``: what the page ``raw`` was cut from measures (else ``raw`` itself)."""
    page = page or _page_of(raw)
    width, words = page.width, page.words
    every_line = _lines(raw)
    _mark_lines(every_line, width)
    lines = [line for line in every_line if line is not None]
    result: list[tuple[bool, Piece]] = []
    current: Piece | None = None
    previous: _Line | None = None
    for line in lines:
        piece = Piece(line.text, [(0, line.start)])
        joins = (
            options.reflow
            and current is not None
            and previous is not None
            and not (previous.heading or line.heading)
            and (
                _goes_on(line.text)
                or not (
                    previous.alone
                    or previous.closes
                    or line.alone
                    or line.starts
                    or _ends_paragraph(previous, line, width)
                )
            )
        )
        if joins and current is not None and previous is not None:
            if previous.text[-1].isascii() and line.text[0].isascii():
                glue = _line_break(previous.text, line.text, words)
                if glue == " ":
                    current = current.join(Piece(" ", [(0, previous.end)]))
                elif glue == "-":
                    current = current.delete([(len(current.text) - 1, len(current.text))])
            current = current.join(piece)
        else:
            if current is not None and previous is not None:
                result.append((previous.heading, current))
            current = piece
        previous = line
    if current is not None and previous is not None:
        result.append((previous.heading, current))
    return result


def _neighbour(text: str, index: int, step: int) -> str | None:
    index += step
    while 0 <= index < len(text) and text[index] in _SPACE:
        index += step
    return text[index] if 0 <= index < len(text) else None


def _full_width(text: str) -> str:
    """Half-width ``,;:!?()`` next to Chinese text become full-width; length is kept."""
    if not _HALF_OR_BRACKET.search(text):
        return text
    chars = list(text)
    for match in _HALF_PUNCT.finditer(text):
        index = match.start()
        if is_cjk(_neighbour(text, index, -1)) or is_cjk(_neighbour(text, index, 1)):
            chars[index] = _FULL[chars[index]]
    # Brackets go in pairs, so that "(2025-2026年)" does not end up half converted.
    opened: list[int] = []
    pairs: list[tuple[int | None, int | None]] = []
    for match in _BRACKETS.finditer(text):
        index = match.start()
        if match.group() == "(":
            opened.append(index)
        else:
            pairs.append((opened.pop() if opened else None, index))
    pairs.extend((index, None) for index in opened)
    for left, right in pairs:
        inside = text[(left or 0) : (right if right is not None else len(text))]
        near = [
            _neighbour(text, left, -1) if left is not None else None,
            _neighbour(text, right, 1) if right is not None else None,
        ]
        if any(is_cjk(char) for char in near) or _CJK_RE.search(inside):
            for place in (left, right):
                if place is not None:
                    chars[place] = _FULL[text[place]]
    return "".join(chars)


def clean_paragraph(piece: Piece, options: CleaningOptions) -> Piece:
    if options.normalize_punctuation:
        piece = Piece(_full_width(piece.text), piece.runs)
    if options.remove_cjk_spaces:
        piece = piece.delete([match.span() for match in _CJK_SPACES.finditer(piece.text)])
    return piece.strip()


def cut_paragraph(piece: Piece, max_chars: int, *, strip: bool = True) -> list[Piece]:
    """Split a paragraph longer than ``max_chars`` at sentence ends (then commas, then hard);
    without ``strip`` the pieces keep their edges' whitespace and join back to the whole."""
    text = piece.text
    if len(text) <= max_chars:
        return [piece] if text else []
    edges = Piece.strip if strip else _as_cut
    ends = [match.end() for match in _SENTENCE_END.finditer(text)]
    result: list[Piece] = []
    start = 0
    while len(text) - start > max_chars:
        limit = start + max_chars
        candidates = [end for end in ends if start < end <= limit]
        if candidates:
            end = candidates[-1]
        else:
            soft = [m.end() for m in _SOFT_BREAK.finditer(text, start + 1, limit)]
            end = soft[-1] if soft else limit
        result.append(edges(piece.slice(start, end)))
        start = end
    result.append(edges(piece.slice(start, len(text))))
    return [part for part in result if part.text]


def _as_cut(piece: Piece) -> Piece:
    return piece


def _heading_text(piece: Piece, options: CleaningOptions) -> str:
    return clean_paragraph(piece, options).text.lstrip("#").strip()


def clean_article(
    raw: str, options: CleaningOptions, *, record: bool = False, page: _Page | None = None
) -> tuple[str, list[Piece]]:
    """One article: its title (from its leading headings) and its snippets.

    A ``record`` (a line of JSONL, a row, another tool's item) is a unit of annotation:
    when all of it reads as headings (a headline, a product name, a short post without
    punctuation) its text is its snippets, not a title with nothing under it. With
    ``options.exact`` a record is only cut, its pieces joining back to its text. ``page``:
    what the page the article was cut from measures.
    """
    if record and options.exact:
        return "", cut_paragraph(Piece(raw, [(0, 0)]), options.max_snippet_chars, strip=False)
    paragraphs = _paragraphs(raw, options, page)
    if record and all(heading for heading, _ in paragraphs):
        paragraphs = [(False, piece) for _, piece in paragraphs]
    title_parts: list[str] = []
    snippets: list[Piece] = []
    for heading, piece in paragraphs:
        if heading and not snippets:
            title_parts.append(_heading_text(piece, options))
            continue
        # Body text, or a heading after it: never dropped.
        snippets.extend(cut_paragraph(clean_paragraph(piece, options), options.max_snippet_chars))
    return " ".join(part for part in title_parts if part), snippets


def split_page(raw: str, options: CleaningOptions) -> list[Article]:
    """A page holding several articles, each starting at a heading after body text.

    The articles' raw slices are contiguous and together make up the whole page. Each is
    read against the whole page's measures (its columns, its words).
    """
    page = _page_of(raw)
    paragraphs = _paragraphs(raw, options, page)
    starts = [0]
    seen_body = False
    for heading, piece in paragraphs:
        if heading and seen_body:
            starts.append(piece.runs[0][1])
            seen_body = False
        elif not heading:
            seen_body = True
    starts.append(len(raw))
    articles: list[Article] = []
    pending: int | None = None  # start of leading headings that had no body of their own
    for raw_start, raw_end in zip(starts, starts[1:], strict=False):
        begin = raw_start if pending is None else pending
        title, snippets = clean_article(raw[begin:raw_end], options, page=page)
        if snippets:
            articles.append(Article(begin, raw_end, title, snippets))
            pending = None
        elif articles:  # trailing headings stay with the article before them
            articles[-1].raw_end = raw_end
        else:
            pending = begin
    return articles
