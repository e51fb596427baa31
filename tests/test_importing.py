"""The importer end to end: the seed compilation, unseen reports, every format, and its guarantees."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from docx import Document

from experiences import content, import_writer, segmentation
from experiences.importing import ImportRefused, import_file, plan_import
from experiences.models import PlaceMention, Practice, Recommendation, Section, SourceDocument, Status
from experiences.seeding import FIXTURES, locate_outline
from experiences.text.segment import Segmenter
from experiences.text.typography import normalise_punctuation
from tests.paths import RAW_SEED

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = Path(__file__).resolve().parent / "samples"
SEED = RAW_SEED


@pytest.fixture
def empty_corpus(db):
    """The gazetteer and themes without any document: what a new installation imports into."""
    with content.writing() as work:
        for model in (Recommendation, Practice, SourceDocument):
            work.deleting(model, model.objects.values_list("pk", flat=True))
            model.objects.all().delete()


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (SourceDocument, Section, Practice, Recommendation, PlaceMention))


def depth(section: Section) -> int:
    n, node = 0, section.parent
    while node is not None:
        n, node = n + 1, node.parent
    return n


def test_importing_the_raw_seed_rebuilds_the_curated_documents_and_outlines(empty_corpus):
    _, result = import_file(name=SEED.name, data=SEED.read_bytes())
    corpus = yaml.safe_load((FIXTURES / "seed" / "corpus.yaml").read_text(encoding="utf-8"))
    assert len(result.documents) == len(corpus["documents"]) == 5
    for document, entry in zip(result.documents, corpus["documents"], strict=True):
        curated_text = (FIXTURES / "seed" / entry["file"]).read_text(encoding="utf-8").strip("\n")
        # Both the importer and the seeder make half-width marks in Chinese full-width.
        assert document.title == normalise_punctuation(entry["title"])
        assert document.subtitle == normalise_punctuation(entry.get("subtitle") or "")
        assert document.kind == entry["kind"]
        assert document.text == normalise_punctuation(curated_text)
        expected = [
            (normalise_punctuation(n.label), normalise_punctuation(n.heading), n.start, n.end, n.depth)
            for n in locate_outline(text=curated_text, sections=entry["sections"])
        ]
        imported = [(s.label, s.heading, s.start, s.end, depth(s)) for s in document.sections.order_by("start", "pk")]
        assert imported == expected, document.title
    book, fifth = result.documents[1], result.documents[4]
    assert (book.authors, book.organization) == ("刘科伟", "西北大学城市与资源学系")
    assert (book.publisher, book.published_year) == ("西安地图出版社", 1995)
    assert fifth.organization == "荆州市委办公室"


def test_the_book_reviews_numbering_gap_is_kept_and_reported(empty_corpus):
    plan = plan_import(name=SEED.name, data=SEED.read_bytes())
    book = plan.documents[1]
    assert [n.label for n in book.outline.nodes if n.depth == 1] == ["(1)", "(2)", "(3)", "(5)"]
    assert any("(5)" in warning for warning in book.warnings)


def test_place_detection_on_the_seed_matches_the_hand_checked_mentions(empty_corpus):
    gold = yaml.safe_load((SAMPLES / "seed_place_mentions.yaml").read_text(encoding="utf-8"))
    plan = plan_import(name=SEED.name, data=SEED.read_bytes())
    for index, document in enumerate(plan.documents, start=1):
        expected = {(surface, code, start) for surface, code, start in gold[f"article_{index}"]}
        detected = {(m.surface, m.adcode, m.start) for m in document.mentions}
        assert detected == expected, index  # precision and recall 1.0 on the seed


def city_of(adcode: str) -> str:
    """Roll a mention up to its city: 海淀区 → 北京市, 商州区 → 商洛市; provinces stay provinces."""
    if adcode[:2] in {"11", "12", "31", "50"} or adcode.endswith("0000"):
        return adcode[:2] + "0000"
    return adcode[:4] + "00"


@pytest.mark.parametrize(
    ("index", "places"),
    [
        (
            0,
            {"110000", "320100", "440300", "310000", "120000", "320200", "330100"},
        ),  # 北京 南京 深圳 上海 天津 无锡 杭州
        (
            1,
            {"610000", "610100", "610300", "610700", "610500", "610800", "610600", "611000", "610900"},
        ),  # 陕西 西安…安康
        (2, {"140600", "140000"}),  # 朔州, in 山西
        (3, {"140600", "140000"}),
        (4, {"421000", "420100", "420900", "420700"}),  # 荆州 武汉 孝感 鄂州
    ],
)
def test_seed_articles_name_the_expected_places(empty_corpus, index, places):
    plan = plan_import(name=SEED.name, data=SEED.read_bytes())
    assert {city_of(m.adcode) for m in plan.documents[index].mentions} == places


def test_we_city_and_brother_cities_are_not_places(empty_corpus):
    plan = plan_import(name="t.txt", data="对照兄弟城市的做法,我市高新区要加强建设。我省、本市也要跟进。".encode())
    assert plan.documents[0].mentions == []


def test_article_four_is_found_to_duplicate_article_three(empty_corpus):
    _, result = import_file(name=SEED.name, data=SEED.read_bytes())
    third, fourth = result.documents[2], result.documents[3]
    assert fourth.duplicate_of == third
    assert fourth.similarity >= 0.8
    assert result.documents[0].duplicate_of is None


def test_reimporting_the_same_file_is_refused_and_nothing_is_doubled(empty_corpus):
    import_file(name=SEED.name, data=SEED.read_bytes())
    before = counts()
    with pytest.raises(ImportRefused, match="都已在库中"):
        import_file(name=SEED.name, data=SEED.read_bytes())
    assert counts() == before


def test_the_seeded_base_refuses_the_raw_seed_as_exact_duplicates(db):
    before = counts()
    with pytest.raises(ImportRefused):
        import_file(name=SEED.name, data=SEED.read_bytes())
    assert counts() == before


def test_force_imports_an_exact_duplicate_marked_as_such(empty_corpus):
    data = (SAMPLES / "unseen_report.txt").read_bytes()
    _, first = import_file(name="a.txt", data=data)
    _, second = import_file(name="b.txt", data=data, force=True)
    assert second.documents[0].duplicate_of == first.documents[0]
    assert second.documents[0].similarity == 1.0


def test_dry_run_writes_nothing(empty_corpus):
    before = counts()
    plan, result = import_file(name=SEED.name, data=SEED.read_bytes(), dry_run=True)
    assert result is None
    assert len(plan.documents) == 5
    assert counts() == before


def test_a_failure_midway_leaves_the_database_as_it_was(empty_corpus, monkeypatch):
    def failing(self, *args, **kwargs):
        raise RuntimeError("disk full")  # documents and sections are written by now

    monkeypatch.setattr(import_writer._Writer, "lessons", failing)
    before = counts()
    with pytest.raises(RuntimeError):
        import_file(name=SEED.name, data=SEED.read_bytes())
    assert counts() == before


def test_everything_imported_is_a_draft_hidden_from_readers(empty_corpus, client):
    _, result = import_file(name=SEED.name, data=SEED.read_bytes())
    assert {d.status for d in result.documents} == {Status.DRAFT}
    assert set(Practice.objects.values_list("status", flat=True)) == {Status.DRAFT}
    assert set(Recommendation.objects.values_list("status", flat=True)) == {Status.DRAFT}
    assert client.get(result.documents[0].get_absolute_url()).status_code == 404


def test_drafts_carry_section_excerpt_places_themes_and_tags(empty_corpus):
    _, result = import_file(name=SEED.name, data=SEED.read_bytes())
    first, _, _, _, fifth = result.documents
    practices = {p.title: p for p in first.practices.all()}
    assert set(practices) == {
        "建立以产学研为核心的知识创新体系",
        "建立以企业为主体的技术创新体系",
        "建立以产业组织和管理为主要内容的产业创新体系",
        "建立以领军人才为纽带的服务创新体系",
    }
    wuxi = practices["建立以领军人才为纽带的服务创新体系"]
    assert [p.short_name for p in wuxi.places.all()] == ["无锡"]
    assert "talent-attraction" in {t.slug for t in wuxi.themes.all()}
    assert "530计划" in wuxi.tags.names()
    for lesson in [*Practice.objects.all(), *Recommendation.objects.all()]:
        assert lesson.excerpt in lesson.document.text
        assert lesson.section is not None
        assert lesson.section.document_id == lesson.document_id
    top = first.recommendations.filter(parent=None).order_by("order")
    assert [r.label for r in top] == ["1.", "2.", "3.", "4."]
    assert [c.label for c in top[2].children.order_by("order")] == ["(1)", "(2)", "(3)", "(4)", "(5)"]
    assert top[0].audience == "我市高新区"
    assert {p.short_name for p in fifth.practices.get(title="接待工作周到精细").places.all()} >= {"孝感", "鄂州"}
    assert fifth.recommendations.count() == 4


def test_imported_rows_get_the_defaults_a_saved_object_gets(empty_corpus):
    started = timezone.now()
    _, result = import_file(name=SEED.name, data=SEED.read_bytes())
    finished = timezone.now()
    lessons = [*Practice.objects.all(), *Recommendation.objects.all()]
    assert len(lessons) == result.practices + result.recommendations
    for lesson in lessons:
        assert started <= lesson.created_at == lesson.updated_at <= finished
        assert (lesson.version, lesson.status, lesson.returned, lesson.seed_key) == (1, Status.DRAFT, False, "")
        assert (lesson.submitted_by, lesson.reviewed_by, lesson.published_at, lesson.review_note) == (
            None,
            None,
            None,
            "",
        )
        assert lesson.body in lesson.document.text
    for document in result.documents:
        sections = list(document.sections.order_by("start", "pk"))
        assert sections, document.title
        for section in sections:
            assert section.version == 1
            assert document.text[section.start :].startswith(section.label)
            if section.parent is not None:  # inside its parent, and numbered among its siblings from 0
                assert section.parent.start <= section.start < section.end <= section.parent.end
        siblings = {}
        for section in sections:
            siblings.setdefault(section.parent_id, []).append(section.order)
        assert all(orders == list(range(len(orders))) for orders in siblings.values())


def test_an_unseen_report_in_gbk_is_imported_with_its_structure(empty_corpus):
    data = (SAMPLES / "unseen_report.txt").read_text(encoding="utf-8").encode("gbk")
    plan, result = import_file(name="苏州昆山考察.txt", data=data)
    assert plan.encoding == "gb18030"
    [document] = result.documents
    assert document.title == "关于赴苏州、昆山学习考察开发区建设的报告"
    assert document.organization == "区委政策研究室"
    assert document.kind == "study_tour_report"
    assert [s.label for s in document.sections.filter(parent=None)] == ["一、", "二、"]
    assert {p.short_name for p in document.places.all()} == {"苏州", "昆山"}
    assert document.practices.count() == 3
    recommendations = document.recommendations.all()
    assert recommendations.count() == 3
    assert {r.audience for r in recommendations} == {"我区"}
    assert {p.short_name for p in document.practices.get(title="坚持规划引领").places.all()} == {"苏州", "昆山"}


@pytest.mark.parametrize(
    ("name", "title", "practices"),
    [
        ("study_tour_ningbo.pdf", "赴宁波学习考察的主要做法和建议", 2),
        ("markdown_report.md", "杭州市数字化改革经验材料", 2),
        ("html_report.html", "成都社区治理经验", 2),
    ],
)
def test_pdf_markdown_and_html_reports_are_imported(empty_corpus, name, title, practices):
    _, result = import_file(name=name, data=(SAMPLES / name).read_bytes())
    [document] = result.documents
    assert document.title == title
    assert document.practices.count() == practices
    assert "⼈" not in document.text  # Kangxi radicals from the PDF are folded to 人


def test_docx_report_is_imported(empty_corpus):
    word = Document()
    for text in [
        "赴宁波学习考察报告",
        "□某市发展改革委",
        "一、主要做法",
        "1、建设人才公寓。宁波市建设人才公寓,为引进人才提供住房。",
    ]:
        word.add_paragraph(text)
    buffer = io.BytesIO()
    word.save(buffer)
    _, result = import_file(name="report.docx", data=buffer.getvalue())
    [document] = result.documents
    assert document.organization == "某市发展改革委"
    assert document.practices.get().places.get().short_name == "宁波"


@pytest.mark.parametrize(
    ("name", "data"),
    [("empty.txt", b""), ("junk.txt", bytes(range(256)) * 40), ("x.exe", b"MZ"), ("cut.docx", b"PK\x03\x04broken")],
)
def test_bad_files_are_refused_and_change_nothing(empty_corpus, name, data):
    before = counts()
    with pytest.raises(ImportRefused):
        import_file(name=name, data=data)
    assert counts() == before


def test_the_jieba_dictionary_is_loaded_once_per_process(empty_corpus, monkeypatch):
    built = {"n": 0}
    original = Segmenter.__init__

    def counting(self, *args, **kwargs):
        built["n"] += 1
        original(self, *args, **kwargs)

    segmentation.reset()
    monkeypatch.setattr(Segmenter, "__init__", counting)
    plan_import(name="a.txt", data=(SAMPLES / "unseen_report.txt").read_bytes())
    plan_import(name=SEED.name, data=SEED.read_bytes())
    assert built["n"] == 1
    assert segmentation.segmenter() is segmentation.segmenter()


def test_command_imports_the_good_files_reports_and_fails_for_the_bad(empty_corpus, tmp_path, capsys):
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    with pytest.raises(CommandError, match="1 of 2"):
        call_command("import_documents", str(SEED), str(bad))
    output = capsys.readouterr().out
    assert "documents" in output
    assert "FAILED" in output
    assert SourceDocument.objects.count() == 5


def test_command_dry_run_writes_nothing(empty_corpus, capsys):
    call_command("import_documents", str(SEED), "--dry-run")
    assert "dry run" in capsys.readouterr().out
    assert SourceDocument.objects.count() == 0


def _compilation_with_a_revised_repeat() -> tuple[str, str, str]:
    import random

    from tests import corpus

    rng = random.Random(7)
    first, second = corpus.article(rng, 1), corpus.article(rng, 2)
    heading, body = first.split("\n", 1)
    repeat = f"第3篇:{heading.split(':', 1)[1]}(修订稿)\n{body}"
    return first, second, repeat


def test_a_compilation_that_repeats_an_article_imports_the_rest_and_names_the_twin(empty_corpus):
    first, second, repeat = _compilation_with_a_revised_repeat()
    plan, result = import_file(name="汇编.txt", data="\n".join([first, second, repeat]).encode())
    assert len(plan.documents) == 3
    assert len(result.documents) == 2
    [skipped] = result.skipped
    assert "修订稿" in skipped
    assert "本文件中的《" in skipped


def test_articles_already_in_the_base_are_left_out_and_a_file_of_nothing_new_is_refused(empty_corpus):
    import random

    from tests import corpus

    first, second, _ = _compilation_with_a_revised_repeat()
    _, earlier = import_file(name="汇编.txt", data="\n".join([first, second]).encode())
    twin = earlier.documents[0]
    before = counts()
    with pytest.raises(ImportRefused, match=f"都已在库中.*编号 {twin.pk}"):
        import_file(name="汇编.txt", data="\n".join([first, second]).encode())
    assert counts() == before
    new = corpus.article(random.Random(99), 4)
    _, result = import_file(name="新汇编.txt", data="\n".join([first, new]).encode())
    assert [d.title for d in result.documents] == [new.split("\n", 1)[0].split(":", 1)[1]]
    assert f"编号 {twin.pk}" in result.skipped[0]


RUN_IN_REPORT = """合肥市人才工作的经验与启示
市委组织部调研组
合肥市近年来大力引进高层次人才，其主要做法是：一是设立人才发展专项基金，每年投入十亿元；二是建设人才公寓，解决住房难题；三是简化落户手续，实现“一站式”办理。
杭州市则注重营造创新生态。首先，搭建众创空间平台。其次，完善风险投资体系。最后，优化知识产权保护。
对我市的启示有三：（1）要把人才工作摆在突出位置；（2）要完善人才服务体系；（3）要营造尊重人才的社会氛围。
"""


def test_run_in_lists_give_one_draft_per_item_with_the_city_of_their_lead_in(empty_corpus):
    plan = plan_import(name="run_in.txt", data=RUN_IN_REPORT.encode())
    [document] = plan.documents
    practices = [d for d in document.drafts if d.kind == "practice"]
    recommendations = [d for d in document.drafts if d.kind == "recommendation"]
    assert [d.title for d in practices] == [
        "设立人才发展专项基金",
        "建设人才公寓",
        "简化落户手续",
        "搭建众创空间平台",
        "完善风险投资体系",
        "优化知识产权保护",
    ]
    assert [d.label for d in practices[:3]] == ["一是", "二是", "三是"]
    assert all(d.excerpt in document.text for d in document.drafts)
    assert {tuple(d.places) for d in practices[:3]} == {("340100",)}  # 合肥, from the lead-in
    assert {tuple(d.places) for d in practices[3:]} == {("330100",)}  # 杭州
    assert [d.title for d in recommendations] == [
        "要把人才工作摆在突出位置",
        "要完善人才服务体系",
        "要营造尊重人才的社会氛围",
    ]
    assert {d.audience for d in recommendations} == {"我市"}


def test_header_and_signature_lines_become_the_documents_metadata(empty_corpus):
    text = "\n".join(
        [
            "关于赴合肥市学习考察的报告",
            "市科技局考察组",
            "2024年5月",
            "5月上旬，考察组赴合肥市学习考察人才工作。",
            "执笔：张三",
        ]
    )
    [document] = plan_import(name="report.txt", data=text.encode()).documents
    assert (document.title, document.subtitle) == ("关于赴合肥市学习考察的报告", "")
    assert (document.organization, document.authors) == ("市科技局考察组", ["张三"])
    assert (document.year, document.month) == (2024, 5)
    assert document.text == "5月上旬，考察组赴合肥市学习考察人才工作。"


BUSINESS_REPORT = """关于学习苏州优化营商环境经验的报告
一、苏州的主要做法
（一）深化放管服改革。苏州全面推行一网通办，企业开办时间压缩至一天，实现不见面审批，政务服务事项全部网上可办。
（二）强化企业服务。苏州建立惠企政策直达机制，市场主体诉求限时办结，民营企业满意度持续提升。
"""


def test_themes_come_from_the_whole_taxonomy_with_confidence_or_not_at_all(empty_corpus):
    [document] = plan_import(name="营商环境.txt", data=BUSINESS_REPORT.encode()).documents
    first, second = document.drafts
    assert first.themes[0] == "government-services"
    assert "enterprise-innovation" not in first.themes + second.themes  # 企业 alone is not 企业创新主体
    assert "market-entities" in second.themes
    weather = "关于天气的记录\n一、主要做法\n（一）今天天气晴朗。天空很蓝，白云很多，风也不大，适合出门散步。"
    [document] = plan_import(name="天气.txt", data=weather.encode()).documents
    assert [d.themes for d in document.drafts] == [[]]  # nothing confident: no theme rather than a wrong one


def test_keywords_are_words_not_numbers_units_or_fragments(empty_corpus):
    text = (
        "考察报告\n一、主要做法\n（一）建设一万个充电桩。全市新建充电桩一万个，覆盖道路三百公里，"
        "做到一事一议、不定期督查，新能源汽车充电网络基本建成，充电桩覆盖率全省第一。"
    )
    [document] = plan_import(name="k.txt", data=text.encode()).documents
    tags = document.drafts[0].tags
    assert tags
    assert not {"一万个", "公里", "三百", "一事", "一议", "不定", "全市", "全省"} & set(tags)
    assert {"新能源", "覆盖率"} <= set(tags)


def test_a_place_that_begins_a_programme_or_a_company_name_is_not_a_mention(empty_corpus):
    text = "苏州人才工作考察报告\n苏州市实施姑苏领军人才计划，苏州银行提供贷款。无锡没有著名大学，姑苏区建设人才社区。"
    [document] = plan_import(name="p.txt", data=text.encode()).documents
    mentions = [(m.surface, m.adcode) for m in document.mentions]
    assert ("姑苏", "320508") not in mentions  # 姑苏领军人才计划 is a programme
    assert ("苏州", "320500") not in mentions  # 苏州银行 is a bank
    assert ("苏州市", "320500") in mentions
    assert ("无锡", "320200") in mentions  # 无锡没有著名大学: a sentence about 无锡, not a university
    assert ("姑苏区", "320508") in mentions


def test_a_two_page_pdf_loses_its_running_header_and_keeps_its_title_date_and_office(empty_corpus):
    plan = plan_import(name="调研报告.pdf", data=(SAMPLES / "gold" / "12_rural_two_pages.pdf").read_bytes())
    [document] = plan.documents
    assert "某县乡村振兴学习调研报告（内部资料）" not in document.text
    assert "- 1 -" not in document.text
    assert any("页眉页脚" in warning for warning in plan.warnings)
    assert document.title == "关于赴浙江安吉学习乡村振兴经验的调研报告"  # wrapped over two lines in the PDF
    assert (document.subtitle, document.organization) == ("", "县农业农村局调研组")
    assert (document.year, document.month) == (2024, 4)
    practices = [d for d in document.drafts if d.kind == "practice"]
    assert len(practices) == 3
    assert {tuple(d.places) for d in practices} == {("330523",)}  # 安吉县
    assert {d.themes[0] for d in practices} == {
        "rural-industry",
        "rural-living-environment",
    }  # not 教学设施 or 知识产权


def _analysis(plan) -> list:
    return [
        (d.title, d.places, [m.adcode for m in d.mentions], len(d.outline.nodes),
         [(x.title, x.places, x.themes, x.tags, [c.title for c in x.children]) for x in d.drafts])
        for d in plan.documents
    ]  # fmt: skip


def test_a_big_file_is_analysed_over_several_processes_with_the_same_result(empty_corpus, monkeypatch):
    import random

    from experiences import importing
    from tests.corpus import article

    rng = random.Random(5)
    data = "\n".join(article(rng, number) for number in range(1, 13)).encode()
    from jobs import pool

    started = []
    real_pool = pool.process_pool

    def counted_pool(workers, **kwargs):
        started.append(workers)
        return real_pool(workers, **kwargs)

    monkeypatch.setattr(pool, "process_pool", counted_pool)
    monkeypatch.setattr(pool, "cores", lambda: 2)
    monkeypatch.setattr(importing, "PARALLEL_FROM", 0)
    parallel = plan_import(name="big.txt", data=data)
    assert started == [2, 2]  # one pool per pass
    monkeypatch.setattr(importing, "PARALLEL_FROM", 10**9)
    serial = plan_import(name="big.txt", data=data)
    assert started == [2, 2]
    assert len(parallel.documents) == 12
    assert sum(d.draft_count for d in parallel.documents) > 50
    assert _analysis(parallel) == _analysis(serial)
