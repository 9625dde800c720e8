"""lint: the defects hand-edited KBs collect, found and (where safe) repaired.

Lint reads each file as written, not as the loader normalises it: the loader
forgives `title: ["X"]` and curly quotes so that every command still works,
and lint is where they are reported. Rules and their ids are in RULES; the
KB's kzkb.toml may change a rule's severity, the fields required, each
field's type, and the near-duplicate threshold ([lint], see README).

Repairs (`--fix`) are edits of front-matter lines only: the body, the order
of fields and every comment stay as they are. Each is made only when its
outcome is certain (a list of one title becomes that title, not a list of
two), and a second run finds nothing more to repair.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kzkb.config import Config
from kzkb.model import KzkbError
from kzkb.urls import term_slug

ERROR, WARNING, OFF = "error", "warning", "off"

# rule id -> (default severity, what it finds)
RULES: dict[str, tuple[str, str]] = {
    "bom": (WARNING, "a byte-order mark before the front matter"),
    "escaped-front-matter": (ERROR, "front matter escaped by a Markdown converter"),
    "front-matter-syntax": (ERROR, "front matter that does not parse"),
    "unreadable": (ERROR, "a file no command reads: too large, not a file, its name, no access"),
    "curly-quotes": (WARNING, "curly quotes where YAML wants straight ones"),
    "field-type": (ERROR, "a field of the wrong shape (a list for one value, or the reverse)"),
    "invalid-date": (ERROR, "a date that is not YYYY-MM-DD"),
    "url-scheme": (ERROR, "a url field that is not an http(s) address"),
    "required-field": (ERROR, "a required field missing or empty"),
    "unknown-term": (ERROR, "a taxonomy term not in kzkb.toml's vocabulary"),
    "term-spelling": (WARNING, "one term spelled several ways across the KB"),
    "near-duplicate": (WARNING, "two records that look like the same organisation"),
    "empty-body": (WARNING, "a record with no text below its front matter"),
    "empty-description": (WARNING, "a record without a description"),
    "file-name": (WARNING, "a file name that is not a slug"),
}


FIELD_TYPES = ("string", "list", "date", "url")
DEFAULT_TYPES = {
    "title": "string",
    "linkTitle": "string",
    "description": "string",
    "date": "date",
    "created": "date",
    "lastmod": "date",
    "url": "url",
    "aliases": "list",
}
DEFAULT_REQUIRED = ("title",)
DEFAULT_DUPLICATE_THRESHOLD = 90

# a boundary line a converter escaped: \-\--\ , \--- , \-\-\-
_ESCAPED_BOUNDARY = re.compile(r"^(?=.*\\)[\\-]*-[\\-]*-[\\-]*-[\\-]*$")
_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_CURLY = "\u201c\u201d\u201e\u2018\u2019"
# a value quoted with curly quotes: after "key:", "[" or "," and before ",", "]" or the end
_CURLY_VALUE = re.compile(
    r"(?P<lead>(?:^[^:#]+:|\[|,)\s*)[\u201c\u201e\u2018\u201d](?P<inner>[^\u201c\u201d\u201e\u2018\u2019\"\n]*)[\u201d\u201c\u2019](?=\s*(?:,|\]|$|#))"
)
_KEY_LINE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:(?P<rest>.*)$")


@dataclass(frozen=True, slots=True)
class LintFinding:
    file: str  # the record's path in the KB
    line: int
    rule: str
    severity: str
    message: str
    fix: str
    fixable: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(slots=True)
class LintReport:
    files: int = 0
    findings: list[LintFinding] = field(default_factory=list)
    fixed: dict[str, list[str]] = field(default_factory=dict)  # path -> rules repaired

    @property
    def errors(self) -> int:
        return sum(f.severity == ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == WARNING for f in self.findings)

    def summary(self) -> dict[str, int]:
        return {
            "files": self.files,
            "errors": self.errors,
            "warnings": self.warnings,
            "fixed": sum(len(rules) for rules in self.fixed.values()),
        }


@dataclass(slots=True)
class LintOptions:
    severity: dict[str, str]
    required: tuple[str, ...]
    types: dict[str, str]
    duplicate_threshold: int

    @classmethod
    def from_config(cls, config: Config) -> LintOptions:
        where = config.config_file or "kzkb.toml"
        section = config.raw.get("lint", {})
        if not isinstance(section, dict):
            raise KzkbError(f"{where}: [lint] must be a table", "write it as [lint]")
        severity = {rule: default for rule, (default, _) in RULES.items()}
        for rule, value in (section.get("severity") or {}).items():
            if rule not in RULES:
                raise KzkbError(
                    f"{where}: [lint.severity] names no rule {rule!r}",
                    f"rules are: {', '.join(RULES)}",
                )
            if value not in (ERROR, WARNING, OFF):
                raise KzkbError(
                    f"{where}: [lint.severity] {rule} = {value!r}",
                    'write "error", "warning" or "off"',
                )
            severity[rule] = value
        types = dict(DEFAULT_TYPES)
        for plural in config.taxonomies.values():
            types[plural] = "list"
        for name, kind in (section.get("types") or {}).items():
            if kind not in FIELD_TYPES:
                raise KzkbError(
                    f"{where}: [lint.types] {name} = {kind!r}",
                    f"a field's type is one of {', '.join(FIELD_TYPES)}",
                )
            types[str(name)] = kind
        required = section.get("required", list(DEFAULT_REQUIRED))
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            raise KzkbError(
                f"{where}: [lint] required must be a list of field names",
                'write required = ["title", "category"]',
            )
        threshold = section.get("duplicate_threshold", DEFAULT_DUPLICATE_THRESHOLD)
        if (
            not isinstance(threshold, int)
            or isinstance(threshold, bool)
            or not 0 < threshold <= 100
        ):
            raise KzkbError(
                f"{where}: [lint] duplicate_threshold = {threshold!r}",
                "give a whole number from 1 to 100 (the rapidfuzz score two titles must reach)",
            )
        return cls(severity, tuple(required), types, threshold)


# --- one file -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Field:
    key: str
    line: int  # file line of the key
    end: int  # last file line of its value
    value: Any


@dataclass(slots=True)
class _File:
    path: str
    lines: list[str]
    fm_start: int = 0  # index (0-based) of the opening boundary line, -1: none
    fm_end: int = -1  # index of the closing boundary line
    fields: dict[str, _Field] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1
    # line breaks YAML sees and a line split does not (a lone CR, U+2028):
    # field lines are then approximate, and no line is edited
    odd: bool = False


def _read(config: Config, rel: str) -> tuple[bytes, str] | LintFinding:
    """A file's bytes and text, read as every command reads it (the size
    limit, regular files only, no link out of the KB, escaped names); what
    stops the others stops lint with a finding."""
    from kzkb.loader import read_source

    content = str(config.content_dir)
    source = read_source(os.path.join(content, rel), rel, content, config.max_file_size)
    if source.data is None:
        skipped = source.skipped
        reason = skipped.reason if skipped is not None else "cannot read the file"
        return LintFinding(
            rel, skipped.line if skipped is not None else 1, "unreadable", ERROR, reason,
            "rename, shrink or make it readable; until then no command serves it",
        )  # fmt: skip
    data = source.data
    if b"\x00" in data:  # what every other command skips as binary
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return LintFinding(
            rel, line, "front-matter-syntax", ERROR, "the file holds a NUL byte: binary, not text",
            "remove the NUL byte, or the file if it is not a record",
        )  # fmt: skip
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return LintFinding(
            rel, line, "front-matter-syntax", ERROR, "the file is not UTF-8",
            "save it as UTF-8",
        )  # fmt: skip
    return data, text


def _parse(rel: str, text: str) -> tuple[_File, LintFinding | None]:
    """The file's front-matter fields with their lines; a syntax finding if
    the front matter does not parse."""
    import yaml

    from kzkb.loader import yaml_loader

    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    f = _File(rel, lines)
    if not lines or lines[0].rstrip() != "---":
        f.fm_start = -1
        f.body = text
        return f, None
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            f.fm_end = i
            break
    if f.fm_end < 0:
        return f, LintFinding(
            rel, 1, "front-matter-syntax", ERROR, "the front matter is never closed",
            "end it with a line of three dashes: ---",
        )  # fmt: skip
    f.body = "\n".join(lines[f.fm_end + 1 :])
    f.body_line = f.fm_end + 2
    source = "\n".join(lines[1 : f.fm_end])
    f.odd = any(c in source for c in "\r\u2028\u2029\x85")
    try:
        node = yaml.compose(source, Loader=yaml_loader())
        data = yaml.load(source, Loader=yaml_loader())
    except yaml.YAMLError as exc:
        from kzkb.loader import yaml_problem

        row, problem = yaml_problem(exc)
        line = row + 2 if row is not None else 1
        return f, LintFinding(
            rel, line, "front-matter-syntax", ERROR, f"invalid YAML: {problem}",
            "fix the YAML there (quote values holding ': ' or '#')",
        )  # fmt: skip
    if data is None:
        return f, None
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        return f, LintFinding(
            rel, 2, "front-matter-syntax", ERROR, "the front matter is not a mapping of fields",
            "write one `field: value` a line",
        )  # fmt: skip
    last = max(f.fm_end, 2)
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key in data:
            f.fields[key] = _Field(
                key,
                min(key_node.start_mark.line + 2, last),
                min(value_node.end_mark.line + 2 - (value_node.end_mark.column == 0), last),
                data[key],
            )
    return f, None


def _escaped(f: _File) -> bool:
    first = next((line for line in f.lines if line.strip()), "")
    return bool(_ESCAPED_BOUNDARY.match(first.strip()))


def check_file(
    rel: str, text: str, config: Config, options: LintOptions
) -> tuple[_File, list[LintFinding]]:
    """The findings of one file that need no other file; the parsed file."""
    out: list[LintFinding] = []

    def add(line: int, rule: str, message: str, fix: str, fixable: bool = False) -> None:
        severity = options.severity[rule]
        if severity != OFF:
            out.append(LintFinding(rel, line, rule, severity, message, fix, fixable))

    if text.startswith("\ufeff"):
        add(1, "bom", "the file starts with a byte-order mark", "remove it (--fix)", True)
    name = rel.rsplit("/", 1)[-1]
    if not _is_slug_name(name, config) and name not in ("_index.md", "index.md"):
        add(
            1, "file-name", f"file name {name!r} is not a slug",
            f"rename it {_slug_name(name, config)!r} (lower case, dashes; aliases keep old links)",
        )  # fmt: skip
    f, syntax = _parse(rel, text)
    if f.fm_start < 0 and _escaped(f):
        add(
            1, "escaped-front-matter",
            "the front matter is escaped (\\-\\-\\-, \\[ ...), so the record has no fields",
            "unescape it (--fix)", True,
        )  # fmt: skip
        return f, out
    if syntax is not None:
        add(syntax.line, syntax.rule, syntax.message, syntax.fix)
        return f, out
    if f.fm_start < 0:
        first = text.lstrip("\ufeff").split("\n", 1)[0].rstrip()
        if first == "{" or re.fullmatch(r"\+{3,}", first):
            # TOML or JSON front matter: checked as the index parses it; the
            # line-by-line rules below read YAML only
            from kzkb.loader import TOO_DEEP, FrontMatterError, split_front_matter

            try:
                data, _, _ = split_front_matter(text.lstrip("\ufeff"))
            except FrontMatterError as err:
                add(err.line, "front-matter-syntax", err.reason, "fix the front matter there")
                return f, out
            except RecursionError:
                add(1, "front-matter-syntax", TOO_DEEP, "flatten the front matter")
                return f, out
            for key in options.required:
                if _empty(data.get(key)):
                    add(1, "required-field", f"{key} is missing or empty", f"add {key}")
            return f, out
        add(1, "required-field", "the file has no front matter", "start it with --- and a title")
        return f, out
    for i in range(f.fm_start + 1, f.fm_end):
        line = f.lines[i]
        if any(c in line for c in _CURLY) and _CURLY_VALUE.search(line):
            add(
                i + 1, "curly-quotes", "a value quoted with curly quotes keeps them as text",
                'use straight quotes: "…" (--fix)', True,
            )  # fmt: skip
    for key in options.required:
        fld = f.fields.get(key)
        if fld is None or _empty(fld.value):
            line = fld.line if fld else f.fm_end + 1
            add(line, "required-field", f"{key} is missing" if fld is None else f"{key} is empty",
                f"add {key}: …")  # fmt: skip
    description = f.fields.get("description")
    if "description" not in options.required and (description is None or _empty(description.value)):
        line = description.line if description else f.fm_end + 1
        add(line, "empty-description", "the record has no description",
            "add description: one or two sentences on what the source holds")  # fmt: skip
    for key, fld in f.fields.items():
        kind = options.types.get(key)
        if kind is not None:
            # offered as --fix exactly when --fix would make the repair
            can_fix = not f.odd and _reshape(f.lines, fld, kind) is not None
            _check_type(fld, kind, add, can_fix)
    if not f.body.strip():
        add(f.body_line if f.fm_end >= 0 else 1, "empty-body", "the record has no text",
            "write what the source is and why it matters below the front matter")  # fmt: skip
    return f, out


def _empty(value: Any) -> bool:
    return (
        value is None
        or value == ""
        or value == []
        or (isinstance(value, list) and all(v in (None, "") for v in value))
    )


def _check_type(fld: _Field, kind: str, add: Any, can_fix: bool) -> None:
    value = fld.value
    tail = " (--fix)" if can_fix else ""
    if kind in ("string", "date", "url") and isinstance(value, list):
        one = len(value) == 1 and not isinstance(value[0], (list, dict))
        add(
            fld.line, "field-type",
            f"{fld.key} is a list of {len(value)}; it takes one value",
            f"write {fld.key}: {_shown(value[0])}{tail}" if value else f"write one {fld.key}",
            can_fix,
        )  # fmt: skip
        if not one:
            return
        value = value[0]
    if kind == "list" and isinstance(value, str):
        add(fld.line, "field-type", f"{fld.key} is one value; it takes a list",
            f'write {fld.key}: ["{value}"]{tail}', can_fix)  # fmt: skip
        return
    if kind == "date" and value not in (None, "") and not isinstance(value, dt.date):
        add(fld.line, "invalid-date", f"{fld.key} {str(value)!r} is not a date",
            f"write {fld.key}: YYYY-MM-DD")  # fmt: skip
    web = ("http://", "https://")
    if kind == "url" and isinstance(value, str) and value and not value.lower().startswith(web):
        fix = (
            f"write {fld.key}: https://{value.split('://')[-1]}"
            if "." in value
            else f"give {fld.key} the organisation's web address (https://…)"
        )
        add(fld.line, "url-scheme", f"{fld.key} {value!r} is not an http(s) address", fix)


def _shown(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return '"' + str(value).replace('"', '\\"') + '"'


def _split_name(name: str, config: Config) -> tuple[str, str, str]:
    """(stem, ".lang" or "", extension) of a record's file name."""
    stem, _, ext = name.rpartition(".")
    head, dot, lang = stem.rpartition(".")
    if dot and lang in config.languages:
        return head, "." + lang, ext
    return stem, "", ext


