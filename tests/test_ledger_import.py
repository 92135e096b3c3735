"""`yq import` of the ledger an office really keeps (a merged title row, its own headers,
totals and signature rows, Excel serial dates, 12.10, several people and one off the
roster), as CSV in GB18030 and as XLSX; and the bounds of what it reads."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import LEADER, Clock, ok, ok_json, yq

TITLE = "红旗区社区矫正中心2024年舆情台账"
HEADER = [
    "序号", "日期", "舆情标题", "内容", "来源/平台", "网址", "舆情级别", "类型", "责任人",
    "处置情况", "是否办结", "办结时间", "备注",
]  # fmt: skip
ROWS: list[list[Any]] = [
    [1, 45651, "网传某矫正对象违规外出", "网民发帖称……", "微博", "https://w.example/1", "较大舆情",
     "谣言", "李丹、郭俊涛", "已核实并澄清", "已办结", "12.26", ""],
    [2, "12.10", "群众投诉办事拖延", "窗口排队时间长", "12345热线", "", "一般", "投诉",
     "王科长", "已转交窗口科室", "未办结", "", "待回访"],
    [3, datetime(2024, 12, 1, 9, 30), "网传中心工作人员态度差", "", "抖音", "https://d.example/3",
     "一般", "投诉", "秦可娟", "", "是", datetime(2024, 12, 2, 17, 0), ""],
    ["合计", "共3条", None, None, None, None, None, None, None, None, None, None, None],
    ["填表人：张利君", None, None, None, "审核人：郭雁", None, None, None, None, None, None,
     None, "填表日期：2024年12月31日"],
]  # fmt: skip


def _xlsx(path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "2024年"
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    sheet["B3"].number_format = "General"  # 45651 as Excel keeps it in a General cell
    sheet["B5"].number_format = "yyyy-mm-dd hh:mm"
    sheet["L5"].number_format = "yyyy-mm-dd hh:mm"
    book.save(path)


def _csv(path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([TITLE] + [""] * (len(HEADER) - 1))
    writer.writerow(HEADER)
    for row in ROWS:
        cells = [
            x.strftime("%Y-%m-%d %H:%M") if isinstance(x, datetime) else ("" if x is None else x)
            for x in row
        ]
        writer.writerow(cells)
    path.write_bytes(buffer.getvalue().encode("gb18030"))


def _reading(result: dict[str, Any], message: str) -> dict[str, Any]:
    return next(x for x in result["read_as"] if x["reading"] == message)


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_an_office_ledger(kind: str, clock: Clock, env: Path) -> None:
    clock.set("2025-03-01 09:00")
    source = env / f"舆情台账.{kind}"
    (_xlsx if kind == "xlsx" else _csv)(source)
    dry = yq("import", str(source), "--dry-run", "--json", user=LEADER)
    assert dry.exit_code == 0, dry.stdout
    checked = json.loads(dry.stdout)
    assert checked["header_row"] == 2 and checked["year"] == 2024
    assert checked["rows"] == 3 and checked["to_import"] == 3 and checked["arriving_open"] == 1
    skipped = {s["row"]: s["reason"] for s in checked["skipped"]}
    assert set(skipped) == {1, 6, 7}  # the title, 合计 and 填表人 rows, each listed
    assert "title" in skipped[1] and "合计" in skipped[6] and "填表人" in skipped[7]
    fields = {c["header"]: c["field"] for c in checked["columns"]}
    assert fields["日期"] == "发现时间" and fields["舆情标题"] == "标题"
    assert fields["来源/平台"] == "平台" and fields["舆情级别"] == "级别"
    assert fields["备注"] == "备注" and fields["处置情况"] == "处置情况"
    serial = _reading(checked, "an Excel serial date")
    assert serial["examples"][0] == {"row": 3, "written": "45651", "read": "2024-12-25"}
    yearless = [x for x in checked["read_as"] if x["reading"] == "a date without its year"]
    assert {
        (x["column"], e["row"], e["written"], e["read"]) for x in yearless for e in x["examples"]
    } == {
        ("办结时间", 3, "12.26", "2024-12-26"),
        ("日期", 4, "12.10", "2024-12-10"),
    }
    assert (
        _reading(checked, "not on the roster: kept as an external person")["examples"][0]["read"]
        == "王科长"
    )
    assert _reading(checked, "several people")["examples"][0]["read"] == "李丹、郭俊涛"
    assert _reading(checked, "read as the plan's name")["examples"][0]["read"] == "较大"
    assert _reading(checked, "read as 是")["examples"][0]["written"] == "已办结"
    assert not (env / "yq.db").exists() or ok_json("list", "--all") == []
    # the terminal report says the same
    said = ok("import", str(source), "--dry-run", user=LEADER).stdout
    assert "合计" in said and "填表人" in said and "45651" in said and "王科长" in said
    assert "1 of them open" in said

    result = ok_json("import", str(source), user=LEADER)
    assert [x["row"] for x in result["imported"]] == [3, 4, 5]
    rows = {r["title"]: r for r in json.loads(ok("export", "-f", "json").stdout)}
    assert set(rows) == {"网传某矫正对象违规外出", "群众投诉办事拖延", "网传中心工作人员态度差"}
    first = rows["网传某矫正对象违规外出"]
    assert first["detected"]["as_written"] == "2024-12-25" and first["level"] == "较大"
    assert first["responsible"] == ["李丹", "郭俊涛"] and first["closed"] is not None
    assert first["closed"]["as_written"] == "2024-12-26"
    second = rows["群众投诉办事拖延"]
    assert second["detected"]["as_written"] == "2024-12-10" and second["closed"] is None
    assert second["responsible"] == ["王科长"] and second["responsible_external"] == ["王科长"]
    assert second["disposal"] == "已转交窗口科室；待回访"  # 处置情况 and 备注, no name added
    # months-old deadlines of the open row are history: no alarm, "not recorded"
    assert second["overdue"] is None
    assert second["milestones"]["reported"]["verdict"] == "unrecorded"
    assert ok_json("list", "--overdue") == []
    ok("verify")


def test_a_year_is_needed_for_12_10(env: Path, clock: Clock) -> None:
    clock.set("2025-03-01 09:00")
    source = env / "台账.csv"
    source.write_text("标题,日期\n一条,12.10\n", "utf-8")
    result = yq("import", str(source), "--dry-run", "--json", user=LEADER)
    assert result.exit_code == 2 and "--year" in result.stdout
    checked = ok_json("import", str(source), "--dry-run", "--year", "2024", user=LEADER)
    assert checked["year"] == 2024 and checked["year_from"] == "--year"


def test_cells_read_as_clerks_write_them(env: Path, clock: Clock) -> None:
    """A cell's 次日 counts from the row's detection, Excel's Chinese display of 00:30 is
    00:30 (not 12:30), and a range written with a hyphen is a range, never an offset."""
    clock.set("2025-03-01 09:00")
    source = env / "台账.csv"
    source.write_text(
        "标题,日期,办结时间\n"
        "一条,2022/6/10 上午 12:30:00,次日下午3点\n"
        "两条,2022-06-10 14:00-18:00,\n",
        "utf-8",
    )
    ok("import", str(source), user=LEADER)
    rows = {r["title"]: r for r in json.loads(ok("export", "-f", "json").stdout)}
    first = rows["一条"]
    assert first["detected"]["at"].startswith("2022-06-10T00:30")
    assert first["closed"]["at"].startswith("2022-06-11T15:00")
    second = rows["两条"]
    assert second["detected"]["precision"] == "range"
    assert second["detected"]["earliest"].startswith("2022-06-10T14:00")
    assert second["detected"]["latest"].startswith("2022-06-10T18:00")


def test_since_after_until_is_refused() -> None:
    result = yq("export", "--since", "2024-12-01", "--until", "2024-11-01")
    assert result.exit_code == 2 and "--since" in result.stderr


# -- bounds --------------------------------------------------------------------------------


def _raw_xlsx(path: Path, sheet: str, strings: str | None = None) -> None:
    """A minimal workbook with the sheet XML given."""
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.'
        'openxmlformats.org/package/2006/content-types"/>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats'
        '.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://'
        'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
        'Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    if strings is not None:
        parts["xl/sharedStrings.xml"] = strings
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)


SHEET = (
    '<?xml version="1.0"?>{dtd}<worksheet xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>'
)
HEAD_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>标题</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>发现时间</t></is></c></row>'
)


def _row(n: int, title: str = "一条") -> str:
    return (
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{title}{n}</t></is></c>'
        f'<c r="B{n}" t="inlineStr"><is><t>2024-11-20 09:00</t></is></c></row>'
    )


def test_entities_and_dtds_are_refused_as_bad_input(env: Path) -> None:
    bomb = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
    xxe = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    for dtd in (bomb, xxe):
        source = env / "bad.xlsx"
        _raw_xlsx(source, SHEET.format(dtd=dtd, rows=HEAD_ROW + _row(2, "&lol2;")))
        result = yq("import", str(source), "--dry-run", user=LEADER)
        assert result.exit_code == 2, (result.stdout, result.stderr)
        assert "DTD" in result.stderr


def test_a_row_bomb_is_refused(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from yuqing_cli.services import ledger_sheet

    monkeypatch.setattr(ledger_sheet, "MAX_ROWS", 50)
    monkeypatch.setattr(ledger_sheet, "SLACK_ROWS", 5)
    source = env / "bomb.xlsx"
    rows = HEAD_ROW + "".join(f'<row r="{n}"/>' for n in range(2, 5000))
    _raw_xlsx(source, SHEET.format(dtd="", rows=rows))
    result = yq("import", str(source), "--dry-run", user=LEADER)
    assert result.exit_code == 2 and "rows" in result.stderr
    wide = HEAD_ROW + '<row r="2">' + '<c t="n"><v>1</v></c>' * 1000 + "</row>"
    _raw_xlsx(source, SHEET.format(dtd="", rows=wide))
    result = yq("import", str(source), "--dry-run", user=LEADER)
    assert result.exit_code == 2 and "columns" in result.stderr


def test_too_many_csv_rows_and_shared_strings(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from yuqing_cli.services import ledger_sheet

    monkeypatch.setattr(ledger_sheet, "MAX_ROWS", 20)
    monkeypatch.setattr(ledger_sheet, "SLACK_ROWS", 2)
    source = env / "long.csv"
    source.write_text(
        "标题,发现时间\n" + "".join(f"第{i}条,2024-11-20 09:00\n" for i in range(40)), "utf-8"
    )
    result = yq("import", str(source), "--dry-run", user=LEADER)
    assert result.exit_code == 2 and "20" in result.stderr
    monkeypatch.setattr(ledger_sheet, "MAX_SHARED", 3)
    strings = (
        '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        '2006/main">' + "<si><t>x</t></si>" * 10 + "</sst>"
    )
    book = env / "strings.xlsx"
    _raw_xlsx(book, SHEET.format(dtd="", rows=HEAD_ROW), strings)
    result = yq("import", str(book), "--dry-run", user=LEADER)
    assert result.exit_code == 2 and "shared strings" in result.stderr


def test_control_characters_are_refused_with_their_place(env: Path) -> None:
    source = env / "nul.csv"
    source.write_text("标题,发现时间\n正常,2024-11-20 09:00\n坏\x00字,2024-11-20 10:00\n", "utf-8")
    result = yq("import", str(source), "--dry-run", user=LEADER)
    assert result.exit_code == 2
    assert "row 3" in result.stderr and "U+0000" in result.stderr and "position 2" in result.stderr
