"""The typed state every function-task workflow carries from node to node (and into checkpoints)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from sparring.consensus import Position
from sparring.evidence import Case, Evidence
from sparring.properties import Property
from sparring.tasks import FunctionTask


class TaskSpec(BaseModel):
    task_id: str
    prompt: str
    entry_point: str

    @staticmethod
    def of(task: FunctionTask) -> TaskSpec:
        return TaskSpec(task_id=task.task_id, prompt=task.prompt, entry_point=task.entry_point)


class Candidate(BaseModel):
    code: str
    author: str = "coder"
    evidence: Evidence | None = None


class DroppedTest(BaseModel):
    test: str
    reason: str


class Turn(BaseModel):
    """One contribution to a shared conversation (round table): who spoke, what, and any code."""

    agent: str
    text: str
    code: str = ""
    agree: bool = False
    outcome: str = ""  # what running the proposed code showed, and whether the table adopted it


class Lesson(BaseModel):
    """A lesson retrieved from the lessons store for this run."""

    id: int
    text: str


class FunctionState(BaseModel):
    """Phase outputs only: dialogue stays inside a node; what crosses phases is recorded here."""

    task: TaskSpec
    round: int = 0
    plan: str = ""
    examples: list[Case] = Field(default_factory=list)  # the spec's own examples
    tests: list[Case] = Field(default_factory=list)  # designed (and reviewed) tests
    probes: list[Case] = Field(default_factory=list)  # inputs mutated from the examples, no expectation
    dropped_tests: list[DroppedTest] = Field(default_factory=list)
    candidates: list[Candidate] = Field(default_factory=list)
    code: str = ""
    passed: bool = False  # the chosen code passes every test we trust
    accepted: bool = False  # the reviewer (or red team) found nothing demonstrable
    feedback: str = ""
    reflections: list[str] = Field(default_factory=list)
    confidence: float = 0.0
    agreement: float = 0.0  # share of the candidates that behave like the chosen one on every case
    widened: bool = False  # sop: the extra candidates of a disputed first round were drawn
    tests_designed: bool = False  # the test designer has been asked (sop may ask only on a dispute)
    positions: list[Position] = Field(default_factory=list)  # debate and round table
    transcript: list[Turn] = Field(default_factory=list)  # round table
    lessons: list[Lesson] = Field(default_factory=list)  # retrieved from earlier runs (opt-in)
    static_findings: list[str] = Field(default_factory=list)  # lint and type findings on ``code``
    # the red team's valid hypothesis properties, run again on every later attack round
    properties: list[Property] = Field(default_factory=list)

    @property
    def cases(self) -> list[Case]:
        return self.examples + self.tests + self.probes
