/** Writes the generated docs (docs/errors.md) from their sources: `npm run docs`. */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderErrorCatalogue } from "../src/errors/catalogue.js";

const out = fileURLToPath(new URL("../../docs/errors.md", import.meta.url));
writeFileSync(out, renderErrorCatalogue());
console.log(`wrote ${out}`);
