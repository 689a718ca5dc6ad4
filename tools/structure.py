"""Report the package's shape: module sizes, long functions and the import graph of its layers.

python tools/structure.py [--package ebm_memory] [--module-lines 400] [--function-lines 60]

Function length counts lines of code: the body without its docstring, blank lines or comments.
The import graph counts every ``import``/``from ... import`` of one top-level part of the package
by another, lazy imports inside functions included.
"""

from __future__ import annotations

import argparse
import ast
import io
import tokenize
from collections import Counter
from pathlib import Path


def _code_lines(source: str, node: ast.AST) -> int:
    """Lines of ``node`` holding code: no docstring, blank or comment-only lines."""
    body = getattr(node, "body", [])
    start = node.lineno
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        if isinstance(body[0].value.value, str):
            start = body[0].end_lineno + 1
    lines = source.splitlines()[start - 1 : node.end_lineno]
    text = "\n".join(lines)
    code = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type not in (
                tokenize.COMMENT,
                tokenize.NL,
                tokenize.NEWLINE,
                tokenize.INDENT,
                tokenize.DEDENT,
                tokenize.ENDMARKER,
            ):
                code.update(range(token.start[0], token.end[0] + 1))
    except (tokenize.TokenError, IndentationError):
        return len([line for line in lines if line.strip()])
    return len(code) + (1 if start != node.lineno else 0)


def _part(module: str, package: str) -> str:
    pieces = module.split(".")
    if pieces[0] != package:
        return ""
    return pieces[1] if len(pieces) > 1 else "__init__"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default="ebm_memory")
    parser.add_argument("--module-lines", type=int, default=400)
    parser.add_argument("--function-lines", type=int, default=60)
    args = parser.parse_args()
    root = Path(args.package)
    modules = sorted(root.rglob("*.py"))
    long_modules, long_functions = [], []
    edges: Counter = Counter()
    total = 0
    for path in modules:
        source = path.read_text()
        n_lines = len(source.splitlines())
        total += n_lines
        if n_lines > args.module_lines:
            long_modules.append((n_lines, str(path)))
        tree = ast.parse(source)
        dotted = ".".join(path.with_suffix("").parts)
        here = _part(dotted.removesuffix(".__init__"), args.package)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                size = _code_lines(source, node)
                if size > args.function_lines:
                    long_functions.append((size, f"{path}:{node.lineno} {node.name}"))
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                there = _part(node.module, args.package)
                if there and there != here:
                    edges[(here, there)] += 1
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    there = _part(alias.name, args.package)
                    if there and there != here:
                        edges[(here, there)] += 1
    print(f"{len(modules)} modules, {total} lines")
    print(f"\nmodules over {args.module_lines} lines: {len(long_modules)}")
    for n_lines, name in sorted(long_modules, reverse=True):
        print(f"  {n_lines:5d}  {name}")
    print(f"\nfunctions over {args.function_lines} lines of code: {len(long_functions)}")
    for size, name in sorted(long_functions, reverse=True):
        print(f"  {size:5d}  {name}")
    print("\nimport graph (importer -> imported: number of import statements)")
    for importer in sorted({a for a, _ in edges}):
        targets = sorted((b, n) for (a, b), n in edges.items() if a == importer)
        print(f"  {importer:>16} -> " + ", ".join(f"{b} {n}" for b, n in targets))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
