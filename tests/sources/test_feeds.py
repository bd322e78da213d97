"""Web articles and feeds end to end, as a user runs them: real server, real model, real index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_rag
from tests.sources.server import news_site, page, rss, serve

pytestmark = pytest.mark.slow
QUESTION = "how many people were killed in the Valmora floods?"


def _rag(env: dict[str, str], tmp: Path, *args: str) -> tuple[int, str, str]:
    p = run_rag(*args, env=env, cwd=tmp)
    assert "Traceback" not in p.stderr
    return p.returncode, p.stdout, p.stderr


def _files(data: Path) -> list[str]:
    return sorted(p.relative_to(data).as_posix() for p in (data / "web").rglob("*.jsonl"))


def test_pages_and_feeds_are_added_updated_and_cited(tmp_path: Path, fresh_index: Path) -> None:
    data = tmp_path / "data"
    env = {"RAG_DATA": str(data), "RAG_INDEX": str(fresh_index), "RAG_FETCH_ALLOW": "127.0.0.1"}
    with serve() as site:
        news_site(site)
        first = site.url("/river/first-report")
        rc, out, err = _rag(env, tmp_path, "add", first)
        assert rc == 0, err
        assert len(_files(data)) == 1

        rc, out, err = _rag(env, tmp_path, "query", QUESTION, "--json")
        assert rc == 0, err
        top = json.loads(out)["results"][0]
        assert top["url"] == first and top["outlet"] == "Valmora Herald" and top["date"] == "2017-03-14"

        rc, out, err = _rag(env, tmp_path, "feed", "add", site.url("/rss"))
        assert rc == 0, err
        assert "1 added, 0 updated, 1 unchanged" in out  # the page added by URL is not duplicated
        rc, out, err = _rag(env, tmp_path, "feed", "add", site.url("/atom"))
        assert rc == 0 and "2 added" in out, (out, err)
        assert len(_files(data)) == 4

        site.hits.clear()
        rc, out, err = _rag(env, tmp_path, "feed", "update")
        assert rc == 0, err
        assert "0 added, 0 updated, 4 unchanged, 0 failed" in out
        assert sorted(site.hits) == ["/atom", "/rss"]  # no article was fetched again

        # the source corrects an article: its feed entry and page change
        site.set("/river/toll-rises", "text/html", page(
            "Valmora flood toll rises", "River Post",
            ["The number of people killed in the Valmora floods rose to 80 on Wednesday, officials said."]))
        site.set("/rss", "application/rss+xml", rss(site.base, [
            ("Floods hit Valmora", "/river/first-report", "Tue, 14 Mar 2017 09:00:00 GMT"),
            ("Valmora flood toll rises (corrected)", "/river/toll-rises", "Wed, 15 Mar 2017 18:00:00 GMT")]))
        rc, out, err = _rag(env, tmp_path, "feed", "update")
        assert rc == 0 and "0 added, 1 updated" in out, (out, err)
        assert len(_files(data)) == 4  # updated in place, never duplicated

        rc, out, err = _rag(env, tmp_path, "timeline", QUESTION, "--json")
        assert rc == 0, err
        tl = json.loads(out)
        dates = [e["date"] for e in tl["events"]]
        assert dates == sorted(dates) and dates[0] == "2017-03-14"
        for e in tl["events"]:
            src = json.loads((data / e["path"].split("#")[0]).read_text().splitlines()[0])["text"]
            assert src[e["start"]:e["end"]] == e["text"] and e["url"].startswith(site.base)
        toll = [f for f in tl["figures"] if {v["value"] for v in f["values"]} >= {"65", "80", "113"}]
        assert toll, tl["figures"]
        assert [v["value"] for v in toll[0]["values"]] == ["65", "80", "113"]
        assert "65 (Valmora Herald, 14 Mar) → 80 (River Post, 15 Mar) → 113 (Coast Times, 16 Mar)" in toll[0]["text"]

        # natural-language date filters, relative to --now
        rc, out, err = _rag(env, tmp_path, "query", "Valmora floods", "--since", "March 15, 2017", "--json")
        got = {r["date"] for r in json.loads(out)["results"]}
        assert rc == 0 and got and min(got) >= "2017-03-15", err
        rc, out, err = _rag(env, tmp_path, "query", "Valmora floods", "--until", "14 Mar", "--now", "2017-03-20",
                            "--json")
        assert rc == 0 and {r["date"] for r in json.loads(out)["results"]} == {"2017-03-14"}, err

        # --recent prefers newer reports: the 14 March report leads without it, not with a 1-day half-life
        headline = "the old dam burst and floods hit Valmora"
        rc, out, err = _rag(env, tmp_path, "query", headline, "--json")
        assert rc == 0 and json.loads(out)["results"][0]["date"] == "2017-03-14", err
        rc, out, err = _rag(env, tmp_path, "query", headline, "--json", "--recent", "1", "--now", "2017-03-16")
        ranked = json.loads(out)["results"]
        assert rc == 0 and ranked[0]["date"] > "2017-03-14", err
        assert [r["rank"] for r in ranked] == list(range(1, len(ranked) + 1))
        rc, out, err = _rag(env, tmp_path, "query", QUESTION, "--recent", "1", "--now", "2017-03-16")
        assert rc == 0 and site.url("/2017/03/16/valmora-toll") in out  # the URL is in the citation

        rc, out, err = _rag(env, tmp_path, "feed", "remove", site.url("/rss"))
        assert rc == 0, err
        rc, out, err = _rag(env, tmp_path, "feed", "list", "--json")
        assert [f["url"] for f in json.loads(out)] == [site.url("/atom")]

        site.set("/atom", "text/html", b"<html>gone</html>", status=500)
        rc, out, err = _rag(env, tmp_path, "feed", "update")
        assert rc == 1 and "HTTP 500" in err  # cron sees the failure
