"""The repository roles' prompts, kept within a token budget.

Tokens are estimated at 3 characters each (code and prose tokenise at 3 to 4; the low figure errs
on the safe side). ``fit_messages`` renders a role's messages and, while they are over the budget,
shortens the variables named in ``cuttable``, in that order: a text loses its end, a list its last
items, a list of files the end of its last file's content first (each cut says how much is not
shown). A prompt still over the budget after that loses its middle, so the instructions at its end
survive: a prompt is cut, never sent too big.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sparring.llm.types import Message
from sparring.roles import Role

CHARS_PER_TOKEN = 3


def head(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters at a line end, with a line saying what is left out."""
    if len(text) <= limit:
        return text
    kept = text[: max(0, limit)]
    kept = kept[: kept.rfind("\n") + 1] if "\n" in kept else ""
    left = text[len(kept) :].count("\n") + (not text.endswith("\n"))
    return f"{kept}# … ({left} more lines not shown)\n"


def fit_messages(
    role: Role, tokens: int, cuttable: Sequence[str], **variables: Any
) -> tuple[list[Message], list[str]]:
    """``role``'s messages within ``tokens`` (estimated), and the names of what had to be cut."""
    limit = tokens * CHARS_PER_TOKEN
    values, cut = dict(variables), []
    for name in cuttable:
        over = _size(role.messages(**values)) - limit
        if over <= 0:
            break
        values[name] = _shorten(values.get(name), over)
        cut.append(name)
    messages = role.messages(**values)
    over = _size(messages) - limit
    if over > 0:
        messages = _cut_middle(messages, over)
        cut.append("prompt")
    return messages, cut


def _size(messages: Sequence[Message]) -> int:
    return sum(len(m.content) for m in messages)


def _shorten(value: Any, over: int) -> Any:
    """``value`` made at least ``over`` characters shorter (or emptied)."""
    if isinstance(value, str):
        return head(value, len(value) - over - 40) if value else value
    if not isinstance(value, list):
        return value
    items = list(value)
    if items and all(isinstance(v, dict) and "content" in v for v in items):
        for i in reversed(range(len(items))):
            content = items[i]["content"]
            if over <= 0:
                break
            shorter = head(content, len(content) - over - 40)
            over -= len(content) - len(shorter)
            items[i] = {**items[i], "content": shorter}
        return items
    while items and over > 0:
        over -= len(str(items.pop())) + 1
    return items


def _cut_middle(messages: list[Message], over: int) -> list[Message]:
    """The longest message loses ``over`` characters (and a few more) from its middle."""
    at = max(range(len(messages)), key=lambda i: len(messages[i].content))
    text = messages[at].content
    marker = "\n… (part of this prompt was cut to fit the model's context) …\n"
    keep = max(0, len(text) - over - len(marker))
    cut = text[: keep // 2] + marker + text[len(text) - (keep - keep // 2) :]
    return [*messages[:at], Message(messages[at].role, cut), *messages[at + 1 :]]
