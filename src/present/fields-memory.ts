/** Entries of the per-point field registry, memory group: src/present/fields.ts assembles FIELDS from them in a fixed order. */
import { formatBytes } from './format.js';
import { num, bytes, csvOnly, type Field } from './field-kit.js';

/** Memory: predicted, resident (RSS) and on the GPU. */
export const MEMORY_FIELDS: readonly Field[] = [
  csvOnly('analyticCacheBytes', 'analytic_cache_bytes', 'B', 'Cache bytes of the measured graph (analytic)', (p) => num(p.memory?.analyticCacheBytes)),
  csvOnly('predictedBytes', 'predicted_bytes', 'B', 'Memory the planner predicted for the point', (p) => num(p.memory?.predictedBytes)),
  csvOnly('rssBeforeBytes', 'rss_before_bytes', 'B', 'Resident memory before the session', (p) => num(p.memory?.rssBeforeBytes)),
  csvOnly('rssAfterSessionBytes', 'rss_after_session_bytes', 'B', 'Resident memory after the session was created', (p) => num(p.memory?.rssAfterSessionBytes)),
  csvOnly('rssPeakBytes', 'rss_peak_bytes', 'B', 'Peak resident memory during the point', (p) => num(p.memory?.rssPeakBytes)),
  {
    id: 'measuredDeltaBytes',
    label: 'RSS delta (measured layers)',
    unit: 'B',
    title: "Resident memory the measured layers' session added (measured; not scaled to the whole model, the session's fixed cost included)",
    get: (p) => num(p.memory?.measuredDeltaBytes),
    format: (p) => (p.memory ? formatBytes(Math.max(0, p.memory.measuredDeltaBytes)) : null),
    csv: 'measured_delta_bytes',
    surfaces: ['cli', 'csv', 'html', 'app'],
    numeric: true,
  },
  csvOnly('privateDeltaBytes', 'private_delta_bytes', 'B', 'Private memory the point added, where the platform tells it', (p) =>
    num(p.memory?.privateDeltaBytes),
  ),
  {
    id: 'deviceBytes',
    label: 'GPU memory',
    unit: 'B',
    title: 'GPU memory the point used (nvidia-smi), where the platform tells it',
    get: (p) => (p.memory?.device.available ? p.memory.device.usedBytes : null),
    format: (p) => bytes(p.memory?.device.available ? p.memory.device.usedBytes : null),
    csv: 'device_used_bytes',
    surfaces: ['csv', 'app'],
    numeric: true,
  },
  csvOnly('deviceMemorySource', 'device_memory_source', '', 'Where the GPU memory figure came from, or why there is none', (p) =>
    p.memory ? (p.memory.device.available ? p.memory.device.source : p.memory.device.reason) : null,
  ),
];

/** Checks on the run: the error against the float64 reference, the nodes left to the CPU. */
export const CHECK_FIELDS: readonly Field[] = [
  {
    id: 'verifyMaxAbsError',
    label: 'verify err',
    unit: '',
    title: 'Largest absolute error against the float64 reference',
    get: (p) => num(p.verifyMaxAbsError),
    format: (p) => (p.verifyMaxAbsError === undefined || p.verifyMaxAbsError === null ? null : p.verifyMaxAbsError.toExponential(1)),
    csv: 'verify_max_abs_error',
    surfaces: ['csv', 'app'],
    numeric: true,
  },
  {
    id: 'fellBack',
    label: 'fell back to CPU',
    unit: '',
    title: 'Graph nodes the provider left to the CPU',
    get: (p) => p.placement?.fellBack.join(', ') ?? null,
    surfaces: ['app'],
    warn: (p) => (p.placement?.fellBack.length ?? 0) > 0,
  },
];
