"""The deck as PowerPoint: ``deck.pptx`` (python-pptx), for PowerPoint, Keynote and Impress.

A title slide, then one slide per step: its caption as the title, its equations, its
drawing as a picture (the step's SVG drawn by headless Chromium at twice the size it takes
on a 1920x1080 screen) and the table as a native table, the active row shaded, and its
speaker notes.  The shapes are placed as the deck's plan says: the drawing beside the
table or above it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..dot import THEMES
from ..display import _size
from . import browser
from .deck import STAGES, Deck, Step, Sweep
from .markdown import step_svg

INSTALL = "install python-pptx (pip install python-pptx, or minigrad's slides extra)"
SLIDE_WIDTH_IN = 13.333  # PowerPoint's 16:9; 4:3 keeps the height
TABLE_SHARE = 0.42  # of the width beside the drawing, or of the height below it


def require():
    """The ``pptx`` package, or a one-line error saying how to install it."""
    try:
        import pptx
    except ImportError:
        from ..layout import LayoutError

        raise LayoutError(f"PowerPoint decks are written with python-pptx, which is not "
                          f"installed: {INSTALL}") from None
    return pptx


def write(deck: Deck, path: Path) -> Path:
    """Write ``deck.pptx`` to ``path``."""
    pptx = require()
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Inches, Pt

    width, height = STAGES[deck.aspect]
    presentation = pptx.Presentation()
    presentation.slide_width = Inches(SLIDE_WIDTH_IN * width / height * 9 / 16)
    presentation.slide_height = Inches(SLIDE_WIDTH_IN * 9 / 16)
    W, H = presentation.slide_width, presentation.slide_height
    colors = THEMES[deck.theme]

    def rgb(hex_color: str) -> RGBColor:
        named = {"white": "#ffffff"}
        return RGBColor.from_string(named.get(hex_color, hex_color).lstrip("#").upper())

    def text(slide, left, top, w, h, lines, size, bold=False):
        box = slide.shapes.add_textbox(left, top, w, h).text_frame
        box.word_wrap = True
        for k, line in enumerate(lines):
            p = box.paragraphs[0] if k == 0 else box.add_paragraph()
            p.text = line
            p.font.size, p.font.bold = Pt(size), bold
            p.font.color.rgb = rgb(colors["fg"])
        return box

    def new_slide(notes: str):
        slide = presentation.slides.add_slide(presentation.slide_layouts[6])  # blank
        slide.background.fill.solid()
        slide.background.fill.fore_color.rgb = rgb(colors["bg"])
        slide.notes_slide.notes_text_frame.text = notes
        return slide

    title = new_slide(deck.title_notes())
    text(title, Inches(0.8), Inches(2.0), W - Inches(1.6), Inches(1.2), [deck.title], 40, True)
    text(title, Inches(0.8), Inches(3.3), W - Inches(1.6), Inches(2.5),
         [deck.formula["text"], f"at {deck.point}", deck.author or ""], 22)
    with tempfile.TemporaryDirectory(prefix="minigrad-pptx-") as folder:
        for sweep in deck.sweeps:
            for step in sweep.steps:
                slide = new_slide(step.notes["text"])
                margin = Inches(0.35)
                text(slide, margin, Inches(0.2), W - 2 * margin, Inches(0.6),
                     [step.caption["text"]], 24, True)
                text(slide, margin, Inches(0.8), W - 2 * margin,
                     Inches(0.35 * len(step.equations["text"])), step.equations["text"], 15)
                top = Inches(0.9 + 0.38 * len(step.equations["text"]))
                room_w, room_h = W - 2 * margin, H - top - Inches(0.3)
                if sweep.arrangement == "side":
                    table_box = (margin + room_w * (1 - TABLE_SHARE), top,
                                 room_w * TABLE_SHARE, room_h)
                    picture_box = (margin, top, room_w * (1 - TABLE_SHARE) - margin, room_h)
                else:
                    table_box = (margin, top + room_h * (1 - TABLE_SHARE), room_w,
                                 room_h * TABLE_SHARE)
                    picture_box = (margin, top, room_w, room_h * (1 - TABLE_SHARE) - margin)
                if sweep.svg is not None:
                    _picture(slide, sweep, step, picture_box, Path(folder), W, Emu)
                _table(slide, sweep, step, table_box, colors, rgb, Pt)
    presentation.save(path)
    return path


def _picture(slide, sweep: Sweep, step: Step, box, folder: Path, slide_width: int,
             Emu) -> None:
    """The step's drawing, as large as ``box`` allows, centred in it."""
    left, top, w, h = box
    natural_w, natural_h = _size(sweep.svg)
    scale = min(w / natural_w, h / natural_h)
    pw, ph = int(natural_w * scale), int(natural_h * scale)
    # pixels: twice what the picture takes on a 1920-pixel-wide screen of the slide's width
    pixels = 2 * 1920 / slide_width
    png = browser.picture(step_svg(sweep, step), folder / f"step-{step.number:03d}.png",
                          max(1, round(pw * pixels)), max(1, round(ph * pixels)))
    slide.shapes.add_picture(str(png), Emu(int(left + (w - pw) / 2)),
                             Emu(int(top + (h - ph) / 2)), Emu(pw), Emu(ph))


def _table(slide, sweep: Sweep, step: Step, box, colors, rgb, Pt) -> None:
    """The step's table as a native table: the active row shaded, pending cells blank."""
    left, top, w, h = box
    rows = step.rows["text"]
    row_h = min(int(h / (len(rows) + 1)), int(Pt(22)))
    shape = slide.shapes.add_table(len(rows) + 1, len(sweep.columns), int(left), int(top),
                                   int(w), row_h * (len(rows) + 1))
    table = shape.table
    size = Pt(max(8, min(14, row_h / Pt(1) * 0.55)))
    for r, cells in enumerate([sweep.columns] + rows):
        for c, value in enumerate(cells):
            cell = table.cell(r, c)
            cell.text = value
            cell.margin_top = cell.margin_bottom = 0
            font = cell.text_frame.paragraphs[0].font
            font.size, font.bold = size, r == 0 or r - 1 == step.frame.variable
            font.color.rgb = rgb(colors["fg"])
            cell.fill.solid()
            active = r - 1 == step.frame.variable
            cell.fill.fore_color.rgb = rgb(colors["highlight_fill"] if active else colors["bg"])
        table.rows[r].height = row_h
