/** What the window shows and how: the view, the theme (kept across sessions) and the welcome card. */

export type Theme = 'light' | 'dark';
export type View = 'sweep' | 'compare' | 'planner';

const WELCOME_KEY = 'kvscope.welcomeSeen';
const THEME_KEY = 'kvscope.theme';

function readStorage(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
function writeStorage(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // storage may be unavailable (private mode); the setting just does not persist
  }
}

function initialTheme(): Theme {
  const saved = readStorage(THEME_KEY);
  if (saved === 'dark' || saved === 'light') return saved;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/**
 * The theme on the document (`data-theme`, which picks the tokens' set: src/present/theme.ts), set
 * with the state rather than in an effect: a chart re-created for the new theme reads the tokens
 * in its own effect, which can run before any effect of the App's.
 */
function applyTheme(theme: Theme): void {
  if (typeof document !== 'undefined') document.documentElement.dataset.theme = theme;
}

export class UiStore {
  view = $state<View>('sweep');
  theme = $state<Theme>(initialTheme());
  showWelcome = $state(readStorage(WELCOME_KEY) === null);

  constructor() {
    applyTheme(this.theme);
  }

  toggleTheme(): void {
    this.theme = this.theme === 'dark' ? 'light' : 'dark';
    applyTheme(this.theme);
    writeStorage(THEME_KEY, this.theme);
  }

  /** The welcome card again (the header's "About" button). */
  reopenWelcome(): void {
    this.view = 'sweep';
    this.showWelcome = true;
  }

  dismissWelcome(): void {
    this.showWelcome = false;
    writeStorage(WELCOME_KEY, '1');
  }
}
