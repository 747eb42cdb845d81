"""One loader for the data the package ships: rule files, the ontology, queries.

Rules are data, not Python literals; reading them in one place means one place validates them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kb.errors import RuleLoadError

PACKAGE_DIR = Path(__file__).resolve().parent
RULES_DIR = PACKAGE_DIR / "rules"
REPO_DIR = PACKAGE_DIR.parent


@dataclass(frozen=True)
class PatternRule:
    """One rule of a JSONL rule file: a stable id, a label and a regular expression."""

    id: str
    label: str
    pattern: re.Pattern[str]
    source: str


def _rule_error(path: Path, lineno: int, rule_id: str, what: str) -> RuleLoadError:
    return RuleLoadError(f"[R001] {path.name}:{lineno} rule {rule_id or '?'}: {what}")


@lru_cache(maxsize=None)
def load_pattern_rules(name: str) -> tuple[PatternRule, ...]:
    """Load and validate `kb/rules/<name>.jsonl`, naming the failing rule id on error.

    >>> any(r.label == "PROVISION" for r in load_pattern_rules("layout"))
    True
    """
    path = RULES_DIR / f"{name}.jsonl"
    if not path.is_file():
        raise RuleLoadError(f"rule file {path} is missing; reinstall policykb")
    rules: list[PatternRule] = []
    seen: set[str] = set()
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _rule_error(path, lineno, "", f"not JSON ({exc.msg})") from None
        rule_id = str(data.get("id", ""))
        for key in ("id", "label", "pattern", "source"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise _rule_error(
                    path, lineno, rule_id, f"field '{key}' must be a non-empty string"
                )
        if rule_id in seen:
            raise _rule_error(path, lineno, rule_id, "duplicate id")
        seen.add(rule_id)
        try:
            compiled = re.compile(data["pattern"])
        except re.error as exc:
            raise _rule_error(path, lineno, rule_id, f"bad pattern ({exc})") from None
        rules.append(PatternRule(rule_id, data["label"], compiled, data["source"]))
    return tuple(rules)


def rules_by_label(name: str) -> dict[str, tuple[PatternRule, ...]]:
    """Group a rule file's rules by label, for stages that ask 'does any X rule match?'."""
    out: dict[str, list[PatternRule]] = {}
    for rule in load_pattern_rules(name):
        out.setdefault(rule.label, []).append(rule)
    return {k: tuple(v) for k, v in out.items()}
