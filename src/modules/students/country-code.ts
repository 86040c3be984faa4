import { createRequire } from 'node:module';
import countries from 'i18n-iso-countries';

// The locale files are JSON shipped in the package; loaded once, on first use (no work at import time).
const require = createRequire(import.meta.url);
let registered = false;

function ensureLocales(): void {
  if (registered) return;
  countries.registerLocale(require('i18n-iso-countries/langs/en.json'));
  countries.registerLocale(require('i18n-iso-countries/langs/ar.json'));
  countries.registerLocale(require('i18n-iso-countries/langs/fr.json'));
  registered = true;
}

/**
 * Common short names the library does not list under English (it has "Syrian Arab Republic" but not "Syria").
 * Only names seen in school records belong here; everything else comes from i18n-iso-countries.
 */
const SHORT_NAMES: Record<string, string> = {
  syria: 'SY',
  ksa: 'SA',
  'kingdom of saudi arabia': 'SA',
  'great britain': 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  'northern ireland': 'GB',
};

/**
 * ISO 3166-1 alpha-2 code for a country as Zoho holds it: a code ("LB", "lb"), an English, Arabic or French
 * name ("Lebanon", "لبنان"). Undefined when unknown: Moodle would silently blank a value it does not know.
 */
export function toCountryCode(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  ensureLocales();
  if (/^[A-Za-z]{2}$/.test(text) && countries.isValid(text.toUpperCase())) return text.toUpperCase();
  if (/^[A-Za-z]{3}$/.test(text)) {
    const fromAlpha3 = countries.alpha3ToAlpha2(text.toUpperCase());
    if (fromAlpha3) return fromAlpha3;
  }
  for (const lang of ['en', 'ar', 'fr']) {
    const code = countries.getAlpha2Code(text, lang) ?? countries.getSimpleAlpha2Code(text, lang);
    if (code) return code;
  }
  return SHORT_NAMES[text.toLowerCase()];
}
