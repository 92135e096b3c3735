"""Office documents: the daily report in Word, issued and numbered; the ledger as an Excel
workbook and as CSV; an existing ledger imported. Files are read back with python-docx,
openpyxl and (where installed) LibreOffice."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from yuqing_cli import codec
from yuqing_cli.services import audit

from conftest import (
    DEPUTY,
    FORMULA_TITLE,
    LEADER,
    LIAISON,
    MEMBER,
    SHIPPED_PLAN,
    Clock,
    new,
    ok,
    ok_json,
    tamper,
    tampering,
    yq,
)

STEP_TITLE = "向领导小组汇报并提出舆情处置建议"  # report_leading_group
LEDGER_COLUMNS = [
    "序号", "编号", "首发时间（北京时间）", "发现时间", "平台", "标题", "链接", "摘要", "类别",
    "级别", "定级经过", "倾向", "处置情况", "责任人", "报告领导小组时间", "报告领导小组用时",
    "报告领导小组结论", "首次公开回应时间", "首次公开回应用时", "首次公开回应结论",
    "发布权威信息时间", "发布权威信息用时", "发布权威信息结论", "召开新闻发布会时间",
    "召开新闻发布会用时", "召开新闻发布会结论", "计时起点", "是否超时", "首次回应形式",
    "发布次数", "最新热度", "牵头单位", "首次办结时间", "办结时间", "是否办结", "当前阶段",
    "波次", "报告人", "演练", "补录", "录入时间", "作废", "作废原因", "重复于",
]  # fmt: skip


def _docx_text(path: Path) -> tuple[Any, str]:
    from docx import Document

    document = Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return document, "\n".join(parts)


# -- the report in Word ----------------------------------------------------------------------


def test_report_as_a_word_document(scripted_day: dict[str, str], clock: Clock, env: Path) -> None:
    clock.set("2024-11-25 09:00")
    target = env / "舆情日报.docx"
    ok("report", "--date", "2024-11-23", "-f", "docx", "-o", str(target))  # --lang en
    document, text = _docx_text(target)
    assert "红旗区社区矫正中心舆情日报" in text and "内部资料　注意保存" in text
    assert "2024年11月23日" in text and "（草稿，未签发）" in text  # a draft: no number yet
    assert "第1期" not in text and "签发人" not in text
    assert STEP_TITLE in text and "report_leading_group" not in text
    assert "视频发布者已删帖" in text  # notes, as 处置情况
    assert "一、概况" in text and "三、处置情况" in text and "报：区司法局主要领导" in text
    # tables: columns as wide as what must not break (references, times), the rest wrap
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "编号")
    widths = [c.width.pt for c in table.rows[0].cells]
    assert widths[1] == max(widths)  # the step: the widest
    ref = 12 * (2 * 0.72 + 2 * 0.34 + 11 * 0.5)  # YQ-20241123-002 at 五号, in points
    assert ref < widths[0] < 2 * ref
    for row in table.rows:
        tr = row._tr
        assert tr.find(qn("w:trPr")).find(qn("w:cantSplit")) is not None  # rows never split
    assert table.rows[0]._tr.find(qn("w:trPr")).find(qn("w:tblHeader")) is not None
    # the same report twice is the same file
    again = env / "again.docx"
    ok("--lang", "zh", "report", "--date", "2024-11-23", "-f", "docx", "-o", str(again))
    assert again.read_bytes() == target.read_bytes()


def qn(tag: str) -> str:
    from docx.oxml.ns import qn as name

    return str(name(tag))


# The body's words: a reference (YQ-20241123-001), a link, a time (09:20) are not words.
_ASCII_WORD = re.compile(r"[A-Za-z]{3,}")
_ALLOWED = re.compile(r"[A-Z]{1,4}-\d{8}-\d{3}|https?://\S+")


def test_word_layout_follows_gb_t_9704(
    scripted_day: dict[str, str], clock: Clock, env: Path
) -> None:
    """The page, fonts, line pitch, indents, language tags, page numbers, 版头 and 版记 of
    GB/T 9704-2012, as python-docx reads them back."""
    from docx.shared import Pt

    clock.set("2024-11-24 17:00")
    target = env / "第1期.docx"
    ok("report", "issue", "-d", "2024-11-23", "--by", LEADER, "-f", "docx", "-o", str(target),
       user=LIAISON)  # fmt: skip
    document, _text = _docx_text(target)
    section = document.sections[0]
    assert [round(x.mm) for x in (section.page_width, section.page_height)] == [210, 297]
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(x.mm) for x in margins] == [37, 35, 28, 26]
    # body: 仿宋_GB2312 三号, exact 28.95 pt, two characters' first-line indent
    normal = document.styles["Normal"]
    assert normal.font.size == Pt(16)
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    f = normal.paragraph_format
    assert f.line_spacing == Pt(28.95) and str(f.line_spacing_rule) == "EXACTLY (4)"
    assert f.first_line_indent == Pt(32)  # two characters of 16 pt
    assert normal.element.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "200"
    # 22 lines of 28 characters: the grid's pitch, and the body's character spacing
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579" and 22 * 28.95 <= 225 * 72 / 25.4
    pitch = 16 + int(normal.element.rPr.find(qn("w:spacing")).get(qn("w:val"))) / 20
    text_width = section.page_width.pt - section.left_margin.pt - section.right_margin.pt
    assert 28 * pitch <= text_width < 29 * pitch
    # headings: 一、 in 黑体, （一） in 楷体_GB2312, 三号, not bold
    for name, font in (("Heading 1", "黑体"), ("Heading 2", "楷体_GB2312")):
        style = document.styles[name]
        assert style.element.rPr.rFonts.get(qn("w:eastAsia")) == font
        assert style.font.size == Pt(16) and not style.font.bold
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "一、概况",
        "二、重点舆情",
        "三、处置情况",
        "四、超时事项",
        "五、下步工作建议",
    ]
    # every run of the body text is 三号 仿宋 (or a heading's, or marked as the masthead's)
    body = [p for p in document.paragraphs if p.style.name == "Normal"]
    sizes = {r.font.size for p in body for r in p.runs if r.text.strip()}
    assert sizes <= {None, Pt(14), Pt(6), document.paragraphs[1].runs[0].font.size}
    # Chinese language tags, current Word, different odd and even footers
    styles = document.styles.element
    lang = styles.find(qn("w:docDefaults")).find(".//" + qn("w:lang"))
    assert lang.get(qn("w:eastAsia")) == "zh-CN"
    assert normal.element.rPr.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    with zipfile.ZipFile(target) as z:
        package = {n: z.read(n).decode("utf-8", "replace") for n in z.namelist() if ".xml" in n}
    assert not any("ja-JP" in x for x in package.values())
    assert (
        'w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"'
        in package["word/settings.xml"]
    )
    assert "<w:evenAndOddHeaders/>" in package["word/settings.xml"]
    fonts = package["word/fontTable.xml"]
    assert '<w:font w:name="方正小标宋简体"><w:altName w:val="宋体"/>' in fonts
    assert '<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>' in fonts
    # page numbers: "— N —" in 4号, right on odd pages, left on even ones
    for footer, side in ((section.footer, "RIGHT"), (section.even_page_footer, "LEFT")):
        paragraph = footer.paragraphs[0]
        field = paragraph._p.find(qn("w:fldSimple"))
        assert field.get(qn("w:instr")) == "PAGE" and field.find(".//" + qn("w:t")).text == "1"
        assert paragraph.text == "—  —" and side in str(paragraph.alignment)  # around the field
        assert {r.font.size for r in paragraph.runs} == {Pt(14)}
    # the masthead: the unit's name in red 小标宋, the number and the signer over a red rule
    paragraphs = document.paragraphs
    assert paragraphs[0].text == "内部资料　注意保存"
    title = paragraphs[1].runs[0]
    assert title.text == "红旗区社区矫正中心舆情日报" and str(title.font.color.rgb) == "FF0000"
    assert title.element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert paragraphs[2].text == "第1期（总第1期）"
    assert paragraphs[3].text.split() == ["2024年11月23日", "签发人：郭雁"]
    rule = paragraphs[3]._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert rule.get(qn("w:color")) == "FF0000"
    # the 版记: distribution, printer and date of printing, and the check line last
    texts = [p.text for p in paragraphs]
    closing = texts[texts.index("\t报：区司法局主要领导") :]
    assert closing[1:3] == ["\t送：区司法局办公室", "\t发：领导小组成员"]
    assert closing[3].split() == ["红旗区社区矫正中心", "2024年11月24日印发"]
    check = closing[4]
    assert check.startswith("审计链头：") and len(closing) == 5
    data = ok_json("report", "list")[0]
    assert check == f"审计链头：{data['anchor']}　内容校验码：{data['content_hash']}"
    # no English word in the body, beside references, links and the check line (and what
    # the web wrote: a title)
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    body_text = "\n".join([*texts[:-1], *cells]).replace(FORMULA_TITLE, "")
    assert _ASCII_WORD.findall(_ALLOWED.sub("", body_text)) == []
    assert not re.search(r"#\d|\bv\d", "\n".join(texts))


def test_an_issued_report_converts_to_three_pages_at_most(
    scripted_day: dict[str, str], clock: Clock, env: Path
) -> None:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed: the page count needs it")
    clock.set("2024-11-24 17:00")
    target = env / "日报.docx"
    ok("report", "issue", "-d", "2024-11-23", "-f", "docx", "-o", str(target), user=LEADER)
    profile = env / "lo-profile"
    done = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(env), str(target)],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    pdf = env / "日报.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stderr
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))
    assert 1 <= pages <= 3, pages


def test_docx_needs_a_file_not_a_terminal(scripted_day: dict[str, str], clock: Clock) -> None:
    clock.set("2024-11-25 09:00")
    piped = ok("report", "--date", "2024-11-23", "-f", "docx")  # the test runner is a pipe
    assert piped.stdout_bytes.startswith(b"PK")


def test_markdown_in_chinese(scripted_day: dict[str, str], clock: Clock) -> None:
    clock.set("2024-11-25 09:00")
    text = ok("--lang", "zh", "report", "--date", "2024-11-23", "-f", "markdown").stdout
    assert text.startswith("**内部资料　注意保存**\n\n# 红旗区社区矫正中心舆情日报\n")
    assert "截至11月23日24时" in text and "## 一、概况" in text
    assert STEP_TITLE in text and "report_leading_group" not in text
    assert "## 三、处置情况" in text and "视频发布者已删帖" in text
    assert "Asia/Shanghai" not in text
    # column widths for Pandoc: the step's dashes outnumber the owner's
    separator = text.split("| 编号 | 超时事项 |", 1)[1].splitlines()[1]
    widths = [len(x) for x in separator.strip("|").split("|")]
    assert widths[1] > widths[4] > widths[0]


# -- issuing ---------------------------------------------------------------------------------


def _anchor(text: str) -> str:
    found = re.search(r"\b(\d+:[0-9a-f]{64})\b", text)
    assert found, text
    return found[1]


def _stored_content_hash(total: int) -> str:
    with tampering() as db:
        for (data,) in db.execute(text("SELECT data FROM event WHERE action = 'issue'")):
            payload = json.loads(data)
            if payload["total"] == total:
                return hashlib.sha256(codec.dumps(payload["content"]).encode()).hexdigest()
    raise AssertionError(f"no issue {total}")


def test_issue_number_reprint_and_anchor(
    scripted_day: dict[str, str], clock: Clock, env: Path
) -> None:
    clock.set("2024-11-24 17:00")
    issued = env / "第1期.docx"
    refused = yq("--lang", "zh", "report", "issue", "--date", "2024-11-23", user=LIAISON)
    assert refused.exit_code == 1 and "组长/副组长" in refused.stderr
    result = ok(
        "--lang", "zh", "report", "issue", "--date", "2024-11-23", "--by", LEADER,
        "-f", "docx", "-o", str(issued), "--json", user=LIAISON,
    )  # fmt: skip
    data = json.loads(result.stdout)
    assert (data["year"], data["number"], data["total"]) == (2024, 1, 1)
    assert (data["signed_by"], data["issued_by"]) == (LEADER, LIAISON)
    assert data["content_hash"] == _stored_content_hash(1)
    document, text = _docx_text(issued)
    assert round(document.sections[0].page_width.cm, 1) == 21.0
    assert "第1期（总第1期）" in text and "签发人：郭雁" in text and "2024年11月23日" in text
    assert STEP_TITLE in text and "视频发布者已删帖" in text
    anchor = _anchor(text)
    assert anchor == data["anchor"]
    assert f"内容校验码：{data['content_hash']}" in document.paragraphs[-1].text

    # Later work changes the day's report as known now, not the issued one.
    clock.set("2024-11-26 10:00")
    ok("note", scripted_day["c"], "补记", "--at", "2024-11-23 12:00", user=MEMBER)
    assert "补记" in ok("report", "--date", "2024-11-23", "-f", "markdown").stdout
    again = env / "reprint.docx"
    ok("report", "show", "1", "-f", "docx", "-o", str(again))
    assert again.read_bytes() == issued.read_bytes()
    shown = json.loads(ok("report", "show", "2024-1", "--json").stdout)
    assert shown["issue"]["content_hash"] == data["content_hash"] == _stored_content_hash(1)
    assert "补记" not in json.dumps(shown["report"], ensure_ascii=False)
    markdown = ok("report", "show", "--date", "2024-11-23", "-f", "markdown").stdout
    assert "补记" not in markdown and anchor in markdown

    # Once per day; a correction is a new number that says what it corrects.
    twice = yq("report", "issue", "--date", "2024-11-23", user=LEADER)
    assert twice.exit_code == 1 and "--revision" in twice.stderr
    assert yq("report", "issue", "--date", "2024-11-22", "--revision", user=LEADER).exit_code == 1
    fix = ok_json(
        "--lang", "zh", "report", "issue", "--date", "2024-11-23", "--revision", user=DEPUTY
    )
    assert (fix["number"], fix["total"], fix["revision_of"]["total"]) == (2, 2, 1)
    corrected = ok("--lang", "zh", "report", "show", "2", "-f", "markdown").stdout
    assert "更正" in corrected and "第2期（总第2期）" in corrected and "补记" in corrected
    listed = ok_json("report", "list")
    assert [(x["total"], x["corrected_by"]) for x in listed] == [(1, 2), (2, None)]
    assert "corrected by No. 2" in ok("report", "list").stdout
    assert yq("report", "show", "9").exit_code == 1
    assert yq("report", "show", "第一期").exit_code == 2
    assert "report issued" in ok("log", "-n", "1").stdout

    # Whoever holds the printed report can check the chain up to it.
    assert ok("verify", "--anchor", anchor).exit_code == 0
    _rewrite_event(3)
    assert yq("verify").exit_code == 0  # a chain rebuilt whole passes on its own…
    caught = yq("verify", "--anchor", anchor)
    assert caught.exit_code == 1 and "rewritten" in caught.stdout  # …not against the paper


FIRST_LAYOUT = Path(__file__).resolve().parent / "expected" / "issued-v1"


def test_reports_issued_in_the_first_layout_reprint_as_issued(
    scripted_day: dict[str, str], clock: Clock, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An issue frozen by an earlier version (its content as stored then, in the first
    layout) prints again exactly as it did then, in Word, Markdown and on the terminal."""
    import zipfile

    from yuqing_cli.render import report_view

    content = json.loads((FIRST_LAYOUT / "content.json").read_text(encoding="utf-8"))
    monkeypatch.setattr(report_view, "frozen", lambda *args: content)
    clock.set("2024-11-24 17:00")
    ok("report", "issue", "--date", "2024-11-23", "--by", LEADER, user=LIAISON)
    clock.set("2024-11-25 09:00")
    target = env / "reprint.docx"
    ok("report", "show", "1", "-f", "docx", "-o", str(target))
    parts = json.loads((FIRST_LAYOUT / "docx-parts.json").read_text(encoding="utf-8"))
    with zipfile.ZipFile(target) as z:
        assert {n: hashlib.sha256(z.read(n)).hexdigest() for n in parts} == parts
    for name, args in (("report.md", ("-f", "markdown")), ("report.txt", ())):
        expected = (FIRST_LAYOUT / name).read_text(encoding="utf-8")
        assert ok("--lang", "zh", "report", "show", "1", *args).stdout == expected, name
    ok("verify")


