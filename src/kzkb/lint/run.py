"""lint over the KB: every finding of the paths asked for."""

from __future__ import annotations

import dataclasses

from kzkb.lint.across import check_duplicates, check_terms
from kzkb.lint.findings import OFF, LintFinding, LintReport
from kzkb.lint.options import LintOptions
from kzkb.lint.read import _File, _read
from kzkb.lint.rules import check_file
from kzkb.settings.config import Config


def lint(config: Config, paths: list[str], options: LintOptions | None = None) -> LintReport:
    """Every finding of these KB paths (relative to the content folder)."""
    options = options or LintOptions.from_config(config)
    report = LintReport(files=len(paths))
    parsed: list[_File] = []
    for rel in paths:
        read = _read(config, rel)
        if isinstance(read, LintFinding):
            severity = options.severity[read.rule]
            if severity != OFF:
                report.findings.append(dataclasses.replace(read, severity=severity))
            continue
        f, findings = check_file(rel, read[1], config, options)
        report.findings += findings
        parsed.append(f)
    report.findings += check_terms(parsed, config, options)
    report.findings += check_duplicates(parsed, config, options)
    report.findings.sort(key=lambda x: (x.file, x.line, x.rule))
    return report
