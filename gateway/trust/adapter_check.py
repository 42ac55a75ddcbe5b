"""The safety checks an adapter's bytes must pass, at attest, at verify and before a load.

Given the adapter's files (already read, hashed bytes) and the pinned base model:
every file is a type we read and no pickle; every safetensors file parses strictly; the
adapter_config.json is a LoRA config; every tensor is a LoRA ``A``/``B`` (or a full copy of
a module listed in ``modules_to_save``) of a module the base has and the config targets,
shaped ``r × in`` / ``out × r`` for that module and its declared rank; every value is
finite; ``A`` is in the range an initialiser produces, and the update ``(alpha/r)·B·A`` is
not large next to the base weight (a scaled or replaced tensor is).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import numpy as np

from gateway.trust.basepin import BaseModel
from gateway.trust.dsse import strict_json
from gateway.trust.model_files import check_kind
from gateway.trust.refusal import Refused
from gateway.trust.safetensors_check import FLOATS, SafetensorsFile, TensorInfo, parse

CONFIG_NAME = "adapter_config.json"
WEIGHTS_NAME = "adapter_model.safetensors"
# |(alpha/r)·B·A|_F over |W|_F: a LoRA step moves a weight by a small fraction of itself
MAX_UPDATE_RATIO = 1.0
# RMS of A over max(1/sqrt(in), 1/r): kaiming-uniform gives 0.58, gaussian init 1.0
MAX_A_RMS_FACTOR = 4.0
_LORA = re.compile(
    r"^(?P<mod>.+)\.(?:(?P<kind>lora_A|lora_B)(?:\.[^.]+)?\.weight"
    r"|(?P<ekind>lora_embedding_A|lora_embedding_B)(?:\.[^.]+)?)$"
)
_PREFIX = "base_model.model."


@dataclass(frozen=True)
class LoraConfig:
    """The parts of adapter_config.json the checks use."""

    base: str
    r: int
    alpha: float
    target_modules: tuple[str, ...] | str
    fan_in_fan_out: bool
    use_rslora: bool
    rank_pattern: dict[str, int]
    alpha_pattern: dict[str, float]
    modules_to_save: tuple[str, ...]
    raw: dict[str, Any] = field(repr=False)

    def peft(self) -> dict[str, Any]:
        """What an attestation records: method, rank, alpha, target modules."""
        tm = self.target_modules
        return {
            "method": "lora",
            "r": self.r,
            "lora_alpha": self.alpha,
            "target_modules": sorted(tm) if isinstance(tm, tuple) else tm,
            "rank_pattern": self.rank_pattern,
            "alpha_pattern": self.alpha_pattern,
            "use_rslora": self.use_rslora,
        }

    def _pattern(self, patterns: dict[str, Any], module: str, default: Any) -> Any:
        for key, value in patterns.items():  # as peft matches them: a suffix of the name
            if re.match(rf"(.*\.)?{key}$", module):
                return value
        return default

    def rank(self, module: str) -> int:
        return int(self._pattern(self.rank_pattern, module, self.r))

    def scale(self, module: str) -> float:
        r = self.rank(module)
        alpha = float(self._pattern(self.alpha_pattern, module, self.alpha))
        return alpha / math.sqrt(r) if self.use_rslora else alpha / r

    def targets(self, module: str) -> bool:
        tm = self.target_modules
        if isinstance(tm, str):
            return re.fullmatch(tm, module) is not None
        return any(module == t or module.endswith("." + t) for t in tm)


def _cfg_error(why: str) -> Refused:
    return Refused("config-mismatch", f"{CONFIG_NAME}: {why}")


def parse_config(data: bytes) -> LoraConfig:
    doc = strict_json(data, CONFIG_NAME)
    if not isinstance(doc, dict):
        raise _cfg_error("not a JSON object")
    if doc.get("peft_type") != "LORA":
        raise _cfg_error(
            f"peft_type is {doc.get('peft_type')!r}; tunegate checks LoRA adapters only"
        )
    if doc.get("use_dora"):
        raise _cfg_error("use_dora is set; DoRA magnitudes are not checked: train plain LoRA")
    r, alpha, tm = doc.get("r"), doc.get("lora_alpha"), doc.get("target_modules")
    if not isinstance(r, int) or isinstance(r, bool) or r < 1:
        raise _cfg_error(f"r is {r!r}, not a positive integer")
    if not isinstance(alpha, int | float) or isinstance(alpha, bool) or not alpha > 0:
        raise _cfg_error(f"lora_alpha is {alpha!r}, not a positive number")
    if isinstance(tm, list) and tm and all(isinstance(t, str) for t in tm):
        targets: tuple[str, ...] | str = tuple(tm)
    elif isinstance(tm, str) and tm:
        targets = tm
    else:
        raise _cfg_error(f"target_modules is {tm!r}; name the modules the adapter changes")
    base = doc.get("base_model_name_or_path")
    if not isinstance(base, str) or not base:
        raise Refused("base-model-mismatch", f"{CONFIG_NAME}: names no base_model_name_or_path")
    mts = doc.get("modules_to_save") or []
    rp, ap = doc.get("rank_pattern") or {}, doc.get("alpha_pattern") or {}
    if not isinstance(mts, list) or not isinstance(rp, dict) or not isinstance(ap, dict):
        raise _cfg_error("modules_to_save, rank_pattern or alpha_pattern is malformed")
    if not all(isinstance(v, int) and v > 0 for v in rp.values()):
        raise _cfg_error("rank_pattern ranks must be positive integers")
    return LoraConfig(
        base,
        r,
        float(alpha),
        targets,
        bool(doc.get("fan_in_fan_out", False)),
        bool(doc.get("use_rslora", False)),
        {str(k): int(v) for k, v in rp.items()},
        {str(k): float(v) for k, v in ap.items()},
        tuple(str(m) for m in mts),
        doc,
    )


def resolve_module(path: str, modules: dict[str, Any], where: str) -> str:
    """The base module an adapter's module path names (prefixes differ by wrapper class:
    ``bert.encoder...`` in the adapter, ``encoder...`` in the base, or the reverse)."""
    found = [m for m in modules if m == path or path.endswith("." + m) or m.endswith("." + path)]
    if not found:
        raise Refused(
            "unknown-module",
            f"{where}: names module {path!r}, which the base model does not have; this "
            "adapter was made for another model, or its tensors were renamed",
        )
    best = max(found, key=len)
    if sum(len(m) == len(best) for m in found) > 1:
        raise Refused("unknown-module", f"{where}: module {path!r} matches several base modules")
    return best


@dataclass(frozen=True)
class CheckedAdapter:
    """An adapter whose bytes passed every check: config, tensors and per-module numbers."""

    config: LoraConfig
    weights: dict[str, SafetensorsFile]  # file name -> parsed file
    modules: dict[str, dict[str, Any]]  # base module -> {"rank", "update_ratio", ...}

    def tensors(self) -> dict[str, tuple[SafetensorsFile, TensorInfo]]:
        return {t.name: (f, t) for f in self.weights.values() for t in f.tensors}


def _finite(st: SafetensorsFile, t: TensorInfo) -> np.ndarray[Any, Any]:
    if t.dtype not in FLOATS:
        raise Refused(
            "dtype-length", f"{st.where}: tensor {t.name!r} is {t.dtype}; LoRA weights are floats"
        )
    a = st.array(t)
    if not np.isfinite(a).all():
        bad = int((~np.isfinite(a)).sum())
        raise Refused(
            "non-finite",
            f"{st.where}: tensor {t.name!r} holds {bad} NaN or Inf values; merging it would "
            "break the model: retrain, or check the training run for divergence",
        )
    return a


def _shape_error(where: str, name: str, got: tuple[int, ...], want: tuple[int, int]) -> Refused:
    return Refused(
        "shape-mismatch",
        f"{where}: tensor {name!r} is {list(got)}, but its base module and declared rank "
        f"make it {list(want)}; the adapter does not fit this base, or was altered",
    )


def _check_pair(
    module: str,
    mod_path: str,
    a: tuple[SafetensorsFile, TensorInfo],
    b: tuple[SafetensorsFile, TensorInfo],
    base_w: dict[str, Any],
    cfg: LoraConfig,
    embedding: bool,
    max_update_ratio: float,
) -> dict[str, Any]:
    r = cfg.rank(mod_path)
    shape = base_w["shape"]
    if len(shape) != 2:
        raise Refused(
            "shape-mismatch", f"{a[0].where}: module {module!r} is not 2-D; not checkable"
        )
    if embedding:
        n_in, n_out = shape[0], shape[1]
    else:
        n_out, n_in = (shape[1], shape[0]) if cfg.fan_in_fan_out else (shape[0], shape[1])
    if a[1].shape != (r, n_in):
        raise _shape_error(a[0].where, a[1].name, a[1].shape, (r, n_in))
    if b[1].shape != (n_out, r):
        raise _shape_error(b[0].where, b[1].name, b[1].shape, (n_out, r))
    av = _finite(*a).astype(np.float64)
    bv = _finite(*b).astype(np.float64)
    out: dict[str, Any] = {"rank": r}
    if not embedding:  # peft initialises an embedding's A to zero and its B at random
        rms = float(np.sqrt(np.mean(av * av))) if av.size else 0.0
        limit = MAX_A_RMS_FACTOR * max(1.0 / math.sqrt(n_in), 1.0 / r)
        if rms > limit:
            raise Refused(
                "norm-out-of-range",
                f"{a[0].where}: tensor {a[1].name!r} has RMS {rms:.3g}, over {limit:.3g}, far "
                f"from what a rank-{r} initialiser gives for {n_in} inputs; it was scaled or "
                "replaced",
            )
    norm_w = base_w.get("norm")
    update = cfg.scale(mod_path) * math.sqrt(max(float(np.sum((av @ av.T) * (bv.T @ bv))), 0.0))
    if norm_w:
        ratio = update / norm_w
        out["update_ratio"] = round(ratio, 6)
        if ratio > max_update_ratio:
            raise Refused(
                "norm-out-of-range",
                f"{b[0].where}: the update to {module!r} has norm {update:.3g}, {ratio:.3g}× the "
                f"base weight's ({norm_w:.3g}), over the bound {max_update_ratio}; a LoRA "
                "update this large is a scaled or replaced tensor",
            )
    return out


def check_tensors(
    cfg: LoraConfig,
    weights: dict[str, SafetensorsFile],
    base: BaseModel,
    max_update_ratio: float = MAX_UPDATE_RATIO,
) -> dict[str, dict[str, Any]]:
    """Every tensor names a targeted base module and fits it; returns per-module numbers."""
    modules = base.weights()
    pairs: dict[tuple[str, bool], dict[str, tuple[SafetensorsFile, TensorInfo]]] = {}
    full: dict[str, tuple[SafetensorsFile, TensorInfo]] = {}
    seen: set[str] = set()
    for st in weights.values():
        for t in st.tensors:
            where = f"{st.where}: tensor {t.name!r}"
            if t.name in seen:
                raise Refused("duplicate-tensor", f"{where} is in two adapter files")
            seen.add(t.name)
            name = t.name.removeprefix(_PREFIX)
            m = _LORA.match(name)
            if m is None:
                full[name] = (st, t)
                continue
            kind = m.group("kind") or m.group("ekind")
            pairs.setdefault((m.group("mod"), kind.startswith("lora_embedding")), {})[kind[-1]] = (
                st,
                t,
            )
    report: dict[str, dict[str, Any]] = {}
    for (path, embedding), ab in sorted(pairs.items()):
        where = f"{next(iter(ab.values()))[0].where}: module {path!r}"
        module = resolve_module(path, modules, where)
        if not cfg.targets(path):
            raise Refused(
                "config-mismatch",
                f"{where} has LoRA weights but is not in target_modules "
                f"{cfg.raw.get('target_modules')!r}; the config and the weights disagree",
            )
        if set(ab) != {"A", "B"}:
            raise Refused("shape-mismatch", f"{where} has lora_{''.join(ab)} without its pair")
        report[module] = _check_pair(
            module, path, ab["A"], ab["B"], modules[module], cfg, embedding, max_update_ratio
        )
    for name, (st, t) in sorted(full.items()):
        where = f"{st.where}: tensor {t.name!r}"
        tensors = {k: v for k, v in base.tensors.items()}
        target = resolve_module(name, tensors, where)
        if not any(name.startswith(f"{m}.") or f".{m}." in name for m in cfg.modules_to_save):
            raise Refused(
                "unknown-module",
                f"{where} is not a LoRA tensor and its module is not in modules_to_save; "
                "it replaces a base weight outright",
            )
        if t.shape != tuple(base.tensors[target]["shape"]):
            raise Refused(
                "shape-mismatch",
                f"{where} is {list(t.shape)}; the base's {target!r} is "
                f"{base.tensors[target]['shape']}",
            )
        _finite(st, t)
        report[target] = {"full": True}
    if not report:
        raise Refused("malformed-safetensors", "the adapter holds no tensors")
    return report


def check_files(
    files: dict[str, bytes], base: BaseModel, max_update_ratio: float = MAX_UPDATE_RATIO
) -> CheckedAdapter:
    """Run every check on an adapter's files (relative name -> bytes)."""
    weights: dict[str, SafetensorsFile] = {}
    for name, data in sorted(files.items()):
        kind = check_kind(name, data[:16], name)
        if kind == "safetensors":
            weights[name] = parse(data, name)
        elif PurePosixPath(name).suffix == ".json":
            strict_json(data, name)
    if CONFIG_NAME not in files:
        raise Refused("missing-file", f"no {CONFIG_NAME}: the adapter's config is required")
    if not weights:
        raise Refused("missing-file", f"no .safetensors weights (expected {WEIGHTS_NAME})")
    cfg = parse_config(files[CONFIG_NAME])
    return CheckedAdapter(cfg, weights, check_tensors(cfg, weights, base, max_update_ratio))
