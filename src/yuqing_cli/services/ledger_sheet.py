"""Reading a ledger file for ``yq import``: CSV or XLSX, streamed and bounded.

A file is read a row at a time and never whole, so memory stays flat whatever its size;
everything it could hold past what an office ledger holds is refused with a clear error
(exit 2) as soon as it is seen (:data:`LIMITS`, documented in ``docs/commands.md``):

- rows (:data:`MAX_ROWS` data rows), columns (:data:`MAX_COLUMNS`) and the size of one
  cell (:data:`MAX_CELL` characters, Excel's own limit);
- an XLSX's shared strings (:data:`MAX_SHARED` strings, :data:`MAX_SHARED_BYTES`
  bytes), the uncompressed size of its parts (:data:`MAX_PART_BYTES`; the sizes the
  archive declares bind the reading), and any XML with a document type declaration
  (a DTD: entities, external or expanding, are never read);
- NUL and other control characters (C0, except tab and line breaks) in any cell.

The XLSX sheet XML is read with the standard library's C parser, fed in pieces, each
row handled and dropped as it ends; shared strings and the styles (which cells are dates)
are read first. Excel's serial dates in cells with a date format become ``datetime``
(or ``date`` when the format shows no time of day).
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

from yuqing_cli.errors import BadInput
from yuqing_cli.i18n import _

MAX_ROWS = 200_000  # data rows of one file
MAX_COLUMNS = 256
MAX_CELL = 32_767  # characters (Excel's limit)
MAX_SHARED = 1_000_000  # shared strings of a workbook
MAX_SHARED_BYTES = 128 * 1024 * 1024  # their XML, uncompressed
MAX_PART_BYTES = 1024 * 1024 * 1024  # any part of a workbook, uncompressed
MAX_SMALL_PART = 16 * 1024 * 1024  # workbook, relations, styles
MAX_FILE_BYTES = 512 * 1024 * 1024  # a CSV file
SLACK_ROWS = 1_000  # title, header, totals and signature rows beyond MAX_ROWS
CHUNK = 64 * 1024

LIMITS = {
    "rows": MAX_ROWS,
    "columns": MAX_COLUMNS,
    "cell": MAX_CELL,
    "shared_strings": MAX_SHARED,
    "shared_strings_bytes": MAX_SHARED_BYTES,
    "part_bytes": MAX_PART_BYTES,
    "csv_bytes": MAX_FILE_BYTES,
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Table:
    """A sheet's rows as they are read: ``(row number, cells)``, numbered as the
    spreadsheet numbers them (the first row is 1)."""

    rows: Iterator[tuple[int, list[Any]]]
    sheet: str = ""  # the workbook's sheet read ("" for CSV)
    encoding: str = ""  # the CSV's


def too_big(what: str, limit: int, where: str = "") -> BadInput:
    return BadInput(
        _("the file has more {what} than yq imports ({limit:,}){where}").format(
            what=what, limit=limit, where=where
        ),
        hint=_("split the ledger into several files (by year or month) and import each"),
    )


def check_text(value: str, number: int, column: int) -> str:
    """A cell's text, refused if it holds a control character or is too long."""
    if len(value) > MAX_CELL:
        raise BadInput(
            _("row {row}, column {column}: a cell longer than {limit:,} characters").format(
                row=number, column=column + 1, limit=MAX_CELL
            ),
            hint=_("is it the right file?"),
        )
    found = _CONTROL.search(value)
    if found is not None:
        raise BadInput(
            _(
                "row {row}, column {column}: a control character (U+{code:04X}) at "
                "position {position}"
            ).format(row=number, column=column + 1, code=ord(found[0]), position=found.start() + 1),
            hint=_("remove it from the cell and import again"),
        )
    return value


