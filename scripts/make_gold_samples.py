"""Write the gold set's binary and non-UTF-8 samples (tests/samples/gold/) from the texts below.

The UTF-8 .txt samples are written by hand; this script makes the ones a
person cannot type: a GBK and a UTF-16 text file, a .docx with a table and a
two-page text PDF with a running header and page numbers (WeasyPrint). Run
it after changing a text: ``.venv/bin/python scripts/make_gold_samples.py``.
"""

from __future__ import annotations

from pathlib import Path

GOLD = Path(__file__).resolve().parent.parent / "tests" / "samples" / "gold"

TOURISM = """关于学习丽江市文化旅游融合发展经验的报告
市文化和旅游局
2023年8月
丽江市依托世界文化遗产发展全域旅游，其主要做法是：一是保护历史文化街区，把非遗展示融入景区；二是发展特色民宿，带动村民就业增收；三是打造文旅融合品牌，举办民族文化节庆活动。
对我市的启示：一要加强文化遗产保护，二要规范发展民宿产业，三要培育文旅融合品牌。
"""

EMPLOYMENT = """稳就业工作经验汇编
第一篇：武汉市做好高校毕业生就业的做法
武汉市实施大学生留汉工程，主要做法有：一是建设青年人才驿站，为求职毕业生提供免费住宿；二是举办线上线下招聘会，搭建就业服务平台；三是发放创业担保贷款，扶持大学生创业。
第二篇：成都市农民工返乡创业的经验
成都市推动农民工返乡创业，其主要做法是：一是建设返乡创业孵化园；二是开展创业培训；三是落实社保补贴等扶持政策。
"""

EDUCATION = [
    "关于赴上海市学习集团化办学经验的考察报告",
    "市教育局考察组",
    "2024年5月",
    "上海市推行紧密型教育集团化办学，其主要做法是：一是名校带弱校，组建教育集团，促进义务教育优质均衡；"
    "二是推行教师集团内流动，共享优秀教师资源；三是统一课程和教研，提升集团内学校教学质量。",
    "对我市的建议：（1）要组建教育集团，推动优质教育资源共享；（2）要建立教师流动机制。",
]
EDUCATION_TABLE = [["指标", "上海", "我市"], ["教育集团数", "300余个", "12个"], ["参与学校占比", "70%", "15%"]]

RURAL = """关于赴浙江安吉学习乡村振兴经验的调研报告
县农业农村局调研组
2024年4月
4月中旬，县农业农村局组织调研组赴浙江省湖州市安吉县，围绕乡村产业发展、农村人居环境整治和村级集体经济壮大等方面开展学习调研。现将有关情况报告如下。
一、安吉县的主要做法
（一）以“两山”理念引领乡村产业发展。安吉县依托竹林和白茶资源，发展竹产业和白茶产业，全县白茶种植面积达到二十万亩，带动农民增收。
（二）持续整治农村人居环境。安吉县在全省率先推行农村垃圾分类，建立“户分类、村收集、镇转运、县处理”的体系，村容村貌明显改善。
（三）多途径壮大村级集体经济。安吉县鼓励村集体以资源入股、物业经营等方式发展集体经济，全县所有行政村集体经济年收入均超过八十万元。
二、对我县的启示
（一）要立足资源禀赋发展特色产业。我县应结合山区实际，发展林下经济和乡村旅游，避免同质化竞争。
（二）要建立人居环境整治长效机制。把垃圾分类和污水治理纳入村规民约，明确村民责任，保持整治成果。
（三）要创新集体经济发展路径。探索村企合作、抱团发展等模式，提高村集体自我发展能力。
"""
RURAL_HEADER = "某县乡村振兴学习调研报告（内部资料）"


def docx(paragraphs: list[str], table: list[list[str]], path: Path) -> None:
    from docx import Document

    document = Document()
    document.add_heading(paragraphs[0], level=1)
    for paragraph in paragraphs[1:]:
        document.add_paragraph(paragraph)
    grid = document.add_table(rows=len(table), cols=len(table[0]))
    for row, values in zip(grid.rows, table, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.save(path)


def pdf(text: str, header: str, path: Path) -> None:
    from weasyprint import HTML

    title, *paragraphs = text.strip().split("\n")
    html = f"""<html><head><style>
      @page {{ size: A6; margin: 16mm 10mm 14mm 10mm;
        @top-center {{ content: "{header}"; font-size: 9pt; }}
        @bottom-center {{ content: "- " counter(page) " -"; font-size: 9pt; }} }}
      body {{ font-family: "Noto Serif CJK SC", serif; font-size: 10pt; line-height: 1.5; }}
      h1 {{ font-size: 15pt; text-align: center; }} p {{ margin: 0 0 .4em; }}
    </style></head><body><h1>{title}</h1>{"".join(f"<p>{p}</p>" for p in paragraphs)}</body></html>"""
    HTML(string=html).write_pdf(path)


def main() -> None:
    (GOLD / "04_tourism_gbk.txt").write_bytes(TOURISM.encode("gbk"))
    (GOLD / "11_employment_utf16.txt").write_bytes(EMPLOYMENT.encode("utf-16"))
    docx(EDUCATION, EDUCATION_TABLE, GOLD / "10_education_table.docx")
    pdf(RURAL, RURAL_HEADER, GOLD / "12_rural_two_pages.pdf")


if __name__ == "__main__":
    main()
