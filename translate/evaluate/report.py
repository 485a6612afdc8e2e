"""Renderers of an :class:`~.evaluation.Evaluation`: a readable text table, JSON and Markdown.

All three show the same content in the same order; JSON keeps full precision (for machines and
for comparing with other tools), text and Markdown round to ``width`` decimals like sacreBLEU.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import fields, is_dataclass
from typing import Any

from .evaluation import Evaluation, SystemResult
from .terminology import TermCount, TermReport


def to_plain(value: Any) -> Any:
    """JSON-ready copy of a result: dataclass fields plus their computed properties."""
    if is_dataclass(value) and not isinstance(value, type):
        plain = {f.name: to_plain(getattr(value, f.name)) for f in fields(value)}
        plain.update(
            {name: to_plain(getattr(value, name)) for name, attr in vars(type(value)).items() if isinstance(attr, property)}
        )
        return plain
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_plain(item) for key, item in value.items()}
    return value


def render_json(evaluation: Evaluation) -> str:
    """The whole evaluation as indented JSON (UTF-8 text, not ASCII-escaped)."""
    return json.dumps(to_plain(evaluation), indent=2, ensure_ascii=False)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], markdown: bool) -> list[str]:
    """A Markdown table or a space-aligned plain-text table."""
    if markdown:
        def line(cells: Sequence[str]) -> str:
            return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"
        return [line(headers), line(["---"] * len(headers)), *(line(row) for row in rows)]
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows)]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in (headers, *rows)]


def _percent(part: int, whole: int, width: int) -> str:
    """``75.0% (3/4)``, or ``n/a`` when there is nothing to count."""
    return f"{100 * part / whole:.{width}f}% ({part}/{whole})" if whole else "n/a"


def _heading(title: str, level: int, markdown: bool) -> list[str]:
    """A section heading: ``## title`` in Markdown, underlined in text."""
    if markdown:
        return ["", "#" * level + " " + title, ""]
    return ["", title, ("=" if level == 1 else "-") * len(title)]


def _code(text: str, markdown: bool) -> str:
    """Inline code in Markdown (signatures contain ``|``, which would otherwise break tables)."""
    return f"`{text}`" if markdown else text


def _value(value: Any) -> str:
    """A meta/info value as text: lists joined by commas, everything else ``str``."""
    return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


def _term_rows(counts: Sequence[TermCount], width: int) -> list[list[str]]:
    """Rows of a per-term or per-type accuracy table."""
    return [[count.label, _percent(count.found, count.required, width)] for count in counts]


def _terminology(system: SystemResult, terms: TermReport, width: int, markdown: bool) -> list[str]:
    """Summary, per-type and per-term tables and the misses of one system."""
    lines = _heading(f"Terminology: {system.name}", 2, markdown)
    lines += [
        f"- term exact-match accuracy (per occurrence): {_percent(terms.found, terms.required, width)}",
        f"- consistency (repeated terms rendered one way per document): "
        f"{_percent(terms.consistent_terms, terms.repeated_terms, width)}",
        f"- duplicate renderings: {terms.double_renderings}",
        "",
    ]
    lines += _table(["type", "accuracy"], _term_rows(terms.by_type, width), markdown) + [""]
    lines += _table(["term", "accuracy"], _term_rows(terms.by_term, width), markdown)
    if terms.misses:
        lines += ["", f"Misses ({len(terms.misses)}):", ""]
        lines += _table(
            ["document:line", "term", "found/required", "hypothesis"],
            [
                [f"{miss.document}:{miss.line}", miss.term, f"{miss.found}/{miss.required}", miss.hypothesis]
                for miss in terms.misses
            ],
            markdown,
        )
    if terms.inconsistent:
        lines += ["", f"Not rendered one way throughout their document ({len(terms.inconsistent)}):", ""]
        lines += _table(
            ["document", "term", "renderings used", "found/required"],
            [
                [item.document, item.term, " / ".join(item.used) or "none", f"{item.found}/{item.required}"]
                for item in terms.inconsistent
            ],
            markdown,
        )
    return lines


