"""A generated KB of many records whose text is hostile to every format a
writer escapes for: console markup, quotes of every kind, TeX's and RIS's
special characters, Cyrillic and Kazakh letters, control characters (C0, C1,
terminal escapes, bidi overrides), very long titles, empty descriptions,
tags with commas, duplicate slugs, valid and invalid dates.

hostile_kb(root, n) writes it; the same n gives the same bytes on every
run (a seeded generator, no clock), so a failure found once is found again.
The export tests of issue 19 read every format back from it with the
format's own reader.
"""

from __future__ import annotations

import random
from pathlib import Path

# Pieces of text a record's fields are built from. Each is something one
# format or another has to escape, or a terminal obeys.
MARKUP = ("[bold]", "[/x]", "[/]", "[link=https://evil.example/]here[/link]", "[red on white]")
QUOTES = ('"', "'", "«", "»", "“", "”", "„", "‘", "’", "`", "``", "''", '\\"')
TEX = ("{", "}", "{}", "\\", "\\\\", "\\textbf{x}", "%", "#", "&", "$", "_", "^", "~", "@", "\\par")
RIS = ("TY  - JOUR", "ER  - ", "\nER  -\n", "  - ", "AU  - x")
CSV_JSON = (",", ";", "\t", "\\n", "\\u0000", "=cmd|' /C calc'!A0", "<script>", "</x>")
LETTERS = (
    "Әділ сөз",
    "ғылым",
    "Қазақстан",
    "ң",
    "Өскемен",
    "ұйым",
    "үкімет",
    "һ",
    "Іле",
    "Фонд «Сана Сезім»",
    "ЁЖЙ",
    "Ʉ",
    "Ǯ",
    "ﬁ",
    "e\u0301",  # a combining accent
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "🏳️‍🌈",
)
# what a terminal obeys: window title, clear, cursor up, OSC 8 link, C1 CSI,
# DEL, bidi overrides and isolates, BEL, a backspace, vertical tab, form feed
CONTROLS = (
    "\x1b]0;owned\x07",
    "\x1b[2J",
    "\x1b[1A",
    "\x1b]8;;https://evil.example/\x1b\\",
    "\x9b31m",
    "\x85",
    "\x7f",
    "\u202e",
    "\u2066",
    "\u200b",
    "\x07",
    "\x08",
    "\x0b",
    "\x0c",
    "\x01",
    "\x1f",
    "\ufeff",
    "\u2028",
)
PIECES = MARKUP + QUOTES + TEX + RIS + CSV_JSON + LETTERS + CONTROLS
# What a body may hold besides PIECES: none of the line-bound controls (a
# body's lines are Markdown's), NUL never (a file with NUL is binary)
BODY_PIECES = MARKUP + QUOTES + TEX + CSV_JSON + LETTERS + CONTROLS[:11]

CATEGORIES = (
    "ingo",
    "local-ngo",
    "government",
    "state-media",
    "independent-media",
    "statistics",
    "Local [NGO] {x}",
    "Мемлекеттік БАҚ",
    "a, b",
    "100% \\ independent",
)
DATA_TYPES = ("Statistics", "Quantitative", "Reports", "News", "Legal texts", "Qualitative")
COUNTRIES = ("Kazakhstan", "Uzbekistan", "Қазақстан", "Kyrgyz [Republic]")
# the website a record may give: absolute, with a query and escapes, not
# absolute (so no website), or odd but absolute
URLS = (
    "https://example.org/",
    "https://example.kz/a?b=1&c=%20{x}#frag",
    "http://қазақ.example/жол/",
    "www.example.org/not-absolute",
    "https://example.org/path with spaces/\\x",
    "",
)
DATES = ("2023-11-21", "2019-01-01", "0001-01-01", "2024-02-29", '"2023-13-45"', '"not a date"', "")
LANGS = ("", ".kk", ".ru")
FOLDERS = ("sources", "sources", "sources", "documents", "guides")


