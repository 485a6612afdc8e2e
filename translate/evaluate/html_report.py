"""The evaluation as one self-contained HTML page (``vi2en evaluate --html report.html``).

The page reads the same :class:`~.evaluation.Evaluation` as the text, Markdown and JSON renderers
(so it shows the same numbers) and holds everything inline: the stylesheet, the few lines of
script that sort tables, and the charts as SVG (:mod:`.charts`). No CDN, no font, no request: it
can be mailed, archived or opened offline. Every figure in a chart is also in a table, and tables
sort from the keyboard (their headers are buttons).

Sections: the summary (corpus scores with their bootstrap 95% confidence intervals when asked
for, term figures, the paired tests' verdicts, sacreBLEU signatures), per-document scores (charts
and a table), and per system the term accuracy by type and by term, every miss and every
inconsistency with its Vietnamese source line and the hypothesis.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any

from lxml import html
from lxml.builder import ElementMaker

from .charts import Bar, Row, bar_chart
from .evaluation import Evaluation, SystemResult
from .report import format_score
from .scores import LOWER_IS_BETTER
from .terminology import TermCount, TermReport

E = ElementMaker(makeelement=html.html_parser.makeelement)


def _asset(name: str) -> str:
    """The text of a file shipped in ``translate/evaluate/static`` (inlined into the page)."""
    return (resources.files("translate.evaluate") / "static" / name).read_text(encoding="utf-8")


def _cell(text: Any, value: float | None = None, kind: str = "") -> html.HtmlElement:
    """A table cell; ``value`` is what a sortable column sorts by when the text is not a plain number."""
    attributes = {"class": kind} if kind else {}
    if value is not None:
        attributes["data-value"] = repr(float(value))
    return E.td(attributes, str(text))


def _percent(part: int, whole: int, width: int) -> str:
    """``75.0% (3/4)``, as in the text report; ``n/a`` when nothing was required."""
    return f"{100 * part / whole:.{width}f}% ({part}/{whole})" if whole else "n/a"


def _table(headers: Sequence[str], rows: Iterable[Sequence[html.HtmlElement]], caption: str,
           sortable: bool = True, numeric: Sequence[int] = ()) -> html.HtmlElement:
    """A table whose header cells are sort buttons (when ``sortable``), in a scrolling box."""
    heads = [
        E.th({"scope": "col", **({"class": "num"} if index in numeric else {})},
             E.button({"type": "button"}, header) if sortable else header)
        for index, header in enumerate(headers)
    ]
    table = E.table({"class": "sortable"} if sortable else {}, E.caption({"class": "hint"}, caption),
                    E.thead(E.tr(*heads)), E.tbody(*(E.tr(*row) for row in rows)))
    box = E.div({"class": "scroll"}, table)
    if sortable:
        box.append(E.p({"class": "sort-status", "role": "status", "aria-live": "polite"}))
    return box


def _section(identifier: str, title: str, *content: Any) -> html.HtmlElement:
    """A top-level section with its heading, linked from the page's navigation."""
    return E.section({"id": identifier, "aria-labelledby": f"{identifier}-h"},
                     E.h2({"id": f"{identifier}-h"}, title), *content)


def _figure(chart: html.HtmlElement) -> html.HtmlElement:
    """A chart with its title as a visible caption (the SVG's own title is for assistive technology)."""
    return E.figure(E.figcaption(chart.findtext("title")), chart)


def _meta(evaluation: Evaluation) -> html.HtmlElement:
    """What was evaluated: segments, references, the files and the notes on how they were read."""
    items: list[html.HtmlElement] = [E.dt("segments"), E.dd(str(evaluation.segments)),
                                     E.dt("references per segment"), E.dd(str(evaluation.references))]
    for key, value in evaluation.meta.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        if key == "glossary":
            body: Any = E.details(E.summary(f"{len(values)} files"), E.ul(*(E.li(str(v)) for v in values)))
        else:
            body = E.span("; ".join(map(str, values)))
        items += [E.dt(key), E.dd(body)]
    return E.dl({"class": "meta"}, *items)


