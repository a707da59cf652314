"""Run one loopback server as a process: `python -m tests.loopback openai --port 8765 --ttft-ms 200`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from . import WIRES, Behaviour, LoopbackServer, Received


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.loopback", description=__doc__)
    parser.add_argument("wire", choices=sorted(WIRES), help="which provider's wire format to speak")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--reply", default="Hello from the loopback server.", help="the text every answer streams")
    parser.add_argument("--ttft-ms", type=float, default=0, help="time to first token, in milliseconds")
    parser.add_argument("--tokens-per-s", type=float, default=None, help="token rate (default: as fast as possible)")
    parser.add_argument("--status", type=int, default=200, help="answer every request with this HTTP status")
    parser.add_argument("--no-usage", action="store_true", help="do not report token usage")
    parser.add_argument("--timings", type=Path, help="append a JSON line per answer: when it arrived, its last token")
    return parser


def timings_writer(path: Path):
    """Record each answer's wall-clock times, for a benchmark to line up with the browser's clock."""

    def write(received: Received) -> None:
        times = {"arrived_at": received.arrived_at, "last_token_at": received.last_token_at}
        line = {**times, "tokens": received.tokens_sent}
        with path.open("a") as out:
            out.write(json.dumps(line) + "\n")

    return write


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted, after printing the base URL to give the SDK."""
    args = _parser().parse_args(argv)
    on_done = timings_writer(args.timings) if args.timings else None
    server = LoopbackServer(WIRES[args.wire](), args.port, on_done=on_done)
    server.script(
        Behaviour(
            reply=args.reply,
            ttft_ms=args.ttft_ms,
            tokens_per_s=args.tokens_per_s,
            status=args.status,
            usage=not args.no_usage,
        )
    )
    also = f" (Groq SDK: {server.url})" if args.wire == "openai" else ""
    print(f"serving {args.wire} at {server.base_url}{also}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", flush=True)


if __name__ == "__main__":
    main()
