"""Paired significance tests between systems: a thin layer over sacreBLEU's ``PairedTest``.

Both of sacreBLEU's tests are run, paired bootstrap resampling (Koehn 2004) and approximate
randomisation (Riezler & Maxwell 2005), with sacreBLEU's fixed default seed (``SACREBLEU_SEED``,
12345), so a comparison is reproducible and equals ``sacrebleu --paired-bs`` / ``--paired-ar``.
A difference is called significant only when both tests agree, which keeps the verdict
conservative when they straddle the threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sacrebleu.significance import PairedTest, Result

from .scores import LOWER_IS_BETTER, make_metrics

BOOTSTRAP_SAMPLES = 1000
AR_TRIALS = 10000


@dataclass(frozen=True)
class Comparison:
    """One metric's comparison of a system against the baseline."""

    metric: str
    baseline: str
    system: str
    baseline_score: float
    system_score: float
    bootstrap_p: float
    ar_p: float
    alpha: float
    bootstrap_signature: str
    ar_signature: str

    @property
    def delta(self) -> float:
        """System minus baseline, in the metric's own units."""
        return self.system_score - self.baseline_score

    @property
    def significant(self) -> bool:
        """Both tests reject "no difference" at ``alpha`` and there is a difference at all.

        The second condition matters: for two equal scores sacreBLEU's p-values degenerate to
        their minimum, 1/(n+1), which would otherwise read as "significant".
        """
        return self.delta != 0 and max(self.bootstrap_p, self.ar_p) < self.alpha

    @property
    def verdict(self) -> str:
        """One line a reader can act on: which system is better, and whether that can be trusted."""
        if self.delta == 0:
            return "no difference (equal scores)"
        if not self.significant:
            return f"no significant difference (p ≥ {self.alpha} in at least one test)"
        improved = (self.delta < 0) if self.metric in LOWER_IS_BETTER else (self.delta > 0)
        better = self.system if improved else self.baseline
        return f"{better} is significantly better (p < {self.alpha} in both tests)"


def _run(
    systems: list[tuple[str, Sequence[str]]], references: Sequence[Sequence[str]], test: str, samples: int
) -> tuple[dict[str, str], dict[str, list[Result]]]:
    """One sacreBLEU paired test over all metrics; returns signatures and per-metric results."""
    signatures, table = PairedTest(systems, make_metrics(), references, test_type=test, n_samples=samples)()
    results = {
        name: [cell for cell in column if isinstance(cell, Result)]
        for name, column in table.items()
        if name != "System"
    }
    return {name: signature.format() for name, signature in signatures.items()}, results


def compare(
    baseline: tuple[str, Sequence[str]],
    system: tuple[str, Sequence[str]],
    references: Sequence[Sequence[str]],
    alpha: float = 0.05,
    bootstrap_samples: int = BOOTSTRAP_SAMPLES,
    ar_trials: int = AR_TRIALS,
) -> tuple[Comparison, ...]:
    """Compare ``system`` with ``baseline`` (name, hypotheses) on the same references, per metric."""
    if baseline[0] == system[0]:
        raise ValueError(f"both systems are named {system[0]!r}")
    systems = [baseline, system]
    bs_signatures, bs = _run(systems, references, "bs", bootstrap_samples)
    ar_signatures, ar = _run(systems, references, "ar", ar_trials)
    return tuple(
        Comparison(
            metric=name,
            baseline=baseline[0],
            system=system[0],
            baseline_score=float(bs[name][0].score),
            system_score=float(bs[name][1].score),
            bootstrap_p=float(bs[name][1].p_value),
            ar_p=float(ar[name][1].p_value),
            alpha=alpha,
            bootstrap_signature=bs_signatures[name],
            ar_signature=ar_signatures[name],
        )
        for name in bs
    )
