"""The ``tunegate`` command: parse, call the core, report. No decisions are made here.

Exit codes: 0 ok, 1 a gate failed, 2 bad input or usage, 3 verification failed.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from gateway import __version__
from gateway.core.device import DEVICES
from gateway.errors import TunegateError

F = TypeVar("F", bound=Callable[..., Any])
EXIT_INTERNAL = 70


def _fail(err: TunegateError) -> None:
    click.echo(f"error: {err}", err=True)
    sys.exit(err.exit_code)


def _guarded(fn: F) -> F:
    """Turn the one exception hierarchy into exit codes, at this edge only."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except TunegateError as e:
            _fail(e)
        except KeyboardInterrupt:
            click.echo("interrupted: nothing was published", err=True)
            sys.exit(130)
        except Exception as e:  # a bug, not a user error: say so, keep the trace
            traceback.print_exc()
            click.echo(f"internal error: {type(e).__name__}: {e}", err=True)
            sys.exit(EXIT_INTERNAL)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tunegate")
def main() -> None:
    """tunegate: a dataset firewall for LLM fine-tuning."""


def _split_fields(value: str | None) -> list[str] | None:
    if not value:
        return None
    fields = [f.strip() for f in value.split(",") if f.strip()]
    return fields or None


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option(
    "--policy", type=click.Path(path_type=Path), help="Policy TOML laid over the default."
)
@click.option("--fields", help="Training-text columns, comma-separated (overrides recognition).")
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True)
@click.option("--overwrite", is_flag=True, help="Replace a non-empty output folder.")
@click.option("--job-id", help="Name the job (default: a random id).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON, nothing else.")
@_guarded
def scan(
    inputs: tuple[Path, ...],
    out: Path,
    policy: Path | None,
    fields: str | None,
    device: str,
    overwrite: bool,
    job_id: str | None,
    as_json: bool,
) -> None:
    """Scan Parquet/JSONL files; write clean and quarantine shards and a report to OUT."""
    from gateway.core.pipeline import Pipeline, ScanRequest
    from gateway.core.policy import load_policy
    from gateway.progress import ScanProgress
    from gateway.summary import print_summary

    pol = load_policy(policy)
    pipeline = Pipeline(pol)
    request = ScanRequest(
        inputs=list(inputs),
        out=out,
        overwrite=overwrite,
        fields=_split_fields(fields),
        device=device,
        job_id=job_id,
    )
    with ScanProgress(enabled=not as_json) as progress:
        result = pipeline.scan(request, progress=progress.update)
    if as_json:
        click.echo(json.dumps(result.report, indent=2, sort_keys=True))
    else:
        print_summary(result.report, result.out)
    if result.gate_failed:
        sys.exit(1)
