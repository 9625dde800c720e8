"""Exit 70 is for bugs in kzkb: what the user typed, wrote in kzkb.toml or the
machine they run it on (a full disk, a name too long, a read-only folder) is
exit 2 with one line naming the problem and the file."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import KB
from tests.helpers import clean_env, kzkb_exe, record, run_kzkb, write_kb

HUGE = "99999999999999999999"  # past every C and SQLite integer


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("kzkb: error: "), stderr
    assert "internal error" not in lines[0] and "Traceback" not in stderr, stderr
    return lines[0]


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return write_kb(
        tmp_path / "kb",
        {"sources/a.md": record("Alpha", "alpha body"), "sources/b.md": record("Beta")},
        'title = "Small"\n',
    )


# --- numbers the user gives ---------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["search", "alpha", "--limit", HUGE],
        ["search", "alpha", "-n", HUGE, "--format", "json"],
        ["list", "--limit", HUGE],
        ["list", "-n", HUGE, "--format", "json"],
        ["terms", "--limit", HUGE],
        ["stats", "--top", HUGE],
    ],
)
def test_an_integer_option_past_its_bound_is_a_usage_error(run, small, args):
    result = run(*args, "--kb", str(small))
    assert result.exit_code == 2, result.output
    assert "is not in the range" in result.stderr and "internal error" not in result.stderr


def test_the_largest_integer_an_option_takes_still_works(run, small):
    result = run("search", "alpha", "--limit", str(2**63 - 1), "--kb", str(small))
    assert result.exit_code == 0, result.output
    assert "Alpha" in result.stdout


def test_a_huge_max_file_size_is_a_one_line_error_naming_file_and_line(run, tmp_path):
    root = write_kb(
        tmp_path / "kb",
        {"a.md": record("A")},
        f'title = "x"\n\n[index]\nmax_file_size = "{HUGE} GB"\n',
    )
    result = run("list", "--kb", str(root))
    assert result.exit_code == 2, result.output
    line = one_error_line(result.stderr)
    assert "kzkb.toml:4" in line and "max_file_size" in line


@pytest.mark.parametrize("size", [HUGE, f"{HUGE} B", "1e400 GB", "0", "-5"])
def test_no_max_file_size_out_of_bounds_is_taken(run, tmp_path, size):
    value = size if size.lstrip("-").isdigit() else f'"{size}"'
    root = write_kb(tmp_path / "kb", {"a.md": record("A")}, f"[index]\nmax_file_size = {value}\n")
    result = run("list", "--kb", str(root))
    assert result.exit_code == 2, result.output
    assert "max_file_size" in one_error_line(result.stderr)


# --- references ---------------------------------------------------------------------------


def test_show_of_a_huge_reference_is_no_match_in_one_short_line(run):
    result = run("show", "a" * 60_000, "--kb", str(KB))
    assert result.exit_code == 2, result.output
    line = one_error_line(result.stderr)
    assert "no record matches" in line and len(line) < 400


def test_show_takes_a_slug_literally_not_as_a_pattern(run):
    assert run("show", "feminita", "--kb", str(KB)).exit_code == 0
    for ref in ("feminit_", "%", "femin%"):
        result = run("show", ref, "--kb", str(KB))
        assert result.exit_code == 2, (ref, result.output)
        assert "no record matches" in one_error_line(result.stderr)


# --- the machine: names too long, full disks, read-only folders --------------------------


def test_an_export_file_name_too_long_is_a_one_line_error(run, small, tmp_path):
    target = tmp_path / ("x" * 300 + ".json")
    result = run("export", "--kb", str(small), "-f", "json", "-o", str(target))
    assert result.exit_code == 2, result.output
    line = one_error_line(result.stderr)
    assert "File name too long" in line and "xxxx.json" in line


def test_a_kb_path_too_long_is_a_one_line_error(run, tmp_path):
    result = run("list", "--kb", str(tmp_path / ("k" * 300)))
    assert result.exit_code == 2, result.output
    assert "too long" in one_error_line(result.stderr)


def test_a_full_disk_during_an_export_names_the_file(run, small, tmp_path, monkeypatch):
    """The writer fails as it would on a full disk, in process."""
    from kzkb.export import engine

    def full(rows, out, header):
        out.write("{")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(engine, "write_json", full)
    target = tmp_path / "out.json"
    result = run("export", "--kb", str(small), "-f", "json", "-o", str(target))
    assert result.exit_code == 2, result.output
    line = one_error_line(result.stderr)
    assert str(target) in line and "No space left on device" in line
    assert not target.exists() and not list(tmp_path.glob(".out.json.*"))


def test_a_full_standard_output_is_a_one_line_error(small, tmp_path):
    """/dev/full answers every write with ENOSPC, as a full disk does."""
    env = clean_env(tmp_path)
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [*kzkb_exe(), "export", "--kb", str(small), "-f", "json"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
    assert result.returncode == 2, result.stderr
    line = one_error_line(result.stderr)
    assert "No space left on device" in line and "standard output" in line


def _tiny_mount(folder: Path, options: str) -> None:
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.decode().strip()}")


@pytest.fixture
def tiny_disk(tmp_path: Path):
    folder = tmp_path / "tiny"
    _tiny_mount(folder, "size=64k")
    yield folder
    subprocess.run(["umount", str(folder)], check=False)


@pytest.fixture
def read_only(tmp_path: Path):
    folder = tmp_path / "ro"
    _tiny_mount(folder, "size=64k,ro")
    yield folder
    subprocess.run(["umount", str(folder)], check=False)


def test_export_to_a_really_full_disk_is_a_one_line_error(small, tiny_disk, tmp_path):
    big = write_kb(
        tmp_path / "big",
        {f"sources/r{i}.md": record(f"Record {i}", "word " * 200) for i in range(60)},
    )
    env = clean_env(tmp_path)
    result = run_kzkb(env, "export", "--kb", str(big), "-f", "json", "-o", f"{tiny_disk}/o.json")
    assert result.returncode == 2, result.stderr
    line = one_error_line(result.stderr)
    assert f"{tiny_disk}/o.json" in line and "No space left on device" in line
    assert os.listdir(tiny_disk) == []  # the half-written temporary file is gone


def test_an_index_on_a_really_full_disk_is_a_one_line_error(small, tiny_disk, tmp_path):
    env = clean_env(tmp_path)
    big = write_kb(
        tmp_path / "big",
        {f"sources/r{i}.md": record(f"Record {i}", "word " * 200) for i in range(60)},
    )
    result = run_kzkb(env, "list", "--kb", str(big), "--index", f"{tiny_disk}/i.db")
    assert result.returncode == 2, result.stderr
    assert "full" in one_error_line(result.stderr)


def test_export_into_a_read_only_folder_is_a_one_line_error(small, read_only, tmp_path):
    env = clean_env(tmp_path)
    result = run_kzkb(env, "export", "--kb", str(small), "-f", "json", "-o", f"{read_only}/o.json")
    assert result.returncode == 2, result.stderr
    line = one_error_line(result.stderr)
    assert f"{read_only}/o.json" in line and "Read-only file system" in line


def test_a_bug_is_still_exit_70(run, small, monkeypatch):
    """An OSError kzkb makes itself, without a file, is not the user's."""
    from kzkb.export import engine

    def broken(rows, out, header):
        raise OSError(errno.EINVAL, "invalid argument")

    monkeypatch.setattr(engine, "write_json", broken)
    result = run("export", "--kb", str(small), "-f", "json")
    assert result.exit_code == 70, result.output
    assert "internal error" in result.stderr


