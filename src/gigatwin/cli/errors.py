"""One message for a failure that a command did not turn into an error itself.

Commands report the problems they know about (a recipe's fields, a plant's keys...) with
:func:`gigatwin.cli._common.fail`. What reaches :func:`describe` is the rest: a file that
is not UTF-8 text, a folder where a file was expected, a full disk, memory that is not
there, malformed YAML or CSV, or a value a domain function refused. Each becomes one line
that names the file or value and says what is allowed, with an exit code:

* 1: the input data are invalid (the file was read, its content is wrong);
* 2: the command line cannot be used (a path, an option);
* 70: an internal error (a bug: the message asks for ``--debug`` and a report).
"""

from __future__ import annotations

import errno
from pathlib import Path

INVALID_DATA = 1
USAGE = 2
INTERNAL = 70


def _files(args: list[str]) -> list[str]:
    """The arguments of the command line that name existing files."""
    found = []
    for arg in args:
        value = arg.split("=", 1)[1] if arg.startswith("--") and "=" in arg else arg
        try:
            if value and not value.startswith("-") and Path(value).is_file():
                found.append(value)
        except (OSError, ValueError):
            continue
    return found


def _which_file(args: list[str]) -> str:
    files = _files(args)
    if len(files) == 1:
        return files[0]
    return "one of " + ", ".join(files) if files else "an input file"


def _decode(exc: UnicodeDecodeError, args: list[str]) -> str:
    byte = exc.object[exc.start:exc.start + 1].hex() if exc.object else "?"
    return (f"{_which_file(args)} is not {exc.encoding.upper()} text: byte 0x{byte} at "
            f"position {exc.start} cannot be decoded; save the file as UTF-8")


def _os_error(exc: OSError) -> tuple[str, int]:
    where = exc.filename if exc.filename is not None else "a file"
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        return f"{where}: the disk is full; free space and run again", USAGE
    if isinstance(exc, IsADirectoryError):
        return f"{where}: is a folder, where a file was expected", USAGE
    if isinstance(exc, NotADirectoryError):
        return f"{where}: a part of this path is a file, where a folder was expected", USAGE
    if isinstance(exc, FileNotFoundError):
        return f"{where}: no such file or folder", USAGE
    if isinstance(exc, PermissionError):
        return f"{where}: permission denied", USAGE
    return f"{where}: {reason}", USAGE


def describe(exc: BaseException, args: list[str]) -> tuple[str, int]:
    """``(message, exit code)`` for an exception that ended a command."""
    import yaml

    if isinstance(exc, UnicodeDecodeError):
        return _decode(exc, args), INVALID_DATA
    if isinstance(exc, MemoryError):
        return ("not enough memory for this run; use fewer samples or a smaller input "
                "(the machine's free memory is the limit)"), USAGE
    if isinstance(exc, RecursionError):
        return f"{_which_file(args)} is nested too deeply to be read", INVALID_DATA
    if isinstance(exc, OSError):
        return _os_error(exc)
    if isinstance(exc, yaml.YAMLError):
        return f"{_which_file(args)} is not valid YAML: {exc}".replace("\n", " "), INVALID_DATA
    import pandas as pd

    if isinstance(exc, pd.errors.EmptyDataError):
        return f"{_which_file(args)} is empty: a header row and data were expected", INVALID_DATA
    if isinstance(exc, pd.errors.ParserError):
        return f"{_which_file(args)} is not a readable CSV: {exc}", INVALID_DATA
    if isinstance(exc, KeyError):
        return f"{_which_file(args)}: required entry {exc} is missing", INVALID_DATA
    if isinstance(exc, ValueError | TypeError | ArithmeticError):
        return f"invalid input: {exc}", INVALID_DATA
    return f"internal error: {type(exc).__name__}: {exc}", INTERNAL
