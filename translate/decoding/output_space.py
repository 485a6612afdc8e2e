"""The token ids a search works in: the model's output rows it may produce, numbered from 0.

A Marian model's output layer covers both languages' pieces, while its translations only ever use the
target side's (see :meth:`translate.decoding.families.Family.output_token_ids`).  The search scores, masks and
constrains only those rows, in its own numbering; this is the one place that converts between the two.
"""

from __future__ import annotations

from typing import Sequence

import torch


class OutputSpace:
    """A sub-list of a model's vocabulary (or all of it, when ``model_ids`` is ``None``)."""

    def __init__(self, model_ids: Sequence[int] | None, vocab_size: int) -> None:
        self.model_ids = torch.tensor(model_ids, dtype=torch.long) if model_ids is not None else None
        self.size = len(model_ids) if model_ids is not None else vocab_size
        self._search = {m: i for i, m in enumerate(model_ids)} if model_ids is not None else None

    def to_search(self, ids: Sequence[int]) -> list[int]:
        """``ids`` in the search's numbering; ``[]`` if any lies outside the space (it cannot be produced)."""
        if self._search is None:
            return list(ids)
        if any(i not in self._search for i in ids):
            return []
        return [self._search[i] for i in ids]

    def to_model(self, ids: Sequence[int]) -> list[int]:
        """Search ids back to the model's vocabulary."""
        if self.model_ids is None:
            return list(ids)
        return self.model_ids[list(ids)].tolist() if ids else []

    def contains(self, model_id: int) -> bool:
        return self._search is None or model_id in self._search
