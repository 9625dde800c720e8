"""new: a valid record from a template, at the path the KB's own records use."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections import Counter
from pathlib import Path

from kzkb.files import atomic_path, naming
from kzkb.model import KzkbError
from kzkb.settings.config import Config
from kzkb.text.suggest import closest_one
from kzkb.urls import term_slug

BODY = "Write here what the source is, who runs it and why researchers cite it.\n"


def folder_for(config: Config, kind: str, paths_of_kind: list[str], lang: str = "") -> str:
    """Where a record of this kind goes: the folder most of them are in
    (within their language's folder), else the folder kzkb.toml's [kinds]
    names; below `lang`'s own folder when each language has one (a Hugo
    site with a contentDir per language)."""
    inner: Counter[str] = Counter()
    for path in paths_of_kind:
        _, rest = config.split_local(path)  # below content_dir, narrowed or not
        if "/" in rest:
            inner[rest.rsplit("/", 1)[0]] += 1
    folder = inner.most_common(1)[0][0] if inner else None
    if folder is None:
        folder = next((name for name, k in config.kinds.items() if k == kind), None)
    if folder is None:
        raise KzkbError(
            f"unknown kind {kind!r}",
            f"use one of {', '.join(sorted(set(config.kinds.values())))}, or add it to [kinds]",
        )
    own = _own_folder(config, lang or config.default_language)
    return f"{own}/{folder}" if own else folder


def _own_folder(config: Config, lang: str) -> str:
    """The folder a new record in `lang` goes below: its own when every
    language has one; "" when languages share folders and file names say
    the language (a.kk.md)."""
    dirs = config.language_dirs()
    if "" in dirs:
        return ""
    return next((folder for folder, code in dirs.items() if code == lang), "")


def separator(names: list[str]) -> str:
    """ "_" if the folder's file names mostly join words with it, else "-"."""
    under = sum("_" in n for n in names)
    dash = sum("-" in n for n in names)
    return "_" if under > dash else "-"


# the longest file name Linux, macOS and Windows file systems take, in bytes
NAME_MAX = 255
# Hugo reads index.md and _index.md as a folder's own page, not as a record in it
RESERVED = ("index", "_index")
SLUG_FIX = "give one file name: letters, digits, - and _, not starting with a dot"


def control_character(text: str) -> str | None:
    """The first control character (C0, DEL, C1) in `text`, as U+XXXX; None
    when it has none. A terminal would act on one, YAML refuses DEL and C1,
    and a field of new is one line."""
    for ch in text:
        if unicodedata.category(ch) == "Cc":
            return f"U+{ord(ch):04X}"
    return None


def check_text(fields: dict[str, str]) -> None:
    """Refuse a control character in any field given (option -> value)."""
    for option, value in fields.items():
        found = control_character(value)
        if found is not None:
            raise KzkbError(
                f"{option} holds a control character ({found})",
                "kzkb new writes text as given: remove it",
            )


def file_name(
    title: str, lang: str, config: Config, slug: str | None = None, sep: str = "-"
) -> str:
    """The new record's file name: one name (no folder, no leading dot, not
    a folder's own page) of at most NAME_MAX bytes with its suffix (.md, or
    .<lang>.md for a translation beside its original). From the title, cut
    to fit at a character boundary; an explicit slug that does not fit, or
    is not one name, is refused."""
    plain = lang == config.default_language or _own_folder(config, lang)
    suffix = ".md" if plain else f".{lang}.md"
    budget = NAME_MAX - len(suffix.encode("utf-8"))
    if slug is not None:
        if "/" in slug or "\\" in slug or slug.startswith("."):
            raise KzkbError(f"--slug {slug!r} is not one file name", SLUG_FIX)
        stem = term_slug(slug).replace("-", sep)
        if len(stem.encode("utf-8")) > budget:
            raise KzkbError(
                f"--slug is too long: {len(stem.encode('utf-8')) + len(suffix)} bytes as a"
                f" file name with {suffix}, past the {NAME_MAX} a file system takes",
                "give a shorter --slug",
            )
    else:
        # a title's / and \ are words apart, not folders; its leading dots
        # would hide the file from every command
        stem = term_slug(title).replace("/", "-").replace("\\", "-").replace("-", sep)
        stem = stem.lstrip("." + sep + "-")
        stem = stem.encode("utf-8")[:budget].decode("utf-8", "ignore").rstrip("." + sep)
    if not stem:
        raise KzkbError(f"cannot make a file name of {title!r}", "give one with --slug")
    if stem.lower() in RESERVED:
        raise KzkbError(
            f"{stem}{suffix} is a folder's own page to Hugo, not a record in it",
            "give another file name with --slug",
        )
    return f"{stem}{suffix}"


