"""The pieces of check-links' history reading: git's log as kzkb parses it,
what became of each path, the message people read, and a place's other names.

The log texts are written out as `git log -z --name-status` prints them
(tests/cli/test_check_links_history.py runs the real git)."""

from __future__ import annotations

from kzkb.check.history import Commit, Event, _fates, parse_log
from kzkb.check.othernames import same_place, variants

HEAD = "\x02\0{h}\0{s}\0{d}\0{subject}\0"


def log(*commits: tuple[str, str, list[str]]) -> str:
    """A log as git prints it: each commit's header, a line break, its files."""
    out = ""
    for hash_, subject, files in commits:
        out += HEAD.format(h=hash_ * 40, s=hash_ * 7, d="2024-01-02", subject=subject)
        out += "\n" + "".join(f + "\0" for f in files)
    return out


def test_a_log_is_read_commit_by_commit_with_renames_and_deletions() -> None:
    text = log(
        ("b", "Second", ["D", "a/x.md", "A", "a/y.md"]),
        ("a", "First", ["R087", "old/p.md", "new/p.md", "A", "a/x.md"]),
    )
    commits = parse_log(text)
    assert [c.subject for c, _ in commits] == ["Second", "First"]
    assert commits[0][1] == [("D", "a/x.md"), ("A", "a/y.md")]
    assert commits[1][1] == [("R", "old/p.md", "new/p.md"), ("A", "a/x.md")]
    assert commits[1][0] == Commit("a" * 40, "a" * 7, "2024-01-02", "First")


def test_a_subject_is_read_whole_whatever_it_holds() -> None:
    hostile = "\x02 D \x1b[2J [bold]x[/] R100"
    commits = parse_log(log(("c", hostile, ["A", "p.md"])))
    assert commits == [(Commit("c" * 40, "c" * 7, "2024-01-02", hostile), [("A", "p.md")])]


def test_a_log_cut_by_the_time_limit_loses_its_last_commit() -> None:
    text = log(("b", "Second", ["D", "x.md"]), ("a", "First", ["R100", "p.md"]))
    text = text[: text.rindex("p.md") + 4]  # git stopped mid-commit
    assert [c.subject for c, _ in parse_log(text, cut=True)] == ["Second"]
    assert [c.subject for c, _ in parse_log(log(("b", "Second", ["D", "x.md"])))] == ["Second"]


def commit(name: str) -> Commit:
    return Commit(name * 40, name * 7, "2024-01-02", name)


def test_fates_follow_history_oldest_first() -> None:
    newest_first = [
        (commit("d"), [("A", "a.md")]),  # added again: no fate
        (commit("c"), [("D", "a.md"), ("D", "g/x.md"), ("A", "h/x.md"), ("A", "h/new.md")]),
        (commit("b"), [("R", "b.md", "b2.md")]),
        (commit("a"), [("A", "a.md"), ("A", "b.md"), ("A", "g/x.md")]),
    ]
    fates = _fates(newest_first)
    assert set(fates) == {"b.md", "g/x.md"}
    assert (fates["b.md"].kind, fates["b.md"].to, fates["b.md"].commit.subject) == (
        "renamed",
        "b2.md",
        "b",
    )
    # deleted and one of the same name added elsewhere in that commit: a move
    assert (fates["g/x.md"].kind, fates["g/x.md"].to) == ("renamed", "h/x.md")


def test_a_deletion_keeps_what_its_commit_added() -> None:
    fates = _fates([(commit("c"), [("D", "old.md"), ("A", "new.md")])])
    assert fates["old.md"].kind == "deleted" and fates["old.md"].added == ["new.md"]


def test_the_messages_people_read() -> None:
    c = Commit("f" * 40, "fffffff", "2024-03-01", 'Say "hi"')
    renamed = Event("renamed", "/a/", "a.md", c, "b.md", "/b/")
    assert renamed.message() == (
        'renamed to /b/ in fffffff (2024-03-01, "Say "hi""); add aliases: [/a/] there'
        " or update the link"
    )
    assert renamed.message(ref_path=True) == (
        'renamed to b.md in fffffff (2024-03-01, "Say "hi""); update the link'
    )
    assert renamed.sure
    deleted = Event("deleted", "/a/", "a.md", c, successor="/z/")
    assert deleted.message() == "deleted in fffffff (2024-03-01); likely successor /z/"
    assert not deleted.sure
    assert Event("deleted", "/a/", "a.md", c).message() == "deleted in fffffff (2024-03-01)"
    gone = Event("renamed", "/a/", "a.md", c, "b.md", "/b/", gone=Commit("e" * 40, "eee", "d", ""))
    assert gone.message().endswith(", which was deleted in eee (d)") and not gone.sure


def test_other_names_of_a_place_in_a_url_segment() -> None:
    assert same_place("alma-ata-centre", "almaty-centre")
    assert same_place("nur-sultan-hotline", "astana-hotline")
    assert same_place("tselinograd", "astana")
    assert not same_place("almaty-centre", "bishkek-centre")
    assert not same_place("almaty-centre", "almaty-centre")
    assert ("almaty-centre", "Alma-Ata", "Almaty") in variants("alma-ata-centre")