def test_truncated_chain_fails_the_printed_anchor(
    scripted_day: dict[str, str], clock: Clock, env: Path
) -> None:
    clock.set("2024-11-24 17:00")
    text = ok("report", "issue", "--date", "2024-11-23", "-f", "markdown", user=LEADER).stdout
    anchor = _anchor(text)
    head = int(anchor.split(":")[0])
    tamper(f"DELETE FROM event WHERE id >= {head}")
    result = yq("verify", "--anchor", anchor)
    assert result.exit_code == 1 and "no longer there" in result.stdout


def test_verify_checks_the_issued_content(
    scripted_day: dict[str, str], clock: Clock, env: Path
) -> None:
    clock.set("2024-11-24 17:00")
    ok("report", "issue", "--date", "2024-11-23", user=LEADER)
    assert ok("verify").exit_code == 0
    with tampering() as db:
        (data,) = db.execute(text("SELECT data FROM event WHERE action = 'issue'")).one()
        changed = data.replace("网传中心办事拖延", "网传中心办事迅速")
        assert changed != data
        db.execute(text("UPDATE event SET data = :data WHERE action = 'issue'"), {"data": changed})
    result = yq("verify")
    assert result.exit_code == 1
    assert "does not match its content hash" in result.stdout


def _rewrite_event(event_id: int) -> None:
    """Change one event and recompute every later hash, as a forger with the code would."""
    from sqlalchemy import select

    with tampering() as db:
        db.execute(text("UPDATE event SET note = '改写' WHERE id = :id"), {"id": event_id})
        prev = audit.GENESIS
        for row in db.execute(select(*audit.RAW_COLUMNS).order_by(audit.RAW.c.id)).all():
            content = audit._raw_content(row)
            assert content is not None, row
            digest = audit.event_hash(prev, content)
            db.execute(
                text("UPDATE event SET prev_hash = :prev, hash = :hash WHERE id = :id"),
                {"prev": prev, "hash": digest, "id": row[audit.ID]},
            )
            prev = digest


