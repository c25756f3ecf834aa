// Copies what the pages use from govuk-frontend into static/govuk: the JavaScript bundle and the images.
// Fonts are left out on purpose: a council service uses Arial, not the GOV.UK typeface.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

const dist = "node_modules/govuk-frontend/dist/govuk";
mkdirSync("static/govuk/assets", { recursive: true });
cpSync(`${dist}/govuk-frontend.min.js`, "static/govuk/govuk-frontend.min.js");
cpSync(`${dist}/assets/images`, "static/govuk/assets/images", { recursive: true });
const { version } = JSON.parse(readFileSync("node_modules/govuk-frontend/package.json", "utf8"));
writeFileSync("static/govuk/VERSION", `govuk-frontend ${version}\n`);
