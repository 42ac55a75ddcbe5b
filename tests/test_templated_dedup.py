"""Near duplicates that respect templates and pairs: rows sharing a long tool description
but asking different things stay; re-released copies are still caught; the same prompt
answered differently is flagged as ``same_prompt``."""

from __future__ import annotations

import pyarrow as pa

from detectors.base import SEGMENT_SCHEMA, ScanContext
from detectors.near_duplicate import NearDuplicateDetector, NearDuplicateParams
from scripts.bench_dedup import COUNTRIES, FIELDS, TOOL_DESCRIPTION
from tests.helpers import alpaca


def _batch(rows: list[list[tuple[str, str]]], first: int = 0) -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist(
        [
            {"row": i, "row_id": f"t:{i}", "field": f"{role}{k}", "role": role, "text": text}
            for i, row in enumerate(rows, first)
            for k, (role, text) in enumerate(row)
        ],
        schema=SEGMENT_SCHEMA,
    )


def findings(
    rows: list[list[tuple[str, str]]], batch: int = 1000, **params: int | float
) -> dict[str, dict[int, int]]:
    state = NearDuplicateDetector(NearDuplicateParams(**params)).start(ScanContext())
    for start in range(0, len(rows), batch):  # a scan's batches hold whole rows
        state.observe(_batch(rows[start : start + batch], start))
    out: dict[str, dict[int, int]] = {"near_duplicate": {}, "same_prompt": {}}
    for f in state.finalize():
        out[f.rule][f.row] = f.refs[0][1]
    return out


def tool_rows(n: int) -> list[list[tuple[str, str]]]:
    combos = [(c, f) for c in COUNTRIES for f in FIELDS][:n]
    return [
        [
            ("prompt", f"{TOOL_DESCRIPTION}\n\nUSER: What is the {f} of {c}?"),
            ("response", f'<functioncall> {{"name": "get_country_info", "arguments": '
             f'{{"country": "{c}", "field": "{f}"}}}}'),
        ]
        for c, f in combos
    ]  # fmt: skip


def test_rows_sharing_a_long_tool_description_are_not_near_duplicates() -> None:
    rows = tool_rows(400)
    got = findings(rows)
    assert len(got["near_duplicate"]) <= 8, len(got["near_duplicate"])  # <= 2%
    # before: nearly every row went ("the population of X" against "the capital of Y")
    before = findings(rows, common_fraction=0)
    assert len(before["near_duplicate"]) > 300


def test_a_system_prompt_shared_by_every_row_does_not_make_duplicates() -> None:
    rows = [
        [("system", TOOL_DESCRIPTION), ("prompt", r["instruction"]), ("response", r["output"])]
        for r in (alpaca(i) for i in range(300))
    ]
    assert not findings(rows)["near_duplicate"]


def test_a_reworded_copy_is_still_a_near_duplicate() -> None:
    base = [
        [("prompt", r["instruction"]), ("response", r["output"] * 3)]
        for r in (alpaca(i) for i in range(300))
    ]
    copies = [
        [("prompt", "Please " + base[5][0][1].lower()), base[5][1]],  # reworded
        [base[9][0], ("response", base[9][1][1].upper().replace(",", " ,"))],  # reformatted
        [base[11][0], base[11][1]],  # copied
    ]
    got = findings(base + copies)["near_duplicate"]
    assert got == {300: 5, 301: 9, 302: 11}
    # the same copies behind a shared tool description are caught as well
    wrapped = [[("system", TOOL_DESCRIPTION), *r] for r in base + copies]
    assert findings(wrapped)["near_duplicate"] == {300: 5, 301: 9, 302: 11}


def test_same_prompt_different_answer_is_flagged() -> None:
    rows = [
        [("prompt", r["instruction"]), ("response", r["output"])]
        for r in (alpaca(i) for i in range(200))
    ]
    rows.append([rows[17][0], ("response", "An entirely different answer about tamarind pies.")])
    rows.append([rows[23][0], rows[23][1]])  # the same answer too: a duplicate instead
    got = findings(rows)
    assert got["same_prompt"] == {200: 17}
    assert got["near_duplicate"] == {201: 23}


def test_same_prompt_behind_a_template_is_the_question_repeated() -> None:
    rows = tool_rows(200)
    rows.append([rows[40][0], ("response", "I cannot look that up right now.")])
    got = findings(rows)
    assert got["same_prompt"].get(200) == 40
    assert len(got["same_prompt"]) <= 4  # not every row that shares the template


def test_verdicts_do_not_depend_on_how_the_scan_batches_rows() -> None:
    rows = tool_rows(500) + [[("prompt", r["instruction"]), ("response", r["output"])]
                             for r in (alpaca(i) for i in range(100))]  # fmt: skip
    rows += [rows[3], rows[520]]
    assert findings(rows, batch=7) == findings(rows, batch=1000) == findings(rows, batch=5000)
