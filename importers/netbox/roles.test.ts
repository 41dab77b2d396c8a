import { describe, expect, it } from 'vitest';
import { roleOverrideSchema, roleResolver } from './roles.js';

describe('device role table', () => {
  const resolve = roleResolver();

  it('maps the NetBox demo roles by slug', () => {
    expect(resolve({ slug: 'router', name: 'Router' })?.mapping).toEqual({ class: 'NetworkDevice', networkRole: 'edge' });
    expect(resolve({ slug: 'core-switch' })?.mapping).toEqual({ class: 'NetworkDevice', networkRole: 'core' });
    expect(resolve({ slug: 'distribution-switch' })?.mapping).toEqual({ class: 'NetworkDevice', networkRole: 'distribution' });
    expect(resolve({ slug: 'access-switch' })?.mapping).toEqual({ class: 'NetworkDevice', networkRole: 'access' });
    expect(resolve({ slug: 'tor-switch' })?.mapping).toEqual({ class: 'NetworkDevice', networkRole: 'access' });
    expect(resolve({ slug: 'application-server' })?.mapping).toEqual({ class: 'Server' });
    expect(resolve({ slug: 'database-server' })?.mapping).toEqual({ class: 'Server' });
    expect(resolve({ slug: 'pdu' })?.mapping).toEqual({ skip: true });
    expect(resolve({ slug: 'patch-panel' })?.mapping).toEqual({ skip: true });
  });

  it('falls back to the name, then to words of the slug', () => {
    expect(resolve({ slug: 'x1', name: 'Load Balancer' })?.mapping).toEqual({ class: 'LoadBalancer' });
    expect(resolve({ slug: 'dc-firewall-pair' })).toEqual({ mapping: { class: 'NetworkDevice', networkRole: 'firewall' }, rule: 'keyword' });
    expect(resolve({ slug: 'backup-storage' })?.mapping).toEqual({ class: 'StorageDevice' });
    expect(resolve({ slug: 'esxi-host' })?.mapping).toEqual({ class: 'Server' });
    expect(resolve({ slug: 'power-strip' })?.mapping).toEqual({ skip: true });
  });

  it('skips a role nothing matches rather than guessing', () => {
    expect(resolve({ slug: 'camera', name: 'Camera' })).toBeNull();
  });

  it('lets an override win, by slug or name, with "*" for the rest', () => {
    const custom = roleResolver({ Camera: 'Computer', 'tor-switch': 'NetworkDevice', router: 'skip', '*': 'Server' });
    expect(custom({ slug: 'camera-1', name: 'Camera' })?.mapping).toEqual({ class: 'Computer' });
    // Same class as the table: the table's network tier is kept.
    expect(custom({ slug: 'tor-switch' })?.mapping).toEqual({ class: 'NetworkDevice', networkRole: 'access' });
    expect(custom({ slug: 'router' })?.mapping).toEqual({ skip: true });
    expect(custom({ slug: 'pdu' })?.mapping).toEqual({ skip: true }); // the table beats "*"
    expect(custom({ slug: 'mystery' })).toEqual({ mapping: { class: 'Server' }, rule: 'override "*"' });
  });

  it('accepts only device classes or "skip" in an override', () => {
    expect(roleOverrideSchema.safeParse({ a: 'Server', b: 'skip' }).success).toBe(true);
    expect(roleOverrideSchema.safeParse({ a: 'User' }).success).toBe(false);
  });
});
