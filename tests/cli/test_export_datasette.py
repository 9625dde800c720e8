"""kzkb export --format sqlite as a Datasette catalogue, read by the tools
that open one: sqlite-utils (tables, foreign keys, the full-text table it
finds and searches with) and Datasette itself, started on 127.0.0.1 and
asked through its JSON API, on the bundled KB and on a hostile one."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import KB
from tests.helpers import clean_env, run_kzkb

sqlite_utils = pytest.importorskip("sqlite_utils")


def export_db(env: dict[str, str], kb: Path, target: Path, *args: str) -> None:
    result = run_kzkb(env, "--kb", str(kb), "export", "-o", str(target), *args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bundled")
    export_db(clean_env(folder), KB, folder / "kb.db")
    return folder / "kb.db"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the hostile KB, its export): written once for the module."""
    from tests.hostile_corpus import hostile_kb

    folder = tmp_path_factory.mktemp("hostile")
    kb = hostile_kb(folder / "kb")
    (folder / "out").mkdir()
    export_db(clean_env(folder), kb, folder / "out" / "kb.db")
    return kb, folder / "out" / "kb.db"


def records_of(kb: Path, tmp: Path) -> list[dict]:
    """The records as kzkb export --format jsonl gives them: the reference."""
    result = run_kzkb(clean_env(tmp), "--kb", str(kb), "export", "-f", "jsonl", "--no-body")
    assert result.returncode == 0, result.stderr
    # "\n" alone ends a line: splitlines() would split a title at U+2028 or U+0085
    return [json.loads(line) for line in result.stdout.split("\n") if line]


# --- sqlite-utils ---------------------------------------------------------------------------


def test_sqlite_utils_sees_the_tables_foreign_keys_and_full_text_table(bundled):
    db = sqlite_utils.Database(bundled)
    assert {"records", "terms", "record_terms", "links"} <= set(db.table_names())
    assert db["records"].detect_fts() == "records_fts"
    keys = {
        (fk.table, fk.column, fk.other_table, fk.other_column)
        for fk in db["record_terms"].foreign_keys
    }
    assert keys == {
        ("record_terms", "record_path", "records", "path"),
        ("record_terms", "term_id", "terms", "id"),
    }
    keys = {(fk.column, fk.other_table, fk.other_column) for fk in db["links"].foreign_keys}
    assert keys == {("record_path", "records", "path"), ("target_path", "records", "path")}
    # every reference leads to a row
    assert list(db.execute("PRAGMA foreign_key_check").fetchall()) == []


def test_sqlite_utils_search_finds_a_record_by_its_text(bundled):
    db = sqlite_utils.Database(bundled)
    hits = [row["path"] for row in db["records"].search("queer feminist")]
    assert "sources/sources/feminita.md" in hits
    # Cyrillic in a body: Feminita's name in its own script
    assert "sources/sources/feminita.md" in [r["path"] for r in db["records"].search("Феминита")]


def test_terms_are_linked_by_id_and_the_vocabulary_labels_them(bundled):
    db = sqlite_utils.Database(bundled)
    rows = list(
        db.query(
            "SELECT t.label FROM record_terms rt JOIN terms t ON t.id = rt.term_id"
            " WHERE rt.record_path = 'sources/sources/feminita.md' AND rt.taxonomy = 'category'"
        )
    )
    assert rows == [{"label": "Local NGO"}]  # kzkb.toml's label for local-ngo
    feminita = db["records"].get("sources/sources/feminita.md")
    assert json.loads(feminita["category"]) == ["Local NGO"]
    assert json.loads(feminita["tags"]) == ["feminism", "lgbtq", "activism"]


def test_a_link_to_another_record_names_that_record(bundled):
    db = sqlite_utils.Database(bundled)
    rows = list(
        db.query(
            "SELECT target, target_path FROM links WHERE record_path = ?",
            ["sources/sources/feminita.md"],
        )
    )
    assert {"target": "/guides/lgbtq/", "target_path": "guides/lgbtq.md"} in rows
    # a link to a page that is no record (a term's page) leads nowhere
    assert {"target": "/category/local-ngo/", "target_path": None} in rows


def test_a_filtered_export_links_only_to_the_records_it_holds(tmp_path):
    target = tmp_path / "ngos.db"
    export_db(clean_env(tmp_path), KB, target, "--category", "local-ngo")
    db = sqlite_utils.Database(target)
    paths = {r["path"] for r in db["records"].rows}
    assert "guides/lgbtq.md" not in paths and "sources/sources/feminita.md" in paths
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    targets = {r["target_path"] for r in db["links"].rows} - {None}
    assert targets and targets <= paths


# --- metadata.json ---------------------------------------------------------------------------


