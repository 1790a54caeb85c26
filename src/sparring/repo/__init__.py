"""Retrieval for repository tasks: a ranked repo map within a token budget, code search, callers.

index = index_repo(root, files)
text = repo_map(index, mentioned=identifiers(issue), budget=1024)
search_code(root, files, "parse_date"), callers(root, files, "parse_date")
"""

from __future__ import annotations

from sparring.repo.repomap import RepoIndex, Symbol, identifiers, index_repo, rank_files, repo_map
from sparring.repo.search import Hit, callers, search_code

__all__ = [
    "Hit",
    "RepoIndex",
    "Symbol",
    "callers",
    "identifiers",
    "index_repo",
    "rank_files",
    "repo_map",
    "search_code",
]
