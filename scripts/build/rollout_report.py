"""Draw a rollout report (scripts/actions/report.py's JSON) as one self-contained HTML page.

Accounts × time: one bar per account per operation, grouped by environment (the waves) and
StackSet, failures in red with CloudFormation's reason, the floor of the schedule drawn beside
each operation and as a line across the chart, and the plan that preceded the rollout. No
script, font or image is fetched: the page reads the same offline, attached to a CI run.

At fleet scale the accounts of an operation that the waiter saw start and finish at the same
polls with the same outcome are one bar (their ids listed under it); a failed account always has
its own row, first.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

PLAN_OPEN_LINES = 40
COLOURS = {"SUCCEEDED": "ok", "FAILED": "failed", "CANCELLED": "cancelled",
           "STOPPED": "cancelled", "RUNNING": "running", "PENDING": "running", "QUEUED": "running"}
STYLE = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1b1f24}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:24px 0 6px}
.summary{color:#444;margin:2px 0} .badge{padding:1px 8px;border-radius:9px;color:#fff}
.badge.succeeded{background:#2e7d32} .badge.failed{background:#c62828}
.badge.stopped{background:#757575}
.legend span{display:inline-block;margin-right:14px}
.legend i{display:inline-block;width:18px;height:10px;margin-right:4px;vertical-align:middle}
.row{display:grid;grid-template-columns:380px 1fr;align-items:center;min-height:20px}
.row:hover{background:#f4f6f8}
.label{font-size:12px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;padding-right:8px}
.operation .label{font-weight:600} .track{position:relative;height:16px}
.axis .track{height:18px;border-bottom:1px solid #999}
.tick{position:absolute;top:0;font-size:11px;color:#555;transform:translateX(-50%)}
.tick:first-child{transform:none} .tick:last-child{transform:translateX(-100%)}
.bar{position:absolute;top:3px;height:10px;min-width:3px;border-radius:2px}
.operation .bar{top:1px;height:14px;background:#dfe6ee;border:1px solid #8a99a8}
.ok{background:#2e7d32} .failed{background:#c62828} .cancelled{background:#9e9e9e}
.running{background:repeating-linear-gradient(45deg,#f9a825 0 4px,#ffd54f 4px 8px)}
.ideal,.floor .bar{background:repeating-linear-gradient(45deg,#90a4ae 0 3px,#eceff1 3px 6px)}
.operation .ideal{top:12px;height:4px;border:0;background:#607d8b}
.floor-end{position:absolute;top:-2px;bottom:-2px;border-left:2px dashed #37474f}
.row.failed-row .label,.failed-text{color:#c62828;font-weight:600}
.reason{grid-column:2;font-size:12px;color:#c62828;margin:0 0 4px}
.members{grid-column:1/3;font:11px/1.3 ui-monospace,monospace;color:#555;margin:0 0 6px 16px}
summary h2{display:inline} pre{background:#f6f8fa;padding:12px;overflow:auto;font-size:12px;white-space:pre-wrap}
"""


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def _accounts(n: int) -> str:
    return f"{n} account" + ("" if n == 1 else "s")


class Chart:
    """Positions on a shared time axis of `total` seconds, as percentages of the track."""

    def __init__(self, total: float, floor: float) -> None:
        self.total = max(total, floor, 1.0)
        self.floor = floor

    def bar(self, started: float, finished: float, css: str, title: str) -> str:
        left = 100 * started / self.total
        width = max(0.0, 100 * (finished - started) / self.total)
        return (f'<span class="bar {css}" style="left:{left:.3f}%;width:{width:.3f}%" '
                f'title="{escape(title)}"></span>')

    def track(self, bars: Iterable[str]) -> str:
        end = f'<i class="floor-end" style="left:{100 * self.floor / self.total:.3f}%"></i>'
        return f'<div class="track">{"".join(bars)}{end}</div>'

    def axis(self) -> str:
        ticks = "".join(f'<span class="tick" style="left:{100 * k / 5:.0f}%">'
                        f'{_duration(self.total * k / 5)}</span>' for k in range(6))
        return f'<div class="row axis"><div class="label">time since the first poll</div>' \
               f'<div class="track">{ticks}</div></div>'


def _row(label: str, track: str, css: str = "", title: str = "") -> str:
    return (f'<div class="row {css}"><div class="label" title="{escape(title or label)}">'
            f'{escape(label)}</div>{track}</div>')


