"""kzkb lsp"""

from __future__ import annotations

from kzkb.cli.app import KbOption, app


@app.command("lsp")
def lsp_cmd(kb: KbOption = None) -> None:
    """Run the language server on stdin and stdout, for an editor.

    Diagnostics as you type (broken links, lint), completion of links,
    anchors, refs, terms and fields, hover, go to definition, references,
    symbols, repairs and rename, for the Markdown files of a KB. Each file
    belongs to the nearest KB above it; --kb (or $KZKB_KB) names the KB of
    files in none, beside the editor's workspace folders. README's "Editors"
    section shows the setup of VS Code, Neovim, Helix and Emacs.

    Examples:

      kzkb lsp

      kzkb lsp --kb ~/portal
    """
    import os
    from pathlib import Path

    # pygls and the server load only for this command: every other one
    # starts without them
    from kzkb.lsp.server import main

    given = kb or os.environ.get("KZKB_KB") or None
    main(Path(given).expanduser() if given else None)
