"""--fix: the repairs of every file decided together (a term is spelled alike
across the KB), each written atomically, none over an edit made meanwhile."""

from __future__ import annotations

from kzkb.files import replace_unless_changed
from kzkb.lint.across import canonical_spellings
from kzkb.lint.edits import fixed_text, unescape
from kzkb.lint.findings import LintFinding
from kzkb.lint.gate import Gate
from kzkb.lint.options import LintOptions
from kzkb.lint.read import _escaped, _File, _parse, _read
from kzkb.model import KzkbError
from kzkb.settings.config import Config


def fix(
    config: Config,
    paths: list[str],
    options: LintOptions | None = None,
    *,
    write: bool = True,
    only: set[str] | None = None,
    refused: dict[str, KzkbError] | None = None,
) -> dict[str, tuple[str, str, list[str]]]:
    """Repair what is safe to repair; {path: (old text, new text, rules)} of
    every file that changes. With write, each is replaced atomically; a file
    kzkb may not replace (read-only, an owner it cannot keep) is left as it
    is, and why goes in `refused`.

    All `paths` decide how a term is spelled; only those in `only` (if
    given) are repaired."""
    options = options or LintOptions.from_config(config)
    texts: dict[str, str] = {}
    for rel in paths:
        read = _read(config, rel)
        if not isinstance(read, LintFinding):
            texts[rel] = read[1]
    changes = plan(config, texts, options, only)
    if write:
        for rel in list(changes):
            old, new, _ = changes[rel]
            try:
                written = replace_unless_changed(
                    config.content_dir / rel, old.encode("utf-8"), new.encode()
                )
            except KzkbError as err:
                written = False
                if refused is not None:
                    refused[rel] = err
            if not written:
                del changes[rel]
    return changes


def plan(
    config: Config,
    texts: dict[str, str],
    options: LintOptions,
    only: set[str] | None = None,
    parsed: dict[str, _File] | None = None,
) -> dict[str, tuple[str, str, list[str]]]:
    """The repairs of these files ({path: text}, every file of the KB, which
    decide how a term is spelled): {path: (old text, new text, rules)} of
    each that changes, of those in `only` (default: all). Nothing is written.
    `parsed`: the files as lint parsed them, if it has."""
    files: list[_File] = []
    for rel, text in texts.items():
        f = parsed[rel] if parsed is not None and rel in parsed else _parse(rel, text)[0]
        files.append(f)
        if not f.fmt and _escaped(f):
            unescaped = unescape(text)  # its terms count only if --fix can unescape it
            if unescaped is not None and Gate(rel, config).allows_unescaped(text, *unescaped):
                files[-1] = _parse(rel, unescaped[0])[0]
    canonical = canonical_spellings(files, config)
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
    return changes