def open_table(path: Path) -> Table:
    """The table in a CSV or XLSX file, read as it is consumed."""
    try:
        with path.open("rb") as f:
            head = f.read(4)
    except OSError as exc:
        raise BadInput(
            _("cannot read {path}: {reason}").format(path=path, reason=exc.strerror)
        ) from None
    if head == b"PK\x03\x04":
        return _xlsx(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise BadInput(
            _("{path} is not an Excel workbook (.xlsx)").format(path=path),
            hint=_("save it as .xlsx or as CSV (UTF-8)"),
        )
    return _csv(path)


# -- CSV -----------------------------------------------------------------------------------


def _csv(path: Path) -> Table:
    """CSV in UTF-8 (with or without a BOM), else GB18030 (what Excel writes in China)."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise too_big(_("bytes"), MAX_FILE_BYTES)
    encoding = "utf-8-sig" if _is_utf8(path) else "gb18030"
    with path.open("rb") as f:
        first = f.read(CHUNK).decode(encoding, errors="ignore").split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count)
    return Table(_csv_rows(path, encoding, delimiter), encoding=encoding.replace("-sig", ""))


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as f:
        try:
            while chunk := f.read(1024 * 1024):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _csv_rows(path: Path, encoding: str, delimiter: str) -> Iterator[tuple[int, list[Any]]]:
    limit = MAX_ROWS + SLACK_ROWS
    with path.open("r", encoding=encoding, newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        number = 0
        try:
            for cells in reader:
                number += 1
                if number > limit:
                    raise too_big(_("rows"), MAX_ROWS)
                if len(cells) > MAX_COLUMNS:
                    raise too_big(_("columns"), MAX_COLUMNS, _(" (row {row})").format(row=number))
                yield number, [_unquoted(check_text(v, number, i)) for i, v in enumerate(cells)]
        except csv.Error as exc:
            raise BadInput(
                _("row {row} is not readable CSV: {reason}").format(row=number + 1, reason=exc),
                hint=_("save the file again as CSV (UTF-8) from the spreadsheet"),
            ) from None


# What a spreadsheet reads as the start of a formula (as render.safe.spreadsheet_safe).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def _unquoted(value: str) -> str:
    """A cell as typed: the quote that keeps a spreadsheet from running ``=…`` as a
    formula (``yq export`` writes one) is not part of the text."""
    if value.startswith("'") and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value


# -- XLSX ----------------------------------------------------------------------------------

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# The sheet this import prefers: the flat one ``yq export`` writes, then a ledger's.
PREFERRED_SHEETS = ("明细", "台账")


def _unreadable(path: Path, reason: object) -> BadInput:
    return BadInput(
        _("cannot read the workbook {path}: {reason}").format(path=path, reason=reason),
        hint=_("save it again as .xlsx, or as CSV (UTF-8)"),
    )


def _xlsx(path: Path) -> Table:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _unreadable(path, exc) from None
    try:
        for info in archive.infolist():
            if info.file_size > MAX_PART_BYTES:
                raise too_big(_("uncompressed bytes in one part"), MAX_PART_BYTES)
        sheets = _sheets(archive, path)
        if not sheets:
            raise _unreadable(path, _("it has no sheet"))
        name = next((n for n in PREFERRED_SHEETS if n in sheets), next(iter(sheets)))
        date1904, styles = _styles(archive, path)
        strings = _shared_strings(archive, path)
    except BadInput:
        archive.close()
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, ElementTree.ParseError) as exc:
        archive.close()
        raise _unreadable(path, exc) from None
    rows = _sheet_rows(archive, path, sheets[name], strings, styles, date1904)
    return Table(rows, sheet=name)


def _part(archive: zipfile.ZipFile, name: str, limit: int) -> IO[bytes]:
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise too_big(_("bytes in {part}").format(part=name), limit)
    return archive.open(info)


def _events(stream: IO[bytes], path: Path, events: tuple[Any, ...] = ("end",)) -> Iterator[Any]:
    """Parse events of an XML part, fed a piece at a time. A document type declaration
    (where entities are declared) is refused before anything is parsed."""
    parser: Any = ElementTree.XMLPullParser(events)
    first = True
    try:
        while chunk := stream.read(CHUNK):
            if first:
                _refuse_dtd(chunk, path)
                first = False
            parser.feed(chunk)
            yield from parser.read_events()
        parser.close()
        yield from parser.read_events()
    except ElementTree.ParseError as exc:
        raise _unreadable(path, exc) from None
    except zipfile.BadZipFile as exc:
        raise _unreadable(path, exc) from None


def _refuse_dtd(chunk: bytes, path: Path) -> None:
    if chunk[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise _unreadable(path, _("a part is not UTF-8 XML"))
    head = chunk.lstrip(b"\xef\xbb\xbf \t\r\n")
    # the prolog: an XML declaration, comments and processing instructions, then the root
    start = re.match(rb"(?:<\?.*?\?>|<!--.*?-->|\s)*", head, re.S)
    rest = head[start.end() if start else 0 :]
    if rest.startswith(b"<!") or b"<!ENTITY" in head[:CHUNK] or b"<!DOCTYPE" in head[:CHUNK]:
        raise BadInput(
            _("the workbook {path} declares a document type (DTD) or entities").format(path=path),
            hint=_("yq reads no DTD or entity; save the workbook again from Excel or WPS"),
        )


def _sheets(archive: zipfile.ZipFile, path: Path) -> dict[str, str]:
    """Sheet name -> its part, in the workbook's order."""
    targets: dict[str, str] = {}
    with _part(archive, "xl/_rels/workbook.xml.rels", MAX_SMALL_PART) as f:
        for _e, elem in _events(f, path):
            if elem.tag == f"{_PKG_REL}Relationship":
                target = elem.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                targets[elem.get("Id", "")] = target
    out: dict[str, str] = {}
    with _part(archive, "xl/workbook.xml", MAX_SMALL_PART) as f:
        for _e, elem in _events(f, path):
            if elem.tag == f"{_MAIN}sheet":
                rid = elem.get(f"{_REL}id", "")
                if rid in targets:
                    out[elem.get("name", "")] = targets[rid]
    return out


# Excel's built-in number formats that show dates (and 45-47: times), the Chinese ones too.
_DATE_IDS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}
_TIME_IDS = {18, 19, 20, 21, 22, 32, 33, 34, 35, 45, 46, 47, 55, 56, 57, 58}


