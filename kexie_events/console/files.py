"""Files of a folder that a command wrote (the kit, the report, a roll-up), served to the console.

A request names a file by its path inside the folder. Only a regular file whose real path lies
inside the folder is served: ``..``, an absolute path and a symbolic link that points out of
the folder all name nothing (:func:`inside`). Pages and pictures open in the browser, under a
``sandbox`` content security policy (a document's template is the organiser's, or anyone's who
sent them the folder, and must not run scripts beside the console); Word, Excel, calendars and
the rest are downloaded, under a name that keeps its Chinese characters
(:func:`content_disposition`). :func:`zip_stream` makes one zip of a whole folder as it is sent:
nothing is written to the disk.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from starlette.responses import FileResponse, StreamingResponse

#: The media type of each kind of file the kit, the report and the roll-up write.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ics": "text/calendar; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
}
#: Kinds the browser shows itself; every other file is downloaded.
INLINE = frozenset({".html", ".txt", ".svg", ".png", ".jpg", ".jpeg", ".pdf"})
#: No script runs in a served document; it keeps its origin so its pictures still load.
SANDBOX = "sandbox allow-same-origin allow-popups allow-modals; object-src 'none'"
_CHUNK = 64 * 1024
# Characters Windows does not allow in a file name, and control characters.
_NOT_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


def inside(folder: Path, relative: str) -> Path | None:
    """The regular file ``relative`` names inside ``folder``, or ``None`` when it names none.

    ``relative`` is a ``/``-separated path as a URL carries it. The answer's real path (every
    symbolic link followed) must lie inside ``folder``'s real path; a folder that is itself a
    symbolic link serves nothing.
    """
    if not relative or "\x00" in relative or "\\" in relative:
        return None
    parts = PurePosixPath(relative)
    if parts.is_absolute() or ".." in parts.parts:
        return None
    if folder.is_symlink():
        return None
    try:
        base = folder.resolve(strict=True)
        candidate = (base / parts).resolve(strict=True)
    except (OSError, RuntimeError):  # missing, or a loop of links
        return None
    if candidate == base or not candidate.is_relative_to(base) or not candidate.is_file():
        return None
    return candidate


def listing(folder: Path) -> list[str]:
    """Every file in ``folder`` (``/``-separated paths, sorted); none when it is no folder."""
    from kexie_events.output import files_under

    if folder.is_symlink() or not folder.is_dir():
        return []
    return sorted(files_under(folder))


def file_name(title: str, suffix: str, fallback: str) -> str:
    """A file name for a download: ``title`` and ``suffix`` without characters Windows
    refuses; ``fallback`` when nothing of the title is left."""
    cleaned = " ".join(_NOT_IN_NAMES.sub(" ", title).split())[:100].strip(" .")
    return f"{cleaned}{suffix}" if cleaned else fallback


def content_disposition(disposition: str, name: str, fallback: str) -> str:
    """A ``Content-Disposition`` header naming the file ``name`` (RFC 6266 and RFC 5987).

    ``filename*=UTF-8''...`` carries the name with its Chinese characters; ``filename=`` an
    ASCII ``fallback`` for the rare client that reads only that one.
    """
    plain = _NOT_IN_NAMES.sub("_", fallback).encode("ascii", "replace").decode().replace("?", "_")
    return f"{disposition}; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_response(path: Path, name: str | None = None) -> FileResponse:
    """``path`` as a response: shown in the browser when its kind is :data:`INLINE`,
    downloaded as ``name`` (default: its own name) otherwise."""
    suffix = path.suffix.lower()
    shown = suffix in INLINE
    headers = {
        "Content-Disposition": content_disposition(
            "inline" if shown else "attachment", name or path.name, path.name
        ),
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    if shown:
        headers["Content-Security-Policy"] = SANDBOX
    media_type = CONTENT_TYPES.get(suffix, "application/octet-stream")
    return FileResponse(path, media_type=media_type, headers=headers)


class _Sink(io.RawIOBase):
    """Where the zip is written: bytes kept until the response takes them (never a file)."""

    def __init__(self):
        super().__init__()
        self._chunks: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        self.size += len(data)
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        self.size = 0
        return data


def zip_stream(folder: Path, names: Iterable[str]) -> Iterator[bytes]:
    """A zip of the files ``names`` in ``folder`` (each under its own path), made as it is read.

    A name that does not lead to a file inside the folder (see :func:`inside`) is left out.
    """
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            path = inside(folder, name)
            if path is None:
                continue
            entry = zipfile.ZipInfo.from_file(path, arcname=name)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with path.open("rb") as source, archive.open(entry, "w") as target:
                while chunk := source.read(_CHUNK):
                    target.write(chunk)
                    if sink.size >= _CHUNK:
                        yield sink.take()
    if sink.size:  # the last file's end and the zip's table of contents
        yield sink.take()


def zip_response(folder: Path, names: Iterable[str], name: str, fallback: str):
    """The files ``names`` of ``folder`` as one zip download called ``name``, streamed."""
    headers = {
        "Content-Disposition": content_disposition("attachment", name, fallback),
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(
        zip_stream(folder, list(names)), media_type="application/zip", headers=headers
    )
