"""The command line: `python -m llm_core models | ask | compare | logs | rate | vote | eval`."""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ..catalog import catalog_with_local_models
from ..compare import Comparison, Job
from ..config import Config
from ..errors import SwitchboardError
from ..options import Options, parse_option_pairs
from ..readiness import not_ready_reason
from ..record import Message, Result
from ..session.display import format_cost, metrics_line, result_json
from ..session.picker import default_models
from ..templates import compose_messages
from . import evaluate as eval_command
from . import logs as log_commands
from . import vote as vote_command

INTERRUPTED = 130  # what shells report for a command stopped by Ctrl-C (128 + SIGINT)
# Python keeps each byte of argv or stdin that was not valid UTF-8 as a lone surrogate, which no provider, log
# or terminal can take.
_NOT_UTF8 = re.compile("[\ud800-\udfff]")


class UsageError(SwitchboardError):
    """Bad command-line usage: exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(prog="python -m llm_core", description="Switchboard: compare LLMs side by side.")
    sub = parser.add_subparsers(dest="command", required=True)
    models = sub.add_parser("models", help="list every model: provider, configured or not, prices")
    models.add_argument("--json", action="store_true", help="one JSON object per model")
    defaults = {"ask": "auto", "compare": "the best two ready models; the offline demo pair when no key is set"}
    for name, help_text in (("ask", "ask one model"), ("compare", "ask several models at once")):
        default = defaults[name]
        p = sub.add_parser(name, help=help_text)
        p.add_argument(
            "-m", "--model", action="append", help="model id, alias, provider:model or auto (default: " + default + ")"
        )
        p.add_argument("--template", help="a prompt template name (see the Settings page or templates.toml)")
        p.add_argument("--system", help="a system prompt")
        p.add_argument(
            "-o",
            "--option",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="temperature=0.2, max_tokens=200, top_p=0.9",
        )
        p.add_argument("--json", action="store_true", help="print one JSON object per response")
        p.add_argument("prompt", help="the prompt, or - to read it from standard input")
    log_commands.register(sub)
    eval_command.register(sub)
    vote_command.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 all ok, 1 a response failed, 2 bad usage)."""
    parser = build_parser()
    argv, replaced = replace_invalid_text(sys.argv[1:] if argv is None else argv)
    _warn_replaced("the command line", replaced)
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    try:
        if args.command == "models":
            return list_models(args.json)
        if args.command in ("ask", "compare"):
            return run_prompt(args)
        return args.handler(args)
    except SwitchboardError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # before any model was asked (while a prompt is typed, say)
        print("cancelled: stopped by Ctrl-C; nothing was asked", file=sys.stderr)
        return INTERRUPTED


def replace_invalid_text(args: list[str]) -> tuple[list[str], int]:
    """The arguments with every byte that was not valid UTF-8 replaced by U+FFFD, and how many were."""
    replaced = [_NOT_UTF8.subn("\ufffd", arg) for arg in args]
    return [arg for arg, _ in replaced], sum(count for _, count in replaced)


def read_stdin() -> str:
    """Standard input as text; bytes that are not valid UTF-8 are replaced by U+FFFD, with a warning."""
    buffer = getattr(sys.stdin, "buffer", None)
    # Read the bytes: a strict text stream would raise on the first bad byte, a lenient one keeps surrogates.
    text = sys.stdin.read() if buffer is None else buffer.read().decode(sys.stdin.encoding, "surrogateescape")
    (text,), replaced = replace_invalid_text([text])
    _warn_replaced("standard input", replaced)
    return text


def _warn_replaced(source: str, count: int) -> None:
    if count:
        what = "1 byte" if count == 1 else f"{count} bytes"
        print(f"warning: {source} was not valid UTF-8: {what} replaced with \ufffd (U+FFFD)", file=sys.stderr)


def list_models(as_json: bool) -> int:
    """Print the catalog with each model's provider, configuration and prices."""
    config, catalog = Config(), catalog_with_local_models(Config())
    for model in catalog.models.values():
        status, reason = config.status(model.provider), not_ready_reason(model, config)
        row = {
            "id": model.id,
            "label": model.label,
            "provider": model.provider,
            "name": model.name,
            "configured": status.configured,
            "ready": not reason,
            "hint": reason,
            "input_price": model.input_price,
            "output_price": model.output_price,
            "context_window": model.context_window,
            "priority": model.priority,
            "aliases": list(model.aliases),
            "fallbacks": list(model.fallbacks),
            "demo": model.is_demo,
        }
        if as_json:
            print(json.dumps(row))
        else:
            ready = f"not ready: {reason}" if reason else "ready"
            prices = (
                "free"
                if model.input_price == 0 and model.output_price == 0
                else (
                    f"${model.input_price:.2f} / ${model.output_price:.2f} per 1M" if model.priced else "price unknown"
                )
            )
            print(f"{model.id:<26} {model.provider:<11} {prices:<24} {ready}")
    return 0


def build_messages(prompt: str, template: str | None, system: str | None) -> list[Message]:
    """The first turn of a conversation; an empty prompt is a usage error."""
    if not prompt.strip():
        raise UsageError("the prompt is empty: type something, or pass - and pipe it in")
    return compose_messages(prompt, template, system)


