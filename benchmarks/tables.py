"""Per-method Markdown tables of the cases whose figures do not fit the main table."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["method_tables"]


def method_tables(
    records: list[dict],
    methods: tuple[str, ...],
    short_names: dict[str, str],
    dataset_header: str,
    shape: Callable[[dict], str],
    sections: list[tuple[str, Callable[[dict], str]]],
) -> str:
    """One table per ``(title, cell)`` in ``sections``: a row per dataset (its name and
    ``shape(sizes)``), a column per method, ``cell(extra["scores"][method])`` in each.

    Examples
    --------
    >>> record = {"extra": {"dataset": "d", "scores": {"a": {"x": 1.0}}}, "sizes": {"n": 3}}
    >>> print(method_tables([record], ("a",), {"a": "A"}, "dataset (n)",
    ...                     lambda s: str(s["n"]), [("Title.", lambda s: f"{s['x']:.1f}")]))
    Title.
    <BLANKLINE>
    | dataset (n) | A |
    |---|---|
    | d (3) | 1.0 |
    """
    by_dataset = {row["extra"]["dataset"]: row for row in records}
    header = [
        f"| {dataset_header} | " + " | ".join(short_names[m] for m in methods) + " |",
        "|---" * (len(methods) + 1) + "|",
    ]
    lines: list[str] = []
    for title, cell in sections:
        if lines:
            lines.append("")
        lines += [title, "", *header]
        for name, row in by_dataset.items():
            cells = " | ".join(cell(row["extra"]["scores"][method]) for method in methods)
            lines.append(f"| {name} ({shape(row['sizes'])}) | {cells} |")
    return "\n".join(lines)
