"""Reading a big JSON file of records: an item at a time against the whole file at once.

    python bench/json_reading.py [--records 400000]

Writes a JSON array of records (text of about 90 characters and a client's meta, as an
import of the ``json`` format holds) to a temporary file, then reads it in a fresh process
each way: ``annotation.ingest.formats.read_json`` (the import's reader) and ``json.loads``
of the whole text (how it read before). Prints the time and the process's peak memory.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write(path: Path, records: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        for n in range(records):
            text = f"第{n}号：聊城数据标注基地日均处理{n}万帧图像，带动就业。" * 3
            record = {"text": text, "meta": {"id": n, "客户": "甲"}}
            out.write(("," if n else "") + json.dumps(record, ensure_ascii=False))
        out.write("]")


def read(path: str, how: str) -> None:
    """In the child process: read the file, print records, seconds and peak RSS (MB)."""
    sys.path.insert(0, str(ROOT))
    from annotation.ingest.formats import read_json

    start = time.perf_counter()
    with open(path, encoding="utf-8") as stream:
        if how == "items":
            count = sum(1 for _ in read_json(stream))
        else:
            count = len(json.loads(stream.read()))
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"records": count, "seconds": seconds, "peak_mb": peak}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=400_000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        read(*args.child)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "records.json"
        write(path, args.records)
        print(f"{args.records:,} records, {path.stat().st_size / 1e6:.0f} MB")
        for how, name in (("items", "read_json, an item at a time"), ("whole", "json.loads")):
            child = [sys.executable, __file__, "--child", str(path), how]
            figures = json.loads(subprocess.run(child, check=True, capture_output=True).stdout)
            print(
                f"  {name}: {figures['records']:,} records in {figures['seconds']:.1f} s,"
                f" peak memory {figures['peak_mb']:.0f} MB"
            )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    main()