def _is_slug_name(name: str, config: Config) -> bool:
    """A file name as Hugo would make it of the title (Cyrillic letters too),
    with a lower-case extension: what `kzkb new` writes."""
    stem, _, ext = _split_name(name, config)
    return ext in ("md", "markdown") and bool(stem) and term_slug(stem) == stem


def _slug_name(name: str, config: Config) -> str:
    stem, lang, ext = _split_name(name, config)
    return (term_slug(stem) or "record") + lang + "." + (ext.lower() or "md")


# --- across the KB ---------------------------------------------------------------------------


def _terms(files: list[_File], config: Config) -> dict[str, list[tuple[_File, _Field, str]]]:
    """taxonomy -> (file, field, term as spelled) of every term of every file."""
    out: dict[str, list[tuple[_File, _Field, str]]] = defaultdict(list)
    for f in files:
        for singular, plural in config.taxonomies.items():
            fld = f.fields.get(plural)
            if fld is None:
                continue
            values = fld.value if isinstance(fld.value, list) else [fld.value]
            for value in values:
                if isinstance(value, str) and value.strip():
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
                near = _nearest(slug, list(vocab))
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
                out.append(LintFinding(
                    f.path, fld.line, "term-spelling", options.severity["term-spelling"],
                    f"{fld.key}: {value!r} is also written {others} in the KB",
                    f"write {canonical!r} everywhere (--fix)", True,
                ))  # fmt: skip
    return out


