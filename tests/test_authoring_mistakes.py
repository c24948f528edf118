"""Mistakes a policy author makes that must not load: each is a located ``PolicyError`` whose
message says the fix. One row per mistake: what is written, where, and the words we expect."""

from __future__ import annotations

import pytest

from slacalc import PolicyError
from slacalc.loading import policy_from_text

BASE = """\
id: acme
name: Acme
source: {document: acme.pdf}
calendars:
  office:
    timezone: Europe/Berlin
    hours: {mon-fri: ["09:00-17:00"]}
    business_day: 8h
plans:
  basic: {name: Basic, aliases: [Starter]}
severities:
  s1: {name: Urgent, definition: Production is down.}
metrics:
  response:
    title: First Response
    clock: office
    targets:
      s1: {basic: {within: 4h}}
  resolution:
    title: Resolution
    clock: office
    targets:
      s1: 1 business day
availability:
  target: 99.9%
  causes:
    internal: {counted: true}
  credits:
    kind: discretionary
pause_windows:
  - {start: "2026-12-24T00:00:00Z", end: "2026-12-27T00:00:00Z"}
examples:
  - {opened: "2026-03-06T10:00:00+01:00", plan: basic, severity: s1,
     due: "2026-03-06T14:00:00+01:00"}
"""

WINDOW = '  - {start: "2026-12-24T00:00:00Z", end: "2026-12-27T00:00:00Z"}'
RULE = '  - {{rrule: "{rule}", dtstart: "2026-01-04T02:00:00Z", duration: {duration}}}'

