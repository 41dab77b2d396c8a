import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, readFlag } from './config.js';

describe('loadConfig', () => {
  it('defaults to a local Neo4j and auth on', () => {
    const config = loadConfig({});
    expect(config.NEO4J_URI).toBeUndefined();
    expect(config.FAULTLINE_AUTH).toBe('on');
    expect(config.PORT).toBe(4000);
  });

  it('accepts cluster and Aura URIs', () => {
    for (const uri of ['neo4j://core1:7687', 'neo4j+s://abc.databases.neo4j.io', 'bolt://db:7687']) {
      expect(loadConfig({ NEO4J_URI: uri, NEO4J_PASSWORD: 'x' }).NEO4J_URI).toBe(uri);
    }
  });

  it('stops with one line naming the bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/^Invalid configuration: PORT: /);
    expect(() => loadConfig({ NEO4J_URI: 'http://x' })).toThrow(/NEO4J_URI/);
    expect(() => loadConfig({ NEO4J_URI: 'bolt://x:7687' })).toThrow(/NEO4J_PASSWORD: required/);
    expect(() => loadConfig({ NEO4J_LOCAL_HEAP: 'lots' })).toThrow(/NEO4J_LOCAL_HEAP/);
  });

  it('keeps the topology projection on by default, reloaded after 10 minutes; both can be set', () => {
    expect(loadConfig({})).toMatchObject({ FAULTLINE_TOPOLOGY_CACHE: true, FAULTLINE_TOPOLOGY_MAX_AGE: 600 });
    expect(loadConfig({ FAULTLINE_TOPOLOGY_CACHE: 'off', FAULTLINE_TOPOLOGY_MAX_AGE: '30' })).toMatchObject({
      FAULTLINE_TOPOLOGY_CACHE: false,
      FAULTLINE_TOPOLOGY_MAX_AGE: 30,
    });
    expect(() => loadConfig({ FAULTLINE_TOPOLOGY_CACHE: 'maybe' })).toThrow(/FAULTLINE_TOPOLOGY_CACHE/);
    expect(() => loadConfig({ FAULTLINE_TOPOLOGY_MAX_AGE: '-5' })).toThrow(/FAULTLINE_TOPOLOGY_MAX_AGE/);
  });

  it('refuses to turn authentication off unless bound to loopback', () => {
    expect(loadConfig({ FAULTLINE_AUTH: 'off' }).FAULTLINE_AUTH).toBe('off');
    expect(() => loadConfig({ FAULTLINE_AUTH: 'off', HOST: '0.0.0.0' })).toThrow(/FAULTLINE_AUTH/);
    for (const host of ['127.attacker.example', '127.0.0.1.nip.io', '127.0.0.256', 'localhost.example', '::2']) {
      expect(() => loadConfig({ FAULTLINE_AUTH: 'off', HOST: host }), host).toThrow(/FAULTLINE_AUTH/);
    }
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '::ffff:127.0.0.1']) {
      expect(loadConfig({ FAULTLINE_AUTH: 'off', HOST: host }).HOST, host).toBe(host);
    }
  });

  it('reads ports and numbers as decimal digits only: no empty value read as 0, no hex', () => {
    for (const bad of ['', ' ', '0x50', '1e3', '-1', '65536', '80.5', '0']) {
      expect(() => loadConfig({ PORT: bad }), JSON.stringify(bad)).toThrow(/^Invalid configuration: PORT: a port number/);
    }
    expect(loadConfig({ PORT: '8080' }).PORT).toBe(8080);
    expect(() => loadConfig({ NEO4J_LOCAL_PORT: '' })).toThrow(/NEO4J_LOCAL_PORT/);
    expect(loadConfig({ NEO4J_LOCAL_PORT: '0' }).NEO4J_LOCAL_PORT).toBe(0);
    expect(() => loadConfig({ FAULTLINE_MAX_DEPTH: '' })).toThrow(/FAULTLINE_MAX_DEPTH/);
    expect(() => loadConfig({ FAULTLINE_TOPOLOGY_MAX_AGE: '' })).toThrow(/FAULTLINE_TOPOLOGY_MAX_AGE/);
  });

  it('reads FAULTLINE_GRAPHQL_JIT like the other switches', () => {
    expect(loadConfig({}).FAULTLINE_GRAPHQL_JIT).toBe(true);
    for (const off of ['0', 'false', 'off', 'no']) expect(loadConfig({ FAULTLINE_GRAPHQL_JIT: off }).FAULTLINE_GRAPHQL_JIT).toBe(false);
    expect(() => loadConfig({ FAULTLINE_GRAPHQL_JIT: 'nope' })).toThrow(/FAULTLINE_GRAPHQL_JIT/);
    expect(readFlag('FAULTLINE_GRAPHQL_JIT', 'off', true)).toBe(false);
    expect(() => readFlag('FAULTLINE_GRAPHQL_JIT', 'nope', true)).toThrow(/FAULTLINE_GRAPHQL_JIT/);
  });
});
