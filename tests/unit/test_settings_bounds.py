"""What kzkb.toml and Hugo's configuration may point kzkb at, and the bounds of
the numbers they and the command line give: a content folder outside the KB
is refused unless the user names it on the command line or in the
environment; a number C or SQLite cannot hold is refused where it is given."""

from __future__ import annotations

from pathlib import Path

import pytest

from kzkb.model import KzkbError
from kzkb.settings.bounds import INT_MAX, out_of_bounds, size_in_bytes, whole_number
from kzkb.settings.config import load_config, open_config
from tests.helpers import clean_env, record, run_kzkb, write_kb

# --- numbers ------------------------------------------------------------------------------


def test_whole_numbers_within_bounds_pass_and_others_say_why():
    assert whole_number("20", 1) == 20
    assert whole_number(str(INT_MAX), 0) == INT_MAX
    for text, lo in [(str(INT_MAX + 1), 0), ("0", 1), ("-1", 0), ("1e3", 0), ("", 0)]:
        with pytest.raises(ValueError):
            whole_number(text, lo)
    assert out_of_bounds(True, 0) is not None  # a TOML boolean is no number
    assert "not in the range" in (out_of_bounds(2**64, 1) or "")


def test_sizes_are_exact_and_never_overflow():
    assert size_in_bytes("10 MB") == 10 * 2**20
    assert size_in_bytes("1.5kb") == 1536
    assert size_in_bytes(512) == 512
    assert size_in_bytes("10 parsecs") is None and size_in_bytes(1.5) is None
    huge = size_in_bytes("9" * 400 + " GB")  # a float would be inf here, and int(inf) raise
    assert huge is not None and out_of_bounds(huge, 1) is not None


# --- content_dir --------------------------------------------------------------------------


def _kb(tmp_path: Path, config: str, name: str = "kzkb.toml") -> Path:
    root = tmp_path / "site"
    write_kb(root, {"content/sources/a.md": record("Inside")})
    (root / name).write_text(config, encoding="utf-8")
    outside = tmp_path / "elsewhere"
    write_kb(outside, {"sources/secret.md": record("Outside")})
    return root


@pytest.mark.parametrize(
    ("name", "config", "line"),
    [
        ("kzkb.toml", 'title = "x"\ncontent_dir = "/"\n', 2),
        ("kzkb.toml", 'title = "x"\n\ncontent_dir = "../elsewhere"\n', 3),
        ("hugo.toml", 'baseURL = "https://x.example/"\ncontentDir = "../elsewhere"\n', 2),
        ("hugo.yaml", "title: x\ncontentDir: ../elsewhere\n", 2),
        ("config.json", '{\n  "title": "x",\n  "contentDir": "/"\n}\n', 3),
    ],
)
def test_a_content_folder_outside_the_kb_is_refused_naming_file_and_line(
    tmp_path, name, config, line
):
    root = _kb(tmp_path, config, name)
    with pytest.raises(KzkbError) as caught:
        load_config(root)
    message = str(caught.value)
    assert message.startswith(f"{root / name}:{line}: ")
    assert "outside the KB" in message and "--content-dir" in message
    assert "\n" not in message


def test_a_language_folder_outside_the_kb_is_refused(tmp_path):
    root = _kb(
        tmp_path,
        'languages = ["en", "kk"]\n[content_dirs]\nen = "content"\nkk = "../elsewhere"\n',
    )
    with pytest.raises(KzkbError, match=r"kzkb\.toml:4: .*outside the KB"):
        load_config(root)


def test_a_symbolic_link_out_of_the_kb_is_outside_too(tmp_path):
    root = _kb(tmp_path, 'content_dir = "linked"\n')
    (root / "linked").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(KzkbError, match="outside the KB"):
        load_config(root)


def test_folders_inside_the_kb_are_taken_as_before(tmp_path):
    root = _kb(tmp_path, 'content_dir = "content/../content"\n')
    assert load_config(root).content_dir == (root / "content").resolve()
    # a KB reached through a symbolic link still holds its own content folder
    link = tmp_path / "link"
    link.symlink_to(root)
    assert load_config(link).content_dir == (root / "content").resolve()


def test_the_environment_names_a_content_folder_anywhere(tmp_path, monkeypatch):
    root = _kb(tmp_path, 'content_dir = "../elsewhere"\n')
    monkeypatch.setenv("KZKB_CONTENT_DIR", str(tmp_path / "elsewhere"))
    assert open_config(root).content_dir == (tmp_path / "elsewhere").resolve()
    monkeypatch.setenv("KZKB_CONTENT_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(KzkbError, match="KZKB_CONTENT_DIR"):
        open_config(root)


def test_kzkb_refuses_then_follows_the_command_line(tmp_path):
    root = _kb(tmp_path, 'content_dir = "../elsewhere"\n')
    env = clean_env(tmp_path)
    refused = run_kzkb(env, "list", "--kb", str(root), "-f", "json")
    assert refused.returncode == 2, refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert f"{root / 'kzkb.toml'}:1:" in refused.stderr and "Outside" not in refused.stdout
    given = run_kzkb(
        env, "--content-dir", str(tmp_path / "elsewhere"), "list", "--kb", str(root), "-f", "json"
    )
    assert given.returncode == 0, given.stderr
    assert '"Outside"' in given.stdout


def test_kzkb_new_never_writes_outside_the_kb(tmp_path):
    root = _kb(tmp_path, 'content_dir = "/"\n')
    env = clean_env(tmp_path)
    result = run_kzkb(env, "new", "--kb", str(root), "--title", "Planted", "--kind", "source")
    assert result.returncode == 2, result.stderr
    assert "outside the KB" in result.stderr
    assert not (Path("/sources") / "planted.md").exists()


def test_under_an_explicit_content_folder_each_language_s_folder_is_inside_it(
    tmp_path, monkeypatch
):
    root = _kb(tmp_path, 'languages = ["en", "kk"]\n[content_dirs]\nkk = "content/kk"\n')
    (root / "content" / "kk").mkdir()
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("KZKB_CONTENT_DIR", str(elsewhere))
    # content/kk is in the KB but not in --content-dir: their common folder would be tmp_path
    with pytest.raises(KzkbError, match=r"kzkb\.toml:3: .*outside --content-dir"):
        open_config(root)
    (elsewhere / "kk").mkdir()
    (root / "kzkb.toml").write_text(
        f'languages = ["en", "kk"]\n[content_dirs]\nkk = "{elsewhere / "kk"}"\n', encoding="utf-8"
    )
    config = open_config(root)
    assert config.content_dir == elsewhere.resolve()
    assert config.language_dirs() == {"": "en", "kk": "kk"}