def canonical_spelling(forms: Counter[str], vocabulary_slug: str | None) -> str:
    """The spelling a term's other spellings are repaired to: the vocabulary's
    slug when the KB writes it, else the commonest (ties: alphabetical)."""
    if vocabulary_slug is not None and vocabulary_slug in forms:
        return vocabulary_slug
    return min(forms, key=lambda s: (-forms[s], s))


def _nearest(slug: str, choices: list[str]) -> str:
    from rapidfuzz import fuzz, process

    found = process.extractOne(slug, choices, scorer=fuzz.ratio, score_cutoff=60)
    return found[0] if found else ""


def check_duplicates(files: list[_File], config: Config, options: LintOptions) -> list[LintFinding]:
    """Pairs of records with the same web address, or titles this close. Titles
    are compared within blocks of the same first folded letters, so the work
    stays near-linear at 100,000 records."""
    severity = options.severity["near-duplicate"]
    if severity == OFF:
        return []
    from rapidfuzz import fuzz

    from kzkb.fold import fold

    out: list[LintFinding] = []
    seen: set[tuple[str, str]] = set()

    def pair(a: _File, b: _File, why: str) -> None:
        key = (a.path, b.path) if a.path < b.path else (b.path, a.path)
        if key in seen:
            return
        seen.add(key)
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
        if _split_name(name, config)[1] or name in ("_index.md", "index.md"):
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
        for other in group[1:]:
            pair(group[0], other, f"both at {site}")
    for block in blocks.values():
        for i, (title_a, a) in enumerate(block):
            for title_b, b in block[i + 1 :]:
                score = fuzz.token_sort_ratio(title_a, title_b)
                if score >= options.duplicate_threshold:
                    pair(a, b, f"titles {score:.0f}% alike")
    return out


