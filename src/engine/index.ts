/**
 * Engine entry: an Electron utility process (utilityProcess.fork) or a Node child process
 * (child_process.fork, used by the e2e bridge and tests). Posts {type:'ready', pid} first.
 */
import { EngineShutdownSchema } from '@/contract/api.js';
import { runSweep } from '@/core/measure/runner.js';
import { compareReports } from '@/core/report/compare.js';
import { createEngineHost } from './host.js';
import { describe, onnxInspect, onnxSweep, plan, presets } from './queries.js';
import { detectTransport } from './transport.js';

const transport = detectTransport();
// The runner picks (and empties) its own scratch folder unless one is forced for debugging.
const workDir = process.env.KVSCOPE_WORK_DIR || undefined;
const host = createEngineHost({ runSweep, describe, presets, plan, onnxInspect, onnxSweep, compare: compareReports, workDir }, (m) => transport.post(m));
transport.onMessage((m) => {
  // The host asks before it kills: cancel what runs, then leave.
  if (EngineShutdownSchema.safeParse(m).success) void host.stop().finally(() => process.exit(0));
  else host.handle(m);
});

// A child process keeps running while its IPC channel is open; leave when the host goes away.
process.on('disconnect', () => process.exit(0));
transport.post({ type: 'ready', pid: process.pid });
