"""lint: the defects hand-edited KBs collect, found and (where safe) repaired.

Lint reads each file as written, not as the loader normalises it: the loader
forgives `title: ["X"]` and curly quotes so that every command still works,
and lint is where they are reported. Rules and their ids are in RULES; the
KB's kzkb.toml may change a rule's severity, the fields required, each
field's type, and the near-duplicate threshold ([lint], see README).

Repairs (`--fix`) are edits of front-matter lines only, each written only
when the file then reads exactly as intended (the gate), and a second run
finds nothing more to repair. Whether a file is a record at all is the
loader's verdict (kzkb.parse.record.read_front), so lint and every command agree.

findings: rules, severities, a finding, a report · options: [lint] of kzkb.toml ·
read: one file read and parsed with its lines · rules: the rules of one file ·
across: the rules across the KB · edits: the text each repair writes ·
gate: the check every repair passes before it is written ·
repair: --fix over the KB, written atomically · run: lint over the KB.
"""
