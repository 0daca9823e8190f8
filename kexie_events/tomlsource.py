"""Where each key of a TOML file stands, so every error can name its line.

``tomllib`` gives values but no positions. This scanner reads the same text once more and records
the line of every table header and ``key =`` line, keyed by the path the parsed value has
(``("sites", 1, "capacity")``). It only looks at the start of lines, skipping multi-line strings,
which is all TOML allows a key or header to be.
"""

from __future__ import annotations

import re

Path = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)(.*?)(\]\]?)\s*(#.*)?$")
_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _split_key(text: str) -> list[str] | None:
    """Split a (possibly dotted, possibly quoted) TOML key into its parts."""
    parts: list[str] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t":
            i += 1
        if i >= n:
            break
        if text[i] in "\"'":
            quote = text[i]
            end = text.find(quote, i + 1)
            if end < 0:
                return None
            parts.append(text[i + 1 : end])
            i = end + 1
        else:
            match = _BARE.match(text, i)
            if not match:
                return None
            parts.append(match.group())
            i = match.end()
        while i < n and text[i] in " \t":
            i += 1
        if i < n:
            if text[i] != ".":
                return None
            i += 1
    return parts or None


def _key_before_equals(line: str) -> list[str] | None:
    """The key of a ``key = value`` line, or None when the line is not one."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "=":
            return _split_key(line[:i])
        elif ch in "#[{":
            return None
    return None


class KeyLines:
    """Line numbers of the tables and keys of one TOML text."""

    def __init__(self, text: str):
        self._lines: dict[Path, int] = {}
        self._scan(text)

    def _scan(self, text: str) -> None:
        table: Path = ()
        array_index: dict[Path, int] = {}
        in_string = None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_string:
                if line.count(in_string) % 2 == 1:
                    in_string = None
                continue
            header = _HEADER.match(line)
            if header and header.group(1) == header.group(3)[::-1].replace("]", "["):
                names = _split_key(header.group(2))
                if names is None:
                    continue
                path: list[str | int] = []
                for name in names[:-1]:
                    path.append(name)
                    if tuple(path) in array_index:
                        path.append(array_index[tuple(path)])
                path.append(names[-1])
                if header.group(1) == "[[":
                    key = tuple(path)
                    array_index[key] = array_index.get(key, -1) + 1
                    self._lines.setdefault(key, number)
                    path.append(array_index[key])
                table = tuple(path)
                self._lines.setdefault(table, number)
                continue
            key = _key_before_equals(line)
            if key:
                for depth in range(1, len(key) + 1):
                    self._lines.setdefault(table + tuple(key[:depth]), number)
                value = line.split("=", 1)[1]
                for quote in ('"""', "'''"):
                    if value.count(quote) % 2 == 1:
                        in_string = quote

    def line_of(self, path: Path) -> int:
        """Line of ``path``, or of its nearest enclosing key or table; 1 when none is known."""
        for depth in range(len(path), 0, -1):
            line = self._lines.get(tuple(path[:depth]))
            if line is not None:
                return line
        return 1
