/**
 * How Moodle grades become the grade Zoho keeps (issue 20): a scale item by name through GRADE_SCALE_MAP, a
 * number through the bands of GRADE_POINT_BANDS, or the number itself when no bands are set.
 */

/** A scale item's name (compared without case or surrounding spaces) to the grade Zoho gets. */
export type ScaleMap = ReadonlyMap<string, string>;

/** A band of points, `from-to=grade`, both ends included. */
export interface PointBand {
  readonly from: number;
  readonly to: number;
  readonly grade: string;
}

/** Parses `Refer=R,Pass=P`: a list of `name=grade` pairs; throws naming the bad pair. */
export function parseScaleMap(text: string): ScaleMap {
  const map = new Map<string, string>();
  for (const pair of splitPairs(text)) {
    const [name, grade] = pair;
    const key = name.toLowerCase();
    if (map.has(key)) throw new Error(`names "${name}" twice`);
    map.set(key, grade);
  }
  return map;
}

/**
 * Parses `0-39=R,40-59=P`: bands of points in increasing order that do not overlap; throws naming the bad band.
 * A value between two bands (39.5 between 0-39 and 40-59) belongs to the lower one.
 */
export function parsePointBands(text: string): readonly PointBand[] {
  const bands: PointBand[] = [];
  for (const [range, grade] of splitPairs(text)) {
    const match = /^(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)$/.exec(range);
    if (!match) throw new Error(`"${range}=${grade}" is not a band such as 40-59=P`);
    const from = Number(match[1]);
    const to = Number(match[2]);
    if (to < from) throw new Error(`"${range}" ends before it starts`);
    const previous = bands.at(-1);
    if (previous && from <= previous.to) {
      throw new Error(
        `"${range}" overlaps or comes before "${previous.from}-${previous.to}": list bands in order`,
      );
    }
    bands.push({ from, to, grade });
  }
  return bands;
}

function splitPairs(text: string): [string, string][] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map((item) => {
      const at = item.indexOf('=');
      const name = at < 0 ? '' : item.slice(0, at).trim();
      const grade = at < 0 ? '' : item.slice(at + 1).trim();
      if (name === '' || grade === '') throw new Error(`"${item}" is not a pair such as Merit=M`);
      return [name, grade];
    });
}

/** The grade of a scale item, or undefined when the map does not name it. */
export function mapScaleItem(map: ScaleMap, item: string): string | undefined {
  return map.get(item.trim().toLowerCase());
}

/** The grade of a number of points, or undefined when no band holds it. */
export function mapPoints(bands: readonly PointBand[], points: number): string | undefined {
  for (const [index, band] of bands.entries()) {
    if (points < band.from) return undefined;
    const next = bands[index + 1];
    if (points <= band.to || (next && points < next.from)) return band.grade;
  }
  return undefined;
}

/** A number as Zoho gets it when no bands are set: Moodle's decimals without trailing zeros (78.5, 42). */
export function pointsText(points: number): string {
  return String(Math.round(points * 100_000) / 100_000);
}
