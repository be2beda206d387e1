/**
 * `GET /docs`: a small interactive API page that works offline. It reads
 * `/openapi.json` from this server and lets you send requests from the
 * browser; its script is served by the app too (`/docs/app.js`), no CDN.
 * @module
 */

/** The page. */
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mvd model server: API</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem 1.5rem; color: #1d2330; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; }
.op { border: 1px solid #d5dbe5; border-radius: 6px; margin: .8rem 0; padding: .6rem .9rem; }
.method { display: inline-block; min-width: 3.6rem; font-weight: 700; color: #fff; border-radius: 4px; padding: .05rem .4rem; text-align: center; margin-right: .5rem; }
.GET { background: #2f7dd3; } .POST { background: #2e9d5b; }
code, textarea, pre { font: 13px/1.4 ui-monospace, monospace; }
textarea { width: 100%; min-height: 7rem; box-sizing: border-box; }
pre { background: #f4f6fa; padding: .6rem; overflow: auto; max-height: 20rem; }
button { margin: .4rem .4rem .4rem 0; padding: .3rem .9rem; }
label { font-size: 13px; }
</style>
</head>
<body>
<h1 id="title">mvd model server</h1>
<p id="description">Loading /openapi.json…</p>
<p><label>Bearer token (only if the server sets API_TOKEN): <input id="token" type="password" size="32"></label>
· <a href="/openapi.json">openapi.json</a></p>
<div id="ops"></div>
<script src="/docs/app.js"></script>
</body>
</html>
`;

/** The page's script. */
export const DOCS_JS = `"use strict";
(async () => {
  const el = (tag, props = {}, ...children) => {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children);
    return node;
  };
  const doc = await (await fetch("/openapi.json")).json();
  document.getElementById("title").textContent = doc.info.title;
  document.getElementById("description").textContent = doc.info.description;
  const name = (doc.info.description.match(/model "([^"]+)"/) || [])[1] || "model";
  const ops = document.getElementById("ops");
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const upper = method.toUpperCase();
      const url = path.replace("{name}", name);
      const out = el("pre", { hidden: true });
      const box = el("div", { className: "op" },
        el("div", {}, el("span", { className: "method " + upper, textContent: upper }),
          el("code", { textContent: path }), " — " + (op.summary || "")));
      let body;
      if (upper === "POST") {
        const example = op.requestBody && op.requestBody.content["application/json"].example;
        body = el("textarea", { value: JSON.stringify(example ?? {}, null, 2) });
        box.append(body);
      }
      const send = el("button", { textContent: "Send " + upper + " " + url });
      send.addEventListener("click", async () => {
        const headers = {};
        const token = document.getElementById("token").value;
        if (token) headers.authorization = "Bearer " + token;
        if (body) headers["content-type"] = "application/json";
        out.hidden = false;
        try {
          const res = await fetch(url, { method: upper, headers, body: body ? body.value : undefined });
          const text = await res.text();
          let shown = text;
          try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch { /* not JSON */ }
          out.textContent = res.status + " " + res.statusText + "\\n" + shown;
        } catch (err) {
          out.textContent = String(err);
        }
      });
      box.append(el("div", {}, send), out);
      ops.append(box);
    }
  }
})();
`;
