import { describe, expect, it } from 'vitest';
import { CommandDedupe, commandApplies, shortcutCommand, type CommandState, type KeyPress } from './shortcuts';

const key = (k: string, mods: Partial<KeyPress> = {}): KeyPress => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });

describe('keyboard shortcuts', () => {
  it('Ctrl (Cmd on macOS) + O, S, Enter; Escape alone', () => {
    expect(shortcutCommand(key('o', { ctrlKey: true }), false)).toBe('open-report');
    expect(shortcutCommand(key('O', { ctrlKey: true }), false)).toBe('open-report');
    expect(shortcutCommand(key('s', { ctrlKey: true }), false)).toBe('save-report');
    expect(shortcutCommand(key('Enter', { ctrlKey: true }), false)).toBe('run-sweep');
    expect(shortcutCommand(key('Enter', { metaKey: true }), true)).toBe('run-sweep');
    expect(shortcutCommand(key('Escape'), false)).toBe('cancel-sweep');
    expect(shortcutCommand(key('Escape'), true)).toBe('cancel-sweep');
  });

  it("Enter alone, the other platform's modifier, extra modifiers and IME composition are no shortcut", () => {
    expect(shortcutCommand(key('Enter'), false)).toBeNull();
    expect(shortcutCommand(key('Enter', { shiftKey: true }), false)).toBeNull();
    expect(shortcutCommand(key('o', { metaKey: true }), false)).toBeNull();
    expect(shortcutCommand(key('o', { ctrlKey: true }), true)).toBeNull();
    expect(shortcutCommand(key('s', { ctrlKey: true, shiftKey: true }), false)).toBeNull();
    expect(shortcutCommand(key('o', { ctrlKey: true, altKey: true }), false)).toBeNull();
    expect(shortcutCommand(key('Escape', { shiftKey: true }), false)).toBeNull();
    expect(shortcutCommand(key('Enter', { ctrlKey: true, isComposing: true }), false)).toBeNull();
    expect(shortcutCommand(key('x', { ctrlKey: true }), false)).toBeNull();
  });

  it('a command applies only where it means something', () => {
    const idle: CommandState = { running: false, cancelRequested: false, hasReport: false, canRun: true };
    const running: CommandState = { ...idle, running: true };
    expect(commandApplies('cancel-sweep', idle)).toBe(false); // Escape keeps its usual meaning
    expect(commandApplies('cancel-sweep', running)).toBe(true);
    expect(commandApplies('cancel-sweep', { ...running, cancelRequested: true })).toBe(false);
    expect(commandApplies('run-sweep', idle)).toBe(true);
    expect(commandApplies('run-sweep', running)).toBe(false);
    expect(commandApplies('run-sweep', { ...idle, canRun: false })).toBe(false);
    expect(commandApplies('save-report', idle)).toBe(false);
    expect(commandApplies('save-report', { ...idle, hasReport: true })).toBe(true);
    expect(commandApplies('open-report', idle)).toBe(true);
    expect(commandApplies('open-report', running)).toBe(false);
  });

  it('the same command from the key and the menu at once runs once; repeats from one source all run', () => {
    const d = new CommandDedupe(500);
    expect(d.take('open-report', 'key', 1000)).toBe(true);
    expect(d.take('open-report', 'menu', 1100)).toBe(false);
    expect(d.take('open-report', 'menu', 2000)).toBe(true);
    expect(d.take('save-report', 'key', 2000)).toBe(true);
    expect(d.take('save-report', 'key', 2100)).toBe(true);
    expect(d.take('open-report', 'key', 2100)).toBe(false);
    expect(d.take('open-report', 'key', 2700)).toBe(true);
  });
});
