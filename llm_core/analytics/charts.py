"""Altair charts for the Analytics page, drawn from the small frames that `distributions`, `ratings` and
`leaderboard` compute.

Charts never receive raw log rows. Channels are built as objects, not "field:type" shorthands, because
Altair parses shorthands against its whole schema, which costs milliseconds per channel on every rerun.
This module is imported only by the page, so `import llm_core` does not load Altair.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

STATUS_COLORS = {"ok": "#2e9e5b", "incomplete": "#e0a526", "cancelled": "#9aa0a6", "error": "#d64545"}  # in bar order
STAR_COLORS = ["#d64545", "#ef8a47", "#e0c341", "#9ccc65", "#2e9e5b"]
ROW_HEIGHT = 28
CAPTIONS = {
    "latency": "Total time of each successful request: box from the 25th to the 75th percentile, white tick at "
    "the median, whiskers to the 5th and 95th.",
    "ttft": "How long each model took to send its first token, same percentiles.",
    "tokens-per-second": "Completion tokens per second of each successful request, same percentiles.",
    "latency-vs-tokens": "One point per successful request: at most about 2,000 are drawn, sampled per model.",
    "prompt-tokens": "Share of each model's successful requests by prompt size; the last bin also holds the "
    "largest 1%.",
    "completion-tokens": "Share of each model's successful requests by answer length; the last bin also holds "
    "the longest 1%.",
    "reasoning-tokens": "Reasoning tokens per successful request, where the provider reports them (they are part "
    "of the completion tokens and billed as output).",
    "cached-prompt-tokens": "Prompt tokens read from the provider's prompt cache per successful request, where "
    "the provider reports them (priced at the catalog's cached-input price).",
    "requests-over-time": "Requests per period (UTC), stacked by model.",
    "latency-over-time": "Median latency of the successful requests in each period.",
    "cost-over-time": "Money spent per period, stacked by model; requests of unknown cost count as zero.",
    "stars": "How each model's rated answers split by stars (the latest rating of each answer).",
    "outcomes": "Share of each model's requests by outcome; the red part is the error rate.",
    "ratings": "Rating fitted to the votes (Bradley–Terry for two panes); the grey bar is the 95% sandwich interval.",
    "mean-stars": "Mean of each answer's latest rating; the bar is a 95% t interval (none from one rating).",
    "win-rates": "Share of battles the row model won against the column model; a tie counts half.",
    "battle-counts": "Battles each pair has fought; few battles mean wide intervals.",
    "quality-vs-cost": "Outlined points joined by the dashed line are the Pareto front: no other model is both "
    "cheaper and better rated.",
    "quality-vs-latency": "Outlined points joined by the dashed line are the Pareto front: no other model is "
    "both faster and better rated.",
}  # what each chart shows, as the page captions it


def _q(field: str, title: str | None = None, fmt: str | None = None) -> dict:
    """A quantitative channel's arguments: field, axis title and number format."""
    return {
        "shorthand": field,
        "type": "quantitative",
        "title": title,
        **({"axis": alt.Axis(format=fmt)} if fmt else {}),
    }


def _model_y(order: list[str]) -> alt.Y:
    return alt.Y("model", type="nominal", sort=order, title=None, axis=alt.Axis(labelLimit=220))


def model_color(models: list[str], legend_columns: int | None = 2) -> alt.Color:
    """The same colour for the same model on every chart, with a legend below in `legend_columns` (None: none)."""
    legend = None
    if legend_columns:
        legend = alt.Legend(title=None, orient="bottom", columns=legend_columns, labelLimit=200, symbolLimit=0)
    return alt.Color("model", type="nominal", scale=alt.Scale(domain=models), legend=legend)


def _fit(chart: alt.TopLevelMixin, height: int | alt.Step) -> alt.TopLevelMixin:
    """Stretch to the container's width and keep `height` for the plot itself, with axes and legend around it
    (Streamlit's default counts the legend inside the height, which squashes a plot with a long legend)."""
    return chart.properties(height=height, autosize=alt.AutoSizeParams(type="fit-x", contains="content"))


