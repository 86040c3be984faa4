import type { RenderedError } from './errors.js';

/** How the REST server writes answers: PHP's JSON, Moodle's XML, and the pages a broken site serves. */

/** PHP json_encode: `/` escaped as `\/`, non-ASCII as `\uXXXX` (#1, #33). */
export function phpJson(body: unknown): string {
  return JSON.stringify(body)
    .replace(/\//g, '\\/')
    .replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Moodle's XML format (#3, #54), for callers that forget `moodlewsrestformat=json`. */
export function xmlBody(result: unknown, error: RenderedError | undefined): string {
  const head = '<?xml version="1.0" encoding="UTF-8" ?>\n';
  if (error) {
    const errorcode =
      error.errorcode === undefined ? '' : `<ERRORCODE>${xmlEscape(error.errorcode)}</ERRORCODE>\n`;
    const debug =
      error.debuginfo === undefined ? '' : `<DEBUGINFO>${xmlEscape(error.debuginfo)}</DEBUGINFO>\n`;
    return `${head}<EXCEPTION class="${xmlEscape(error.exception)}">\n${errorcode}<MESSAGE>${xmlEscape(error.message)}</MESSAGE>\n${debug}</EXCEPTION>\n`;
  }
  return `${head}<RESPONSE>\n${result === null ? '' : xmlValue(result)}</RESPONSE>\n`;
}

function xmlValue(item: unknown): string {
  if (Array.isArray(item)) return `<MULTIPLE>\n${item.map(xmlValue).join('')}</MULTIPLE>\n`;
  if (item !== null && typeof item === 'object') {
    const keys = Object.entries(item).map(
      ([key, sub]) => `<KEY name="${xmlEscape(key)}">${xmlValue(sub)}</KEY>\n`,
    );
    return `<SINGLE>\n${keys.join('')}</SINGLE>\n`;
  }
  if (item === null || item === undefined) return '<VALUE null="null"/>\n';
  const text = typeof item === 'boolean' ? (item ? '1' : '0') : String(item);
  return `<VALUE>${xmlEscape(text)}</VALUE>\n`;
}

function xmlEscape(text: string): string {
  return text.replace(/[&<>"]/g, (char) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' }[char]};`);
}

export const MAINTENANCE_PAGE =
  '<!DOCTYPE html>\n<html><head><title>Site maintenance</title></head>' +
  '<body><h1>Site maintenance</h1><p>This site is undergoing maintenance and is currently not available.</p>' +
  '</body></html>\n';

export const ERROR_500_PAGE =
  '<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>' +
  '<body><h1>Internal Server Error</h1></body></html>\n';
