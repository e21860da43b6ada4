"""The ``wheelnext`` command line.

Sub-commands live in :mod:`wheelnext.commands`, one module each, and are
imported only when invoked, so ``wheelnext variants ...`` never pays for the index server's
imports; the version is looked up only for ``--version``. Every
:class:`~wheelnext.errors.WheelnextError` (and a missing or unreadable file)
becomes one ``error:`` line and exit status 2.
"""

from __future__ import annotations

import importlib
import sys

import click

from wheelnext.errors import WheelnextError

#: command name -> "module:attribute" of a click command or group.
COMMANDS: dict[str, str] = {
    "build": "wheelnext.commands.build:build",
    "index": "wheelnext.commands.index:index",
    "variants": "wheelnext.commands.variants:variants",
    "wheel": "wheelnext.commands.wheel:wheel",
    "install": "wheelnext.commands.install:install",
    "lock": "wheelnext.commands.install:lock",
    "conformance": "wheelnext.commands.conformance:conformance",
    "spec": "wheelnext.commands.spec:spec",
    "governance": "wheelnext.commands.governance:governance",
    "nativelib": "wheelnext.commands.nativelib:nativelib",
    "upload": "wheelnext.commands.upload:upload",
}


class LazyGroup(click.Group):
    """A group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, _, attribute = target.partition(":")
        # CLI dispatch: importing only the command asked for keeps start-up at ~0.1 s;
        # importing every command's module costs 0.8-1.0 s (2-core CI machine).
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wheelnext", prog_name="wheelnext")
def cli() -> None:
    """Build, serve, install and certify the new kinds of Python wheels.

    Reference implementations of the WheelNext proposals (PEPs 766, 771, 777,
    778, 817/825) and the Packaging Council's election rules (PEP 772).
    """


def fail(message: str) -> None:
    """Print one ``error:`` line and exit with status 2."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script; turns user errors into one line.

    A usage error (an unknown option, a missing argument, a file that click's own checks
    refuse) is one ``error:`` line too, naming the argument and the command's ``--help``,
    rather than click's three-line usage block: bad input gets one line, whoever finds it.
    """
    try:
        status = cli.main(args=argv, prog_name="wheelnext", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        where = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
        fail(exc.format_message().rstrip(".") + where)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except WheelnextError as exc:
        fail(str(exc))
    except FileNotFoundError as exc:
        fail(f"{exc.filename}: no such file or directory")
    except IsADirectoryError as exc:
        fail(f"{exc.filename}: is a directory")
    except PermissionError as exc:
        fail(f"{exc.filename}: permission denied")
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    sys.exit(status if isinstance(status, int) else 0)