def _rows_height() -> alt.Step:
    """One fixed-height band per model, so a chart grows with the number of models instead of squashing them."""
    return alt.Step(ROW_HEIGHT)


def box_plot(boxes: pd.DataFrame, models: list[str], title: str, unit: str) -> alt.Chart:
    """Horizontal box per model: whiskers at the 5th and 95th percentiles, box between quartiles, median tick."""
    order = boxes.sort_values("median")["model"].tolist()
    base = alt.Chart(boxes, title=title).encode(y=_model_y(order))
    tooltip = [alt.Tooltip("model", type="nominal"), alt.Tooltip("count", type="quantitative", format=",")] + [
        alt.Tooltip(name, type="quantitative", format=",.0f", title=f"{name} ({unit})")
        for name in ("p05", "q1", "median", "q3", "p95")
    ]
    whisker = base.mark_rule(color="#888").encode(x=alt.X(**_q("p05", unit)), x2=alt.X2("p95"))
    box = base.mark_bar(size=16, cornerRadius=2).encode(
        x=alt.X("q1", type="quantitative"), x2=alt.X2("q3"), color=model_color(models, None), tooltip=tooltip
    )
    median = base.mark_tick(color="white", size=16, thickness=2).encode(x=alt.X("median", type="quantitative"))
    return _fit(alt.layer(whisker, box, median), _rows_height())


def distribution_lines(bins: pd.DataFrame, models: list[str], title: str, unit: str) -> alt.Chart:
    """Share of each model's requests per bin, one line per model, so models with few requests still compare."""
    chart = (
        alt.Chart(bins, title=title)
        .transform_calculate(middle="(datum.start + datum.end) / 2")
        .mark_line(point=alt.OverlayMarkDef(size=18), interpolate="monotone")
        .encode(
            x=alt.X(**_q("middle", unit)),
            y=alt.Y(**_q("share", "share of requests", ".0%")),
            color=model_color(models),
            tooltip=[
                alt.Tooltip("model", type="nominal"),
                alt.Tooltip("start", type="quantitative", format=",", title="from"),
                alt.Tooltip("end", type="quantitative", format=",", title="to"),
                alt.Tooltip("count", type="quantitative", format=","),
                alt.Tooltip("share", type="quantitative", format=".1%"),
            ],
        )
    )
    return _fit(chart, 240)


def latency_scatter(sample: pd.DataFrame, models: list[str]) -> alt.Chart:
    """Latency against completion tokens, one point per sampled request."""
    chart = (
        alt.Chart(sample, title="Latency against completion tokens")
        .mark_circle(size=22, opacity=0.55)
        .encode(
            x=alt.X(**_q("completion_tokens", "completion tokens")),
            y=alt.Y(**_q("latency_ms", "latency (ms)")),
            color=model_color(models),
            tooltip=[
                alt.Tooltip("model", type="nominal"),
                alt.Tooltip("completion_tokens", type="quantitative", format=","),
                alt.Tooltip("latency_ms", type="quantitative", format=",.0f"),
            ],
        )
    )
    return _fit(chart, 280)


TIME_UNITS = {
    "hour": "utcyearmonthdatehours",
    "day": "utcyearmonthdate",
    "week": "utcyearweek",
    "month": "utcyearmonth",
}


