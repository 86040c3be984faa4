import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import {
  mapPoints,
  mapScaleItem,
  parsePointBands,
  parseScaleMap,
  pointsText,
} from '../../src/modules/grades/grade-mapping.js';
import { feedbackText } from '../../src/modules/grades/poll/grade-report.js';

describe('grade mapping', () => {
  it('maps scale items by name, in any case', () => {
    const map = parseScaleMap('Refer=R,Pass=P,Merit=M,Distinction=D');
    expect(mapScaleItem(map, 'Merit')).toBe('M');
    expect(mapScaleItem(map, ' distinction ')).toBe('D');
    expect(mapScaleItem(map, 'Excellent')).toBeUndefined();
  });

  it('maps points through bands; a value between two bands takes the lower', () => {
    const bands = parsePointBands('0-39=R,40-59=P,60-79=M,80-100=D');
    expect(mapPoints(bands, 0)).toBe('R');
    expect(mapPoints(bands, 39.5)).toBe('R');
    expect(mapPoints(bands, 40)).toBe('P');
    expect(mapPoints(bands, 78.5)).toBe('M');
    expect(mapPoints(bands, 100)).toBe('D');
    expect(mapPoints(bands, 100.5)).toBeUndefined();
    expect(mapPoints(parsePointBands('10-20=X'), 5)).toBeUndefined();
  });

  it('refuses settings it cannot read, naming the part', () => {
    expect(() => parseScaleMap('Merit')).toThrow('"Merit" is not a pair');
    expect(() => parseScaleMap('Merit=M,merit=X')).toThrow('twice');
    expect(() => parsePointBands('40-59=P,0-39=R')).toThrow('list bands in order');
    expect(() => parsePointBands('a-b=P')).toThrow('not a band');
    expect(() => loadConfig({ env: { GRADE_POINT_BANDS: '50-10=P' }, dotenvPath: null })).toThrow(
      /GRADE_POINT_BANDS/,
    );
    expect(() => loadConfig({ env: { GRADES_ON_REMOVED: 'purge' }, dotenvPath: null })).toThrow(
      /GRADES_ON_REMOVED/,
    );
  });

  it('sends a number without trailing zeros', () => {
    expect(pointsText(Number('78.50000'))).toBe('78.5');
    expect(pointsText(Number('42.00000'))).toBe('42');
  });

  it("turns Moodle's feedback HTML into plain text", () => {
    expect(feedbackText('<p>Merit: good structure</p>')).toBe('Merit: good structure');
    expect(feedbackText('<p>One &amp; two<br>three</p><p><a href="https://x.example">link</a></p>')).toBe(
      'One & two\nthree\n\nlink',
    );
    expect(feedbackText('')).toBe('');
  });
});