def run_prompt(args: argparse.Namespace) -> int:
    """Ask one model (ask) or several at once (compare), printing as the answers arrive."""
    catalog = catalog_with_local_models(Config())
    if not args.model:
        args.model = ["auto"] if args.command == "ask" else default_models(catalog, Config())
    if args.command == "ask" and len(args.model) != 1:
        raise UsageError("ask takes one -m MODEL; use compare for several")
    prompt = read_stdin() if args.prompt == "-" else args.prompt
    messages = build_messages(prompt, args.template, args.system)
    options: Options = parse_option_pairs(args.option)
    jobs = [Job(m, messages, options, template=args.template or "") for m in args.model]
    for job in jobs:  # fail fast, before any call, on a name that cannot work
        catalog.get(job.model) if job.model != "auto" else None
    comparison = Comparison(jobs, catalog=catalog, fallbacks=args.command == "ask")  # compare: each model as itself
    try:
        with _cancel_on_ctrl_c(comparison) as interrupted:
            results = _show(comparison, args.json)
    except KeyboardInterrupt:  # the second Ctrl-C: the user would rather not wait for the turns to stop
        print("cancelled: stopped at once by a second Ctrl-C; the answers in flight were not logged", file=sys.stderr)
        return INTERRUPTED
    if interrupted.is_set():
        cancelled = sum(r.status == "cancelled" for r in results)
        print(
            f"cancelled: stopped by Ctrl-C; {_answers(cancelled)} logged as cancelled, with the text so far",
            file=sys.stderr,
        )
        return INTERRUPTED
    return 0 if all(r.ok for r in results) else 1


@contextmanager
def _cancel_on_ctrl_c(comparison: Comparison) -> Iterator[threading.Event]:
    """The first Ctrl-C cancels every turn, which then logs itself as `cancelled`; a second one quits at once.

    A KeyboardInterrupt would unwind the main thread while the workers (daemon threads) die unlogged.
    """
    interrupted = threading.Event()
    if threading.current_thread() is not threading.main_thread():  # only the main thread receives signals
        yield interrupted
        return

    def cancel(signum: int, frame: object) -> None:
        interrupted.set()
        comparison.cancel()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, cancel)
    try:
        yield interrupted
    finally:
        signal.signal(signal.SIGINT, previous)


def _answers(count: int) -> str:
    return "1 unfinished answer" if count == 1 else f"{count} unfinished answers"


def _show(comparison: Comparison, as_json: bool) -> list[Result]:
    """Print the answers as they come: JSON lines, one streamed answer, or each answer as it finishes."""
    if as_json:
        return _run_quietly(comparison)
    if len(comparison.turns) == 1:
        return _stream_one(comparison)
    return _print_in_flag_order(comparison)


def _run_quietly(comparison: Comparison) -> list[Result]:
    for event in comparison:
        if event.done:
            print(json.dumps(response_json(event.result)), flush=True)
    return comparison.results


def response_json(r: Result) -> dict:
    """One --json line: the record with the answer as `response`, as the log and the API name it.

    `text`, the name before, follows at the end for a release, so scripts reading it keep working."""
    row = result_json(r)
    named = {("response" if name == "text" else name): value for name, value in row.items()}
    return {**named, "text": row["text"]}


def _stream_one(comparison: Comparison) -> list[Result]:
    for event in comparison:
        if event.delta:
            sys.stdout.write(event.delta)
            sys.stdout.flush()
    result = comparison.results[0]
    if result.text and not result.text.endswith("\n"):
        print()  # the shell's prompt starts on a line of its own
    _print_footer(result)
    return comparison.results


def _print_in_flag_order(comparison: Comparison) -> list[Result]:
    """Each answer under its model's name, in the order of the -m flags, each printed once it and those before it
    are done (a fast last model waits for the first, so the output reads the same on every run)."""
    results = comparison.results
    finished: set[int] = set()  # by the turn's own done event: a result's status turns final before it is measured
    shown = 0
    for event in comparison:
        if event.done:
            finished.add(event.slot)
            while shown in finished:
                _print_section(results[shown])
                shown += 1
    for r in results[shown:]:  # cancelled before they reported done
        _print_section(r)
    total = sum(r.cost_usd or 0 for r in results)
    print(f"\ntotal cost {format_cost(total)}")
    return results


def _print_section(r: Result) -> None:
    print(f"\n── {r.label or r.model} ──")
    if r.status == "error":
        print(f"[error] {r.error}")
    else:
        print(r.text)
        _print_footer(r, sys.stdout)


def _print_footer(r: Result, out=None) -> None:
    """Status and figures; for a single answer on stderr, so stdout holds only the answer.

    A call that failed before any answer has no figures to show: just its status and error."""
    out = out or sys.stderr
    if r.status == "error" and r.ttft_ms is None:
        print(f"[error] {r.error}", file=sys.stderr, flush=True)
    else:
        print(f"\n[{r.status}] {metrics_line(r)}", file=out, flush=True)
        if r.error:
            print(f"error: {r.error}", file=sys.stderr)
    if r.log_warning:
        print(f"warning: {r.log_warning}", file=sys.stderr)
