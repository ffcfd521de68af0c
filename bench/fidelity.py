"""How faithfully cleaning gives back the paragraphs of damaged newspaper pages.

    python bench/fidelity.py [--pages 20] [--seed 7]

The corpus (bench/fidelity_corpus.txt, written for this benchmark) holds news articles: a
headline (``# ``) and its paragraphs, one a line. Each page puts every article through the
damage the seed pages show: paragraphs wrapped into columns of 12–24 characters (a space
at a break goes, as typesetting drops it; Latin words and numbers are cut anywhere), a
blank line wherever a column ends, spaces between Han characters, half-width punctuation
on half the pages, a BOM on some and CRLF line ends on others. The page is read as an
import reads a text file (encoding, line ends) and cut by ``cleaning.split_page``, with no
snippet limit, so that each snippet is a paragraph. Prints, over every paragraph of every
page:

- exact: the paragraphs given back character for character;
- neither split nor joined: the paragraphs given back whole, whatever their characters
  (compared without whitespace, punctuation as full-width);
- character error rate: edits (difflib's opcodes) between the paragraphs and the snippets,
  page by page, over the paragraphs' characters;
- titles: made, of them the headlines, and the others (body text taken for a title).
"""

import argparse
import random
import sys
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

from common import ROOT

CORPUS = Path(__file__).with_name("fidelity_corpus.txt")
HALF = {"，": ",", "：": ":", "；": ";", "！": "!", "？": "?", "（": "(", "）": ")"}
FULL = {half: full for full, half in HALF.items()}


@dataclass
class Article:
    headline: str
    paragraphs: list[str]


def corpus() -> list[Article]:
    articles = []
    for block in CORPUS.read_text(encoding="utf-8").strip().split("\n\n"):
        head, *body = block.splitlines()
        articles.append(Article(head.removeprefix("# "), body))
    return articles


def _han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


def wrapped(text: str, width: int) -> list[str]:
    """Lines of ``width`` characters; a space where a line breaks goes with the break."""
    lines, line = [], ""
    for char in text:
        if not line and char == " ":
            continue
        line += char
        if len(line) == width:
            lines.append(line)
            line = ""
    return [*lines, line] if line else lines


def damaged(articles: list[Article], rng: random.Random) -> str:
    width = rng.randint(12, 24)
    column = rng.randint(8, 20)  # lines a column holds
    half = rng.random() < 0.5
    out: list[str] = []
    filled = 0
    for article in articles:
        out += [article.headline, ""]
        for paragraph in article.paragraphs:
            for line in wrapped(paragraph, width):
                out.append(line)
                filled += 1
                if filled % column == 0:
                    out.append("")  # the column ends
            out.append("")
    page = "\n".join(out)
    chars = list(page)
    for index in range(len(chars) - 1, 0, -1):
        if _han(chars[index]) and _han(chars[index - 1]) and rng.random() < 0.02:
            chars.insert(index, " ")
    page = "".join(chars)
    if half:
        page = page.translate(str.maketrans(HALF))
    if rng.random() < 0.3:
        page = page.replace("\n", "\r\n")
    return ("\ufeff" if rng.random() < 0.3 else "") + page


def read_back(page: str) -> tuple[list[str], list[str]]:
    """The page as an import reads it: its snippets and the titles made."""
    from annotation.ingest.cleaning import CleaningOptions, split_page
    from annotation.ingest.formats import detect_encoding, read_records

    data = page.encode("utf-8")
    encoding = detect_encoding(lambda: [data])
    [record] = read_records(lambda: [data], file_format="text", encoding=encoding)
    options = CleaningOptions(max_snippet_chars=1_000_000)
    snippets, titles = [], []
    for article in split_page(record.text, options):
        titles += [article.title] if article.title else []
        snippets += [piece.text for piece in article.snippets]
    return snippets, titles


def _whole(text: str) -> str:
    return "".join(FULL.get(char, char) for char in text if not char.isspace())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show", action="store_true", help="print what went wrong")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    articles = corpus()
    expected = [paragraph for article in articles for paragraph in article.paragraphs]
    headlines = {article.headline for article in articles}
    rng = random.Random(args.seed)
    exact = whole = edits = characters = 0
    made = right = 0
    for _ in range(args.pages):
        snippets, titles = read_back(damaged(articles, rng))
        exact += sum((Counter(expected) & Counter(snippets)).values())
        whole += sum((Counter(map(_whole, expected)) & Counter(map(_whole, snippets))).values())
        truth, got = "\n".join(expected), "\n".join(snippets)
        matcher = SequenceMatcher(None, truth, got, autojunk=False)
        for tag, a1, a2, b1, b2 in matcher.get_opcodes():
            if tag != "equal":
                edits += max(a2 - a1, b2 - b1)
        characters += len(truth)
        made += len(titles)
        right += sum(1 for title in titles if title in headlines)
        if args.show:
            for paragraph in set(expected) - set(snippets):
                print("lost:", paragraph[:60])
            for snippet in set(snippets) - set(expected):
                print("made:", snippet[:60])
            for title in set(titles) - headlines:
                print("title:", title)
    total = len(expected) * args.pages
    print(f"{args.pages} pages, {len(articles)} articles, {total} paragraphs")
    print(f"paragraphs exact                     {100 * exact / total:6.2f} %")
    print(f"paragraphs neither split nor joined  {100 * whole / total:6.2f} %")
    print(f"character error rate                 {100 * edits / characters:6.3f} %")
    print(f"titles made {made}: headlines {right}, body text {made - right}")


if __name__ == "__main__":
    main()
