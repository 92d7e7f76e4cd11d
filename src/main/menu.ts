/**
 * The application menu: File -> Open report... and Save report... (each sends its command to the
 * renderer over the menu channel, src/contract/routes.ts), standard roles, DevTools only while
 * developing.
 */
import { Menu, type MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '@/contract/routes.js';

/**
 * The menu's template. The shortcuts are shown here but handled by the page (renderer
 * lib/shortcuts.ts, the same keys in the browser bridge): `registerAccelerator: false` keeps the
 * menu from taking the keystroke too, so Ctrl+O opens one dialog, not two.
 */
export function menuTemplate(dev: boolean, send: (command: MenuCommand) => void, platform: NodeJS.Platform = process.platform): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  return [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open report…', accelerator: 'CmdOrCtrl+O', registerAccelerator: false, click: () => send('open-report') },
        { label: 'Save report…', accelerator: 'CmdOrCtrl+S', registerAccelerator: false, click: () => send('save-report') },
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        ...(dev ? [{ role: 'reload' as const }, { role: 'toggleDevTools' as const }, { type: 'separator' as const }] : []),
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ role: 'about' }] },
  ];
}

export function buildMenu(dev: boolean, send: (command: MenuCommand) => void): Menu {
  return Menu.buildFromTemplate(menuTemplate(dev, send));
}
