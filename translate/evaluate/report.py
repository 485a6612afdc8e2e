"""Renderers of an :class:`~.evaluation.Evaluation`: a readable text table, JSON and Markdown.

Text and Markdown show the same content in the same order: a summary first (scores, term figures,
verdicts), then the details, which Markdown folds into ``<details>`` blocks. They round to
``width`` decimals like sacreBLEU and shorten long term labels so that tables stay narrow; JSON
keeps full precision and full labels, and holds the sentence-level scores (for machines and for
comparing with other tools). The HTML page is :mod:`.html_report`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import fields, is_dataclass
from typing import Any

from .evaluation import Evaluation, SystemResult
from .scores import MetricScore
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


LABEL_WIDTH = 60  # characters of a term's label in a table; the full label is in JSON and HTML
MARKDOWN_SPECIALS = str.maketrans({char: "\\" + char for char in "\\`*_[]<>#|"})


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


def _prose(text: str, markdown: bool) -> str:
    """Text from the documents, escaped in Markdown so that a ``*`` or ``<`` in a sentence stays literal."""
    return text.translate(MARKDOWN_SPECIALS) if markdown else text


def _folded(summary: str, body: list[str], markdown: bool) -> list[str]:
    """Details folded under a one-line summary in Markdown (``<details>``); in text, the line then the body."""
    if not markdown:
        return ["", summary, *body]
    return ["", "<details>", f"<summary>{html.escape(summary)}</summary>", *body, "", "</details>"]


def shorten(text: str, width: int = LABEL_WIDTH) -> str:
    """``text`` cut to ``width`` characters with an ellipsis, so that one long name cannot widen a table."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def format_score(score: MetricScore, width: int) -> str:
    """A score as sacreBLEU prints it: ``34.6``, or ``34.6 (μ = 34.5 ± 2.1)`` with its bootstrap estimate."""
    text = f"{score.score:.{width}f}"
    if score.mean is not None and score.ci is not None:
        text += f" (μ = {score.mean:.{width}f} ± {score.ci:.{width}f})"
    return text


def _value(value: Any) -> str:
    """A meta/info value as text: lists joined by commas, everything else ``str``."""
    return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


def _term_rows(counts: Sequence[TermCount], width: int) -> list[list[str]]:
    """Rows of a per-term or per-type accuracy table (labels shortened: the table must stay narrow)."""
    return [[shorten(count.label), _percent(count.found, count.required, width)] for count in counts]


def _line_items(source: str, hypothesis: str, markdown: bool) -> list[str]:
    """The source line and the hypothesis of a miss or inconsistency, as nested list items."""
    return [f"  - vi: {_prose(source, markdown)}", f"  - en: {_prose(hypothesis, markdown)}"]


def _terminology_summary(terms: TermReport, width: int) -> str:
    """One line that says how the terms fared: accuracy, misses, inconsistencies."""
    return (f"term accuracy {_percent(terms.found, terms.required, width)}, {len(terms.misses)} misses, "
            f"{len(terms.inconsistent)} terms not rendered one way")


def _terminology(system: SystemResult, terms: TermReport, width: int, markdown: bool) -> list[str]:
    """Figures, per-type and per-term tables, the misses and the inconsistencies of one system."""
    lines = _heading(f"Terminology: {system.name}", 2, markdown)
    lines += [
        f"- term exact-match accuracy (per occurrence): {_percent(terms.found, terms.required, width)}",
        f"- consistency (repeated terms rendered one way per document): "
        f"{_percent(terms.consistent_terms, terms.repeated_terms, width)}",
        f"- duplicate renderings: {terms.double_renderings}",
        "",
    ]
    lines += _table(["type", "accuracy"], _term_rows(terms.by_type, width), markdown)
    lines += _folded(f"Per term ({len(terms.by_term)} terms)",
                     [""] + _table(["term", "accuracy"], _term_rows(terms.by_term, width), markdown), markdown)
    if terms.misses:
        body = [""]
        for miss in terms.misses:
            body.append(f"- {miss.document}:{miss.line}  {_prose(miss.term, markdown)}  "
                        f"(found {miss.found} of {miss.required})")
            body += _line_items(miss.source, miss.hypothesis, markdown)
        lines += _folded(f"Misses ({len(terms.misses)})", body, markdown)
    if terms.inconsistent:
        body = [""]
        for item in terms.inconsistent:
            body.append(f"- {item.document}  {_prose(item.term, markdown)}  used: "
                        f"{_prose(' / '.join(item.used) or 'none', markdown)}  (found {item.found} of {item.required})")
            for line in item.lines:
                body.append(f"  - line {line.line}: {_prose(' / '.join(line.used) or 'none', markdown)}")
                body += ["  " + item for item in _line_items(line.source, line.hypothesis, markdown)]
        lines += _folded(f"Not rendered one way throughout their document ({len(terms.inconsistent)})", body, markdown)
    return lines


def _summary(evaluation: Evaluation, width: int, markdown: bool) -> list[str]:
    """Corpus scores of every system with term figures, the verdicts, and the signatures."""
    with_terms = any(system.terms for system in evaluation.systems)
    rows = []
    for system in evaluation.systems:
        row = [system.name, *(format_score(score, width) for score in system.corpus)]
        if with_terms:
            terms = system.terms
            row += ([_percent(terms.found, terms.required, width),
                     _percent(terms.consistent_terms, terms.repeated_terms, width), str(len(terms.misses))]
                    if terms else ["n/a"] * 3)
        rows.append(row)
    headers = ["system", *(score.name for score in evaluation.systems[0].corpus)]
    headers += ["term accuracy", "consistency", "misses"] if with_terms else []
    lines = _heading("Summary", 2, markdown) + _table(headers, rows, markdown)
    if evaluation.comparisons:
        lines += ["", "Against the baseline (paired bootstrap and approximate randomisation):", ""]
        lines += [f"- {c.metric}: {c.system} {c.delta:+.{width}f}: {c.verdict}" for c in evaluation.comparisons]
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
    body = ["", *_table(headers, rows, markdown), "", "Test signatures:", ""]
    body += [f"- {metric} bootstrap: {_code(bs, markdown)}, AR: {_code(ar, markdown)}"
             for metric, (bs, ar) in signatures.items()]
    return _heading("Paired significance tests", 2, markdown) + _folded(
        f"{len(evaluation.comparisons)} comparisons: p-values and signatures", body, markdown)


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
    return _heading("Per document", 2, markdown) + _folded(f"{count} documents", ["", *table], markdown)


def _render(evaluation: Evaluation, width: int, markdown: bool) -> str:
    """Shared body of the text and Markdown renderers (they differ only in syntax and folding).

    The summary comes first (scores, term figures, verdicts); the details follow, folded in Markdown.
    """
    lines = _heading("vi2en evaluation", 1, markdown)
    lines += [f"- segments: {evaluation.segments}", f"- references per segment: {evaluation.references}"]
    lines += [f"- {key}: {_value(value)}" for key, value in evaluation.meta.items() if key != "glossary"]
    if "glossary" in evaluation.meta:
        files = evaluation.meta["glossary"]
        lines += _folded(f"glossary: {len(files)} files", [""] + [f"- {_prose(str(f), markdown)}" for f in files],
                         markdown) if markdown else [f"- glossary: {_value(files)}"]
    lines += _summary(evaluation, width, markdown)
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
