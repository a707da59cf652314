"""A Turn on the event loop (`async for`, `acomplete`): the same answers, fallbacks, retries, cuts and log rows as the
blocking path, through the real OpenAI SDK's async client against loopback servers, and cancelled the asyncio way."""

import asyncio
import threading

import pytest

from llm_core import Turn
from llm_core.store.csv_store import LogStore
from tests.loopback import Behaviour

HELLO = [{"role": "user", "content": "hello"}]


def test_an_async_turn_answers_with_the_providers_usage_and_logs_one_row(fallback_servers, store):
    primary, _ = fallback_servers
    primary.script(Behaviour(reply="Four words right here", prompt_tokens=11))

    async def pieces() -> list[str]:
        return [piece async for piece in Turn("primary", HELLO, store=store)]

    assert "".join(asyncio.run(pieces())) == "Four words right here"
    rows = store.read_requests().frame
    assert list(rows["status"]) == ["ok"] and list(rows["completion_tokens"]) == [4]
    assert list(rows["prompt_tokens"]) == [11] and list(rows["token_source"]) == ["provider"]


def test_an_async_turn_holds_no_thread_while_it_waits_for_the_model(fallback_servers):
    primary, _ = fallback_servers
    primary.script(Behaviour(reply="slow to start", ttft_ms=600))

    async def many() -> tuple[list, int]:
        turns = [Turn("primary", HELLO, store=False) for _ in range(30)]
        running = [asyncio.ensure_future(turn.acomplete()) for turn in turns]
        await asyncio.sleep(0.3)  # every call has sent its request and is waiting for the first token
        threads = threading.active_count()
        return await asyncio.gather(*running), threads

    before = threading.active_count()
    results, during = asyncio.run(many())
    assert all(r.status == "ok" and r.text == "slow to start" for r in results)
    # The loopback server takes a thread per request (30); the calls themselves add none, whereas a thread per call
    # would add 30 more.
    assert during - before <= 30 + 5


def test_an_async_turn_falls_back_when_the_first_model_fails(fallback_servers):
    primary, backup = fallback_servers
    primary.script(Behaviour(status=401))
    backup.script(Behaviour(reply="the backup answers"))
    r = asyncio.run(Turn("primary", HELLO, store=False).acomplete())
    assert (r.status, r.text, r.model, r.fallback_for) == ("ok", "the backup answers", "backup", "primary")


def test_an_async_turn_retries_a_server_error_before_the_first_token(fallback_servers):
    primary, _ = fallback_servers
    primary.script(Behaviour(status=500), Behaviour(reply="second time lucky"))
    r = asyncio.run(Turn("primary", HELLO, store=False, fallbacks=False).acomplete())
    assert (r.status, r.text, r.attempts) == ("ok", "second time lucky", 2)


def test_an_async_stream_cut_mid_answer_keeps_the_text_as_incomplete(fallback_servers):
    primary, _ = fallback_servers
    primary.script(Behaviour(reply="one two three four", cut_after_tokens=2))
    r = asyncio.run(Turn("primary", HELLO, store=False).acomplete())
    assert (r.status, r.text) == ("incomplete", "one two")
    assert "cut" in r.error


def test_cancelling_the_task_cancels_the_call_logs_it_and_frees_the_provider(fallback_servers, store):
    primary, _ = fallback_servers
    primary.script(Behaviour(reply="word " * 300, tokens_per_s=50))  # six seconds of answer
    turn = Turn("primary", HELLO, store=store)

    async def cancel_after_some_text() -> None:
        task = asyncio.ensure_future(turn.acomplete())
        while not turn.result.text:
            await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_after_some_text())
    assert turn.result.status == "cancelled" and turn.result.text.startswith("word")
    assert primary.last.client_gone.wait(2), "the provider kept streaming to a call that was cancelled"
    assert list(LogStore(store.directory).read_requests().frame["status"]) == ["cancelled"]


def test_closing_an_async_turn_midway_ends_it_cancelled_and_logged(fallback_servers, store):
    primary, _ = fallback_servers
    primary.script(Behaviour(reply="word " * 300, tokens_per_s=100))
    turn = Turn("primary", HELLO, store=store)

    async def read_one_then_close() -> None:
        pieces = aiter(turn)
        assert (await anext(pieces)).strip() == "word"
        await pieces.aclose()

    asyncio.run(read_one_then_close())
    assert turn.result.status == "cancelled"
    assert list(store.read_requests().frame["status"]) == ["cancelled"]
    assert primary.last.client_gone.wait(2)


def test_cancel_between_attempts_stops_the_async_turn(fallback_servers):
    primary, _ = fallback_servers
    primary.script(Behaviour(status=429, retry_after=5), Behaviour(reply="too late"))
    turn = Turn("primary", HELLO, store=False, fallbacks=False)

    async def cancel_while_waiting() -> None:
        task = asyncio.ensure_future(turn.acomplete())
        await asyncio.sleep(0.5)  # the first attempt failed; the turn waits 5 s before the next
        turn.cancel()
        await asyncio.wait_for(task, 2)

    asyncio.run(cancel_while_waiting())
    assert turn.result.status == "cancelled" and turn.result.attempts == 1


def test_an_echo_turn_answers_the_same_on_both_paths(isolated):
    blocking = Turn("echo", HELLO, store=False).complete()
    on_the_loop = asyncio.run(Turn("echo", HELLO, store=False).acomplete())
    assert on_the_loop.status == blocking.status == "ok"
    assert on_the_loop.text == blocking.text


class CountingStore(LogStore):
    """A CSV store that counts its writes to requests.csv."""

    writes = 0

    def _append(self, path, columns, rows):
        if path == self.requests_path:
            self.writes += 1
        super()._append(path, columns, rows)


def test_a_crowd_of_async_turns_ending_together_is_logged_in_a_few_writes(fallback_servers, tmp_path):
    primary, _ = fallback_servers
    primary.script(Behaviour(reply="together"))
    store = CountingStore(tmp_path / "logs")

    async def crowd() -> list:
        turns = [Turn("primary", HELLO, store=store, fallbacks=False) for _ in range(40)]
        results = await asyncio.gather(*(turn.acomplete() for turn in turns))
        logged = set(store.read_requests().frame["request_id"])  # read as the replies end, not later
        return [(r.status, r.log_warning, r.request_id in logged) for r in results]

    assert asyncio.run(crowd()) == [("ok", "", True)] * 40
    assert store.writes < 40  # one write (one lock, one fsync) took the rows that ended while another was written


def test_many_first_async_calls_at_once_build_one_client(fallback_servers, monkeypatch):
    from llm_core.providers import _clients

    built = []
    real = _clients._async_http_client
    monkeypatch.setattr(_clients, "_async_http_client", lambda *a: built.append(1) or real(*a))
    primary, _ = fallback_servers
    primary.script(Behaviour(reply="one client"))

    async def many() -> list:
        return await asyncio.gather(*(Turn("primary", HELLO, store=False).acomplete() for _ in range(20)))

    assert [r.text for r in asyncio.run(many())] == ["one client"] * 20
    assert len(built) == 1  # the others waited for it, where each took a thread to build its own
