"""lint over the KB: every finding of the paths asked for, each said
repairable exactly when --fix repairs it."""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict

from kzkb.lint.across import check_duplicates, check_terms
from kzkb.lint.findings import FIXABLE, OFF, LintFinding, LintReport
from kzkb.lint.options import LintOptions
from kzkb.lint.read import _File, _read
from kzkb.lint.rules import check_file
from kzkb.settings.config import Config

_FIX = " (--fix)"


def lint(config: Config, paths: list[str], options: LintOptions | None = None) -> LintReport:
    """Every finding of these KB paths (relative to the content folder)."""
    options = options or LintOptions.from_config(config)
    report = LintReport(files=len(paths))
    parsed: dict[str, _File] = {}
    texts: dict[str, str] = {}
    for rel in paths:
        read = _read(config, rel)
        if isinstance(read, LintFinding):
            severity = options.severity[read.rule]
            if severity != OFF:
                report.findings.append(dataclasses.replace(read, severity=severity))
            continue
        f, findings = check_file(rel, read[1], config, options)
        report.findings += findings
        parsed[rel] = f
        texts[rel] = read[1]
    report.findings += check_terms(list(parsed.values()), config, options)
    report.findings += check_duplicates(list(parsed.values()), config, options)
    report.findings = _repairable(report.findings, config, texts, parsed, options)
    report.findings.sort(key=lambda x: (x.file, x.line, x.rule))
    return report


def _repairable(
    findings: list[LintFinding],
    config: Config,
    texts: dict[str, str],
    parsed: dict[str, _File],
    options: LintOptions,
) -> list[LintFinding]:
    """The findings, each marked repairable ("(--fix)") exactly when --fix
    makes it go: the repairs are made in memory, through the same gate, and
    the files they change linted again. Each rule's own guess (a term can be
    respelled in YAML) is only a guess: the gate may refuse the edit, and one
    repair may make another possible."""
    from kzkb.lint.repair import plan

    candidates = {f.file for f in findings if f.rule in FIXABLE}
    changes = plan(config, texts, options, candidates, parsed) if candidates else {}
    after: list[LintFinding] = []
    now = dict(parsed)
    for rel, (_, new, _) in changes.items():
        now[rel], found = check_file(rel, new, config, options)
        after += found
    after += [f for f in findings if f.file not in changes and f.rule != "term-spelling"]
    after += [f for f in check_terms(list(now.values()), config, options)]
    return mark(findings, after)


def mark(before: list[LintFinding], after: list[LintFinding]) -> list[LintFinding]:
    """`before` with each finding of a repairable rule marked repairable when
    it is not in `after` (the findings once repaired): of a file and rule,
    a finding whose message is still there stays, and as many of the others
    as the count went down by are repaired."""
    left: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for f in after:
        if f.rule in FIXABLE:
            left[(f.file, f.rule)][f.message] += 1
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, f in enumerate(before):
        if f.rule in FIXABLE:
            groups[(f.file, f.rule)].append(i)
    out = list(before)
    for key, indexes in groups.items():
        remaining = left.get(key, Counter())
        repaired = max(0, len(indexes) - sum(remaining.values()))
        for i in indexes:
            f = before[i]
            fixed = False
            if remaining[f.message] > 0:
                remaining[f.message] -= 1
            elif repaired > 0:
                repaired -= 1
                fixed = True
            fix = f.fix.removesuffix(_FIX) + (_FIX if fixed else "")
            out[i] = dataclasses.replace(f, fixable=fixed, fix=fix)
    return out


def repaired(before: list[LintFinding], after: list[LintFinding]) -> int:
    """How many findings of `before` a repair made go (see mark)."""
    return sum(f.fixable for f in mark(before, after))
