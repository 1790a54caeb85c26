"""``single`` for repository instances: one call proposes a patch from the issue and the retrieved
files. No model picks the files (the map's ranking and code search do), no test is written or run,
and an edit that does not apply is not repaired. The baseline every repository team must beat."""

from __future__ import annotations

from sparring.graph import END, Graph
from sparring.repo.steps import RepoState, RepoTeam, edit, locate


def build(team: RepoTeam) -> Graph[RepoState]:
    return Graph(
        name="single",
        state=RepoState,
        start="locate",
        nodes={"locate": locate(team), "edit": edit(team)},
        edges={"locate": "edit", "edit": END},
        verdict=lambda s: s.applied,
    )