def over_time(
    buckets: pd.DataFrame, models: list[str], measure: str, unit: str, title: str, fmt: str, legend_columns: int = 2
) -> alt.Chart:
    """One measure per time bucket (`unit`: hour, day, week or month): stacked bars for counts and costs, a line
    per model for a median."""
    x = alt.X("bucket", type="temporal", timeUnit=TIME_UNITS[unit], title=None, axis=alt.Axis(labelOverlap=True))
    tooltip = [
        alt.Tooltip("bucket", type="temporal", title="from", format="%Y-%m-%d %H:%M"),
        alt.Tooltip("model", type="nominal"),
        alt.Tooltip(measure, type="quantitative", format=fmt.replace("~", "")),
    ]
    chart = alt.Chart(buckets, title=title)
    y = alt.Y(measure, type="quantitative", title=None, axis=alt.Axis(format=fmt))
    if measure == "latency_p50":
        mark = chart.mark_line(point=alt.OverlayMarkDef(size=20)).encode(x=x, y=y)
    else:
        mark = chart.mark_bar().encode(x=x, y=y)  # the bars of the models stack
    return _fit(mark.encode(color=model_color(models, legend_columns), tooltip=tooltip), 200)


def share_bars(shares: pd.DataFrame, field: str, colors: dict, title: str) -> alt.Chart:
    """A 100% bar per model split by `field` (status or stars)."""
    domain = [key for key in colors if key in set(shares[field])]
    order = sorted(shares["model"].unique())
    shares = shares.assign(position=shares[field].map({key: i for i, key in enumerate(colors)}))
    chart = (
        alt.Chart(shares, title=title)
        .mark_bar(size=18)
        .encode(
            y=_model_y(order),
            x=alt.X("share", type="quantitative", stack="normalize", title=None, axis=alt.Axis(format="%")),
            color=alt.Color(
                field,
                type="ordinal",
                scale=alt.Scale(domain=domain, range=[colors[key] for key in domain]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
            order=alt.Order("position", type="quantitative"),  # segments in legend order: errors at the end
            tooltip=[
                alt.Tooltip("model", type="nominal"),
                alt.Tooltip(field, type="nominal"),
                alt.Tooltip("count", type="quantitative", format=","),
                alt.Tooltip("share", type="quantitative", format=".1%"),
            ],
        )
    )
    return _fit(chart, _rows_height())


def status_bars(shares: pd.DataFrame) -> alt.Chart:
    """Each model's requests split by outcome; the red part is the error rate."""
    return share_bars(shares, "status", STATUS_COLORS, "Outcome per model")


def star_bars(shares: pd.DataFrame) -> alt.Chart:
    """Each model's ratings split by number of stars."""
    shares = shares.assign(stars=shares["stars"].astype(int).astype(str) + "★")
    colors = {f"{n}★": color for n, color in zip(range(1, 6), STAR_COLORS, strict=True)}
    return share_bars(shares, "stars", colors, "Star ratings per model")


def interval_plot(
    table: pd.DataFrame, value: str, title: str, fmt: str, models: list[str], order: list[str] | None = None
) -> alt.Chart:
    """A point per model with its 95% interval as a bar, best at the top (or in `order`)."""
    order = order or table.sort_values(value, ascending=False)["model"].tolist()
    base = alt.Chart(table, title=title).encode(y=_model_y(order))
    tooltip = [
        alt.Tooltip("model", type="nominal"),
        alt.Tooltip(value, type="quantitative", format=fmt),
        alt.Tooltip("lower", type="quantitative", format=fmt, title="95% low"),
        alt.Tooltip("upper", type="quantitative", format=fmt, title="95% high"),
    ]
    rule = base.mark_rule(strokeWidth=2, color="#9aa0a6").encode(
        x=alt.X("lower", type="quantitative", title=None, scale=alt.Scale(zero=False)), x2=alt.X2("upper")
    )
    point = base.mark_point(filled=True, size=70).encode(
        x=alt.X(value, type="quantitative"), color=model_color(models, None), tooltip=tooltip
    )
    return _fit(alt.layer(rule, point), _rows_height())


def finite_intervals(board: pd.DataFrame) -> pd.DataFrame:
    """A leaderboard with open bounds drawn to the plot's edge (a chart cannot draw infinity); a model with no
    finite rating keeps no point, only its bar."""
    finite = pd.concat([board["lower"], board["upper"], board["rating"]]).replace([np.inf, -np.inf], np.nan)
    low, high = finite.min(), finite.max()
    margin = max((high - low) * 0.15, 50.0) if pd.notna(low) else 50.0
    return board.assign(lower=board["lower"].replace(-np.inf, low - margin),
                        upper=board["upper"].replace(np.inf, high + margin))  # fmt: skip


def heatmap(pairs: pd.DataFrame, order: list[str], value: str, title: str, fmt: str) -> alt.Chart:
    """Row model against column model, coloured and labelled by `value` (white labels on the darkest cells)."""
    if value == "win_rate":
        scale = alt.Scale(scheme="redblue", domain=[0, 1])
        dark = (alt.datum.win_rate < 0.2) | (alt.datum.win_rate > 0.8)
    else:
        scale = alt.Scale(scheme="blues", domainMin=0)
        dark = alt.datum[value] > 0.6 * float(pairs[value].max())
    base = alt.Chart(pairs, title=title).encode(
        y=alt.Y("model_a", type="nominal", sort=order, title=None, axis=alt.Axis(labelLimit=200)),
        x=alt.X("model_b", type="nominal", sort=order, title=None,
                axis=alt.Axis(labelAngle=-40, labelLimit=160, labelOverlap=False, orient="top")),
    )  # fmt: skip
    cells = base.mark_rect().encode(
        color=alt.Color(value, type="quantitative", scale=scale, legend=None),
        tooltip=[
            alt.Tooltip("model_a", type="nominal", title="model"),
            alt.Tooltip("model_b", type="nominal", title="against"),
            alt.Tooltip("battles", type="quantitative", format=","),
            alt.Tooltip("win_rate", type="quantitative", format=".0%", title="win rate"),
        ],
    )
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text(value, type="quantitative", format=fmt),
        color=alt.condition(dark, alt.value("white"), alt.value("#1f2937")),
    )
    size = max(200, 46 * len(order))
    return alt.layer(cells, text).properties(height=size, width=size)


def frontier_scatter(table: pd.DataFrame, x: str, front: str, x_title: str, models: list[str]) -> alt.Chart:
    """Quality against cost or speed, with the Pareto front (no model is both cheaper/faster and better) drawn."""
    base = alt.Chart(table).encode(
        x=alt.X(x, type="quantitative", title=x_title, scale=alt.Scale(zero=False)),
        y=alt.Y("quality", type="quantitative", title="rating", scale=alt.Scale(zero=False)),
    )
    line = (
        base.transform_filter(alt.datum[front])
        .mark_line(strokeDash=[5, 4], color="#6b7280")
        .encode(order=alt.Order(x, type="quantitative"))
    )
    points = base.mark_circle(size=110, opacity=0.9).encode(
        color=model_color(models, None),
        stroke=alt.condition(alt.datum[front], alt.value("#111827"), alt.value(None)),
        strokeWidth=alt.value(2),
        tooltip=[
            alt.Tooltip("model", type="nominal"),
            alt.Tooltip("quality", type="quantitative", format=",.2f", title="rating"),
            alt.Tooltip(x, type="quantitative", format=",.4g", title=x_title),
            alt.Tooltip(front, type="nominal", title="on the front"),
        ],
    )
    labels = base.mark_text(align="left", dx=8, dy=-6, fontSize=11).encode(text=alt.Text("model", type="nominal"))
    return _fit(alt.layer(line, points, labels, title=f"Rating against {x_title}"), 300)


EXPORT_WIDTH = 720


def to_image(spec: dict, fmt: str) -> bytes:
    """A chart's Vega-Lite spec as PNG or SVG bytes (rendered by vl-convert), `EXPORT_WIDTH` pixels wide when
    the chart itself stretches to its container."""
    import vl_convert

    sized = spec if "width" in spec else {**spec, "width": EXPORT_WIDTH}
    if fmt == "svg":
        return vl_convert.vegalite_to_svg(sized).encode()
    return vl_convert.vegalite_to_png(sized, scale=2)