def test_metadata_json_beside_the_file_says_title_licence_and_facets(bundled):
    meta = json.loads((bundled.parent / "metadata.json").read_text(encoding="utf-8"))
    assert meta["title"] == "Kazakhstan: gender, civil society and human rights sources"
    assert meta["license"] == "CC-BY-SA-4.0"
    assert meta["license_url"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    records = meta["databases"]["kb"]["tables"]["records"]
    assert records["fts_table"] == "records_fts"
    assert {"array": "category"} in records["facets"] and "kind" in records["facets"]
    db = sqlite_utils.Database(bundled)
    # every column described, and no column described that is not there
    for table, about in meta["databases"]["kb"]["tables"].items():
        assert set(about["columns"]) == set(db[table].columns_dict), table


def test_an_existing_metadata_json_is_kept_without_force(tmp_path):
    (tmp_path / "metadata.json").write_text("mine\n", encoding="utf-8")
    env = clean_env(tmp_path)
    result = run_kzkb(env, "--kb", str(KB), "export", "-o", str(tmp_path / "kb.db"))
    assert result.returncode == 2
    assert result.stderr.startswith("kzkb: error: ") and "--force" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert (tmp_path / "metadata.json").read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "home", "metadata.json"]
    export_db(env, KB, tmp_path / "kb.db", "--force")
    assert json.loads((tmp_path / "metadata.json").read_text(encoding="utf-8"))["databases"]["kb"]


def test_no_metadata_beside_a_stream(tmp_path):
    result = run_kzkb(
        clean_env(tmp_path), "--kb", str(KB), "export", "-f", "sqlite", "-o", "/dev/null"
    )
    assert result.returncode == 0, result.stderr
    assert not Path("/dev/metadata.json").exists()


# --- Datasette -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Datasette:
    """`datasette serve db -m metadata.json` on 127.0.0.1, asked by its JSON API."""

    def __init__(self, db: Path) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "datasette", "serve", str(db),
             "-m", str(db.parent / "metadata.json"), "-p", str(self.port), "--host", "127.0.0.1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                self.get("/-/versions.json")
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"datasette did not start: {self.process.stderr.read()!r}")
                time.sleep(0.2)

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as reply:
            return json.loads(reply.read().decode("utf-8"))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stderr.close()


def serving(db: Path) -> Iterator[Datasette]:
    server = Datasette(db)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def datasette_bundled(bundled) -> Iterator[Datasette]:
    yield from serving(bundled)


def test_datasette_searches_and_facets_the_catalogue(datasette_bundled):
    found = datasette_bundled.get("/kb/records.json?_search=queer+feminist&_shape=objects")
    assert "sources/sources/feminita.md" in [row["path"] for row in found["rows"]]
    # the facets metadata.json names, counted over the search's rows
    facets = found["facet_results"]
    assert {"category", "kind", "lang"} <= set(facets)
    kinds = {x["value"]: x["count"] for x in facets["kind"]["results"]}
    assert sum(kinds.values()) == len(found["rows"])
    categories = {x["value"] for x in facets["category"]["results"]}
    assert "Local NGO" in categories


def test_datasette_facet_counts_match_kzkb(datasette_bundled, tmp_path):
    reference = records_of(KB, tmp_path)
    page = datasette_bundled.get("/kb/records.json?_facet=lang&_size=0")
    counts = {x["value"]: x["count"] for x in page["facet_results"]["lang"]["results"]}
    want: dict[str, int] = {}
    for record in reference:
        want[record["lang"]] = want.get(record["lang"], 0) + 1
    assert counts == want


def test_datasette_serves_the_metadata(datasette_bundled):
    meta = datasette_bundled.get("/-/metadata.json")
    assert meta["title"] == "Kazakhstan: gender, civil society and human rights sources"
    assert meta["license"] == "CC-BY-SA-4.0"
    table = datasette_bundled.get("/kb/records.json?_size=1")
    assert table["human_description_en"] == "sorted by path"


# --- the hostile KB ----------------------------------------------------------------------------


@pytest.mark.slow
def test_hostile_records_read_back_exactly_through_sqlite_utils_and_datasette(hostile, tmp_path):
    kb, target = hostile
    reference = {r["path"]: r for r in records_of(kb, tmp_path)}
    db = sqlite_utils.Database(target)
    rows = {r["path"]: r for r in db["records"].rows}
    assert set(rows) == set(reference) and len(rows) == 5000
    for path, want in reference.items():
        got = rows[path]
        assert (got["title"], got["description"]) == (want["title"], want["description"]), path
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    # a record found by its number, which only its title holds
    numbered = next(r for r in reference.values() if r["title"].endswith(" 4321"))
    hits = [r["path"] for r in db["records"].search('"4321"')]
    assert numbered["path"] in hits
    for server in serving(target):
        query = urllib.parse.urlencode({"_search": '"4321"', "_shape": "objects"})
        found = server.get(f"/kb/records.json?{query}")
        titles = {r["path"]: r["title"] for r in found["rows"]}
        assert titles[numbered["path"]] == numbered["title"]
        meta = server.get("/-/metadata.json")
        assert meta["title"] == 'Hostile KB [bold] {x} % & "q" Қазақстан \x1b[2J'