def _quoted(text: str) -> str:
    """`text` as a double-quoted scalar that YAML and TOML both read back to
    it: the quote, the backslash and everything not printable as \\u escapes."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif code < 0x20 or 0x7F <= code < 0xA0 or code in (0x2028, 0x2029, 0xFEFF):
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _phrase(rng: random.Random, words: int, pieces: tuple[str, ...] = PIECES) -> str:
    plain = ("rights", "report", "gender", "women", "civil", "society", "data", "survey")
    parts = [rng.choice(pieces) if rng.random() < 0.5 else rng.choice(plain) for _ in range(words)]
    return " ".join(parts)


def _title(rng: random.Random, i: int) -> str:
    roll = rng.random()
    if roll < 0.03:  # very long: past any line a terminal or a writer wraps
        return f"{i} " + _phrase(rng, 400)
    if roll < 0.06:  # only hostile text, starting with what RIS or TeX would read
        return rng.choice(("ER  - ", "%", "\\", "{", "[bold]", "\x1b[2J", "@")) + f" {i}"
    # the number keeps titles apart, so a reader's titles can be matched one to one
    return f"{_phrase(rng, rng.randint(1, 12))} {i}"


def _name(rng: random.Random, i: int) -> str:
    """A file name: mostly ASCII and unique, some Kazakh, some shared by
    two folders (records with the same slug)."""
    roll = rng.random()
    if roll < 0.1:
        return f"әділ-сөз-{i}"
    if roll < 0.15:
        return f"shared-{i % 7}"  # the same slug in several folders
    return f"r{i:05d}"


def _record(rng: random.Random, i: int, kind_folder: str) -> str:
    lines = [f"title: {_quoted(_title(rng, i))}"]
    roll = rng.random()
    if roll < 0.2:
        lines.append('description: ""')
    elif roll < 0.3:
        pass  # no description at all
    else:
        lines.append(f"description: {_quoted(_phrase(rng, rng.randint(1, 30)))}")
    if kind_folder != "guides":
        cats = rng.sample(CATEGORIES, rng.randint(0, 2))
        lines.append("category: [" + ", ".join(_quoted(c) for c in cats) + "]")
        types = rng.sample(DATA_TYPES, rng.randint(0, 3))
        lines.append("data_type: [" + ", ".join(_quoted(t) for t in types) + "]")
    countries = rng.sample(COUNTRIES, rng.randint(0, 2))
    lines.append("countries: [" + ", ".join(_quoted(c) for c in countries) + "]")
    tags = [_phrase(rng, rng.randint(1, 3)) for _ in range(rng.randint(0, 4))]
    if rng.random() < 0.3:
        tags.append("one, two, three")
    lines.append("tags: [" + ", ".join(_quoted(t) for t in tags) + "]")
    url = rng.choice(URLS)
    if url:
        lines.append(f"url: {_quoted(url)}")
    for key in ("date", "created"):
        value = rng.choice(DATES)
        if value:
            lines.append(f"{key}: {value}")
    if rng.random() < 0.1:
        lines.append(f"publisher: {_quoted(_phrase(rng, 3))}")
    body = "\n\n".join(_phrase(rng, rng.randint(0, 60), BODY_PIECES) for _ in range(3))
    if rng.random() < 0.2:
        body += "\n\n# " + _phrase(rng, 4, BODY_PIECES) + "\n\n```\n{{< not a shortcode >}}\n```\n"
    return "---\n" + "\n".join(lines) + "\n---\n\n" + body + "\n"


CONFIG = """\
title = {title}
languages = ["en", "kk", "ru"]
base_url = "https://kb.example.org/"

[taxonomies]
category = "category"
country = "countries"
tag = "tags"
data_type = "data_type"
"""


def hostile_kb(root: Path, n: int = 5000) -> Path:
    """Write a KB of `n` records (one file each, no section pages) with
    hostile text under `root`, and return `root`. Deterministic in `n`."""
    rng = random.Random(f"kzkb hostile corpus {n}")
    root.mkdir(parents=True, exist_ok=True)
    title = 'Hostile KB [bold] {x} % & "q" Қазақстан \x1b[2J'
    (root / "kzkb.toml").write_text(CONFIG.format(title=_quoted(title)), encoding="utf-8")
    for i in range(n):
        folder = FOLDERS[i % len(FOLDERS)]
        lang = rng.choice(LANGS) if folder == "guides" else ""
        name = _name(rng, i)
        path = root / folder / f"{name}{lang}.md"
        if path.exists():  # a shared name drawn twice in one folder: keep n files
            path = root / folder / f"{name}-{i}{lang}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_record(rng, i, folder).encode("utf-8"))
    return root
