/**
 * The one contract between the engine, the CLI, Electron main, preload and the renderer:
 * sweep configuration, engine events, report, with runtime schemas (zod). Nothing else defines
 * these shapes; every boundary (IPC, files, CLI flags) validates with the schemas here.
 * Importers use this module; the shapes live in the modules it re-exports.
 */
export * from './config.js';
export * from './point.js';
export * from './report.js';
export * from './events.js';
