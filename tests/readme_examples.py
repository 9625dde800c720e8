"""The README's console examples, run for real so they cannot drift.

    python -m tests.readme_examples           # check: exit 1 and a diff when one drifted
    python -m tests.readme_examples --write   # rewrite the outputs in README.md in place

Every ```console block of README.md is a session: each `$ kzkb …` line is run and
the lines under it, up to the next `$` or the end of the block, are what it printed.
A block right after `<!-- not run: reason -->` is left alone (another program, a KB
of the reader's own). Only output lines inside console blocks are ever rewritten.

How a block runs, so that every run prints the same:
- in a temporary folder holding `kb/` (a copy of the bundled KB), `mykb/` (that
  copy with the broken links the check-links example shows) and `messy/` (a small
  KB with lint's defects); a command with `--kb` runs in that folder, one without
  stands inside `kb/`, and `$ cd DIR && kzkb …` runs in DIR; the index of kb/ is
  built first; a block that changes a file (`kzkb new`) leaves the next block a
  fresh folder;
- on a pseudo-terminal 100 columns wide (TERMINAL_COLUMNS), since a `$` prompt is
  a terminal: a reader typing the command sees tables, not the tab-separated lines
  a pipe gets; stdin is /dev/null, so nothing prompts;
- NO_COLOR=1, PAGER=cat, TZ=UTC, KZKB_WATCH=off, and HOME and XDG_CACHE_HOME in
  the temporary folder, so no user's settings or cache are read.

What is allowed to vary is normalised by the named rules of normalisers(): the
cache path (~/.cache/kzkb/kb-<hash>.sqlite), the temporary folder (shown as ~),
timings (0.00 s); and
trailing spaces are dropped (a terminal table pads its lines). A line `...` in the
README is an elision: the real output must begin with the lines above it and end
with the lines below it; --write keeps as many lines on each side.
"""

from __future__ import annotations

import argparse
import difflib
import fcntl
import os
import pty
import re
import select
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BUNDLED_KB = ROOT / "kb"

TERMINAL_COLUMNS = 100
TERMINAL_ROWS = 50
ELISION = "..."
NOT_RUN = re.compile(r"<!--\s*not run:\s*(?P<reason>.+?)\s*-->")
TIMEOUT = 120


@dataclass
class Example:
    """One `$ kzkb …` line and the output the README shows under it."""

    line: int  # index of the `$` line in README.md's lines
    command: str
    shown: list[str]

    @property
    def end(self) -> int:
        return self.line + 1 + len(self.shown)


@dataclass
class Block:
    line: int  # index of the ```console line
    not_run: str | None = None
    examples: list[Example] = field(default_factory=list)


def parse(text: str) -> list[Block]:
    """Every ```console block of `text`, with its examples."""
    lines = text.split("\n")
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        if lines[index].strip() != "```console":
            index += 1
            continue
        block = Block(line=index, not_run=_not_run_reason(lines, index))
        index += 1
        current: Example | None = None
        while index < len(lines) and lines[index].strip() != "```":
            line = lines[index]
            if line.startswith("$ "):
                current = Example(line=index, command=line[2:], shown=[])
                block.examples.append(current)
            elif current is not None:
                current.shown.append(line)
            elif line.strip():
                raise ValueError(f"README.md:{index + 1}: output before any `$` line")
            index += 1
        blocks.append(block)
        index += 1
    return blocks


def _not_run_reason(lines: list[str], index: int) -> str | None:
    """The reason of a `<!-- not run: … -->` comment just above line `index`."""
    above = index - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    match = NOT_RUN.fullmatch(lines[above].strip()) if above >= 0 else None
    return match.group("reason") if match else None


# --- the folder the examples run in ------------------------------------------------------

# Appended to mykb/guides/media.md: the three broken links the check-links example
# shows (a typo in a page, a typo in a term, a web address without its scheme).
MYKB_DEFECTS = """
Groups such as [Feminita](/sources/sources/feminitaa/) and other [local NGOs](/category/local-ngoo/)
publish mostly on social networks: Feminita on [Facebook](facebook.com/feminita).
"""

# A hand-edited KB with the defects the lint example shows, and a few more
# (listed.md sorts first, so its findings open the report).
MESSY = {
    "kzkb.toml": (BUNDLED_KB / "kzkb.toml").read_text(encoding="utf-8"),
    "sources/listed.md": (
        "---\n"
        'title: ["Listed"]\n'
        "description: \u201cA source with curly quotes.\u201d\n"
        "category: [local-ngo]\n"
        "countries: [Kazakhstan]\n"
        "created: 2020-13-01\n"
        "url: feminita.kz\n"
        "---\n"
        "Body.\n"
    ),
    "sources/misdated.md": (
        "---\ntitle: \u201cMisdated\u201d\ndescription: A record.\ndate: 2024-02-30\n---\n"
        "See [Listed](/sources/listed/).\n"
    ),
    "sources/no_title.md": "---\ndescription: A record without a title.\n---\nBody.\n",
    "sources/term_typo.md": (
        "---\n"
        "title: Term typo\n"
        "description: An unknown category.\n"
        "category: [local-ngoo]\n"
        "tags: [Human Rights, human-rights]\n"
        "---\n"
        "Body.\n"
    ),
    "sources/unclosed.md": "---\ntitle: Unclosed\ndescription: front matter never closed\n",
}


