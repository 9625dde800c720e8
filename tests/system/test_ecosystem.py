"""kzkb where users meet it: the installed package, pre-commit, CI, the
shell (completion), and --help.

The packaging test builds the wheel from this checkout (hatchling, offline)
and runs the installed copy from a folder with no KB, so that what the
wheel carries, not the checkout, answers.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import KB
from tests.helpers import kzkb_exe, write_kb

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = (
    "search", "list", "show", "terms", "stats", "index",
    "check-links", "export", "lint", "new", "watcher",
)  # fmt: skip


def kzkb_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Any:
    full = {k: v for k, v in os.environ.items() if k not in ("KZKB_KB", "KZKB_INDEX")}
    full.update(env or {})
    return subprocess.run(
        [*kzkb_exe(), *args], capture_output=True, text=True, cwd=cwd, env=full, timeout=120
    )


# --- packaging ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    (found,) = out.glob("kzkb-*.whl")
    return found


def test_the_wheel_carries_every_file_of_the_bundled_kb(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    bundled = {
        "kzkb/_kb/" + p.relative_to(KB).as_posix()
        for p in KB.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }
    assert bundled, "kb/ is empty"
    assert bundled <= names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert re.search(r"^kzkb = kzkb\.entry:main$", text, re.M)


def test_the_installed_wheel_searches_its_own_kb_from_any_folder(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(wheel)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("KZKB_KB", "KZKB_INDEX")}
    # the wheel's copy first; its dependencies from this environment
    env["PYTHONPATH"] = str(target)
    script = "import sys, kzkb.entry; sys.argv[0] = 'kzkb'; kzkb.entry.main()"
    run = subprocess.run(
        [sys.executable, "-c", script, "search", "feminist", "--format", "json"],
        capture_output=True, text=True, cwd=elsewhere, env=env, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    titles = [hit["title"] for hit in json.loads(run.stdout)]
    assert "Feminita" in titles and "KazFem" in titles
    where = subprocess.run(
        [sys.executable, "-c", "from kzkb.settings.find import bundled_kb; print(bundled_kb())"],
        capture_output=True, text=True, cwd=elsewhere, env=env, timeout=60,
    )  # fmt: skip
    assert Path(where.stdout.strip()) == target / "kzkb" / "_kb"


def test_version_has_one_source():
    from importlib.metadata import version

    import kzkb

    result = kzkb_cli("--version")
    assert result.stdout.strip() == f"kzkb {kzkb.__version__}"
    assert version("kzkb") == kzkb.__version__
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject and "\nversion =" not in pyproject


# --- pre-commit and CI ------------------------------------------------------------------------


def hooks() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in data}


def test_pre_commit_hooks_name_both_checks():
    found = hooks()
    assert set(found) == {"kzkb-check-links", "kzkb-lint"}
    for hook in found.values():
        assert hook["language"] == "python"
        assert shlex.split(hook["entry"])[0] == "kzkb"
        re.compile(hook["files"])
    assert found["kzkb-check-links"]["pass_filenames"] is False


def run_hook(hook: dict[str, Any], cwd: Path, files: list[str], *args: str) -> Any:
    """The hook as pre-commit runs it: entry, args, then (unless told not to)
    the changed files that match `files`."""
    argv = shlex.split(hook["entry"])[1:] + list(args)
    if hook.get("pass_filenames", True):
        argv += [f for f in files if re.search(hook["files"], f)]
    return kzkb_cli(*argv, cwd=cwd)


def test_pre_commit_hooks_pass_on_the_bundled_kb_and_ignore_other_files():
    changed = ["README.md", "kb/guides/lgbtq.md", "kb/kzkb.toml", "src/kzkb/cli/app.py"]
    for hook in hooks().values():
        result = run_hook(hook, ROOT, changed)
        assert result.returncode == 0, (hook["id"], result.stdout, result.stderr)


def test_pre_commit_hooks_fail_on_a_broken_record_with_annotations(tmp_path):
    repo = tmp_path / "repo"
    (repo / "kb" / "guides").mkdir(parents=True)
    (repo / "kb" / "kzkb.toml").write_text('title = "t"\n', encoding="utf-8")
    (repo / "kb" / "guides" / "a.md").write_text(
        '---\ntitle: ["A"]\n---\n\nSee [gone](/sources/gone/).\n', encoding="utf-8"
    )
    found = hooks()
    links = run_hook(found["kzkb-check-links"], repo, ["kb/guides/a.md"], "--format", "github")
    assert links.returncode == 1
    assert "::error file=kb/guides/a.md,line=5," in links.stdout
    lint = run_hook(found["kzkb-lint"], repo, ["kb/guides/a.md", "notes.md"], "--format", "github")
    assert lint.returncode == 1
    assert "::error file=kb/guides/a.md,line=2," in lint.stdout


def test_the_github_actions_example_runs_the_checks_with_annotations():
    workflow = yaml.safe_load((ROOT / "docs" / "github-actions.yml").read_text(encoding="utf-8"))
    commands = [
        step["run"]
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if str(step.get("run", "")).startswith("kzkb ")
    ]
    assert len(commands) == 2
    for command in commands:
        argv = shlex.split(command)
        assert argv[argv.index("--format") + 1] == "github"
        result = kzkb_cli(*argv[1:], cwd=ROOT)  # from the repository root, as in CI
        assert result.returncode == 0, (command, result.stdout, result.stderr)


# --- completion -------------------------------------------------------------------------------


def complete(line: str, cwd: Path | None = None) -> list[str]:
    """What bash completion offers for `line` (the word after its last space)."""
    words = line.split(" ")
    env = {
        "_KZKB_COMPLETE": "complete_bash",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(words) - 1),
    }
    result = kzkb_cli(cwd=cwd, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.fixture
def small_kb(tmp_path: Path) -> Path:
    config = (
        'languages = ["en", "kk", "ru"]\n'
        '[[terms.category]]\nslug = "local-ngo"\nlabel = "Local NGO"\n'
        '[[terms.category]]\nslug = "local-media"\nlabel = "Local media"\n'
        '[[terms.category]]\nslug = "ingo"\nlabel = "International NGO"\n'
    )
    files: dict[str, str | bytes] = {
        f"sources/{name}.md": (
            f'---\ntitle: "{name}"\ncategory: ["{category}"]\ncountries: ["{country}"]\n'
            f'tags: ["{tag}", "feminist-media"]\n---\nbody\n'
        )
        for name, category, country, tag in [
            ("feminita", "local-ngo", "Kazakhstan", "feminism"),
            ("vlast", "local-media", "Kyrgyzstan", "media"),
        ]
    }
    return write_kb(tmp_path / "kb", files, config)


def test_completion_offers_the_kb_s_own_terms(small_kb, tmp_path):
    kb = str(small_kb)
    idx = str(tmp_path / "i.db")
    assert sorted(complete(f"kzkb list --kb {kb} --index {idx} --category lo")) == [
        "local-media",
        "local-ngo",
    ]
    assert sorted(complete(f"kzkb search x --kb {kb} --index {idx} --country k")) == [
        "kazakhstan",
        "kyrgyzstan",
    ]
    assert sorted(complete(f"kzkb export --kb {kb} --index {idx} --tag fem")) == [
        "feminism",
        "feminist-media",
    ]
    assert complete(f"kzkb list --kb {kb} --index {idx} --term co") == ["countries:"]
    assert sorted(complete(f"kzkb list --kb {kb} --index {idx} --term countries:k")) == [
        "countries:kazakhstan",
        "countries:kyrgyzstan",
    ]
    assert complete(f"kzkb list --kb {kb} --index {idx} --lang k") == ["kk"]
    assert complete(f"kzkb list --kb {kb} --index {idx} --kind s") == ["source"]
    assert complete(f"kzkb terms --kb {kb} --index {idx} co") == ["countries"]
    assert complete(f"kzkb show --kb {kb} --index {idx} fem") == ["feminita"]


def test_completion_of_the_bundled_kb_from_the_checkout():
    offered = complete("kzkb list --category ")
    vocabulary = re.findall(r'^slug = "([^"]+)"', (KB / "kzkb.toml").read_text(), re.M)
    assert sorted(offered) == sorted(vocabulary)


def test_completion_script_is_typer_s():
    result = kzkb_cli("--show-completion", "bash", env={"SHELL": "/bin/bash"})
    assert result.returncode == 0
    assert "_KZKB_COMPLETE=complete_bash" in result.stdout


def test_completion_of_a_missing_kb_offers_nothing_and_says_nothing(tmp_path):
    assert complete(f"kzkb list --kb {tmp_path / 'none'} --category lo") == []


# --- help and mistakes ------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_a_one_line_summary_and_examples(command):
    result = kzkb_cli(command, "--help", env={"COLUMNS": "200"})
    assert result.returncode == 0
    text = re.sub(r"[│╭╮╰╯─]", " ", result.stdout)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    usage, summary = paragraphs[0], paragraphs[1]
    assert usage.startswith(f"Usage: kzkb {command}")
    assert "\n" not in summary and len(summary) <= 80 and summary.endswith(".")
    examples = text[text.index("Examples:") :]
    assert f"kzkb {command}" in examples


def test_the_command_list_shows_each_summary_on_one_line():
    result = kzkb_cli("--help", env={"COLUMNS": "200"})
    for command in COMMANDS:
        line = next(x for x in result.stdout.splitlines() if re.search(rf"│ {command}\s", x))
        summary = line.strip("│ ").removeprefix(command).strip()
        assert summary.endswith("."), (command, summary)


@pytest.mark.parametrize(
    ("args", "suggestion"),
    [
        (["serch", "x"], "Did you mean 'search'?"),
        (["chek-links"], "Did you mean 'check-links'?"),
        (["list", "--categroy", "x"], "--category"),
        (["export", "--formt", "csv"], "--format"),
    ],
)
def test_a_mistyped_command_or_option_gets_a_suggestion(args, suggestion):
    result = kzkb_cli(*args, "--kb", str(KB))
    assert result.returncode == 2
    assert suggestion in result.stderr
    assert "Traceback" not in result.stderr
