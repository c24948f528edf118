"""Ticket evaluation against the minute-stepping reference, on random full histories.

Three answers for the same tickets: the reference (``reference.evaluate_metric``, which shares
no code with slacalc), ``policy.evaluate`` (one ticket at a time) and
``policy.evaluate_frame(tickets, events=...)`` (a tickets table plus a long events table).
Each leg is its own test, so a failure says which path disagrees with the reference.

The policies are synthetic, one per zone with daylight saving time (Chicago, London, Sydney),
written as YAML from the same plain data the reference reads. Tickets open in the days around
a clock change, their calendars have Sunday 01:00-04:00 hours and an overnight 22:00-06:00
clock (both crossed by the change), and the Monday after each change is a holiday.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import Cell, MetricRules, ReferenceCalendar, evaluate_metric, plain_calendar

from slacalc import Event, Ticket, bundled_policies, load_policy

MIN = timedelta(minutes=1)
PLANS = ("basic", "pro")
SEVERITIES = ("high", "med", "low")
HOURS = {
    "office": {"mon-fri": ["08:00-17:00"], "sun": ["01:00-04:00"]},
    "night": {"daily": ["22:00-06:00"]},
}
# zone -> the two local dates its clocks change in 2026, and which metrics pause
ZONES = {
    "America/Chicago": (("2026-03-08", "2026-11-01"), ("resolution",)),
    "Europe/London": (("2026-03-29", "2026-10-25"), ("resolution", "update")),
    "Australia/Sydney": (("2026-04-05", "2026-10-04"), ("resolution", "response")),
}
# (severity, plan) -> the target; None is "n/a"
TARGETS: dict[str, dict[tuple[str, str], Cell | None]] = {
    "response": {
        ("high", "basic"): Cell(30, "always", start="office"),
        ("high", "pro"): Cell(20, "always"),
        ("med", "basic"): Cell(120, "office"),
        ("med", "pro"): Cell(90, "night"),
        ("low", "basic"): Cell(240, "office"),
        ("low", "pro"): None,
    },
    "resolution": {
        ("high", "basic"): Cell(360, "office"),
        ("high", "pro"): Cell(180, "always"),
        ("med", "basic"): Cell(600, "office"),
        ("med", "pro"): Cell(commitment="work until fixed"),
        ("low", "basic"): Cell(480, "night"),
        ("low", "pro"): Cell(720, "office", start="night"),
    },
    "update": {
        ("high", "basic"): Cell(120, "always"),
        ("high", "pro"): Cell(60, "office"),
        ("med", "basic"): Cell(240, "office"),
        ("med", "pro"): Cell(180, "night"),
        ("low", "basic"): Cell(commitment="when there is news"),
        ("low", "pro"): None,
    },
}
# The stop events each metric answers to (docs/evaluation.md and semantics.md): a resolution
# also answers the response when no response came before it.
STOPS = {"response": ("responded", "resolved"), "resolution": ("resolved",), "update": ("updated",)}
WARNING = {"response": 0.75, "resolution": 0.75, "update": 0.5}


def closed_dates(zone: str) -> tuple[str, ...]:
    """The Monday after each clock change."""
    return tuple((date.fromisoformat(d) + timedelta(days=1)).isoformat() for d in ZONES[zone][0])


def cell_yaml(cell: Cell | None) -> object:
    if cell is None:
        return "n/a"
    if cell.commitment is not None:
        return {"commitment": cell.commitment}
    out: dict[str, object] = {"within": f"{cell.minutes}m", "clock": cell.clock}
    if cell.start is not None:
        out["start"] = {"next_open": cell.start}
    return out


def policy_yaml(zone: str) -> str:
    pausable = ZONES[zone][1]
    calendars = {
        name: {
            "timezone": zone,
            "hours": hours,
            "holidays": {"dates": list(closed_dates(zone))},
            "business_day": "9h",
        }
        for name, hours in HOURS.items()
    }
    metrics: dict[str, dict[str, object]] = {}
    for metric, table in TARGETS.items():
        spec: dict[str, object] = {
            "clock": "office",
            "pausable": metric in pausable,
            "targets": {
                sev: {plan: cell_yaml(table[sev, plan]) for plan in PLANS} for sev in SEVERITIES
            },
        }
        if metric == "update":
            spec["cadence"] = True
            spec["warning_fraction"] = WARNING[metric]
        metrics[metric] = spec
    data = {
        "id": "reference_" + zone.split("/")[1].lower(),
        "name": f"Reference policy in {zone}",
        "source": {"document": "tests/test_evaluation_reference.py"},
        "warning_fraction": 0.75,
        "calendars": calendars,
        "plans": {p: {"name": p.title()} for p in PLANS},
        "severities": {s: {"name": s.title()} for s in SEVERITIES},
        "metrics": metrics,
    }
    return yaml.safe_dump(data, sort_keys=False)


def reference_rules(zone: str) -> dict[tuple[str, str], MetricRules]:
    """(metric, plan) -> the reference's description of that metric for that plan."""
    clocks = {
        name: plain_calendar(zone, hours, closed_dates(zone)) for name, hours in HOURS.items()
    }
    pausable = ZONES[zone][1]
    return {
        (metric, plan): MetricRules(
            {sev: table[sev, plan] for sev in SEVERITIES},
            clocks,
            stops=STOPS[metric],
            pausable=metric in pausable,
            cadence=metric == "update",
            warning=WARNING[metric],
        )
        for metric, table in TARGETS.items()
        for plan in PLANS
    }


