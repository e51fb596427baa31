"""Search counts past the exact-count cap, facet estimates from a stratified sample, the newest window."""

from __future__ import annotations

import re

import pytest

from experiences import search
from experiences.models import Place, SearchEntry
from experiences.search import engines
from experiences.search import facets as search_facets
from experiences.search.engines import base, postgres

pytestmark = pytest.mark.django_db


def page(client, **params) -> str:
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response.content.decode()


def clone_entries(kind: str, word: str, ids: list[int]) -> None:
    """Copies of a seed entry matching ``word`` at these ids (as if indexed over a long time)."""
    source = SearchEntry.objects.filter(kind=kind, published=True, body__contains=word).first()
    SearchEntry.objects.bulk_create(
        SearchEntry(
            id=pk,
            kind=kind,
            object_id=10**9 + pk,
            document_id=source.document_id,
            published=True,
            title=source.title,
            body=source.body,
            tags=source.tags,
            chars=source.chars,
        )
        for pk in ids
    )


def postgres_engine():
    engine = engines.backend()
    if not isinstance(engine, engines.PostgresEngine):
        pytest.skip("id blocks are a PostgreSQL index token")
    return engine


def test_past_the_cap_the_total_says_more_than_and_lists_that_many(client, settings):
    exact = page(client, q="人才")
    total = int(re.search(r"找到 (\d+) 条", exact).group(1))
    assert total > 3
    settings.KBASE_SEARCH_EXACT_TOTAL = 3
    html = page(client, q="人才")
    assert "找到超过 3 条" in html
    assert len(re.findall(r'<li class="card result">', html)) == 3
    # The type that passed the cap says so; place and theme facets show shares, not made-up counts.
    assert re.search(r'<span class="count">3\+</span>', html)
    assert re.search(r'<span class="count">\d+%</span>', html)
    assert "百分比" in html


def test_below_the_cap_counts_stay_exact(client, settings):
    settings.KBASE_SEARCH_EXACT_TOTAL = 10_000
    html = page(client, q="督查")
    assert "超过" not in html
    assert "%</span>" not in html


def test_sample_sizes_share_the_sample_in_proportion_and_keep_every_type():
    sizes = search_facets.sample_sizes({"practice": 9000, "recommendation": 990, "section": 10}, size=500)
    assert sizes == {"practice": 450, "recommendation": 50, "section": 1}
    assert search_facets.sample_sizes({"practice": 30, "section": 2}, size=500) == {"practice": 30, "section": 2}


def test_facet_estimates_scale_each_type_by_its_own_sampling_ratio():
    hubei = Place.objects.get(adcode="420000")
    facets = search_facets.build(
        counts={"practice": 1000, "recommendation": 10},
        sampled={"practice": 100, "recommendation": 10},
        rows=[("place", "42", "practice", 30), ("place", "42", "recommendation", 4)],
        cap=10_000,
    )
    [place] = facets["place"]
    assert (place.value, place.label, place.count) == ("420000", hubei.name, 30 * 10 + 4)
    assert facets["approximate"]
    assert not facets["more"]
    assert [(f.value, f.count, f.more) for f in facets["type"]] == [
        ("practice", 1000, False),
        ("recommendation", 10, False),
    ]


def test_a_type_past_the_cap_is_a_floor_and_facets_become_shares():
    facets = search_facets.build(
        counts={"practice": 11, "recommendation": 5},
        sampled={"practice": 5, "recommendation": 5},
        rows=[("place", "42", "practice", 5), ("place", "42", "recommendation", 1)],
        cap=10,
    )
    assert facets["more"]
    assert [(f.count, f.more) for f in facets["type"]] == [(10, True), (5, False)]
    [place] = facets["place"]
    assert place.share == round(100 * (5 * 10 / 5 + 1) / 15)


