"""Several ``kexie serve`` processes in front of one PostgreSQL event: one truth.

A county runs its Science Day with a server process per gate area (or per machine) and one
PostgreSQL database. These tests start two real server processes against one event and send
them real concurrent requests: a ticket shown at two gates at the same instant is let in once,
the counts are exact, a killed process loses no answered admission, and what one process
records about logins and tickets holds on the other at once.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest

from kexie_events.eventfile import load_event
from kexie_events.store import open_event_store

from conftest import LiveServer


@pytest.fixture
def county(postgres_url, monkeypatch, make_event, run):
    """An English eclipse event stored in PostgreSQL, with 200 tickets."""
    monkeypatch.setenv("KEXIE_DATABASE_URL", postgres_url)
    folder = make_event("solar-eclipse-observation", "en")
    assert run("tickets", "issue", folder, "--count", "200").exit_code == 0
    return folder


@pytest.fixture
def two_servers(county):
    servers = [LiveServer(county), LiveServer(county)]
    yield servers
    for server in servers:
        server.stop()


def codes_of(run, folder) -> list[str]:
    listing = json.loads(run("tickets", "list", folder, "--json").output)
    return [ticket["code"] for ticket in sorted(listing, key=lambda t: t["number"])]


def login(run, folder, name: str, gate: str = "north", role: str = "scanner") -> dict:
    result = run("volunteers", "add", folder, name, "--gate", gate, "--role", role)
    assert result.exit_code == 0, result.output
    [token] = [
        line.split(":", 1)[1].strip() for line in result.output.splitlines() if "token:" in line
    ]
    return {"Authorization": f"Bearer {token}"}


async def scan(client: httpx.AsyncClient, headers: dict, code: str, gate: str) -> dict:
    body = {"code": code, "gate": gate, "scan_id": uuid.uuid4().hex}
    answer = await client.post("/api/v1/checkins", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_ticket_at_two_gates_on_two_servers_at_once_is_admitted_once(two_servers, county, run):
    codes = codes_of(run, county)
    north = login(run, county, "Amy", gate="north")
    south = login(run, county, "Bo", gate="south")

    async def both_gates_at_once() -> list[list[str]]:
        async with (
            httpx.AsyncClient(base_url=two_servers[0].url, timeout=30) as one,
            httpx.AsyncClient(base_url=two_servers[1].url, timeout=30) as two,
        ):
            pairs = [
                asyncio.gather(scan(one, north, code, "north"), scan(two, south, code, "south"))
                for code in codes
            ]
            answers = await asyncio.gather(*pairs)
        return [sorted(a["result"] for a in pair) for pair in answers]

    results = asyncio.run(both_gates_at_once())
    assert results == [["admitted", "duplicate"]] * len(codes)
    for server in two_servers:
        stats = httpx.get(server.url + "/api/v1/stats", headers=north, timeout=10).json()
        assert (stats["admitted"], stats["duplicates"]) == (200, 200)


def test_a_killed_server_loses_no_answered_admission(two_servers, county, run):
    codes = codes_of(run, county)
    amy = login(run, county, "Amy")
    doomed, survivor = two_servers
    answered: list[str] = []

    async def load_then_kill() -> None:
        async with httpx.AsyncClient(base_url=doomed.url, timeout=30) as client:

            async def one(code: str) -> None:
                try:
                    answer = await scan(client, amy, code, "north")
                except (httpx.TransportError, AssertionError):
                    return  # cut off by the kill: no answer, nothing promised
                if answer["result"] == "admitted":
                    answered.append(code)
                    if len(answered) == 60:
                        doomed.kill()

            await asyncio.gather(*(one(code) for code in codes))

    asyncio.run(load_then_kill())
    assert len(answered) >= 60

    async def again() -> list[str]:
        async with httpx.AsyncClient(base_url=survivor.url, timeout=30) as client:
            answers = await asyncio.gather(*(scan(client, amy, code, "south") for code in answered))
        return [answer["result"] for answer in answers]

    # Every admission the killed process answered is in the database: a second scan of that
    # ticket, on the other process, is a duplicate.
    assert asyncio.run(again()) == ["duplicate"] * len(answered)
    stats = httpx.get(survivor.url + "/api/v1/stats", headers=amy, timeout=10).json()
    assert stats["admitted"] >= len(answered)


def test_logins_and_revocations_hold_on_every_server_at_once(two_servers, county, run):
    codes = codes_of(run, county)
    amy = login(run, county, "Amy")  # made by the CLI while both servers run
    for server in two_servers:
        assert httpx.get(server.url + "/api/v1/me", headers=amy, timeout=10).status_code == 200

    assert run("tickets", "revoke", county, "7", "--reason", "lost").exit_code == 0
    assert run("volunteers", "revoke", county, "Amy", "--by", "Chen").exit_code == 0
    for server in two_servers:
        me = httpx.get(server.url + "/api/v1/me", headers=amy, timeout=10)
        assert me.status_code == 401
        assert "withdrawn by Chen" in me.json()["error"]

    bo = login(run, county, "Bo")
    for server in two_servers:
        body = {"code": codes[6], "gate": "north", "scan_id": uuid.uuid4().hex}
        answer = httpx.post(server.url + "/api/v1/checkins", json=body, headers=bo, timeout=10)
        assert (answer.json()["result"], answer.json()["reason"]) == ("rejected", "revoked")


def test_the_store_is_the_events_schema_in_postgresql(county, plugins):
    event = load_event(county, plugins)
    with open_event_store(event, plugins) as store:
        assert store.backend == "postgresql"
        assert store.location.schema == "solar_eclipse_observation_en"
        assert not (county / "event.db").exists()
