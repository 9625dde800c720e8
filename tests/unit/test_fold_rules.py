"""Each folding rule on its own: take one away and a pair of spellings people
write stops meeting, in fold() and in search.

tests/unit/test_fold.py checks whole groups of spellings; a group can meet
through several rules at once, so one rule could go unnoticed. Here every
pair differs by exactly the rule it is named after.
"""

from __future__ import annotations

import json

import pytest

from kzkb.text.fold import fold
from tests.helpers import record, write_kb

# rule: (a spelling, another spelling of the same word that meets it only
# through that rule, the key both fold to)
PAIRS = {
    # Russian х is kh in English, k in Kazakh Latin (Қазақстан)
    "kh -> k": ("Kazakhstan", "Қазақстан", "kazakstan"),
    # Uzbek Latin x is х: xotin (woman), хотин
    "x -> k": ("xotin", "хотин", "kotin"),
    # Kazakh Latin q is қ
    "q -> k": ("Qazaqstan", "Казакстан", "kazakstan"),
    # Russian дж: Джанаозен, Zhanaozen
    "dzh -> zh": ("Джанаозен", "Zhanaozen", "zhanaozen"),
    # English j: Janaozen, Жаңаөзен
    "j -> zh": ("Janaozen", "Жаңаөзен", "zhanaozen"),
    # Uzbek Latin yo is ё: ayol (woman), аёл
    "yo -> e": ("ayol", "аёл", "ael"),
    # й written y or i: Aygul, Айгүл
    "y -> i": ("Aygul", "Айгүл", "aigul"),
    # Turkmen Latin w is в: Watan (homeland), Ватан
    "w -> v": ("Watan", "Ватан", "vatan"),
    # a doubled letter keeps an s an s in English: Касым, Kassym
    "doubled letters": ("Касым", "Kassym", "kasim"),
    # Kazakh 2017 Latin: s' c' y' are ш ч у, another letter loses its mark
    "s' -> sh": ("s'ymkent", "шымкент", "shimkent"),
    "S' -> sh": ("S'ymkent", "Шымкент", "shimkent"),
    "c' -> ch": ("c'aryn", "чарын", "charin"),
    "C' -> ch": ("C'aryn", "Чарын", "charin"),
    "y' -> u": ("y'niversitet", "университет", "universitet"),
    "Y' -> u": ("Y'niversitet", "Университет", "universitet"),
    "a' -> a": ("a'iel", "әйел", "aiel"),
    # Uzbek oʻ with the official modifier letter, and ў
    "oʻ -> o": ("oʻquv", "ўқув", "okuv"),
    # Kazakh 2021 ş, Turkish ç, library transliteration ž
    "ş -> sh": ("Şymkent", "Шымкент", "shimkent"),
    "ç -> ch": ("Çaryn", "Чарын", "charin"),
    "ž -> zh": ("Žanaozen", "Жанаозен", "zhanaozen"),
}


@pytest.mark.parametrize("rule", PAIRS)
def test_each_rule_makes_its_pair_meet(rule: str) -> None:
    a, b, key = PAIRS[rule]
    assert (fold(a), fold(b)) == (key, key)


# Every letter of the tables, apart (a letter's rule must not hide behind a
# neighbour's): a wrong or missing letter changes the key of every word it is in.
LETTERS = [
    (
        "а б в г д е ё ж з и й к л м н о п р с т у ф х ц ч ш щ ъ ы ь э ю я",
        "a b v g d e e zh z i i k l m n o p r s t u f k ts ch sh shch i e iu ia",
    ),
    # Kazakh and Kyrgyz
    ("ә ғ қ ң ө ұ ү һ і", "a g k n o u u h i"),
    # Uzbek, Tajik, Ukrainian
    ("ў ҳ ҷ ӣ ӯ є ї", "o h zh i u e i"),
    # Latin letters whose mark is a sound, and Kazakh 2018 ý
    ("ş ș š ç č ž ı ə ý", "sh sh sh ch ch zh i a u"),
    # other marks only go: Kazakh 2018 and 2021, Turkish, French
    ("á ǵ ń ó ú ä ğ ñ ö ü ū é", "a g n o u a g n o u u e"),
]


@pytest.mark.parametrize(("letters", "key"), LETTERS, ids=[k for _, k in LETTERS])
def test_every_letter_of_the_tables(letters: str, key: str) -> None:
    assert fold(letters) == key
    assert fold(letters.upper()) == key


def test_apostrophes_only_inside_a_word_and_only_after_s_c_y_make_a_sound() -> None:
    # between letters: part of the word, and s' c' y' are letters of their own
    assert fold("s'c'y'a") == "shchua"
    assert fold("y'") == "i'"  # at the end of a word: a quote
    assert fold("women's") == "vomens"
    # every apostrophe Uzbek is typed with is one
    assert {fold(f"o{mark}quv") for mark in "'ʻʼ‘’`´"} == {"okuv"}
    # quotes around a word are not part of it
    assert fold("'quoted' s ' c") == "'kuoted' s ' c"


# --- in search ---------------------------------------------------------------------------------

# one record per pair, titled in its first spelling and found by the other;
# the words around it are made up, so only the folded word can match
SEARCHED = {rule: PAIRS[rule] for rule in PAIRS if "'" not in rule}
PATHS = {rule: f"sources/r{i:02d}.md" for i, rule in enumerate(SEARCHED)}


@pytest.fixture(scope="module")
def spelled_kb(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("spellings") / "kb"
    files = {
        PATHS[rule]: record(f"{a} Zyvorrat", f"Plimquent {i} drossel.")
        for i, (rule, (a, _, _)) in enumerate(SEARCHED.items())
    }
    return write_kb(root, files, 'title = "spellings"\n')


@pytest.mark.parametrize("rule", SEARCHED)
def test_search_finds_a_title_by_the_other_spelling(run, spelled_kb, rule) -> None:
    """Found: the record titled in the other spelling, and those whose title
    is another spelling of the same word (Janaozen, Джанаозен, Žanaozen)."""
    _, other, key = SEARCHED[rule]
    index = str(spelled_kb.parent / "index.sqlite")
    args = ("--kb", str(spelled_kb), "--index", index, "-f", "json", "--explain")
    done = run("search", other, *args)
    assert done.exit_code == 0, (other, done.stderr)
    hits = json.loads(done.stdout)
    expected = {PATHS[r] for r, (_, _, k) in SEARCHED.items() if k == key}
    assert {h["path"] for h in hits} == expected, other
    # found as the word or its stem, not rescued as a typo of it
    for hit in hits:
        [part] = hit["explain"]["parts"]
        assert part["how"] in ("word", "stem") and key.startswith(part["form"]), part
