"""The five bundled policies, read as vendors.md says; docs/vendors.md is generated from them.

Regenerate the doc after changing a policy:  python tests/test_vendors.py
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from slacalc import Calendar, Policy, TargetKind, bundled_policies, load_policy
from slacalc.checks import NOT_IN_DOCUMENT, Provenance, check_policy, check_provenance
from slacalc.loading import bundled_path
from slacalc.targets import NextOpen

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "vendors.md"
H = timedelta(hours=1)


def z(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


# ---- the doc ------------------------------------------------------------------------------


def _cell(policy: Policy, plan: str, severity: str, metric: str) -> str:
    t = policy.target(plan, severity, metric)
    if t.kind is TargetKind.NONE:
        return "n/a"
    if t.kind is TargetKind.COMMITMENT:
        return f"commitment: {t.commitment}"
    text = f"{t.within} on `{t.clock}`"
    if isinstance(t.start, NextOpen):
        text += f", from next opening of `{t.start.next_open}`"
    return text


def _esc(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _hours(cal: Calendar) -> str:
    return "; ".join(f"{day} {', '.join(spans)}" for day, spans in cal.hours.items())


def render_policy(policy: Policy) -> list[str]:
    out = [f"## {policy.name} (`{policy.id}`)", ""]
    src = policy.source
    prov = check_provenance(policy, bundled_path(policy.id))
    out.append(
        f"Source: `{src.document}`"
        + (f", {src.title}" if src.title else "")
        + (f" (published {src.published})" if src.published else "")
        + "."
        + (f" Shipped as `policies/{src.file}`, sha256 `{src.sha256}`." if src.file else "")
    )
    out.append("")
    out += ["| plan | name | also called |", "|---|---|---|"]
    out += [
        f"| `{k}` | {_esc(p.name)} | {_esc(', '.join(p.aliases))} |"
        for k, p in policy.plans.items()
    ]
    out += ["", "| severity | name | also called | definition |", "|---|---|---|---|"]
    out += [
        f"| `{k}` | {_esc(s.name)} | {_esc(', '.join(s.aliases))} | {_esc(s.definition or '')} |"
        for k, s in policy.severities.items()
    ]
    if policy.calendars:
        out += [
            "",
            "| calendar | time zone | hours | holidays | business day |",
            "|---|---|---|---|---|",
        ]
        for k, cal in policy.calendars.items():
            hol = cal.holidays
            holidays = " ".join(x for x in (hol.country, hol.subdivision) if x) or "none"
            if hol.country and hol.observed != "both":
                holidays += f" (observed: {hol.observed})"
            out.append(
                f"| `{k}` | {cal.timezone} | {_hours(cal)} | {holidays} | {cal.business_day} |"
            )
    for m, spec in policy.metrics.items():
        title = f" — {spec.title}" if spec.title else ""
        out += ["", f"### `{m}`{title}", ""]
        flags = [f for f, on in (("pausable", spec.pausable), ("cadence", spec.cadence)) if on]
        if flags:
            out += [f"({', '.join(flags)})", ""]
        out.append("| severity | " + " | ".join(policy.plans) + " |")
        out.append("|---|" + "---|" * len(policy.plans))
        clauses: list[str] = []
        for s in policy.severities:
            cells = [_esc(_cell(policy, p, s, m)) for p in policy.plans]
            out.append(f"| `{s}` | " + " | ".join(cells) + " |")
            for p in policy.plans:
                clause = policy.target(p, s, m).clause
                if clause and clause not in clauses:
                    clauses.append(clause)
        if clauses:
            out += ["", "Clauses:", ""] + [f"- {_clause(prov, c)}" for c in clauses]
    if policy.escalation is not None:
        esc = policy.escalation
        metrics = ", ".join(f"`{m}`" for m in esc.metrics)
        out += ["", "### Escalation", "", f"- A breach of {metrics} is escalated."]
        for rule in esc.exclude:
            out.append(
                f"- Not eligible: plans {', '.join(rule.plans) or 'all'}, "
                f"severities {', '.join(rule.severities) or 'all'}."
            )
        if esc.contact:
            out.append(f"- Contact: {esc.contact}")
    if policy.features:
        out += [
            "",
            "### Features",
            "",
            "| feature | " + " | ".join(policy.plans) + " |",
            "|---|" + "---|" * len(policy.plans),
        ]
        for f in policy.features.values():
            notes = f.notes()
            cells = [
                ("yes" + (f" ({notes[p]})" if notes[p] else "")) if p in notes else ""
                for p in policy.plans
            ]
            out.append(f"| {_esc(f.name)} | " + " | ".join(cells) + " |")
    if policy.intake is not None:
        out += ["", "### Intake", ""]
        out += [f"- required `{i.id}`: {_esc(i.description)}" for i in policy.intake.required]
        out += [f"- recommended `{i.id}`: {_esc(i.description)}" for i in policy.intake.recommended]
    av = policy.availability_target
    if av is not None:
        out += [
            "",
            "### Availability",
            "",
            f"Target {av.target}% per calendar {av.period}, months in {av.timezone}.",
            "",
            "| cause | counted | description |",
            "|---|---|---|",
        ]
        out += [
            f"| `{k}` | {'yes' if c.counted else 'excluded'} | {_esc(c.description or '')} |"
            for k, c in av.causes.items()
        ]
        cr = av.credits
        out += [
            "",
            f"Service credits: {cr.kind}"
            + (f", for {', '.join(cr.plans)}" if cr.plans else "")
            + (
                f"; each outage caused by {', '.join(cr.causes)} is eligible"
                if cr.causes
                else ""
            )
            + ".",
        ]
    if policy.preconditions:
        out += ["", "### Preconditions", ""] + [f"- {_esc(p)}" for p in policy.preconditions]
    out += ["", "### Assumptions (ours, not the vendor's)", ""] + [
        f"- {_esc(a)}" for a in policy.assumptions
    ]
    out.append("")
    return out


def _clause(prov: Provenance, clause: str) -> str:
    if clause == NOT_IN_DOCUMENT:
        return f"*{NOT_IN_DOCUMENT}*: the n/a cells the document says nothing about"
    where = prov.where(clause)
    return _esc(clause) + (f" ({where})" if where else "")


def render_doc() -> str:
    lines = [
        "# The bundled vendor policies",
        "",
        "<!-- Generated from policies/*.yaml by `python tests/test_vendors.py`; a test keeps it in",
        "     sync. Edit the policy files, not this page. -->",
        "",
        "Each policy is one YAML file in `policies/`, loaded with `slacalc.load_policy(id)`. Every",
        "number comes from the vendor's document; every reading that is ours is listed under",
        "*Assumptions*. A cell reads `duration on clock`: `always` is the 24x7 wall clock, other",
        "clocks are the policy's calendars; `n/a` means no target, `commitment` a promise in words",
        "with no due time. Names are matched case-insensitively by id, name or alias. Each",
        "clause is quoted from the vendor's document, shipped in `policies/sources/`; `...` joins",
        "parts of one passage, and the lines are where `slacalc check` finds it.",
        "",
    ]
    for pid in bundled_policies():
        lines += render_policy(load_policy(pid))
    return "\n".join(lines).rstrip("\n") + "\n"


def test_vendors_doc_is_generated_from_the_policies() -> None:
    assert DOC.read_text(encoding="utf-8") == render_doc(), "run: python tests/test_vendors.py"


# ---- the files ----------------------------------------------------------------------------


@pytest.mark.parametrize("pid", ["api_provider", "esim_go", "integrato", "passkit", "smartix"])
def test_bundled_file_shape(pid: str) -> None:
    text = (ROOT / "policies" / f"{pid}.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=./policy.schema.json\n")
    policy = load_policy(pid)
    assert policy.id == pid
    assert len(policy.examples) >= 5
    assert policy.assumptions
    outcomes = check_policy(policy)
    assert [o for o in outcomes if o.status != "passed"] == []
    for t in policy.targets():
        if t.kind is not TargetKind.NONE:
            assert t.clause, f"{pid} {t.metric} {t.plan} {t.severity} has no clause"
    for m, spec in policy.metrics.items():
        assert spec.pausable == (m == "resolution"), (pid, m)


# ---- vendors.md, number by number -------------------------------------------------------------


def within(pid: str, plan: str, sev: str, metric: str = "response") -> tuple[str, str, str]:
    t = load_policy(pid).target(plan, sev, metric)
    start = t.start.next_open if isinstance(t.start, NextOpen) else t.start
    return (str(t.within) if t.within is not None else t.kind.value, t.clock, start)


PASSKIT_RESPONSE = {
    "sev1": {"silver": ("4h", "always"), "gold": ("1h", "always"), "platinum": ("30m", "always")},
    "sev2": {
        "silver": ("1 business day", "business"),
        "gold": ("4 business hours", "business"),
        "platinum": ("1 business hour", "business_platinum"),
    },
    "sev3": {
        "silver": ("2 business days", "business"),
        "gold": ("1 business day", "business"),
        "platinum": ("4 business hours", "business_platinum"),
    },
    "sev4": {
        "silver": ("2 business days", "business"),
        "gold": ("1 business day", "business"),
        "platinum": ("1 business day", "business_platinum"),
    },
}


def test_passkit_response_table() -> None:
    p = load_policy("passkit")
    for sev, row in PASSKIT_RESPONSE.items():
        assert p.target("bronze", sev).kind is TargetKind.NONE
        for plan, (dur, clock) in row.items():
            assert within("passkit", plan, sev) == (dur, clock, "opened")
    assert p.clock("business").business_day_length == 9 * H
    assert p.calendars["business"].timezone == "GMT"
    assert p.calendars["business_platinum"].hours == {"daily": ["09:00-18:00"]}


def test_passkit_resolution_commitments_and_features() -> None:
    p = load_policy("passkit")
    assert p.target("bronze", "sev1", "resolution").kind is TargetKind.NONE
    words = {s: p.target("gold", s, "resolution").commitment for s in p.severities}
    assert "continuously" in words["sev1"] and "next maintenance release" in words["sev4"]
    assert words["sev2"] == words["sev3"]
    assert {e.id for e in p.entitlements("bronze")} == {"online_resources", "online_chat"}
    assert {e.id for e in p.entitlements("silver")} == {
        "online_resources",
        "online_chat",
        "email_customer_success",
    }
    gold = {e.id for e in p.entitlements("Gold")}
    assert "phone_customer_success" in gold and "phone_solutions_engineer" not in gold
    assert {e.id for e in p.entitlements("platinum")} - gold == {
        "phone_solutions_engineer",
        "weekend_support",
    }
    assert any("latest version of the PassKit SDK" in x for x in p.preconditions)


def test_api_provider_table_and_escalation() -> None:
    p = load_policy("api_provider")
    assert within("api_provider", "break_fix", "sev1") == ("24h", "standard", "opened")
    assert within("api_provider", "advanced", "sev2") == ("12h", "standard", "opened")
    assert within("api_provider", "premium", "sev1") == ("2h", "always", "opened")
    assert within("api_provider", "premium", "sev2") == ("4h", "always", "opened")
    assert within("api_provider", "premium", "sev3") == ("8h", "standard", "opened")
    assert within("api_provider", "premium", "sev4") == ("24h", "standard", "opened")
    assert within("api_provider", "premium", "sev5") == ("48h", "standard", "opened")
    for plan in ("break_fix", "advanced"):
        for sev in ("sev3", "sev4", "sev5"):
            assert p.target(plan, sev).kind is TargetKind.NONE
    assert list(p.metrics) == ["response"]
    assert p.calendars["standard"].timezone == "America/Chicago"
    assert p.escalation_eligible("premium", "sev3", "response")
    assert not p.escalation_eligible("premium", "Low", "response")
    assert not p.escalation_eligible("premium", "Cosmetic", "response")
    assert p.escalation_eligible("break_fix", "sev1", "response")


def test_integrato_start_rules() -> None:
    assert within("integrato", "standard", "p1") == ("1h", "always", "business")
    assert within("integrato", "super_premium", "p1") == ("1h", "always", "opened")
    assert within("integrato", "standard", "p2") == ("2h", "always", "business")
    assert within("integrato", "standard", "p3") == ("1 business day", "business", "opened")
    assert within("integrato", "super_premium", "p4") == ("3 business days", "business", "opened")
    assert within("integrato", "standard", "p1", "resolution") == ("48h", "always", "business")
    assert within("integrato", "standard", "p2", "resolution") == (
        "5 business days",
        "business",
        "opened",
    )
    p = load_policy("integrato")
    assert p.target("standard", "p3", "resolution").commitment == "Future Release"
    assert "discretion" in (p.target("standard", "p4", "resolution").commitment or "")
    report = p.check_intake(
        {
            "category": "defect",
            "business_impact": "high",
            "description": "x",
            "steps_to_reproduce": "1.",
            "environment": "prod",
            "discovery": "today",
        }
    )
    assert report.complete and len(report.missing_recommended) == 4


def test_esim_go_and_smartix() -> None:
    e = load_policy("esim_go")
    for sev in e.severities:
        assert within("esim_go", "standard", sev) == ("24h", "always", "opened")
        assert e.target("standard", sev, "update").commitment == "regular updates"
        assert e.target("standard", sev, "resolution").kind is TargetKind.NONE
    assert e.intake is not None and not e.intake.required and len(e.intake.recommended) == 6
    s = load_policy("smartix")
    assert within("smartix", "free", "general") == ("2 business days", "business", "opened")
    assert s.target("enterprise", "critical").commitment == "as soon as possible, 24/7"
    av = s.availability_target
    assert av is not None and str(av.target) == "99.9" and av.timezone == "Europe/London"
    assert {k for k, c in av.causes.items() if c.counted} == {"internal"}
    assert set(av.causes) == {
        "internal",
        "planned_maintenance",
        "aws",
        "google_wallet",
        "apple_wallet",
        "push_notifications",
        "third_party",
        "misuse",
        "force_majeure",
    }
    assert av.credits.kind == "discretionary" and av.credits.plans == ("monthly", "enterprise")
    assert av.credits.causes == ("internal",)
    assert any('"generally"' in a for a in s.assumptions)
    assert s.clock("business").business_day_length == 8 * H


@pytest.mark.parametrize(
    ("pol", "plan", "sev", "metric", "opened", "due"),
    [
        ("passkit", "gold", "sev2", "response", "2026-11-20T16:30", "2026-11-23T11:30"),
        ("passkit", "silver", "sev1", "response", "2026-11-21T23:00", "2026-11-22T03:00"),
        ("passkit", "bronze", "sev1", "response", "2026-11-20T10:00", None),
        ("api_provider", "break_fix", "sev1", "response", "2026-11-23T16:00", "2026-11-25T22:00"),
        ("api_provider", "premium", "sev1", "response", "2026-11-22T09:00", "2026-11-22T11:00"),
        ("integrato", "standard", "p1", "response", "2026-11-21T22:00", "2026-11-23T10:00"),
        ("integrato", "standard", "p1", "response", "2026-11-23T17:30", "2026-11-23T18:30"),
        ("integrato", "super_premium", "p1", "response", "2026-11-21T22:00", "2026-11-21T23:00"),
        ("esim_go", "standard", "urgent", "response", "2026-11-21T10:00", "2026-11-22T10:00"),
        ("smartix", "monthly", "general", "response", "2026-12-24T10:00", "2026-12-30T10:00"),
        ("smartix", "enterprise", "critical", "response", "2026-11-20T10:00", None),
    ],
)
def test_acceptance_due_cases(
    pol: str, plan: str, sev: str, metric: str, opened: str, due: str | None
) -> None:
    got = load_policy(pol).due(z(opened), plan=plan, severity=sev, metric=metric)
    assert got == (z(due) if due else None)


if __name__ == "__main__":
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(render_doc(), encoding="utf-8")
    print(f"wrote {DOC}", file=sys.stderr)
