"""BibTeX for biblatex (biber), written by bibtexparser 2 a record at a
time (memory stays flat however many records there are).

Text stays UTF-8 (Cyrillic and Kazakh letters as they are: biber reads
UTF-8); what TeX would act on is escaped so that the text prints as the
record has it: \\ { } as \\textbackslash{} \\textbraceleft{} \\textbraceright{}
(macros keep the braces of a field balanced, which BibTeX counts even
after a backslash), % # & $ _ with a backslash, ^ and ~ as text macros, and
the pairs TeX makes one glyph of (-- `` '' ,, << >> !` ?`) split by {}.
Titles and organisations are one brace group: a style's case changes
leave "UNHCR" as it is, and "Adil Soz and Co" stays one name. The url
field is verbatim in biblatex: it is written as it is (the mapping has
percent-encoded what a URL may not hold)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import IO, Any

from kzkb.export.citation import BIBTEX_TYPES, Citation, keyword_text

_TEX = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "{": r"\textbraceleft{}",
        "}": r"\textbraceright{}",
        "%": r"\%",
        "#": r"\#",
        "&": r"\&",
        "$": r"\$",
        "_": r"\_",
        "^": r"\textasciicircum{}",
        "~": r"\textasciitilde{}",
    }
)
_LIGATURE = re.compile(r"([-`',<>])(?=\1)|([!?])(?=`)")

# biblatex's langid (babel and polyglossia names) of the languages it knows here
LANGIDS = {"en": "english", "ru": "russian", "kk": "kazakh", "de": "ngerman", "fr": "french",
           "uk": "ukrainian", "tr": "turkish", "es": "spanish"}  # fmt: skip


def tex(text: str) -> str:
    """Text as a BibTeX field value holds it (see the module doc)."""
    return _LIGATURE.sub(lambda m: (m.group(1) or m.group(2)) + "{}", text.translate(_TEX))


def bibtex_fields(c: Citation) -> dict[str, str]:
    """The fields of one entry, each as written between the field's braces."""
    fields: dict[str, str] = {}
    names = " and ".join("{" + tex(name) + "}" for name in c.authors)
    if names:
        fields["author"] = names
    fields["title"] = "{" + tex(c.title) + "}"
    if c.type == "report":
        fields["type"] = "Report"
        if names:
            fields["institution"] = names
    if c.container:
        fields["organization"] = "{" + tex(c.container) + "}"
    if c.publisher:
        fields["publisher"] = "{" + tex(c.publisher) + "}"
    if c.issued is not None:
        fields["date"] = c.issued.isoformat()
    if c.url:
        fields["url"] = c.url
    if c.accessed is not None:
        fields["urldate"] = c.accessed.isoformat()
    if c.language:
        langid = LANGIDS.get(c.language.split("-")[0].lower())
        if langid:
            fields["langid"] = langid
    if c.abstract:
        fields["abstract"] = tex(c.abstract)
    if c.keywords:
        fields["keywords"] = tex(keyword_text(c.keywords))
    return fields


def bibtex_entry(c: Citation) -> Any:
    """The bibtexparser Entry of a citation (values enclosed in braces)."""
    from bibtexparser.model import Entry, Field

    fields = [Field(name, "{" + value + "}") for name, value in bibtex_fields(c).items()]
    return Entry(BIBTEX_TYPES[c.type], c.key, fields)


def write_bibtex(items: Iterable[Citation], out: IO[str]) -> int:
    """Each entry as bibtexparser writes it, an empty line between two."""
    import bibtexparser  # only a BibTeX export loads it

    style = bibtexparser.BibtexFormat()
    style.indent = "  "
    count = 0
    for c in items:
        library = bibtexparser.Library([bibtex_entry(c)])
        # values are enclosed already: no middleware copies or changes them
        text = bibtexparser.write_string(library, unparse_stack=[], bibtex_format=style)
        out.write(("\n" if count else "") + text)
        count += 1
    return count
