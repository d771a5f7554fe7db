"""Writing output files whole or not at all."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def replacing(output: str | os.PathLike[str]) -> Iterator[str]:
    """A temporary path beside ``output``, renamed over it when the block succeeds.

    A reader never sees half a file, and a failure leaves the old file (or no
    file) in place.  The new file gets the mode the old one had, or the mode a
    newly created file would have (``mkstemp`` makes it private, 0600, which
    would surprise whoever shares the output directory)."""
    target = Path(output)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or Path("."))
    os.close(handle)
    try:
        yield temporary
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode)
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def write_whole(output: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``output`` atomically (see :func:`replacing`)."""
    with replacing(output) as temporary, open(temporary, "wb") as handle:
        handle.write(data)