def _format_kind(code: str) -> str:
    """``datetime``, ``date`` or ``number`` for a number format code."""
    plain = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code.split(";")[0]).lower()
    if re.search(r"[yd]", plain) or ("m" in plain and not re.search(r"[0#?]", plain)):
        return "datetime" if re.search(r"[hs]", plain) else "date"
    if re.search(r"[hs]", plain) and not re.search(r"[0#?]", plain):
        return "datetime"
    return "number"


def _styles(archive: zipfile.ZipFile, path: Path) -> tuple[bool, list[str]]:
    """Whether dates count from 1904, and each cell style's kind (by its index)."""
    date1904 = False
    with _part(archive, "xl/workbook.xml", MAX_SMALL_PART) as f:
        for _e, elem in _events(f, path):
            if elem.tag == f"{_MAIN}workbookPr":
                date1904 = elem.get("date1904", "0") in ("1", "true")
    if "xl/styles.xml" not in archive.namelist():
        return date1904, []
    formats: dict[int, str] = {}
    kinds: list[str] = []
    with _part(archive, "xl/styles.xml", MAX_SMALL_PART) as f:
        for event, elem in _events(f, path, ("start", "end")):
            if event == "end" and elem.tag == f"{_MAIN}numFmt":
                formats[int(elem.get("numFmtId", "0"))] = elem.get("formatCode", "")
            elif event == "end" and elem.tag == f"{_MAIN}cellXfs":
                for xf in elem.iter(f"{_MAIN}xf"):
                    number = int(xf.get("numFmtId", "0"))
                    if number in formats:
                        kinds.append(_format_kind(formats[number]))
                    elif number in _DATE_IDS:
                        kinds.append("datetime" if number in _TIME_IDS else "date")
                    else:
                        kinds.append("number")
    return date1904, kinds


def _shared_strings(archive: zipfile.ZipFile, path: Path) -> list[str]:
    name = "xl/sharedStrings.xml"
    if name not in archive.namelist():
        return []
    strings: list[str] = []
    with _part(archive, name, MAX_SHARED_BYTES) as f:
        parser = _events(f, path)
        for _e, elem in parser:
            if elem.tag == f"{_MAIN}si":
                text = "".join(t.text or "" for t in elem.iter(f"{_MAIN}t"))
                if len(text) > MAX_CELL:
                    raise too_big(_("characters in one cell"), MAX_CELL)
                strings.append(text)
                if len(strings) > MAX_SHARED:
                    raise too_big(_("shared strings"), MAX_SHARED)
                elem.clear()
    return strings