RULES = {zone: reference_rules(zone) for zone in ZONES}


@pytest.fixture(scope="module")
def policies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder: Path = tmp_path_factory.mktemp("reference-policies")
    out = {}
    for zone in ZONES:
        path = folder / f"{zone.split('/')[1].lower()}.yaml"
        path.write_text(policy_yaml(zone))
        out[zone] = load_policy(path)
    return out


# ---- random histories ------------------------------------------------------------------------
class History:
    """A ticket as plain data: what both the reference and slacalc are given."""

    def __init__(
        self,
        plan: str,
        severity: str,
        opened: datetime,
        events: list[tuple[str, datetime, str | None]],
    ) -> None:
        self.plan, self.severity, self.opened, self.events = plan, severity, opened, events

    def ticket(self, tid: int = 0) -> Ticket:
        return Ticket(
            id=tid,
            plan=self.plan,
            severity=self.severity,
            opened_at=self.opened,
            events=[Event(type=k, at=t, severity=s) for k, t, s in self.events],
        )

    def __repr__(self) -> str:
        evs = ", ".join(f"({k}, {t.isoformat()}{', ' + s if s else ''})" for k, t, s in self.events)
        return f"History({self.plan}, {self.severity}, {self.opened.isoformat()}, [{evs}])"


@st.composite
def history_from(
    draw: st.DrawFn, opened: datetime, plans: list[str], severities: list[str], zone: str
) -> History:
    """A valid full history of a ticket opened at ``opened`` (UTC)."""
    events: list[tuple[str, datetime, str | None]] = []
    t = opened  # UTC, so adding minutes adds real time
    paused = resolved = False
    for _ in range(draw(st.integers(0, 9))):
        step = draw(st.sampled_from([0, 1, 15, 30, 60, 90, 120, 200, 300, 600, 1000, 2000]))
        t += (step + draw(st.integers(0, 3) if step else st.just(0))) * MIN
        kinds = [
            "responded",
            "updated",
            "severity_changed",
            "resumed" if paused else "paused",
            "reopened" if resolved else "resolved",
        ]
        kind = draw(st.sampled_from(kinds))
        if kind == "severity_changed":
            events.append((kind, t, draw(st.sampled_from(severities))))
            continue
        paused = {"paused": True, "resumed": False}.get(kind, paused)
        resolved = {"resolved": True, "reopened": False}.get(kind, resolved)
        events.append((kind, t, None))
    if draw(st.booleans()):  # the same instants written in the zone (a repeated hour included)
        local = ZoneInfo(zone)
        opened = opened.astimezone(local)
        events = [(k, t.astimezone(local), s) for k, t, s in events]
    return History(draw(st.sampled_from(plans)), draw(st.sampled_from(severities)), opened, events)


@st.composite
def histories(draw: st.DrawFn, zone: str, change: str | None = None) -> History:
    """A valid full history opened within days of one of the zone's clock changes."""
    change = date.fromisoformat(change or draw(st.sampled_from(ZONES[zone][0])))
    start = datetime(change.year, change.month, change.day, tzinfo=ZoneInfo(zone))
    start -= timedelta(days=3)
    opened = start.astimezone(UTC) + draw(st.integers(0, 5 * 24 * 60)) * MIN
    return draw(history_from(opened, list(PLANS), list(SEVERITIES), zone))


@st.composite
def at_for(draw: st.DrawFn, h: History) -> datetime:
    """An instant to evaluate a history at: anywhere, or next to one of its events."""
    if h.events and draw(st.booleans()):
        at = draw(st.sampled_from([t for _, t, _ in h.events])).astimezone(UTC)
        return max(at + draw(st.integers(-1, 1)) * MIN, h.opened.astimezone(UTC))
    span = draw(st.sampled_from([300, 6 * 24 * 60]))
    return h.opened.astimezone(UTC) + draw(st.integers(0, span)) * MIN


