"""The ``minigan`` command: ``info``, ``gradcheck``, ``gan train|sample``, ``style``, ``exercise``, ``bench``.

Every subcommand is one function; an error a user can cause (a missing file, a bad argument, no GPU)
ends the command with one readable line on stderr and a non-zero exit status, never a traceback: exit
status 2 for a usage error (an unknown option, a value of the wrong type), 1 for anything else. Set
``MINIGAN_TRACEBACK=1`` to see the traceback anyway. A reader that stops early (``minigan info | head -2``)
ends the command quietly."""
from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys

# Subcommands that live beside the code they drive: each module has add_parser(subparsers), which
# registers its parser with ``set_defaults(func=...)``.
_PLUGINS = ("minigan.gan.cli", "minigan.style.cli", "minigan.exercises", "minigan.bench")


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage error is one line on stderr, exit status 2, instead of the usage
    block; ``--help`` stays full. The parsers of the subcommands are made from the same class (argparse's
    ``add_subparsers`` gives them the class of their parent), and each records its full name in the parsed
    arguments as ``command_prog`` ("minigan gan train": the innermost subcommand's default wins)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.set_defaults(command_prog=self.prog)

    def error(self, message: str):
        self._fail(self.prog, message)

    def parse_args(self, args=None, namespace=None):
        namespace, extras = self.parse_known_args(args, namespace)
        if extras:  # named after the subcommand that did not know them, not the top-level command
            self._fail(getattr(namespace, "command_prog", self.prog), f"unrecognized arguments: {' '.join(extras)}")
        return namespace

    def _fail(self, prog: str, message: str):
        self.exit(2, f"{prog}: error: {message} (see {prog} --help)\n")


def _info(args) -> int:
    import numpy as np

    import minigan
    from minigan import backend
    print(f"minigan    {minigan.__version__}")
    print(f"python     {platform.python_version()} ({platform.system()} {platform.machine()})")
    print(f"numpy      {np.__version__}")
    print(f"BLAS       {_blas_name()}")
    print(f"CPU        {_cpu_threads()}")
    for mod in ("matplotlib", "tqdm", "torch"):
        try:
            m = importlib.import_module(mod)
            print(f"{mod:<11}{m.__version__}")
        except Exception:
            print(f"{mod:<11}not installed" + (" (optional: parity tests and benchmarks)" if mod == "torch" else ""))
    ok, why = backend.cupy_status()
    print(f"cuda       {'available: ' if ok else 'not available: '}{why}")
    return 0


def _blas_name() -> str:
    """Which BLAS NumPy links (the library that does the matrix products)."""
    import numpy as np
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        name = blas.get("name", "unknown")
        version = blas.get("version", "")
    except Exception:
        name, version = "unknown", ""
    from minigan.blas_env import openblas_core
    core = openblas_core()
    return f"{name} {version}".strip() + (f" ({core} kernels)" if core else "")


def _cpu_threads() -> str:
    """How many cores the CPU convolutions spread their batch slices over, and why only one where so."""
    from minigan.kernels import threads
    n = threads.slice_threads()
    if n > 1:
        return f"{n} threads for the convolutions' batch slices ({os.cpu_count()} cores)"
    return ("1 thread for the convolutions' batch slices (no OpenBLAS thread count to set, a single BLAS thread, "
            "or OpenBLAS's threads spinning beside other Python threads: see minigan.kernels.threads)")


def _gradcheck(args) -> int:
    from minigan.checks import run_registry
    return run_registry(device=args.device, op=args.op, verbose=not args.quiet)


def build_parser(prog: str = "minigan") -> argparse.ArgumentParser:
    p = OneLineParser(prog=prog, description="minigan: a deep-learning engine for seeing how it works")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    s = sub.add_parser("info", help="versions, BLAS, and whether CuPy and a GPU are usable")
    s.set_defaults(func=_info)
    s = sub.add_parser("gradcheck", help="gradient-check every registered op on awkward shapes")
    s.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    s.add_argument("--op", default=None, help="check only ops whose name contains this")
    s.add_argument("--quiet", action="store_true",
                   help="print only the summary line, 'N passed, M failed' (exit status 1 if any failed)")
    s.set_defaults(func=_gradcheck)
    for name in _PLUGINS:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue  # that part of minigan is not installed in this tree
            raise
        mod.add_parser(sub)
    return p


def main(argv=None, prog: str = "minigan") -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``) and return the exit status; ``prog`` is the
    command's name in usage lines and errors (``python -m minigan.exercises`` passes its own)."""
    try:
        try:
            return _run(build_parser(prog), argv)
        finally:
            sys.stdout.flush()          # a reader that has gone away shows here, not at the interpreter's exit
    except BrokenPipeError:
        _discard_stdout()
        return 1                        # as Python's own documentation does on a closed pipe (EPIPE)


def _run(parser: argparse.ArgumentParser, argv) -> int:
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        raise                           # not an error of the command: see main
    except Exception as exc:  # one readable line, not a traceback
        if os.environ.get("MINIGAN_TRACEBACK"):
            raise
        msg = str(exc).strip().splitlines()
        first = msg[0] if msg else type(exc).__name__
        print(f"{args.command_prog}: error: {first}", file=sys.stderr)
        return 1


def _discard_stdout() -> None:
    """Point stdout at the null device, so that what is still buffered, flushed when Python exits,
    does not fail a second time on the closed pipe."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):   # not a file (a test capturing the output)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
