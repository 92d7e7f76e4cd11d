import { describe, expect, it, vi } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '@/contract/routes';

vi.mock('electron', () => ({ Menu: { buildFromTemplate: (t: unknown) => t } }));

const { menuTemplate } = await import('./menu');

describe('application menu', () => {
  it('File has Open report… (Ctrl/Cmd+O) and Save report… (Ctrl/Cmd+S), each sending its command to the page', () => {
    const sent: MenuCommand[] = [];
    for (const platform of ['linux', 'win32', 'darwin'] as const) {
      const file = menuTemplate(false, (c) => sent.push(c), platform).find((m) => m.label === 'File');
      const items = (file?.submenu ?? []) as MenuItemConstructorOptions[];
      const open = items.find((i) => i.label === 'Open report…');
      const save = items.find((i) => i.label === 'Save report…');
      expect([open?.accelerator, save?.accelerator]).toEqual(['CmdOrCtrl+O', 'CmdOrCtrl+S']);
      // shown, not registered: the page handles the keys (one dialog, not two)
      expect([open?.registerAccelerator, save?.registerAccelerator]).toEqual([false, false]);
      (open?.click as () => void)();
      (save?.click as () => void)();
      expect(items.at(-1)?.role).toBe(platform === 'darwin' ? 'close' : 'quit');
    }
    expect(sent).toEqual(['open-report', 'save-report', 'open-report', 'save-report', 'open-report', 'save-report']);
  });

  it('DevTools only while developing', () => {
    const roles = (dev: boolean): unknown[] =>
      ((menuTemplate(dev, () => undefined, 'linux').find((m) => m.label === 'View')?.submenu ?? []) as MenuItemConstructorOptions[]).map((i) => i.role);
    expect(roles(true)).toContain('toggleDevTools');
    expect(roles(false)).not.toContain('toggleDevTools');
  });
});
