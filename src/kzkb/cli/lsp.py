"""kzkb lsp"""

from __future__ import annotations

from kzkb.cli.app import app


@app.command("lsp")
def lsp_cmd() -> None:
    """Run the language server on stdin and stdout, for an editor.

    Diagnostics as you type (broken links, lint), completion of links,
    anchors, refs, terms and fields, hover, go to definition, references,
    symbols, repairs and rename, for the Markdown files of the KB the
    editor opens (found from each file, as every command finds it).
    README's "Editors" section shows each editor's setup.

    Examples:

      kzkb lsp
    """
    # pygls and the server load only for this command: every other one
    # starts without them
    from kzkb.lsp.server import main

    main()