def _summary(evaluation: Evaluation, width: int) -> html.HtmlElement:
    """Scores table with confidence intervals, a chart per metric, verdicts and signatures."""
    metrics = [score.name for score in evaluation.systems[0].corpus]
    with_terms = any(system.terms for system in evaluation.systems)
    headers = ["system", *metrics, *(["term accuracy", "consistency", "misses"] if with_terms else [])]
    rows = []
    for system in evaluation.systems:
        row = [_cell(system.name), *(_cell(format_score(score, width), score.score, "num") for score in system.corpus)]
        if with_terms:
            terms = system.terms
            row += ([_cell(_percent(terms.found, terms.required, width), terms.accuracy, "num"),
                     _cell(_percent(terms.consistent_terms, terms.repeated_terms, width), terms.consistency, "num"),
                     _cell(len(terms.misses), len(terms.misses), "num")]
                    if terms else [_cell("n/a")] * 3)
        rows.append(row)
    with_ci = any(score.ci is not None for score in evaluation.systems[0].corpus)
    caption = ("Corpus scores; with --confidence, μ ± 95% confidence interval from sacreBLEU's bootstrap "
               "resampling, as `sacrebleu --confidence` prints it." if with_ci else "Corpus scores.")
    content: list[Any] = [_cards(evaluation, width), _table(headers, rows, caption, numeric=range(1, len(headers)))]
    names = [system.name for system in evaluation.systems]
    chart_rows = [Row(metric, tuple(Bar(s.score, s.mean, s.ci) for s in (system.corpus[index] for system in evaluation.systems)))
                  for index, metric in enumerate(metrics)]
    note = "higher is better, except TER" + ("; whiskers: 95% confidence interval around μ" if with_ci else "")
    content.append(_figure(bar_chart("Corpus scores per system", names, chart_rows, decimals=width, note=note)))
    if evaluation.comparisons:
        content.append(E.h3("Against the baseline"))
        content.append(E.ul(*(E.li(f"{c.metric}: {c.system} {c.delta:+.{width}f} — {c.verdict}")
                              for c in evaluation.comparisons)))
    content.append(E.h3("sacreBLEU signatures"))
    content.append(E.ul(*(E.li(f"{score.name}: ", E.code(score.signature)) for score in evaluation.systems[0].corpus)))
    return _section("summary", "Summary", *content)


def _cards(evaluation: Evaluation, width: int) -> html.HtmlElement:
    """The headline figures of the first system (the baseline), large, for a glance."""
    system = evaluation.systems[0]
    cards = [(f"{score.score:.{width}f}", score.name + (f", 95% CI ± {score.ci:.{width}f}" if score.ci is not None else ""))
             for score in system.corpus]
    if system.terms:
        cards.append((_percent(system.terms.found, system.terms.required, width), "term accuracy"))
        cards.append((str(len(system.terms.misses)), "term misses"))
    return E.div({"class": "cards", "aria-label": f"headline figures of {system.name}"},
                 *(E.div({"class": "card"}, E.span({"class": "figure"}, figure), E.span({"class": "what"}, what))
                   for figure, what in cards))


def _comparisons(evaluation: Evaluation, width: int) -> html.HtmlElement | None:
    """The paired tests, one row per metric and system, with their signatures."""
    if not evaluation.comparisons:
        return None
    headers = ["metric", "baseline", "system", "baseline score", "system score", "delta", "p (bootstrap)",
               "p (AR)", "verdict"]
    rows = [[_cell(c.metric), _cell(c.baseline), _cell(c.system),
             _cell(f"{c.baseline_score:.{width}f}", c.baseline_score, "num"),
             _cell(f"{c.system_score:.{width}f}", c.system_score, "num"),
             _cell(f"{c.delta:+.{width}f}", c.delta, "num"), _cell(f"{c.bootstrap_p:.4f}", c.bootstrap_p, "num"),
             _cell(f"{c.ar_p:.4f}", c.ar_p, "num"), _cell(c.verdict)] for c in evaluation.comparisons]
    signatures = {c.metric: (c.bootstrap_signature, c.ar_signature) for c in evaluation.comparisons}
    return _section(
        "significance", "Paired significance tests",
        _table(headers, rows, "Each system against the first (the baseline).", numeric=range(3, 8)),
        E.ul(*(E.li(f"{metric}: bootstrap ", E.code(bs), ", AR ", E.code(ar)) for metric, (bs, ar) in signatures.items())),
    )


def _documents(evaluation: Evaluation, width: int) -> html.HtmlElement | None:
    """Per-document scores: one chart per metric (systems side by side) and a sortable table."""
    if not evaluation.systems[0].documents:
        return None
    metrics = [score.name for score in evaluation.systems[0].corpus]
    names = [system.name for system in evaluation.systems]
    per_document = list(zip(*(system.documents for system in evaluation.systems)))
    charts = []
    for index, metric in enumerate(metrics):
        rows = [Row(docs[0].document, tuple(Bar(doc.scores[index].score) for doc in docs)) for docs in per_document]
        note = "lower is better" if metric in LOWER_IS_BETTER else "higher is better"
        charts.append(_figure(bar_chart(f"{metric} per document", names, rows, decimals=width, note=note)))
    headers = ["document", "segments", "system", *metrics]
    table_rows = [[_cell(doc.document), _cell(doc.segments, doc.segments, "num"), _cell(system.name),
                   *(_cell(f"{s.score:.{width}f}", s.score, "num") for s in doc.scores)]
                  for docs in per_document for system, doc in zip(evaluation.systems, docs)]
    many = len(per_document) > 30
    return _section(
        "documents", f"Per document ({len(per_document)})",
        E.div({"class": "tall"} if many else {}, *charts),
        _table(headers, table_rows, "Each document's segments scored as a small corpus.",
               numeric=[1, *range(3, 3 + len(metrics))]),
    )


