"""Options as people type them: global options before or after the command,
--color beside NO_COLOR and FORCE_COLOR, a pager on a terminal (git's
convention), completion for a named shell, suggestions for a typo, and help
text shown as written.

Each runs the installed command, a real process: stdout a pipe, or a
pseudo-terminal where the terminal is the point.
"""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import KB
from tests.helpers import clean_env, kzkb_exe, on_pty, own_terminal, press_ctrl_c, run_kzkb

ESC = "\x1b["


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = clean_env(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR", "PAGER", "KZKB_PAGER", "COLUMNS", "LESS"):
        env.pop(name, None)
    env["KZKB_WATCH"] = "off"
    return env


def on_terminal(args: list[str], env: dict[str, str], columns: int = 100) -> tuple[int, str]:
    """kzkb on a pseudo-terminal (stdin, stdout and stderr): its exit code and all it printed."""
    code, text = on_pty(args, env, columns, rows=40)
    return code, text.replace("\r", "")


# --- global options anywhere ---------------------------------------------------------------


def test_kb_and_index_before_the_command(env, tmp_path):
    index = str(tmp_path / "i.db")
    before = run_kzkb(env, "--kb", str(KB), "--index", index, "search", "feminist", "-f", "json")
    after = run_kzkb(env, "search", "feminist", "-f", "json", "--kb", str(KB), "--index", index)
    assert before.returncode == 0, before.stderr
    assert json.loads(before.stdout) == json.loads(after.stdout)
    assert (tmp_path / "i.db").exists()


def test_kb_given_as_one_word_before_the_command(env, tmp_path):
    result = run_kzkb(env, f"--kb={KB}", "list", "-f", "json", "-n", "1")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--debug", "search", "feminist"],
        ["search", "feminist", "--debug"],
        ["search", "--color", "never", "feminist"],
        ["--color=never", "search", "feminist"],
        ["search", "feminist", "--no-pager"],
        ["search", "feminist", "--content-dir", str(KB / "sources")],
    ],
)
def test_root_options_after_the_command_too(env, args):
    result = run_kzkb(env, *args, "--kb", str(KB), "-f", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["title"] in ("Feminita", "KazFem")


def test_nothing_after_a_double_dash_moves():
    from kzkb.cli.options import arrange

    assert arrange(["search", "--", "--debug", "--kb", "x"]) == [
        "search", "--", "--debug", "--kb", "x",
    ]  # fmt: skip
    assert arrange(["--kb", "k", "search", "q", "--debug", "--color", "never"]) == [
        "--debug", "--color", "never", "search", "--kb", "k", "q",
    ]  # fmt: skip
    # a value is the option's, whatever it looks like
    assert arrange(["search", "--kb", "--debug", "q"]) == ["search", "--kb", "--debug", "q"]


# --- colour ----------------------------------------------------------------------------------


def error_line(env: dict[str, str], *args: str, extra: dict[str, str] | None = None) -> str:
    result = run_kzkb(env, *args, "search", "x", "--kb", "/nonexistent/kb", extra=extra)
    assert result.returncode == 2
    return result.stderr


def test_color_always_colours_a_pipe(env):
    assert ESC in error_line(env, "--color", "always")


def test_color_never_beats_force_color(env):
    assert ESC not in error_line(env, "--color", "never", extra={"FORCE_COLOR": "1"})


def test_force_color_colours_a_pipe_and_no_color_wins_over_it(env):
    assert ESC in error_line(env, extra={"FORCE_COLOR": "1"})
    assert ESC not in error_line(env, extra={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert ESC not in error_line(env)  # a pipe, by default


def test_color_always_beats_no_color(env):
    assert ESC in error_line(env, "--color", "always", extra={"NO_COLOR": "1"})


def test_no_color_and_color_never_on_a_terminal(env):
    env["KZKB_PAGER"] = "cat"
    args = ["show", "feminita", "--kb", str(KB)]
    assert ESC + "1m" in on_terminal(args, env)[1] or ESC in on_terminal(args, env)[1]
    assert ESC not in on_terminal(["--color", "never", *args], env)[1]
    assert ESC not in on_terminal(args, {**env, "NO_COLOR": "1"})[1].replace(ESC + "?", "")


def test_an_unknown_color_mode_is_a_usage_error(env):
    result = run_kzkb(env, "--color", "sometimes", "list", "--kb", str(KB))
    assert result.returncode == 2
    assert "sometimes" in result.stderr and "Traceback" not in result.stderr


# --- pager -------------------------------------------------------------------------------------


def fake_pager(tmp_path: Path) -> tuple[str, Path]:
    """A pager that copies what it reads to a file, then to the terminal."""
    seen = tmp_path / "paged.txt"
    script = tmp_path / "pager.py"
    script.write_text(
        "import sys\n"
        "data = sys.stdin.read()\n"
        f"open({str(seen)!r}, 'w').write(data)\n"
        "sys.stdout.write(data)\n"
    )
    return f"{sys.executable} {script}", seen


def test_show_on_a_terminal_goes_through_kzkb_pager(env, tmp_path):
    env["KZKB_PAGER"], seen = fake_pager(tmp_path)
    env["PAGER"] = "false"  # KZKB_PAGER first
    code, shown = on_terminal(["show", "feminita", "--kb", str(KB)], env)
    assert code == 0, shown
    assert "Feminita" in seen.read_text()
    assert "Feminita" in shown


def test_pager_gets_the_terminal_s_width_and_colours(env, tmp_path):
    env["KZKB_PAGER"], seen = fake_pager(tmp_path)
    code, _ = on_terminal(["list", "--kb", str(KB)], env, columns=100)
    assert code == 0
    paged = seen.read_text()
    assert ESC in paged  # colours kept, as less -R shows them
    plain = re.sub(r"\x1b\[[0-9;]*m", "", paged)
    assert max(len(line) for line in plain.splitlines()) <= 100


def test_pager_from_pager_when_kzkb_pager_is_unset(env, tmp_path):
    env["PAGER"], seen = fake_pager(tmp_path)
    code, _ = on_terminal(["list", "--kb", str(KB)], env)
    assert code == 0 and "Feminita" in seen.read_text()


@pytest.mark.parametrize("how", ["--no-pager", "empty", "cat"])
def test_no_pager(env, tmp_path, how):
    pager, seen = fake_pager(tmp_path)
    args = ["show", "feminita", "--kb", str(KB)]
    if how == "--no-pager":
        env["KZKB_PAGER"] = pager
        args = [*args, "--no-pager"]
    else:
        env["PAGER"] = pager
        env["KZKB_PAGER"] = "" if how == "empty" else "cat"
    code, shown = on_terminal(args, env)
    assert code == 0 and "Feminita" in shown
    assert not seen.exists()


def test_never_a_pager_when_stdout_is_not_a_terminal(env, tmp_path):
    env["KZKB_PAGER"], seen = fake_pager(tmp_path)
    result = run_kzkb(env, "show", "feminita", "--kb", str(KB))
    assert result.returncode == 0 and "Feminita" in result.stdout
    assert not seen.exists()


def test_the_default_pager_is_less_frx():
    from kzkb.views.console import pager_command

    if not any((Path(p) / "less").exists() for p in os.environ["PATH"].split(os.pathsep)):
        pytest.skip("less is not installed here")  # the default is then no pager
    assert pager_command({}) == "less -FRX"
    assert pager_command({"PAGER": "most"}) == "most"
    assert pager_command({"PAGER": "most", "KZKB_PAGER": "less"}) == "less"
    assert pager_command({"PAGER": "cat"}) is None
    assert pager_command({"KZKB_PAGER": ""}) is None


def test_the_exit_code_survives_the_pager(env, tmp_path):
    env["KZKB_PAGER"], _ = fake_pager(tmp_path)
    code, _ = on_terminal(["search", "zzzqqq", "--kb", str(KB)], env)
    assert code == 1


# --- completion ---------------------------------------------------------------------------------


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell"])
def test_completion_for_the_shell_named_from_sh(env, shell):
    kzkb = " ".join(kzkb_exe())
    for line in (f"{kzkb} completion {shell}", f"{kzkb} --show-completion {shell}"):
        result = subprocess.run(
            ["sh", "-c", line], capture_output=True, text=True, env=env, timeout=60
        )
        assert result.returncode == 0, result.stderr
        assert "_KZKB_COMPLETE" in result.stdout
        assert f"complete_{shell}" in result.stdout or shell == "powershell"


def test_completion_without_a_shell_from_sh_says_what_to_do(env):
    kzkb = " ".join(kzkb_exe())
    result = subprocess.run(
        ["sh", "-c", f"{kzkb} completion"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 2
    assert "kzkb completion bash" in result.stderr and "Traceback" not in result.stderr


# --- a typo, and help as written -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "meant"),
    [
        (["search", "x", "--colour", "never"], "--color"),
        (["list", "--katgory", "x"], "--category"),
        (["--colr", "never", "list"], "--color"),
        (["list", "--lmit", "3"], "--limit"),
    ],
)
def test_a_typo_is_answered_with_the_nearest_option(env, args, meant):
    result = run_kzkb(env, *args, "--kb", str(KB), extra={"COLUMNS": "200"})
    assert result.returncode == 2
    suggestion = re.search(r"\((?:Possible options|Did you mean):? ([^)]*)\)", result.stderr)
    assert suggestion, result.stderr
    assert suggestion.group(1).split(", ") == [meant]


@pytest.mark.parametrize(("command", "option"), [("watcher", "--index"), ("completion", "--kb")])
def test_a_global_option_the_command_does_not_take_is_named_as_such(env, command, option):
    """`kzkb watcher status --index X` once said "No such option: --index
    (Possible options: --index)": it suggested the very option refused."""
    result = run_kzkb(env, command, option, "x", extra={"COLUMNS": "200"})
    assert result.returncode == 2
    assert f"kzkb {command} takes no {option} option" in result.stderr
    assert "Possible options" not in result.stderr and "Did you mean" not in result.stderr


def test_help_text_is_text_not_markup(env):
    result = run_kzkb(env, "watcher", "--help", extra={"COLUMNS": "200"})
    assert result.returncode == 0
    assert "[index] watch = false" in result.stdout


def test_root_help_names_the_global_options(env):
    result = run_kzkb(env, "--help", extra={"COLUMNS": "200"})
    for option in ("--color", "--no-pager", "--debug", "--show-completion"):
        assert option in result.stdout
    assert "before or after" in result.stdout


def test_ctrl_c_is_130(env, tmp_path):
    """Ctrl-C at a prompt exits 130, as the shell reports a SIGINT, not 1 (nothing found)."""
    _copy_kb(tmp_path / "kb-copy")
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [*kzkb_exe(), "new", "--kb", str(tmp_path / "kb-copy"), "--index", str(tmp_path / "i")],
        stdin=follower, stdout=follower, stderr=follower, env=env, preexec_fn=own_terminal,
    )  # fmt: skip
    os.close(follower)
    seen = b""
    while b"Title" not in seen:
        chunk = os.read(leader, 4096)
        if not chunk:
            break
        seen += chunk
    press_ctrl_c(leader, proc.pid)
    code = proc.wait(timeout=60)
    os.close(leader)
    assert code == 130, seen


def _copy_kb(target: Path) -> None:
    import shutil

    if not target.exists():
        shutil.copytree(KB, target)


# --- totals, empties and successes said ----------------------------------------------------------


def test_a_folder_without_records_is_a_kb_error(env, tmp_path):
    empty = tmp_path / "etc"
    empty.mkdir()
    (empty / "passwd").write_text("root:x:0:0\n")
    for command in (["search", "feminist"], ["list"], ["show", "x"], ["export"]):
        result = run_kzkb(env, *command, "--kb", str(empty))
        assert result.returncode == 2, (command, result.stderr)
        assert f"no records in {empty}" in result.stderr
        assert "--kb" in result.stderr  # the fix
        assert "no record matches" not in result.stderr.casefold()


def test_a_kb_of_unreadable_files_is_not_called_empty(env, tmp_path):
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n")
    result = run_kzkb(env, "lint", "--kb", str(kb))
    assert "no records in" not in result.stderr
    assert "broken.md" in result.stdout + result.stderr


def test_an_empty_csv_still_has_its_header(env):
    result = run_kzkb(env, "export", "zzzqqqx", "-f", "csv", "--kb", str(KB))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("path,url,lang,kind,title,")
    chosen = run_kzkb(
        env, "export", "zzzqqqx", "-f", "csv", "--fields", "path,title", "--kb", str(KB)
    )
    assert chosen.stdout == "path,title\n"


def test_export_says_what_it_wrote(env, tmp_path):
    records = len(json.loads(run_kzkb(env, "list", "-f", "json", "--kb", str(KB)).stdout))
    target = tmp_path / "kb.json"
    result = run_kzkb(env, "export", "-o", str(target), "--kb", str(KB))
    assert result.returncode == 0
    assert result.stderr.strip().endswith(f"wrote {records} records to {target} (json)")
    assert len(json.loads(target.read_text())["records"]) == records


def test_export_to_a_folder_says_it_is_a_folder_first(env, tmp_path):
    folder = tmp_path / "out.json"
    folder.mkdir()
    for extra in ([], ["--force"]):
        result = run_kzkb(env, "export", "-o", str(folder), *extra, "--kb", str(KB))
        assert result.returncode == 2
        assert f"{folder} is a folder" in result.stderr and "--force" not in result.stderr


def test_a_format_unlike_the_file_s_name_is_said(env, tmp_path):
    target = tmp_path / "x.json"
    result = run_kzkb(env, "export", "-o", str(target), "-f", "csv", "--kb", str(KB))
    assert result.returncode == 0
    assert f"warning: writing csv into {target}, whose name says json" in result.stderr
    assert "x.csv" in result.stderr  # the fix
    assert target.read_text().startswith("path,")  # what was asked for is written
    agree = run_kzkb(env, "export", "-o", str(tmp_path / "y.csv"), "-f", "csv", "--kb", str(KB))
    assert "warning" not in agree.stderr


def _kb_with_repairs(root: Path) -> Path:
    import shutil

    kb = root / "kb"
    shutil.copytree(KB, kb)
    sources = kb / "sources" / "sources"
    (sources / "bom_rec.md").write_text("\ufeff---\ntitle: BOM\n---\nBody.\n", encoding="utf-8")
    (sources / "listed.md").write_text('---\ntitle: ["Listed"]\n---\nBody.\n', encoding="utf-8")
    return kb


@pytest.mark.parametrize("where", ["above", "outside"])
def test_a_dry_run_diff_applies_with_patch_p1(env, tmp_path, where):
    kb = _kb_with_repairs(tmp_path / "work")
    cwd = tmp_path / "work" if where == "above" else tmp_path / "elsewhere"
    cwd.mkdir(exist_ok=True)
    dry = run_kzkb(env, "lint", "--fix", "--dry-run", "--kb", str(kb), cwd=cwd)
    assert dry.returncode == 1, dry.stderr
    assert "a//" not in dry.stdout and "\n--- a/" in "\n" + dry.stdout
    command = ["patch", "-p1", "--batch"]
    if where == "outside":
        first = dry.stdout.splitlines()[0]
        assert first == f"# paths below {kb.resolve()}: apply with patch -p1 -d {kb.resolve()}"
        command += ["-d", str(kb)]
    applied = subprocess.run(command, input=dry.stdout, text=True, capture_output=True, cwd=cwd)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    again = run_kzkb(env, "lint", "--fix", "--dry-run", "--kb", str(kb), cwd=cwd)
    assert (again.returncode, again.stdout) == (0, "")
