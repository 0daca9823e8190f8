"""Output folders that a command owns: checked before, built aside, swapped in whole.

``kexie kit``, ``kexie report`` and ``kexie rollup`` write a folder of files. They build it in a
hidden sibling and only then put it in place of the previous one, so a failed build leaves the
old folder whole. Replacing a folder deletes it, so a command may only replace a folder that it
made itself: every build leaves ``build-info.json`` naming the command and listing its files,
and a folder without it (or with files the list does not name) is refused. The event folder,
the folders above it and the working directory are always refused, whatever they hold.

A build killed half-way leaves its staging folder behind; the next build into the same place
removes it, once the marker inside shows that it was a staging folder whose process is gone.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kexie_events import __version__
from kexie_events.errors import UsageError
from kexie_events.store import now

BUILD_INFO = "build-info.json"
STAGING_MARK = ".kexie-staging"


class OutputFolderError(UsageError):
    """``--out`` names a folder the command did not make; nothing was written or deleted."""


def check_target(
    out: Path,
    made_by: str,
    *,
    protect: Iterable[Path] = (),
    legacy: Callable[[Path], bool] | None = None,
) -> None:
    """Refuse ``out`` unless replacing it destroys only what ``made_by`` made before.

    Allowed: a path that does not exist yet, an empty folder, a folder whose
    ``build-info.json`` says ``made_by`` wrote it and lists every file in it, or a folder that
    ``legacy`` recognises as made by a release from before build-info named its maker.
    ``protect`` names event folders: neither they nor the folders above them are replaced.
    """
    target = out.resolve()
    here = Path.cwd().resolve()
    refused = [here, *here.parents]
    for folder in protect:
        home = folder.resolve()
        refused += [home, *home.parents]
    if target in refused or target == Path(target.anchor):
        raise OutputFolderError(
            f"--out {out}: refusing to replace this folder (the event folder, the current "
            "folder or a folder above either); name a new folder instead"
        )
    if not target.exists() and not target.is_symlink():
        return
    if target.is_symlink() or not target.is_dir():
        raise OutputFolderError(f"--out {out}: exists and is not a folder; nothing was changed")
    if not any(target.iterdir()):
        return
    listed = _listed_files(target, made_by)
    if listed is None and legacy is not None and legacy(target):
        return
    if listed is None:
        raise OutputFolderError(
            f"--out {out}: this folder was not made by `{made_by}` (it has no {BUILD_INFO} of "
            "it), so it is not replaced; name a new or empty folder instead"
        )
    strangers = sorted(set(files_under(target)) - listed)
    if strangers:
        shown = ", ".join(strangers[:3]) + (" …" if len(strangers) > 3 else "")
        raise OutputFolderError(
            f"--out {out}: holds files that `{made_by}` did not write ({shown}); move them "
            "elsewhere first, the folder is replaced whole"
        )


def files_under(folder: Path, prefix: str = "") -> Iterator[str]:
    """Relative paths of everything in ``folder`` that is not a folder (links included).

    ``os.scandir`` knows each entry's type without a ``stat`` call: a kit holds 10,000 files.
    """
    with os.scandir(folder) as entries:
        for entry in entries:
            name = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                yield from files_under(Path(entry.path), name + "/")
            else:
                yield name


def _listed_files(folder: Path, made_by: str) -> set[str] | None:
    """The files ``made_by`` wrote into ``folder`` by its build-info, or None if not its own."""
    try:
        info = json.loads((folder / BUILD_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or info.get("made_by") != made_by:
        return None
    files = info.get("written")
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return {*files, BUILD_INFO}


@contextmanager
def building(
    out: Path,
    made_by: str,
    *,
    protect: Iterable[Path] = (),
    legacy: Callable[[Path], bool] | None = None,
    **info: object,
) -> Iterator[Path]:
    """Check ``out``, give a fresh staging folder to fill, then swap it in place of ``out``.

    The staging folder is removed if the body fails; ``out`` is then untouched. ``info`` goes
    into ``build-info.json`` beside the command's name and the list of files written.
    """
    check_target(out, made_by, protect=protect, legacy=legacy)
    out = Path(os.path.abspath(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(out)
    staging = Path(tempfile.mkdtemp(prefix=_staging_prefix(out), dir=out.parent))
    (staging / STAGING_MARK).write_text(str(os.getpid()), encoding="ascii")
    try:
        yield staging
        (staging / STAGING_MARK).unlink()
        written = sorted(files_under(staging))
        record = {"made_by": made_by, "built_at": now().isoformat(), "kexie_events": __version__}
        record.update(info, written=written)
        text = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
        (staging / BUILD_INFO).write_text(text, encoding="utf-8")
        _swap_in(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def _staging_prefix(out: Path) -> str:
    return f".{out.name}.building-"


def _old_name(out: Path) -> Path:
    return out.with_name(f".{out.name}.old")


def _swap_in(staging: Path, out: Path) -> None:
    """Put a freshly built folder in place of the old one with renames only."""
    if not out.exists():
        os.replace(staging, out)
        return
    old = _old_name(out)
    os.replace(out, old)
    os.replace(staging, out)
    shutil.rmtree(old)


def clean_leftovers(out: Path) -> list[Path]:
    """Remove staging and swapped-out folders that a killed build of ``out`` left behind.

    Only folders with the exact names this module gives, holding its marker (a staging folder
    whose process is no longer running) or its build-info (a swapped-out old copy), are removed.
    """
    removed: list[Path] = []
    if not out.parent.is_dir():
        return removed
    prefix = _staging_prefix(out)
    for path in out.parent.iterdir():
        if not path.name.startswith(prefix) or path.is_symlink() or not path.is_dir():
            continue
        if _abandoned(path / STAGING_MARK):
            shutil.rmtree(path)
            removed.append(path)
    old = _old_name(out)
    if old.is_dir() and not old.is_symlink() and (old / BUILD_INFO).is_file():
        shutil.rmtree(old)
        removed.append(old)
    return removed


def _abandoned(mark: Path) -> bool:
    """Whether the staging folder with this marker belongs to a process that has ended."""
    try:
        pid = int(mark.read_text(encoding="ascii"))
    except (OSError, ValueError):
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def write_private(path: Path, data: bytes) -> None:
    """Write an export that names people (phones, identity numbers) readable by its owner only.

    The file is the one the user named with ``--out``: it is replaced, like ``cp`` would, and
    its mode is set even when it existed before (``O_CREAT``'s mode applies to new files only).
    A symbolic link is refused, not followed: it would write, and tighten, a file elsewhere.
    """
    if path.is_symlink():
        raise UsageError(f"{path} is a symbolic link; give the export's own file name")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
