/** `kvscope presets`: the model presets and their attention. */
import type { Command } from 'commander';
import { PRESETS, presetModel } from '@/core/model/presets.js';
import { cacheBytesAt, describeLayerKind, layerGroups } from '@/contract/layers.js';
import { cacheCost, kvBytesPerToken } from '@/core/model/spec.js';
import { columnTable, type Column } from '../columns.js';
import type { CommandContext, Io } from '../io.js';

type Preset = (typeof PRESETS)[number] & { model: ReturnType<typeof presetModel> };

const COLUMNS: Column<Preset>[] = [
  { header: 'preset', cell: (p) => p.id },
  { header: 'model', cell: (p) => p.title },
  {
    header: 'attention',
    cell: ({ model: { attention: a } }) =>
      a.kind === 'mla' ? `MLA ${a.numHeads}h d_c=${a.kvLoraRank} d_R=${a.qkRopeHeadDim}` : `${a.kind.toUpperCase()} ${a.numHeads}/${a.numKvHeads}x${a.headDim}`,
  },
  { header: 'layers', cell: (p) => String(p.model.numLayers) },
  { header: 'max ctx', cell: (p) => String(p.model.maxContext ?? '-') },
  {
    header: 'layer kinds',
    cell: ({ model: m }) =>
      layerGroups(m.layerKinds)
        .map((g) => `${g.indices.length} ${describeLayerKind(g.layer).replace(/ \(.*elements per sequence\)/, '')}`)
        .join(', '),
  },
  {
    header: 'KV/token bf16 (attention layers)',
    cell: ({ model: m }) => `${kvBytesPerToken(m.attention, 'bf16') * m.layerKinds.filter((l) => l.kind !== 'stateful').length} B`,
  },
  { header: 'cache at 32K bf16', cell: ({ model: m }) => `${cacheBytesAt(m.layerKinds, cacheCost(m.attention, 'bf16'), 32768, 1)} B` },
];

function presets(io: Io): number {
  io.out(
    `${columnTable(
      COLUMNS,
      PRESETS.map((p) => ({ ...p, model: presetModel(p.id) })),
    )}\n`,
  );
  return 0;
}

export function addPresets(program: Command, { io, result }: CommandContext): void {
  program
    .command('presets')
    .description('list model presets')
    .action(() => {
      result.code = presets(io);
    });
}
