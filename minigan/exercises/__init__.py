"""The exercises of the learning path, and the checker behind ``minigan exercise check NAME``.

Each exercise is a file ``lessons/exercises/NAME.py`` whose functions raise ``NotImplementedError`` until
the learner writes them; its docstring states the task and the shapes. The checker loads the file, runs
minigan's own answer beside the learner's on awkward float64 inputs (see :mod:`.specs`) and prints a
friendly report:

- ``passed``          every case agrees                                   exit status 0
- ``failed``          the first case that does not: which output or input,
                      which element, the expected and the computed value  exit status 1
- ``not done yet``    a function still raises NotImplementedError         exit status 2

    minigan exercise list
    minigan exercise check conv2d_grads
    minigan exercise check conv2d_grads --file my_attempt.py
    python -m minigan.exercises check conv2d_grads
"""
from __future__ import annotations

import argparse
import difflib
import importlib.util
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from .compare import Failure, NotDone
from .specs import SPECS

__all__ = ["EXERCISES", "CheckResult", "check", "find_exercise_file", "add_parser", "main"]

EXERCISES = tuple(SPECS)
EXIT = {"passed": 0, "failed": 1, "not done yet": 2}


@dataclass
class CheckResult:
    """What :func:`check` found: ``status`` is "passed", "failed" or "not done yet"; ``lines`` the report."""
    name: str
    status: str
    lines: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT[self.status]

    def __str__(self) -> str:
        return "\n".join(self.lines)


def _known(name: str) -> None:
    if name not in SPECS:
        close = difflib.get_close_matches(name, EXERCISES, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown exercise {name!r}{hint}; the exercises are: {', '.join(EXERCISES)}")


def find_exercise_file(name: str, file: str | Path | None = None) -> Path:
    """The file to check: ``file`` if given, else ``lessons/exercises/NAME.py`` under the current directory,
    else under the repository that holds this copy of minigan."""
    _known(name)
    if file is not None:
        path = Path(file)
        if not path.is_file():
            raise FileNotFoundError(f"exercise file not found: {path}")
        return path
    import minigan
    tried = [Path.cwd() / "lessons" / "exercises" / f"{name}.py",
             Path(minigan.__file__).resolve().parents[1] / "lessons" / "exercises" / f"{name}.py"]
    tried = list(dict.fromkeys(tried))            # one entry when both places are the same
    for path in tried:
        if path.is_file():
            return path
    raise FileNotFoundError(f"no file for exercise {name!r}; tried {' and '.join(str(p) for p in tried)} "
                            "(run from the repository, or pass --file PATH)")


def _load(path: Path) -> ModuleType:
    """Import the learner's file as a fresh module (a syntax or import error becomes a Failure)."""
    spec = importlib.util.spec_from_file_location(f"minigan_exercise_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except NotImplementedError:
        raise NotDone("(module level)") from None
    except Exception as exc:
        where = traceback.extract_tb(exc.__traceback__)
        line = None if isinstance(exc, SyntaxError) else \
            next((f"line {f.lineno}" for f in reversed(where) if Path(f.filename) == path), None)
        raise Failure(f"the file could not be loaded: {type(exc).__name__}: {exc}"
                      + (f" ({line})" if line else "")) from None
    return module


def check(name: str, file: str | Path | None = None) -> CheckResult:
    """Run exercise ``name`` against the learner's file and return the report (nothing is printed)."""
    path = find_exercise_file(name, file)
    spec, task, functions = SPECS[name]
    head = f"exercise {name}: {task}"
    result = CheckResult(name, "passed", [head, f"  file: {path}"])
    current = "loading the file"
    try:
        module = _load(path)
        cases = spec(module)
        for case in cases:
            current = case.description
            note = case.run()
            result.lines.append(f"  ok    {case.description}")
            if note:
                result.lines.append(f"        {note}")
    except NotDone as nd:
        result.status = "not done yet"
        result.lines.append(f"  not done yet: `{nd.function}` still raises NotImplementedError.")
        result.lines.append(f"  Open {path.name}, read the docstring, write {', '.join(f'`{f}`' for f in functions)}, "
                            f"and run this check again.")
        return result
    except Failure as f:
        result.status = "failed"
        result.lines.append(f"  FAIL  {current}")
        result.lines.extend(f"        {line}" for line in str(f).splitlines())
        return result
    result.lines.append(f"passed: all {len(cases)} checks agree with minigan.")
    return result


def _check_command(args) -> int:
    res = check(args.name, args.file)
    print("\n".join(res.lines))
    if res.status == "failed":
        print("failed: fix the first problem above and run the check again.")
    return res.exit_code


def _list_command(args) -> int:
    width = max(len(n) for n in EXERCISES)
    for name, (_, task, functions) in SPECS.items():
        print(f"{name:<{width}}  {task}  [{', '.join(functions)}]")
    print("\ncheck one with: minigan exercise check NAME  (files: lessons/exercises/NAME.py)")
    return 0


def _add_commands(parser: argparse.ArgumentParser) -> None:
    """``check NAME [--file PATH]`` and ``list``, under ``minigan exercise`` or ``python -m minigan.exercises``."""
    sub = parser.add_subparsers(dest="exercise_command", metavar="{check,list}")
    sub.required = True
    c = sub.add_parser("check", help="gradcheck and shape-check your solution; exit 0 passed, 1 failed, "
                                     "2 not done yet")
    c.add_argument("name", metavar="NAME", help="the exercise: " + ", ".join(EXERCISES))
    c.add_argument("--file", default=None, help="the file to check (default lessons/exercises/NAME.py)")
    c.set_defaults(func=_check_command)
    ls = sub.add_parser("list", help="the exercises and what each asks")
    ls.set_defaults(func=_list_command)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``exercise check NAME [--file PATH]`` and ``exercise list`` on the ``minigan`` command."""
    p = subparsers.add_parser("exercise", help="check a learner's solution to an exercise of the lessons",
                              description="Check a solution to an exercise of the lessons (lessons/exercises/).")
    _add_commands(p)
    return p


def main(argv=None) -> int:
    """``python -m minigan.exercises check NAME [--file PATH]`` (or ``list``): ``minigan exercise`` itself, with
    its one-line errors."""
    from minigan.cli import main as minigan_main
    return minigan_main(["exercise", *(sys.argv[1:] if argv is None else argv)], prog="python -m minigan")
