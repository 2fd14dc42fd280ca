"""What every CLI command shares: one-line errors, the services, output and progress."""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from api.wiring import Services
from embeddings import ModelLoadError
from matcher.errors import TalentmatchError

log = logging.getLogger("talentmatch")


class Group(click.Group):
    """Turns every failure into one line on stderr."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (TalentmatchError, ModelLoadError) as exc:
            click.echo(f"error: {getattr(exc, 'detail', exc)}", err=True)
            sys.exit(1)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except BrokenPipeError:
            # The reader went away (``talentmatch list courses | head``): not a failure of
            # ours. Point stdout at /dev/null so the interpreter's final flush stays quiet.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except Exception as exc:
            log.debug("unexpected failure", exc_info=True)
            click.echo(
                f"error: unexpected failure ({type(exc).__name__}); rerun with --debug for details",
                err=True,
            )
            sys.exit(3)


def services_of(ctx: click.Context, require_schema: bool = True) -> Services:
    services: Services | None = ctx.obj.get("services")
    if services is None:
        services = Services.from_environment()
        ctx.call_on_close(services.close)
        ctx.obj["services"] = services
    if require_schema:
        services.require_schema()
    return services


def emit(data: Any, as_json: bool, human: Callable[[Any], None]) -> None:
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        human(data)


@contextmanager
def progress_bar(desc: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr (hidden when stderr is not a terminal, e.g. in CI logs)."""
    with tqdm(total=total, desc=desc, unit="text", file=sys.stderr, disable=None) as bar:
        yield bar.update


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file: never a half-written report."""
    path = path.expanduser()
    if not path.parent.is_dir():
        raise click.BadParameter(f"folder {str(path.parent)!r} does not exist", param_hint="--out")
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
