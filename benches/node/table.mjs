// Markdown tables: a column whose cells all start with a number is right-aligned.
export function printTable(t) {
  const cell = (r, c) => String(r[c] ?? "");
  const widths = t[0].map((_, c) => Math.max(...t.map((r) => cell(r, c).length)));
  const right = t[0].map((_, c) => c > 0 && t.slice(1).every((r) => /^([<≥]?\s?[\d–-]|$)/.test(cell(r, c))));
  const line = (r) => `| ${r.map((_, c) => (right[c] ? cell(r, c).padStart(widths[c]) : cell(r, c).padEnd(widths[c]))).join(" | ")} |`;
  console.log(line(t[0]));
  console.log(`|${widths.map((w, c) => (right[c] ? "-".repeat(w + 1) + ":" : "-".repeat(w + 2))).join("|")}|`);
  for (const r of t.slice(1)) console.log(line(r));
}
