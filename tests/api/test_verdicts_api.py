"""POST /vote and POST /rate: feeding the leaderboard and ratings from scripts and other front ends."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from llm_core.api.server import create_app
from llm_core.record import Result
from llm_core.store.csv_store import default_store


@pytest.fixture
def client() -> TestClient:
    return TestClient(create_app())


@pytest.fixture
def comparison(client) -> dict:
    """A comparison of the two offline demo models, as POST /compare returns it."""
    reply = client.post("/compare", json={"prompt": "judge us", "models": ["echo", "echo-outline"]})
    assert reply.status_code == 200
    return reply.json()


def test_vote_records_the_winner_by_request_id_for_the_leaderboard(client, comparison):
    winner = comparison["results"][1]

    reply = client.post("/vote", json={"comparison_id": comparison["comparison_id"], "winner": winner["request_id"]})

    assert reply.status_code == 200
    body = reply.json()
    assert body["winner"] == winner["request_id"] and body["winning_model"] == "echo-outline"
    assert sorted(body["models"]) == ["echo", "echo-outline"]
    logged = default_store().read_votes().frame.iloc[-1]
    assert logged["comparison_id"] == comparison["comparison_id"] and logged["winner"] == winner["request_id"]


@pytest.mark.parametrize("outcome", ["tie", "both_bad"])
def test_vote_takes_a_tie_or_both_bad(client, comparison, outcome):
    reply = client.post("/vote", json={"comparison_id": comparison["comparison_id"], "winner": outcome})
    assert reply.status_code == 200 and reply.json()["winning_model"] == ""
    assert default_store().read_votes().frame["winner"].tolist() == [outcome]


def test_a_second_vote_on_a_comparison_is_a_409(client, comparison):
    vote = {"comparison_id": comparison["comparison_id"], "winner": "tie"}
    assert client.post("/vote", json=vote).status_code == 200
    second = client.post("/vote", json=vote)
    assert second.status_code == 409 and "already has a vote" in second.json()["detail"]


def test_vote_on_an_unknown_comparison_is_a_404(client):
    reply = client.post("/vote", json={"comparison_id": "nosuchcomparison", "winner": "tie"})
    assert reply.status_code == 404 and "no logged comparison" in reply.json()["detail"]


def test_a_winner_outside_the_comparison_is_a_400_listing_the_choices(client, comparison):
    reply = client.post("/vote", json={"comparison_id": comparison["comparison_id"], "winner": "deadbeef00"})
    assert reply.status_code == 400
    assert all(r["request_id"] in reply.json()["detail"] for r in comparison["results"])
    assert default_store().read_votes().frame.empty


def test_rate_takes_stars_and_a_unique_prefix(client, comparison):
    request_id = comparison["results"][0]["request_id"]
    reply = client.post("/rate", json={"request_id": request_id[:6], "stars": 5})
    assert reply.status_code == 200
    assert reply.json()["request_id"] == request_id and reply.json()["stars"] == 5
    assert default_store().find_request(request_id)["stars"] == 5


def test_rate_still_takes_score_the_old_name(client, comparison):
    request_id = comparison["results"][0]["request_id"]
    reply = client.post("/rate", json={"request_id": request_id, "score": 2})
    assert reply.status_code == 200 and reply.json()["stars"] == reply.json()["score"] == 2


def test_rate_refuses_an_error_row(client):
    failed = Result(model="echo", requested_model="echo", status="error", error="provider down")
    default_store().append_response(failed)
    reply = client.post("/rate", json={"request_id": failed.request_id, "stars": 1})
    assert reply.status_code == 409 and "no answer to rate" in reply.json()["detail"]


def test_a_gateway_answer_can_be_rated_by_its_header(client):
    completion = client.post(
        "/v1/chat/completions", json={"model": "echo", "messages": [{"role": "user", "content": "hi"}]}
    )
    request_id = completion.headers["x-switchboard-request-id"]
    assert client.post("/rate", json={"request_id": request_id, "stars": 3}).status_code == 200
    assert default_store().find_request(request_id)["stars"] == 3
