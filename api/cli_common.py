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
from matcher.accounts import Actor, Event, OwnedCatalog, require_admin
from matcher.errors import TalentmatchError

log = logging.getLogger("talentmatch")


class Group(click.Group):
    """Turns every failure into one line on stderr."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
        except (TalentmatchError, ModelLoadError) as exc:
            status = getattr(exc, "status", 500)
            _record(ctx, "refused" if status < 500 else "failed", getattr(exc, "detail", None))
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
            _record(ctx, "failed", type(exc).__name__)
            log.debug("unexpected failure", exc_info=True)
            click.echo(
                f"error: unexpected failure ({type(exc).__name__}); rerun with --debug for details",
                err=True,
            )
            sys.exit(3)
        _record(ctx, "ok")
        return result


def audited(ctx: click.Context, action: str, resource: str | None = None) -> None:
    """Mark this command for the audit log (writes, reads of personal data, account work);
    its outcome is recorded when it ends."""
    ctx.obj["audit"] = (action, resource)


def _record(ctx: click.Context, outcome: str, detail: str | None = None) -> None:
    """Marked commands always; any command refused to a user acting with ``--as`` too."""
    marked = (ctx.obj or {}).pop("audit", None)
    services: Services | None = (ctx.obj or {}).get("services")
    if marked is None and outcome != "ok" and (ctx.obj or {}).get("as"):
        marked = (" ".join([ctx.invoked_subcommand or "", *ctx.args]), None)
    if marked is None or services is None:
        return
    action, resource = marked
    email = ctx.obj.get("as")
    actor = ctx.obj.get("actor") or (None if email else Actor.local_admin())
    event = Event(f"cli {action}", outcome, "cli", resource=resource, detail=detail)
    try:
        services.audit.record(actor, event, actor_email=email)
    except Exception:  # the command's outcome stands; a lost event is logged
        log.exception("could not write the audit event of %s", action)


def actor_of(ctx: click.Context) -> Actor:
    """The local admin, or the user of ``--as EMAIL`` (who must exist and be active)."""
    actor: Actor | None = ctx.obj.get("actor")
    if actor is None:
        email = ctx.obj.get("as")
        actor = services_of(ctx).accounts.actor(email) if email else Actor.local_admin()
        ctx.obj["actor"] = actor
    return actor


def catalog_of(ctx: click.Context) -> OwnedCatalog:
    """The catalog as this command's actor may use it."""
    return services_of(ctx).catalog_for(actor_of(ctx))


def admins_only(ctx: click.Context, what: str) -> Services:
    """The services, once the actor is known to be an admin (``--as`` someone else: refused)."""
    require_admin(actor_of(ctx), what)
    return services_of(ctx)


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
