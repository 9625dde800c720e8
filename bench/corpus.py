"""The generator's records: a plan of every file (links need every title),
then each file's front matter and body, written in order by two threads.

Part of bench/generate.py (its entry and marker), standard library only.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import shutil
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.vocabulary import (
    AREAS,
    CATEGORY_WEIGHTS,
    COUNTRIES,
    DATA_TYPE_SETS,
    DOCUMENT_TITLES,
    EXTERNAL_SENTENCES,
    FIRST_DATE,
    GENERAL_TAGS,
    GUIDE_TITLES,
    GUIDE_TITLES_KK,
    HEADINGS,
    KK_SHARES,
    LANGUAGE_SETS,
    LAST_DATE,
    LINK_SENTENCES,
    ORGS,
    PLACES,
    RU_SHARES,
    TITLES,
    TOPICS,
    build_pools,
    person_name,
    person_surname,
)

MIN_FILES = 10
WRITER_THREADS = 2
WRITE_BATCH = 256  # files per writer task
SECTION_PAGES = 4  # sources/_index.md, sources/sources/_index.md, documents/, guides/
BODY_BYTES = (1000, 4000)
LINKS_PER_RECORD = (3, 10)
LINK_BYTES = 85  # about what one link sentence adds to a body
BROKEN_LINK_RATE = 0.01
EXTERNAL_LINK_RATE = 0.25


def _slug(title: str, index: int) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")
    return f"{base[:48].rstrip('_')}_{index}"


def _quote(value: str) -> str:
    """A YAML double-quoted string (a JSON string is one)."""
    if '"' in value or "\\" in value:
        return json.dumps(value, ensure_ascii=False)
    return f'"{value}"'


def _flow(values: Sequence[str]) -> str:
    return "[" + ", ".join(_quote(v) for v in values) + "]"


def _folded(text: str, width: int = 76) -> str:
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n".join("  " + ln for ln in lines)


def _write(path: str, data: bytes) -> None:
    """Write a new file; os.open costs a third of what open() does per file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _write_all(batch: list[tuple[str, bytes]]) -> None:
    for path, data in batch:
        _write(path, data)


def _table(weights: Sequence[float]) -> list[int]:
    """Indexes repeated by weight: a uniform pick from it is a weighted pick."""
    return [i for i, w in enumerate(weights) for _ in range(round(w))]


@dataclass(slots=True)
class Plan:
    """What a file will be, decided before any body is written (links need titles)."""

    path: str  # relative to the KB root
    url: str
    title: str
    kind: str  # source, document, guide, guide-kk, section
    lang: str
    place: int  # index into PLACES
    topics: tuple[int, ...]  # indexes into TOPICS
    categories: tuple[str, ...]
    pair: str = ""  # a translation's URL


@dataclass(frozen=True, slots=True)
class Stats:
    files: int
    bytes: int
    records: dict[str, int]
    links: int
    broken_links: int
    external_links: int
    seconds: float


