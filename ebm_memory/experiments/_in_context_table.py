"""The Markdown of ``ebm-memory reproduce in_context`` (:mod:`ebm_memory.experiments.in_context`),
from its ``to_dict()`` values.

Examples
--------
>>> from ebm_memory.experiments._in_context_table import HEADER
>>> HEADER[1]
'|---|---|---|---|---|---|---|---|---|'
"""

from __future__ import annotations

__all__ = ["HEADER", "markdown"]

HEADER = (
    "| context | samples' true log-lik: energy | KDE | margin (paired) | held-out log-lik: "
    "energy | KDE | truth | memory width | KDE bandwidth |",
    "|---|---|---|---|---|---|---|---|---|",
)


def _row(label: str, table: dict) -> str:
    def cell(key):
        if key not in table:
            return "–"
        return f"{table[key]['mean']:.2f} ± {table[key]['standard_error']:.2f}"

    return (
        f"| {label} | {cell('sample_log_lik_model')} | {cell('sample_log_lik_kde')} | "
        f"{table['sample_margin']['mean']:+.2f} ± {table['sample_margin']['standard_error']:.2f} | "
        f"{cell('heldout_log_lik_model')} | {cell('heldout_log_lik_kde')} | "
        f"{cell('heldout_log_lik_truth')} | {cell('memory_width')} | {cell('kde_bandwidth')} |"
    )


def _margin_sentence(values: dict) -> str:
    margin = values["stated_sample_margin"]
    sizes = values["context_sizes"]
    within = [str(n) for n, table in sizes.items() if table["sample_margin"]["mean"] >= -margin]
    below = [
        f"n = {n} ({table['sample_margin']['mean']:+.2f} ± "
        f"{table['sample_margin']['standard_error']:.2f})"
        for n, table in sizes.items()
        if table["sample_margin"]["mean"] < -margin
    ]
    return (
        f"Stated margin: the samples' mean true log-likelihood is at least the KDE's minus "
        f"{margin} nats. The mean paired margin meets it at n = {', '.join(within) or 'none'}"
        + (f"; it falls below at {', '.join(below)}" if below else "")
        + f". At no size is it more than two paired standard errors below the stated margin: "
        f"{'true' if values['not_significantly_below_margin'] else 'false'}."
    )


def markdown(values: dict) -> str:
    """The values as Markdown: per context size, per held-out family, per objective, 8-D."""
    settings = values["settings"]
    high = values["mixture_8d"]
    lines = [
        f"The shipped model ({values['model']['n_steps']} steps of contrastive divergence) on "
        f"{settings['n_contexts']} held-out contexts per row, {settings['n_samples']} MALA "
        "samples each; KDE bandwidth by leave-one-out likelihood on the context; mean ± "
        "standard error over contexts.",
        "",
        "**Context size (mixture_2d tasks):**",
        "",
        *HEADER,
        *(_row(f"n = {n}", table) for n, table in values["context_sizes"].items()),
        "",
        "**Held-out families (n = 64):**",
        "",
        *HEADER,
        *(_row(name, table) for name, table in values["held_out_families"].items()),
        "",
        "**Objectives (mixture_2d, largest context):**",
        "",
        *HEADER,
        *(_row(name, table) for name, table in values["objectives"].items()),
        "",
        f"**8-D mixtures (n = 64; a model trained here for {high['n_steps']} "
        f"steps, {high['training_seconds']:.0f} s):**",
        "",
        *HEADER,
        _row("mixture_8d", high),
        "",
        _margin_sentence(values),
    ]
    return "\n".join(lines)
