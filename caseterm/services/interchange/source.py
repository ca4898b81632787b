"""Reading an import file: bytes to text a chunk at a time, hashed, refusing what is not text."""

from __future__ import annotations

import codecs
import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any


from caseterm.errors import BadInput
from caseterm.services.interchange.problems import _Fatal


# --------------------------------------------------------------------------
# Reading a file: bytes -> text, a chunk at a time, hashed
# --------------------------------------------------------------------------

CHUNK = 1 << 20


class _HashingReader(io.RawIOBase):
    """The file's bytes as read, hashed on the way (pass 2 checks it read the same file)."""

    def __init__(self, raw: io.BufferedReader) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.raw.readinto(buffer)
        if n:
            self.sha.update(memoryview(buffer)[:n])
        return n or 0


#: Leading bytes of files people import by mistake, and what to say.
_NOT_TEXT = (
    (b"PK\x03\x04", "is a zip archive, not {what} (the csv export is a zip: unzip it and import clients.csv)"),
    (b"SQLite format 3\x00", "is a SQLite database, not {what}"),
    (b"\x1f\x8b", "is gzip-compressed; decompress it first"),
    (b"%PDF", "is a PDF document, not {what}"),
    (b"\xff\xfe", "is UTF-16 text; save it as UTF-8"),
    (b"\xfe\xff", "is UTF-16 text; save it as UTF-8"),
)


class _Source:
    """One import file opened as UTF-8 text (a BOM is allowed), checked as it is read."""

    def __init__(self, path: Path, where: str, what: str) -> None:
        self.path, self.where = path, where
        import stat

        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            raise BadInput(f"{where}: no such file") from None
        except OSError as err:
            raise BadInput(f"{where}: cannot read the file ({err.strerror or type(err).__name__})") from None
        if stat.S_ISDIR(mode):
            raise BadInput(f"{where}: is a folder; name a file")
        if not stat.S_ISREG(mode):
            # A pipe blocks until a writer comes and cannot be read twice (the import reads the file twice).
            raise BadInput(f"{where}: not a regular file (a pipe, device or socket); "
                           "save it to a file first and import that")
        try:
            self.raw = open(path, "rb")  # noqa: SIM115 - closed by close()
        except FileNotFoundError:
            raise BadInput(f"{where}: no such file") from None
        except IsADirectoryError:
            raise BadInput(f"{where}: is a folder; name a file") from None
        except OSError as err:
            raise BadInput(f"{where}: cannot read the file ({err.strerror or type(err).__name__})") from None
        try:
            head = self.raw.read(16)
            self.raw.seek(0)
        except OSError as err:
            self.raw.close()
            raise BadInput(f"{where}: cannot read the file ({err.strerror or type(err).__name__})") from None
        for magic, message in _NOT_TEXT:
            if head.startswith(magic):
                self.raw.close()
                raise BadInput(f"{where}: {message.format(what=what)}")
        self.hashing = _HashingReader(self.raw)
        self.text = io.TextIOWrapper(io.BufferedReader(self.hashing, CHUNK), encoding="utf-8-sig",
                                     errors="strict", newline="")
        #: Newlines in the text handed out so far (for NUL messages).
        self.lines_read = 0

    def close(self) -> None:
        self.text.close()

    def __enter__(self) -> _Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def digest(self) -> str:
        return self.hashing.sha.hexdigest()

    def _check(self, text: str) -> str:
        nul = text.find("\x00")
        if nul >= 0:
            line = self.lines_read + text.count("\n", 0, nul) + 1
            raise _Fatal(f"{self.where}:{line}: contains a NUL byte; this is not a text file")
        self.lines_read += text.count("\n")
        return text

    def read(self, size: int) -> str:
        """Up to `size` characters ("" at the end)."""
        try:
            return self._check(self.text.read(size))
        except UnicodeDecodeError:
            raise _Fatal(self._decode_error()) from None
        except OSError as err:
            raise _Fatal(f"{self.where}: cannot read the file ({err.strerror})") from None

    def lines(self) -> Iterator[str]:
        """The text a line at a time, line ends kept (as the csv module wants them)."""
        try:
            for line in self.text:
                yield self._check(line)
        except UnicodeDecodeError:
            raise _Fatal(self._decode_error()) from None
        except OSError as err:
            raise _Fatal(f"{self.where}: cannot read the file ({err.strerror})") from None

    def _decode_error(self) -> str:
        """Where the first byte that is not UTF-8 is (read again: an error path only)."""
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
        line = 1
        with open(self.path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as err:
                    line += chunk.count(b"\n", 0, max(err.start, 0))
                    bad = chunk[max(err.start, 0):max(err.start, 0) + 1]
                    return (f"{self.where}:{line}: not UTF-8 text (byte 0x{bad.hex()}); "
                            "save the file as UTF-8")
                line += chunk.count(b"\n")
        return f"{self.where}:{line}: not UTF-8 text (it ends in the middle of a character); save the file as UTF-8"
