"""The rules across the KB: one term spelled several ways, terms outside the
vocabulary, records that look like the same organisation."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any
from urllib.parse import urlsplit

from kzkb.hugo.paths import locate
from kzkb.lint.findings import OFF, LintFinding
from kzkb.lint.options import LintOptions
from kzkb.lint.read import _Field, _File
from kzkb.lint.rules import _is_section_name, _split_name
from kzkb.settings.config import Config
from kzkb.text.fold import fold
from kzkb.text.suggest import closest_one
from kzkb.urls import term_slug


def _terms(files: list[_File], config: Config) -> dict[str, list[tuple[_File, _Field, str]]]:
    """taxonomy -> (file, field, term as spelled) of every term of every file,
    read as the loader reads them (`tags: "COVID-19, health"` is two terms),
    which is what --fix respells."""
    from kzkb.parse.fields import normalize_fields

    out: dict[str, list[tuple[_File, _Field, str]]] = defaultdict(list)
    for f in files:
        for singular, plural in config.taxonomies.items():
            fld = f.fields.get(plural)
            if fld is None:
                continue
            read = normalize_fields({plural: fld.value}, config)[plural]
            values = read if isinstance(read, list) else [read]
            for value in values:
                if isinstance(value, str) and term_slug(value):  # no slug: no term page
                    out[singular].append((f, fld, value.strip()))
    return out


def check_terms(files: list[_File], config: Config, options: LintOptions) -> list[LintFinding]:
    out: list[LintFinding] = []
    for taxonomy, uses in _terms(files, config).items():
        vocab = config.vocabulary.get(taxonomy)
        spellings: dict[str, Counter[str]] = defaultdict(Counter)
        for _, _, value in uses:
            spellings[term_slug(value)][value] += 1
        for f, fld, value in uses:
            slug = term_slug(value)
            if vocab and slug not in vocab and options.severity["unknown-term"] != OFF:
                near = closest_one(slug, list(vocab))
                out.append(LintFinding(
                    f.path, fld.line, "unknown-term", options.severity["unknown-term"],
                    f"{fld.key}: {value!r} is not a {taxonomy} of kzkb.toml",
                    f"did you mean {vocab[near].slug!r}?" if near else
                    f"use one of {', '.join(sorted(vocab))}, or add it to [[terms.{taxonomy}]]",
                ))  # fmt: skip
                continue
            forms = spellings[slug]
            canonical = canonical_spelling(
                forms, vocab.get(slug).slug if vocab and slug in vocab else None
            )
            if len(forms) > 1 and value != canonical and options.severity["term-spelling"] != OFF:
                others = ", ".join(repr(s) for s in sorted(forms) if s != value)
                yaml = f.fmt == "yaml"  # --fix edits YAML lines only
                out.append(LintFinding(
                    f.path, fld.line, "term-spelling", options.severity["term-spelling"],
                    f"{fld.key}: {value!r} is also written {others} in the KB",
                    f"write {canonical!r} everywhere" + (" (--fix)" if yaml else ""), yaml,
                ))  # fmt: skip
    return out


def canonical_spelling(forms: Counter[str], vocabulary_slug: str | None) -> str:
    """The spelling a term's other spellings are repaired to: the vocabulary's
    slug when the KB writes it, else the commonest of those with the most
    hyphens (ties: alphabetical). All spellings are one term to Hugo (its
    urlize makes "COVID 19" and "COVID-19" covid-19), but a hyphen is part of
    a name: a respelling never takes one out ("COVID-19" stays, however often
    "COVID 19" is written)."""
    if vocabulary_slug is not None and vocabulary_slug in forms:
        return vocabulary_slug
    return min(forms, key=lambda s: (-s.count("-"), -forms[s], s))


def canonical_spellings(files: list[_File], config: Config) -> dict[tuple[str, str], str]:
    """(taxonomy field, slug) -> the spelling --fix writes, for every term
    the KB spells more than one way (outside the vocabulary: left alone)."""
    canonical: dict[tuple[str, str], str] = {}
    for taxonomy, uses in _terms(files, config).items():
        plural = config.taxonomies[taxonomy]
        vocab = config.vocabulary.get(taxonomy) or {}
        forms: dict[str, Counter[str]] = defaultdict(Counter)
        for _, _, value in uses:
            forms[term_slug(value)][value] += 1
        for slug, spelled in forms.items():
            if len(spelled) > 1 and (not vocab or slug in vocab):
                canonical[(plural, slug)] = canonical_spelling(
                    spelled, vocab[slug].slug if slug in vocab else None
                )
    return canonical


def check_duplicates(files: list[_File], config: Config, options: LintOptions) -> list[LintFinding]:
    """Pairs of records with the same web address, or titles this close. Titles
    are compared within blocks of the same first folded letters, so the work
    stays near-linear at 100,000 records."""
    severity = options.severity["near-duplicate"]
    if severity == OFF:
        return []
    from rapidfuzz import fuzz

    out: list[LintFinding] = []
    seen: set[tuple[str, str]] = set()

    countries = _countries_of(files, config)

    def pair(a: _File, b: _File, why: str) -> None:
        key = (a.path, b.path) if a.path < b.path else (b.path, a.path)
        if key in seen:
            return
        seen.add(key)
        if _other_country(countries[a.path], countries[b.path]):
            return  # an organisation's country offices: records of their own
        first, second = (a, b) if a.path < b.path else (b, a)
        line = first.fields["title"].line if "title" in first.fields else 1
        out.append(LintFinding(
            first.path, line, "near-duplicate", severity,
            f"looks like the same record as {second.path} ({why})",
            "merge them into one and list the other's address in aliases",
        ))  # fmt: skip

    by_site: dict[tuple[str, str], list[_File]] = defaultdict(list)
    blocks: dict[tuple[str, str], list[tuple[str, _File]]] = defaultdict(list)
    for f in files:
        name = f.path.rsplit("/", 1)[-1]
        if _split_name(name, config)[1] or _is_section_name(name):
            continue  # translations and section pages share titles by design
        # a report and the organisation that wrote it share a site: compare
        # records of one kind (sources with sources)
        kind = _kind_of(f.path, config)
        url = f.fields.get("url")
        site = _site(url.value) if url else ""
        if site:
            by_site[(kind, site)].append(f)
        title = f.fields.get("title")
        if title and isinstance(title.value, str) and title.value.strip():
            folded = " ".join(fold(title.value).split())
            blocks[(kind, folded[:3])].append((folded, f))
    for (_, site), group in by_site.items():
        # each with the first before it of its own country (an organisation's
        # offices share its site); a few dozen looked at, so that one site
        # shared by thousands of records stays linear
        for i, other in enumerate(group[1:], 1):
            first = next(
                (g for g in group[max(0, i - 50) : i] if not _other_country(
                    countries[g.path], countries[other.path])),
                None,
            )  # fmt: skip
            if first is not None:
                pair(first, other, f"both at {site}")
    for block in blocks.values():
        for i, (title_a, a) in enumerate(block):
            for title_b, b in block[i + 1 :]:
                score = fuzz.token_sort_ratio(title_a, title_b)
                if score >= options.duplicate_threshold:
                    pair(a, b, f"titles {score:.0f}% alike")
    return out


# a record's countries: (those its title or file name says, those of its
# country taxonomy's field)
_Countries = tuple[frozenset[str], frozenset[str]]


def _countries_of(files: list[_File], config: Config) -> dict[str, _Countries]:
    from kzkb.lint.countries import code_of, named_in
    from kzkb.parse.fields import normalize_fields

    field = next(
        (p for s, p in config.taxonomies.items() if {s, p} & {"country", "countries"}), None
    )
    out: dict[str, _Countries] = {}
    for f in files:
        title = f.fields.get("title")
        stem = _split_name(f.path.rsplit("/", 1)[-1], config)[0]
        named = named_in(title.value if title and isinstance(title.value, str) else "", stem)
        fld = f.fields.get(field) if field else None
        listed: frozenset[str] = frozenset()
        if fld is not None:
            values = normalize_fields({fld.key: fld.value}, config)[fld.key]
            if isinstance(values, list):
                listed = frozenset(code_of(v) or term_slug(v) for v in values if v.strip())
        out[f.path] = (named, listed)
    return out


def _other_country(a: _Countries, b: _Countries) -> bool:
    """Whether two records are about different countries. When a name says
    a country (fes_uz, "LSMS Kyrgyzstan"), what the names say, else the
    field, must be the same: fes and fes_uz differ, fes (countries:
    Kazakhstan) and fes_kz do not. Fields alone differ when they share no
    country: a regional record and a one-country record of it may be one."""
    if a[0] or b[0]:
        return (a[0] or a[1]) != (b[0] or b[1])
    return bool(a[1] and b[1] and not a[1] & b[1])


def _site(value: Any) -> str:
    """A web address without scheme, www., query or final slash: two records
    with the same one describe the same site."""
    if not isinstance(value, str) or "://" not in value:
        return ""
    parts = urlsplit(value.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    return host + parts.path.rstrip("/").lower() if host else ""


def _kind_of(path: str, config: Config) -> str:

    segments, _ = locate(path, config)
    return config.kinds.get(segments[0], "page") if len(segments) > 1 else "page"
