"""Log files saved by another program (an editor, a spreadsheet, the app's own download), turned back into ours.

Switchboard writes UTF-8 without a byte-order mark, rows ending in CRLF, cells as cells.py stores them. Another
program may save the same rows with LF (or CR) line ends, a byte-order mark, as UTF-16, with raw carriage returns
in cells, or with a byte that is not UTF-8. `foreign_traits` spots such a file from its first bytes; `to_canonical`
rewrites its rows in Switchboard's form (in memory), so the reader parses it like any log and the writer can
replace it before appending. Bytes that are not UTF-8 are carried over as they are, for the parser to report.
"""

from __future__ import annotations

import codecs
import csv
import io
import re

from .cells import ROW_END, decode_cell, encode_cell, format_header, quote_cell

HEAD_BYTES = 4096  # enough for the header row, where every trait shows
REPLACEMENT = "\ufffd"
_LINE_END = re.compile("[\r\n]")

# Raised once for the process: a log cell may hold a whole long answer, beyond csv's default 128 KiB a field.
csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))


def encoding_of(head: bytes) -> str:
    """The text encoding a log file's first bytes show: UTF-16 by its byte-order mark or NULs, else UTF-8."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head[:4]:  # a header is ASCII text, so a NUL this early is half of a UTF-16 code unit
        return "utf-16-be" if head.startswith(b"\x00") else "utf-16-le"
    return "utf-8"


def foreign_traits(head: bytes) -> list[str]:
    """How a log file's first bytes show that another program saved it; empty when Switchboard wrote it."""
    encoding = encoding_of(head)
    traits = {"utf-8-sig": ["a UTF-8 byte-order mark"], "utf-8": []}.get(encoding, ["UTF-16 text"])
    text = head.decode(encoding, errors="ignore")  # errors: a character cut in half at the end of the head
    end = _LINE_END.search(text)
    if end is None or (end.group() == "\r" and end.end() == len(text)):  # no line end yet, or cut between CR and LF
        return traits
    at = end.start()
    if text.startswith("\r\n", at) or text.startswith("\n\r\n", at):  # the second: a header torn, then closed
        return traits
    return [*traits, "LF line ends" if text[at] == "\n" else "CR line ends"]


def to_canonical(data: bytes, name: str) -> tuple[bytes, list[str]]:
    """The rows of a log saved by another program, in Switchboard's form, and notes on what could not be kept.

    Bytes that are not UTF-8 are kept as they are (the parser reports them with their row), so a rewrite loses none.
    """
    text, notes = _text(data, name)
    rows: list[str] = []
    for cells in csv.reader(io.StringIO(text, newline="")):
        if cells:  # not a blank line: spreadsheets and editors add them, Switchboard never writes one
            rows.append(_canonical_row(cells) if rows else format_header(cells))
    return "".join(rows).encode("utf-8", errors="surrogateescape"), notes


def _text(data: bytes, name: str) -> tuple[str, list[str]]:
    encoding = encoding_of(data[:4])
    if not encoding.startswith("utf-16"):
        return data.decode(encoding, errors="surrogateescape"), []
    try:
        return data.decode(encoding), []
    except UnicodeDecodeError:  # a byte too many, or half a surrogate pair: UTF-16 has no byte-sized row to pin it on
        text = data.decode(encoding, errors="replace")
        return text, [f"{name}: some of its UTF-16 text could not be decoded and is shown as {REPLACEMENT}"]


def _canonical_row(cells: list[str]) -> str:
    # Empty cells stay bare, so numbers read as missing; a raw CR (a download keeps them) is escaped as cells.py does.
    stored = (encode_cell(decode_cell(c)) if "\r" in c else c for c in cells)
    return ",".join(quote_cell(c) if c else "" for c in stored) + ROW_END
