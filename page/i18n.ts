// The page's language: Arabic or English, chosen by the server from Accept-Language (the <html lang> it
// renders) or by the switch on the page (kept in localStorage). Numbers, durations and times go through
// Intl for the language, so Arabic shows Arabic-Indic digits and the right plural form.
import { ar } from './messages/ar';
import { en } from './messages/en';
import type { Messages, Plural } from './messages/types';

export type Language = 'en' | 'ar';
const CATALOGUES: Record<Language, Messages> = { en, ar };
/** Egyptian Arabic conventions for numbers and times (Vlens serves Egypt). */
const LOCALES: Record<Language, string> = { en: 'en', ar: 'ar-EG' };
const STORAGE_KEY = 'vlens-activation-language';

export interface I18n {
  lang: Language;
  m: Messages;
  /** A message with `{name}` placeholders filled; numbers are formatted for the language. */
  t(text: string, values?: Record<string, string | number>): string;
  /** The plural form for `n`, then placeholders. */
  p(forms: Plural, n: number, values?: Record<string, string | number>): string;
  number(n: number): string;
  /** A countdown such as 4:05 (minutes and seconds), in the language's digits. */
  countdown(ms: number): string;
  time(iso: string): string;
}

export function chosenLanguage(): Language {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    // storage may be off (private mode in some browsers): the server's choice stands
  }
  if (stored === 'ar' || stored === 'en') return stored;
  return document.documentElement.lang === 'ar' ? 'ar' : 'en';
}

export function rememberLanguage(lang: Language): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // not remembered; the switch still works on this page
  }
}

export function i18n(lang: Language): I18n {
  const locale = LOCALES[lang];
  const numbers = new Intl.NumberFormat(locale);
  const twoDigits = new Intl.NumberFormat(locale, { minimumIntegerDigits: 2 });
  const plurals = new Intl.PluralRules(locale);
  const times = new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' });
  const fill = (text: string, values: Record<string, string | number> = {}) =>
    text.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = values[name];
      if (value === undefined) return whole;
      return typeof value === 'number' ? numbers.format(value) : value;
    });
  return {
    lang,
    m: CATALOGUES[lang],
    t: fill,
    p: (forms, n, values = {}) => fill(forms[plurals.select(n)] ?? forms.other, { n, ...values }),
    number: (n) => numbers.format(n),
    countdown(ms) {
      const seconds = Math.max(0, Math.ceil(ms / 1000));
      return `${numbers.format(Math.floor(seconds / 60))}:${twoDigits.format(seconds % 60)}`;
    },
    time: (iso) => times.format(new Date(iso)),
  };
}

export function applyDocumentLanguage(lang: Language): void {
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === 'ar' ? 'rtl' : 'ltr';
}
