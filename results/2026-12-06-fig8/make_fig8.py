"""Draws fig8.svg: our PPO + count bars (mean +/- SEM of env steps to the first
completion over 5 seeds, each seed's value as a dot) for the paper's five conditions, read from
report/agent.csv (made by `priors analyze`), with the paper's A3C + ICM means beside them
in grey, labelled as the paper's. The paper's numbers are typed in from Dubey et al. (2018),
Fig. 8, for the picture only (each bar also shows its ratio to its own original): nothing here feeds our data. Standard library only.

Usage: python3 make_fig8.py   (from this folder: report/, runs/ppo-count-six/ -> fig8.svg)
       python3 make_fig8.py --report R --runs D --out F --label L   (another archive's grid,
       e.g. results/2026-12-07-fig8-ppo-count-ten; the seeds are counted from D)
"""

import argparse

import csv
import glob
import json
import os

CONDS = ["original", "masked-semantics", "masked-object-identity", "masked-affordances",
         "masked-similarity"]
# The paper's (Dubey et al. 2018, Fig. 8): A3C + ICM, million steps, mean of 5 seeds.
PAPER_M = {"original": 4.1, "masked-semantics": 3.7, "masked-object-identity": 3.7,
           "masked-affordances": 4.4, "masked-similarity": 7.7}


def ours(report="report", runs="runs/ppo-count-six"):
    rows = {r["condition"]: r for r in csv.DictReader(open(os.path.join(report, "agent.csv")))}
    seeds = {}
    for f in glob.glob(os.path.join(runs, "princess__*__ppo-count__seed*/*/summary.json")):
        cond = f.split("/")[-3].split("__")[1]
        if cond not in CONDS:
            continue
        v = json.load(open(f))["steps_to_first_completion"]
        if v is None:
            raise SystemExit(f"{f}: censored; this figure draws finished runs only")
        seeds.setdefault(cond, []).append(v / 1e6)
    return {c: (float(rows[c]["steps_first_mean"]) / 1e6, float(rows[c]["steps_first_sem"]) / 1e6,
                sorted(seeds.get(c, []))) for c in CONDS if c in rows}


def svg(data, learner="PPO + count, six actions"):
    n = max(len(v[2]) for v in data.values())
    w, h, left, bottom, top = 760, 420, 70, 90, 30
    ymax = 8.0
    plot_h = h - bottom - top
    y = lambda v: top + plot_h * (1 - v / ymax)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>']
    for t in range(0, 9):
        out.append(f'<line x1="{left}" x2="{w - 20}" y1="{y(t):.1f}" y2="{y(t):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 8}" y="{y(t) + 4:.1f}" text-anchor="end">{t}</text>')
    out.append(f'<text transform="translate(18,{top + plot_h / 2}) rotate(-90)" text-anchor="middle">million env steps to first completion</text>')
    slot = (w - 20 - left) / len(CONDS)
    for i, c in enumerate(CONDS):
        x0 = left + i * slot + slot * 0.15
        bw = slot * 0.32
        if c in data:
            m, sem, pts = data[c]
            out.append(f'<rect x="{x0:.1f}" y="{y(m):.1f}" width="{bw:.1f}" height="{y(0) - y(m):.1f}" fill="#3b75af"/>')
            cx = x0 + bw / 2
            out.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y(m - sem):.1f}" y2="{y(m + sem):.1f}" stroke="black"/>')
            ratio = m / data["original"][0]
            out.append(f'<text x="{cx:.1f}" y="{y(max(pts + [m + sem])) - 8:.1f}" text-anchor="middle" fill="#1d4f80">x{ratio:.2f}</text>')
            for k, p in enumerate(pts):
                out.append(f'<circle cx="{cx - 2 * (len(pts) - 1) + 4 * k:.1f}" cy="{y(p):.1f}" r="2.5" fill="#f0a030" stroke="black" stroke-width="0.5"/>')
        px = x0 + bw + 4
        out.append(f'<rect x="{px:.1f}" y="{y(PAPER_M[c]):.1f}" width="{bw:.1f}" height="{y(0) - y(PAPER_M[c]):.1f}" fill="#bbbbbb" stroke="#777" stroke-dasharray="3,2"/>')
        out.append(f'<text x="{px + bw / 2:.1f}" y="{y(PAPER_M[c]) - 6:.1f}" text-anchor="middle" fill="#555">x{PAPER_M[c] / PAPER_M["original"]:.2f}</text>')
        label = c.replace("masked-", "masked ").replace("-", " ")
        out.append(f'<text x="{left + i * slot + slot / 2:.1f}" y="{h - bottom + 18}" text-anchor="middle">{label}</text>')
    ly = h - 35
    out.append(f'<rect x="{left}" y="{ly}" width="12" height="12" fill="#3b75af"/><text x="{left + 18}" y="{ly + 10}">ours: {learner}, mean +/- SEM of {n} seeds (dots: seeds; xN: mean / original\'s)</text>')
    out.append(f'<rect x="{left}" y="{ly + 18}" width="12" height="12" fill="#bbbbbb" stroke="#777" stroke-dasharray="3,2"/><text x="{left + 18}" y="{ly + 28}">the paper\'s (Dubey et al. 2018, Fig. 8): A3C + ICM, mean of 5 seeds; not our data</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--report", default="report")
    ap.add_argument("--runs", default="runs/ppo-count-six")
    ap.add_argument("--out", default="fig8.svg")
    ap.add_argument("--label", default="PPO + count, six actions")
    a = ap.parse_args()
    if a.report == "report" and a.runs == "runs/ppo-count-six":
        os.chdir(os.path.dirname(os.path.abspath(__file__)))
    open(a.out, "w").write(svg(ours(a.report, a.runs), a.label))
    print(f"wrote {a.out}")
