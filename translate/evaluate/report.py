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
    return lines


def _render(evaluation: Evaluation, width: int, markdown: bool) -> str:
    """Shared body of the text and Markdown renderers (they differ only in table/heading syntax)."""
    lines = _heading("vi2en evaluation", 1, markdown)
    lines += [f"- segments: {evaluation.segments}", f"- references per segment: {evaluation.references}"]
    lines += [f"- {key}: {_value(value)}" for key, value in evaluation.meta.items()]

    metric_names = [score.name for score in evaluation.systems[0].corpus]
    has_terms = any(system.terms for system in evaluation.systems)
    lines += _heading("Scores", 2, markdown)
    lines += _table(
        ["system", *metric_names, *(["term accuracy"] if has_terms else [])],
        [
            [
                system.name,
                *(f"{score.score:.{width}f}" for score in system.corpus),
                *([_percent(system.terms.found, system.terms.required, width) if system.terms else "n/a"]
                  if has_terms else []),
            ]
            for system in evaluation.systems
        ],
        markdown,
    )
    lines += ["", "sacreBLEU signatures:", ""]
    lines += [f"- {score.name}: {_code(score.signature, markdown)}" for score in evaluation.systems[0].corpus]
    for system in evaluation.systems:
        lines += [f"- {system.name} {key}: {_value(value)}" for key, value in system.info.items()]

    if evaluation.comparisons:
        lines += _heading("Paired significance tests", 2, markdown)
        lines += _table(
            ["metric", "baseline", "system", "baseline score", "system score", "delta",
             "p (bootstrap)", "p (AR)", "verdict"],
            [
                [c.metric, c.baseline, c.system, f"{c.baseline_score:.{width}f}", f"{c.system_score:.{width}f}",
                 f"{c.delta:+.{width}f}", f"{c.bootstrap_p:.4f}", f"{c.ar_p:.4f}", c.verdict]
                for c in evaluation.comparisons
            ],
            markdown,
        )
        signatures = {c.metric: (c.bootstrap_signature, c.ar_signature) for c in evaluation.comparisons}
        lines += ["", "Test signatures:", ""]
        lines += [f"- {metric} bootstrap: {_code(bs, markdown)}, AR: {_code(ar, markdown)}"
                  for metric, (bs, ar) in signatures.items()]

    for system in evaluation.systems:
        if system.terms:
            lines += _terminology(system, system.terms, width, markdown)

    if evaluation.systems[0].documents:
        lines += _heading("Per document", 2, markdown)
        rows = [
            [doc.document, str(doc.segments), system.name, *(f"{s.score:.{width}f}" for s in doc.scores)]
            for per_system in zip(*(system.documents for system in evaluation.systems))
            for system, doc in zip(evaluation.systems, per_system)
        ]
        lines += _table(["document", "segments", "system", *metric_names], rows, markdown)
    return "\n".join(lines).lstrip("\n") + "\n"


def render_text(evaluation: Evaluation, width: int = 1) -> str:
    """A readable plain-text report for the terminal."""
    return _render(evaluation, width, markdown=False)


def render_markdown(evaluation: Evaluation, width: int = 1) -> str:
    """A Markdown report for pasting into issues and reports."""
    return _render(evaluation, width, markdown=True)
