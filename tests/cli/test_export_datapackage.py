"""kzkb export --format datapackage: a Frictionless data package, held to
frictionless' own validation (schemas, types, enumerations, primary and
foreign keys) and read back row by row against kzkb's JSON export, on the
bundled KB and on a hostile one; and the licence setting it carries."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import KB
from tests.helpers import clean_env, run_kzkb

frictionless = pytest.importorskip("frictionless")


def export_package(env: dict[str, str], kb: Path, target: Path, *args: str) -> None:
    result = run_kzkb(env, "--kb", str(kb), "export", "-f", "datapackage", "-o", str(target), *args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def reference(env: dict[str, str], kb: Path, *args: str) -> list[dict]:
    result = run_kzkb(env, "--kb", str(kb), "export", "-f", "jsonl", *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.split("\n") if line]


def validate(package: Path) -> None:
    report = frictionless.validate(str(package / "datapackage.json"))
    errors = [e.message for task in report.tasks for e in task.errors][:5]
    assert report.valid, errors or report.errors


def rows(package: Path, name: str) -> list[dict]:
    resource = frictionless.Package(str(package / "datapackage.json")).get_resource(name)
    with resource:
        return [row.to_dict() for row in resource.row_stream]


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bundled")
    export_package(clean_env(folder), KB, folder / "kb")
    return folder / "kb"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from tests.hostile_corpus import hostile_kb

    folder = tmp_path_factory.mktemp("hostile")
    kb = hostile_kb(folder / "kb")
    export_package(clean_env(folder), kb, folder / "package")
    return kb, folder / "package"


def test_the_bundled_package_is_valid_and_holds_every_record(bundled, tmp_path):
    validate(bundled)
    want = reference(clean_env(tmp_path), KB)
    got = rows(bundled, "records")
    assert [r["path"] for r in got] == [r["path"] for r in want]
    for row, record in zip(got, want, strict=True):
        assert row["title"] == record["title"] and row["body"] == record["body"]
        assert row["fields"] == json.loads(json.dumps(record["fields"]))
        assert (row["date"].isoformat() if row["date"] else None) == record["date"]


def test_taxonomies_are_tables_whose_terms_the_vocabulary_enumerates(bundled, tmp_path):
    descriptor = json.loads((bundled / "datapackage.json").read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in descriptor["resources"]}
    slug = next(f for f in resources["record_category"]["schema"]["fields"] if f["name"] == "slug")
    assert slug["constraints"]["enum"] == [
        "ingo", "local-ngo", "government", "state-media", "state-affiliated-media",
        "regional-media", "local-media", "independent-media", "social-media",
    ]  # fmt: skip
    want = reference(clean_env(tmp_path), KB)
    tags: dict[str, list[str]] = {}
    for row in rows(bundled, "record_tags"):
        tags.setdefault(row["record_path"], []).append(row["label"])
    assert tags == {r["path"]: r["tags"] for r in want if r["tags"]}
    labels = {(t["taxonomy"], t["slug"]): t for t in rows(bundled, "terms")}
    assert labels["category", "local-ngo"]["label_kk"] == "Жергілікті үкіметтік емес ұйым"


def test_the_package_names_the_licence_of_kzkb_toml(bundled):
    descriptor = json.loads((bundled / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["licenses"] == [
        {
            "name": "CC-BY-SA-4.0",
            "path": "https://creativecommons.org/licenses/by-sa/4.0/",
            "title": "Creative Commons Attribution Share-Alike 4.0",
        }
    ]
    assert descriptor["title"] == "Kazakhstan: gender, civil society and human rights sources"
    assert descriptor["created"].endswith("Z")


def test_frictionless_holds_the_keys_and_enumerations_it_is_given(bundled, tmp_path):
    """The descriptor is not decoration: a row off the vocabulary, or naming
    no record, makes the package invalid to the same validator."""
    for table, wrong in (("record_category", "no-such-category"), ("record_tags", None)):
        copy = tmp_path / table
        shutil.copytree(bundled, copy)
        lines = (copy / f"{table}.csv").read_text(encoding="utf-8").split("\n")
        cells = lines[1].split(",")
        if wrong is None:
            cells[0] = "sources/not-a-record.md"
        else:
            cells[2] = wrong
        lines[1] = ",".join(cells)
        (copy / f"{table}.csv").write_text("\n".join(lines), encoding="utf-8")
        report = frictionless.validate(str(copy / "datapackage.json"))
        kinds = {e.type for task in report.tasks for e in task.errors}
        assert not report.valid
        assert kinds == ({"foreign-key"} if wrong is None else {"constraint-error", "foreign-key"})


def test_filters_and_a_query_choose_the_records(tmp_path):
    env = clean_env(tmp_path)
    export_package(env, KB, tmp_path / "ngos", "--category", "local-ngo")
    validate(tmp_path / "ngos")
    paths = [r["path"] for r in rows(tmp_path / "ngos", "records")]
    assert paths == [r["path"] for r in reference(env, KB, "--category", "local-ngo")]
    export_package(env, KB, tmp_path / "feminist", "feminist")
    validate(tmp_path / "feminist")
    assert [r["path"] for r in rows(tmp_path / "feminist", "records")] == [
        r["path"] for r in reference(env, KB, "feminist")
    ]


def test_an_existing_folder_is_replaced_only_with_force_and_only_a_package(tmp_path):
    env = clean_env(tmp_path)
    target = tmp_path / "out"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n", encoding="utf-8")
    for extra in ((), ("--force",)):
        result = run_kzkb(
            env, "--kb", str(KB), "export", "-f", "datapackage", "-o", str(target), *extra
        )
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith("kzkb: error: ")
        assert len(result.stderr.strip().splitlines()) == 1
        assert [p.name for p in target.iterdir()] == ["notes.txt"]
    shutil.rmtree(target)
    export_package(env, KB, target, "--no-body")
    export_package(env, KB, target, "--force")
    assert "body" in rows(target, "records")[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "home", "out"]  # no .part left


def test_a_package_needs_a_folder(tmp_path):
    result = run_kzkb(clean_env(tmp_path), "--kb", str(KB), "export", "-f", "datapackage")
    assert result.returncode == 2
    assert "-o DIR" in result.stderr


@pytest.mark.slow
def test_the_hostile_package_is_valid_and_reads_back_exactly(hostile, tmp_path):
    kb, package = hostile
    validate(package)
    want = {r["path"]: r for r in reference(clean_env(tmp_path), kb, "--no-body")}
    got = rows(package, "records")
    assert len(got) == len(want) == 5000
    for row in got:
        record = want[row["path"]]
        # frictionless reads an empty cell as no value
        assert (row["title"] or "", row["description"] or "") == (
            record["title"],
            record["description"],
        )
        assert (row["website"] or "") == record["website"]


# --- the licence and the rest of what a catalogue says of itself, in kzkb.toml -----------------


@pytest.mark.parametrize(
    ("setting", "line", "words"),
    [
        ('license = "WTFPL"', 2, "unknown licence 'WTFPL'"),
        ("licence = 4", 2, "licence must be a licence id or a table"),
        ('license = { name = "X", path = "javascript:alert(1)" }', 2, "license.path"),
        ('source = "file:///etc/passwd"', 2, "source must be an http(s) address"),
        ("description = []", 2, "description must be text"),
    ],
)
def test_a_bad_publishing_setting_is_one_line_naming_its_line(tmp_path, setting, line, words):
    kb = tmp_path / "kb"
    (kb / "sources").mkdir(parents=True)
    (kb / "sources" / "a.md").write_text('---\ntitle: "A"\n---\n', encoding="utf-8")
    (kb / "kzkb.toml").write_text(f'title = "T"\n{setting}\n', encoding="utf-8")
    result = run_kzkb(
        clean_env(tmp_path),
        "--kb",
        str(kb),
        "export",
        "-f",
        "datapackage",
        "-o",
        str(tmp_path / "p"),
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"kzkb: error: {kb / 'kzkb.toml'}:{line}: ")
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "p").exists()


def test_a_licence_table_and_a_source_are_published(tmp_path):
    kb = tmp_path / "kb"
    (kb / "sources").mkdir(parents=True)
    (kb / "sources" / "a.md").write_text('---\ntitle: "A"\n---\n', encoding="utf-8")
    (kb / "kzkb.toml").write_text(
        'title = "T"\ndescription = "About <T>"\nsource = "https://example.org/kb"\n'
        'licence = { name = "LicenseRef-Own", title = "Our terms",'
        ' path = "https://example.org/terms" }\n',
        encoding="utf-8",
    )
    export_package(clean_env(tmp_path), kb, tmp_path / "p")
    validate(tmp_path / "p")
    descriptor = json.loads((tmp_path / "p" / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["licenses"] == [
        {"name": "LicenseRef-Own", "path": "https://example.org/terms", "title": "Our terms"}
    ]
    assert descriptor["sources"] == [{"title": "T", "path": "https://example.org/kb"}]
    assert descriptor["description"] == "About <T>"
