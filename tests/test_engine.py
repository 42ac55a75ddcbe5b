"""Engines are passed in, never picked by the core, and never fall back in silence."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.core.pipeline import Pipeline
from gateway.core.policy import load_policy
from gateway.core.scan_types import ScanRequest
from gateway.engines.ray_engine import RayEngine
from gateway.errors import UsageError
from tests.helpers import NO_MODELS, alpaca, report, write_jsonl


class _Cluster:
    """What the Ray engine asks of a cluster: its resources."""

    def __init__(self, **resources: float) -> None:
        self.resources = resources

    def cluster_resources(self) -> dict[str, float]:
        return dict(self.resources)


def test_ray_with_cuda_and_no_gpu_in_the_cluster_is_an_error() -> None:
    with pytest.raises(UsageError, match="Ray cluster has no GPU"):
        RayEngine(device="cuda").actor_device(_Cluster(CPU=8))
    assert RayEngine(device="cuda").actor_device(_Cluster(CPU=8, GPU=1)) == "cuda"
    assert RayEngine(device="auto").actor_device(_Cluster(CPU=8)) == "cpu"
    assert RayEngine(device="cpu").actor_device(_Cluster(CPU=8, GPU=4)) == "cpu"


def test_the_report_says_where_each_stage_ran(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [alpaca(i) for i in range(3)])
    Pipeline(load_policy(NO_MODELS)).scan(
        ScanRequest(inputs=[src], out=tmp_path / "out", device="auto")
    )
    devices = report(tmp_path / "out")["devices"]
    assert devices == {"engine": "local", "row_stage": "cpu", "corpus_stage": "cpu"}


def test_a_pipeline_set_up_on_one_device_refuses_another() -> None:
    pipe = Pipeline(load_policy(NO_MODELS))
    assert pipe.setup("cpu") == "cpu"
    with pytest.raises(UsageError, match="set up on cpu, not cuda"):
        pipe.setup("cuda")
