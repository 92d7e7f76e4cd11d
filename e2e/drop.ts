/** Drops a file on the app's window, as dragging one from the desktop does (the e2e specs' one copy). */
import type { Page } from '@playwright/test';

export async function dropFile(p: Page, name: string, text: string): Promise<void> {
  await p.evaluate(
    ([n, t]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([t!], n!, { type: 'application/json' }));
      const target = document.querySelector('main')!;
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    [name, text],
  );
}
