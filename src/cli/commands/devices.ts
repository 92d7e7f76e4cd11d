/** `kvscope devices`: the execution providers that work here, and why others do not. */
import type { Command } from 'commander';
import { availableMemory, gpuFacts } from '@/core/measure/system.js';
import { detectProviders, type ProviderStatus } from '@/core/runtime/providers.js';
import { formatBytes } from '@/present/format.js';
import { columnTable, type Column } from '../columns.js';
import type { CommandContext, Io } from '../io.js';

const COLUMNS: Column<ProviderStatus>[] = [
  { header: 'provider', cell: (s) => s.name },
  { header: 'compiled in', cell: (s) => (s.compiledIn ? 'yes' : 'no') },
  { header: 'works', cell: (s) => (s.works ? 'yes' : 'no') },
  { header: 'note', cell: (s) => s.reason ?? (s.probeMs ? `probe ${s.probeMs.toFixed(0)} ms` : '') },
];

async function devices(io: Io): Promise<number> {
  const statuses = await detectProviders();
  const gpus = gpuFacts();
  const gpuLines = gpus.length
    ? gpus.map((g) => `gpu: ${g.name}${g.driver ? `, driver ${g.driver}` : ''}${g.memoryBytes !== null ? `, ${formatBytes(g.memoryBytes)}` : ''}`)
    : ['gpu: none listed (nvidia-smi or the kernel DRM list; onnxruntime-node does not name the WebGPU adapter)'];
  io.out(`${columnTable(COLUMNS, statuses)}\n${gpuLines.join('\n')}\nfree memory: ${formatBytes(availableMemory())}\n`);
  return 0;
}

export function addDevices(program: Command, { io, result }: CommandContext): void {
  program
    .command('devices')
    .description('execution providers that work here, and why others do not')
    .action(async () => {
      result.code = await devices(io);
    });
}
