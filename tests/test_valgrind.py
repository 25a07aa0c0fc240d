"""The manual's example under valgrind memcheck: no invalid access, no definite leak.

MicroPython's conservative GC reads uninitialised stack words by design, so
"uninitialised value" reports are not counted; invalid reads/writes/frees and definitely
lost blocks are.
"""

import re
import subprocess

from conftest import EXAMPLES, MICROPYTHON, require_tool


def test_example_is_clean_under_memcheck(mpy, tmp_path, vtest_800x480):
    require_tool("valgrind")
    stream = tmp_path / "test.264"
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(EXAMPLES)!r})\n"
        "import stream_venc_test\n"
        f"stream_venc_test.stream_venc_test({str(stream)!r}, 800, 480)\n"
    )
    log = tmp_path / "memcheck.log"
    result = subprocess.run(
        ["valgrind", "--tool=memcheck", "--leak-check=full", "--show-leak-kinds=definite",
         "--undef-value-errors=no", f"--log-file={log}", str(MICROPYTHON), "-X", "heapsize=64M", "-c", code],
        capture_output=True, text=True, timeout=2400,
        env={"CANMV_SENSOR_SOURCE": str(vtest_800x480), "PATH": "/usr/bin:/bin"},
    )
    report = log.read_text()
    assert result.returncode == 0, result.stderr + report[-3000:]
    assert "venc_test stop" in result.stdout
    assert stream.stat().st_size > 100_000
    invalid = re.findall(r"(Invalid (?:read|write|free)[^\n]*|Mismatched free[^\n]*)", report)
    assert not invalid, "\n".join(invalid[:10])
    lost = re.search(r"definitely lost: ([\d,]+) bytes", report)
    assert lost is None or lost.group(1) == "0", report[-3000:]
    summary = re.search(r"ERROR SUMMARY: (\d+) errors", report)
    assert summary and summary.group(1) == "0", report[-3000:]
