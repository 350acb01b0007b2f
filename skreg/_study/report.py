"""Everything a study writes: the terminal table, JSON, CSV, PNGs and HTML."""

import base64
import csv
import html
import json
from pathlib import Path

import numpy as np

import skreg


def _fmt_params(params):
    return ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in params.items())


def table_rows(results):
    """Rows of the summary table, as strings."""
    rows = []
    for r in results:
        nonzero = "-" if r.n_nonzero is None else f"{r.n_nonzero}/{r.n_coefficients}"
        rows.append([
            r.label, _fmt_params(r.best_params),
            f"{r.cv_score_mean:.4f} ± {r.cv_score_std:.4f}",
            f"{r.train_score_mean:.4f}", f"{r.generalization_gap:+.4f}", nonzero,
        ])
    return rows


def table_header(scoring):
    """Column titles shared by the terminal table and the HTML report."""
    return ["model", "best parameters", f"CV {scoring} ± std", f"train {scoring}",
            "gap", "non-zero"]


def format_table(results, scoring):
    """A fixed-width table for the terminal."""
    header = table_header(scoring)
    rows = [header, *table_rows(results)]
    widths = [max(len(row[k]) for row in rows) for k in range(len(header))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def best_model_name(results):
    """The family with the best validation score; NaN scores (failed fits)
    never win, and None when every score is NaN."""
    scored = [r for r in results if np.isfinite(r.cv_score_mean)]
    return max(scored, key=lambda r: r.cv_score_mean).name if scored else None


def _strict_json(value):
    """NaN and infinities as null: the JSON standard has no such numbers."""
    if isinstance(value, dict):
        return {k: _strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict_json(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def write_json(path, data, settings, results, notes):
    payload = {
        "skreg_version": skreg.__version__,
        "data": {"source": data.source, "target": data.target, "task": data.task,
                 "n_samples": int(data.X.shape[0]),
                 "n_features": int(data.X.shape[1]),
                 "numeric_columns": [str(c) for c in data.numeric_columns],
                 "categorical_columns": [str(c) for c in data.categorical_columns]},
        "cv": settings.cv, "scoring": settings.scoring, "seed": settings.seed,
        "selection_rule": settings.selection_rule,
        "models": [r.as_dict() for r in results],
        "best_model": best_model_name(results),
        "warnings": list(data.warnings) + list(notes),
    }
    path.write_text(json.dumps(_strict_json(payload), indent=2, default=float,
                               allow_nan=False))
    return payload


def write_csv(path, results):
    fields = ["model", "label", "best_params", "cv_score_mean", "cv_score_std",
              "train_score_mean", "generalization_gap", "n_nonzero",
              "n_coefficients", "fit_seconds"]
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for r in results:
            row = r.as_dict()
            row["best_params"] = _fmt_params(r.best_params)
            writer.writerow(row)


def write_figures(out, results, data, scoring):
    """Validation curves, regularization paths and MLP histories as PNGs."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from sklearn.model_selection import ValidationCurveDisplay

    from skreg.plotting import RegularizationPathDisplay, TrainingHistoryDisplay

    files = {}
    for r in results:
        curve = r.selection.curve
        fig, ax = plt.subplots(figsize=(6, 4))
        display = ValidationCurveDisplay(
            param_name=curve.param_name, param_range=np.asarray(curve.param_range),
            train_scores=curve.train_scores, test_scores=curve.test_scores,
            score_name=scoring,
        )
        display.plot(ax=ax, std_display_style="fill_between")
        ax.set_xscale("log")
        ax.axvline(curve.param_range[curve.chosen_index], color="k", ls="--",
                   label="chosen")
        handles, labels = ax.get_legend_handles_labels()
        # scikit-learn calls the held-out folds "Test"; here they validate.
        labels = ["validation (CV)" if lab == "Test" else lab.lower()
                  for lab in labels]
        ax.legend(handles, labels)
        ax.set_title(f"{r.label}: validation curve")
        key = f"validation_curve_{r.name}"
        files[key] = _save(fig, out / f"{key}.png")

        model = r.selection.model
        if hasattr(model, "coef_"):
            # The path is computed on the features the model saw.
            pipe = getattr(r.fitted, "best_estimator_", r.fitted)
            X_model = pipe.named_steps["prep"].transform(data.X)
            fig, ax = plt.subplots(figsize=(6, 4))
            # A fitted CV model gives its own grid and the min / 1-SE marks.
            RegularizationPathDisplay.from_estimator(model, X_model, data.y, ax=ax)
            ax.set_title(f"{r.label}: regularization path")
            files[f"regularization_path_{r.name}"] = _save(
                fig, out / f"regularization_path_{r.name}.png")
        if hasattr(model, "loss_curve_"):
            fig, ax = plt.subplots(figsize=(6, 4))
            TrainingHistoryDisplay.from_estimator(model, ax=ax)
            ax.set_title(f"{r.label}: training history")
            files[f"training_history_{r.name}"] = _save(
                fig, out / f"training_history_{r.name}.png")
        plt.close("all")
    return files


def _save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path.name


_CSS = """
body { font-family: sans-serif; margin: 2em; max-width: 1100px; }
table { border-collapse: collapse; }
td, th { border: 1px solid #ccc; padding: 4px 8px; }
th { background: #eee; }
figure { display: inline-block; margin: 8px; }
img { max-width: 520px; }
"""


def write_html(path, payload, results, files, out):
    """One self-contained page: the table, notes and every figure inlined."""
    esc = html.escape
    header = table_header(payload["scoring"])
    rows = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>"
                   for row in table_rows(results))
    notes = "".join(f"<li>{esc(w)}</li>" for w in payload["warnings"])
    notes = notes or "<li>none</li>"
    figures = []
    for key, name in files.items():
        data = base64.b64encode((out / name).read_bytes()).decode("ascii")
        figures.append(f'<figure><img alt="{esc(key)}" src="data:image/png;base64,'
                       f'{data}"><figcaption>{esc(key.replace("_", " "))}'
                       "</figcaption></figure>")
    d = payload["data"]
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>skreg regularization study: {esc(d['source'])}</title>
<style>{_CSS}</style></head><body>
<h1>Regularization study</h1>
<p>Data: <b>{esc(d['source'])}</b>, target <b>{esc(d['target'])}</b> ({esc(d['task'])}),
{d['n_samples']} rows, {d['n_features']} feature columns.
{payload['cv']}-fold cross-validation, score: {esc(payload['scoring'])},
selection rule: {esc(payload['selection_rule'])}.
Best model: <b>{esc(str(payload['best_model']))}</b>.</p>
<p>The gap is the mean train score minus the mean validation score at the chosen
regularization: a large positive gap means the model still overfits.</p>
<table><tr>{''.join(f'<th>{esc(h)}</th>' for h in header)}</tr>{rows}</table>
<h2>Notes</h2><ul>{notes}</ul>
<h2>Figures</h2>{''.join(figures)}
<p><small>skreg {esc(payload['skreg_version'])}</small></p>
</body></html>
"""
    path.write_text(page, encoding="utf-8")


def write_outputs(out, data, settings, results, notes):
    """Write every output file into ``out``; return the JSON payload."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = write_figures(out, results, data, settings.scoring)
    payload = write_json(out / "results.json", data, settings, results, notes)
    write_csv(out / "results.csv", results)
    payload["files"] = files
    write_html(out / "report.html", payload, results, files, out)
    return payload
