"""``OUT/report.html``: one self-contained page a person can read (no network, no CDN).

Built from report.json, the quarantine shards and the flagged rows of the clean shards,
deterministically, so ``tunegate report OUT`` re-renders the same bytes and a signed
folder still verifies. A reviewer pages through the flagged and quarantined rows of each
rule with their evidence. Row text is truncated and never shown for a row that carries a
secrets finding; text in the shards is already PII-redacted.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from gateway.trust.columns import FLAGS

EXAMPLE_CHARS = 240
ROWS_PER_RULE = 500  # rows of one rule embedded in the page; the shards hold them all
_CLUSTER = re.compile(
    r"^poisoning cluster (\d+) of (\d+) rows; (.*?); signals (.*?)(?:; row incoherence|$)"
)


def _quarantine_reasons(out: Path, report: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for shard in report.get("shards", {}).get("quarantine", []):
        table = pq.read_table(out / shard["name"], use_threads=False)  # see trust/loader.py
        rows.extend(table.to_pylist())
    return rows


def _flagged_rows(out: Path, report: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for shard in report.get("shards", {}).get("clean", []):
        table = pq.read_table(out / shard["name"], use_threads=False)
        if FLAGS in table.column_names:  # outputs written before flags were published lack it
            flagged = pc.greater(pc.list_value_length(table[FLAGS]), 0)
            rows.extend(table.filter(flagged).to_pylist())
    return rows


def _rule_rows(
    quarantined: list[dict[str, Any]], flagged: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Per detector/rule, the rows it quarantined or flagged, for the reviewer's pages."""
    by_rule: dict[str, dict[str, Any]] = {}
    for status, rows, column in (
        ("quarantined", quarantined, "tunegate_reasons"),
        ("flagged", flagged, FLAGS),
    ):
        for r in rows:
            reasons = r.get(column) or []
            secret = any(x["detector"] == "secrets" for x in reasons)
            text = "(text withheld: the row holds a secret)" if secret else _text_of(r)
            for x in reasons:
                key = f"{x['detector']}/{x['rule']}"
                entry = by_rule.setdefault(
                    key, {"rule": key, "quarantined": 0, "flagged": 0, "rows": []}
                )
                entry[status] += 1
                if len(entry["rows"]) < ROWS_PER_RULE:
                    entry["rows"].append(
                        {
                            "row_id": r["tunegate_row_id"],
                            "status": status,
                            "action": x["action"],
                            "field": x["field"],
                            "evidence": x["evidence"],
                            "text": text,
                        }
                    )
    return [by_rule[k] for k in sorted(by_rule)]


def _text_of(row: dict[str, Any]) -> str:
    skip = {"tunegate_row_id", "tunegate_reasons", "tunegate_raw", FLAGS}
    parts = []
    for k, v in row.items():
        if k in skip or v is None:
            continue
        parts.append(
            f"{k}: {v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)}"
        )
    text = " | ".join(parts)
    return text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS] + "…"


