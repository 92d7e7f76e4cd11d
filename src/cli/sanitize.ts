/**
 * Text from reports, config files and ONNX graphs is untrusted: printed raw, a string such as
 * "\u001b]0;title\u0007\u001b[2J" retitles the terminal and clears the screen. The CLI passes
 * everything it prints through stripControl; JSON it prints goes through jsonForTerminal, which
 * escapes instead of stripping so the data is unchanged.
 */

// ESC sequences first, whole, so that their parameters do not survive as stray text:
// OSC (ESC ] ... BEL or ST), DCS/SOS/PM/APC (ESC P|X|^|_ ... ST), CSI (ESC [ params final),
// then any other ESC with its intermediate and final bytes.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ESC_SEQUENCE = /\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[PX^_][^\x1b]*(?:\x1b\\)?|\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[ -/]*[0-~]?/g;
// C0 controls except \t and \n, DEL, and the C1 controls (U+0080 to U+009F, 8-bit CSI and OSC among them).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** The text without terminal control characters or escape sequences; \n and \t are kept. */
export function stripControl(s: string): string {
  return s.replace(ESC_SEQUENCE, '').replace(CONTROL, '');
}

/**
 * JSON.stringify escapes C0 characters but prints DEL and C1 ones raw; these are escaped here
 * (\u007f...), which is the same JSON value and leaves stripControl nothing to remove.
 */
export function jsonForTerminal(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\x7f-\x9f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
