// A tiny element builder: the page has a dozen small screens, re-rendered whole on each status change, so
// plain DOM is enough and keeps the bundle small (no UI library to download on a phone). What a redraw would
// lose is kept outside the DOM: the customer's input in the page's state (main.ts), the focus and caret here.
type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;
export type Child = Node | string | false | null | undefined;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    element.append(child);
  }
  return element;
}

export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} missing`);
  return element as T;
}

/** What had the focus before a redraw: its id and, in a text field, the caret (or selection). */
export interface FocusMark {
  id: string;
  selection?: [start: number, end: number, direction: 'forward' | 'backward' | 'none'];
}

export function markFocus(): FocusMark | undefined {
  const active = document.activeElement;
  if (!(active instanceof HTMLElement) || !active.id) return undefined;
  if (active instanceof HTMLInputElement && active.selectionStart !== null && active.selectionEnd !== null)
    return {
      id: active.id,
      selection: [active.selectionStart, active.selectionEnd, active.selectionDirection ?? 'none'],
    };
  return { id: active.id };
}

/** Gives the focus back to the element now drawn with the same id, the caret where it was. */
export function restoreFocus(mark: FocusMark | undefined): void {
  const element = mark && document.getElementById(mark.id);
  if (!element) return;
  element.focus();
  if (mark.selection && element instanceof HTMLInputElement) element.setSelectionRange(...mark.selection);
}
