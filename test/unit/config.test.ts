// Bridge and worker configuration: defaults, parsing, and errors that name the variable.
import { describe, expect, it } from 'vitest';
import { loadBridgeConfig } from '../../bridge/config.js';
import { loadWorkerConfig } from '../../worker/config.js';

describe('loadBridgeConfig', () => {
  it('has defaults and reads the namespaces list', () => {
    const config = loadBridgeConfig({ JANGAR_ORCHESTRATION_CONTROLLER_NAMESPACES: 'team-a, team-b,' });
    expect(config).toMatchObject({ enabled: true, namespaces: ['team-a', 'team-b'], taskQueue: 'orchestration-bridge', httpPort: 8080 });
    expect(loadBridgeConfig({}).namespaces).toEqual([]);
    expect(loadBridgeConfig({ JANGAR_ORCHESTRATION_CONTROLLER_ENABLED: 'false' }).enabled).toBe(false);
  });

  it('keeps finished runs unless JANGAR_ORCHESTRATION_RUN_RETENTION_SECONDS is set', () => {
    expect(loadBridgeConfig({}).runRetentionSeconds).toBeUndefined();
    expect(loadBridgeConfig({ JANGAR_ORCHESTRATION_RUN_RETENTION_SECONDS: '' }).runRetentionSeconds).toBeUndefined();
    expect(loadBridgeConfig({ JANGAR_ORCHESTRATION_RUN_RETENTION_SECONDS: '2592000' }).runRetentionSeconds).toBe(2592000);
  });

  it.each([
    [{ JANGAR_ORCHESTRATION_CONTROLLER_ENABLED: 'yes' }, /JANGAR_ORCHESTRATION_CONTROLLER_ENABLED/],
    [{ JANGAR_ORCHESTRATION_CONTROLLER_NAMESPACES: 'Team_A' }, /JANGAR_ORCHESTRATION_CONTROLLER_NAMESPACES.*DNS-1123/],
    [{ BRIDGE_HTTP_PORT: 'eighty' }, /BRIDGE_HTTP_PORT/],
    [{ TEMPORAL_UI_URL: 'not a url' }, /TEMPORAL_UI_URL/],
    [{ JANGAR_ORCHESTRATION_RUN_RETENTION_SECONDS: '-1' }, /JANGAR_ORCHESTRATION_RUN_RETENTION_SECONDS/],
    [{ JANGAR_ORCHESTRATION_RUN_RETENTION_SECONDS: '30d' }, /JANGAR_ORCHESTRATION_RUN_RETENTION_SECONDS/],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => loadBridgeConfig(env)).toThrow(message);
  });
});

describe('loadWorkerConfig', () => {
  it('keeps finished Jobs 600 s by default; JANGAR_AGENT_RUNNER_JOB_TTL_SECONDS changes it', () => {
    expect(loadWorkerConfig({})).toMatchObject({ jobTtlSeconds: 600, taskQueue: 'orchestration-bridge', httpPort: 8081 });
    expect(loadWorkerConfig({ JANGAR_AGENT_RUNNER_JOB_TTL_SECONDS: '3600' }).jobTtlSeconds).toBe(3600);
    // Empty, as a chart renders an unset value: the default, not 0 (which would delete Jobs at once).
    expect(loadWorkerConfig({ JANGAR_AGENT_RUNNER_JOB_TTL_SECONDS: '' }).jobTtlSeconds).toBe(600);
  });

  it.each([[{ JANGAR_AGENT_RUNNER_JOB_TTL_SECONDS: 'ten' }], [{ JANGAR_AGENT_RUNNER_JOB_TTL_SECONDS: '-5' }]])('rejects %j naming the variable', (env) => {
    expect(() => loadWorkerConfig(env)).toThrow(/JANGAR_AGENT_RUNNER_JOB_TTL_SECONDS/);
  });
});