@st.composite
def on_the_edge(
    draw: st.DrawFn, h: History, rules: dict[tuple[str, str], MetricRules], severities: list[str]
) -> tuple[History, datetime]:
    """``h`` with one more event, and ``at``, placed on (or a minute either side of) a due time.

    Random minutes seldom land exactly on a due time, where ``<`` and ``<=`` part ways: the
    reference finds one (of a random metric, four days on) and the case is built around it.
    """
    metrics = sorted({m for m, _ in rules})
    metric = draw(st.sampled_from(metrics))
    opened = h.opened.astimezone(UTC)
    due = evaluate_metric(
        rules[metric, h.plan], h.severity, h.opened, h.events, opened + timedelta(days=4)
    ).due_at
    if due is None:
        return h, draw(at_for(h))
    near = st.sampled_from([-1, 0, 0, 1]).map(lambda d: max(due + d * MIN, opened))
    kind = draw(st.sampled_from(["severity_changed", "updated", "responded", "none"]))
    events = list(h.events)
    if kind != "none":
        sev = draw(st.sampled_from(severities)) if kind == "severity_changed" else None
        t = draw(near)
        events = sorted([*events, (kind, t, sev)], key=lambda e: e[1])  # stable: last at t
    h = History(h.plan, h.severity, h.opened, events)
    at = draw(st.one_of(near, at_for(h)))
    return h, at


@st.composite
def ticket_at(draw: st.DrawFn, zone: str, change: str | None = None) -> tuple[History, datetime]:
    h = draw(histories(zone, change))
    if draw(st.booleans()):
        return draw(on_the_edge(h, RULES[zone], list(SEVERITIES)))
    return h, draw(at_for(h))


def expected(zone: str, h: History, at: datetime, metric: str):
    return evaluate_metric(RULES[zone][metric, h.plan], h.severity, h.opened, h.events, at)


def instant(value: object) -> object:
    """Datetimes in UTC: an aware datetime in a repeated hour never equals one in another zone."""
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def differences(metric: str, want, got) -> list[str]:
    """What ``policy.evaluate`` says differently from the reference, field by field."""
    return [
        f"{metric}.{f}: slacalc {getattr(got, f)!r}, reference {getattr(want, f)!r}"
        for f in FIELDS
        if instant(getattr(want, f)) != instant(getattr(got, f))
    ]


# ---- the legs -----------------------------------------------------------------------------------
FIELDS = ("state", "due_at", "elapsed", "remaining", "breached", "severity")


@pytest.mark.parametrize("zone", sorted(ZONES))
def test_scalar_equals_reference(policies, zone):
    """policy.evaluate, one ticket at a time, equals the reference on every metric."""
    policy = policies[zone]

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(ticket_at(zone))
    def check(case):
        h, at = case
        ev = policy.evaluate(h.ticket(), at=at)
        bad = []
        for metric in TARGETS:
            bad += differences(metric, expected(zone, h, at, metric), ev[metric])
        assert not bad, f"{h} at {at.isoformat()}:\n" + "\n".join(bad)

    check()


def _same(value, want) -> bool:
    import pandas as pd

    if want is None:
        return bool(pd.isna(value))
    if pd.isna(value):
        return False
    if isinstance(want, datetime):
        return pd.Timestamp(value) == pd.Timestamp(want)
    if isinstance(want, timedelta):
        return pd.Timedelta(value) == pd.Timedelta(want)
    return bool(value == want)


@pytest.mark.parametrize("zone", sorted(ZONES))
def test_table_equals_reference(policies, zone):
    """evaluate_frame(tickets, events=...) equals the reference on every row and metric."""
    pd = pytest.importorskip("pandas")
    policy = policies[zone]

    # the tickets of one table open around the same clock change
    tables = st.sampled_from(ZONES[zone][0]).flatmap(
        lambda change: st.lists(ticket_at(zone, change), min_size=1, max_size=6)
    )

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(tables, st.integers(0, 5 * 24 * 60))
    def check(cases, later):
        # one instant for the table: one of the cases' own, or later than every opening
        hs = [h for h, _ in cases]
        first = max(h.opened for h in hs).astimezone(UTC)
        at = max(first, cases[later % len(cases)][1]) if later % 2 else first + later * MIN
        tickets = pd.DataFrame(
            {
                "ticket_id": [f"T{i}" for i in range(len(hs))],
                "plan": [h.plan for h in hs],
                "severity": [h.severity for h in hs],
                "opened_at": pd.to_datetime([h.opened for h in hs], utc=True),
            }
        )
        rows = [(f"T{i}", k, t, s) for i, h in enumerate(hs) for k, t, s in h.events]
        events = pd.DataFrame(
            {
                "ticket_id": [r[0] for r in rows],
                "type": [r[1] for r in rows],
                "at": pd.to_datetime([r[2] for r in rows], utc=True),
                "severity": [r[3] for r in rows],
            }
        )
        out = policy.evaluate_frame(tickets, events=events, at=at)
        assert len(out) == len(hs)
        bad = []
        for i, h in enumerate(hs):
            row = out.iloc[i]
            if "ticket_id" in out.columns:
                assert row["ticket_id"] == f"T{i}"
            for metric in TARGETS:
                want = expected(zone, h, at, metric)
                for f in FIELDS[:-1]:
                    got = row[f"{metric}_{f}"]
                    if not _same(got, getattr(want, f)):
                        bad.append(
                            f"T{i} {metric}.{f}: table {got!r}, reference "
                            f"{getattr(want, f)!r} ({h})"
                        )
        assert not bad, f"at {at.isoformat()}:\n" + "\n".join(bad)

    check()


