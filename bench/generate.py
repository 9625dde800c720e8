#!/usr/bin/env python3
"""Generate a synthetic kzkb knowledge base shaped like the bundled kb/.

    python bench/generate.py OUT_DIR N [--seed S] [--force]

writes N Markdown files (four of them section pages, `_index.md`) under OUT_DIR
plus a copy of kb/kzkb.toml: source records in sources/sources/, document
summaries in documents/, guides in guides/ (some as English/Kazakh translation
pairs, name.md + name.kk.md). Every record has YAML front matter like the real
records (title, description, category, countries, tags, language, data_type,
url, created, date) and a 1-4 KB body of English, Russian and Kazakh paragraphs
with headings and 3-10 root-relative internal links, about 1% of them broken.

The output is a pure function of (N, seed, GENERATOR_VERSION). A marker file,
OUT_DIR/.kzkb-bench.json, is written last: its presence means the KB is
complete (hidden files are ignored by kzkb and by `rg`).

Standard library only, one process (plus two writer threads), plain file
writes: 100,000 files (about 300 MB) take about 20 s on two cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
import sys
import time
import tomllib
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from itertools import accumulate
from pathlib import Path

GENERATOR_VERSION = 1
MARKER = ".kzkb-bench.json"
DEFAULT_SEED = 20240308
DEFAULT_TEMPLATE = Path(__file__).resolve().parent.parent / "kb" / "kzkb.toml"
MIN_FILES = 10
WRITER_THREADS = 2
WRITE_BATCH = 256  # files per writer task
SECTION_PAGES = 4  # sources/_index.md, sources/sources/_index.md, documents/, guides/
BODY_BYTES = (1000, 4000)
LINKS_PER_RECORD = (3, 10)
LINK_BYTES = 85  # about what one link sentence adds to a body
FUNCTION_WORDS = 12  # the filler lists start with this many function words
BROKEN_LINK_RATE = 0.01
EXTERNAL_LINK_RATE = 0.25

# --- vocabulary ------------------------------------------------------------------
# Filler words carry none of the benchmark's query words; those come only from
# the topic lexicons below, so the fraction of records a query hits is set by
# the topic weights.


def _words(text: str) -> list[str]:
    return text.split()


EN_FILLER = _words("""
the of and to in a for on with by from as at is are was were has have that this which
their its they it be been also more most other new all each many some between about
organisation organisations centre center office programme project projects report
reports data survey surveys research study studies region regions city cities district
country national local public state law laws policy policies rights people women men
girls boys children youth families community communities work works working support
provides publishes published publication publications information website online
annual monthly regular review reviews analysis analyses training trainings workshop
workshops network networks partner partners cooperation funding budget access services
service social economic political legal health education employment labour income
household households rural urban population census indicators statistics figures
numbers level levels results findings method methods interviews questionnaire sample
court courts police prison prisons election elections parliament deputies ministry
committee council department agency agencies office officials decree resolution
campaign campaigns action actions statement statements conference event events
document documents archive archives library catalogue collection materials sources
source useful researchers journalists lawyers volunteers experts staff members
english russian kazakh language languages translation available free open register
registration membership since founded started launched closed moved continues
especially mainly often rarely usually recently already still today year years
central asia kyrgyzstan uzbekistan tajikistan turkmenistan
""")

RU_FILLER = _words("""
и в на с по для о от из к за что как это также его её их который которая которые
организация организации центр программа проект проекты отчёт отчёты данные опрос
исследование исследования регион регионы город города район страна национальный
местный государственный закон законы политика права люди женщины мужчины девочки
дети молодёжь семьи сообщество работа работает поддержка публикует публикации
информация сайт ежегодный ежемесячный обзор анализ тренинг семинар сеть партнёры
сотрудничество финансирование бюджет доступ услуги социальный экономический
правовой здоровье образование занятость доход население перепись показатели
статистика результаты методы интервью анкета суд суды полиция выборы парламент
депутаты министерство комитет совет департамент агентство чиновники постановление
кампания акция заявление конференция документы архив библиотека материалы
источник полезный исследователи журналисты юристы волонтёры эксперты сотрудники
русский казахский язык перевод доступен открытый регистрация основан начал
особенно часто редко обычно недавно уже сегодня год года лет центральная азия
""")

KK_FILLER = _words("""
және мен бен пен үшін туралы бойынша арқылы сияқты бұл осы оның олардың ол
ұйым ұйымдар орталық бағдарлама жоба жобалар баяндама деректер сауалнама
зерттеу зерттеулер өңір өңірлер қала қалалар аудан ел ұлттық жергілікті
мемлекеттік заң заңдар саясат адамдар ерлер қыздар балалар жастар отбасы
қауымдастық жұмыс жұмыстары қолдау жариялайды жарияланымдар ақпарат сайт
жыл сайынғы шолу талдау тренинг семинар желі серіктестер ынтымақтастық
қаржыландыру бюджет қолжетімділік қызметтер әлеуметтік экономикалық
денсаулық білім жұмыспен қамту табыс халық санақ көрсеткіштер статистика
нәтижелер әдістер сұхбат сот соттар полиция сайлау парламент депутаттар
министрлік комитет кеңес департамент агенттік шенеуніктер қаулы науқан
акция мәлімдеме конференция құжаттар мұрағат кітапхана материалдар
дереккөз пайдалы зерттеушілер журналистер заңгерлер еріктілер сарапшылар
қызметкерлер қазақ орыс тілі аударма ашық тіркеу құрылған бастады әсіресе
жиі сирек әдетте жақында қазір бүгін жылы орталық азия мәселе мәселелер
шаһар қаһарман жиһан өмір үй көмек теңдік қоғам ұйымдастырды өткізді
""")


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    weight: float
    tags: tuple[str, ...]
    en: tuple[str, ...]
    ru: tuple[str, ...]
    kk: tuple[str, ...]


TOPICS: tuple[Topic, ...] = (
    Topic(
        "feminism",
        10,
        ("feminism", "activism", "women-in-politics"),
        (
            "feminist",
            "feminist",
            "feminism",
            "feminist activists",
            "women's rights",
            "gender equality",
            "8 March",
            "KazFem",
            "women's march",
            "patriarchy",
            "gender",
        ),
        ("феминистки", "феминизм", "Феминита", "КазФем", "права женщин", "8 марта"),
        ("феминистер", "әйелдер құқықтары", "гендерлік теңдік", "Феминита", "8 наурыз"),
    ),
    Topic(
        "violence",
        10,
        ("gender-based-violence", "survivors", "law"),
        (
            "domestic violence",
            "gender-based violence",
            "bride kidnapping",
            "crisis centre",
            "hotline",
            "survivors",
            "gender",
        ),
        ("бытовое насилие", "кризисный центр", "телефон доверия", "похищение невест"),
        ("тұрмыстық зорлық-зомбылық", "дағдарыс орталығы", "сенім телефоны", "әйелдер"),
    ),
    Topic(
        "refugees",
        5,
        ("refugees", "statelessness", "migration", "human-rights"),
        (
            "refugees",
            "statelessness",
            "stateless persons",
            "asylum seekers",
            "UNHCR",
            "citizenship",
            "migration",
        ),
        ("беженцы", "апатриды", "лица без гражданства", "убежище", "гражданство"),
        ("босқындар", "азаматтығы жоқ адамдар", "баспана", "азаматтық", "көші-қон"),
    ),
    Topic(
        "media",
        10,
        ("media", "news", "investigative"),
        (
            "independent journalism",
            "press freedom",
            "Mediazona",
            "investigative reporting",
            "media",
            "censorship",
        ),
        ("Медиазона", "независимая журналистика", "свобода слова", "цензура", "СМИ"),
        ("Медиазона", "тәуелсіз журналистика", "сөз бостандығы", "БАҚ", "цензура"),
    ),
    Topic(
        "government",
        12,
        ("local-government", "official-statements", "politics"),
        ("akimat", "ministry", "ombudsman", "Mazhilis", "state programme", "Astana"),
        ("акимат", "министерство", "омбудсмен", "Мажилис", "Астана"),
        ("әкімдік", "министрлік", "омбудсмен", "Мәжіліс", "Астана"),
    ),
    Topic(
        "lgbtq",
        5,
        ("lgbtq", "human-rights", "activism"),
        ("LGBTQ", "queer", "discrimination", "Feminita", "queer feminist"),
        ("ЛГБТК", "квир", "дискриминация", "Феминита"),
        ("ЛГБТК", "кемсіту", "Феминита", "құқық"),
    ),
    Topic(
        "civil",
        15,
        ("civil-society", "activism", "ngo"),
        (
            "NGO",
            "NGOs",
            "civil society",
            "public association",
            "grassroots",
            "Almaty",
            "volunteers",
        ),
        ("НКО", "гражданское общество", "общественное объединение", "Алматы"),
        ("үкіметтік емес ұйым", "азаматтық қоғам", "қоғамдық бірлестік", "Алматы"),
    ),
    Topic(
        "statistics",
        8,
        ("statistics", "gender-gap", "population"),
        ("gender gap", "sex-disaggregated data", "census", "Bureau of National Statistics"),
        ("гендерный разрыв", "перепись", "Бюро национальной статистики", "показатели"),
        ("гендерлік алшақтық", "санақ", "Ұлттық статистика бюросы", "көрсеткіштер"),
    ),
    Topic(
        "economy",
        8,
        ("economy", "labour", "women"),
        ("women's employment", "pay gap", "unpaid care work", "entrepreneurs", "gender"),
        ("занятость женщин", "разрыв в оплате", "предприниматели"),
        ("әйелдердің жұмыспен қамтылуы", "жалақы алшақтығы", "кәсіпкерлер"),
    ),
    Topic(
        "health",
        7,
        ("reproductive-health", "health", "population"),
        ("reproductive health", "UNFPA", "maternal health", "HIV"),
        ("репродуктивное здоровье", "ЮНФПА", "материнское здоровье"),
        ("репродуктивтік денсаулық", "ана денсаулығы", "әйелдер"),
    ),
    Topic(
        "education",
        5,
        ("education", "training", "youth"),
        ("schools", "universities", "scholarships", "gender studies", "training for women"),
        ("школы", "университеты", "гендерные исследования"),
        ("мектептер", "университеттер", "гендерлік зерттеулер"),
    ),
    Topic(
        "language",
        5,
        ("language", "culture", "digital"),
        ("Qazaqstan", "Latin alphabet", "Qazaq tili", "digital archive"),
        ("латиница", "казахский язык", "цифровой архив"),
        ("латын әліпбиі", "қазақ тілі", "цифрлық мұрағат", "Qazaqstan"),
    ),
)

GENERAL_TAGS = (
    "human-rights",
    "research",
    "reports",
    "civil-society",
    "law",
    "women",
    "urban",
    "covid-19",
    "elections",
    "courts",
    "police",
    "leadership",
)

# (English, Russian, Kazakh) spellings and a weight: Almaty and Astana dominate.
PLACES: tuple[tuple[str, str, str, int], ...] = (
    ("Almaty", "Алматы", "Алматы", 20),
    ("Astana", "Астана", "Астана", 15),
    ("Shymkent", "Шымкент", "Шымкент", 8),
    ("Karaganda", "Караганда", "Қарағанды", 4),
    ("Aktobe", "Актобе", "Ақтөбе", 4),
    ("Taraz", "Тараз", "Тараз", 3),
    ("Pavlodar", "Павлодар", "Павлодар", 3),
    ("Oskemen", "Усть-Каменогорск", "Өскемен", 3),
    ("Semey", "Семей", "Семей", 3),
    ("Atyrau", "Атырау", "Атырау", 3),
    ("Kostanay", "Костанай", "Қостанай", 3),
    ("Kyzylorda", "Кызылорда", "Қызылорда", 3),
    ("Uralsk", "Уральск", "Орал", 3),
    ("Petropavl", "Петропавловск", "Петропавл", 2),
    ("Aktau", "Актау", "Ақтау", 2),
    ("Turkistan", "Туркестан", "Түркістан", 2),
    ("Bishkek", "Бишкек", "Бішкек", 2),
    ("Tashkent", "Ташкент", "Ташкент", 2),
    ("Dushanbe", "Душанбе", "Душанбе", 1),
)

# Name syllables in Latin and Cyrillic: a few thousand distinct names, so the
# vocabulary grows with the KB the way real proper names do.
SYLLABLES: tuple[tuple[str, str], ...] = (
    ("ak", "ақ"),
    ("zhan", "жан"),
    ("bol", "бол"),
    ("sa", "са"),
    ("na", "на"),
    ("ai", "ай"),
    ("gul", "гүл"),
    ("nur", "нұр"),
    ("dar", "дар"),
    ("bek", "бек"),
    ("tal", "тал"),
    ("er", "ер"),
    ("mir", "мир"),
    ("as", "ас"),
    ("kyz", "қыз"),
    ("ly", "лы"),
    ("ta", "та"),
    ("sun", "сұн"),
    ("zhol", "жол"),
    ("ar", "ар"),
    ("da", "да"),
    ("ul", "ұл"),
    ("tas", "тас"),
    ("ber", "бер"),
    ("mo", "мө"),
)
SURNAME_ENDINGS = (("ova", "ова"), ("ov", "ов"), ("uly", "ұлы"), ("kyzy", "қызы"), ("eva", "ева"))

COUNTRIES = ("Kyrgyzstan", "Uzbekistan", "Tajikistan", "Turkmenistan")
LANGUAGE_SETS = (
    ("Russian", "Kazakh"),
    ("Kazakh", "Russian", "English"),
    ("English",),
    ("Russian",),
    ("English", "Russian"),
    ("Kazakh",),
)
DATA_TYPE_SETS = (
    ("Qualitative", "Reports"),
    ("News",),
    ("News", "Qualitative"),
    ("Statistics", "Quantitative", "Reports"),
    ("Qualitative",),
    ("Reports", "News"),
    ("News", "Legal texts", "Statistics"),
)
CATEGORY_WEIGHTS = {
    "local-ngo": 30,
    "ingo": 18,
    "government": 15,
    "independent-media": 10,
    "regional-media": 6,
    "local-media": 5,
    "state-media": 5,
    "state-affiliated-media": 4,
    "social-media": 5,
}
AREAS = (
    "Gender Equality",
    "Human Rights",
    "Labour and Social Protection",
    "Health",
    "Education",
    "Internal Affairs",
    "Information",
    "Justice",
    "Migration",
    "Statistics",
    "Culture",
)
ORGS = ("UNDP", "UNICEF", "UN Women", "UNFPA", "IOM", "OSCE", "ILO", "WHO", "Council of Europe")
TITLES = {
    "ingo": (
        "{org} Office in Kazakhstan",
        "{org} {area} Programme",
        "{name} Foundation for Central Asia",
        "{area} Observatory Central Asia",
    ),
    "local-ngo": (
        "{place} Women's Resource Centre",
        "{name} Initiative",
        "{name} Legal Aid Centre",
        "{place} Crisis Centre",
        "{name} Public Foundation",
    ),
    "government": (
        "Akimat of {place}",
        "Ministry of {area}",
        "{place} Department of Statistics",
        "Commissioner for {area}",
    ),
    "social-media": ("{name} Telegram Channel", "{name} Movement", "{name} Collective"),
    "media": ("{place} Weekly", "{name}.kz", "{name} Media", "Radio {name}", "Evening {place}"),
}
DOCUMENT_TITLES = (
    "{area} in Kazakhstan: a {year} report by {org}",
    "Survey of {area} in {place}, {year}",
    "{area} and civil society in {place}",
    "{name} {surname}: {area} in Central Asia",
)
GUIDE_TITLES = ("{place}: a getting-started guide", "{area}: a guide to the sources")
GUIDE_TITLES_KK = ("{place}: жұмысты бастауға арналған нұсқаулық", "{area}: дереккөздер нұсқаулығы")

HEADINGS = {
    "en": (
        "Overview",
        "What it publishes",
        "Why it is useful",
        "Data and methods",
        "History",
        "Access",
        "Findings",
        "Limitations",
    ),
    "ru": ("Обзор", "Публикации", "Данные и методы", "История", "Доступ"),
    "kk": ("Шолу", "Жарияланымдар", "Неліктен пайдалы", "Деректер мен әдістер", "Тарихы"),
}
LINK_SENTENCES = {
    "en": ("See also [{text}]({url}).", "It is often cited together with [{text}]({url})."),
    "ru": ("См. также [{text}]({url}).", "Подробнее: [{text}]({url})."),
    "kk": ("Сондай-ақ қараңыз: [{text}]({url}).", "Толығырақ: [{text}]({url})."),
}
EXTERNAL_SENTENCES = {
    "en": "The [official website]({url}) has the full archive.",
    "ru": "Полный архив есть на [официальном сайте]({url}).",
    "kk": "Толық мұрағат [ресми сайтта]({url}) бар.",
}
RU_SHARES = (0.0, 0.1, 0.25, 0.4)  # of a record's paragraphs, one drawn per record
KK_SHARES = (0.0, 0.05, 0.15, 0.3)
FIRST_DATE = dt.date(2019, 1, 1).toordinal()
LAST_DATE = dt.date(2024, 6, 30).toordinal()


# --- building blocks -----------------------------------------------------------------


class Pool:
    """Pre-built sentences of one language, with their UTF-8 sizes."""

    def __init__(self, sentences: list[str]) -> None:
        self.sentences = sentences
        self.sizes = [len(s.encode()) + 1 for s in sentences]


def _zipf_cum_weights(n: int) -> list[float]:
    return list(accumulate(1.0 / (rank + 1) ** 0.9 for rank in range(n)))


def _sentence(
    rng: random.Random, words: list[str], cum: list[float], inserts: Sequence[str]
) -> str:
    out = rng.choices(words, cum_weights=cum, k=rng.randint(7, 16))
    for phrase in inserts:
        out.insert(rng.randrange(len(out) + 1), phrase)
    text = " ".join(out)
    return text[0].upper() + text[1:] + "."


def _build_pools(rng: random.Random) -> tuple[dict[str, Pool], dict[tuple[str, str], Pool]]:
    filler = {"en": EN_FILLER, "ru": RU_FILLER, "kk": KK_FILLER}
    base: dict[str, Pool] = {}
    topical: dict[tuple[str, str], Pool] = {}
    for lang, words in filler.items():
        # Function words stay most frequent; which content words follow them is
        # part of the seed.
        content = words[FUNCTION_WORDS:]
        rng.shuffle(content)
        shuffled = words[:FUNCTION_WORDS] + content
        cum = _zipf_cum_weights(len(shuffled))
        base[lang] = Pool([_sentence(rng, shuffled, cum, ()) for _ in range(3000)])
        for topic in TOPICS:
            lexicon: tuple[str, ...] = getattr(topic, lang)
            sentences = [
                _sentence(rng, shuffled, cum, rng.sample(lexicon, k=min(len(lexicon), 2)))
                if rng.random() < 0.4
                else _sentence(rng, shuffled, cum, (rng.choice(lexicon),))
                for _ in range(200)
            ]
            topical[(topic.name, lang)] = Pool(sentences)
    return base, topical


def _name(rng: random.Random) -> tuple[str, str]:
    parts = rng.choices(SYLLABLES, k=rng.randint(2, 3))
    return "".join(p[0] for p in parts).capitalize(), "".join(p[1] for p in parts).capitalize()


def _surname(rng: random.Random) -> tuple[str, str]:
    first = _name(rng)
    end = rng.choice(SURNAME_ENDINGS)
    return first[0] + end[0], first[1] + end[1]


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

    def __init__(self, n: int, seed: int, categories: list[str]) -> None:
        if n < MIN_FILES:
            raise ValueError(f"N must be at least {MIN_FILES} (got {n})")
        self.n = n
        self.rng = random.Random(seed)
        self.random = self.rng.random
        self.categories = categories
        self.category_table = _table([CATEGORY_WEIGHTS.get(c, 5) for c in categories])
        self.place_table = _table([p[3] for p in PLACES])
        self.topic_table = _table([t.weight for t in TOPICS])
        self.base, self.topical = _build_pools(self.rng)
        self.names = [_name(self.rng) for _ in range(4000)]
        self.surnames = [_surname(self.rng) for _ in range(4000)]
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
        target = self._int(BODY_BYTES[0] + 200, BODY_BYTES[1] - 100) - links * LINK_BYTES
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


# --- API for run.py -----------------------------------------------------------------


def categories_of(template: Path) -> list[str]:
    with open(template, "rb") as fh:
        config = tomllib.load(fh)
    terms = config.get("terms", {}).get("category", [])
    slugs = [str(t["slug"]) for t in terms if isinstance(t, dict) and t.get("slug")]
    if not slugs:
        raise ValueError(f"{template}: no [[terms.category]] with a slug")
    return slugs


def read_marker(out: Path) -> dict[str, object] | None:
    try:
        data = json.loads((out / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_current(out: Path, n: int, seed: int) -> bool:
    """Whether `out` holds a complete KB of this generator for (n, seed)."""
    marker = read_marker(out)
    return (
        marker is not None
        and marker.get("generator_version") == GENERATOR_VERSION
        and marker.get("n") == n
        and marker.get("seed") == seed
    )


def generate(
    out: Path, n: int, seed: int = DEFAULT_SEED, template: Path = DEFAULT_TEMPLATE
) -> Stats:
    """Write the KB into `out`, which must be missing or empty."""
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    out.mkdir(parents=True, exist_ok=True)
    stats = Generator(n, seed, categories_of(template)).write(out, template)
    marker = {"generator_version": GENERATOR_VERSION, "n": n, "seed": seed, **asdict(stats)}
    del marker["seconds"]  # the marker, like the records, is a function of (n, seed)
    (out / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    parser.add_argument("n", type=int, metavar="N", help=f"number of files (>= {MIN_FILES})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--template",
        type=Path,
        default=DEFAULT_TEMPLATE,
        help="kzkb.toml to copy and take categories from (default: kb/kzkb.toml)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace OUT_DIR if it holds a KB made by this script (never any other folder)",
    )
    args = parser.parse_args(argv)
    out: Path = args.out_dir
    if args.n < MIN_FILES:
        parser.error(f"N must be at least {MIN_FILES}")
    if not args.template.is_file():
        parser.error(f"no such template: {args.template}")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        if not args.force:
            parser.error(f"{out} exists and is not empty (--force replaces a generated KB)")
        if read_marker(out) is None:
            parser.error(f"{out} was not made by this script ({MARKER} missing); not replacing it")
        shutil.rmtree(out)
    stats = generate(out, args.n, args.seed, args.template)
    print(
        f"wrote {stats.files} files ({stats.bytes / 1e6:.1f} MB; "
        + ", ".join(f"{v} {k}" for k, v in stats.records.items())
        + f") to {out} in {stats.seconds:.1f} s; {stats.links} internal links, "
        f"{stats.broken_links} broken, {stats.external_links} external",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