def sections(out: Path, report: dict[str, Any]) -> dict[str, Any]:
    """The page's data: everything the JavaScript renders comes from here."""
    q = _quarantine_reasons(out, report)
    clusters: dict[int, dict[str, Any]] = {}
    dup_groups: Counter[tuple[str, str]] = Counter()
    for r in q:
        reasons = r.get("tunegate_reasons") or []
        has_secret = any(x["detector"] == "secrets" for x in reasons)
        for x in reasons:
            if x["detector"] == "poisoning":
                m = _CLUSTER.match(x["evidence"])
                if not m:
                    continue
                c = clusters.setdefault(
                    int(m.group(1)),
                    {
                        "id": int(m.group(1)),
                        "rows": int(m.group(2)),
                        "what": m.group(3),
                        "signals": m.group(4),
                        "rule": x["rule"],
                        "examples": [],
                    },
                )
                if not has_secret and len(c["examples"]) < 3:
                    c["examples"].append({"row_id": r["tunegate_row_id"], "text": _text_of(r)})
            ref = re.search(r"duplicate_of=(\S+)$", x["evidence"])
            if ref and x["detector"].endswith("duplicate"):
                dup_groups[(x["detector"], ref.group(1))] += 1
    release = report.get("release") or {}
    return {
        "counts": report["counts"],
        "by_reason": report.get("by_reason", {}),
        "rule_rows": _rule_rows(q, _flagged_rows(out, report)),
        "rows_per_rule": ROWS_PER_RULE,
        "gates": report.get("gates", []),
        "status": report.get("status"),
        "job_id": report.get("job_id"),
        "projection": report.get("projection"),
        "drift": report.get("drift"),
        "clusters": [clusters[k] for k in sorted(clusters)],
        "duplicates": [
            {"detector": d, "representative": rep, "removed": n}
            for (d, rep), n in sorted(dup_groups.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
        ],
        "manifest": {
            "dataset": release.get("dataset"),
            "version": release.get("version"),
            "sequence": release.get("sequence"),
            "keyid": release.get("keyid"),
            "policy": report.get("policy", {}).get("digest"),
            "files": [
                {"name": s["name"], "sha256": s["sha256"], "rows": s.get("rows")}
                for split in ("clean", "quarantine")
                for s in report.get("shards", {}).get(split, [])
            ],
        },
    }


CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:3px 8px;text-align:left;vertical-align:top}
.num{text-align:right;font-variant-numeric:tabular-nums}.bad{color:#b00020}.ok{color:#1b5e20}
code{font-size:12px;word-break:break-all}.ex{font-size:12px;color:#444}
"""

SCRIPT = r"""
(function(){
const D = JSON.parse(document.getElementById('data').textContent);
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
const c = D.counts;
$('counts').innerHTML = [['rows in', c.rows_in], ['clean', c.rows_clean], ['quarantined', c.rows_quarantined], ['flagged (kept)', c.rows_flagged], ['redacted (kept)', c.rows_redacted]]
  .map(([k, v]) => `<tr><td>${k}</td><td class="num" data-count="${k}">${Number(v).toLocaleString('en')}</td></tr>`).join('');
$('status').textContent = D.status === 'ok' ? 'published' : 'gate failed: nothing published as clean';
$('status').className = D.status === 'ok' ? 'ok' : 'bad';
const reasons = [];
for (const [det, rules] of Object.entries(D.by_reason)) for (const [rule, n] of Object.entries(rules)) reasons.push([det + '/' + rule, n]);
reasons.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
$('reasons').innerHTML = reasons.map(([k, n]) => `<tr><td>${esc(k)}</td><td class="num">${n}</td></tr>`).join('') || '<tr><td>no findings</td></tr>';
// bar chart: rows kept, then rows by reason
const bars = [['kept (clean)', c.rows_clean, '#2e7d32']].concat(reasons.map(([k, n]) => [k, n, '#c62828']));
const max = Math.max(1, ...bars.map(b => b[1])), W = 700, H = 22;
$('chart').innerHTML = `<svg width="${W + 300}" height="${bars.length * H + 4}" role="img" aria-label="rows kept and removed by reason">` +
  bars.map(([k, n, col], i) => `<text x="0" y="${i * H + 15}" font-size="12">${esc(k)}</text><rect x="290" y="${i * H + 4}" width="${Math.max(1, W * n / max)}" height="${H - 6}" fill="${col}"/><text x="${295 + W * n / max}" y="${i * H + 15}" font-size="12">${n}</text>`).join('') + '</svg>';
$('gates').innerHTML = D.gates.map(g => `<tr><td>${esc(g.detector)}/${esc(g.rule)}</td><td class="num">${g.rows}</td><td class="num">${(100 * g.fraction).toFixed(2)}%</td><td class="num">${(100 * g.max_fraction).toFixed(2)}%</td><td class="${g.failed ? 'bad' : 'ok'}">${g.failed ? 'FAILED' : 'passed'}</td></tr>`).join('') || '<tr><td colspan="5">no gates</td></tr>';
// projection
const P = D.projection;
if (P && P.points.length) {
  const xs = P.points.map(p => p[0]), ys = P.points.map(p => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const sx = x => 10 + 580 * (x - x0) / ((x1 - x0) || 1), sy = y => 10 + 380 * (y - y0) / ((y1 - y0) || 1);
  const colour = s => s === 'clean' ? '#90a4ae' : s === 'flagged' ? '#f9a825' : s.startsWith('poisoning') ? '#6a1b9a' : '#c62828';
  const order = P.points.slice().sort((a, b) => (a[2] === 'clean') - (b[2] === 'clean')).reverse();
  $('projection').innerHTML = `<svg width="600" height="400" role="img" aria-label="2-D projection of row embeddings">` +
    order.map(p => `<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="${p[2].startsWith('poisoning') ? 4 : 2.5}" fill="${colour(p[2])}"><title>${esc(p[2])}</title></circle>`).join('') + '</svg>' +
    `<p>${P.points.length} of ${c.rows_in} rows (${esc(P.method)}); grey clean, amber flagged, red quarantined, purple poisoning clusters.</p>`;
} else { $('projection').textContent = 'no embeddings in this scan'; }
$('clusters').innerHTML = D.clusters.map(k => `<tr><td>${k.id}</td><td>${esc(k.rule)}</td><td class="num">${k.rows}</td><td>${esc(k.what)}</td><td>${esc(k.signals)}</td><td class="ex">${k.examples.map(e => `<div><b>${esc(e.row_id)}</b> ${esc(e.text)}</div>`).join('')}</td></tr>`).join('') || '<tr><td colspan="6">no poisoning clusters</td></tr>';
// flagged and quarantined rows, one rule at a time, a page at a time
const R = D.rule_rows, PAGE = 25;
let rule = 0, page = 0;
function showRows() {
  if (!R.length) { $('rows').innerHTML = '<tr><td colspan="6">no flagged or quarantined rows</td></tr>'; $('pager').textContent = ''; return; }
  const e = R[rule], pages = Math.max(1, Math.ceil(e.rows.length / PAGE));
  page = Math.min(Math.max(page, 0), pages - 1);
  $('rows').innerHTML = e.rows.slice(page * PAGE, (page + 1) * PAGE).map(r => `<tr data-row="${esc(r.row_id)}"><td><b>${esc(r.row_id)}</b></td><td>${esc(r.status)}</td><td>${esc(r.action)}</td><td>${esc(r.field)}</td><td>${esc(r.evidence)}</td><td class="ex">${esc(r.text)}</td></tr>`).join('');
  const more = e.quarantined + e.flagged > e.rows.length ? ` (the page holds the first ${e.rows.length} of ${e.quarantined + e.flagged}; the shards hold every one)` : '';
  $('pager').textContent = `${e.rule}: ${e.quarantined} quarantined, ${e.flagged} flagged and kept; page ${page + 1} of ${pages}${more}`;
}
$('rule').innerHTML = R.map((e, i) => `<option value="${i}">${esc(e.rule)} (${e.quarantined} quarantined, ${e.flagged} flagged)</option>`).join('');
$('rule').onchange = () => { rule = Number($('rule').value); page = 0; showRows(); };
$('prev').onclick = () => { page -= 1; showRows(); };
$('next').onclick = () => { page += 1; showRows(); };
showRows();
$('dups').innerHTML = D.duplicates.map(d => `<tr><td>${esc(d.detector)}</td><td>${esc(d.representative)}</td><td class="num">${d.removed}</td></tr>`).join('') || '<tr><td colspan="3">no duplicate groups</td></tr>';
const M = D.manifest;
$('manifest').innerHTML = `<tr><td>dataset</td><td>${esc(M.dataset ?? 'unsigned scan')} ${M.version ? 'version ' + esc(M.version) + ' (sequence ' + esc(M.sequence) + ')' : ''}</td></tr><tr><td>signer key id</td><td><code>${esc(M.keyid ?? '-')}</code></td></tr><tr><td>policy</td><td><code>${esc(M.policy)}</code></td></tr>` +
  M.files.map(f => `<tr><td>${esc(f.name)}</td><td><code>sha256:${esc(f.sha256)}</code> ${f.rows ?? ''} rows</td></tr>`).join('');
if (D.drift) {
  $('drift').innerHTML = Object.entries(D.drift.summary).map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(typeof v === 'number' ? v.toFixed(4) : JSON.stringify(v))}</td></tr>`).join('');
} else { $('drift-section').hidden = true; }
document.body.dataset.rendered = 'yes';
})();
"""


def render(out: Path) -> str:
    report = json.loads((out / "report.json").read_text())
    data = json.dumps(sections(out, report), sort_keys=True, ensure_ascii=True).replace(
        "</", "<\\/"
    )
    title = html.escape(f"tunegate report: job {report.get('job_id', '')}")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>{title}</title><style>{CSS}</style></head>
<body>
<h1>{title}</h1>
<p>Status: <span id="status"></span></p>
<h2>Counts</h2><table id="counts"></table>
<h2>Rows kept and removed, by reason</h2><div id="chart"></div>
<h2>Findings by detector and rule</h2><table><thead><tr><th>reason</th><th class="num">rows</th></tr></thead><tbody id="reasons"></tbody></table>
<h2>Gates</h2><table><thead><tr><th>gate</th><th class="num">rows</th><th class="num">share</th><th class="num">budget</th><th>result</th></tr></thead><tbody id="gates"></tbody></table>
<h2>Embedding space</h2><div id="projection"></div>
<h2>Poisoning clusters</h2><table><thead><tr><th>#</th><th>signal</th><th class="num">rows</th><th>trigger / payload</th><th>signals</th><th>example rows (redacted)</th></tr></thead><tbody id="clusters"></tbody></table>
<h2>Flagged and quarantined rows, by rule</h2>
<p><select id="rule" aria-label="rule"></select> <button id="prev" type="button">previous</button> <button id="next" type="button">next</button> <span id="pager"></span></p>
<table><thead><tr><th>row</th><th>status</th><th>action</th><th>field</th><th>evidence</th><th>text (redacted, truncated)</th></tr></thead><tbody id="rows"></tbody></table>
<h2>Top duplicate groups</h2><table><thead><tr><th>detector</th><th>kept representative</th><th class="num">removed</th></tr></thead><tbody id="dups"></tbody></table>
<section id="drift-section"><h2>Drift against the reference</h2><table id="drift"></table></section>
<h2>Manifest summary</h2><table id="manifest"></table>
<script type="application/json" id="data">{data}</script>
<script>{SCRIPT}</script>
</body></html>
"""


def write(out: Path) -> Path:
    path = out / "report.html"
    path.write_text(render(out), encoding="utf-8")
    return path