@pytest.mark.parametrize(
    ("code", "filename", "user"),
    [
        (errno.ENOSPC, None, True),  # a full disk is the machine's whatever kzkb writes
        (errno.EDQUOT, "/x/out.json", True),
        (errno.ENAMETOOLONG, "/x/" + "n" * 300, True),
        (errno.EROFS, "/x/out.json", True),
        (errno.EACCES, "/x/out.json", True),
        (errno.EPERM, "/x/out.json", True),
        (errno.EMFILE, "/x/a.md", True),
        (errno.EACCES, None, False),  # no file named: kzkb's own doing
        (errno.EINVAL, "/x/out.json", False),
        (errno.EBADF, None, False),
    ],
)
def test_which_system_errors_are_the_machine_s(code, filename, user):
    from kzkb.cli.app import environment_error

    message = environment_error(OSError(code, os.strerror(code), filename))
    if not user:
        assert message is None
        return
    assert message is not None and "\n" not in message
    assert os.strerror(code) in message and " — " in message  # the problem, then the fix
    if filename:
        assert message.startswith(filename + ": ")


def test_permission_denied_on_an_export_folder_is_a_one_line_error(
    run, small, tmp_path, monkeypatch
):
    """As root no folder refuses a write: the system's answer is made in process."""
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), kwargs.get("dir"))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    result = run("export", "--kb", str(small), "-f", "json", "-o", str(tmp_path / "o.json"))
    assert result.exit_code == 2, result.output
    line = one_error_line(result.stderr)
    assert "Permission denied" in line and str(tmp_path) in line


