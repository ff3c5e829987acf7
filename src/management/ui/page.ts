/**
 * The UI's HTML shell: header with the tabs, the notice banner, the page slot and the token dialog. Scripts and
 * styles are separate files of the same server, so a strict Content-Security-Policy applies.
 *
 * @module
 */

/** The HTML document served at `/`. */
export const PAGE_HTML: string = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>pmmux</title>
<link rel="stylesheet" href="/ui/style.css">
<link rel="icon" href="data:,">
</head>
<body>
<header class="top">
  <div class="top-inner">
    <a class="brand" href="#backends"><span class="logo" aria-hidden="true"></span>pmmux</a>
    <nav id="tabs" aria-label="Pages"></nav>
  </div>
</header>
<div id="notice" class="notice" hidden></div>
<main id="main"></main>
<dialog id="token-dialog">
  <form id="token-form" method="dialog">
    <h2>Management token</h2>
    <p id="token-hint" class="muted"></p>
    <input type="text" name="username" value="pmmux" autocomplete="username" hidden>
    <label class="field"><span class="field-label">Token</span>
      <input id="token-input" type="password" autocomplete="current-password" required></label>
    <div class="form-actions"><button type="submit" class="primary">Continue</button></div>
  </form>
</dialog>
<script src="/ui/app.js"></script>
</body>
</html>
`;
