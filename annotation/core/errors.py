"""The refusal of an annotation that does not fit its snippet or its project. Pure."""

from collections.abc import Callable
from typing import Any


class AnnotationError(Exception):
    """A refusal naming where: ``{"spans": {"1": "reason"}}`` or ``{"classes": "reason"}``.

    ``message`` is an English template (marked for translation), filled with ``params``.
    """

    def __init__(self, field: str, message: str, index: int | None = None, **params: Any):
        self.field, self.message, self.index, self.params = field, message, index, params
        super().__init__(message % params if params else message)

    def as_dict(self, translate: Callable[[str], str] = str) -> dict[str, Any]:
        reason = translate(self.message)
        reason = reason % self.params if self.params else reason
        if self.index is None:
            return {self.field: [reason]}
        return {self.field: {str(self.index): [reason]}}