def test_plan_names_who_signs_off(env: Path) -> None:
    text = SHIPPED_PLAN.read_text(encoding="utf-8")
    assert "sign_off: [leader, deputy]" in text
    bad = env / "bad.yaml"
    bad.write_text(text.replace("sign_off: [leader, deputy]", "sign_off: [chief]"), "utf-8")
    result = yq("plan", "check", str(bad))
    assert result.exit_code == 2 and "chief" in result.stdout + result.stderr
    plain = env / "plain.yaml"
    start = text.index("\nreport:")
    end = text.index("\n\n", start + 1)
    plain.write_text(text[:start] + text[end:], "utf-8")
    assert yq("plan", "check", str(plain)).exit_code == 0
    from yuqing_cli.plan.files import load_plan

    assert load_plan(plain).sign_off_roles == load_plan(plain).permission("adopt")
    assert load_plan(SHIPPED_PLAN).sign_off_roles == ("leader", "deputy")


# -- the ledger as a workbook and as CSV --------------------------------------------------------


def _sheet(path: Path, name: str = "明细") -> tuple[Any, list[list[Any]]]:
    """A sheet of the workbook (明细: every column, flat) and its rows."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book[name]
    return sheet, [list(r) for r in sheet.iter_rows(values_only=True)]


def test_ledger_workbook(scripted_day: dict[str, str], clock: Clock, env: Path) -> None:
    clock.set("2024-11-25 09:00")
    target = env / "台账.xlsx"
    ok("export", "-f", "xlsx", "-o", str(target))
    sheet, rows = _sheet(target)
    assert rows[0] == LEDGER_COLUMNS
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(LEDGER_COLUMNS)).column_letter}5"
    by_ref = {r[1]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    c = by_ref[scripted_day["c"]]
    assert c["标题"] == FORMULA_TITLE  # the text as typed: no quote, no formula
    assert sheet.cell(1 + [r[1] for r in rows].index(scripted_day["c"]), 6).data_type == "s"
    assert c["发现时间"] == datetime(2024, 11, 23, 11, 0)  # a date cell, in Beijing time
    assert c["报告领导小组时间"] == datetime(2024, 11, 23, 13, 0)
    assert c["报告领导小组用时"] == timedelta(hours=2)
    assert (c["报告领导小组结论"], c["是否超时"], c["序号"]) == ("超时", "是", 4)
    assert (c["演练"], c["补录"], c["是否办结"]) == ("否", "否", "否")
    assert c["责任人"] == "郭俊涛"  # who recorded its step
    assert by_ref[scripted_day["a"]]["处置情况"] == "11-23 16:00 视频发布者已删帖"
    assert by_ref[scripted_day["e"]]["是否办结"] == "是"
    # widths fit the Chinese text: the title column is wider than the level column
    title = sheet.column_dimensions["F"].width
    assert title > sheet.column_dimensions["J"].width and title >= len(FORMULA_TITLE)


def test_ledger_csv_and_filters(scripted_day: dict[str, str], clock: Clock, env: Path) -> None:
    clock.set("2024-11-25 09:00")
    text = ok("export").stdout
    assert text.startswith("\ufeff")  # a BOM on stdout too
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == LEDGER_COLUMNS
    assert not any("+08:00" in cell or "T" in cell[:11] for row in rows[1:] for cell in row[2:4])
    assert {r[rows[0].index("演练")] for r in rows[1:]} == {"否"}

    def refs(*args: str) -> list[str]:
        out = ok("export", *args).stdout.lstrip("\ufeff")
        return [r[1] for r in list(csv.reader(io.StringIO(out)))[1:]]

    a, b, c, e = (scripted_day[k] for k in "abce")
    assert refs("--since", "2024-11-23") == [a, b, c]
    assert refs("--until", "2024-11-22") == [e]
    assert refs("--since", "2024-11", "--until", "2024年11月") == [e, a, b, c]
    assert refs("--since", "2024-12") == []
    assert refs("--since", "2024-11-23 10:00", "--until", "2024-11-23 10:59") == [b]
    assert refs("--level", "特别重大", "--level", "III") == [b, c]
    assert refs("--category", "谣言,staff_error") == [b, c]
    assert yq("export", "--level", "超级").exit_code == 2
    assert yq("export", "--since", "下周").exit_code == 2
    data = json.loads(ok("export", "-f", "json").stdout)
    assert next(x for x in data if x["ref"] == a)["disposal"] == "11-23 16:00 视频发布者已删帖"
    assert next(x for x in data if x["ref"] == b)["overdue"] == "missed"


def test_report_csv_is_chinese(scripted_day: dict[str, str], clock: Clock) -> None:
    clock.set("2024-11-25 09:00")
    text = ok("report", "--date", "2024-11-23", "-f", "csv").stdout
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["编号", "标题", "平台"] and "发现时间（北京时间）" in rows[0]
    values = {cell for row in rows[1:] for cell in row}
    assert {"是", "否", "发现", "特别重大"} <= values
    assert not values & {"True", "False", "detected", "especially_major"}


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_reads_the_csv_ledger(
    scripted_day: dict[str, str], clock: Clock, env: Path
) -> None:
    """LibreOffice opens the CSV ledger with its Chinese intact. (Its headless import takes
    the system character set whatever the file's BOM, so UTF-8 is named, as one picks it
    in the import dialog.)"""
    clock.set("2024-11-25 09:00")
    source = env / "台账.csv"
    ok("export", "-o", str(source))
    profile = env / "lo-profile"
    done = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--infilter=CSV:44,34,76,1",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(env),
            str(source),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    converted = env / "台账.xlsx"
    assert done.returncode == 0 and converted.exists(), done.stderr
    from openpyxl import load_workbook

    rows = [list(r) for r in load_workbook(converted).active.iter_rows(values_only=True)]
    assert rows[0][:6] == LEDGER_COLUMNS[:6]
    titles = {r[5] for r in rows[1:]}
    assert {"网传中心办事拖延", "前一日的投诉"} <= titles
    detected = [r[3] for r in rows[1:]]
    assert all(isinstance(x, datetime) for x in detected)  # times read as times


# -- importing a ledger --------------------------------------------------------------------------


def test_import_round_trip(
    scripted_day: dict[str, str], clock: Clock, env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Export xlsx → import into an empty database → export: the same rows, but for the
    columns the dry run names as computed again (补录 and 录入时间 change: the rows are
    now imported)."""
    a, b = scripted_day["a"], scripted_day["b"]
    clock.set("2024-11-24 09:00")
    ok("done", b, "report_leading_group", "--note", "已电话报告郭组长", user=MEMBER)
    g = new("一般升重大", level="一般", category="complaint", at="2024-11-24 08:00")
    clock.set("2024-11-24 12:00")
    ok("grade", g, "重大", "--reason", "热度上升", user=LEADER)
    dup = new("重复的一条", level="一般", category="complaint", at="2024-11-24 08:30")
    ok("void", dup, "--reason", "与前一条重复", "--duplicate-of", a, user=LEADER)
    clock.set("2024-11-25 09:00")
    first = env / "台账.xlsx"
    ok("export", "-f", "xlsx", "-o", str(first))
    monkeypatch.setenv("YQ_DB", str(env / "empty.db"))
    checked = ok_json("import", str(first), "--dry-run", user=LEADER)
    assert checked["sheet"] == "明细" and checked["to_import"] == 6
    assert {"补录", "录入时间", "是否超时", "计时起点"} <= set(checked["not_carried"])
    assert not (env / "empty.db").exists()  # a dry run writes nothing
    result = ok_json("import", str(first), user=LEADER)
    assert [x["ref"] for x in result["imported"]][:4] == [
        scripted_day[k] for k in ("e", "a", "b", "c")
    ]  # the file's own numbers, free in the new database
    second = env / "again.xlsx"
    ok("export", "-f", "xlsx", "-o", str(second))
    _s, before = _sheet(first)
    _s, after = _sheet(second)
    changed = [LEDGER_COLUMNS.index(x) for x in ("补录", "录入时间", "是否超时")]

    def kept(rows: list[list[Any]]) -> list[list[Any]]:
        return [[v for i, v in enumerate(r) if i not in changed] for r in rows]

    names = [x for i, x in enumerate(LEDGER_COLUMNS) if i not in changed]
    for old, again in zip(kept(before), kept(after), strict=True):
        was, now = dict(zip(names, old, strict=True)), dict(zip(names, again, strict=True))
        for name in names:
            if name.endswith("结论") and was[name] != now[name]:
                # a deadline still open when the file was written and due before the
                # import is history: "not recorded", never a live alarm (the dry run says
                # the verdicts are computed again)
                assert now[name] == "未记录" and was[name.replace("结论", "时间")] is None
                now[name] = was[name]
        assert now == was
    assert {r[changed[0]] for r in after[1:]} == {"是"}  # marked as imported
    by_ref = {r[1]: dict(zip(LEDGER_COLUMNS, r, strict=True)) for r in after[1:]}
    assert by_ref[g]["计时起点"].startswith("首次公开回应")  # the clock from the re-grade
    assert (by_ref[dup]["作废"], by_ref[dup]["重复于"]) == ("是", a)
    assert by_ref[dup]["报告领导小组结论"] == "" or by_ref[dup]["报告领导小组结论"] is None
    ok("verify")
    trail = ok_json("log", scripted_day["e"])
    assert [x["action"] for x in trail] == ["create", "done", "done", "close"]
    assert trail[0]["data"]["source"] == {"file": "台账.xlsx", "row": 2, "ref": scripted_day["e"]}
    shown = ok_json("show", a)
    assert shown["imported"] is True and shown["reporter"] == LIAISON
    # the same file again: every row is already there
    repeat = ok_json("import", str(first), user=LEADER)
    assert repeat["imported"] == [] and len(repeat["skipped"]) == 6
    assert "already" in repeat["skipped"][0]["reason"]


