"""Row validation: malformed rows go to quarantine with a reason, never crash a job.

Structural problems (a required field missing or null, a number where text belongs,
invalid UTF-8, a row that is not an object) are found while rows are read, since such a
row cannot be turned into segments; they are reported under this detector's name with the
rules listed in ``STRUCTURAL_RULES``. This detector checks what can be seen in the text
itself: control characters and oversized rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from detectors.base import (
    DROP,
    NO_SCAN,
    DetectionResult,
    DetectorInfo,
    FindingBuffer,
    Reads,
    RowDetector,
    ScanContext,
)

STRUCTURAL_RULES = (
    "not_an_object",
    "missing_field",
    "null_field",
    "not_a_string",
    "invalid_utf8",
    "empty_text",
    "unknown_role",
    "bad_value",
)

# C0 controls other than tab, newline and carriage return, and DEL. NUL is the usual
# sign of binary junk or a truncation; the others hide text from reviewers.
_CONTROL = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]"
_CONTROL_RE = re.compile(_CONTROL)


@dataclass(frozen=True, slots=True)
class ValidationParams:
    max_row_bytes: int = 2 * 1024 * 1024


class ValidationDetector(RowDetector):
    info = DetectorInfo(
        name="validation",
        version="1.0.0",
        rules=(*STRUCTURAL_RULES, "control_characters", "row_too_large"),
        description="malformed rows: structure, encoding, control characters, size",
        defaults={"*": DROP},
    )
    Params = ValidationParams
    params: ValidationParams
    reads = Reads.RAW  # the size and the characters as uploaded

    def detect(self, segments: pa.RecordBatch, scan: ScanContext = NO_SCAN) -> DetectionResult:
        out = FindingBuffer()
        if segments.num_rows == 0:
            return DetectionResult(out.items)
        text = segments.column("text")
        rows = segments.column("row").to_numpy()
        fields = segments.column("field")

        has_control = pc.match_substring_regex(text, _CONTROL).to_numpy(zero_copy_only=False)
        for i in np.flatnonzero(has_control):
            value = text[int(i)].as_py()
            found = _CONTROL_RE.findall(value)
            first = _CONTROL_RE.search(value)
            assert first is not None
            f = fields[int(i)].as_py()
            out.add(
                int(rows[i]),
                "control_characters",
                1.0,
                f"field {f!r} has {len(found)} control character(s), "
                f"first U+{ord(first.group()):04X} at offset {first.start()}",
                f,
            )

        sizes = pc.binary_length(text.cast(pa.binary())).to_numpy(zero_copy_only=False)
        base = int(rows.min())
        per_row = np.bincount(rows - base, weights=sizes)
        limit = self.params.max_row_bytes
        for off in np.flatnonzero(per_row > limit):
            out.add(
                int(off) + base,
                "row_too_large",
                1.0,
                f"training text is {int(per_row[off])} bytes, over the limit of {limit}",
            )
        return DetectionResult(out.items)