def test_narrowing_to_the_newest_id_blocks_finds_the_same_newest_matches(django_db_setup):
    engine = engines.backend()
    if not isinstance(engine, engines.PostgresEngine):
        pytest.skip("id blocks are a PostgreSQL index token")
    query = search.understand("人才")
    prepared = engine.prepare(list(query.terms), search.Filters())
    every = SearchEntry.objects.filter(published=True).count()
    with engine._index_only():
        # A huge estimate makes the engine narrow to the newest block first (the seed fits in one).
        narrowed = engine._newest(prepared, n=5, estimate=10 * every)
        plain = engine._newest(prepared, n=5, estimate=1)
        # The block tokens themselves find the newest matches, without falling back to all of them.
        top = SearchEntry.objects.order_by("-pk").values_list("pk", flat=True)[0]
        blocks = engine._blocks(n=5, density=1.0, top=top)
        matches, args = engine._matches(engine._narrowed(prepared, blocks))
        direct = [row[0] for row in engine._run(f"SELECT e.id {matches} ORDER BY e.id DESC LIMIT 5", args)]
    assert blocks
    assert direct == plain
    assert narrowed == plain
    assert len(plain) == 5
    assert plain == sorted(plain, reverse=True)


def test_each_type_is_sampled_from_its_own_newest_matches(django_db_setup, monkeypatch):
    engine = postgres_engine()
    # A recommendation indexed long after everything else (ids far past the seed's block):
    # the newest blocks then hold no practice, and the practices must not be missed for it.
    clone_entries("recommendation", "人才", [20 * postgres.ID_BLOCK])
    monkeypatch.setattr(base, "FACET_SAMPLE", 2)  # a sample smaller than the seed's matches
    prepared = engine.prepare(list(search.understand("人才").terms), search.Filters())
    samples = []
    real_sample = engine._sample

    def counted_sample(prepared, *, sizes, blocks, **kwargs):
        samples.append(blocks)
        return real_sample(prepared, sizes=sizes, blocks=blocks, **kwargs)

    engine._sample = counted_sample
    with engine._index_only():
        counts, top, extent, densities, _presampled = engine._type_counts(prepared, cap=3)
        type_newest = {kind: newest for kind, (_oldest, newest) in extent.items()}
        sampled, _ = engine._facet_sample(prepared, counts=counts, type_newest=type_newest, densities=densities)
    assert top == 20 * postgres.ID_BLOCK
    practices = SearchEntry.objects.filter(kind="practice").order_by("-pk")
    assert type_newest["practice"] == practices.values_list("pk", flat=True)[0]
    assert len(samples) == 1  # every stratum found in its own newest blocks: no second pass over all matches
    assert samples[0]["practice"] == range(0, 1)
    assert set(sampled) == set(counts)


def test_a_type_clearly_past_the_cap_in_its_newest_blocks_is_not_counted_on(django_db_setup, monkeypatch):
    engine = postgres_engine()
    # Practices matching 人才 in every other id from block 10 to block 12: far more than a cap of 5.
    clone_entries("practice", "人才", list(range(10 * postgres.ID_BLOCK, 12 * postgres.ID_BLOCK, 2)))
    monkeypatch.setattr(postgres, "MIN_PROBE", 5)  # the seed's own block holds a few dozen matches
    prepared = engine.prepare(list(search.understand("人才").terms), search.Filters(kind="practice"))
    probes, recounts = [], []
    real_probe, real_count = engine._count_blocks, engine._recount
    monkeypatch.setattr(engine, "_count_blocks", lambda *a, **k: probes.append(a[1]) or real_probe(*a, **k))
    monkeypatch.setattr(engine, "_recount", lambda *a, **k: recounts.extend(a[1]) or real_count(*a, **k))
    with engine._index_only():
        counts, *_ = engine._type_counts(prepared, cap=5)
    assert counts["practice"] == 6  # "more than 5"
    assert len(probes) == 1  # one scan of the newest and oldest blocks
    assert 11 in probes[0]
    assert recounts == []  # decided from the probe alone
    assert SearchEntry.objects.filter(kind="practice", body__contains="人才").count() > 5


def test_a_type_rare_in_its_newest_blocks_is_counted_exactly(django_db_setup):
    engine = postgres_engine()
    # One new match far past the seed's block: the probe sees too few to estimate from.
    clone_entries("practice", "人才", [30 * postgres.ID_BLOCK])
    prepared = engine.prepare(list(search.understand("人才").terms), search.Filters(kind="practice"))
    with engine._index_only():
        counts, *_ = engine._type_counts(prepared, cap=10_000)
    expected = SearchEntry.objects.filter(kind="practice", published=True, body__contains="人才").count()
    matched = search.search(search.understand("人才"), filters=search.Filters(kind="practice")).total
    assert counts["practice"] == matched
    assert matched >= expected