BAD_ROWS = """标题,发现时间,级别,类别,办结时间,是否办结,链接
正常的一条,2024-11-20 09:00,一般,投诉,,否,https://a.example/1
,2024-11-20 10:00,一般,投诉,,否,
日期不对,2024-13-45 10:00,一般,投诉,,否,
级别不对,2024-11-20 11:00,超级,投诉,,否,
先办结后发现,2024-11-20 12:00,一般,投诉,2024-11-19 12:00,是,
办结说不清,2024-11-20 13:00,一般,投诉,,也许,
"""


def test_import_bad_rows_dry_run_and_real(env: Path) -> None:
    source = env / "旧台账.csv"
    source.write_text(BAD_ROWS, encoding="utf-8")
    result = yq("import", str(source), "--dry-run", "--json", user=LEADER)
    assert result.exit_code == 2
    problems = {(p["row"], p["column"]) for p in json.loads(result.stdout)["problems"]}
    assert problems == {(3, "标题"), (4, "发现时间"), (5, "级别"), (6, "办结时间"), (7, "是否办结")}
    report = yq("import", str(source), "--dry-run")
    assert report.exit_code == 2 and "nothing was imported" in report.stderr
    assert "2024-13-45" in report.stdout and "超级" in report.stdout
    real = yq("import", str(source), user=LEADER)
    assert real.exit_code == 2
    assert not (env / "yq.db").exists() or ok_json("list", "--all") == []


