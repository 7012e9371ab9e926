// Finishes `redocly build-docs` output so that dist/ is a self-contained static site:
//
// 1. Redoc 3's sidebar footer ("API docs by Redocly") loads its logo from cdn.redoc.ly even with
//    --inlineBundle, and no option turns it off. The logo URLs in the inlined bundle are replaced
//    by inline SVG data: URIs, so the page requests nothing but itself.
// 2. The bundled specs (openapi.yaml, openapi.json; sandbox.yaml, sandbox.json) are copied next
//    to the pages (index.html, sandbox.html), where their download links (redocly.yaml,
//    redocly-sandbox.yaml `downloadUrls`) point.
//
// It fails the build when the page would still load anything from another origin.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

/** An SVG image as a data: URI that is safe inside any JS string literal of the bundle. */
function svgDataUri(svg) {
  const encoded = encodeURIComponent(svg.replace(/\s+/g, ' ').trim()).replace(/'/g, '%27');
  return `data:image/svg+xml,${encoded}`;
}

const font = 'font-family="Arial, Helvetica, sans-serif" font-weight="700"';
const logos = {
  'https://cdn.redoc.ly/redoc/logo-mini-full.svg': svgDataUri(
    `<svg xmlns="http://www.w3.org/2000/svg" width="54" height="14" viewBox="0 0 54 14">
       <text x="0" y="11.5" ${font} font-size="12" fill="#12897c">Redocly</text></svg>`,
  ),
  'https://cdn.redoc.ly/redoc/logo-mini.svg': svgDataUri(
    `<svg xmlns="http://www.w3.org/2000/svg" width="14" height="14" viewBox="0 0 14 14">
       <text x="7" y="11.5" ${font} font-size="12" text-anchor="middle" fill="#12897c">R</text></svg>`,
  ),
};

for (const page of [join(dist, 'index.html'), join(dist, 'sandbox.html')]) {
  let html = readFileSync(page, 'utf8');
  for (const [url, dataUri] of Object.entries(logos)) {
    if (!html.includes(url)) {
      throw new Error(
        `postbuild: ${url} no longer appears in ${page}. The Redoc bundle changed: check in a browser ` +
          'that the page loads nothing from another origin, then update scripts/postbuild.mjs.',
      );
    }
    html = html.split(url).join(dataUri);
  }

  // Anything the browser would fetch on its own from another origin: scripts, stylesheets,
  // preloads, images, and the Redoc assets the CLI links when --inlineBundle is missing.
  const external = [
    /<script[^>]+src=["']?(?:https?:)?\/\//i,
    /<link[^>]+href=["']?(?:https?:)?\/\//i,
    /<img[^>]+src=["']?(?:https?:)?\/\//i,
    /cdn\.redoc\.ly\//,
    /cdn\.redocly\.com\/redoc\//,
  ];
  for (const pattern of external) {
    const match = pattern.exec(html);
    if (match) {
      throw new Error(`postbuild: ${page} would load from another origin: ${match[0]}…`);
    }
  }
  writeFileSync(page, html);
}

const require = createRequire(import.meta.url);
for (const name of ['openapi.yaml', 'openapi.json', 'sandbox.yaml', 'sandbox.json']) {
  copyFileSync(require.resolve(`@raas-customers/openapi/${name}`), join(dist, name));
}
console.log('postbuild: index.html and sandbox.html are self-contained; the bundled specs copied beside them');