def _count_rows(counts: Sequence[TermCount], width: int) -> list[list[html.HtmlElement]]:
    """Rows of an accuracy table: label, required, found, accuracy."""
    return [[_cell(count.label, kind="text"), _cell(count.required, count.required, "num"),
             _cell(count.found, count.found, "num"),
             _cell(_percent(count.found, count.required, width), count.accuracy, "num")] for count in counts]


def _terminology(index: int, system: SystemResult, terms: TermReport, width: int) -> html.HtmlElement:
    """One system's term accuracy by type and by term, its misses and its inconsistencies."""
    headers = ["required", "found", "accuracy"]
    content: list[Any] = [
        E.ul(E.li(f"term exact-match accuracy (per occurrence): {_percent(terms.found, terms.required, width)}"),
             E.li("consistency (repeated terms rendered one way per document): "
                  f"{_percent(terms.consistent_terms, terms.repeated_terms, width)}"),
             E.li(f"duplicate renderings: {terms.double_renderings}")),
        E.h3("By type"),
        _table(["type", *headers], _count_rows(terms.by_type, width), "Term accuracy per glossary type.",
               numeric=[1, 2, 3]),
        E.h3(f"By term ({len(terms.by_term)})"),
        E.div({"class": "tall"}, _table(["term", *headers], _count_rows(terms.by_term, width),
                                        "Term accuracy per term (Vietnamese → approved English).", numeric=[1, 2, 3])),
        E.h3(f"Misses ({len(terms.misses)})"),
    ]
    if terms.misses:
        rows = [[_cell(f"{miss.document}:{miss.line}"), _cell(miss.term, kind="text"),
                 _cell(f"{miss.found}/{miss.required}", miss.found - miss.required, "num"),
                 _cell(miss.source, kind="text"), _cell(miss.hypothesis, kind="text")] for miss in terms.misses]
        content.append(_table(["document:line", "term", "found", "source line", "hypothesis"], rows,
                              "Segments where a required term's approved rendering is missing.", numeric=[2]))
    else:
        content.append(E.p("None: every required term was rendered."))
    content.append(E.h3(f"Not rendered one way throughout their document ({len(terms.inconsistent)})"))
    for item in terms.inconsistent:
        rows = [[_cell(line.line, line.line, "num"), _cell(" / ".join(line.used) or "none"),
                 _cell(f"{line.found}/{line.required}", line.found - line.required, "num"),
                 _cell(line.source, kind="text"), _cell(line.hypothesis, kind="text")] for line in item.lines]
        content.append(E.div(
            {"class": "inconsistency"},
            E.p(E.strong(item.term), f" in {item.document}: used ", E.em(" / ".join(item.used) or "none"),
                f" (found {item.found} of {item.required})"),
            _table(["line", "rendering", "found", "source line", "hypothesis"], rows,
                   f"Lines of {item.document} that require the term.", sortable=False, numeric=[0, 2]),
        ))
    if not terms.inconsistent:
        content.append(E.p("None."))
    return _section(f"terms-{index}", f"Terminology: {system.name}", *content)


def render_html(evaluation: Evaluation, width: int = 1) -> str:
    """The whole evaluation as one HTML document (UTF-8 text), with its style, script and charts inline."""
    sections = [_summary(evaluation, width), _comparisons(evaluation, width), _documents(evaluation, width)]
    sections += [_terminology(index, system, system.terms, width)
                 for index, system in enumerate(evaluation.systems, 1) if system.terms]
    present = [section for section in sections if section is not None]
    nav = E.nav({"aria-label": "sections"}, E.ul(*(
        E.li(E.a({"href": f"#{section.get('id')}"}, section.findtext("h2"))) for section in present)))
    page = E.html(
        {"lang": "en"},
        E.head(E.meta(charset="utf-8"), E.meta(name="viewport", content="width=device-width, initial-scale=1"),
               E.title("vi2en evaluation"), E.style(_asset("report.css"))),
        E.body(E.header(E.h1("vi2en evaluation"), _meta(evaluation), nav), E.main(*present),
               E.script(_asset("report.js"))),
    )
    return html.tostring(page, doctype="<!DOCTYPE html>", encoding="unicode", method="html") + "\n"
