"""Why a page is gone: the KB's git history read once a run, as old URL -> event.

A broken link is often no typo: the page was renamed, its section renamed, or
it was deleted when a successor was added. When the KB is in a git work tree,
`git log` (bounded by a commit count and a time limit, only paths in the
content folder) lists the renames, deletions and additions; `git cat-file`
reads each vanished file as it last was, whose front matter (slug, url,
aliases) gives the URLs Hugo served it at, by kzkb's own path -> URL rules.
Git is run three times a run however many links are broken, and only when
some are. Without git, outside a work tree, or on any git error: nothing.

Commit subjects are whatever a committer wrote: they are data, shown through
the views like record text.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kzkb.hugo.paths import locate, record_url
from kzkb.model import Record
from kzkb.urls import normalize_url

if TYPE_CHECKING:
    from kzkb.kb import KnowledgeBase
    from kzkb.settings.config import Config

# Bounds on a long history: the newest commits that touched the content
# folder, the seconds git may take to list them (what it listed by then is
# used), and the old files read back. git diffs each commit's trees: with
# 18,000 records in one folder it lists about 450 commits a second on a
# shared 2-core machine, so 5 s reads the last 2,000 or so.
MAX_COMMITS = 5000
TIMEOUT = 5.0
MAX_BLOBS = 5000
_MARK = "\x02"  # starts a commit's header among git's NUL-separated fields


@dataclass(frozen=True, slots=True)
class Commit:
    hash: str
    short: str
    date: str  # the author's date, YYYY-MM-DD
    subject: str  # untrusted: whatever the committer wrote

    def as_dict(self) -> dict[str, str]:
        return {
            "commit": self.hash,
            "short": self.short,
            "date": self.date,
            "subject": self.subject,
        }


@dataclass(slots=True)
class Event:
    """What became of one old URL."""

    kind: str  # renamed | deleted | section
    old_url: str
    old_path: str  # the file (for a section, the folder) it was
    commit: Commit
    new_path: str = ""  # renamed: the file (folder) it is now
    new_url: str = ""  # renamed: where that file is served now
    gone: Commit | None = None  # renamed, then the new file deleted
    successor: str = ""  # deleted: the URL of a similar page the same commit added

    @property
    def sure(self) -> bool:
        """Whether --fix may act on it: a rename to a page that is there now."""
        return self.kind in ("renamed", "section") and bool(self.new_url) and self.gone is None

    def message(self, ref_path: bool = False) -> str:
        """One line for people; `ref_path`: the link names a content path
        (a .md link, a ref), which an alias cannot repair."""
        c = self.commit
        when = f'{c.short} ({c.date}, "{c.subject}")'
        if self.kind == "deleted":
            text = f"deleted in {c.short} ({c.date})"
            return text + (f"; likely successor {self.successor}" if self.successor else "")
        what = "section renamed" if self.kind == "section" else "renamed"
        to = self.new_path if ref_path else (self.new_url or self.new_path)
        text = f"{what} to {to} in {when}"
        if self.gone is not None:
            return text + f", which was deleted in {self.gone.short} ({self.gone.date})"
        if ref_path or self.kind == "section":
            return text + "; update the link"
        return text + f"; add aliases: [{self.old_url}] there or update the link"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"event": self.kind, "old_url": self.old_url}
        out["old_path"] = self.old_path
        out.update(self.commit.as_dict())
        if self.kind != "deleted":
            out["new_path"] = self.new_path
            out["new_url"] = self.new_url
            if self.gone is not None:
                out["deleted"] = self.gone.as_dict()
        else:
            out["successor"] = self.successor
        return out


@dataclass
class _Fate:
    """The last thing that happened to a path, in history order."""

    kind: str  # renamed | deleted
    commit: Commit
    to: str = ""  # renamed: the new path
    added: list[str] = field(default_factory=list)  # deleted: what the same commit added


class History:
    """Old URLs, old content paths and old section folders -> their events."""

    def __init__(self) -> None:
        self.urls: dict[str, Event] = {}
        self.paths: dict[str, Event] = {}  # content path -> event, for .md links and refs
        self.commits = 0  # read from git

    def for_key(self, key: str) -> Event | None:
        """The event of a link's key (kzkb.hugo.links.link_key): a URL,
        path:<content path> or ref:<path as written>."""
        if key.startswith("path:"):
            return self.paths.get(key[len("path:") :])
        if key.startswith("ref:"):
            return self.for_ref(key[len("ref:") :])
        return self.urls.get(key)

    def for_ref(self, wanted: str) -> Event | None:
        from kzkb.check.resolve import logical

        name = logical(wanted.lstrip("/"))
        for path, event in self.paths.items():
            if logical(path) == name or logical(posixpath.basename(path)) == name:
                return event
        return None


def read_history(kb: KnowledgeBase) -> History | None:
    """The KB's history, or None when it is in no git work tree (or git is
    missing, or fails)."""
    config = kb.config
    content = str(config.content_dir)
    head = _git(["rev-parse", "--show-prefix"], content)
    if head is None:
        return None
    prefix = head.decode("utf-8", "surrogateescape").strip()
    raw, cut = _run(
        [
            "log", "-z", "-M", "--relative", "--name-status", "--diff-filter=ADR",
            f"--max-count={MAX_COMMITS}", "--date=short",
            f"--format={_MARK}%x00%H%x00%h%x00%ad%x00%s", "--", ".",
        ],
        content,
    )  # fmt: skip
    if raw is None:
        return None
    commits = parse_log(raw.decode("utf-8", "surrogateescape"), cut)
    history = History()
    history.commits = len(commits)
    fates = _fates(commits)
    if not fates:
        # nothing renamed or deleted (a folder git ignores has no commit at
        # all): no old URL to explain, and no need of every record's URL,
        # which costs more than git itself at 100,000 records
        return history
    existing = kb.index.records.record_ids()
    gone = {p: f for p, f in fates.items() if p not in existing}
    # the files as they last were: the parent of the commit that removed them
    wanted = [(f"{f.commit.hash}^:{prefix}{p}", p) for p, f in gone.items()]
    wanted += [
        (f"{f.commit.hash}:{prefix}{a}", a)
        for f in gone.values()
        if f.kind == "deleted"
        for a in f.added
        if a not in existing
    ]
    old = _read_blobs(content, wanted[:MAX_BLOBS], config)
    now = {p: ref.url for p, ref in existing.items()}
    for path, fate in gone.items():
        urls = _urls_of(path, old.get(path), config)
        if urls is None:
            continue
        event = _event(path, fate, fates, now, old, config)
        event.old_url = urls[0]
        history.paths[path] = event
        for url in urls:
            history.urls[url] = _copy(event, url)
    for url, event in _sections(fates, commits, config, now).items():
        history.urls.setdefault(url, event)
    return history


def _copy(event: Event, url: str) -> Event:
    return Event(
        event.kind, url, event.old_path, event.commit, event.new_path, event.new_url,
        event.gone, event.successor,
    )  # fmt: skip


def parse_log(text: str, cut: bool = False) -> list[tuple[Commit, list[tuple[str, ...]]]]:
    """`git log -z --name-status` output -> [(commit, [(status, path[, new path])])],
    newest first. `cut`: git was stopped by the time limit, so its last commit
    may lack files and is left out."""
    fields = [f.lstrip("\n") for f in text.split("\0")]
    commits: list[tuple[Commit, list[tuple[str, ...]]]] = []
    i = 0
    while i < len(fields):
        if fields[i] != _MARK or i + 4 >= len(fields):
            i += 1
            continue
        commit = Commit(*fields[i + 1 : i + 5])
        i += 5
        changes: list[tuple[str, ...]] = []
        while i < len(fields) and fields[i] != _MARK:
            status = fields[i]
            width = 3 if status[:1] in ("R", "C") else 2
            if status[:1] in ("A", "D", "R") and i + width <= len(fields):
                changes.append((status[0], *fields[i + 1 : i + width]))
                i += width
            else:
                i += 1
        commits.append((commit, changes))
    if cut and commits:
        commits.pop()
    return commits


def _fates(commits: list[tuple[Commit, list[tuple[str, ...]]]]) -> dict[str, _Fate]:
    """Each path's last rename or deletion, oldest commit first; a path added
    again later has none."""
    fates: dict[str, _Fate] = {}
    for commit, changes in reversed(commits):
        added = [c[1] for c in changes if c[0] == "A"]
        deleted = [c[1] for c in changes if c[0] == "D"]
        pairs = [(c[1], c[2]) for c in changes if c[0] == "R"]
        # a file deleted and one of the same name added elsewhere: a move git
        # did not pair (the text changed too much)
        for old in list(deleted):
            same = [a for a in added if posixpath.basename(a) == posixpath.basename(old)]
            if len(same) == 1:
                pairs.append((old, same[0]))
                deleted.remove(old)
                added.remove(same[0])
        for old, new in pairs:
            fates[old] = _Fate("renamed", commit, to=new)
            fates.pop(new, None)
        for path in added:
            fates.pop(path, None)
        for path in deleted:
            fates[path] = _Fate("deleted", commit, added=added)
    return fates


def _event(
    path: str,
    fate: _Fate,
    fates: dict[str, _Fate],
    now: dict[str, str],
    old: dict[str, Record | None],
    config: Config,
) -> Event:
    if fate.kind == "deleted":
        event = Event("deleted", "", path, fate.commit)
        event.successor = _successor(path, fate.added, old, fates, now, config)
        return event
    # follow the renames to where the file is now (or was last)
    current, seen = fate.to, {path}
    gone: Commit | None = None
    while current not in now and current in fates and current not in seen:
        seen.add(current)
        later = fates[current]
        if later.kind == "deleted":
            gone = later.commit
            break
        current = later.to
    event = Event("renamed", "", path, fate.commit, new_path=current, gone=gone)
    if gone is None:
        event.new_url = now.get(current, "")
    else:
        event.new_url = (_urls_of(current, old.get(current), config) or [""])[0]
    return event


def _successor(
    path: str,
    added: list[str],
    old: dict[str, Record | None],
    fates: dict[str, _Fate],
    now: dict[str, str],
    config: Config,
) -> str:
    """The URL now of the page added with the deletion that is most like the
    deleted one, by file name, title or a place's other name; "" if none is."""
    if not added:
        return ""
    from rapidfuzz import fuzz

    from kzkb.check.othernames import same_place

    def stem(p: str) -> str:
        return locate(p, config)[0][-1].lower() if locate(p, config)[1] else ""

    gone = old.get(path)
    best, score = "", 0.0
    for new in added:
        record = old.get(new)
        points = fuzz.ratio(stem(path), stem(new))
        if gone is not None and record is not None:
            points = max(points, fuzz.ratio(gone.title.casefold(), record.title.casefold()))
        if same_place(stem(path), stem(new)):
            points = max(points, 90.0)
        if points > score:
            best, score = new, points
    if score < 60:
        return ""
    # the successor may have moved on since
    current, seen = best, set()
    while current not in now and current in fates and current not in seen:
        seen.add(current)
        if fates[current].kind != "renamed":
            return ""
        current = fates[current].to
    return now.get(current, "")