_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def _column_index(ref: str | None, fallback: int) -> int:
    if not ref:
        return fallback
    m = _CELL_REF.match(ref)
    if m is None:
        return fallback
    index = 0
    for ch in m[1]:
        index = index * 26 + ord(ch) - 64
    return index - 1


def _sheet_rows(
    archive: zipfile.ZipFile,
    path: Path,
    part: str,
    strings: list[str],
    styles: list[str],
    date1904: bool,
) -> Iterator[tuple[int, list[Any]]]:
    epoch = datetime(1904, 1, 1) if date1904 else datetime(1899, 12, 30)
    row_tag, cell_tag, value_tag = f"{_MAIN}row", f"{_MAIN}c", f"{_MAIN}v"
    inline_tag, text_tag = f"{_MAIN}is", f"{_MAIN}t"
    limit = MAX_ROWS + SLACK_ROWS
    rows = 0
    cells_in_row = 0
    last = 0
    sheet_data: Any = None
    try:
        with _part(archive, part, MAX_PART_BYTES) as f:
            for event, elem in _events(f, path, ("start", "end")):
                tag = elem.tag
                if event == "start":
                    if tag == cell_tag:
                        cells_in_row += 1
                        if cells_in_row > MAX_COLUMNS:
                            raise too_big(_("columns"), MAX_COLUMNS)
                    elif tag == row_tag:
                        rows += 1
                        cells_in_row = 0
                        if rows > limit:
                            raise too_big(_("rows"), MAX_ROWS)
                    elif tag == f"{_MAIN}sheetData":
                        sheet_data = elem
                    continue
                if tag != row_tag:
                    continue
                number = int(elem.get("r") or last + 1)
                last = number
                values: list[Any] = []
                for i, c in enumerate(elem.iter(cell_tag)):
                    column = _column_index(c.get("r"), i)
                    if column >= MAX_COLUMNS:
                        raise too_big(_("columns"), MAX_COLUMNS)
                    kind = c.get("t", "n")
                    if kind == "inlineStr":
                        box = c.find(inline_tag)
                        raw: str | None = (
                            "".join(t.text or "" for t in box.iter(text_tag))
                            if box is not None
                            else ""
                        )
                    else:
                        v = c.find(value_tag)
                        raw = v.text if v is not None else None
                    value = _cell(raw, kind, c.get("s"), strings, styles, epoch)
                    if isinstance(value, str):
                        value = check_text(value, number, column)
                    while len(values) < column:
                        values.append(None)
                    values.append(value)
                if sheet_data is not None:
                    sheet_data.clear()  # the rows read so far: dropped
                yield number, values
    except (zipfile.BadZipFile, OSError, ValueError, IndexError) as exc:
        raise _unreadable(path, exc) from None
    finally:
        archive.close()


def _cell(
    raw: str | None,
    kind: str,
    style: str | None,
    strings: list[str],
    styles: list[str],
    epoch: datetime,
) -> Any:
    if raw is None:
        return None
    if kind == "s":
        return strings[int(raw)]
    if kind in ("str", "inlineStr", "e"):
        return raw
    if kind == "b":
        return raw == "1"
    if kind == "d":
        return datetime.fromisoformat(raw)
    number = float(raw)
    shown = styles[int(style)] if style is not None and int(style) < len(styles) else "number"
    if shown == "number":
        return int(number) if number.is_integer() else number
    at = epoch + timedelta(days=number)
    at = at.replace(microsecond=0) + timedelta(seconds=round(at.microsecond / 1e6))
    if shown == "date" and at.hour == at.minute == at.second == 0:
        return at.date()
    return at


def excel_serial(number: float) -> datetime | date:
    """An Excel serial date (1900 system) as the day (a whole number) or the time."""
    at = datetime(1899, 12, 30) + timedelta(days=number)
    at = at.replace(microsecond=0) + timedelta(seconds=round(at.microsecond / 1e6))
    return at.date() if float(number).is_integer() else at
