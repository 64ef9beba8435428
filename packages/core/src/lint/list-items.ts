import { Document, isMap, isSeq } from 'yaml';

/**
 * A list object (`kind: List`, as `kubectl get ... -o yaml` writes several objects, or any
 * `<Kind>List` the API returns): its items are objects of their own.
 */
function isListObject(doc: Document.Parsed): boolean {
  const kind = doc.get('kind');
  return typeof kind === 'string' && kind.endsWith('List') && isSeq(doc.get('items', true));
}

/**
 * The document and, for a list object, every item (and the items of lists inside it) as a
 * document of its own. An item keeps its nodes, so ranges and edits computed on it are offsets
 * into the same text as the list's.
 */
export function withListItems(doc: Document.Parsed): Document.Parsed[] {
  if (!isListObject(doc)) return [doc];
  const items = doc.get('items', true);
  if (!isSeq(items)) return [doc];
  const inner = items.items.flatMap((node) => {
    if (!isMap(node)) return [];
    const item = new Document() as unknown as Document.Parsed;
    item.contents = node as Document.Parsed['contents'];
    return withListItems(item);
  });
  return [doc, ...inner];
}
