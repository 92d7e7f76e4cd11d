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

export class UiStore {
  view = $state<View>('sweep');
  theme = $state<Theme>(initialTheme());
  showWelcome = $state(readStorage(WELCOME_KEY) === null);

  toggleTheme(): void {
    this.theme = this.theme === 'dark' ? 'light' : 'dark';
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
