"""Memory stays flat as the input grows: the scan streams, it never loads the file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import NO_MODELS, ROOT, alpaca, write_jsonl

pytestmark = pytest.mark.slow

PEAK = """
import resource, sys
from pathlib import Path
from gateway.core.pipeline import Pipeline
from gateway.core.scan_types import ScanRequest
from gateway.core.policy import load_policy
request = ScanRequest(inputs=[Path(sys.argv[1])], out=Path(sys.argv[2]), device="cpu")
Pipeline(load_policy(Path(sys.argv[3]))).scan(request)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def _peak_rss(inp: Path, out: Path) -> int:
    r = subprocess.run(
        [sys.executable, "-c", PEAK, str(inp), str(out), str(NO_MODELS)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return int(r.stdout.strip().splitlines()[-1])


def test_peak_memory_does_not_grow_with_input(tmp_path: Path) -> None:
    pad = "lorem ipsum dolor sit amet " * 30
    # the medium input is past the pipeline's steady state (batches, row groups, spool)
    small = write_jsonl(tmp_path / "small.jsonl", (alpaca(i, input=pad) for i in range(20_000)))
    large = write_jsonl(tmp_path / "large.jsonl", (alpaca(i, input=pad) for i in range(150_000)))
    size = large.stat().st_size
    assert size > 120_000_000
    base = _peak_rss(small, tmp_path / "o1")
    peak = _peak_rss(large, tmp_path / "o2")
    # 16 bytes a row of dedup state may grow (2 MB here); the data must not.
    assert peak - base < size * 0.10, (base, peak, size)