def _site(value: Any) -> str:
    """A web address without scheme, www., query or final slash: two records
    with the same one describe the same site."""
    if not isinstance(value, str) or "://" not in value:
        return ""
    from urllib.parse import urlsplit

    parts = urlsplit(value.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    return host + parts.path.rstrip("/").lower() if host else ""


def _kind_of(path: str, config: Config) -> str:
    from kzkb.loader import locate

    segments, _ = locate(path, config)
    return config.kinds.get(segments[0], "page") if len(segments) > 1 else "page"


# --- the whole KB ----------------------------------------------------------------------------


def lint(config: Config, paths: list[str], options: LintOptions | None = None) -> LintReport:
    """Every finding of these KB paths (relative to the content folder)."""
    options = options or LintOptions.from_config(config)
    report = LintReport(files=len(paths))
    parsed: list[_File] = []
    for rel in paths:
        read = _read(config, rel)
        if isinstance(read, LintFinding):
            severity = options.severity[read.rule]
            if severity != OFF:
                report.findings.append(dataclasses.replace(read, severity=severity))
            continue
        f, findings = check_file(rel, read[1], config, options)
        report.findings += findings
        parsed.append(f)
    report.findings += check_terms(parsed, config, options)
    report.findings += check_duplicates(parsed, config, options)
    report.findings.sort(key=lambda x: (x.file, x.line, x.rule))
    return report


# --- repairs ----------------------------------------------------------------------------------


def fixed_text(
    rel: str, text: str, config: Config, options: LintOptions, canonical: dict[tuple[str, str], str]
) -> tuple[str, list[str]]:
    """The file's text with every safe repair made, and the rules repaired.
    `canonical`: (taxonomy field, slug) -> the spelling to write.

    Lines are edited one by one, each keeping its own ending (a file may mix
    CRLF and LF); the body is never touched."""
    done: list[str] = []
    if text.startswith("\ufeff") and options.severity["bom"] != OFF:
        text = text[1:]
        done.append("bom")
    f, _ = _parse(rel, text)
    if f.fm_start < 0 and _escaped(f) and options.severity["escaped-front-matter"] != OFF:
        text = "\n".join(_unescape(text.split("\n")))
        done.append("escaped-front-matter")
        f, _ = _parse(rel, text)
    if f.fm_start < 0 or f.fm_end < 0 or f.odd:
        return text, done
    raw = text.split("\n")  # as _parse's lines, but each with its "\r", if any

    def put(start: int, end: int, new: list[str]) -> None:
        ending = "\r" if raw[start].endswith("\r") else ""
        raw[start : end + 1] = [line + ending for line in new]

    if options.severity["curly-quotes"] != OFF:
        for i in range(f.fm_start + 1, f.fm_end):
            new = _CURLY_VALUE.sub(_straight, f.lines[i])
            if new != f.lines[i]:
                put(i, i, [new])
                if "curly-quotes" not in done:
                    done.append("curly-quotes")
        f, _ = _parse(rel, "\n".join(raw))
        if f.fm_end < 0 or f.odd:
            return "\n".join(raw), done
    lines = f.lines
    edits: dict[int, tuple[int, list[str]]] = {}  # first line index -> (last index, new lines)
    if options.severity["field-type"] != OFF:
        for key, fld in f.fields.items():
            reshaped = _reshape(lines, fld, options.types.get(key))
            if reshaped is not None:
                edits[fld.line - 1] = (fld.end - 1, reshaped)
                if "field-type" not in done:
                    done.append("field-type")
    if options.severity["term-spelling"] != OFF:
        for plural in config.taxonomies.values():
            fld = f.fields.get(plural)
            if fld is None or fld.line - 1 in edits:
                continue
            start, end = fld.line - 1, fld.end - 1
            block = lines[start : end + 1]
            values = fld.value if isinstance(fld.value, list) else [fld.value]
            for value in values:
                if not isinstance(value, str):
                    continue
                want = canonical.get((plural, term_slug(value)))
                if want and want != value.strip():
                    block = [_replace_value(line, value.strip(), want) for line in block]
            if block != lines[start : end + 1]:
                edits[start] = (end, block)
                if "term-spelling" not in done:
                    done.append("term-spelling")
    for start in sorted(edits, reverse=True):
        end, new = edits[start]
        put(start, end, new)
    return "\n".join(raw), done


def _straight(m: re.Match[str]) -> str:
    """A curly-quoted value as a YAML double-quoted one: backslashes escaped."""
    return m["lead"] + '"' + m["inner"].replace("\\", "\\\\") + '"'


def _unescape(lines: list[str]) -> list[str]:
    out = list(lines)
    first = next(i for i, line in enumerate(out) if line.strip())
    out[first] = "---" + ("\r" if out[first].endswith("\r") else "")
    for i in range(first + 1, len(out)):
        if _ESCAPED_BOUNDARY.match(out[i].strip()) or out[i].strip() == "---":
            out[i] = "---" + ("\r" if out[i].endswith("\r") else "")
            break
        out[i] = _BACKSLASH_ESCAPE.sub(r"\1", out[i])
    return out[first:] if first else out


def _reshape(lines: list[str], fld: _Field, kind: str | None) -> list[str] | None:
    """New lines for a field of the wrong shape, when the repair is certain:
    a one-item list where one value belongs, or one value where a list does."""
    value = fld.value
    start, end = fld.line - 1, fld.end - 1
    if kind is None or end >= len(lines) or start > end:
        return None
    head = _KEY_LINE.match(lines[start])
    if head is None or head["key"] != fld.key:
        return None
    rest = head["rest"].split(" #", 1)[0].strip()
    if kind in ("string", "date", "url") and isinstance(value, list) and len(value) == 1:
        item = value[0]
        if isinstance(item, (list, dict)):
            return None
        if start == end and rest.startswith("[") and rest.endswith("]"):
            inner = rest[1:-1].strip().rstrip(",").strip()  # the item as written, quotes and all
            return [f"{fld.key}: {inner}{_comment(head['rest'])}"]
        if start < end and not rest:  # a block list: key, then "- item"
            block = lines[start + 1 : end + 1]
            items = [ln for ln in block if ln.strip() and not ln.strip().startswith("#")]
            if len(items) == 1 and items[0].strip().startswith("- "):
                # the key line's comment stays on it; comment lines stay below
                comments = [ln for ln in block if ln.strip().startswith("#")]
                item = items[0].strip()[2:].strip()
                return [f"{fld.key}: {item}{_comment(head['rest'])}", *comments]
        return None
    if kind == "list" and isinstance(value, str) and start == end and rest:
        if rest[0] in "[{|>":
            return None
        return [f"{fld.key}: [{rest}]{_comment(head['rest'])}"]
    return None


def _comment(rest: str) -> str:
    """The trailing comment of a line's value, with the spaces before it."""
    value = rest.split(" #", 1)[0]
    return rest[len(value.rstrip()) :] if len(value) < len(rest) else ""


def _replace_value(line: str, old: str, new: str) -> str:
    """`old`, as a whole quoted or bare list item or value, replaced by `new`;
    a trailing comment is left as it is."""
    comment = _comment(line)
    value = _replace_in_value(line[: len(line) - len(comment)], old, new)
    return value + comment


def _replace_in_value(line: str, old: str, new: str) -> str:
    quoted = '"' + new.replace("\\", "\\\\").replace('"', '\\"') + '"'
    for pattern in (f'"{re.escape(old)}"', f"'{re.escape(old)}'"):
        line, count = re.subn(pattern, lambda _: quoted, line)
        if count:
            return line
    bare = re.compile(r"(?<=[\[,:\-]\s)" + re.escape(old) + r"(?=\s*(?:,|\]|$|#))")
    line, count = bare.subn(lambda _: quoted, line)
    if not count:
        line = re.sub(r"(?<=[\[,])" + re.escape(old) + r"(?=\s*(?:,|\]))", lambda _: quoted, line)
    return line


def fix(
    config: Config,
    paths: list[str],
    options: LintOptions | None = None,
    *,
    write: bool = True,
    only: set[str] | None = None,
) -> dict[str, tuple[str, str, list[str]]]:
    """Repair what is safe to repair; {path: (old text, new text, rules)} of
    every file that changes. With write, each is replaced atomically.

    All `paths` decide how a term is spelled; only those in `only` (if
    given) are repaired."""
    options = options or LintOptions.from_config(config)
    texts: dict[str, str] = {}
    parsed: list[_File] = []
    for rel in paths:
        read = _read(config, rel)
        if isinstance(read, LintFinding):
            continue
        texts[rel] = read[1]
        text = read[1]
        f, _ = _parse(rel, text)
        if f.fm_start < 0 and _escaped(f):
            f, _ = _parse(rel, "\n".join(_unescape(f.lines)))
        parsed.append(f)
    canonical: dict[tuple[str, str], str] = {}
    for taxonomy, uses in _terms(parsed, config).items():
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
    changes: dict[str, tuple[str, str, list[str]]] = {}
    for rel, text in texts.items():
        if only is not None and rel not in only:
            continue
        if (config.content_dir / rel).is_symlink():
            continue  # never written through: its target is repaired under its own name
        # a repair can make another possible (a term is respelled once its
        # field is a list): repeat until nothing changes, so that a second
        # --fix has nothing left to do
        new, rules = text, []
        for _ in range(4):
            again, more = fixed_text(rel, new, config, options, canonical)
            if again == new:
                break
            new = again
            rules += [r for r in more if r not in rules]
        if new != text:
            changes[rel] = (text, new, rules)
    if write:
        for rel in list(changes):
            old, new, _ = changes[rel]
            if not _replace(config.content_dir / rel, old.encode("utf-8"), new.encode("utf-8")):
                del changes[rel]
    return changes


class _Changed(Exception):
    """The file is no longer what lint read."""


def _replace(target: Path, old: bytes, new: bytes) -> bool:
    """Write a repair atomically (beside the file, then renamed over it),
    unless the file changed since it was read: an editor's save or a git
    checkout meanwhile is kept, not overwritten by a repair of what was
    there before, and the next --fix repairs it. False if not written."""
    from kzkb.export import atomic_path

    try:
        with atomic_path(target, force=True) as temp:
            Path(temp).write_bytes(new)
            # as late as it can be: only a save in this very moment is lost
            if target.read_bytes() != old:
                raise _Changed
    except (_Changed, FileNotFoundError):
        return False  # edited, or deleted: a deleted record is not brought back
    except KzkbError:
        return False  # it became a symbolic link, or its folder went
    return True
