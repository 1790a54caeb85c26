"""The top-level typer app: global options and the small commands; command groups live beside it."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from sparring import __version__
from sparring.cli.bench import bench_command
from sparring.cli.doctor import doctor_command
from sparring.cli.lessons import lessons_app
from sparring.cli.models import models_app
from sparring.cli.review import review_command
from sparring.cli.runs import runs_app
from sparring.cli.sandbox import sandbox_command
from sparring.cli.solve import demo_command, solve_command
from sparring.llm import open_model

console = Console(highlight=False, emoji=False)

app = typer.Typer(
    name="sparring",
    help="A team of LLM agents that builds, attacks and repairs code until tests say it is right.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(models_app, name="models")
app.add_typer(runs_app, name="runs")
app.add_typer(lessons_app, name="lessons")
app.command("solve")(solve_command)
app.command("demo")(demo_command)
app.command("sandbox")(sandbox_command)
app.command("bench")(bench_command)
app.command("review")(review_command)
app.command("doctor")(doctor_command)

ModelOpt = Annotated[
    str,
    typer.Option(
        "--model", "-m", help="Model spec: local, local:PATH.gguf, openai:M, ollama:M, anthropic:M, URL#M"
    ),
]


def _version(value: bool) -> None:
    if value:
        console.print(f"sparring {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """sparring: tested code from a team of agents, on any model."""


@app.command()
def ask(
    prompt: Annotated[str, typer.Argument(help="The prompt to send.")],
    model: ModelOpt = "local",
    system: Annotated[str | None, typer.Option(help="A system message.")] = None,
    max_tokens: Annotated[int, typer.Option(help="Completion token limit.", min=1)] = 512,
    temperature: Annotated[float, typer.Option(help="Sampling temperature.")] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the reply as one JSON object.")] = False,
) -> None:
    """One completion: a quick way to check that a backend works."""
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": prompt}
    ]
    reply = open_model(model).complete(messages, max_tokens=max_tokens, temperature=temperature, role="ask")
    if as_json:
        out = {
            "text": reply.text,
            "model": reply.model,
            "usage": {
                "prompt_tokens": reply.usage.prompt_tokens,
                "completion_tokens": reply.usage.completion_tokens,
                "total_tokens": reply.usage.total_tokens,
            },
            "latency": round(reply.latency, 3),
            "cost": reply.cost,
            "cached": reply.cached,
        }
        typer.echo(json.dumps(out, ensure_ascii=False))
    else:
        typer.echo(reply.text)
        Console(stderr=True, highlight=False, emoji=False).print(
            f"[dim]{reply.model} · {reply.usage.prompt_tokens}+{reply.usage.completion_tokens} tokens · "
            f"{reply.latency:.1f}s{' · cached' if reply.cached else ''}[/]",
        )