def make_workspace(root: Path) -> Path:
    """The folder a block runs in: kb/, mykb/ and messy/, as the README's paths name them."""
    work = root / "work"
    ignore = shutil.ignore_patterns(".*")
    shutil.copytree(BUNDLED_KB, work / "kb", ignore=ignore)
    shutil.copytree(BUNDLED_KB, work / "mykb", ignore=ignore)
    media = work / "mykb" / "guides" / "media.md"
    media.write_text(media.read_text(encoding="utf-8") + MYKB_DEFECTS, encoding="utf-8")
    for name, text in MESSY.items():
        path = work / "messy" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "home").mkdir()
    return work


def environment(root: Path) -> dict[str, str]:
    """A fixed environment: the user's own kzkb settings, width and pager left out."""
    dropped = ("COLUMNS", "LINES", "PAGER", "LESS", "MANPAGER", "FORCE_COLOR", "TERM")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KZKB_") and k not in dropped}
    env.update(
        NO_COLOR="1",
        PAGER="cat",
        TERM="xterm-256color",
        TZ="UTC",
        LC_ALL="C.UTF-8",
        KZKB_WATCH="off",
        HOME=str(root / "home"),
        XDG_CACHE_HOME=str(root / "cache"),
    )
    return env


def kzkb_exe() -> list[str]:
    script = Path(sys.executable).parent / "kzkb"
    return [str(script)] if script.exists() else [sys.executable, "-m", "kzkb"]


def argv_and_cwd(command: str, work: Path) -> tuple[list[str], Path]:
    """The argv of a `$` line and where it runs: `cd DIR && kzkb …` or `kzkb …`."""
    words = shlex.split(command, comments=True)
    # With --kb the reader stands beside the KBs it names; without, inside kb/.
    naming = any(w == "--kb" or w.startswith("--kb=") for w in words)
    cwd = work if naming else work / "kb"
    if words[:1] == ["cd"] and len(words) > 3 and words[2] == "&&":
        cwd = work / words[1]
        words = words[3:]
    if not words or words[0] != "kzkb" or any(w in ("&&", "||", "|", ";") for w in words):
        raise ValueError(
            f"cannot run `$ {command}`: only `kzkb …` and `cd DIR && kzkb …` run; "
            "mark the block <!-- not run: reason -->"
        )
    return [*kzkb_exe(), *words[1:]], cwd


def on_terminal(argv: list[str], cwd: Path, env: dict[str, str]) -> str:
    """What `argv` prints on a terminal TERMINAL_COLUMNS wide, escapes removed."""
    leader, follower = pty.openpty()
    size = struct.pack("HHHH", TERMINAL_ROWS, TERMINAL_COLUMNS, 0, 0)
    fcntl.ioctl(follower, termios.TIOCSWINSZ, size)
    with open(os.devnull, "rb") as stdin:
        proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=stdin, stdout=follower, stderr=follower,
            start_new_session=True,
        )  # fmt: skip
    os.close(follower)
    chunks = []
    deadline = time.monotonic() + TIMEOUT
    # poll, not select: in a long test run descriptors pass 1024, which select refuses
    poller = select.poll()
    poller.register(leader, select.POLLIN)
    while True:
        ready = poller.poll(max(0.0, deadline - time.monotonic()) * 1000)
        if not ready:  # waiting for input, or hung: never block the test run
            proc.kill()
            proc.wait()
            os.close(leader)
            raise TimeoutError(f"{shlex.join(argv)} printed nothing for {TIMEOUT} s")
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the last writer closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=TIMEOUT)
    os.close(leader)
    text = b"".join(chunks).decode("utf-8", "replace")
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07", "", text)
    return text.replace("\r\n", "\n").replace("\r", "")


# --- what may vary ---------------------------------------------------------------------


def normalisers(root: Path, work: Path) -> list[tuple[str, re.Pattern[str], str]]:
    """Named rules: (name, pattern, replacement), applied in order."""
    cache = re.escape(str(root / "cache"))
    return [
        # the index lives in the user cache under a name hashed from the KB's path
        (
            "cache-path",
            re.compile(cache + r"/kzkb/(?P<name>[\w.-]+?)-[0-9a-f]{16}\.sqlite"),
            r"~/.cache/kzkb/\g<name>-<hash>.sqlite",
        ),
        ("cache-root", re.compile(cache), "~/.cache"),
        # an absolute path into the folder the examples run in, as a reader's home
        ("temp-folder", re.compile(re.escape(str(work))), "~"),
        # how long a refresh took depends on the machine
        ("timing", re.compile(r"\b\d+(?:\.\d+)? (?P<unit>s|ms|µs)\b"), r"0.00 \g<unit>"),
    ]


