// `grantflow adopt`: the team's permanent-access file with `adopt: true` on its entries, everything
// else as written (comments, order, quoting), for review like any other change of the YAML.
import { isMap, isSeq, parseDocument } from 'yaml';

export interface AdoptedText {
  text: string;
  /** The entries that say `adopt: true` now and did not before: their position in the list, and description. */
  adopted: { index: number; description: string }[];
  /** Entries that said it already. */
  already: number;
}

/** Adds `adopt: true` to every entry of a permanent-access file (undefined when the text has no such list). */
export function adoptEntries(text: string): AdoptedText | undefined {
  const doc = parseDocument(text, { uniqueKeys: true, strict: true });
  if (doc.errors.length > 0) return undefined;
  const list = isMap(doc.contents) ? doc.contents.get('permanent-access', true) : undefined;
  if (!isSeq(list)) return undefined;
  const adopted: AdoptedText['adopted'] = [];
  let already = 0;
  list.items.forEach((item, index) => {
    if (!isMap(item)) return;
    if (item.get('adopt') === true) {
      already++;
      return;
    }
    item.set('adopt', true);
    adopted.push({ index, description: String(item.get('description') ?? '') });
  });
  return { text: adopted.length > 0 ? doc.toString({ lineWidth: 0, flowCollectionPadding: false }) : text, adopted, already };
}
