"""Time `yq import` of a large ledger into an empty database.

    python bench/import_ledger.py [--rows N] [--format csv|xlsx|both] [--minimal] [--keep DIR]
    python bench/import_ledger.py --bounds

``--bounds`` instead writes a CSV of 1,000,000 rows and an XLSX row bomb (a few hundred
kilobytes that unpack to millions of rows) and runs ``yq import --dry-run`` on each:
both must be refused (exit 2) past the documented limits, under 200 MB.

Writes a ledger of N rows (default 100,000) as an office keeps one: 序号, 编号 (the
unit's own numbers), 发现时间 and 首发时间 (one in fifty as 上午/下午 or only a date), 平台, 标题,
链接, 摘要, 类别, 级别, 倾向, 处置情况, 报告领导小组时间, 首次公开回应时间, 办结时间 and
是否办结 (nine rows in ten closed), 报告人 — then runs the installed ``yq import`` on it
in a fresh process against an empty database, and prints rows per second for the
whole process (reading the file, checking every row, writing every event, commit),
by the wall clock and by the CPU time the process used (on a shared machine the
wall clock also counts waiting for the processor). The result is checked with
``yq verify``.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

BIN = Path(sys.executable).parent
YQ = str(BIN / "yq")
USER = "郭雁"  # the leader: may record every entry an import makes
HEADER = [
    "序号", "编号", "发现时间", "首发时间", "平台", "标题", "链接", "摘要", "类别", "级别",
    "倾向", "处置情况", "报告领导小组时间", "首次公开回应时间", "办结时间", "是否办结", "报告人",
]  # fmt: skip
PLATFORMS = ["微博", "微信公众号", "抖音", "今日头条", "论坛", "百度贴吧"]
LEVELS = ["一般"] * 6 + ["较大"] * 3 + ["重大"]
CATEGORIES = ["投诉", "谣言", "其他", "工作人员失误", "损害中心形象"]
SENTIMENTS = ["负面", "中性", "正面"]
PEOPLE = ["李丹", "郭俊涛", "秦可娟", "王某（已调离）"]


def rows(n: int, seed: int = 1) -> list[list[object]]:
    rng = random.Random(seed)
    start = datetime.now() - timedelta(days=400)
    out: list[list[object]] = []
    for i in range(n):
        detected = start + timedelta(minutes=i * 5 + rng.randrange(5))
        first = detected - timedelta(minutes=rng.randrange(30, 300))
        reported = detected + timedelta(minutes=rng.randrange(10, 120))
        response = reported + timedelta(hours=rng.randrange(1, 40))
        closed = response + timedelta(days=rng.randrange(1, 6))
        is_closed = rng.random() < 0.9
        detected_text = detected.strftime("%Y-%m-%d %H:%M")
        if i % 50 == 7:  # known only to the day, or to the part of it
            part = "上午" if 6 <= detected.hour < 12 else "下午" if 12 <= detected.hour < 18 else ""
            detected_text = f"{detected:%Y-%m-%d} {part}".strip()
        out.append(
            [
                i + 1,
                f"2024-{i + 1:05d}",
                detected_text,
                first.strftime("%Y-%m-%d %H:%M") if i % 3 else "",
                rng.choice(PLATFORMS),
                f"网传某社区矫正对象相关情况第{i + 1}条",
                f"https://example.cn/post/{i + 1}",
                "网民发帖反映有关情况，转发评论若干。",
                rng.choice(CATEGORIES),
                rng.choice(LEVELS),
                rng.choice(SENTIMENTS),
                "已联系平台核实；已向网民说明情况" if i % 4 else "",
                reported.strftime("%Y-%m-%d %H:%M"),
                response.strftime("%Y-%m-%d %H:%M") if is_closed else "",
                closed.strftime("%Y-%m-%d %H:%M") if is_closed else "",
                "是" if is_closed else "否",
                rng.choice(PEOPLE),
            ]
        )
    return out


MINIMAL = ["编号", "发现时间", "平台", "标题", "链接", "级别", "类别"]


def minimal(data: list[list[object]]) -> tuple[list[str], list[list[object]]]:
    """Only what every ledger has: one ``create`` event per row."""
    keep = [HEADER.index(h) for h in MINIMAL]
    return MINIMAL, [[row[i] for i in keep] for row in data]


def write_csv(path: Path, data: list[list[object]], header: list[str] = HEADER) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(data)


def write_xlsx(path: Path, data: list[list[object]], header: list[str] = HEADER) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_urls": False})
    sheet = book.add_worksheet("台账")
    sheet.write_row(0, 0, header)
    for r, row in enumerate(data, 1):
        for c, value in enumerate(row):
            if value != "":
                sheet.write(r, c, value)
    book.close()


# Runs a command and reports, on stderr's last line, its peak resident memory (KB).
MEASURE = (
    "import resource, subprocess, sys; p = subprocess.run(sys.argv[1:]); "
    "sys.stderr.write('\\nPEAK %d %d' % (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,"
    " p.returncode))"
)


def measured(
    args: list[str], env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run ``args`` in a process of its own; its result and peak memory in MB."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *args], env=env, capture_output=True, text=True
    )
    line = done.stderr.rsplit("PEAK ", 1)[-1].split()
    done.returncode = int(line[1])
    return done, int(line[0]) / 1024


def run(path: Path, n: int) -> float:
    db = path.with_suffix(".db")
    db.unlink(missing_ok=True)
    env = {**os.environ, "YQ_DB": str(db), "YQ_USER": USER, "YQ_LANG": "en"}
    env.pop("YQ_PLAN", None)
    start = time.perf_counter()
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    done, peak = measured([YQ, "import", str(path)], env)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
    if done.returncode != 0:
        sys.exit(f"yq import failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr}")
    check = subprocess.run([YQ, "verify"], env=env, capture_output=True, text=True)
    if check.returncode != 0:
        sys.exit(f"yq verify failed after the import:\n{check.stdout[:2000]}\n{check.stderr}")
    print(
        f"  {path.suffix[1:]:4}  {n:>7,} rows  wall {took:6.1f} s = {n / took:6,.0f} rows/s"
        f"  cpu {used:6.1f} s = {n / used:6,.0f} rows/s  peak {peak:5.0f} MB  (verify ok)"
    )
    return took


def _bomb_row(i: int) -> bytes:
    return (
        f'<row><c t="inlineStr"><is><t>网传第{i}条</t></is></c>'
        '<c t="inlineStr"><is><t>2024-11-20 09:00</t></is></c></row>'
    ).encode()


def bounds(folder: Path) -> None:
    """A 1,000,000-row CSV and an XLSX row bomb: refused, in bounded memory."""
    import zipfile

    env = {**os.environ, "YQ_DB": str(folder / "bounds.db"), "YQ_USER": USER, "YQ_LANG": "en"}
    env["YQ_PLAN"] = str(Path(__file__).resolve().parents[1] / "plan.yaml")  # no database yet
    big = folder / "million.csv"
    with big.open("w", encoding="utf-8", newline="") as f:
        f.write("标题,发现时间,平台,链接\n")
        for i in range(1_000_000):
            f.write(f"网传第{i}条,2024-11-20 09:00,微博,https://example.cn/{i}\n")
    bomb = folder / "bomb.xlsx"
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{ns}" xmlns:r="{rel}"><sheets>'
            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<worksheet xmlns="{ns}"><sheetData>'.encode())
            sheet.write(
                '<row><c t="inlineStr"><is><t>标题</t></is></c>'
                '<c t="inlineStr"><is><t>发现时间</t></is></c></row>'.encode()
            )
            sheet.write(b"".join(_bomb_row(i) for i in range(2, 50)))  # a few real rows
            row = b"<row/>"
            for _ in range(100):
                sheet.write(row * 50_000)  # 5,000,000 empty rows
            sheet.write(b"</sheetData></worksheet>")
    for path in (big, bomb):
        start = time.perf_counter()
        done, peak = measured([YQ, "import", "--dry-run", str(path)], env)
        took = time.perf_counter() - start
        lines = done.stderr.split("PEAK")[0].strip().splitlines()
        said = next((x for x in lines if x.startswith(("error", "yq: error"))), lines[-1:])
        size = path.stat().st_size / 1e6
        print(
            f"  {path.name:12} {size:7.1f} MB  exit {done.returncode}  {took:5.1f} s"
            f"  peak {peak:5.0f} MB  {said}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=("csv", "xlsx", "both"), default="both")
    parser.add_argument("--keep", type=Path, help="write the files and databases here")
    parser.add_argument(
        "--minimal", action="store_true", help="only 编号, 发现时间, 平台, 标题, 链接, 级别, 类别"
    )
    parser.add_argument("--bounds", action="store_true", help="a 1 M-row CSV and a row bomb")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="yq-import-"))
    folder.mkdir(parents=True, exist_ok=True)
    if args.bounds:
        print(f"yq import --dry-run of inputs past the limits ({folder}):")
        bounds(folder)
        return
    header, data = HEADER, rows(args.rows)
    if args.minimal:
        header, data = minimal(data)
    shape = "minimal rows (one event each)" if args.minimal else "full rows (4.5 events each)"
    print(f"yq import, {args.rows:,} {shape}, into an empty database ({folder}):")
    if args.format in ("csv", "both"):
        path = folder / "台账.csv"
        write_csv(path, data, header)
        run(path, args.rows)
    if args.format in ("xlsx", "both"):
        path = folder / "台账.xlsx"
        write_xlsx(path, data, header)
        run(path, args.rows)


if __name__ == "__main__":
    main()