def _scores(evaluation: Evaluation, width: int, markdown: bool) -> list[str]:
    """Corpus scores of every system (and term accuracy when measured), with the signatures."""
    with_terms = any(system.terms for system in evaluation.systems)
    rows = []
    for system in evaluation.systems:
        row = [system.name, *(f"{score.score:.{width}f}" for score in system.corpus)]
        if with_terms:
            row.append(_percent(system.terms.found, system.terms.required, width) if system.terms else "n/a")
        rows.append(row)
    headers = ["system", *(score.name for score in evaluation.systems[0].corpus)]
    lines = _heading("Scores", 2, markdown)
    lines += _table(headers + (["term accuracy"] if with_terms else []), rows, markdown)
    lines += ["", "sacreBLEU signatures:", ""]
    return lines + [f"- {score.name}: {_code(score.signature, markdown)}" for score in evaluation.systems[0].corpus]


def _runs(evaluation: Evaluation, markdown: bool) -> list[str]:
    """What the caller recorded about each system (e.g. time taken), one column per key."""
    keys = list(dict.fromkeys(key for system in evaluation.systems for key in system.info))
    if not keys:
        return []
    rows = [[system.name, *(_value(system.info.get(key, "")) for key in keys)] for system in evaluation.systems]
    return _heading("Runs", 2, markdown) + _table(["system", *keys], rows, markdown)


def _comparisons(evaluation: Evaluation, width: int, markdown: bool) -> list[str]:
    """The paired tests of each system against the baseline, with the tests' signatures."""
    if not evaluation.comparisons:
        return []
    headers = ["metric", "baseline", "system", "baseline score", "system score", "delta",
               "p (bootstrap)", "p (AR)", "verdict"]
    rows = [
        [c.metric, c.baseline, c.system, f"{c.baseline_score:.{width}f}", f"{c.system_score:.{width}f}",
         f"{c.delta:+.{width}f}", f"{c.bootstrap_p:.4f}", f"{c.ar_p:.4f}", c.verdict]
        for c in evaluation.comparisons
    ]
    signatures = {c.metric: (c.bootstrap_signature, c.ar_signature) for c in evaluation.comparisons}
    lines = _heading("Paired significance tests", 2, markdown) + _table(headers, rows, markdown)
    lines += ["", "Test signatures:", ""]
    return lines + [f"- {metric} bootstrap: {_code(bs, markdown)}, AR: {_code(ar, markdown)}"
                    for metric, (bs, ar) in signatures.items()]


def _documents(evaluation: Evaluation, width: int, markdown: bool) -> list[str]:
    """Per-document scores, systems side by side; folded away in Markdown (FLORES has 281 documents)."""
    if not evaluation.systems[0].documents:
        return []
    headers = ["document", "segments", "system", *(score.name for score in evaluation.systems[0].corpus)]
    rows = [
        [doc.document, str(doc.segments), system.name, *(f"{s.score:.{width}f}" for s in doc.scores)]
        for per_system in zip(*(system.documents for system in evaluation.systems))
        for system, doc in zip(evaluation.systems, per_system)
    ]
    table = _table(headers, rows, markdown)
    if not markdown:
        return _heading("Per document", 2, markdown) + table
    count = len(evaluation.systems[0].documents)
    return _heading("Per document", 2, markdown) + [
        "<details>", f"<summary>{count} documents</summary>", "", *table, "", "</details>"]


def _render(evaluation: Evaluation, width: int, markdown: bool) -> str:
    """Shared body of the text and Markdown renderers (they differ only in table/heading syntax)."""
    lines = _heading("vi2en evaluation", 1, markdown)
    lines += [f"- segments: {evaluation.segments}", f"- references per segment: {evaluation.references}"]
    lines += [f"- {key}: {_value(value)}" for key, value in evaluation.meta.items()]
    lines += _scores(evaluation, width, markdown)
    lines += _runs(evaluation, markdown)
    lines += _comparisons(evaluation, width, markdown)
    for system in evaluation.systems:
        if system.terms:
            lines += _terminology(system, system.terms, width, markdown)
    lines += _documents(evaluation, width, markdown)
    return "\n".join(lines).lstrip("\n") + "\n"


def render_text(evaluation: Evaluation, width: int = 1) -> str:
    """A readable plain-text report for the terminal."""
    return _render(evaluation, width, markdown=False)


def render_markdown(evaluation: Evaluation, width: int = 1) -> str:
    """A Markdown report for pasting into issues and reports."""
    return _render(evaluation, width, markdown=True)
