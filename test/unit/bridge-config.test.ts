// Bridge configuration: defaults, parsing, and errors that name the variable.
import { describe, expect, it } from 'vitest';
import { loadBridgeConfig } from '../../bridge/config.js';

describe('loadBridgeConfig', () => {
  it('has defaults and reads the namespaces list', () => {
    const config = loadBridgeConfig({ JANGAR_ORCHESTRATION_CONTROLLER_NAMESPACES: 'team-a, team-b,' });
    expect(config).toMatchObject({ enabled: true, namespaces: ['team-a', 'team-b'], taskQueue: 'orchestration-bridge', httpPort: 8080 });
    expect(loadBridgeConfig({}).namespaces).toEqual([]);
    expect(loadBridgeConfig({ JANGAR_ORCHESTRATION_CONTROLLER_ENABLED: 'false' }).enabled).toBe(false);
  });

  it.each([
    [{ JANGAR_ORCHESTRATION_CONTROLLER_ENABLED: 'yes' }, /JANGAR_ORCHESTRATION_CONTROLLER_ENABLED/],
    [{ JANGAR_ORCHESTRATION_CONTROLLER_NAMESPACES: 'Team_A' }, /JANGAR_ORCHESTRATION_CONTROLLER_NAMESPACES.*DNS-1123/],
    [{ BRIDGE_HTTP_PORT: 'eighty' }, /BRIDGE_HTTP_PORT/],
    [{ TEMPORAL_UI_URL: 'not a url' }, /TEMPORAL_UI_URL/],
  ])('rejects %j naming the variable', (env, message) => {
    expect(() => loadBridgeConfig(env)).toThrow(message);
  });
});
