"""Writing outputs so that a failed command changes no file.

Every file a command writes (``-o``: chains, threats, reports, figures, baselines, rule docs,
the schema) goes through :func:`write_output`:

- the text or bytes go to a temporary file in the target's own folder, are flushed and synced
  to disk, and the temporary file is renamed over the target in one step, so the target is
  either the previous file, byte for byte, or the whole new one, never a fragment (a full
  disk, a vanished folder, a killed process);
- an output that is one of the command's inputs (the model, a rule file, the baseline being
  checked) is refused before anything is written;
- every operating-system error on the way is one
  :class:`~maestro_graph.support.errors.MaestroInputError`
  naming the file (exit code 2 at the command line), never a traceback.

A target that exists and is not a regular file (``/dev/stdout``, a named pipe) cannot be
replaced by a rename; it is written to directly, and its errors are reported the same way.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> folder = Path(tempfile.mkdtemp())
>>> write_output(folder / "chains.txt", "one chain\\n")
>>> (folder / "chains.txt").read_text()
'one chain\\n'
>>> try:
...     write_output(folder / "missing" / "chains.txt", "x")
... except MaestroInputError as error:
...     print(str(error).split(": ", 1)[1])
cannot write: the folder ... does not exist
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from maestro_graph.support.errors import MaestroInputError


def _failure(path: Path, reason: str) -> MaestroInputError:
    return MaestroInputError.single(str(path), None, f"cannot write: {reason}")


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def is_same_file(first: str | Path, second: str | Path) -> bool:
    """Whether two paths name the same file (following links; False when either is missing).

    Examples
    --------
    >>> is_same_file(__file__, __file__), is_same_file(__file__, "no-such-file")
    (True, False)
    """
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def refuse_inputs(path: str | Path, inputs: Iterable[str | Path]) -> None:
    """Raise when ``path`` is one of ``inputs`` (or a file inside an input folder).

    Raises
    ------
    MaestroInputError
        Naming the output and the input it would overwrite.
    """
    target = Path(path)
    for source in inputs:
        source_path = Path(source)
        inside = source_path.is_dir() and any(
            is_same_file(parent, source_path) for parent in target.absolute().parents
        )
        if is_same_file(target, source_path) or inside:
            raise _failure(
                target, f"it is an input of this command ({source}); choose another output file"
            )


def write_output(
    path: str | Path, data: str | bytes, *, inputs: Iterable[str | Path] = ()
) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` atomically; see the module docstring.

    Parameters
    ----------
    path : str or Path
        The output file.
    data : str or bytes
    inputs : iterable of str or Path
        The command's input files and folders, which the output must not replace.

    Raises
    ------
    MaestroInputError
        When the output is an input, its folder is missing, or the write fails.
    """
    target = Path(path)
    refuse_inputs(target, inputs)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise _failure(target, _reason(error)) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise _failure(target, "it is a folder")
    if mode is not None and not stat.S_ISREG(mode):
        _write_in_place(target, payload)
    else:
        _replace(target, payload, None if mode is None else stat.S_IMODE(mode))


def _write_in_place(target: Path, payload: bytes) -> None:
    """Write into a device or pipe, which a rename would replace rather than write to."""
    try:
        with open(target, "wb") as handle:
            handle.write(payload)
            handle.flush()
    except OSError as error:
        raise _failure(target, _reason(error)) from None


def _replace(target: Path, payload: bytes, mode: int | None) -> None:
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise _failure(target, f"the folder {folder} does not exist")
    temporary: str | None = None
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=folder, prefix=f".{target.name}.", suffix=".tmp"
        )
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode if mode is not None else _default_mode())
        os.replace(temporary, target)
        temporary = None
    except OSError as error:
        raise _failure(target, _reason(error)) from None
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _default_mode() -> int:
    """What ``open(path, "w")`` would give a new file: 0o666 less the umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
