"""Problems found in glossary files, and the exception that carries them.

Every problem keeps the file and line it belongs to, because the people who fix glossary
data work from `file:line: message` lines (the format editors and CI logs link to).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Severity(str, Enum):
    """An error blocks loading (a row would otherwise be lost or wrong); a warning does not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place of a glossary file (line 0 = the file as a whole)."""

    path: str
    line: int
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        """``file:line: severity: message``, or ``file: severity: message`` for the file as a whole (as compilers
        write it: a line 0 would send an editor to a line that does not exist)."""
        where = f"{self.path}:{self.line}" if self.line > 0 else self.path
        return f"{where}: {self.severity.value}: {self.message}"


def errors_in(problems: list[Problem]) -> list[Problem]:
    """The problems that must block loading."""
    return [p for p in problems if p.severity is Severity.ERROR]


class GlossaryError(ValueError):
    """Raised when glossary files cannot be loaded without losing or misreading rows.

    Carries every problem found (not just the first), so one run shows all that needs fixing.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
