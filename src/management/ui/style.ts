/**
 * The UI's stylesheet: system fonts, light and dark colours, cards, forms in a responsive grid, and tables that
 * become labelled stacks on narrow screens (390 px phones).
 *
 * @module
 */

/** The CSS served at `/ui/style.css`. */
export const STYLE_CSS: string = `
:root {
  --bg: #f4f6f9; --panel: #ffffff; --text: #18202b; --muted: #5d6878; --line: #e2e7ee; --head: #0f1b2d;
  --accent: #2563eb; --accent-text: #ffffff; --danger: #c62828; --field: #ffffff; --row: #f8fafc;
  --ok-bg: #e3f6e8; --ok: #17723a; --bad-bg: #fde8e8; --bad: #b42318; --warn-bg: #fff4dc; --warn: #9a5b00;
  --info-bg: #e6efff; --info: #2454b8; --grey-bg: #eceff3; --grey: #4b5563;
  --radius: 10px; --shadow: 0 1px 2px rgba(16, 24, 40, .06), 0 1px 3px rgba(16, 24, 40, .08);
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0e131a; --panel: #161d27; --text: #e5e9f0; --muted: #9aa5b4; --line: #273142; --head: #0a0f15;
    --accent: #4f8cff; --field: #0f151d; --row: #1a2230;
    --ok-bg: #123322; --ok: #6fdc97; --bad-bg: #3a1616; --bad: #ff8a80; --warn-bg: #3a2a0c; --warn: #ffc66b;
    --info-bg: #16264a; --info: #8fb2ff; --grey-bg: #252e3b; --grey: #b6c0cd;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
code { font: 12.5px/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
h1 { font-size: 22px; margin: 0 0 4px; letter-spacing: -.01em; }
h2 { font-size: 15px; margin: 0; }
.muted { color: var(--muted); }
.top { background: var(--head); color: #fff; position: sticky; top: 0; z-index: 5; }
.top-inner { max-width: 1200px; margin: 0 auto; display: flex; align-items: center; gap: 24px; padding: 0 20px; }
.brand { color: #fff; text-decoration: none; font-weight: 700; font-size: 17px; display: flex; align-items: center;
  gap: 8px; white-space: nowrap; padding: 14px 0; }
.logo { width: 18px; height: 18px; border-radius: 5px; background: linear-gradient(135deg, #60a5fa, #2563eb 60%, #7c3aed); }
#tabs { display: flex; gap: 2px; overflow-x: auto; scrollbar-width: none; flex: 1; min-width: 0; }
#tabs::-webkit-scrollbar { display: none; }
#tabs a { color: #c5cfdd; text-decoration: none; padding: 16px 12px 13px; border-bottom: 3px solid transparent;
  white-space: nowrap; font-weight: 500; }
#tabs a:hover { color: #fff; }
#tabs a[aria-current="page"] { color: #fff; border-bottom-color: #60a5fa; }
main { max-width: 1200px; margin: 0 auto; padding: 20px 20px 48px; }
.page-head { margin: 4px 0 16px; }
.page-head p { margin: 0; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); box-shadow: var(--shadow);
  padding: 16px 18px; margin-bottom: 16px; }
.card[hidden] { display: none; }
.card-head { display: flex; align-items: center; gap: 8px; margin-bottom: 12px; }
.count { background: var(--grey-bg); color: var(--grey); border-radius: 999px; padding: 0 8px; font-size: 12px; font-weight: 600; }
.empty { color: var(--muted); margin: 4px 0; }
.table-wrap { overflow-x: auto; margin: 0 -18px; }
table.data { width: 100%; border-collapse: collapse; }
table.data th { text-align: left; font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase;
  letter-spacing: .03em; padding: 8px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
table.data td { padding: 9px 10px; border-bottom: 1px solid var(--line); vertical-align: middle; }
table.data th:first-child, table.data td:first-child { padding-left: 18px; }
table.data th:last-child, table.data td:last-child { padding-right: 18px; }
table.data tbody tr:last-child td { border-bottom: 0; }
table.data td[data-label=""] { text-align: right; white-space: nowrap; width: 1%; }
table.data tbody tr:hover { background: var(--row); }
.status-cell { display: flex; flex-direction: column; align-items: flex-start; gap: 2px; }
.reason { color: var(--muted); font-size: 12px; max-width: 280px; overflow-wrap: anywhere; }
.row-actions { display: flex; gap: 6px; justify-content: flex-end; }
button.small { white-space: nowrap; }
.badge { display: inline-block; border-radius: 999px; padding: 1px 9px; font-size: 12px; font-weight: 600;
  background: var(--grey-bg); color: var(--grey); white-space: nowrap; }
.badge-healthy, .badge-active { background: var(--ok-bg); color: var(--ok); }
.badge-unhealthy, .badge-failed, .badge-stopped { background: var(--bad-bg); color: var(--bad); }
.badge-degraded, .badge-draining, .badge-pending { background: var(--warn-bg); color: var(--warn); }
.badge-stabilizing { background: var(--info-bg); color: var(--info); }
.form-grid { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 12px 16px; align-items: start; }
.field { display: flex; flex-direction: column; gap: 4px; min-width: 0; }
.field.wide { grid-column: 1 / -1; }
.field-label { font-weight: 600; font-size: 13px; }
.field-hint { color: var(--muted); font-size: 12px; }
input, select, textarea { font: inherit; color: var(--text); background: var(--field); border: 1px solid var(--line);
  border-radius: 7px; padding: 7px 10px; width: 100%; min-width: 0; }
input, select { height: 36px; }
textarea { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; resize: vertical; }
input:focus, select:focus, textarea:focus { outline: 2px solid var(--accent); outline-offset: -1px; border-color: transparent; }
input[readonly] { background: var(--row); color: var(--muted); }
.form-actions { grid-column: 1 / -1; display: flex; gap: 8px; }
button { font: inherit; font-weight: 600; border-radius: 7px; border: 1px solid var(--line); background: var(--panel);
  color: var(--text); padding: 7px 14px; cursor: pointer; }
button:hover { border-color: var(--muted); }
button[hidden] { display: none; }
button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-text); }
button.primary:hover { filter: brightness(1.08); }
button.small { padding: 3px 10px; font-size: 12.5px; }
button.danger { color: var(--danger); }
button.danger.armed { background: var(--danger); border-color: var(--danger); color: #fff; }
button:disabled { opacity: .6; cursor: default; }
button.link { border: 0; background: none; padding: 0 4px; font-size: 18px; line-height: 1; color: inherit; }
.notice { max-width: 1160px; margin: 14px auto 0; padding: 10px 14px; border-radius: 8px; display: flex;
  align-items: flex-start; justify-content: space-between; gap: 12px; position: sticky; top: 64px; z-index: 4;
  box-shadow: var(--shadow); }
.notice[hidden] { display: none; }
.notice.error { background: var(--bad-bg); color: var(--bad); border: 1px solid currentColor; }
.notice.ok { background: var(--ok-bg); color: var(--ok); border: 1px solid currentColor; }
.notice-text { overflow-wrap: anywhere; }
.placeholder { display: flex; flex-direction: column; gap: 4px; padding: 18px; border: 1px dashed var(--line);
  border-radius: 8px; text-align: center; align-items: center; }
.facts { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 12px; margin: 0; }
.facts dt { color: var(--muted); font-size: 12px; }
.facts dd { margin: 2px 0 0; font-weight: 600; }
.stats { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 12px; margin-bottom: 16px; }
.stat { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); box-shadow: var(--shadow);
  padding: 12px 14px; display: flex; flex-direction: column; gap: 2px; min-width: 0; }
.stat-label { color: var(--muted); font-size: 12px; }
.stat-value { font-size: 20px; font-weight: 700; font-variant-numeric: tabular-nums; white-space: nowrap; }
.spark { width: 100%; height: 28px; margin-top: 4px; }
.spark polyline { fill: none; stroke: var(--accent); stroke-width: 1.5; vector-effect: non-scaling-stroke; }
td { font-variant-numeric: tabular-nums; }
dialog { border: 1px solid var(--line); border-radius: 12px; padding: 20px; width: min(420px, calc(100vw - 32px));
  background: var(--panel); color: var(--text); box-shadow: 0 20px 50px rgba(0, 0, 0, .25); }
dialog::backdrop { background: rgba(10, 15, 21, .55); }
dialog h2 { font-size: 17px; margin-bottom: 6px; }
dialog form { display: flex; flex-direction: column; gap: 12px; }
@media (max-width: 1000px) {
  .stats { grid-template-columns: repeat(3, minmax(0, 1fr)); }
}
@media (max-width: 720px) {
  .top-inner { flex-direction: column; align-items: stretch; gap: 0; padding: 0 12px; }
  .brand { padding: 10px 0 2px; }
  #tabs a { padding: 10px 10px 9px; }
  #tabs { mask-image: linear-gradient(90deg, #000 calc(100% - 28px), transparent); }
  #tabs::after { content: ""; flex: 0 0 28px; }
  main { padding: 14px 12px 40px; }
  .notice { margin: 10px 12px 0; top: 90px; }
  .card { padding: 14px; }
  .form-grid, .facts { grid-template-columns: minmax(0, 1fr); }
  .stats { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .table-wrap { margin: 0; overflow: visible; }
  table.data thead { display: none; }
  table.data, table.data tbody { display: block; width: 100%; }
  table.data tr { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 8px 12px; padding: 10px 12px;
    border: 1px solid var(--line); border-radius: 8px; margin-bottom: 10px; }
  table.data tbody tr:last-child { margin-bottom: 0; }
  table.data td, table.data td:first-child, table.data td:last-child { display: flex; flex-direction: column;
    align-items: flex-start; gap: 1px; padding: 0; border-bottom: 0; min-width: 0; overflow-wrap: anywhere; }
  table.data td::before { content: attr(data-label); color: var(--muted); font-size: 11px; font-weight: 600;
    text-transform: uppercase; letter-spacing: .03em; }
  table.data td:first-child { grid-column: 1 / -1; grid-row: 1; font-size: 15px; align-self: center; }
  table.data tr:has(td[data-label=""]) td:first-child { padding-right: 150px; }
  table.data td:first-child::before { content: none; }
  table.data td[data-label="Status"], table.data td[data-label="Reason"], table.data td[data-label="Parameters"],
  table.data td[data-label="Host names"], table.data td[data-label="Subject"] { grid-column: 1 / -1; }
  table.data td[data-label=""] { grid-column: 1 / -1; grid-row: 1; justify-self: end; flex-direction: row; width: auto; }
  table.data td[data-label=""]::before { content: none; }
  .status-cell { flex-direction: row; flex-wrap: wrap; align-items: center; gap: 4px 8px; }
}
`;