def test_an_export_to_the_longest_file_name_a_file_system_takes_is_written(run, small, tmp_path):
    """255 bytes: the temporary file beside it must not be longer than that."""
    target = tmp_path / ("ә" * 125 + ".json")
    assert len(target.name.encode("utf-8")) == 255
    result = run("export", "--kb", str(small), "-f", "json", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").startswith('{"kb"')


def test_a_sqlite_export_to_a_really_full_disk_is_a_one_line_error(small, tiny_disk, tmp_path):
    big = write_kb(
        tmp_path / "big",
        {f"sources/r{i}.md": record(f"Record {i}", "word " * 200) for i in range(60)},
    )
    env = clean_env(tmp_path)
    result = run_kzkb(env, "export", "--kb", str(big), "-o", f"{tiny_disk}/kb.sqlite")
    assert result.returncode == 2, result.stderr
    line = one_error_line(result.stderr)
    assert f"{tiny_disk}/kb.sqlite" in line and "No space left on device" in line
    assert os.listdir(tiny_disk) == []


def test_a_full_disk_during_a_sqlite_export_names_the_file(run, small, tmp_path, monkeypatch):
    """SQLite says SQLITE_FULL (13) where a write says ENOSPC, in process."""
    from kzkb.export import engine

    class Full(Exception):
        sqlite_errorcode = 13

    def full(records, path, config, body):
        raise Full("database or disk is full")

    monkeypatch.setattr(engine, "write_sqlite", full)
    target = tmp_path / "kb.sqlite"
    result = run("export", "--kb", str(small), "-o", str(target))
    assert result.exit_code == 2, result.output
    assert str(target) in one_error_line(result.stderr)


def test_lint_fix_on_a_really_full_disk_names_the_record(tiny_disk, tmp_path):
    """The repair's temporary file cannot be written: the line names the
    record being repaired, not the hidden temporary file, and the record is
    left as it was."""
    kb = write_kb(tiny_disk / "kb", {"sources/a.md": record("A", category="Local NGO")})
    before = (kb / "sources/a.md").read_bytes()
    # take every free block
    with open(tiny_disk / "filler", "wb", buffering=0) as filler, contextlib.suppress(OSError):
        while True:
            filler.write(b"\0" * 4096)
    env = clean_env(tmp_path)
    result = run_kzkb(env, "lint", "--fix", "--kb", str(kb))
    assert result.returncode == 2, result.stderr
    line = one_error_line(result.stderr)
    assert str(kb / "sources/a.md") in line and "No space left on device" in line, line
    assert ".part" not in line
    assert (kb / "sources/a.md").read_bytes() == before