def _groups(op: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Accounts with the same region, status, times and reason share a bar; failed first."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for a in op["accounts"]:
        key = (a["region"], a["status"], a["started"], a["finished"], a["reason"])
        if a["status"] == "FAILED":
            key = (*key, a["account"])  # every failed account on its own row
        groups.setdefault(key, []).append(a)
    return sorted(groups.values(), key=lambda g: (g[0]["status"] != "FAILED", g[0]["region"],
                                                  g[0]["started"] or 0))


def _account_rows(chart: Chart, op: dict[str, Any], names: dict[str, str]) -> list[str]:
    rows = []
    for group in _groups(op):
        first = group[0]
        started = first["started"] if first["started"] is not None else op["finished"]
        finished = first["finished"] if first["finished"] is not None else op["finished"]
        times = f"{_duration(started)} → {_duration(finished)} ({_duration(finished - started)})"
        reason = f": {first['reason']}" if first["reason"] else ""
        who = (f"{first['account']} ({names.get(first['account'], '?')}) {first['region']}"
               if len(group) == 1 else f"{_accounts(len(group))} · {first['region']}")
        status = first["status"]
        css = "failed-row" if status == "FAILED" else ""
        mark = "✗ " if status == "FAILED" else ""
        title = f"{who}: {status}, {times}{reason}"
        rows.append(_row(f"{mark}{who} · {status}",
                         chart.track([chart.bar(started, finished, COLOURS.get(status, "running"),
                                                title)]), css, title))
        if status == "FAILED" and first["reason"]:
            rows.append(f'<div class="row"><div class="reason">{escape(first["reason"])}</div></div>')
        if len(group) > 1:
            ids = " ".join(a["account"] for a in group)
            rows.append(f'<div class="row"><div class="members">{escape(ids)}</div></div>')
    return rows


def _operation_rows(chart: Chart, op: dict[str, Any], names: dict[str, str]) -> list[str]:
    floor = op.get("floor", {"started": 0.0, "finished": 0.0})
    took = f"{op['status']}, {_duration(op['started'])} → {_duration(op['finished'])}"
    ideal = f"floor: {_duration(floor['started'])} → {_duration(floor['finished'])}"
    bars = [chart.bar(op["started"], op["finished"], "", f"{op['operation_id']}: {took}"),
            chart.bar(floor["started"], floor["finished"], "ideal", ideal)]
    failed = sum(a["status"] == "FAILED" for a in op["accounts"])
    label = (f"{op['stack_set']} · {_accounts(len(op['accounts']))} · {op['status']}"
             + (f" · {failed} failed" if failed else ""))
    header = _row(label, chart.track(bars), "operation", f"{op['operation_id']}\n{took}\n{ideal}")
    return [header, *_account_rows(chart, op, names)]


def _waves(data: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Operations by the environment they roll out (the waves), in the config's order."""
    order = [e["name"] for e in data["environments"]]
    waves: dict[str, list[dict[str, Any]]] = {name: [] for name in order}
    for op in sorted(data["operations"], key=lambda o: o["started"]):
        envs = op.get("environments") or ["other accounts"]
        waves.setdefault(envs[0] if len(envs) == 1 else " + ".join(envs), []).append(op)
    return [(name, ops) for name, ops in waves.items() if ops]


def _summary(data: dict[str, Any], took: float) -> str:
    accounts = {(a["account"], a["region"]) for op in data["operations"] for a in op["accounts"]}
    failed = {(a["account"], a["region"]) for op in data["operations"] for a in op["accounts"]
              if a["status"] == "FAILED"}
    floor = data["floor"]["seconds"]
    ratio = f" ({took / floor:.2f}× the floor)" if floor else ""
    outcome = escape(data["outcome"])
    lines = [
        f'<p class="summary">{escape(data["command"])} · began {escape(data["began_at"])} · '
        f'strategy {escape(data["strategy"])} · <span class="badge {outcome}">{outcome}</span></p>',
        f'<p class="summary">{len(data["operations"])} operations · {_accounts(len(accounts))} · '
        f'{len(failed)} failed · took {_duration(took)}; floor {_duration(floor)}{ratio}</p>']
    if data.get("error"):
        lines.append(f'<p class="summary failed-text">{escape(data["error"])}</p>')
    if data.get("note"):
        lines.append(f'<p class="summary">{escape(data["note"])}</p>')
    lines.append('<p class="legend"><span><i class="ok"></i>succeeded</span>'
                 '<span><i class="failed"></i>failed</span>'
                 '<span><i class="cancelled"></i>cancelled</span>'
                 '<span><i class="running"></i>unfinished</span>'
                 '<span><i class="ideal"></i>floor: the ideal schedule</span></p>')
    return "\n".join(lines)


def render(data: dict[str, Any]) -> str:
    """The page for one rollout."""
    names = {a: e["name"] for e in data["environments"] for a in e["accounts"]}
    took = max([0.0, *(op["finished"] for op in data["operations"])])
    chart = Chart(took, data["floor"]["seconds"])
    body = [f"<h1>Rollout {escape(data['id'])}</h1>", _summary(data, took), chart.axis()]
    body.append(_row("floor (the ideal schedule)", chart.track(
        chart.bar(op["floor"]["started"], op["floor"]["finished"], "ideal",
                  f"{op['stack_set']} {', '.join(op.get('environments', []))}: floor")
        for op in data["operations"] if "floor" in op), "floor"))
    for wave, ops in _waves(data):
        count = len({a["account"] for op in ops for a in op["accounts"]})
        body.append(f'<h2 class="wave">{escape(wave)} · {_accounts(count)}</h2>')
        for op in ops:
            body += _operation_rows(chart, op, names)
    if data.get("plan"):  # a fleet's plan is a line per account: open only when short
        lines = data["plan"].count("\n") + 1
        shown = " open" if lines <= PLAN_OPEN_LINES and len(data["plan"]) <= 40 * 160 else ""
        body.append(f"<details{shown}><summary><h2>The plan that preceded it ({lines} lines)"
                    f"</h2></summary><pre>{escape(data['plan'])}</pre></details>")
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            "<link rel=\"icon\" href=\"data:,\">"
            f"<title>Rollout {escape(data['id'])}</title><style>{STYLE}</style></head>\n"
            "<body>\n" + "\n".join(body) + "\n</body></html>\n")
