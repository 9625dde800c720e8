"""The change scan's shortcuts list what the plain scan listed: the listing
a folder at a time (kzkb.listing.scan), stat'ed in two processes from
PARALLEL_SCAN_FROM files on, and the forked prescan marshalling the listing
once for its fingerprint and its frame, give the same paths, entries, order
and fingerprint as the scan they replaced (`_plain_scan` below, the code as
it was). The fingerprint is compared, not only the listing: an index keeps
the fingerprint of its last refresh, and one computed otherwise would send
the next refresh through a file-by-file comparison; for that reason too a
scan and the watcher must give one listing one fingerprint."""

from __future__ import annotations

import contextlib
import marshal
import os
import stat
import sys
from pathlib import Path

import pytest

from kzkb.files import CONTENT_SUFFIXES
from kzkb.listing import prescan, scan
from kzkb.listing.protocol import read_frame
from kzkb.listing.scan import fingerprint, name_key, stat_key


def _plain_scan(root: Path, symlinks: list[str] | None = None) -> dict[str, scan.Entry]:
    """The scan before its shortcuts, one process, one Python step per file."""
    root_str = str(root)
    folders: list[str] = []
    prefixes: list[str] = []
    items: list[tuple[int, str]] = []
    linked: list[tuple[str, str]] = []
    escaped: dict[int, str] = {}
    stack = [(root_str, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            listing = os.scandir(folder)
        except OSError:
            continue
        number = len(folders)
        folders.append(folder)
        prefixes.append(prefix)
        with listing:
            for entry in listing:
                name = entry.name
                if name[0] == ".":
                    continue
                key = name if name.isprintable() else name_key(name)
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append((entry.path, f"{prefix}{key}/"))
                    elif name.lower().endswith(CONTENT_SUFFIXES):
                        if entry.is_symlink():
                            if key == name:
                                linked.append((entry.path, prefix + name))
                        else:
                            if key != name:
                                escaped[len(items)] = key
                            items.append((number, name))
                except OSError:
                    continue
    stats: list[scan.Entry | None] = []
    for number, name in items:
        try:
            st = os.lstat(os.path.join(folders[number], name))
        except OSError:
            stats.append(None)
            continue
        stats.append(stat_key(st) if stat.S_ISREG(st.st_mode) else None)
    out = {
        prefixes[number] + name: st
        for (number, name), st in zip(items, stats, strict=True)
        if st is not None
    }
    for i, key in escaped.items():
        number, name = items[i]
        st = out.pop(prefixes[number] + name, None)
        if st is not None:
            out.setdefault(prefixes[number] + key, st)
    root_real = os.path.realpath(root_str)
    for full, rel in linked:
        if symlinks is not None:
            symlinks.append(rel)
        real = os.path.realpath(full)
        if real.startswith(root_real + os.sep) and os.path.isfile(real):
            with contextlib.suppress(OSError):
                out[rel] = stat_key(os.stat(real))
    return out


def _tree(root: Path) -> Path:
    """A KB folder with every kind of entry the scan tells apart, and enough
    files in several folders that the two processes' halves split a folder."""
    kb = root / "kb"
    for i in range(7):
        folder = kb / f"part{i}" / ("deep" if i % 2 else "")
        folder.mkdir(parents=True, exist_ok=True)
        for j in range(40 + 11 * i):
            (folder / f"r{j:03}.md").write_text(f"---\ntitle: {i} {j}\n---\n" + "x" * j, "utf-8")
    odd = kb / "odd"
    odd.mkdir()
    for name in ("UPPER.MD", "Mixed.Markdown", "page.htm", "home.html", "old.mdown", "a b.md"):
        (odd / name).write_text("---\ntitle: t\n---\n", "utf-8")
    (odd / "notes.txt").write_text("not content", "utf-8")
    (odd / "picture.png").write_bytes(b"\x89PNG")
    (odd / "folder.md").mkdir()  # a folder, listed into, not a file
    (odd / "folder.md" / "inner.md").write_text("---\ntitle: i\n---\n", "utf-8")
    (odd / ".hidden.md").write_text("---\ntitle: h\n---\n", "utf-8")
    (kb / ".git").mkdir()
    (kb / ".git" / "in-hidden.md").write_text("x", "utf-8")
    (kb / "empty").mkdir()
    # names listed escaped; a real file named as an escaped one wins
    (odd / "new\nline.md").write_text("---\ntitle: n\n---\n", "utf-8")
    (odd / "new\\x0aline.md").write_text("---\ntitle: real\n---\n", "utf-8")
    (odd / "tab\there.md").write_text("---\ntitle: t\n---\n", "utf-8")
    os.mkdir(os.fsencode(odd) + b"/caf\xe9 folder")
    Path(os.fsdecode(os.fsencode(odd) + b"/caf\xe9 folder/in.md")).write_text("x", "utf-8")
    Path(os.fsdecode(os.fsencode(odd) + b"/caf\xe9.md")).write_text("x", "utf-8")
    # links: to a file inside (followed), outside (not), broken, to a folder
    outside = root / "outside.md"
    outside.write_text("---\ntitle: o\n---\n", "utf-8")
    (odd / "inside-link.md").symlink_to(kb / "part0" / "r001.md")
    (odd / "outside-link.md").symlink_to(outside)
    (odd / "broken-link.md").symlink_to(odd / "nowhere.md")
    (odd / "folder-link").symlink_to(kb / "part1", target_is_directory=True)
    os.mkfifo(odd / "pipe.md")  # not a regular file: never listed (a read would block)
    return kb


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return _tree(tmp_path)


def _same(got: dict[str, scan.Entry], expected: dict[str, scan.Entry]) -> None:
    assert got == expected
    assert list(got) == list(expected)  # the order the fingerprint follows
    assert fingerprint(got) == fingerprint(expected)


def test_the_scan_lists_what_the_plain_scan_listed(tree: Path) -> None:
    links: list[str] = []
    expected = _plain_scan(tree, links)
    assert len(expected) > 300 and "odd/new\\x0aline.md" in expected
    assert "odd/inside-link.md" in expected and "odd/outside-link.md" not in expected
    symlinks: list[str] = []
    _same(scan.scan(tree, symlinks), expected)
    assert symlinks == links
    _same(scan.scan(tree), _plain_scan(tree))


def test_two_processes_list_what_one_does(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _plain_scan(tree)
    forks: list[int] = []
    fork = os.fork

    def counted() -> int:
        pid = fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counted)
    for parallel_from in (1, len(expected) // 3, len(expected) - 1):
        monkeypatch.setattr(scan, "PARALLEL_SCAN_FROM", parallel_from)
        _same(scan.scan(tree), expected)
    assert len(forks) == 3  # each scan stat'ed half of the files in a child


def test_a_child_that_dies_costs_only_its_half_done_here(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _plain_scan(tree)
    monkeypatch.setattr(scan, "PARALLEL_SCAN_FROM", 1)
    real = scan._stat_range

    def dies_in_the_child(*args: object) -> list[scan.Entry | None]:
        if os.getpid() != parent:
            os._exit(1)
        return real(*args)  # type: ignore[arg-type]

    parent = os.getpid()
    monkeypatch.setattr(scan, "_stat_range", dies_in_the_child)
    _same(scan.scan(tree), expected)


def test_a_file_gone_between_listing_and_stat_is_not_listed(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = scan._list

    def then_removed(root: str) -> object:
        out = listed(root)
        (tree / "part3" / "deep" / "r005.md").unlink()
        (tree / "odd" / "new\nline.md").unlink()
        return out

    monkeypatch.setattr(scan, "_list", then_removed)
    got = scan.scan(tree)
    monkeypatch.undo()
    _same(got, _plain_scan(tree))
    assert "part3/deep/r005.md" not in got
    assert "odd/new\\x0aline.md" in got  # the real file of that name


@pytest.mark.skipif(not hasattr(os, "fork"), reason="prescan forks")
def test_the_prescan_sends_the_fingerprint_and_listing_of_the_scan(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KZKB_WATCH", "off")
    expected = _plain_scan(tree)
    prescan.start(["index", "--kb", str(tree)])
    pending = prescan._pending
    prescan._pending = None
    assert isinstance(pending, prescan.Pending)
    try:
        header = pending.header()
        assert header is not None
        assert header.stamp == fingerprint(expected)
        assert header.count == len(expected)
        files = read_frame(pending.reader)
        _same(files, expected)
    finally:
        pending.close()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pending.pid, 0)


def test_the_fingerprint_does_not_depend_on_what_else_holds_the_listing(tree: Path) -> None:
    listing = scan.scan(tree)
    alone = fingerprint(listing)
    alone_bytes = marshal.dumps(listing)
    held = list(listing.items())  # another holder of every path and entry, as the watcher's log
    assert marshal.dumps(listing) != alone_bytes  # marshal marks shared objects: not a digest
    assert fingerprint(listing) == alone
    assert fingerprint(dict(held)) == alone
    assert fingerprint(marshal.loads(marshal.dumps(listing))) == alone


def test_the_fingerprint_tells_paths_entries_and_order_apart(tree: Path) -> None:
    listing = scan.scan(tree)
    paths, entries = list(listing), list(listing.values())
    seen = {fingerprint(listing)}
    for other in (
        dict(zip([*paths[1:], paths[0]], entries, strict=True)),  # paths shifted
        dict(zip(paths, [*entries[1:], entries[0]], strict=True)),  # entries shifted
        dict(reversed(listing.items())),  # the same, listed in another order
        {**listing, paths[0]: (*entries[0][:3], entries[0][3] + 1)},  # another inode
        {p: e for p, e in listing.items() if p != paths[-1]},  # one file fewer
        {(paths[0] + "\0" + paths[1]): entries[0], **dict(list(listing.items())[2:])},
    ):
        digest = fingerprint(other)
        assert digest not in seen
        seen.add(digest)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the watcher is Linux's")
def test_the_watcher_and_a_scan_give_one_listing_one_fingerprint(tree: Path) -> None:
    """A refresh stores the fingerprint of the listing it compared, from a
    scan or from the watcher: the next one, from the other, finds nothing
    to compare when nothing changed."""
    from kzkb.listing import daemon

    watch = daemon.Watch(str(tree))
    try:
        with watch.lock:
            watch.update()
        assert watch.files == scan.scan(tree)
        assert watch.stamp == fingerprint(scan.scan(tree))
        edited = tree / "part2" / "r007.md"
        edited.write_text("---\ntitle: edited, and longer\n---\n", "utf-8")
        with watch.lock:
            watch.update()
        assert watch.stamp == fingerprint(scan.scan(tree))
    finally:
        watch.inotify.close()


def test_the_stamped_scan_is_the_scan_and_its_fingerprint(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """scan_stamped (the prescan's) computes the fingerprint from the folders'
    names where nothing is escaped or followed, else from the listing: both
    ways, the fingerprint, count and listing of scan()."""
    plain = tree / "plain"
    for folder in ("part1", "part2", "part3"):
        (tree / folder).rename(plain / folder if plain.exists() else _made(plain) / folder)
    (plain / "top.md").write_text("---\ntitle: top\n---\n", "utf-8")
    for root in (plain, tree, tree / "empty"):  # names only; escapes and links; no file
        for parallel_from in (10**9, 1):
            monkeypatch.setattr(scan, "PARALLEL_SCAN_FROM", parallel_from)
            expected = _plain_scan(root)
            stamp, count, listing = scan.scan_stamped(root)
            assert (stamp, count) == (fingerprint(expected), len(expected)), root
            _same(listing(), expected)


def _made(folder: Path) -> Path:
    folder.mkdir()
    return folder