OLD_LEDGER = [
    ["序号", "事件名称", "发现时间", "来源", "网址", "级别", "类型", "首次回应时间", "办结时间",
     "处置情况", "责任人"],
    ["1", "网传某矫正对象脱管", "2024-03-01 下午", "微博", "https://w.example/1", "较大", "谣言",
     "2024-03-02 10:00", "2024-03-05", "已澄清", "秦可娟"],
    ["2", "=SUM(A1) 投诉办事慢", "~2024-03-02 09:00", "论坛", "https://w.example/2", "一般",
     "投诉", "", "", "已转交", "老王"],
    ["3", "重复的一条", "2024-03-03 08:00", "微博", "https://w.example/1", "一般", "其他", "",
     "", "", ""],
]  # fmt: skip


def test_import_an_old_ledger(env: Path) -> None:
    """GB18030 from Excel, other headers, uncertain times, a mapped column, a name off the
    roster, a duplicate URL in the file."""
    source = env / "2024年台账.csv"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(OLD_LEDGER)
    source.write_bytes(buffer.getvalue().encode("gb18030"))
    unmapped = yq("import", str(source), "--dry-run", "--map", "事件名称=-", user=LEADER)
    assert unmapped.exit_code == 2 and "--map" in unmapped.stdout  # no title column left
    mapped = ("--map", "事件名称=标题", "--map", "首次回应时间=首次公开回应时间")
    result = ok_json("import", str(source), *mapped, user=LEADER)
    assert [x["row"] for x in result["imported"]] == [2, 3]
    assert result["skipped"] == [{"row": 4, "reason": "same URL as row 2"}]
    external = next(x for x in result["read_as"] if "roster" in x["reading"])
    assert external["examples"] == [{"row": 3, "written": "老王", "read": "老王"}]
    rows = list(csv.reader(io.StringIO(ok("export").stdout.lstrip("\ufeff"))))
    header = rows[0]
    first, second = (dict(zip(header, r, strict=True)) for r in rows[1:])
    assert first["发现时间"] == "2024-03-01 下午"
    assert first["首次公开回应时间"] == "2024-03-02 10:00"
    assert first["办结时间"] == "2024-03-05" and first["是否办结"] == "是"
    assert first["处置情况"] == "已澄清" and first["责任人"] == "秦可娟"
    assert second["发现时间"] == "~2024-03-02 09:00"
    assert second["标题"] == "'=SUM(A1) 投诉办事慢"  # CSV keeps its guard
    assert second["处置情况"] == "已转交" and second["是否办结"] == "否"
    assert second["责任人"] == "老王"  # kept as an external person
    ok("verify")


