"""check-links --fix: the repairs history makes sure of, and only those.

A link to a page git says was renamed (and whose file is there now) is
rewritten to the page's URL now, in the link's own form (kzkb.move.rewrite);
with --fix=alias the old URL is added to the renamed record's aliases
instead (kzkb.move.alias), which repairs every link to it, on the web too.
Typo guesses, deletions and other names are left to people.

Each file is written atomically, only when its new text reads back as
meant (the front matter as it was, every link as it was but the ones
repaired), and never over an edit made since it was read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from kzkb.check.explain import NO_REF, key_of
from kzkb.files import replace_unless_changed
from kzkb.model import KzkbError

if TYPE_CHECKING:
    from kzkb.check.report import LinkFinding
    from kzkb.kb import KnowledgeBase

LINK, ALIAS = "link", "alias"


class Editors(NamedTuple):
    """kzkb.move's editors, handed in by the command: move sits above check
    in the layers (it resolves links with check.resolve), so check may not
    import it. The cli builds this from kzkb.move.rewrite and kzkb.move.alias."""

    respell: Callable[..., str]
    target_spots: Callable[..., list[tuple[int, int]]]
    rewrite_targets: Callable[..., str]
    target_edit: Callable[..., Any]  # TargetEdit(line, column, old, new)
    add_alias: Callable[..., str]


@dataclass
class Repairs:
    """What --fix changes: {content path: (old text, new text, [what])}."""

    changes: dict[str, tuple[str, str, list[str]]] = field(default_factory=dict)
    counts: dict[str, list[int]] = field(default_factory=dict)  # path -> [links, aliases]
    refused: dict[str, str] = field(default_factory=dict)  # path -> why not

    @property
    def links(self) -> int:
        """Links rewritten."""
        return sum(self.counts[p][0] for p in self.changes)

    @property
    def aliases(self) -> int:
        """Aliases added."""
        return sum(self.counts[p][1] for p in self.changes)

    def summary(self, written: bool) -> str:
        def n(count: int, word: str) -> str:
            return f"{count} {word}" + ("" if count == 1 else "es" if word.endswith("s") else "s")

        verb = ("rewrote", "added") if written else ("would rewrite", "would add")
        linked = {p for p, c in self.changes.items() if LINK in c[2]}
        aliased = {p for p, c in self.changes.items() if ALIAS in c[2]}
        parts = []
        if self.links:
            parts.append(f"{verb[0]} {n(self.links, 'link')} in {n(len(linked), 'file')}")
        if self.aliases:
            parts.append(f"{verb[1]} {n(self.aliases, 'alias')} to {n(len(aliased), 'record')}")
        if not parts:
            parts.append("no link to repair: no broken link is to a page history says was renamed")
        if self.refused:
            parts.append(f"{n(len(self.refused), 'file')} left as it was")
        return "; ".join(parts)


def plan(
    kb: KnowledgeBase, findings: list[LinkFinding], editors: Editors, mode: str = LINK
) -> Repairs:
    """The repairs of the findings history is sure of; nothing is written."""
    from kzkb.hugo.links import own_site
    from kzkb.model import Link

    repairs = Repairs()
    pages = {p: ref.url for p, ref in kb.index.records.record_ids().items()}
    own = own_site(kb.config.base_url)
    edits: dict[str, list[tuple[Link, str]]] = defaultdict(list)  # path -> [(link, new target)]
    aliases: dict[str, list[str]] = defaultdict(list)
    for f in findings:
        event = (f.explained or {}).get("history")
        if not event or not event.get("fixable"):
            continue
        key = key_of(kb, f, pages.get(f.file, "/")) or ""
        by_path = key.startswith(("path:", "ref:"))
        if mode == ALIAS and not by_path:  # a content path has no alias: rewritten
            if event["old_url"] not in aliases[event["new_path"]]:
                aliases[event["new_path"]].append(event["old_url"])
            continue
        try:
            new = editors.respell(
                f.target,
                event["new_url"],
                base_url=pages.get(f.file, "/"),
                own=own,
                new_path=event["new_path"],
                base_path=f.file,
                kind="ref" if f.reason == NO_REF else "link",
            )  # fmt: skip
        except ValueError:
            continue
        kind = "ref" if f.reason == NO_REF else "link"
        edits[f.file].append((Link(f.target, f.text, f.line, f.column, kind), new))
    for rel, wanted in sorted(edits.items()):
        _plan_edits(kb, rel, wanted, repairs, editors)
    for rel, olds in sorted(aliases.items()):
        _plan_aliases(kb, rel, olds, repairs, editors)
    return repairs


def _read(kb: KnowledgeBase, rel: str, repairs: Repairs) -> str | None:
    try:
        return (kb.config.content_dir / rel).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        repairs.refused[rel] = f"cannot read it: {err}"
        return None


def _plan_edits(
    kb: KnowledgeBase, rel: str, wanted: list[Any], repairs: Repairs, editors: Editors
) -> None:
    """The file's links rewritten, each where it is written: in place, or a
    reference link at its definition (move.rewrite.target_spots)."""
    old = _read(kb, rel, repairs)
    if old is None:
        return
    edits = []
    for link, new in wanted:
        spots = editors.target_spots(old, link)
        if not spots:
            repairs.refused[rel] = (
                f"{link.line}:{link.column}: {link.target} is not written there as it reads "
                "(changed since it was read, or written with an escape): edit it by hand"
            )
            return
        edits += [editors.target_edit(line, col, link.target, new) for line, col in spots]
    try:
        text = editors.rewrite_targets(old, edits)
    except KzkbError as err:
        repairs.refused[rel] = str(err)
        return
    if not reads_as_meant(kb, rel, old, text, wanted):
        repairs.refused[rel] = "the repaired text would not read back as meant"
        return
    repairs.changes[rel] = (old, text, [LINK])
    repairs.counts[rel] = [len(wanted), 0]


def _plan_aliases(
    kb: KnowledgeBase, rel: str, olds: list[str], repairs: Repairs, editors: Editors
) -> None:
    previous = repairs.changes.get(rel)
    old = previous[0] if previous else _read(kb, rel, repairs)
    if old is None:
        return
    text = previous[1] if previous else old
    new = text
    try:
        for alias in olds:
            new = editors.add_alias(new, alias, config=kb.config, rel=rel)
    except KzkbError as err:
        repairs.refused[rel] = str(err)
        return
    if new != text:
        repairs.changes[rel] = (old, new, [*(previous[2] if previous else []), ALIAS])
        repairs.counts.setdefault(rel, [0, 0])[1] = len(olds)


def reads_as_meant(kb: KnowledgeBase, rel: str, old: str, new: str, wanted: list[Any]) -> bool:
    """Whether `new` is still the same record, its front matter as it was, and
    its links those of `old` with only the wanted ones ([(link, new target)])
    changed."""
    from kzkb.model import Record
    from kzkb.parse.record import build_record
    from kzkb.parse.source import as_loaded

    before = build_record(rel, as_loaded(old), kb.config)
    after = build_record(rel, as_loaded(new), kb.config)
    if not isinstance(before, Record) or not isinstance(after, Record):
        return False
    # repr tells True from 1 and "1" from 1, as lint's gate does
    if repr(before.fields) != repr(after.fields) or before.url != after.url:
        return False
    changed = {(link.line, link.column): target for link, target in wanted}
    expected = sorted(
        (link.line, changed.get((link.line, link.column), link.target)) for link in before.links
    )
    got = sorted((link.line, link.target) for link in after.links)
    return got == expected


def write(kb: KnowledgeBase, repairs: Repairs) -> None:
    """Each change written atomically, unless its file changed meanwhile
    (then left, and said so in `repairs.refused`)."""
    for rel, (old, new, _) in list(repairs.changes.items()):
        target = kb.config.content_dir / rel
        try:
            written = replace_unless_changed(target, old.encode("utf-8"), new.encode("utf-8"))
        except KzkbError as err:
            repairs.refused[rel] = str(err)
            written = False
        if not written:
            repairs.refused.setdefault(rel, "it changed while --fix ran: run it again")
            del repairs.changes[rel]