class Generator:
    """Plans every file (links need every title), then writes them in order.

    Hot paths draw with `random()` and index into lists: Random.choice,
    randint and choices cost several times more per call, and a 100,000-file
    KB makes tens of millions of draws.
    """

    def __init__(self, n: int, seed: int, categories: list[str], body_scale: int = 1) -> None:
        if n < MIN_FILES:
            raise ValueError(f"N must be at least {MIN_FILES} (got {n})")
        self.n = n
        # bodies this many times longer (the same front matter and links): a
        # KB of longer records, which the cold index must read at disk speed too
        self.body_scale = body_scale
        self.rng = random.Random(seed)
        self.random = self.rng.random
        self.categories = categories
        self.category_table = _table([CATEGORY_WEIGHTS.get(c, 5) for c in categories])
        self.place_table = _table([p[3] for p in PLACES])
        self.topic_table = _table([t.weight for t in TOPICS])
        self.base, self.topical = build_pools(self.rng)
        self.names = [person_name(self.rng) for _ in range(4000)]
        self.surnames = [person_surname(self.rng) for _ in range(4000)]
        self.source_slugs: list[str] = []
        self.links = 0
        self.broken = 0
        self.external = 0

    def _int(self, low: int, high: int) -> int:
        """A uniform integer in [low, high]."""
        return low + int(self.random() * (high - low + 1))

    # --- planning ---------------------------------------------------------------

    def _pick_place(self) -> int:
        table = self.place_table
        return table[int(self.random() * len(table))]

    def _pick_topics(self) -> tuple[int, ...]:
        table = self.topic_table
        first = table[int(self.random() * len(table))]
        if self.random() < 0.6:
            return (first,)
        second = table[int(self.random() * len(table))]
        return (first,) if second == first else (first, second)

    def _pick_categories(self) -> tuple[str, ...]:
        table = self.category_table
        first = self.categories[table[int(self.random() * len(table))]]
        if self.random() < 0.8:
            return (first,)
        second = self.categories[table[int(self.random() * len(table))]]
        return (first,) if second == first else (first, second)

    def _fill(self, template: str, place: int) -> str:
        rng = self.rng
        return template.format(
            org=rng.choice(ORGS),
            area=rng.choice(AREAS),
            name=rng.choice(self.names)[0],
            surname=rng.choice(self.surnames)[0],
            place=PLACES[place][0],
            year=rng.randint(2015, 2024),
        )

    def plan(self) -> list[Plan]:
        rng = self.rng
        content = self.n - SECTION_PAGES
        guide_files = max(2, round(content * 0.06))
        pairs = max(1, guide_files // 4)
        single_guides = guide_files - 2 * pairs
        documents = max(1, round(content * 0.10))
        sources = content - guide_files - documents
        civil = tuple(i for i, t in enumerate(TOPICS) if t.name == "civil")
        plans = [
            Plan("sources/_index.md", "/sources/", "Sources", "section", "en", 0, civil, ()),
            Plan(
                "sources/sources/_index.md",
                "/sources/sources/",
                "Source list",
                "section",
                "en",
                0,
                civil,
                (),
            ),
            Plan("documents/_index.md", "/documents/", "Documents", "section", "en", 0, civil, ()),
            Plan("guides/_index.md", "/guides/", "Guides", "section", "en", 0, civil, ()),
        ]
        for i in range(sources):
            place, cats = self._pick_place(), self._pick_categories()
            group = cats[0] if cats[0] in TITLES else "media"
            title = self._fill(rng.choice(TITLES[group]), place)
            slug = _slug(title, i)
            plans.append(
                Plan(
                    f"sources/sources/{slug}.md",
                    f"/sources/sources/{slug}/",
                    title,
                    "source",
                    "en",
                    place,
                    self._pick_topics(),
                    cats,
                )
            )
        for i in range(documents):
            place = self._pick_place()
            title = self._fill(rng.choice(DOCUMENT_TITLES), place)
            slug = _slug(title, i)
            plans.append(
                Plan(
                    f"documents/{slug}.md",
                    f"/documents/{slug}/",
                    title,
                    "document",
                    "en",
                    place,
                    self._pick_topics(),
                    self._pick_categories(),
                )
            )
        for i in range(pairs + single_guides):
            place = self._pick_place()
            k = rng.randrange(len(GUIDE_TITLES))
            area = rng.choice(AREAS)
            title = GUIDE_TITLES[k].format(place=PLACES[place][0], area=area)
            slug = _slug(title, i)
            topics, cats = self._pick_topics(), self._pick_categories()
            en = Plan(
                f"guides/{slug}.md", f"/guides/{slug}/", title, "guide", "en", place, topics, cats
            )
            plans.append(en)
            if i < pairs:
                kk_title = GUIDE_TITLES_KK[k].format(place=PLACES[place][2], area=area)
                kk = Plan(
                    f"guides/{slug}.kk.md",
                    f"/kk/guides/{slug}/",
                    kk_title,
                    "guide-kk",
                    "kk",
                    place,
                    topics,
                    cats,
                    pair=en.url,
                )
                en.pair = kk.url
                plans.append(kk)
        assert len(plans) == self.n, (len(plans), self.n)
        prefix = len("sources/sources/")
        self.source_slugs = [p.path[prefix:-3] for p in plans if p.kind == "source"]
        return plans

    # --- bodies -----------------------------------------------------------------

    def _clause(self, lang: str, place: int) -> str:
        """A sentence with a place, a person or a number: the record's own words."""
        r = self.random
        year = 1995 + int(r() * 30)
        count = 12 + int(r() * 9800)
        en, ru, kk, _ = PLACES[place]
        choice = int(r() * 3)
        if choice == 1:
            name = self.names[int(r() * len(self.names))]
            surname = self.surnames[int(r() * len(self.surnames))]
        if lang == "en":
            if choice == 0:
                return f"The office in {en} opened in {year}."
            if choice == 1:
                return f"{name[0]} {surname[0]} coordinates its work in {en}."
            return f"In {year} it counted {count} cases in {en}."
        if lang == "ru":
            if choice == 0:
                return f"Офис в городе {ru} открылся в {year} году."
            if choice == 1:
                return f"Координатор в городе {ru} — {name[1]} {surname[1]}."
            return f"В {year} году в городе {ru} зарегистрировано {count} обращений."
        if choice == 0:
            return f"{kk} қаласындағы кеңсе {year} жылы ашылды."
        if choice == 1:
            return f"{kk} қаласындағы үйлестіруші — {name[1]} {surname[1]}."
        return f"{year} жылы {kk} қаласында {count} өтініш тіркелді."

    def _paragraph(self, lang: str, plan: Plan) -> tuple[list[str], int]:
        r = self.random
        base = self.base[lang]
        total = len(base.sentences)
        picks = [int(r() * total) for _ in range(2 + int(r() * 4))]
        sentences = [base.sentences[j] for j in picks]
        size = sum([base.sizes[j] for j in picks])
        if plan.topics and r() < 0.55:
            topic = plan.topics[int(r() * len(plan.topics))]
            pool = self.topical[(TOPICS[topic].name, lang)]
            j = int(r() * len(pool.sentences))
            sentences.insert(int(r() * (len(sentences) + 1)), pool.sentences[j])
            size += pool.sizes[j]
        if r() < 0.3:
            clause = self._clause(lang, plan.place)
            sentences.append(clause)
            size += len(clause.encode()) + 1
        return sentences, size

    def _link(self, plans: list[Plan], plan: Plan) -> tuple[str, str]:
        """(text, url) of one internal link."""
        r = self.random
        self.links += 1
        if r() < BROKEN_LINK_RATE:
            self.broken += 1
            return "an older record", f"/sources/sources/missing_{int(r() * 10**6)}/"
        roll = r()
        if roll < 0.15:
            slug = self.categories[int(r() * len(self.categories))]
            return slug.replace("-", " "), f"/category/{slug}/"
        if roll < 0.2 and plan.topics:
            tags = TOPICS[plan.topics[0]].tags
            tag = tags[int(r() * len(tags))]
            return tag.replace("-", " "), f"/tags/{tag}/"
        # any other record; sources dominate the KB, so they dominate the links
        target = plans[SECTION_PAGES + int(r() * (len(plans) - SECTION_PAGES))]
        if target is plan:
            target = plans[SECTION_PAGES]
        return target.title, target.url

    def body(self, plans: list[Plan], plan: Plan) -> str:
        r = self.random
        if plan.kind == "section":
            return self._section_body(plans, plan)
        if plan.lang == "kk":
            langs, cum = ["kk", "ru", "en"], [0.85, 0.95, 1.0]
        else:
            ru = RU_SHARES[int(r() * len(RU_SHARES))]
            kk = KK_SHARES[int(r() * len(KK_SHARES))]
            langs, cum = ["en", "ru", "kk"], [max(0.2, 1 - ru - kk), 1 - kk, 1.0]
        links = self._int(*LINKS_PER_RECORD)
        # Paragraphs fill the body up to its size less what the links will add;
        # one that would overshoot by much is dropped, so bodies stay in bounds.
        low, high = (b * self.body_scale for b in BODY_BYTES)
        target = self._int(low + 200, high - 100) - links * LINK_BYTES
        first = plan.lang
        headings = HEADINGS[first]
        blocks: list[str | tuple[str, list[str]]] = []  # a heading or (lang, sentences)
        paragraphs: list[tuple[str, list[str]]] = []
        size = 0
        while size < target - 150:
            lang = first
            if blocks:
                roll = r()
                lang = langs[0] if roll < cum[0] else langs[1] if roll < cum[1] else langs[2]
            sentences, n = self._paragraph(lang, plan)
            if blocks and size + n > target + 100:
                break
            if blocks and r() < 0.2:
                heading = "## " + headings[int(r() * len(headings))]
                blocks.append(heading)
                size += len(heading.encode()) + 2
            paragraph = (lang, sentences)
            blocks.append(paragraph)
            paragraphs.append(paragraph)
            size += n + 1
        for _ in range(links):
            text, url = self._link(plans, plan)
            lang, sentences = paragraphs[int(r() * len(paragraphs))]
            sentence = LINK_SENTENCES[lang][int(r() * 2)].format(text=text, url=url)
            sentences.insert(int(r() * (len(sentences) + 1)), sentence)
        if r() < EXTERNAL_LINK_RATE:
            self.external += 1
            lang, sentences = paragraphs[int(r() * len(paragraphs))]
            url = f"https://example-{int(r() * 10**6)}.org/archive/"
            sentences.append(EXTERNAL_SENTENCES[lang].format(url=url))
        if plan.pair:
            self.links += 1
            text = "Қазақша нұсқасы" if plan.lang == "en" else "English version"
            paragraphs[-1][1].append(f"[{text}]({plan.pair}).")
        return "\n\n".join(b if isinstance(b, str) else "\n".join(b[1]) for b in blocks) + "\n"

    def _section_body(self, plans: list[Plan], plan: Plan) -> str:
        sentences, _ = self._paragraph("en", plan)
        for _ in range(3):
            text, url = self._link(plans, plan)
            sentences.append(LINK_SENTENCES["en"][0].format(text=text, url=url))
        return "\n".join(sentences) + "\n"

    # --- front matter -----------------------------------------------------------

    def description(self, plan: Plan) -> str:
        r = self.random
        lang = "kk" if plan.lang == "kk" else "en"
        if plan.topics:
            pool = self.topical[(TOPICS[plan.topics[int(r() * len(plan.topics))]].name, lang)]
        else:
            pool = self.base[lang]
        first = pool.sentences[int(r() * len(pool.sentences))]
        return first + " " + self._clause(lang, plan.place)

    def front_matter(self, plan: Plan, index: int) -> str:
        rng = self.rng
        r = self.random
        lines = [
            "---",
            f"title: {_quote(plan.title)}",
            "description: >",
            _folded(self.description(plan)),
        ]
        if plan.kind == "section":
            lines.append("---")
            return "\n".join(lines) + "\n\n"
        tags: list[str] = ["guides"] if plan.kind in ("guide", "guide-kk") else []
        for t in plan.topics:
            topic_tags = TOPICS[t].tags
            tags += topic_tags[: 1 + int(r() * len(topic_tags))]
        if r() < 0.5:
            tags.append(GENERAL_TAGS[int(r() * len(GENERAL_TAGS))])
        countries = ["Kazakhstan"]
        if r() < 0.15:
            countries += rng.sample(COUNTRIES, k=1 + int(r() * 3))
        created = FIRST_DATE + int(r() * (LAST_DATE - FIRST_DATE))
        date = min(LAST_DATE, created + int(r() * 400))
        languages = LANGUAGE_SETS[int(r() * len(LANGUAGE_SETS))]
        data_types = DATA_TYPE_SETS[int(r() * len(DATA_TYPE_SETS))]
        lines += [
            f"category: {_flow(plan.categories)}",
            f"countries: {_flow(countries)}",
            f"tags: {_flow(list(dict.fromkeys(tags)))}",
            f"language: {_flow(languages)}",
            f"data_type: {_flow(data_types)}",
            f'url: "https://example-{index}.org/"',
            f"created: {dt.date.fromordinal(created).isoformat()}",
            f"date: {dt.date.fromordinal(date).isoformat()}",
        ]
        if plan.kind == "document" and self.source_slugs:
            slug = self.source_slugs[int(r() * len(self.source_slugs))]
            lines.append(f'source: "{slug}"')
        if plan.kind in ("guide", "guide-kk"):
            lines.append(f"weight: {1 + index % 20}")
        lines.append("---")
        return "\n".join(lines) + "\n\n"

    # --- writing ----------------------------------------------------------------

    def write(self, out: Path, template: Path) -> Stats:
        started = time.perf_counter()
        plans = self.plan()
        for folder in ("sources/sources", "documents", "guides"):
            (out / folder).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, out / "kzkb.toml")
        total = 0
        counts: dict[str, int] = {}
        root = str(out)
        # Creating a file costs the kernel about as much as making its text
        # costs Python: writer threads (os.write releases the GIL) overlap them.
        with ThreadPoolExecutor(max_workers=WRITER_THREADS) as pool:
            pending: deque[Future[None]] = deque()
            batch: list[tuple[str, bytes]] = []
            for index, plan in enumerate(plans):
                data = (self.front_matter(plan, index) + self.body(plans, plan)).encode()
                batch.append((f"{root}/{plan.path}", data))
                total += len(data)
                kind = "guide" if plan.kind == "guide-kk" else plan.kind
                counts[kind] = counts.get(kind, 0) + 1
                if len(batch) == WRITE_BATCH or index == len(plans) - 1:
                    pending.append(pool.submit(_write_all, batch))
                    batch = []
                    while len(pending) > 2 * WRITER_THREADS:  # bound the memory held
                        pending.popleft().result()
            for future in pending:
                future.result()  # re-raises a failed write
        return Stats(
            files=len(plans),
            bytes=total,
            records=dict(sorted(counts.items())),
            links=self.links,
            broken_links=self.broken,
            external_links=self.external,
            seconds=round(time.perf_counter() - started, 3),
        )
