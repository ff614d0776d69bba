/**
 * Insight cards, as Aircall documents them (developer.aircall.io/docs/insight-cards, "Display
 * caller context during calls"): `POST /v1/calls/:id/insight_cards` with `{"contents": [block,
 * …]}`, where a block is `{"type":"title","text","link"?}`, `{"type":"shortText","text",
 * "label"?,"link"?}` or `{"type":"link","link","label"}`.
 *
 * The docs are silent on the rest; these are the local Aircall's choices, strict where a
 * real limit may exist, so that a client built against them also fits the real one:
 * - at most MAX_BLOCKS blocks, `text` at most MAX_TEXT characters, `label` at most MAX_LABEL,
 *   `link` an http(s) URL of at most MAX_LINK; an empty `contents` or an unknown block type or
 *   property is refused (422, like a webhook without url);
 * - a call that does not exist is answered 404, as `GET /v1/calls/:id` is;
 * - a card on an ended call is accepted (what Aircall does then is not documented);
 * - several cards on one call are kept in order; the answer is 201 with an empty body.
 */
export const MAX_BLOCKS = 10;
export const MAX_TEXT = 255;
export const MAX_LABEL = 100;
export const MAX_LINK = 2048;

export type InsightBlock =
  | { readonly type: 'title'; readonly text: string; readonly link?: string }
  | { readonly type: 'shortText'; readonly text: string; readonly label?: string; readonly link?: string }
  | { readonly type: 'link'; readonly link: string; readonly label: string };

export interface InsightCard {
  readonly contents: readonly InsightBlock[];
  /** When the local Aircall received it (ms). */
  readonly receivedAt: number;
}

const SHAPES: Record<InsightBlock['type'], { required: readonly string[]; optional: readonly string[] }> = {
  title: { required: ['text'], optional: ['link'] },
  shortText: { required: ['text'], optional: ['label', 'link'] },
  link: { required: ['link', 'label'], optional: [] }
};
const LIMITS: Record<string, number> = { text: MAX_TEXT, label: MAX_LABEL, link: MAX_LINK };

/** The card's blocks, or what is wrong with the body (the first problem found). */
export function readCard(body: unknown): { contents: InsightBlock[] } | { problem: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { problem: 'the body must be an object' };
  const contents = (body as { contents?: unknown }).contents;
  if (!Array.isArray(contents) || contents.length === 0) return { problem: 'contents must be a non-empty array' };
  if (contents.length > MAX_BLOCKS) return { problem: `contents has ${contents.length} blocks; at most ${MAX_BLOCKS}` };
  for (const [i, block] of contents.entries()) {
    if (typeof block !== 'object' || block === null) return { problem: `contents[${i}] must be an object` };
    const { type, ...rest } = block as Record<string, unknown>;
    const shape = typeof type === 'string' ? SHAPES[type as InsightBlock['type']] : undefined;
    if (!shape) return { problem: `contents[${i}].type must be title, shortText or link` };
    for (const key of shape.required) if (!(key in rest)) return { problem: `contents[${i}].${key} is required` };
    for (const [key, value] of Object.entries(rest)) {
      if (!shape.required.includes(key) && !shape.optional.includes(key))
        return { problem: `contents[${i}].${key} is not a property of a ${String(type)} block` };
      if (typeof value !== 'string' || value.trim() === '')
        return { problem: `contents[${i}].${key} must be a non-empty string` };
      if (value.length > LIMITS[key]!) return { problem: `contents[${i}].${key} is over ${LIMITS[key]} characters` };
      if (key === 'link' && !/^https?:\/\/\S+$/.test(value))
        return { problem: `contents[${i}].link must be an http(s) URL` };
    }
  }
  return { contents: contents as InsightBlock[] };
}