def canonical_terms(config: Config, taxonomy: str, values: list[str]) -> list[str]:
    """The values as the vocabulary writes them (its slug); an unknown term
    of a taxonomy with a vocabulary is an error naming the nearest."""
    vocab = config.vocabulary.get(taxonomy)
    out: list[str] = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        if not vocab:
            out.append(value)
            continue
        slug = term_slug(value)
        by_label = {term_slug(t.label): t.slug for t in vocab.values()}
        found = slug if slug in vocab else by_label.get(slug)
        if found is None:
            near = closest_one(slug, list(vocab))
            plural = config.taxonomies[taxonomy]
            raise KzkbError(
                f"{value!r} is not a {taxonomy} of kzkb.toml",
                f"did you mean {near!r}?" if near else
                f"use one of {', '.join(sorted(vocab))}, or add [[terms.{plural}]]",
            )  # fmt: skip
        out.append(found)
    return out


def render(
    config: Config,
    title: str,
    *,
    description: str = "",
    terms: dict[str, list[str]] | None = None,
    url: str = "",
    today: dt.date | None = None,
) -> str:
    """The record's text: front matter in the order the KB's records use,
    strings as JSON-style double-quoted YAML, then a body to fill in."""
    today = today or dt.date.today()
    terms = terms or {}

    def quoted(text: str) -> str:
        # a YAML double-quoted string: JSON's, and every character that is not
        # printable (a line separator, a direction mark) escaped, as YAML reads it
        return "".join(
            ch if ch.isprintable() else f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else
            f"\\U{ord(ch):08x}"
            for ch in json.dumps(text, ensure_ascii=False)
        )  # fmt: skip

    lines = ["---", f"title: {quoted(title)}", f"description: {quoted(description)}"]
    for singular, plural in config.taxonomies.items():
        values = terms.get(singular, [])
        if values or singular == "category":
            lines.append(f"{plural}: [{', '.join(quoted(v) for v in values)}]")
    if url:
        lines.append(f"url: {quoted(url)}")
    lines += [f"created: {today.isoformat()}", f"date: {today.isoformat()}", "---", "", BODY]
    return "\n".join(lines)


NEVER_OVERWRITES = "kzkb new never overwrites: choose another --slug"


def write_new(target: Path, text: str, root: Path) -> None:
    """Write a new file atomically inside the KB folder `root`; an existing
    one is never replaced, even one another process creates meanwhile."""

    if target.exists() or target.is_symlink():
        raise KzkbError(f"{target} exists", NEVER_OVERWRITES)
    _inside(root, target.parent)
    target.parent.mkdir(parents=True, exist_ok=True)
    with naming(target), atomic_path(target, force=False, exists_hint=NEVER_OVERWRITES) as temp:
        Path(temp).write_text(text, encoding="utf-8")


def _inside(root: Path, folder: Path) -> None:
    """Refuse a folder that a symbolic link takes out of the KB: the record
    would land elsewhere, where no command of this KB would see it."""
    real_root = root.resolve()
    real = folder.resolve()  # through every link on the way, dangling ones too
    if real != real_root and real_root not in real.parents:
        raise KzkbError(
            f"{folder} leads out of the KB through a symbolic link (to {real});"
            " kzkb new writes only inside the KB",
            "replace the link with a folder, or move the folder into the KB",
        )


def read_back(
    config: Config,
    rel: str,
    *,
    kind: str,
    lang: str,
    title: str,
    description: str,
    terms: dict[str, list[str]],
    url: str,
) -> None:
    """Read the record just written at `rel` as every command will (the
    scan's file rules, then the loader) and compare it with what was asked
    for. A difference is a bug in kzkb new: the file is removed, and the
    RuntimeError raised is an internal error (exit 70)."""
    from kzkb.listing.scan import scan
    from kzkb.model import Record
    from kzkb.parse.record import load_file

    target = config.content_dir / rel
    result = load_file(target, rel, config) if target.name in scan(target.parent) else None
    wrong: list[str] = []
    if not isinstance(result, Record):
        wrong.append(f"the loader skips it: {result}" if result else "no command lists it")
    else:
        got = {
            "title": result.title,
            "description": result.description,
            "kind": result.kind,
            "lang": result.lang,
            "url": result.fields.get("url", ""),
            **{name: result.term_labels.get(name, []) for name in terms},
        }
        wanted = {
            "title": title,
            "description": description,
            "kind": kind,
            "lang": lang,
            "url": url,
            **terms,
        }
        wrong = [
            f"{key} {got[key]!r}, not {value!r}"
            for key, value in wanted.items()
            if got[key] != value
        ]
    if wrong:
        target.unlink(missing_ok=True)
        raise RuntimeError(
            f"kzkb new wrote {rel} but it does not read back as given ({'; '.join(wrong)});"
            " the file is removed. Please report this bug"
        )
