"""The ``tunegate`` click group and the one place errors become exit codes.

Both command modules (cli.py for scan, keygen, verify and report; service_cli.py for the
service's commands) attach to :data:`main` here, so neither imports the other.

Exit codes: 0 ok, 1 a gate failed, 2 bad input or usage, 3 verification failed.
"""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

import click

from gateway import __version__
from gateway.errors import DetectorError, TunegateError

F = TypeVar("F", bound=Callable[..., Any])
EXIT_INTERNAL = 70


def fail(err: TunegateError | DetectorError) -> None:
    click.echo(f"error: {err}", err=True)
    sys.exit(err.exit_code)


def guarded(fn: F) -> F:
    """Turn the one exception hierarchy into exit codes, at this edge only."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (TunegateError, DetectorError) as e:
            fail(e)
        except KeyboardInterrupt:
            click.echo("interrupted: nothing was published", err=True)
            sys.exit(130)
        except Exception as e:  # a bug, not a user error: say so, keep the trace
            traceback.print_exc()
            click.echo(f"internal error: {type(e).__name__}: {e}", err=True)
            sys.exit(EXIT_INTERNAL)

    # name, doc, and options already attached below this decorator (__click_params__)
    return functools.update_wrapper(wrapper, fn)  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tunegate")
def main() -> None:
    """tunegate: a dataset firewall for LLM fine-tuning."""
