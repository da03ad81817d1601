import { BANNER_MATRIX, bannerMatrix, renderMatrix } from "../classify/corpus/banner-matrix.ts";
import type { GeneratedSection } from "../core/generated-section.ts";
import { CATALOGUE_TABLE, catalogueTable } from "./catalogue-table.ts";
import { CAUSE_TABLE, causeTable } from "./cause-table.ts";
import { LAYERS_QUOTE, layersQuote } from "./layers-quote.ts";

/** Every table (and quote) in docs/ that the code generates: `npm run docs` rewrites them, docs-tables.test.ts keeps them equal. */
export const DOCS_TABLES: ReadonlyArray<{ section: GeneratedSection; render: () => string | Promise<string> }> = [
  { section: LAYERS_QUOTE, render: layersQuote },
  { section: CATALOGUE_TABLE, render: catalogueTable },
  { section: CAUSE_TABLE, render: causeTable },
  { section: BANNER_MATRIX, render: () => renderMatrix(bannerMatrix()) },
];
