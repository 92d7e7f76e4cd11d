import { describe, expect, it } from 'vitest';
import { FIELDS } from './fields';

describe('the field registry', () => {
  // the app, CLI and HTML tables show their fields in registry order, which the fields-* modules must keep
  it('keeps its order across the group modules', () => {
    expect(FIELDS.map((f) => f.id).join(' ')).toBe(
      'point id variant mode context cacheTokens batch dtype layerGroup status reason form prefillBlock hypothetical kvPerTokenModel kvPerToken modelCacheBytes medianMs p95Ms minMs meanMs perLayerMs ciHalfWidth noisy rounds p95PerLayerMs cv reps overheadPerLayerMs overheadMs modelMs ttftMs tokensPerSecond bytesPerStep flopsPerStep achievedGBs achievedGflops attainableMs bound efficiency memorySaved speedup analyticCacheBytes predictedBytes rssBeforeBytes rssAfterSessionBytes rssPeakBytes measuredDeltaBytes privateDeltaBytes deviceBytes deviceMemorySource verifyMaxAbsError fellBack ci95LoMs ci95HiMs iqrMs madMs outliers stoppedBy noise otherCpuShare stealShare efficiencyCi95Lo efficiencyCi95Hi',
    );
  });
});
