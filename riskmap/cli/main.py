"""Entry point of the ``riskmap`` command: parse, dispatch, turn known errors into one stderr line.

Exit codes (SPEC §6): 0 success; 1 validation errors; 2 bad arguments or nothing written;
3 import with some rows rejected.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from layers.errors import LayerError, SelectionError
from riskmodel.errors import RiskModelError

__all__ = ["main"]

# command name → module under riskmap.cli; each module has add_parser(subparsers) and run(args) -> int
COMMANDS: tuple[tuple[str, str], ...] = (
    ("init", "init"),
    ("validate", "validate"),
    ("analyze", "analyze"),
    ("export", "export"),
    ("import", "importer"),
    ("template", "template"),
    ("history", "history"),
    ("rollback", "history"),
    ("scenario", "scenario"),
    ("map", "mapfile"),
    ("serve", "serve"),
    ("plan", "plan"),
    ("cards", "cards"),
    ("inspections", "inspections"),
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one clear line and exit 2, as for every bad argument
        sys.stderr.write(f"riskmap: 参数错误：{message}（用 --help 查看用法）\n")
        raise SystemExit(2)


def _modules():
    seen = {}
    for _, mod in COMMANDS:
        if mod not in seen:
            try:
                seen[mod] = importlib.import_module(f"riskmap.cli.{mod}")
            except ModuleNotFoundError as exc:
                if exc.name != f"riskmap.cli.{mod}":
                    raise
    return seen


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="riskmap", description="垫江县安全风险一张图 — 命令行")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for mod in _modules().values():
        mod.add_parser(sub)
    return parser


def _error_exit_code(exc: Exception) -> int:
    """Exit code of a known error; unknown errors are bugs and propagate."""
    if isinstance(exc, SelectionError):
        return 2
    if isinstance(exc, LayerError | RiskModelError):
        return getattr(exc, "exit_code", 2)
    if isinstance(exc, OSError):  # a file the OS refused (the message names it): not a bug of ours
        return 2
    raise exc


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        sys.stderr.write("riskmap: 已中断\n")
        return 130
    except BrokenPipeError:  # `riskmap … | head`: the reader left; not an error of ours
        sys.stderr.close()
        return 0
    except Exception as exc:  # known errors become one line; unknown ones propagate
        code = _error_exit_code(exc)
        sys.stderr.write(f"riskmap {args.command}: {exc}\n")
        return code


if __name__ == "__main__":
    sys.exit(main())
