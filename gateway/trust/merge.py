"""Checking a merged model against its verified base and adapter, and attesting it.

A merge is where a tampered adapter becomes a silently changed model, and where a
"merged" folder can be swapped for anything. So the merged folder is held to arithmetic:
every tensor the adapter changes must equal ``W + scale·B·A`` (as peft's
``merge_and_unload`` computes it) within a tolerance, and every other tensor must equal the
base's. Only then is an attestation written whose subjects are the merged files and whose
predicate chains to the adapter's attestation (by its payload digest) and to the base's
pinned digests.
"""

from __future__ import annotations

import json
import mmap
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import numpy as np

from gateway.trust.adapter import VerifiedAdapter, _tool_versions
from gateway.trust.adapter_check import _LORA, _PREFIX, resolve_module
from gateway.trust.basepin import BaseModel, pin_folder
from gateway.trust.dsse import sign_envelope
from gateway.trust.keys import Signer
from gateway.trust.manifest import STATEMENT_TYPE
from gateway.trust.refusal import Refused
from gateway.trust.safetensors_check import SafetensorsFile, parse
from gateway.trust.trusted import now_utc

PREDICATE_TYPE = "https://tunegate.dev/attestation/merged-model/v1"
MERGED_NAME = "merged.intoto.jsonl"
TOLERANCE = 1e-3  # max |merged - expected| over max |expected|, per tensor


@dataclass(frozen=True)
class MergeReport:
    merged: BaseModel
    modules_changed: int
    tensors_checked: int
    max_rel_error: float


class _Tensors:
    """Every tensor of a model folder's safetensors files, read through mmap."""

    def __init__(self, folder: Path, files: list[str]) -> None:
        self._maps: list[mmap.mmap] = []
        self.where: dict[str, SafetensorsFile] = {}
        for rel in files:
            if not rel.endswith(".safetensors"):
                continue
            with open(folder / rel, "rb") as f:
                m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            self._maps.append(m)
            st = parse(cast(bytes, m), str(folder / rel))
            for t in st.tensors:
                self.where[t.name] = st

    def array(self, name: str) -> np.ndarray[Any, Any]:
        st = self.where[name]
        return st.array(st.by_name()[name]).astype(np.float64)

    def close(self) -> None:
        for m in self._maps:
            m.close()


def _deltas(va: VerifiedAdapter, base: BaseModel) -> dict[str, np.ndarray[Any, Any]]:
    """Base tensor name -> the update ``scale·B·A`` laid out like the base weight."""
    cfg = va.checked.config
    modules = base.weights()
    parts: dict[tuple[str, bool], dict[str, np.ndarray[Any, Any]]] = {}
    for name, (st, t) in va.checked.tensors().items():
        m = _LORA.match(name.removeprefix(_PREFIX))
        if m is None:
            continue
        kind = m.group("kind") or m.group("ekind")
        key = (m.group("mod"), kind.startswith("lora_embedding"))
        parts.setdefault(key, {})[kind[-1]] = st.array(t).astype(np.float64)
    out = {}
    for (path, embedding), ab in parts.items():
        module = resolve_module(path, modules, path)
        delta = cfg.scale(path) * (ab["B"] @ ab["A"])
        if embedding or cfg.fan_in_fan_out:
            delta = delta.T
        out[module + ".weight"] = delta
    return out


def check_merged(
    merged_dir: Path, base_dir: Path, base: BaseModel, va: VerifiedAdapter, tolerance: float
) -> MergeReport:
    """Refuse a merged folder whose tensors are not base + the verified adapter's update."""
    if va.checked.config.modules_to_save:
        raise Refused("config-mismatch", "merge-check does not handle modules_to_save adapters yet")
    merged = pin_folder(merged_dir, skip=[MERGED_NAME])
    deltas = _deltas(va, base)
    mt = _Tensors(merged_dir, [f.name for f in merged.files])
    bt = _Tensors(base_dir, [f.name for f in base.files])
    try:
        worst, seen = 0.0, set()
        for name in sorted(mt.where):
            where = f"{merged_dir}: tensor {name!r}"
            target = resolve_module(name, base.tensors, where)
            seen.add(target)
            got, want = mt.array(name), bt.array(target)
            if target in deltas:
                want = want + deltas[target]
            if got.shape != want.shape:
                raise Refused(
                    "shape-mismatch", f"{where} is {list(got.shape)}, expected {list(want.shape)}"
                )
            if not np.isfinite(got).all():
                raise Refused("non-finite", f"{where} holds NaN or Inf")
            scale = float(np.max(np.abs(want))) if want.size else 0.0
            err = float(np.max(np.abs(got - want))) / (scale or 1.0) if got.size else 0.0
            worst = max(worst, err)
            if err > tolerance:
                raise Refused(
                    "norm-out-of-range",
                    f"{where} differs from base + adapter by {err:.3g} (relative), over "
                    f"{tolerance}; the merge was not of this adapter into this base, or the "
                    "merged model was altered",
                )
        missing = sorted(set(deltas) - seen)
        if missing:
            raise Refused(
                "missing-file",
                f"{merged_dir}: the merged model lacks {missing[:3]}, which the adapter changes",
            )
    finally:
        mt.close()
        bt.close()
    return MergeReport(merged, len(deltas), len(seen), worst)


def attest_merge(
    report: MergeReport,
    base: BaseModel,
    va: VerifiedAdapter,
    signer: Signer,
    out: Path,
    tolerance: float,
    now: datetime | None = None,
) -> Path:
    """Write the merged model's attestation, chained to the adapter's."""
    m = report.merged
    statement = {
        "_type": STATEMENT_TYPE,
        "subject": [
            {"name": f.name, "digest": {"sha256": f.sha256}, "annotations": {"bytes": f.bytes}}
            for f in m.files
        ],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "merged": {"root_digest": m.root_digest, "tensors_sha256": m.tensors_sha256},
            "adapter": {
                "name": va.predicate["adapter"]["name"],
                "root_digest": va.predicate["adapter"]["root_digest"],
                "attestation": {
                    "sha256": va.envelope_sha256,
                    "payload_sha256": va.payload_sha256,
                },
                "signers": list(va.signers),
            },
            "base_model": {"name": base.name, "root_digest": base.root_digest},
            "datasets": va.predicate["datasets"],
            "check": {
                "modules_changed": report.modules_changed,
                "tensors_checked": report.tensors_checked,
                "max_rel_error": report.max_rel_error,
                "tolerance": tolerance,
            },
            "tools": _tool_versions(),
            "created_at": (now or now_utc()).isoformat(),
        },
    }
    payload = json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    tmp.write_text(sign_envelope(payload, signer).to_json() + "\n", "utf-8")
    os.replace(tmp, out)
    return out
