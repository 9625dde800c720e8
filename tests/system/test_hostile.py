"""Bad, big and hostile files (issue 7): each one is reported and skipped, or
indexed correctly, while the rest of the KB is served — never a traceback,
never a hang, never memory without bound.

The end-to-end tests run the installed `kzkb` on a KB holding every kind of
hostile file at once (a hang there fails the test at the CLI fixture's
timeout instead of stopping the suite); the tests below them pin each case's
line and reason, through the loader and the index.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from kzkb.listing import daemon
from kzkb.listing.scan import name_key, scan
from kzkb.model import Record, Skipped
from kzkb.parse.markdown import scan_markdown
from kzkb.parse.record import INTERNAL, load_bytes, load_kb
from kzkb.parse.source import read_source
from kzkb.safe_yaml import ALIAS_BUDGET, MAX_DEPTH, TOO_DEEP
from kzkb.settings.config import Config, load_config
from kzkb.settings.sections import IndexSettings
from kzkb.store.codec import record_from_json, record_to_json
from kzkb.store.index import Index
from tests.helpers import write_kb

Cli = Callable[..., subprocess.CompletedProcess[str]]

GOOD = {
    "sources/sources/feminita.md": (
        "---\ntitle: Feminita\ncategory: [local-ngo]\n---\n\n"
        "Feminita is a queer feminist initiative in Almaty.\n"
    ),
    "sources/sources/kazfem.md": (
        "+++\ntitle = 'KazFem'\n+++\n\nKazFem is a grassroots feminist organisation.\n"
    ),
    "guides/kazakhstan.md": (
        '{\n"title": "Kazakhstan"\n}\n\nStart with [Feminita](/sources/sources/feminita/).\n'
    ),
    # a folder named like a record is walked as a folder
    "notes.md/inner.md": "---\ntitle: Inner Zephyrine\n---\n\nIn a folder named notes.md.\n",
}


def billion_laughs(levels: int) -> str:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for n in range(1, levels):
        this, prev = chr(ord("a") + n), chr(ord("a") + n - 1)
        lines.append(f"{this}: &{this} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "---\n" + "\n".join(lines) + "\n---\n\nlol\n"


def block_nesting(depth: int) -> str:
    return "---\n" + "".join(" " * i + "k:\n" for i in range(depth)) + " " * depth + "k: v\n---\n"


# path -> (content, line, words the reason must hold)
HOSTILE: dict[str, tuple[bytes, int, str]] = {
    "latin1.md": (
        b"---\ntitle: caf\xe9\n---\n",
        2,
        "not UTF-8 (byte 0xe9): save the file as UTF-8",
    ),
    "nul.md": (b"---\ntitle: x\n---\n\nbo\x00dy\n", 5, "NUL byte"),
    "empty.md": (b"", 1, "empty file"),
    "blank.md": (b"  \n\n\t\n", 1, "empty file"),
    "bad-yaml.md": (b"---\ntitle: [unclosed\n---\n", 2, "invalid YAML front matter"),
    "bad-toml.md": (b"+++\ntitle = \n+++\n", 2, "invalid TOML front matter"),
    "bad-json.md": (b'{\n"title": \n}\n', 3, "invalid JSON front matter"),
    "unclosed.md": (b"---\ntitle: x\n", 1, "never closed"),
    "list.md": (b"---\n- a\n- b\n---\n", 2, "not a mapping"),
    "bomb.md": (billion_laughs(9).encode(), 6, "YAML aliases expand too far (alias bomb?)"),
    "cycle.md": (b"---\na: &a [x, *a]\n---\n", 2, "alias inside the value it names"),
    "deep-flow.yaml.md": (b"---\nx: " + b"[" * 5000 + b"]" * 5000 + b"\n---\n", 2, TOO_DEEP),
    "deep-block.yaml.md": (block_nesting(1500).encode(), 1001, TOO_DEEP),
    "deep.json.md": (b'{\n"x": ' + b"[" * 5000 + b"]" * 5000 + b"\n}\n", 1, TOO_DEEP),
    "deep.toml.md": (b"+++\nx = " + b"[" * 5000 + b"]" * 5000 + b"\n+++\n", 1, TOO_DEEP),
    "huge-int.md": (b"---\nx: " + b"7" * 5000 + b"\n---\n", 2, "more than 4300 digits"),
}


def write_hostile_kb(root: Path, outside: Path) -> None:
    write_kb(root, {**GOOD, **{rel: content for rel, (content, _, _) in HOSTILE.items()}},
             'title = "hostile"\n')  # fmt: skip
    links = " ".join(f"[l{i}](/gone/{i}/)" for i in range(10_000))
    (root / "links.md").write_text(f"---\ntitle: Ten thousand\n---\n\n{links}\n", "utf-8")
    # 25 MB of NUL bytes after a header, sparse: were it read, it would be
    # skipped for the NUL bytes, not for its size
    with (root / "big.md").open("wb") as handle:
        handle.write(b"---\ntitle: Big\n---\n")
        handle.truncate(25 * 2**20)
    (root / "new\nline.md").write_text("---\ntitle: Newline\n---\n", "utf-8")
    (root / os.fsdecode(b"bad\xffname.md")).write_text("---\ntitle: Badname\n---\n", "utf-8")
    os.mkfifo(root / "fifo.md")
    os.symlink("loop-b.md", root / "loop-a.md")
    os.symlink("loop-a.md", root / "loop-b.md")
    outside.mkdir()
    (outside / "secret.md").write_text("---\ntitle: Secret Quillfeather\n---\n", "utf-8")
    os.symlink(outside / "secret.md", root / "secret.md")
    os.symlink(outside, root / "outdir")
    os.symlink(outside, root / "outdir.md")
    os.symlink("sources/sources/feminita.md", root / "alias.md")  # inside: followed


EXPECTED_SKIPS = {
    **{rel: (line, words) for rel, (_, line, words) in HOSTILE.items()},
    "big.md": (1, "25.0 MB is more than the 10.0 MB a record may be"),
    "new\\x0aline.md": (1, "line break or a control character: rename the file"),
    "bad\\xffname.md": (1, "not UTF-8 (shown with \\x escapes): rename the file"),
}
GOOD_PATHS = sorted([*GOOD, "links.md", "alias.md"])


@pytest.fixture(scope="module")
def hostile_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("hostile")
    write_hostile_kb(base / "kb", base / "outside")
    return base / "kb"


def test_index_reports_every_hostile_file_and_serves_the_rest(
    hostile_kb: Path, cli: Cli, tmp_path: Path
) -> None:
    index = str(tmp_path / "i.sqlite")
    done = cli("index", "--kb", str(hostile_kb), "--index", index, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    skipped = {s["path"]: (s["line"], s["reason"]) for s in report["skipped"]}
    assert set(skipped) == set(EXPECTED_SKIPS)
    for path, (line, words) in EXPECTED_SKIPS.items():
        assert skipped[path][0] == line, (path, skipped[path])
        assert words in skipped[path][1], (path, skipped[path])
        assert INTERNAL not in skipped[path][1]
    assert report["records"] == len(GOOD_PATHS)

    listed = cli("list", "--kb", str(hostile_kb), "--index", index, "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert sorted(r["path"] for r in json.loads(listed.stdout)) == GOOD_PATHS
    # nothing out of the KB was read: not through a link to a file, nor to a folder
    assert "Secret Quillfeather" not in listed.stdout

    found = cli("search", "Zephyrine", "--kb", str(hostile_kb), "--index", index, "-f", "json")
    assert [r["path"] for r in json.loads(found.stdout)] == ["notes.md/inner.md"]


def test_skipped_files_are_one_line_each_on_stderr(hostile_kb: Path, cli: Cli, tmp_path: Path):
    """A fresh index, so the refresh reports every skipped file: each as one
    `path:line: reason` line, a newline in a file name included."""
    done = cli("list", "--kb", str(hostile_kb), "--index", str(tmp_path / "i.sqlite"))
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == len(EXPECTED_SKIPS)
    for line in lines:
        assert line.startswith("kzkb: warning: skipped ")
        path, number, reason = line.removeprefix("kzkb: warning: skipped ").split(":", 2)
        assert EXPECTED_SKIPS[path][0] == int(number)
        assert EXPECTED_SKIPS[path][1] in reason


def test_lint_reports_every_file_the_index_skips(hostile_kb: Path, cli: Cli) -> None:
    """lint reads files as the index does: each hostile file is one error at
    its line, never a crash (a name with a newline, one that is not UTF-8, a
    25 MB file, a FIFO), and nothing out of the KB is read."""
    done = cli("lint", "--kb", str(hostile_kb), "--format", "json")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    found = json.loads(done.stdout)["findings"]
    errors = {
        f["file"].removeprefix(f"{hostile_kb}/"): f
        for f in found
        if f["severity"] == "error" and f["rule"] in ("front-matter-syntax", "unreadable")
    }
    for path, (line, _) in EXPECTED_SKIPS.items():
        if path in ("empty.md", "blank.md"):
            continue  # an empty file is lint's empty-body warning, not an error
        assert path in errors, path
        assert errors[path]["line"] == line, (path, errors[path])
    assert errors["big.md"]["rule"] == "unreadable"
    assert "max_file_size" in errors["big.md"]["message"]
    assert "Secret Quillfeather" not in done.stdout


def test_check_links_on_a_record_of_ten_thousand_links(hostile_kb: Path, cli: Cli, tmp_path):
    done = cli(
        "check-links", "--kb", str(hostile_kb), "--index", str(tmp_path / "i.sqlite"), "-f", "json"
    )
    assert done.returncode == 1  # the 10,000 links to /gone/ are broken
    report = json.loads(done.stdout)
    broken = [f for f in report["findings"] if Path(f["file"]).name == "links.md"]
    assert len(broken) == 10_000
    line = "[l0](/gone/0/) [l1](/gone/1/) [l2](/gone/2/)"
    assert {(f["line"], f["column"]) for f in broken[:3]} == {
        (5, line.index(f"/gone/{i}/") + 1) for i in range(3)
    }


# --- each case, through the loader --------------------------------------------------------


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(root=tmp_path, content_dir=tmp_path)


@pytest.mark.parametrize("rel", sorted(HOSTILE))
def test_hostile_front_matter_is_skipped_with_its_line_and_reason(config: Config, rel: str):
    content, line, words = HOSTILE[rel]
    result = load_bytes(content, rel, config)
    assert isinstance(result, Skipped)
    assert (result.path, result.line) == (rel, line)
    assert words in result.reason


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"---\nx: " + b"[" * 150 + b"]" * 150 + b"\n---\n", id="yaml-150"),
        pytest.param(block_nesting(150).encode(), id="yaml-block-150"),
        pytest.param(b'{\n"x": ' + b"[" * 900 + b"]" * 900 + b"\n}\n", id="json-900"),
        pytest.param(b'{\n"x": ' + b'{"a": ' * 500 + b"1" + b"}" * 500 + b"\n}\n", id="json-obj"),
        pytest.param(b"+++\nx = " + b"[" * 500 + b"]" * 500 + b"\n+++\n", id="toml-500"),
        pytest.param(b"+++\nx = " + b"{a = " * 300 + b"1" + b"}" * 300 + b"\n+++\n", id="inline"),
        pytest.param(b"+++\n" + b".".join([b"a"] * 150) + b" = 1\n+++\n", id="toml-dotted-150"),
        pytest.param(b"+++\n[" + b".".join([b"a"] * 150) + b"]\n+++\n", id="toml-table-150"),
        # tomllib takes time quadratic in a dotted key's parts: refused unread
        pytest.param(b"+++\n" + b" . ".join([b"a"] * 50_000) + b" = 1\n+++\n", id="toml-50000"),
    ],
)
def test_nesting_below_the_parsers_own_limits_is_skipped_too(config: Config, content: bytes):
    """Deeper than MAX_DEPTH but not deep enough for the parser to fail:
    normalising or storing it would exhaust the stack further on."""
    result = load_bytes(content, "deep.md", config)
    assert isinstance(result, Skipped)
    assert result.reason == TOO_DEEP


def test_nesting_within_the_bound_is_indexed_and_read_back(config: Config, tmp_path: Path):
    depth = MAX_DEPTH - 2
    content = b"---\ntitle: Deep\nx: " + b"[" * depth + b"1" + b"]" * depth + b"\n---\n"
    record = load_bytes(content, "deep.md", config)
    assert isinstance(record, Record)
    value = record.fields["x"]
    for _ in range(depth - 1):
        value = value[0]
    assert value == [1]
    assert record_from_json(record_to_json(record)).fields == record.fields


def test_alias_bomb_is_refused_before_anything_is_built(config: Config) -> None:
    # six levels expand to 531,441 values: over the budget, yet small enough
    # that without the guard this test would still end, only slowly
    result = load_bytes(billion_laughs(6).encode(), "bomb.md", config)
    assert isinstance(result, Skipped)
    assert "alias bomb" in result.reason


def test_aliases_that_repeat_a_little_are_fine(config: Config) -> None:
    text = "---\ntitle: Aliases\nbase: &b [Kazakhstan, Kyrgyzstan]\ncountries: *b\nmore: *b\n---\n"
    record = load_bytes(text.encode(), "a.md", config)
    assert isinstance(record, Record)
    assert record.fields["countries"] == record.fields["more"] == ["Kazakhstan", "Kyrgyzstan"]


def test_alias_of_a_long_text_counts_its_length(config: Config) -> None:
    """100 aliases of 100,000 characters are 10 MB in memory from 100 KB of file."""
    text = "---\na: &a '" + "x" * 100_000 + "'\nb: [" + ", ".join(["*a"] * 100) + "]\n---\n"
    result = load_bytes(text.encode(), "a.md", config)
    assert isinstance(result, Skipped)
    assert "alias bomb" in result.reason
    assert ALIAS_BUDGET < 100 * 100_000


def test_lint_reports_an_alias_bomb_instead_of_hanging(cli: Cli, tmp_path: Path) -> None:
    root = tmp_path / "kb"
    root.mkdir()
    (root / "bomb.md").write_text(billion_laughs(9), "utf-8")
    done = cli("lint", "--kb", str(root), "--format", "json")
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)["findings"]
    assert [(Path(f["file"]).name, f["rule"]) for f in findings] == [
        ("bomb.md", "front-matter-syntax")
    ]
    assert "alias bomb" in findings[0]["message"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("---\nx: 0b_\n---\n", "'0b_' is not a valid int: quote it"),
        ("---\nx: ._\n---\n", None),  # a float to YAML 1.1's pattern, and no float: text
        ("---\nx: !!bool maybe\n---\n", "'maybe' is not a valid bool"),
        ("---\nx: !!int twelve\n---\n", "'twelve' is not a valid int"),
        ("---\nx: !!float 1.2.3\n---\n", "'1.2.3' is not a valid float"),
        ("---\nx: 0x" + "f" * 5000 + "\n---\n", "more than 4300 digits"),
        ('{\n"x": ' + "1" * 5000 + "\n}\n", "more than 4300 digits"),
        ("+++\nx = " + "1" * 5000 + "\n+++\n", "more than 4300 digits"),
        ("---\na: &a {<<: *a}\n---\n", "alias inside the value it names"),
        ('---\nx: "\x1b[31m red"\n---\n', "control characters are not allowed"),
    ],
)
def test_values_their_type_cannot_hold_are_reported_not_raised(config, text, words):
    result = load_bytes(text.encode(), "v.md", config)
    if words is None:
        assert isinstance(result, Record)
        return
    assert isinstance(result, Skipped)
    assert words in result.reason
    assert result.reason.isprintable()  # the escape code of the file is not printed


def test_values_json_cannot_store_are_indexed_and_read_back(tmp_path: Path) -> None:
    """YAML's ordered maps, sets, timestamps, a lone surrogate from JSON: the
    record is stored, and what is read back is what was stored."""
    files = {
        "omap.md": "---\ntitle: Omap\nx: !!omap [a: {2020-01-01: 1}, b: 2]\n---\n",
        "set.md": "---\ntitle: Set\nx: !!set {b, a, 2020-01-01}\n---\n",
        "stamp.md": "---\ntitle: Stamp\nupdated: 2020-01-01T10:00:00+05:00\n---\n",
        "dollar.md": '---\ntitle: Dollar\nx: {"$date": soon}\n---\n',
        "surrogate.md": '{\n"title": "a\\ud800b"\n}\n',
        "binary.md": "---\ntitle: Binary\nx: !!binary aGVsbG8=\n---\n",
    }
    write_kb(tmp_path, files)
    config = Config(root=tmp_path, content_dir=tmp_path)
    index = Index.open(tmp_path / "i.sqlite", owned=True)
    try:
        index.refresh(config)
        assert index.records.skipped() == []
        back = {r.path: r for r in index.records._records("SELECT d.data FROM record_data d")}
    finally:
        index.close()
    assert back["omap.md"].fields["x"] == [["a", {"2020-01-01": 1}], ["b", 2]]
    assert back["set.md"].fields["x"][:2] == ["a", "b"]
    assert back["stamp.md"].fields["updated"].isoformat() == "2020-01-01T10:00:00+05:00"
    assert back["dollar.md"].fields["x"] == {"$date": "soon"}
    assert back["surrogate.md"].title == "a\ufffdb"
    assert back["binary.md"].fields["x"] == "b'hello'"


# --- size -------------------------------------------------------------------------------------


def sparse(path: Path, size: int) -> None:
    with path.open("wb") as handle:
        handle.write(b"---\ntitle: Big\n---\n")
        handle.truncate(size)


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path, monkeypatch) -> None:
    sparse(tmp_path / "big.md", 25 * 2**20)
    opened: list[str] = []
    real_open = os.open
    monkeypatch.setattr(
        os, "open", lambda p, *a, **k: (opened.append(str(p)), real_open(p, *a, **k))[1]
    )
    result = read_source(str(tmp_path / "big.md"), "big.md", str(tmp_path), 10 * 2**20)
    assert result.data is None and result.skipped is not None
    assert result.skipped.reason == (
        "25.0 MB is more than the 10.0 MB a record may be: not read"
        " (raise [index] max_file_size in kzkb.toml to index it)"
    )
    assert opened == []  # refused from its stat, unopened
    assert (result.mtime_ns, result.size) == scan(tmp_path)["big.md"][:2]


@pytest.mark.parametrize(
    ("setting", "read"),
    [('"30 MB"', True), ("31457280", True), ('"25MB"', True), ('"24 MB"', False), ('"1 GB"', True)],
)
def test_max_file_size_raises_or_lowers_the_limit(make_kb, cli: Cli, tmp_path, setting, read):
    root = make_kb(GOOD, f"[index]\nmax_file_size = {setting}\n")
    sparse(root / "big.md", 25 * 2**20)
    done = cli("index", "--kb", str(root), "--index", str(tmp_path / "i.sqlite"), "-f", "json")
    assert done.returncode == 0, done.stderr
    (skip,) = json.loads(done.stdout)["skipped"]
    # read, it is skipped for the NUL bytes after its header
    assert ("NUL byte" in skip["reason"]) == read
    assert ("max_file_size" in skip["reason"]) == (not read)


def test_a_record_of_exactly_the_limit_is_indexed(tmp_path: Path) -> None:
    text = "---\ntitle: Exact\n---\n\n" + "word " * 200
    (tmp_path / "exact.md").write_text(text, "utf-8")
    (tmp_path / "over.md").write_text(text + "!", "utf-8")
    config = Config(
        root=tmp_path, content_dir=tmp_path, index=IndexSettings(max_file_size=len(text))
    )
    records, skipped = load_kb(config)
    assert [r.path for r in records] == ["exact.md"]
    assert [(s.path, s.reason) for s in skipped] == [
        (
            "over.md",
            f"{len(text) + 1:,} bytes is more than the {len(text):,} bytes a record may be:"
            " not read (raise [index] max_file_size in kzkb.toml to index it)",
        )
    ]


@pytest.mark.parametrize("value", ['"ten"', "0", "-5", "true", '"5 TB"', "1.5"])
def test_a_bad_max_file_size_is_a_one_line_error(tmp_path: Path, cli: Cli, value: str) -> None:
    (tmp_path / "kzkb.toml").write_text(f"[index]\nmax_file_size = {value}\n", "utf-8")
    done = cli("list", "--kb", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "max_file_size" in done.stderr and '"10 MB"' in done.stderr


def test_max_file_size_parses_units(tmp_path: Path) -> None:
    (tmp_path / "kzkb.toml").write_text('[index]\nmax_file_size = "512 KB"\n', "utf-8")
    assert load_config(tmp_path).index.max_file_size == 512 * 1024


# --- the file system: names, links, FIFOs, unreadable files -------------------------------------


def test_names_no_command_can_print_are_listed_escaped(tmp_path: Path) -> None:
    (tmp_path / "new\nline.md").write_text("x", "utf-8")
    (tmp_path / "tab\tand\u2028sep.md").write_text("x", "utf-8")
    (tmp_path / os.fsdecode(b"caf\xe9.md")).write_text("x", "utf-8")
    bad_dir = tmp_path / os.fsdecode(b"d\xff")
    bad_dir.mkdir()
    (bad_dir / "inside.md").write_text("x", "utf-8")
    (tmp_path / "Қазақстан guide.md").write_text("x", "utf-8")  # a fine name stays as it is
    (tmp_path / "nbsp\u00a0name.md").write_text("x", "utf-8")
    os.symlink("Қазақстан guide.md", tmp_path / os.fsdecode(b"link\xff.md"))  # not followed
    assert sorted(scan(tmp_path)) == sorted(
        [
            "new\\x0aline.md",
            "tab\\x09and\\u2028sep.md",
            "caf\\xe9.md",
            "d\\xff/inside.md",
            "Қазақстан guide.md",
            "nbsp\u00a0name.md",
        ]
    )
    assert name_key("ok.md") == "ok.md"


def test_escaped_names_are_skipped_and_stored(tmp_path: Path) -> None:
    (tmp_path / "new\nline.md").write_text("---\ntitle: N\n---\n", "utf-8")
    (tmp_path / os.fsdecode(b"d\xff")).mkdir()
    (tmp_path / os.fsdecode(b"d\xff") / "in.md").write_text("---\ntitle: D\n---\n", "utf-8")
    (tmp_path / "fine.md").write_text("---\ntitle: Fine\n---\n", "utf-8")
    config = Config(root=tmp_path, content_dir=tmp_path)
    index = Index.open(tmp_path / "i.sqlite", owned=True)
    try:
        stats = index.refresh(config)
        assert (stats.added, stats.skipped) == (3, 2)
        assert [(s.path, s.line) for s in index.records.skipped()] == [
            ("d\\xff/in.md", 1),
            ("new\\x0aline.md", 1),
        ]
        assert "not UTF-8" in index.records.skipped()[0].reason
        assert "line break" in index.records.skipped()[1].reason
        # unchanged, they stay unchanged: the listing and the index agree
        (tmp_path / "other.md").write_text("---\ntitle: Other\n---\n", "utf-8")
        again = index.refresh(config)
        assert (again.added, again.changed, again.removed) == (1, 0, 0)
    finally:
        index.close()


def test_a_real_file_named_like_an_escape_wins(tmp_path: Path) -> None:
    (tmp_path / "a\\x0ab.md").write_text("---\ntitle: Literal\n---\n", "utf-8")
    (tmp_path / "a\nb.md").write_text("---\ntitle: Newline\n---\n", "utf-8")
    records, skipped = load_kb(Config(root=tmp_path, content_dir=tmp_path))
    assert [(r.path, r.title) for r in records] == [("a\\x0ab.md", "Literal")]
    assert skipped == []


def test_the_watcher_lists_escaped_names_as_the_scan_does(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    root.mkdir()
    (root / "a.md").write_text("a\n", "utf-8")
    w = daemon.Watch(str(root))
    try:
        with w.lock:
            w.update()
        (root / "new\nline.md").write_text("n\n", "utf-8")
        (root / os.fsdecode(b"caf\xe9.md")).write_text("c\n", "utf-8")
        with w.lock:
            w.update()
        assert w.files == scan(root)
        assert sorted(w.files) == ["a.md", "caf\\xe9.md", "new\\x0aline.md"]
        (root / "new\nline.md").write_text("changed, longer\n", "utf-8")
        with w.lock:
            w.update()
        assert w.files == scan(root)
    finally:
        w.inotify.close()


def test_links_out_of_the_kb_are_neither_listed_nor_read(tmp_path: Path, monkeypatch) -> None:
    root, outside = tmp_path / "kb", tmp_path / "outside"
    write_hostile_kb(root, outside)
    opened: list[str] = []
    real_open = os.open

    def spy(path, *args, **kwargs):
        opened.append(os.path.realpath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    config = Config(root=root, content_dir=root)
    records, _ = load_kb(config)
    assert sorted(r.path for r in records) == GOOD_PATHS
    assert not [p for p in opened if p.startswith(str(outside))]
    listing = scan(root)
    assert not {"secret.md", "outdir.md", "loop-a.md", "loop-b.md", "fifo.md"} & set(listing)
    assert not [p for p in listing if p.startswith("outdir/")]
    w = daemon.Watch(str(root))
    try:
        with w.lock:
            w.update()
        assert w.files == listing
    finally:
        w.inotify.close()


def test_a_link_retargeted_out_of_the_kb_after_the_scan_is_not_followed(tmp_path: Path):
    root = tmp_path / "kb"
    root.mkdir()
    (root / "target.md").write_text("---\ntitle: Target\n---\n", "utf-8")
    os.symlink("target.md", root / "link.md")
    assert "link.md" in scan(root)
    (tmp_path / "secret.md").write_text("---\ntitle: Secret\n---\n", "utf-8")
    os.unlink(root / "link.md")
    os.symlink(tmp_path / "secret.md", root / "link.md")
    source = read_source(str(root / "link.md"), "link.md", str(root), 2**20)
    assert source.data is None and source.skipped is not None
    assert source.skipped.reason == "symbolic link to a file outside the KB: not followed"


def test_a_fifo_in_place_of_a_record_is_not_read(tmp_path: Path) -> None:
    """A file the scan listed can be replaced by a FIFO before it is read;
    opening that would wait for a writer for ever."""
    os.mkfifo(tmp_path / "fifo.md")
    result: list[object] = []
    reader = threading.Thread(
        target=lambda: result.append(
            read_source(str(tmp_path / "fifo.md"), "fifo.md", str(tmp_path), 2**20)
        ),
        daemon=True,
    )
    reader.start()
    reader.join(30)  # a guard against a hang, not a measure of speed
    assert result, "reading a FIFO blocked"
    source = result[0]
    assert source.data is None and source.skipped.reason.startswith("not a regular file")


def test_an_unreadable_file_is_skipped_and_the_rest_served(make_kb, run, monkeypatch) -> None:
    """chmod 000 does not stop root, who may run the tests: the read fails
    in-process instead, where kzkb opens the file."""
    root = make_kb({**GOOD, "locked.md": "---\ntitle: Locked\n---\n"})
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if os.fspath(path).endswith("locked.md"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    index = str(root.parent / "i.sqlite")
    done = run("index", "--kb", str(root), "--index", index, "--format", "json")
    assert done.exit_code == 0
    report = json.loads(done.stdout)
    assert report["skipped"] == [
        {"path": "locked.md", "line": 1, "reason": "cannot read: Permission denied"}
    ]
    assert report["records"] == len(GOOD)
    # permission given back: the file is read at the next refresh
    monkeypatch.setattr(os, "open", real_open)
    os.utime(root / "locked.md", ns=(1, 1))
    listed = run("list", "--kb", str(root), "--index", index, "--format", "json")
    assert "locked.md" in [r["path"] for r in json.loads(listed.stdout)]


def test_a_directory_named_like_a_record_is_walked(tmp_path: Path) -> None:
    (tmp_path / "x.md").mkdir()
    (tmp_path / "x.md" / "y.md").write_text("---\ntitle: Y\n---\n", "utf-8")
    assert stat.S_ISDIR(os.stat(tmp_path / "x.md").st_mode)
    records, skipped = load_kb(Config(root=tmp_path, content_dir=tmp_path))
    assert ([r.path for r in records], skipped) == (["x.md/y.md"], [])


# --- 10,000 links in one record -------------------------------------------------------------------


def test_ten_thousand_links_on_one_line_are_all_found_where_they_are(config: Config) -> None:
    """Cyrillic text before each link, so that columns are characters, not
    bytes; and ref shortcodes between code spans, which hold none."""
    links = [f"[ссылка {i}](/x/{i}/)" for i in range(10_000)]
    refs = [f'{{{{< ref "r{i}.md" >}}}} `{{{{< ref "code.md" >}}}}`' for i in range(10_000)]
    text = f"---\ntitle: Many\n---\n\n{' '.join(links)}\n\n{' '.join(refs)}\n"
    record = load_bytes(text.encode(), "many.md", config)
    assert isinstance(record, Record)

    def columns(parts: list[str], within: str) -> list[int]:
        """1-based column of `within` in each part of the line they make."""
        out, at = [], 0
        for part in parts:
            out.append(at + part.index(within) + 1)
            at += len(part) + 1
        return out

    found = [(x.target, x.line, x.column) for x in record.links if x.kind == "link"]
    assert found == [(f"/x/{i}/", 5, column) for i, column in enumerate(columns(links, "/x/"))]
    found = [(x.target, x.line, x.column) for x in record.links if x.kind == "ref"]
    quotes = columns(refs, '"r')
    assert found == [(f"r{i}.md", 7, column + 1) for i, column in enumerate(quotes)]


def test_ten_thousand_links_are_all_stored(tmp_path: Path) -> None:
    links = "\n".join(f"[l{i}](/x/{i}/) and [f{i}](#h{i})" for i in range(10_000))
    (tmp_path / "many.md").write_text(f"---\ntitle: Many\n---\n\n{links}\n", "utf-8")
    index = Index.open(tmp_path / "i.sqlite", owned=True)
    try:
        index.refresh(Config(root=tmp_path, content_dir=tmp_path))
        assert index.links.link_count() == 20_000
    finally:
        index.close()


def test_eighty_thousand_terms_are_kept_once_each(config: Config) -> None:
    """Each term was looked for in the list of those before it: 30 s."""
    terms = [f"Term {i}" for i in range(80_000)]
    text = "---\ntitle: Terms\ntags: [" + ", ".join([*terms, "term-5", "TERM 7"]) + "]\n---\n"
    record = load_bytes(text.encode(), "terms.md", config)
    assert isinstance(record, Record)
    assert record.terms["tag"] == [f"term-{i}" for i in range(80_000)]
    assert record.term_labels["tag"] == terms


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("{{< " * 40_000 + "text", id="unclosed-shortcodes"),
        pytest.param('{{< ref "a ' * 20_000, id="unclosed-refs"),
        pytest.param("<div href=x>" + "<a b='" * 20_000, id="unclosed-html-attributes"),
        pytest.param("<div href=x>" + "<!--x" * 20_000, id="unclosed-html-comments"),
        pytest.param("<div href=x>" + "<![CDATA[" * 20_000, id="unclosed-cdata"),
    ],
)
def test_inputs_that_were_quadratic_are_scanned(body: str) -> None:
    """Each took from 5 s to minutes before (a lazy regular expression,
    html.parser re-reading the rest at every "<"); the result is the same."""
    links, _, plain, _ = scan_markdown(body)
    assert [x.target for x in links] == (["x"] if body.startswith("<div") else [])
    assert plain.endswith("text") or not body.endswith("text")


@pytest.mark.parametrize(
    ("html", "targets", "ids"),
    [
        ('<a href="/x">y</a>', [("a", "/x")], []),
        ("<A HREF='/y' ID=top>", [("a", "/y")], ["top"]),
        ('<img src=/i.png alt="a>b">', [("img", "/i.png")], []),
        ('<a title="a>b" href="/z">', [("a", "/z")], []),
        ('<!-- <a href="/no"> --><a href="/yes">', [("a", "/yes")], []),
        ('<a href="/unclosed', [], []),
        ('<a name="n" href="/a?b=1&amp;c=2">', [("a", "/a?b=1&c=2")], ["n"]),
        ('<div name="n" id="d">', [], ["d"]),
        ('<script>x = "<a href=/s>"</script><a href=/after>', [("a", "/after")], []),
        ("<p/><a/href=/slash>", [("a", "/slash")], []),
        ("<a href>", [], []),
    ],
)
def test_raw_html_targets_and_ids(html: str, targets, ids) -> None:
    from kzkb.parse.html import _html_targets

    assert _html_targets(html) == (targets, ids)


def test_large_records_are_written_as_they_come_and_all_kept(tmp_path: Path):
    """The index writer holds at most Tuning.batch_bytes of record text before
    it writes (large records would otherwise pile up by the gigabyte); writing
    after every record must keep every one of them, links and terms too."""
    from kzkb.store.db import Tuning

    root = tmp_path / "kb"
    (root / "sources").mkdir(parents=True)
    for i in range(12):
        body = f"[next](/sources/r{(i + 1) % 12}/) " + "word " * 20_000
        (root / "sources" / f"r{i}.md").write_text(
            f"---\ntitle: Record {i}\ntags: [t{i % 3}]\n---\n\n{body}\n", "utf-8"
        )
    index = Index.open(tmp_path / "i.sqlite", tuning=Tuning(batch_bytes=1))
    stats = index.refresh(load_config(root))
    assert stats.added == 12
    assert index.records.count() == 12
    assert sorted(index.links.used_slugs("tag")) == ["t0", "t1", "t2"]
    assert index.db.execute("SELECT count(*) FROM links").fetchone()[0] == 12