def _urls_of(path: str, record: Record | None, config: Config) -> list[str] | None:
    """The URLs Hugo served a file at: its page and its aliases; for a file
    unread (too many, or no record), the page its path gives. None: a file
    that is no page (an image)."""
    if record is not None:
        return [normalize_url(record.url), *(normalize_url(a) for a in record.aliases)]
    from kzkb.files import CONTENT_SUFFIXES

    if not path.lower().endswith(tuple(CONTENT_SUFFIXES)):
        return None
    segments, lang = locate(path, config)
    if lang is None:
        return None
    return [normalize_url(record_url(config, segments, lang, {}, segments[-1]))]


def _sections(
    fates: dict[str, _Fate],
    commits: list[tuple[Commit, list[tuple[str, ...]]]],
    config: Config,
    now: dict[str, str],
) -> dict[str, Event]:
    """Old section URLs -> their renames: a folder whose files moved, each
    under the same name, into another folder that still has records."""
    folders: dict[str, tuple[str, Commit]] = {}
    for path, fate in fates.items():
        if fate.kind != "renamed" or posixpath.basename(path) != posixpath.basename(fate.to):
            continue
        old_parts, new_parts = path.split("/")[:-1], fate.to.split("/")[:-1]
        while old_parts and new_parts and old_parts[-1] == new_parts[-1]:
            pair = ("/".join(old_parts), "/".join(new_parts))
            folders.setdefault(pair[0], (pair[1], fate.commit))
            old_parts, new_parts = old_parts[:-1], new_parts[:-1]
        if old_parts and new_parts:
            folders.setdefault("/".join(old_parts), ("/".join(new_parts), fate.commit))
    if not folders:
        return {}
    live = {posixpath.dirname(p) for p in now}
    live |= {d for p in live for d in _parents(p)}
    out: dict[str, Event] = {}
    for old, (new, commit) in folders.items():
        if old in live or new not in live:
            continue
        urls = [_section_url(folder, config) for folder in (old, new)]
        if urls[0] and urls[1]:
            out[urls[0]] = Event("section", urls[0], old, commit, new, urls[1])
    return out


