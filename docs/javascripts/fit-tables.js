// Text tables (outputs drawn with │, like the trace tables) shrink until their widest line
// fits the page instead of hiding their last columns (adjoints, tangents, ratios) behind a
// scroll bar; down to 60 % of the code font, below which their lines wrap as other outputs
// do (extra.css).
(function () {
  const ctx = document.createElement("canvas").getContext("2d");
  function fit() {
    for (const code of document.querySelectorAll(".md-typeset pre > code")) {
      const rows = code.textContent.split("\n").filter(line => /[│┼]/.test(line));
      if (!rows.length) continue;
      code.classList.add("mg-text-table");
      code.style.fontSize = "";
      const s = getComputedStyle(code), full = parseFloat(s.fontSize);
      ctx.font = `${s.fontSize} ${s.fontFamily}`;
      const widest = Math.max(...rows.map(line => ctx.measureText(line).width));
      const room = code.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
      if (widest > room) code.style.fontSize = Math.max(0.6, room / widest) * full + "px";
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fit);
  else fit();
  window.addEventListener("resize", fit);
})();