def test_newest_matches_are_the_same_when_the_estimate_is_far_off(django_db_setup):
    engine = postgres_engine()
    # Matches spread thinly over forty blocks: an estimate of "very common" starts far too narrow.
    clone_entries("practice", "人才", [block * postgres.ID_BLOCK + 7 for block in range(1, 41)])
    prepared = engine.prepare(list(search.understand("人才").terms), search.Filters())
    with engine._index_only():
        widened = engine._newest(prepared, n=30, estimate=10**7)
        plain = engine._newest_among(prepared, n=30)
    assert widened == plain
    assert len(plain) == 30


def test_a_word_common_only_in_the_newest_blocks_is_counted_exactly(django_db_setup, monkeypatch):
    engine = postgres_engine()
    # Dense among the newest entries, rare among the oldest (the seed): the newest blocks alone
    # would put it far past the cap; the oldest ones say otherwise, so it is counted.
    clone_entries("practice", "人才", list(range(10 * postgres.ID_BLOCK, 11 * postgres.ID_BLOCK, 8)))
    monkeypatch.setattr(postgres, "MIN_PROBE", 5)
    prepared = engine.prepare(list(search.understand("人才").terms), search.Filters(kind="practice"))
    with engine._index_only():
        counts, *_ = engine._type_counts(prepared, cap=1000)
        every = engine._recount(prepared, ["practice"], cap=10**6)[0]["practice"][0]
    assert 512 < every < 1000
    assert counts["practice"] == every  # exact, not "more than 1,000"


def test_the_newest_span_counts_each_type_at_its_own_density():
    # Practices fill ids 0-999 at one match in ten; recommendations, the newest hundred ids, one in a hundred.
    extent = {"practice": (0, 999), "recommendation": (1000, 1099)}
    densities = {"practice": 0.1, "recommendation": 0.01}
    span = postgres._span_holding(10, top=1099, extent=extent, densities=densities)
    assert span == 189  # ids 910-1099: the recommendations hold one match, practices 910-999 the nine others
    assert postgres._span_holding(10**6, top=1099, extent=extent, densities=densities) is None


def test_newest_matches_are_the_same_when_spread_type_by_type(django_db_setup):
    engine = postgres_engine()
    clone_entries("recommendation", "人才", [block * postgres.ID_BLOCK + 3 for block in range(30, 34)])
    prepared = engine.prepare(list(search.understand("人才").terms), search.Filters())
    with engine._index_only():
        _counts, _top, extent, densities, _presampled = engine._type_counts(prepared, cap=10_000)
        spread = engine._newest(prepared, n=20, estimate=10**7, spread=(extent, densities))
        plain = engine._newest_among(prepared, n=20)
    assert spread == plain
    assert len(plain) == 20


def test_a_type_counted_in_full_is_sampled_from_the_rows_counted(django_db_setup, monkeypatch):
    engine = postgres_engine()
    # One new match far past the seed's block: practices are counted over all their entries.
    clone_entries("practice", "人才", [30 * postgres.ID_BLOCK])
    prepared = engine.prepare(list(search.understand("人才").terms), search.Filters())
    given = []
    real_sample = engine._sample

    def watched_sample(*args, **kwargs):
        given.append(set(kwargs.get("given") or ()))
        return real_sample(*args, **kwargs)

    monkeypatch.setattr(engine, "_sample", watched_sample)
    total, found, hits = engine.results(prepared, offset=0, limit=10)
    assert "practice" in given[0]  # sampled from the rows the count read, not by a second GIN scan
    real_recount = engine._recount
    monkeypatch.setattr(engine, "_recount", lambda *a, **k: (real_recount(*a, **k)[0], {}))
    again = engine.results(prepared, offset=0, limit=10)
    assert given[-1] == set()
    assert (total, found, hits) == again  # every match sampled either way: the same facets
    assert found["document"]
    assert found["place"] or found["theme"]