def _parents(folder: str) -> list[str]:
    parts = folder.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _section_url(folder: str, config: Config) -> str:
    segments, lang = locate(f"{folder}/_index.md", config)
    if lang is None or segments == ["_index"]:
        return ""
    return normalize_url(record_url(config, segments, lang, {}, segments[-2]))


def _read_blobs(
    cwd: str, wanted: list[tuple[str, str]], config: Config
) -> dict[str, Record | None]:
    """{content path: the record its old text made (None: no record)}, read
    by one `git cat-file --batch`."""
    from kzkb.parse.record import load_bytes

    wanted = [(spec, path) for spec, path in wanted if "\n" not in spec]
    if not wanted:
        return {}
    raw = _git(["cat-file", "--batch"], cwd, "".join(s + "\n" for s, _ in wanted).encode())
    out: dict[str, Record | None] = {}
    if raw is None:
        return out
    at = 0
    limit = config.index.max_file_size
    for _, path in wanted:
        end = raw.find(b"\n", at)
        if end < 0:
            break
        header = raw[at:end].split()
        at = end + 1
        if len(header) != 3 or header[1] != b"blob":
            continue  # missing, or not a file
        size = int(header[2])
        data = raw[at : at + size]
        at += size + 1
        if size > limit:
            out.setdefault(path, None)
            continue
        loaded = load_bytes(data, path, config)
        out[path] = loaded if isinstance(loaded, Record) else None
    return out


def _git(args: list[str], cwd: str, stdin: bytes | None = None) -> bytes | None:
    """git's output, or None if it cannot be had (no git, no work tree, an
    error, TIMEOUT passed)."""
    out, cut = _run(args, cwd, stdin)
    return None if cut else out


def _run(args: list[str], cwd: str, stdin: bytes | None = None) -> tuple[bytes | None, bool]:
    """(git's output, whether TIMEOUT cut it short): what it wrote by then
    is kept; None when it cannot be had (no git, no work tree, an error)."""
    exe = shutil.which("git")
    if exe is None:
        return None, False
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(
            [exe, "-C", cwd, "-c", "core.quotepath=off", "-c", "log.showSignature=false", *args],
            input=stdin,
            capture_output=True,
            timeout=TIMEOUT,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as timed_out:
        return timed_out.stdout or b"", True
    except OSError:
        return None, False
    return (done.stdout if done.returncode == 0 else None), False