def test_import_respects_who_may(env: Path) -> None:
    source = env / "台账.csv"
    source.write_text("标题,发现时间,办结时间\n一条,2024-11-20 09:00,2024-11-21 09:00\n", "utf-8")
    result = yq("import", str(source), user=MEMBER)
    assert result.exit_code == 2 and "组长/副组长" in result.stdout
    assert yq("import", str(source), "--dry-run", user=MEMBER).exit_code == 2
    ok("import", str(source), user=DEPUTY)
    assert ok_json("list", "--all")[0]["stage"] == "closed"


def test_office_libraries_load_only_when_needed(tmp_path: Path) -> None:
    code = (
        "import sys; from yuqing_cli.cli import main\n"
        "for argv in (['yq', '--help'], ['yq', 'report', '--help'], ['yq', 'export', '--help'],"
        " ['yq', 'plan', 'show']):\n"
        "    sys.argv = argv\n"
        "    main()\n"
        "sys.__stderr__.write('LOADED=' + str(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('docx', 'xlsxwriter', 'openpyxl'))))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "LOADED=[]" in proc.stderr


def test_issue_with_an_unknown_signer(scripted_day: dict[str, str], clock: Clock) -> None:
    clock.set("2024-11-24 17:00")
    assert yq("report", "issue", "--by", "无名氏", user=LEADER).exit_code == 2
    assert yq("report", "issue", "-o", "x.docx", user=LEADER).exit_code == 2
    new("当天的一条", at="2024-11-24 09:00")
    ok("report", "issue", user=LEADER)  # today's, by default
    assert ok_json("report", "list")[0]["date"] == "2024-11-24"


def test_import_date_cells_from_excel(env: Path) -> None:
    """A date cell without a time of day is that day, not its midnight; a date-time cell
    is exact."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["标题", "发现时间", "报告领导小组时间"])
    sheet.append(["只记了日期", datetime(2024, 3, 1), datetime(2024, 3, 1, 15, 30)])
    sheet["B2"].number_format = "yyyy-mm-dd"
    sheet["C2"].number_format = "yyyy-mm-dd hh:mm"
    source = env / "旧台账.xlsx"
    book.save(source)
    ok("import", str(source), user=LEADER)
    row = json.loads(ok("export", "-f", "json").stdout)[0]
    assert row["detected"]["precision"] == "date"
    assert row["detected"]["as_written"] == "2024-03-01"
    assert row["milestones"]["reported"]["at"]["at"] == "2024-03-01T15:30:00+08:00"


def test_the_printed_ledger(scripted_day: dict[str, str], clock: Clock, env: Path) -> None:
    """台账 prints: landscape, one page wide, the header on every page, a title, thin
    borders, wrapped text; 统计 has the figures; 明细 every column."""
    from openpyxl import load_workbook

    clock.set("2024-11-25 09:00")
    target = env / "台账.xlsx"
    ok("export", "-f", "xlsx", "-o", str(target), "--since", "2024-11", "--until", "2024-11")
    book = load_workbook(target)
    assert book.sheetnames == ["台账", "统计", "明细"]
    sheet = book["台账"]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9  # A4, the plan's
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    # one page wide (1, Excel's default, may be left out), as many pages tall as it takes
    assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$3:$3"
    assert sheet["A1"].value == "红旗区社区矫正中心舆情台账"
    assert sheet["A2"].value == "（2024年11月1日至2024年11月30日）"
    header = [c.value for c in sheet[3]]
    assert header[:6] == ["序号", "编号", "发现时间", "来源平台", "标题", "摘要"]
    assert "处置情况" in header and "节点时限" in header and "备注" in header
    cell = sheet.cell(4, header.index("处置情况") + 1)
    assert cell.border.left.style == "thin" and cell.alignment.wrap_text
    wide = sheet.column_dimensions
    assert wide["F"].width >= 20 and wide["I"].width >= 30  # 摘要, 处置情况
    assert all(sheet.row_dimensions[r].height for r in range(4, 8))
    stats = [[c for c in r if c is not None] for r in book["统计"].iter_rows(values_only=True)]
    assert ["一般", 2, 1, 1, 2] in stats and ["2024-11", 4, 1, 3, 4] in stats
    a3 = env / "a3.xlsx"
    ok("export", "-f", "xlsx", "-o", str(a3), "--paper", "A3")
    assert load_workbook(a3)["台账"].page_setup.paperSize == 8


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler (pdftotext) not installed")
def test_the_printed_ledger_in_libreoffice(
    scripted_day: dict[str, str], clock: Clock, env: Path
) -> None:
    """LibreOffice prints the 台账 sheet of eight incidents on at most two pages."""
    for i in range(3):
        clock.set(f"2024-11-24 1{i}:00")
        new(f"又一条舆情{i}，标题较长以便看出换行是否生效", level="一般", category="complaint")
    clock.set("2024-11-25 09:00")
    source = env / "台账.xlsx"
    ok("export", "-f", "xlsx", "-o", str(source), "--include-exercises")
    done = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(env / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(env),
            str(source),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    pdf = env / "台账.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stderr
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")
    ledger_pages = [p for p in pages if "节点时限" in p]  # the printed header, on each page
    assert 1 <= len(ledger_pages) <= 2
    assert "红旗区社区矫正中心舆情台账" in ledger_pages[0]
    assert sum(p.count("YQ-2024") for p in ledger_pages) >= 8