# ---- the bundled policies -----------------------------------------------------------------------
DEFAULT_STOP = {"response": "responded", "resolution": "resolved", "update": "updated"}
BUNDLED_FROM = datetime(2026, 10, 20, tzinfo=UTC)  # UK and US clock changes, Thanksgiving


def bundled_rules(policy) -> dict[tuple[str, str], MetricRules]:
    """The reference's description of a loaded policy, read from its data.

    Calendars are re-read by ``ReferenceCalendar``; each cell's target (after the policy's
    defaults are applied) becomes minutes, a business day being its clock's ``business_day``.
    """
    clocks = {name: ReferenceCalendar(cal) for name, cal in policy.calendars.items()}
    assert not policy.pause_windows

    def cell(plan: str, sev: str, metric: str) -> Cell | None:
        t = policy.target(plan, sev, metric)
        if t.kind == "none":
            return None
        if t.kind == "commitment":
            return Cell(commitment=t.commitment)
        length = t.within.fixed
        if t.within.business_days:
            day = policy.calendars[t.clock].business_day_length
            length += day * t.within.business_days.numerator / t.within.business_days.denominator
        start = None if t.start == "opened" else t.start.next_open
        return Cell(length // MIN, t.clock, start=start)

    rules = {}
    for metric, spec in policy.metrics.items():
        stop = spec.stop_event or DEFAULT_STOP[metric]
        # a resolution answers the response, unless the metric lists its stop events itself
        stops = tuple(spec.stop_on or ()) or (
            ("responded", "resolved") if stop == "responded" and not spec.cadence else (stop,)
        )
        for plan in policy.plans:
            rules[metric, plan] = MetricRules(
                {sev: cell(plan, sev, metric) for sev in policy.severities},
                clocks,
                stops=stops,
                pausable=spec.pausable,
                cadence=spec.cadence,
                warning=spec.warning_fraction or policy.warning_fraction,
            )
    return rules


BUNDLED = {name: load_policy(name) for name in bundled_policies()}
BUNDLED["helpdesk"] = load_policy(Path(__file__).parent / "policies" / "helpdesk.yaml")
BUNDLED_RULES = {name: bundled_rules(policy) for name, policy in BUNDLED.items()}


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_policies_equal_reference(name):
    """policy.evaluate on the bundled policies (and tests/policies/helpdesk.yaml)."""
    policy, rules = BUNDLED[name], BUNDLED_RULES[name]
    zones = sorted({cal.timezone for cal in policy.calendars.values()} | {"UTC"})

    @st.composite
    def cases(draw: st.DrawFn) -> tuple[History, datetime]:
        opened = BUNDLED_FROM + draw(st.integers(0, 70 * 24 * 60)) * MIN
        zone = draw(st.sampled_from(zones))
        h = draw(history_from(opened, list(policy.plans), list(policy.severities), zone))
        if draw(st.booleans()):
            return draw(on_the_edge(h, rules, list(policy.severities)))
        return h, draw(at_for(h))

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(cases())
    def check(case):
        h, at = case
        ev = policy.evaluate(h.ticket(), at=at)
        bad = []
        for metric in policy.metrics:
            want = evaluate_metric(rules[metric, h.plan], h.severity, h.opened, h.events, at)
            bad += differences(metric, want, ev[metric])
        assert not bad, f"{h} at {at.isoformat()}:\n" + "\n".join(bad)

    check()


# ---- the reference's own footing ----------------------------------------------------------------
def test_policy_yaml_is_what_the_reference_reads(policies):
    """The synthetic policies resolve each cell to the reference's target (a wiring check)."""
    for zone, policy in policies.items():
        for metric, table in TARGETS.items():
            for (sev, plan), cell in table.items():
                target = policy.target(plan, sev, metric)
                if cell is None:
                    assert target.kind == "none"
                elif cell.commitment is not None:
                    assert target.commitment == cell.commitment
                else:
                    assert target.within == timedelta(minutes=cell.minutes)
                    assert target.clock == cell.clock
        assert policy.metrics["update"].cadence
        assert [m for m, spec in policy.metrics.items() if spec.pausable] == [
            m for m in TARGETS if m in ZONES[zone][1]
        ]
