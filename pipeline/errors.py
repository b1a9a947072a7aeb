"""Errors the CLI reports, in a module it can import without the stages behind them
(pipeline.nlp imports spaCy: ~1 s that a `--model blank` run never needs; pipeline.store
imports SQLAlchemy, which a run imports only after its worker pool has started)."""

from __future__ import annotations


class ModelLoadError(RuntimeError):
    """The requested model cannot be loaded; `model` is what was asked for."""

    def __init__(self, model: str, reason: str) -> None:
        super().__init__(f"cannot load NLP model {model!r}: {reason}")
        self.model = model
        self.reason = reason

    def __reduce__(self) -> tuple[type["ModelLoadError"], tuple[str, str]]:
        # rebuilt from (model, reason), not from args: raised in a pool worker, it travels back pickled
        return type(self), (self.model, self.reason)


class StoreError(Exception):
    """A database problem worth a clear one-line message."""
