"""docs/policies.md documents every key of the policy format, and its examples load."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from slacalc import Calendar, Policy, PolicyError
from slacalc.loading import _all_field_names, policy_from_text

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC, flags=re.S)


def test_every_key_of_the_format_is_documented() -> None:
    missing = [
        name
        for name in _all_field_names()
        if f"`{name}`" not in DOC and not re.search(rf"[\s{{]{name}:", DOC)
    ]
    assert missing == [], f"document these keys in docs/policies.md: {missing}"


def test_the_small_policy_loads_except_for_the_documented_slip() -> None:
    text = BLOCKS[0]
    with pytest.raises(PolicyError, match="unknown severity 's4'"):
        policy_from_text(text, "acme.yaml")
    policy = policy_from_text(text.replace("s3, s4:", "s3:"), "acme.yaml")
    assert policy.target("Business Plus", "P2").clock == "office"
    assert policy.target("max", "s2").clock == "office_weekend"
    assert policy.target("max", "s1").clock == "always"
    assert policy.target("plus", "s1", "resolution").commitment


def test_the_other_yaml_blocks_are_valid_fragments() -> None:
    fragments = yaml.safe_load(BLOCKS[1])
    assert set(fragments) <= set(Policy.model_fields) | {"availability"}
    examples = yaml.safe_load(BLOCKS[2])
    assert len(examples["examples"]) == 2


def test_models_documented_are_the_real_ones() -> None:
    assert issubclass(Calendar, BaseModel) and "extends" in DOC
