"""The README's console examples print what kzkb prints: each `$ kzkb …` line of
README.md is run over a copy of the bundled KB on a terminal 100 columns wide
(tests/readme_examples.py says how) and its output compared with the README's.
When one fails: `python -m tests.readme_examples --write` rewrites the outputs, and
the diff of README.md shows what changed for a reader."""

from __future__ import annotations

import pytest

from tests import readme_examples as rx

TEXT = rx.README.read_text(encoding="utf-8")
BLOCKS = rx.parse(TEXT)
EXAMPLES = [e for b in BLOCKS if b.not_run is None for e in b.examples]


@pytest.fixture(scope="module")
def outcomes() -> dict[int, rx.Outcome]:
    done, _ = rx.check(TEXT)
    return {o.example.line: o for o in done}


def _id(example: rx.Example) -> str:
    """README.md:LINE-subcommand, the line where the `$ kzkb` example is."""
    words = example.command.split()
    return f"README.md:{example.line + 1}-{words[words.index('kzkb') + 1]}"


@pytest.mark.parametrize("example", EXAMPLES, ids=[_id(e) for e in EXAMPLES])
def test_the_readme_shows_what_the_command_prints(outcomes, example) -> None:
    outcome = outcomes[example.line]
    assert outcome.ok, (
        f"README.md:{example.line + 1}: `$ {example.command}` prints something else "
        f"(python -m tests.readme_examples --write rewrites it):\n{outcome.diff()}"
    )


def test_every_console_block_runs_or_says_why_not() -> None:
    assert EXAMPLES, "no console examples found in README.md"
    for block in BLOCKS:
        for example in block.examples if block.not_run is None else []:
            rx.argv_and_cwd(example.command, rx.ROOT)  # raises on a line it cannot run
    not_run = [b for b in BLOCKS if b.not_run is not None]
    assert len(not_run) <= len(BLOCKS) // 3, [b.not_run for b in not_run]


SAMPLE = """Prose with $ kzkb search x outside a block.

```console
$ kzkb one
old line
$ kzkb two
kept
```

```sh
$ kzkb three
untouched
```

```console
$ kzkb four
head
...
tail
```
"""


def test_write_replaces_only_the_outputs_of_drifted_examples() -> None:
    blocks = rx.parse(SAMPLE)
    assert [e.command for b in blocks for e in b.examples] == ["kzkb one", "kzkb two", "kzkb four"]
    one, two, four = (e for b in blocks for e in b.examples)
    real = {
        "kzkb one": ["new line", "", "second"],
        "kzkb two": ["kept"],
        "kzkb four": ["head", "a", "b", "new tail"],
    }
    written = rx.write(SAMPLE, [rx.Outcome(e, real[e.command]) for e in (one, two, four)])
    assert written == (
        SAMPLE.replace("$ kzkb one\nold line", "$ kzkb one\nnew line\n\nsecond").replace(
            "...\ntail", "...\nnew tail"
        )
    )


@pytest.mark.parametrize(
    ("shown", "real", "ok"),
    [
        (["a", "...", "z"], ["a", "b", "c", "z"], True),
        (["a", "..."], ["a", "b"], True),
        (["a", "...", "z"], ["a", "b", "y"], False),
        (["a", "...", "z"], ["b", "z"], False),
        (["a", "b  ", ""], ["a", "b"], True),  # trailing spaces and blank lines
        (["a"], ["a", "b"], False),
    ],
)
def test_an_elision_stands_for_the_lines_between_its_head_and_tail(shown, real, ok) -> None:
    assert rx.matches(shown, real) is ok


def test_what_may_vary_is_normalised_by_named_rules(tmp_path) -> None:
    work = tmp_path / "work"
    rules = rx.normalisers(tmp_path, work)
    text = (
        f"Index refreshed in 12.34 s\n({tmp_path}/cache/kzkb/kb-0123456789abcdef.sqlite)\n"
        f"{work}/kb/sources/a.md   \n\n"
    )
    assert rx.normalise(text, rules) == [
        "Index refreshed in 0.00 s",
        "(~/.cache/kzkb/kb-<hash>.sqlite)",
        "~/kb/sources/a.md",
    ]
    assert {name for name, _, _ in rules} == {"cache-path", "cache-root", "temp-folder", "timing"}
