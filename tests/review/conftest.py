"""The review tests use the repository tests' small git project."""

from tests.repo.conftest import git_repo as git_repo
