// Text tables (outputs drawn with │, like the trace tables) shrink until their widest line
// fits the page instead of hiding their last columns (adjoints, tangents, ratios) behind a
// scroll bar, down to 70 % of the code font (smaller is hard to read). One still too wide
// (chapter 7's rules report) becomes an HTML table of the same cells, which wrap inside
// their columns; the lines around it stay text. The copy button still copies the printed
// text (Material copies a block's data-copy where it has one).
(function () {
  const ctx = document.createElement("canvas").getContext("2d");
  const SMALLEST = 0.7, GRID = 0.85;  // of the code font
  const BUTTON = 1.8;  // rem: the copy button and a margin, from the top and the right
  const isRow = line => line.includes("│");
  const isRule = line => /^[─┼\s]+$/.test(line) && line.includes("┼");

  function grid(lines) {
    const table = document.createElement("table");
    table.className = "mg-text-grid";
    const header = lines.length > 1 && isRule(lines[1]);
    for (const [k, line] of lines.entries()) {
      if (isRule(line)) continue;
      const row = table.insertRow();
      for (const cell of line.split("│")) {
        const td = document.createElement(header && k === 0 ? "th" : "td");
        td.textContent = cell.trim();
        if (!/\s/.test(td.textContent)) td.style.whiteSpace = "nowrap";  // a number, a word
        row.append(td);
      }
    }
    return table;
  }

  function asGrids(code, text) {
    code.textContent = "";
    const lines = text.replace(/\n$/, "").split("\n");
    for (let i = 0; i < lines.length;) {
      let j = i + 1;
      if (isRow(lines[i])) {
        while (j < lines.length && (isRow(lines[j]) || isRule(lines[j]))) j++;
        code.append(grid(lines.slice(i, j)));
      } else {
        while (j < lines.length && !isRow(lines[j])) j++;
        code.append(lines.slice(i, j).join("\n") + (j < lines.length ? "\n" : ""));
      }
      i = j;
    }
  }

  // Whether a line, as laid out now, runs under the copy button (at the top right).
  function underButton(code, lines, room) {
    const s = getComputedStyle(code);
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize);
    ctx.font = `${s.fontSize} ${s.fontFamily}`;
    const covered = Math.ceil((BUTTON * rem - parseFloat(s.paddingTop)) / parseFloat(s.lineHeight));
    const grids = code.classList.contains("mg-text-grids");
    return lines.slice(0, covered).some(line => (grids && isRow(line))
                                                || ctx.measureText(line).width > room - BUTTON * rem);
  }

  function fit() {
    for (const code of document.querySelectorAll(".md-typeset pre > code")) {
      if (code.closest(".language-python, .language-py")) continue;  // code scrolls
      const text = code.dataset.copy || code.textContent;
      const rows = text.split("\n").filter(line => /[│┼]/.test(line));
      if (!rows.length) continue;
      if (code.dataset.copy) {  // a grid laid out again on a resize
        code.textContent = text;
        delete code.dataset.copy;
      }
      code.classList.add("mg-text-table");
      code.classList.remove("mg-text-grids");
      code.style.fontSize = "";
      const s = getComputedStyle(code), full = parseFloat(s.fontSize);
      ctx.font = `${s.fontSize} ${s.fontFamily}`;
      const widest = Math.max(...rows.map(line => ctx.measureText(line).width));
      const room = code.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
      if (widest > room && room / widest >= SMALLEST) {
        code.style.fontSize = room / widest * full + "px";
      } else if (widest > room) {
        code.dataset.copy = text;
        code.style.fontSize = GRID * full + "px";
        code.classList.add("mg-text-grids");
        asGrids(code, text);
      }
      code.classList.toggle("mg-under-copy", underButton(code, text.split("\n"), room));
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fit);
  else fit();
  window.addEventListener("resize", fit);
})();
