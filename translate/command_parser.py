"""How every ``vi2en`` command parses its arguments: ``--version`` everywhere, errors from the command at fault.

argparse hands the options a sub-command does not know back to the top-level parser, which then
prints the top-level usage (``usage: vi2en [-h] COMMAND ...``) — no help to someone who mistyped an
option of ``vi2en translate``.  :class:`CommandParser` is the parser class of the whole tree (its
sub-parsers inherit it): each command reports its own unknown options with its own usage, and each
answers ``--version``.
"""

from __future__ import annotations

import argparse
from typing import Any, Sequence

#: Where argparse's sub-command action leaves the arguments its parser did not recognise (a private
#: name, unchanged since Python 3.2; the fallback keeps this working should it ever be renamed).
_UNRECOGNIZED = getattr(argparse, "_UNRECOGNIZED_ARGS_ATTR", "_unrecognized_args")


class CommandParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` with ``--version`` whose sub-commands report their own bad options."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from . import __version__

        self.register("action", "parsers", _SubCommands)
        self.add_argument("--version", action="version", version=f"vi2en {__version__}",
                          help="print vi2en's version and exit")


class _SubCommands(argparse._SubParsersAction):
    """The sub-command action whose chosen parser rejects what it does not recognise itself."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
        values: Sequence[Any], option_string: str | None = None,
    ) -> None:
        super().__call__(parser, namespace, values, option_string)
        unknown = vars(namespace).pop(_UNRECOGNIZED, None)
        if unknown:
            self._name_parser_map[values[0]].error(f"unrecognized arguments: {' '.join(unknown)}")
