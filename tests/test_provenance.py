"""Provenance: the shipped documents, their sha256, every clause found in its document (with
the line worked out by reading the document), and the cells whose clause does not support
them. Also `slacalc show` and `slacalc policies DIR`.

Line numbers below were read off the files in policies/sources/ by hand.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from slacalc import PolicyError, bundled_policies, load_policy
from slacalc.checks import (
    NOT_IN_DOCUMENT,
    ClauseLocation,
    SourceText,
    check_paths,
    check_provenance,
    clause_problem,
    quote_form,
)
from slacalc.cli import main
from slacalc.durations import Duration
from slacalc.loading import bundled_path
from slacalc.targets import Target, TargetKind

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ROOT / "policies"
SEEDS = {
    "passkit": "000_8597a1567c4efa20.txt",
    "api_provider": "001_d6c9f9330e9107dd.txt",
    "integrato": "002_dc92bc7fb94d1598.txt",
    "esim_go": "003_bffee13c1e5ae43e.txt",
    "smartix": "004_0a5acb73a64e8c90.txt",
}


def raw_yaml(pid: str) -> dict:
    return yaml.safe_load((POLICIES / f"{pid}.yaml").read_text(encoding="utf-8"))


# ---- the shipped documents ------------------------------------------------------------------


@pytest.mark.parametrize("pid", sorted(SEEDS))
def test_each_policy_names_its_shipped_document_and_its_sha256(pid: str) -> None:
    source = raw_yaml(pid)["source"]
    assert source["document"] == SEEDS[pid]
    assert source["file"] == f"sources/{pid}.txt"
    data = (POLICIES / source["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == source["sha256"]


def test_every_bundled_policy_checks_out_against_its_document() -> None:
    assert bundled_policies() == sorted(SEEDS)
    for pid in bundled_policies():
        policy = load_policy(pid)
        prov = check_provenance(policy, bundled_path(pid))
        assert prov.checked and prov.document == f"sources/{pid}.txt"
        assert prov.problems == (), [str(p) for p in prov.problems]
        quoted = {t.clause for t in policy.targets() if t.clause and t.clause != NOT_IN_DOCUMENT}
        assert quoted <= set(prov.found), quoted - set(prov.found)


@pytest.mark.parametrize(
    ("pid", "plan", "severity", "metric", "lines"),
    [
        ("passkit", "gold", "sev2", "response", (25, 25)),
        ("passkit", "bronze", "sev1", "response", (24, 24)),  # the row's "N/A"
        ("passkit", "silver", "sev4", "resolution", (28, 32)),  # table head to the row
        ("api_provider", "break_fix", "sev2", "response", (5, 15)),
        ("api_provider", "advanced", "sev2", "response", (17, 27)),  # not 15-26
        ("api_provider", "premium", "sev5", "response", (36, 43)),
        ("integrato", "standard", "p4", "response", (29, 34)),
        ("integrato", "standard", "p1", "resolution", (35, 36)),
        ("esim_go", "standard", "low", "response", (23, 23)),
        ("esim_go", "standard", "urgent", "follow_up", (25, 25)),
        ("smartix", "free", "general", "response", (26, 27)),
    ],
)
def test_clause_lines(
    pid: str, plan: str, severity: str, metric: str, lines: tuple[int, int]
) -> None:
    policy = load_policy(pid)
    clause = policy.target(plan, severity, metric).clause
    where = check_provenance(policy, bundled_path(pid)).where(clause)
    assert where == ClauseLocation(*lines)


def test_na_cells_cite_what_leaves_them_empty() -> None:
    api = load_policy("api_provider")
    for plan in ("break_fix", "advanced"):
        for sev in ("sev3", "sev4", "sev5"):
            t = api.target(plan, sev)
            assert t.kind is TargetKind.NONE and t.clause == NOT_IN_DOCUMENT
    passkit = load_policy("passkit")
    for sev in passkit.severities:
        for metric in ("response", "resolution"):
            clause = passkit.target("bronze", sev, metric).clause
            assert clause is not None and "| N/A |" in clause


# ---- the document reader ---------------------------------------------------------------------


def test_source_text_normalises_whitespace_quotes_and_dashes() -> None:
    doc = SourceText("Line one\nwe\u2019re \u201chere\u201d \u2013 now\n\n  and   then\nend")
    assert doc.find('we\'re "here" - now and then') == ClauseLocation(2, 4)
    assert doc.find("we\u2019re") == ClauseLocation(2, 2)
    assert doc.find("We're") is None  # case is kept
    assert doc.find("Line one ... end") == ClauseLocation(1, 5)
    assert doc.find("end ... Line one") is None  # parts in order
    assert doc.find("...") is None


def test_ellipsis_takes_the_shortest_passage() -> None:
    doc = SourceText("A\nx 1\nA\nx 2\nA\ny 1")
    assert doc.find("A ... 1") == ClauseLocation(1, 2)
    assert doc.find("A ... 2") == ClauseLocation(3, 4)
    assert doc.find("A ... y") == ClauseLocation(5, 6)


def target(kind: TargetKind, clause: str | None, **more: object) -> Target:
    return Target(metric="response", plan="p", severity="s", kind=kind, clause=clause, **more)


BUSINESS = {"clock": "office"}


@pytest.mark.parametrize(
    ("t", "ok"),
    [
        (target(TargetKind.NONE, "Severity 1 | N/A | 4 Hours"), True),
        (target(TargetKind.NONE, "not in the document"), True),
        (target(TargetKind.NONE, "Low and Cosmetic incidents are not eligible"), True),
        (target(TargetKind.NONE, "Within 24 hours, before escalation."), False),
        (target(TargetKind.NONE, None), False),
        (target(TargetKind.NONE, "Nadia, N/Amber"), False),  # not the word n/a
        (target(TargetKind.DURATION, "P1 \u2013 1 hour", within=Duration.parse("1h")), True),
        (target(TargetKind.DURATION, "30 mins, 24/7", within=Duration.parse("30m")), True),
        (target(TargetKind.DURATION, "up to 2 hours", within=Duration.parse("4h")), False),
        (
            target(TargetKind.DURATION, "within 24 hours", within=Duration.parse("1 business day")),
            False,
        ),
        (
            target(
                TargetKind.DURATION,
                "P3 \u2013 1 Business day",
                within=Duration.parse("1 business day"),
                **BUSINESS,
            ),
            True,
        ),
        (
            target(
                TargetKind.DURATION, "4 business hours", within=Duration.parse("4h"), **BUSINESS
            ),
            True,
        ),
        # business time stated, but the target runs 24x7
        (target(TargetKind.DURATION, "4 business hours", within=Duration.parse("4h")), False),
        (target(TargetKind.DURATION, "4 hours, 24/7", within=Duration.parse("4h")), True),
        (target(TargetKind.DURATION, None, within=Duration.parse("4h")), False),
        (
            target(
                TargetKind.COMMITMENT,
                "as soon as possible 24/7.",
                commitment="as soon as possible, 24/7",
            ),
            True,
        ),
        (
            target(TargetKind.COMMITMENT, "P3 \u2013 Future Release", commitment="future release"),
            True,
        ),
        (
            target(TargetKind.COMMITMENT, "P3 \u2013 Future Release", commitment="next release"),
            False,
        ),
    ],
)
def test_clause_supports_its_cell(t: Target, ok: bool) -> None:
    assert (clause_problem(t) is None) == ok, clause_problem(t)


# ---- slacalc check fails what does not check out ---------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copytree(POLICIES, tmp_path / "policies", ignore=shutil.ignore_patterns("*.py"))
    return tmp_path / "policies"


def problems(folder: Path, pid: str) -> list[str]:
    [report] = list(check_paths([folder / f"{pid}.yaml"]))
    assert report.error is None, report.error
    assert report.provenance is not None
    return [str(p) for p in report.provenance.problems]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_clause_that_is_not_in_the_document(folder: Path) -> None:
    edit(folder / "integrato.yaml", "P2 – 5 Business days", "P2 – 4 Business days")
    found = problems(folder, "integrato")
    assert any(
        "metrics.resolution.targets.p2.clause" in p and "is not in sources/integrato.txt" in p
        for p in found
    ), found
    assert any("integrato.yaml:" in p for p in found)  # located in the policy file


def test_a_changed_document_fails_its_sha256(folder: Path) -> None:
    doc = folder / "sources" / "smartix.txt"
    doc.write_bytes(doc.read_bytes().replace(b"99.9%", b"99.5%"))
    found = problems(folder, "smartix")
    digest = hashlib.sha256(doc.read_bytes()).hexdigest()
    assert any("source.sha256" in p and digest in p and "changed" in p for p in found), found
    assert any("99.9% per calendar month" in p and "is not in" in p for p in found)


def test_a_missing_sha256_says_what_to_write(folder: Path) -> None:
    digest = hashlib.sha256((folder / "sources" / "esim_go.txt").read_bytes()).hexdigest()
    edit(folder / "esim_go.yaml", f"  sha256: {digest}\n", "")
    assert any(f"write sha256: {digest}" in p for p in problems(folder, "esim_go"))


def test_a_missing_document(folder: Path) -> None:
    (folder / "sources" / "esim_go.txt").unlink()
    assert any("no such document sources/esim_go.txt" in p for p in problems(folder, "esim_go"))


def test_na_cells_inheriting_another_cells_clause_fail(folder: Path) -> None:
    # The shape the API provider had: the plan column's clause, inherited by its N/A rows.
    path = folder / "api_provider.yaml"
    edit(
        path,
        "      premium: {clock: always}\n",
        "      premium: {clock: always}\n"
        '      break_fix: {clause: "Break-Fix Support (Included in License): ... 1: Critical'
        ' ... Within 24 hours, before escalation."}\n',
    )
    edit(
        path,
        "      sev3:\n        break_fix, advanced: {not_applicable",
        "      sev3:\n        break_fix: n/a\n        advanced: {not_applicable",
    )
    found = problems(folder, "api_provider")
    assert len(found) == 1, found
    assert "metrics.response.targets.sev3.break_fix" in found[0]
    assert "break_fix/sev3: n/a, but its clause" in found[0]


def test_na_cells_citing_nothing_fail(folder: Path) -> None:
    path = folder / "passkit.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index('    by_severity:\n      sev1: {clause: "Turn-around')
    end = text.index("    targets:\n", start)
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    found = problems(folder, "passkit")
    assert any("bronze/sev1: n/a, and the cell cites nothing" in p for p in found), found
    assert any("silver/sev1: cites no clause" in p for p in found), found


def test_a_duration_its_clause_does_not_state_fails(folder: Path) -> None:
    edit(
        folder / "smartix.yaml",
        "general: {within: 2 business days",
        "general: {within: 3 business days",
    )
    found = problems(folder, "smartix")
    assert any("3 business days is not a duration its clause states" in p for p in found)


def test_without_a_source_file_nothing_is_checked(folder: Path) -> None:
    edit(folder / "esim_go.yaml", "  file: sources/esim_go.txt\n", "")
    [report] = list(check_paths([folder / "esim_go.yaml"]))
    assert report.ok and report.provenance is not None and not report.provenance.checked


def test_a_bad_sha256_does_not_load(folder: Path) -> None:
    edit(folder / "smartix.yaml", "  sha256: ", "  sha256: 0")
    with pytest.raises(PolicyError, match=r"source\.sha256"):
        load_policy(folder / "smartix.yaml")


# ---- the command line -------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_prints_clauses_and_fails_on_a_bad_one(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "check", "-v", str(folder / "passkit.yaml"))
    assert code == 0 and "9 clauses found in sources/passkit.txt" in out
    assert "line 25: Severity 2: Major - Initial Response Time" in out
    edit(
        folder / "passkit.yaml",
        '| 4 business hours | 1 business hour"',
        '| 4 hours | 1 business hour"',
    )
    code, out, _ = run(capsys, "check", str(folder / "passkit.yaml"))
    assert code == 1 and "FAIL " in out and "clause: " in out and "is not in" in out


def test_show_table_csv_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "PassKit")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == [
        "metric",
        "plan",
        "severity",
        "target",
        "clock",
        "start",
        "line",
        "clause",
    ]
    assert len(lines) == 1 + 2 * 4 * 4
    gold = next(x for x in lines if x.split()[:3] == ["response", "gold", "sev2"])
    assert "4 business hours" in gold and "business" in gold and "line 25" in gold

    code, out, _ = run(capsys, "show", "api provider", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 3 * 5
    bf = next(r for r in rows if (r["plan"], r["severity"]) == ("break_fix", "sev2"))
    assert (bf["within"], bf["clock"], bf["start"], bf["line"], bf["end_line"]) == (
        "24h",
        "standard",
        "opened",
        "5",
        "15",
    )
    na = next(r for r in rows if (r["plan"], r["severity"]) == ("advanced", "sev4"))
    assert na["kind"] == "none" and na["clause"] == NOT_IN_DOCUMENT and na["line"] == ""

    code, out, _ = run(capsys, "show", "integrato", "--format", "json")
    doc = json.loads(out)
    assert doc["policy"] == "integrato" and doc["document"] == "sources/integrato.txt"
    p1 = next(
        r
        for r in doc["targets"]
        if (r["metric"], r["plan"], r["severity"]) == ("response", "standard", "p1")
    )
    assert p1["start"] == "next_open business" and (p1["line"], p1["end_line"]) == (29, 31)


def test_show_a_file(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", str(folder / "smartix.yaml"), "--format", "json")
    assert code == 0 and json.loads(out)["targets"][0]["line"] == 26


def test_policies_of_a_folder(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "esim_go.yaml").unlink()
    code, out, _ = run(capsys, "policies", str(folder))
    assert code == 0
    assert [x.split()[0] for x in out.splitlines()] == [
        "api_provider",
        "integrato",
        "passkit",
        "smartix",
    ]
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(capsys, "policies", str(empty))
    assert code == 1 and "no policy files" in err


# ---- the documents' own names ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("pid", "kind", "name", "key"),
    [
        ("passkit", "plan", "Gold Support", "gold"),
        ("passkit", "plan", "Bronze Support", "bronze"),
        ("passkit", "severity", "Severity 1: Critical", "sev1"),
        ("passkit", "severity", "Severity 4: Enhancement", "sev4"),
        ("api_provider", "plan", "Break/Fix", "break_fix"),
        ("integrato", "severity", "P-1", "p1"),
        ("integrato", "severity", "P 4", "p4"),
        ("integrato", "plan", "super-premium clients", "super_premium"),
        ("smartix", "plan", "free users", "free"),
        ("smartix", "plan", "monthly contracts", "monthly"),
        ("smartix", "severity", "critical issues", "critical"),
    ],
)
def test_the_documents_names_resolve(pid: str, kind: str, name: str, key: str) -> None:
    policy = load_policy(pid)
    found = policy.plan_id(name) if kind == "plan" else policy.severity_id(name)
    assert found == key


@pytest.mark.parametrize(
    ("name", "pid"),
    [
        ("eSIM Go", "esim_go"),
        ("esim-go", "esim_go"),
        ("API Provider", "api_provider"),
        ("  PASSKIT ", "passkit"),
    ],
)
def test_policy_ids_match_like_names(name: str, pid: str) -> None:
    assert load_policy(name) is load_policy(pid)
    assert bundled_path(name).name == f"{pid}.yaml"


def test_an_unknown_policy_lists_the_bundled_ids() -> None:
    from slacalc import UnknownNameError

    with pytest.raises(UnknownNameError) as e:
        load_policy("eSIM Went")
    for pid in SEEDS:
        assert repr(pid) in str(e.value)


# ---- the encoded terms ---------------------------------------------------------------------


def test_integrato_support_channels() -> None:
    policy = load_policy("integrato")
    names = [e.name for e in policy.entitlements("Standard")]
    assert names == [
        "Help Docs and Knowledge Base",
        "API Management Process",
        "Email Support",
        "Website Support Ticketing Site",
        "Online Tutorials & Webinars",
        "Online Developer Guides",
    ]
    assert [e.name for e in policy.entitlements("super_premium")] == names
    prov = check_provenance(policy, bundled_path("integrato"))
    lines = [prov.where(f.clause) for f in policy.features.values()]
    assert [w.end_line for w in lines if w] == [11, 12, 13, 14, 15, 16]


def test_esim_go_follow_up_is_a_commitment() -> None:
    policy = load_policy("esim_go")
    t = policy.target("standard", "urgent", "Follow-up communications")
    assert t.kind is TargetKind.COMMITMENT and t.commitment is not None
    assert "once we believe your issue is resolved" in t.commitment
    assert policy.due(datetime(2026, 11, 20, tzinfo=UTC), "standard", "urgent", "follow_up") is None


def test_the_keys_added_for_provenance_are_among_the_documented_keys() -> None:
    # test_policy_docs checks every key the walk finds; make sure the walk finds these
    from slacalc.loading import _all_field_names

    assert {"file", "sha256", "observed", "causes", "clause"} <= set(_all_field_names())


# ---- a property: any passage of a document is found -------------------------------------------

LINES = st.lists(
    st.text(alphabet="ab \u2019\u2013-'", min_size=0, max_size=12), min_size=1, max_size=8
)


@settings(max_examples=300, deadline=None)
@given(LINES, st.data())
def test_any_passage_is_found_at_or_before_its_place(lines: list[str], data: st.DataObject) -> None:
    text = "\n".join(lines)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    passage = text[start:end]
    if not passage.split():
        return
    first = start + (len(passage) - len(passage.lstrip()))
    doc = SourceText(text)
    where = doc.find(passage)
    assert where is not None
    # the first occurrence wins: never later than the place the passage was taken from
    assert where.line <= text.count("\n", 0, first) + 1 and where.line <= where.end_line
    # the same passage cut in two and joined with "..." is found too, never spanning more
    cut = data.draw(st.integers(0, len(passage)))
    left, right = passage[:cut], passage[cut:]
    if left.split() and right.split() and not left.endswith(".") and not right.startswith("."):
        assert doc.find(f"{left} ... {right}") is not None


@given(st.text(alphabet=st.sampled_from("ab.\u2019\u201c\u2014 \t\n\xa0\u2028"), max_size=30))
def test_source_text_is_the_quote_form_of_the_document(text: str) -> None:
    doc = SourceText(text)
    assert doc.text == quote_form(text)
    assert len(doc.lines) == len(doc.text)
    assert doc.lines == sorted(doc.lines)
