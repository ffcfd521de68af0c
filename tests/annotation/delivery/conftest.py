"""What the export tests share: a partly annotated project whose finals test every rule."""

import pytest

from annotation.models import Article, Batch, ExportJob, ImportJob, Snippet
from annotation.quality.finals import finals_refresh
from tests.factories import UserFactory, adjudicated, snippets_of, work_submitted

# A client's own fields, as an import keeps them: numbers, nesting, quotes, backslashes,
# control characters and keys of different lengths (PostgreSQL orders jsonb keys by length).
META = {"客户编号": "A-17", "id": 17, "nested": {"k": [1, "二", None]}, "q": 'x "y" \\ z\n\t'}

# 张三 (T2) —到过→ 北京 (T1), in the stored form, a type a JSON writer must escape.
VISITED = {"id": "R1", "from": "T2", "to": "T1", "type": '到 "过" \\'}

# Texts a JSON writer can get wrong: characters beyond the BMP, quotes, backslashes,
# control characters, full-width punctuation, a "\\n" spelt out.
TEXTS = [
    "𠮷野家😀在北京开了新店，张三说：“好！”",
    'He said "你好" \\ 再见\\n',
    "制表\t符与\u0001控制字符",
    "一二三四五六七八九十",
    "没有人标注的句子。",
    "金标准句子。",
]


@pytest.fixture
def voted(project):
    """Six snippets: a majority, a tie, a rework, an adjudication, one nobody submitted and
    a gold item; labels and classes with quotes, backslashes and the ", " separator."""
    batch = Batch.objects.create(project=project, name='包 "一" \\', status="accepted")
    snippets = snippets_of(project, TEXTS, batch, tokenizer_version="jieba 0.42.1")
    source = ImportJob.objects.create(project=project, filename='客户 "数据".jsonl', format="jsonl")
    Article.objects.filter(project=project).update(
        title='标题 "甲" \\', meta=META, import_job=source
    )
    Snippet.objects.filter(id=snippets[3].id).update(tokens="2,5")
    Snippet.objects.filter(id=snippets[5].id).update(gold=True)
    a, b, c = (UserFactory(username=name) for name in ("甲", "乙", "丙"))
    place, odd = (5, 7, "地名"), (0, 3, '机构 "A", \\B')
    # 0: two against one, with a relation; the late third work does not count.
    linked = {"spans": [place, (12, 14, "人名")], "classes": ["正面"], "relations": [VISITED]}
    work_submitted(snippets[0], a, linked)
    work_submitted(snippets[0], b, {"spans": [odd], "classes": ['中性", "其他']})
    work_submitted(snippets[0], c, linked)
    work_submitted(snippets[0], UserFactory(), {"spans": [odd]}, status="expired")
    # 1: one each: the earliest work wins the tie.
    work_submitted(snippets[1], b, {"spans": [(3, 7, "人名")]})
    work_submitted(snippets[1], a, {"spans": [(0, 4, "人名")]})
    # 2: reworked: the latest revision counts; classes only, words corrected.
    work_submitted(
        snippets[2],
        a,
        {"classes": ["旧"], "segmentation": [2, 4]},
        {"classes": ["新", "负面"], "segmentation": [2, 5, 9]},
    )
    # 3: settled twice: the latest adjudication is the final one, jieba's words kept.
    work_submitted(snippets[3], a, {"spans": [(0, 1, "数")]})
    for spans in ([{"start": 1, "end": 2, "label": "数"}], [{"start": 2, "end": 4, "label": "数"}]):
        adjudicated(snippets[3], spans=spans)
    # 5: a gold item, never exported.
    work_submitted(snippets[5], a, {"spans": [(0, 2, "金")]})
    finals_refresh(project_id=project.id)
    return ExportJob.objects.create(
        project=project, format="jsonl", options={"status": "accepted", "batches": []}
    )
