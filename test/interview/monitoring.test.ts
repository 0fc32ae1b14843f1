import {describe, expect, it} from 'vitest';
import {draftFromSpec, validateDraft} from '../../source/interview/draft.js';
import {specFromText, specToYaml} from '../../source/spec/load.js';
import {validate} from '../../source/spec/validate.js';
import {EXAMPLE_CONFIG} from '../../source/spec/example.js';
import {specWith} from '../helpers/cluster.js';

describe('monitoring.expiry in the config', () => {
  it('is off by default, read when given, kept through the wizard\'s draft and written back to cluster.yaml', () => {
    expect(specWith().monitoring).toEqual({expiry: false});
    const on = specWith(c => { c.monitoring = {expiry: true}; });
    expect(on.monitoring).toEqual({expiry: true});
    const kept = validateDraft(draftFromSpec(on));
    expect(kept.ok && kept.spec.monitoring).toEqual({expiry: true});
    expect(specToYaml(on)).toMatch(/^monitoring: \{ expiry: true \}$/m);
    expect(specFromText(specToYaml(on), 'cluster.yaml').monitoring).toEqual({expiry: true});
    expect(specToYaml(specWith())).not.toMatch(/monitoring/);
  });

  it('refuses anything but true or false, and unknown keys, naming the field', () => {
    const issues = (monitoring: unknown) => {
      const r = validate({...structuredClone(EXAMPLE_CONFIG), monitoring});
      return r.ok ? [] : r.issues.map(i => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({expiry: 'yes'})).toEqual(['monitoring.expiry: "yes" is not true or false (true: each node gets a daily expiry check and metrics)']);
    expect(issues({expiry: true, days: 30})).toEqual(['monitoring.days: unknown key (expected one of: expiry)']);
  });
});
