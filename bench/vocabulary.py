"""What the generated records say: the word lists of three languages, the
topics whose words the bench's queries look for, places, titles, headings
and link sentences, and the pools of sentences bodies are drawn from.

Part of bench/generate.py (which imports it): standard library only.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

FUNCTION_WORDS = 12  # the filler lists start with this many function words


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


def build_pools(rng: random.Random) -> tuple[dict[str, Pool], dict[tuple[str, str], Pool]]:
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


def person_name(rng: random.Random) -> tuple[str, str]:
    parts = rng.choices(SYLLABLES, k=rng.randint(2, 3))
    return "".join(p[0] for p in parts).capitalize(), "".join(p[1] for p in parts).capitalize()


def person_surname(rng: random.Random) -> tuple[str, str]:
    first = person_name(rng)
    end = rng.choice(SURNAME_ENDINGS)
    return first[0] + end[0], first[1] + end[1]