# (name, text replaced in BASE, its replacement, key path, words the message must contain)
MISTAKES: list[tuple[str, str, str, str, str]] = [
    # durations carry a unit everywhere
    ("bare within", "within: 4h", "within: 15", "metrics.response.targets.s1.basic.within",
     'write "15m" or "15h"'),
    ("bare cell", "s1: 1 business day", "s1: 2", "metrics.resolution.targets.s1",
     'write "2m" or "2h"'),
    ("bare business_day", "business_day: 8h", "business_day: 9", "calendars.office.business_day",
     'write "9m" or "9h"'),
    ("clock business_day", "business_day: 8h", "business_day: 8:00",
     "calendars.office.business_day",
     'base-60 number 480 by YAML 1.1; a duration needs a unit, e.g. "8h"'),
    ("clock within", "within: 4h", "within: 1:30", "metrics.response.targets.s1.basic.within",
     'e.g. "1h30m"'),
    ("quoted clock within", "within: 4h", 'within: "1:30"',
     "metrics.response.targets.s1.basic.within", "a clock time, not a duration; write '1h30m'"),
    ("bare pause duration", WINDOW, RULE.format(rule="FREQ=WEEKLY;BYDAY=SU", duration="2"),
     "pause_windows.0.duration", 'write "2m" or "2h"'),
    # percentages carry '%'
    ("fraction target", "target: 99.9%", "target: 0.9995", "availability.target",
     "write 99.95%"),
    ("bare target", "target: 99.9%", "target: 99.95", "availability.target",
     "a percentage is written with '%': write 99.95%"),
    ("comma target", "target: 99.9%", "target: 99,95%", "availability.target",
     "use a dot for decimals: write 99.95%"),
    ("target over 100", "target: 99.9%", "target: 199%", "availability.target",
     "between 0% and 100%"),
    # credits
    ("tiers without kind", "    kind: discretionary",
     "    tiers: [{below: 99.9%, percent: 10%}]", "availability.credits",
     "credits with tiers need 'kind: tiered'"),
    ("discretionary tiers", "    kind: discretionary",
     "    kind: discretionary\n    tiers: [{below: 99.9%, percent: 10%}]",
     "availability.credits", "discretionary credits have no tiers"),
    ("tier below 200", "    kind: discretionary",
     "    kind: tiered\n    tiers: [{below: 200%, percent: 10%}]",
     "availability.credits.tiers.0.below", "between 0% and 100%"),
    ("tier without %", "    kind: discretionary",
     "    kind: tiered\n    tiers: [{below: 99.9, percent: 10%}]",
     "availability.credits.tiers.0.below", "write 99.9%"),
    ("no causes", "  causes:\n    internal: {counted: true}\n", "  causes: {}\n",
     "availability.causes", "availability needs its outage causes"),
    # metrics
    ("duplicate titles", "title: Resolution", "title: First response", "metrics.resolution",
     "metric name 'first response' is used by both 'response' and 'resolution'"),
    ("nan warning", "    title: First Response\n",
     "    title: First Response\n    warning_fraction: .nan\n",
     "metrics.response.warning_fraction", ".nan is not a number; write a number up to 1"),
    # pause windows
    ("start end and rrule", WINDOW,
     '  - {start: "2026-12-24T00:00:00Z", end: "2026-12-27T00:00:00Z", rrule: FREQ=DAILY}',
     "pause_windows.0", "this one has start, end, rrule: keep one kind"),
    ("rrule without duration", WINDOW,
     '  - {rrule: FREQ=DAILY, dtstart: "2026-01-04T02:00:00Z"}', "pause_windows.0",
     "missing: duration"),
    ("bogus rrule", WINDOW, RULE.format(rule="FREQ=BOGUS", duration="2h"), "pause_windows.0.rrule",
     "'FREQ=BOGUS' is not a valid RFC 5545 RRULE"),
    ("rrule with dtstart inside", WINDOW,
     RULE.format(rule="DTSTART:20260101T000000Z RRULE:FREQ=DAILY", duration="2h"),
     "pause_windows.0.rrule", "is not an RRULE line"),
    ("business-day pause", WINDOW,
     RULE.format(rule="FREQ=WEEKLY;BYDAY=SU", duration="1 business day"),
     "pause_windows.0.duration", "a pause window lasts wall-clock time"),
    ("rule that never occurs", WINDOW,
     RULE.format(rule="FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", duration="2h"),
     "pause_windows.0.duration", "never occurs"),
    ("rule that never occurs, secondly", WINDOW,
     RULE.format(rule="FREQ=SECONDLY;BYMONTH=4;BYMONTHDAY=31", duration="2h"),
     "pause_windows.0.duration", "never occurs"),
    ("rule that pauses forever", WINDOW, RULE.format(rule="FREQ=HOURLY", duration="2h"),
     "pause_windows.0.duration", "never ends"),
    ("rule that touches forever", WINDOW,
     RULE.format(rule="FREQ=MINUTELY;INTERVAL=10", duration="10m"),
     "pause_windows.0.duration", "never ends"),
    # YAML 1.1 readings
    ("Norway", "    business_day: 8h\n", "    business_day: 8h\n    holidays: {country: NO}\n",
     "calendars.office.holidays.country", 'quote it: "NO"'),
    ("unquoted no alias", "aliases: [Starter]", "aliases: [Starter, no]",
     "plans.basic.aliases.1", 'quote it: "no"'),
    ("true as a name", "aliases: [Starter]", "aliases: [Starter, true]",
     "plans.basic.aliases.1", 'quote it: "true"'),
    ("number as a name", "aliases: [Starter]", "aliases: [Starter, 2]",
     "plans.basic.aliases.1", 'quote it: "2"'),
    ("octal", "aliases: [Starter]", "aliases: [Starter, 017]",
     "plans.basic.aliases.1", 'quote it: "017"'),
    ("comma in a flow value", "definition: Production is down.",
     "definition: Major degradation, no workaround.", "severities.s1.no workaround.",
     "quote a value that has a comma, definition: \"Major degradation, no workaround.\""),
    ("colon in a flow value", "definition: Production is down.",
     "definition: Note: production is down", "", "a value with ': ' or ', ' in it must be quoted"),
    # ids, states, dates
    ("bad id", "id: acme", "id: Acme-Support", "id",
     "an id starts with a lowercase letter, then lowercase letters, digits or underscores, "
     "e.g. 'acme_support'"),
    ("unknown state", '"2026-03-06T14:00:00+01:00"}',
     '"2026-03-06T14:00:00+01:00", state: ok}', "examples.0.state",
     "unknown state 'ok'; a state is one of not_applicable, no_deadline, met"),
    ("instant without offset", '"2026-03-06T14:00:00+01:00"}', '"tomorrow"}', "examples.0.due",
     'write ISO 8601 with an offset, e.g. "2026-11-20T16:30:00Z"'),
    ("bad date", "source: {document: acme.pdf}",
     "source: {document: acme.pdf, published: last week}", "source.published",
     "write YYYY-MM-DD"),
    ("mapping expected", "source: {document: acme.pdf}", "source: acme.pdf", "source",
     "expected a mapping of keys"),
    ("list expected", "aliases: [Starter]", "aliases: {a: b}", "plans.basic.aliases",
     "expected a list"),
    ("yes/no expected", "internal: {counted: true}", "internal: {counted: sometimes}",
     "availability.causes.internal.counted", "write true or false"),
]


def test_the_base_policy_loads() -> None:
    assert policy_from_text(BASE).id == "acme"


@pytest.mark.parametrize(
    ("old", "new", "path", "words"),
    [pytest.param(*row[1:], id=row[0]) for row in MISTAKES],
)
def test_mistake_is_refused_with_its_fix(old: str, new: str, path: str, words: str) -> None:
    assert old in BASE
    with pytest.raises(PolicyError) as caught:
        policy_from_text(BASE.replace(old, new, 1), "acme.yaml")
    err = caught.value
    assert words in err.reason, str(err)
    assert (err.path or "") == path, str(err)
    assert err.file == "acme.yaml" and err.line is not None and err.column is not None
    line = BASE.replace(old, new, 1).splitlines()[err.line - 1]
    assert line.strip(), str(err)
    assert "Input should" not in str(err) and "Value error" not in str(err)
