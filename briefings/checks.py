"""Whether this machine can typeset PDF briefings: Pango, the Noto CJK fonts and HarfBuzz's subsetter.

A missing piece is a warning, not an error: the site works without it, the
export pages say PDF is unavailable, and Word, CSV and JSON still export.
"""

from __future__ import annotations

import functools
import glob
import shutil
import subprocess

from django.core import checks
from django.utils.translation import gettext as _

FONTS = ("Noto Serif CJK SC", "Noto Sans CJK SC")
APT = "apt-get install -y fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"


@functools.cache
def pdf_problems() -> tuple[str, ...]:
    """What is missing for PDF export, one sentence each, in the reader's language; empty when all is there."""
    problems = []
    try:
        from weasyprint.text import ffi
    except OSError:  # cffi could not load Pango (or GObject) at all
        return (_("缺少 Pango 排版库（libpango-1.0-0）"),)
    if ffi.harfbuzz_subset is None or not ffi.harfbuzz.hb_version_atleast(4, 1, 0):
        # Without it WeasyPrint subsets CJK fonts with fontTools: ~5 s instead of ~0.15 s per PDF.
        problems.append(_("缺少 HarfBuzz 字体子集库（libharfbuzz-subset0）"))
    missing = [family for family in FONTS if not _font_installed(family)]
    if missing:
        problems.append(_("缺少中文字体 %(fonts)s（fonts-noto-cjk）") % {"fonts": "、".join(missing)})
    return tuple(problems)


def _font_installed(family: str) -> bool:
    if shutil.which("fc-list"):
        listed = subprocess.run(["fc-list", f"{family}:style=Regular", "family"], capture_output=True, text=True)
        return family in listed.stdout
    stem = family.replace(" ", "").replace("SC", "")  # NotoSerifCJK, NotoSansCJK
    return bool(glob.glob(f"/usr/share/fonts/**/{stem}*", recursive=True))


@checks.register("briefings")
def check_pdf_toolchain(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    problems = pdf_problems()
    if not problems:
        return []
    return [
        checks.Warning(
            "PDF export is unavailable: " + "; ".join(problems),
            hint=f"As root: {APT}  (or run scripts/install-system-packages.sh)",
            id="briefings.W001",
        )
    ]
