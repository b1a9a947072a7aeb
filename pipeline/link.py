"""Link stage (stub): measure, subject, change. Replaced by the real implementation."""

from __future__ import annotations

from typing import Any

from schemas.records import Figure


class LinkContext:
    """Per-article memory (e.g. the place 该乡 refers to). Stub."""

    def observe(self, text: str) -> None:
        pass


def link_figures(text: str, figures: list[Figure], doc: Any | None, context: LinkContext) -> list[Figure]:
    return figures