def normalise(text: str, rules: list[tuple[str, re.Pattern[str], str]]) -> list[str]:
    for _name, pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


class Session:
    """A temporary folder and environment the blocks run in, one after another.

    A block that changes the folder (`kzkb new` writes a record) leaves it to no
    other: the next block gets a fresh one."""

    def __init__(self) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._seen: dict[str, tuple[int, int]] = {}

    def _fresh(self) -> None:
        self.close()
        self._tmp = tempfile.TemporaryDirectory(prefix="kzkb-readme-")
        self.root = Path(self._tmp.name).resolve()
        self.work = make_workspace(self.root)
        self.env = environment(self.root)
        self.rules = normalisers(self.root, self.work)
        # Built before the examples so none shows a first build's messages.
        subprocess.run(
            [*kzkb_exe(), "index", "--kb", str(self.work / "kb")],
            env=self.env, cwd=self.work, capture_output=True, timeout=TIMEOUT, check=True,
        )  # fmt: skip
        self._seen = self._files()

    def _files(self) -> dict[str, tuple[int, int]]:
        return {
            str(path): (stat.st_size, stat.st_mtime_ns)
            for path in self.work.rglob("*")
            if (stat := path.stat()) and path.is_file()
        }

    def run(self, block: Block) -> list[list[str]]:
        """What each example of `block` prints, run in order."""
        if self._tmp is None or self._files() != self._seen:
            self._fresh()
        outputs = []
        for example in block.examples:
            argv, cwd = argv_and_cwd(example.command, self.work)
            outputs.append(normalise(on_terminal(argv, cwd, self.env), self.rules))
        return outputs

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


# --- compare and write -----------------------------------------------------------------


def matches(shown: list[str], real: list[str]) -> bool:
    shown = [line.rstrip() for line in shown]
    while shown and not shown[-1]:
        shown.pop()
    if ELISION not in shown:
        return shown == real
    cut = shown.index(ELISION)
    head, tail = shown[:cut], shown[cut + 1 :]
    return (
        len(real) >= len(head) + len(tail)
        and real[: len(head)] == head
        and (not tail or real[-len(tail) :] == tail)
    )


def rewritten(shown: list[str], real: list[str]) -> list[str]:
    """`real` in place of `shown`, keeping an elision's head and tail lengths."""
    if ELISION not in shown:
        return real
    shown = [line.rstrip() for line in shown]
    while shown and not shown[-1]:
        shown.pop()
    cut = shown.index(ELISION)
    head, tail = cut, len(shown) - cut - 1
    if len(real) <= head + tail:
        return real
    return [*real[:head], ELISION, *(real[-tail:] if tail else [])]


@dataclass
class Outcome:
    example: Example
    real: list[str]

    @property
    def ok(self) -> bool:
        return matches(self.example.shown, self.real)

    def diff(self) -> str:
        shown = [line.rstrip() for line in self.example.shown]
        return "\n".join(
            difflib.unified_diff(shown, self.real, "README.md", "real output", lineterm="", n=2)
        )


def check(text: str) -> tuple[list[Outcome], list[Block]]:
    """Run every example of `text`; the outcomes, and the blocks marked not run."""
    outcomes: list[Outcome] = []
    skipped: list[Block] = []
    session = Session()
    try:
        for block in parse(text):
            if block.not_run is not None:
                skipped.append(block)
                continue
            for example, real in zip(block.examples, session.run(block), strict=True):
                outcomes.append(Outcome(example, real))
    finally:
        session.close()
    return outcomes, skipped


def write(text: str, outcomes: list[Outcome]) -> str:
    lines = text.split("\n")
    for outcome in sorted(outcomes, key=lambda o: o.example.line, reverse=True):
        example = outcome.example
        if outcome.ok:
            continue
        new = rewritten(example.shown, outcome.real)
        lines[example.line + 1 : example.end] = new
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.readme_examples", description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the drifted outputs")
    parser.add_argument("--readme", type=Path, default=README, help="default: README.md")
    args = parser.parse_args(argv)
    text = args.readme.read_text(encoding="utf-8")
    try:
        outcomes, skipped = check(text)
    except ValueError as error:  # a `$` line it cannot run, or output before one
        print(f"{args.readme.name}: {error}", file=sys.stderr)
        return 2
    drifted = [o for o in outcomes if not o.ok]
    for outcome in drifted:
        print(f"{args.readme.name}:{outcome.example.line + 1}: $ {outcome.example.command}")
        print(outcome.diff(), end="\n\n")
    for block in skipped:
        print(f"{args.readme.name}:{block.line + 1}: not run: {block.not_run}")
    print(f"{len(outcomes)} examples run, {len(drifted)} drifted, {len(skipped)} blocks not run")
    if args.write and drifted:
        args.readme.write_text(write(text, outcomes), encoding="utf-8")
        print(f"rewrote {len(drifted)} outputs in {args.readme}")
        return 0
    return 1 if drifted else 0


if __name__ == "__main__":
    raise SystemExit(main())
