/**
 * The app's keyboard shortcuts and menu commands, as pure decisions: which command a key press
 * is, and what a command does in the app's present state. App.svelte wires them to the window's
 * keydown and to the menu channel (File -> Open report..., Save report...).
 *
 * Escape cancels a running sweep; Ctrl/Cmd+O opens a report, Ctrl/Cmd+S saves the report shown,
 * Ctrl/Cmd+Enter runs the sweep set up. Enter alone never starts a sweep.
 */
import type { MenuCommand } from '@/contract/routes';

export type Command = MenuCommand | 'run-sweep' | 'cancel-sweep';

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  /** Composing text (an IME): no shortcut. */
  isComposing?: boolean;
}

/** The command a key press is, or null; `mac`: the modifier is Cmd rather than Ctrl. */
export function shortcutCommand(e: KeyPress, mac: boolean): Command | null {
  if (e.isComposing) return null;
  const mod = mac ? e.metaKey && !e.ctrlKey : e.ctrlKey && !e.metaKey;
  if (e.key === 'Escape' && !e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey) return 'cancel-sweep';
  if (!mod || e.altKey || e.shiftKey) return null;
  switch (e.key.toLowerCase()) {
    case 'o':
      return 'open-report';
    case 's':
      return 'save-report';
    case 'enter':
      return 'run-sweep';
    default:
      return null;
  }
}

export interface CommandState {
  /** A sweep is running (and has not been asked to cancel yet). */
  running: boolean;
  cancelRequested: boolean;
  /** A report is shown (a finished or opened run): what Save writes. */
  hasReport: boolean;
  /** The sweep set up has a plan (the form is valid). */
  canRun: boolean;
}

/**
 * Whether a command applies now: the key press is then taken (preventDefault) and the command
 * run; otherwise the key keeps its usual meaning (Escape closes what it closes, Ctrl+S does
 * nothing without a report).
 */
export function commandApplies(cmd: Command, s: CommandState): boolean {
  switch (cmd) {
    case 'cancel-sweep':
      return s.running && !s.cancelRequested;
    case 'run-sweep':
      return !s.running && s.canRun;
    case 'save-report':
      return s.hasReport;
    case 'open-report':
      return !s.running;
  }
}

/**
 * The same command from the keyboard and from the menu within `windowMs` is one command: where
 * the system delivers a menu accelerator to both (macOS ignores `registerAccelerator: false`),
 * one dialog opens, not two.
 */
export class CommandDedupe {
  readonly #last = new Map<Command, { at: number; source: 'key' | 'menu' }>();
  constructor(private readonly windowMs = 500) {}

  /** True when this command should run: the other source did not just run it. */
  take(cmd: Command, source: 'key' | 'menu', now: number): boolean {
    const last = this.#last.get(cmd);
    this.#last.set(cmd, { at: now, source });
    return !(last && last.source !== source && now - last.at < this.windowMs);
  }
}
