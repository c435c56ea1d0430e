/**
 * Places a chart's text labels so that no two boxes intersect: each label tries its positions in
 * order (beside its line, then nudged up or down) and takes the first one clear of the labels placed
 * before it; one with no room left goes to the chart's legend instead. Pure geometry in the SVG's
 * user units; text widths are estimated on the generous side, since the page's font is not known here.
 */

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

type Anchor = 'start' | 'middle' | 'end';

/** Where a label's text may go: its baseline point and which end of the text sits there. */
export interface Spot {
  x: number;
  y: number;
  anchor: Anchor;
}

export interface LabelRequest {
  key: string;
  text: string;
  /** Positions to try, best first. */
  spots: Spot[];
}

export interface PlacedLabel extends Spot {
  key: string;
  text: string;
  box: Box;
}

/** Font size of chart labels (svg .label in the page's style), in user units. */
const LABEL_FONT_SIZE = 12;
/** Clear space kept around a label's text. */
const PAD = 1;

/**
 * The labels in `requests` order (the first has the first pick) inside `area`: those placed, and
 * those left for the legend. A label keeps clear of `marks` (data points, rings) where one of its
 * spots allows, and always of the labels placed before it.
 */
export function placeLabels(
  requests: LabelRequest[],
  area: Box,
  marks: Box[] = [],
): { placed: PlacedLabel[]; unplaced: LabelRequest[] } {
  const placed: PlacedLabel[] = [];
  const unplaced: LabelRequest[] = [];
  for (const request of requests) {
    const width = textWidth(request.text);
    const candidates = request.spots
      .map((spot) => ({ spot, box: labelBox(spot, width) }))
      .filter(({ box }) => inside(box, area) && placed.every((other) => !intersects(box, other.box)));
    const fit = candidates.find(({ box }) => marks.every((mark) => !intersects(box, mark))) ?? candidates[0];
    if (fit) placed.push({ key: request.key, text: request.text, ...fit.spot, box: fit.box });
    else unplaced.push(request);
  }
  return { placed, unplaced };
}

/** The box of a circle drawn at (cx, cy). */
export function circleBox(cx: number, cy: number, r: number): Box {
  return { left: cx - r, top: cy - r, right: cx + r, bottom: cy + r };
}

/** The spots `spot` and then nudged by `step` up and down in turn, `count` times each way. */
export function nudged(spot: Spot, step: number, count: number): Spot[] {
  const spots = [spot];
  for (let i = 1; i <= count; i++)
    spots.push({ ...spot, y: spot.y - i * step }, { ...spot, y: spot.y + i * step });
  return spots;
}

/** The box a label's text takes at a spot: from above its capitals to below its descenders. */
export function labelBox(spot: Spot, width: number): Box {
  const left =
    spot.anchor === 'start' ? spot.x : spot.anchor === 'middle' ? spot.x - width / 2 : spot.x - width;
  return {
    left: left - PAD,
    right: left + width + PAD,
    top: spot.y - LABEL_FONT_SIZE * 0.95 - PAD,
    bottom: spot.y + LABEL_FONT_SIZE * 0.3 + PAD,
  };
}

/** Wide glyphs (an em dash, %, capitals), narrow ones (punctuation, i, l), the rest: bold sans widths. */
const NARROW = new Set(" .,:;'!|()[]·ijlt-/");
const WIDE = new Set('—%@mwMW');

/** A bold sans-serif label's width, estimated generously (DejaVu Sans Bold, one of the widest). */
export function textWidth(text: string): number {
  let ems = 0;
  for (const char of text) {
    if (NARROW.has(char)) ems += 0.42;
    else if (WIDE.has(char)) ems += 1.02;
    else if (char >= 'A' && char <= 'Z') ems += 0.8;
    else ems += 0.72;
  }
  return ems * LABEL_FONT_SIZE;
}

export function intersects(a: Box, b: Box): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

function inside(box: Box, area: Box): boolean {
  return box.left >= area.left && box.right <= area.right && box.top >= area.top && box.bottom <= area.bottom;
}
