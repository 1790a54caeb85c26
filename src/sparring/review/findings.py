"""What a review produces: findings on a change, and the change's files as the review saw them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Severity = Literal["low", "medium", "high"]
Category = Literal["correctness", "security", "performance", "maintainability", "tests"]
SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3}


class Claim(BaseModel):
    """One problem as an agent states it (the JSON reviewers answer with)."""

    file: str
    line: int
    severity: Severity = "medium"
    category: Category = "correctness"
    message: str
    suggested_fix: str = ""
    confidence: float = Field(0.5, ge=0.0, le=1.0)
    unsure: bool = False
    failing_test: str = ""


class Claims(BaseModel):
    findings: list[Claim] = Field(default_factory=list)


class Finding(BaseModel):
    """A finding after votes and execution: ``votes`` maps agent → agree / disagree / unsure;
    ``contested`` when any agent disagrees; ``demonstrated`` when its failing test failed in the sandbox."""

    file: str
    line: int
    severity: Severity
    category: Category
    message: str
    suggested_fix: str = ""
    confidence: float = 0.5
    unsure: bool = False
    contested: bool = False
    votes: dict[str, str] = Field(default_factory=dict)
    raised_by: list[str] = Field(default_factory=list)
    test: str = ""
    demonstrated: bool | None = None  # None: no test attached


class Review(BaseModel):
    source: str  # "diff HEAD~1..HEAD", "patch fix.diff", ...
    files: list[str] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    dropped: list[str] = Field(default_factory=list)  # claims that named no changed file or line
    notes: list[str] = Field(default_factory=list)
    run_id: str = ""
    usage: dict[str, object] = Field(default_factory=dict)

    def fails_at(self, level: Severity) -> bool:
        """Whether a finding the agents are sure of reaches ``level``."""
        floor = SEVERITY_RANK[level]
        return any(SEVERITY_RANK[f.severity] >= floor and not f.unsure for f in self.findings)
