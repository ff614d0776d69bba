/**
 * The Apex controllers declare exactly the methods the shared description (contract.ts)
 * lists, with its parameters, and their wrapper classes carry the result properties the
 * components read. The local console answers from the same description, so this test is
 * what keeps the three in step.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  METHODS,
  agentRowSchema,
  agentsViewSchema,
  callRowSchema,
  callPageSchema,
  guidanceSchema,
  settingsViewSchema
} from './contract';

const CLASSES = join(__dirname, '..', '..', 'force-app', 'main', 'default', 'classes');
const source = (name: string) => readFileSync(join(CLASSES, `${name}.cls`), 'utf8');

interface ApexMethod {
  readonly cacheable: boolean;
  readonly returns: string;
  readonly name: string;
  readonly params: { name: string; apexType: string }[];
}

function auraMethods(body: string): ApexMethod[] {
  const pattern = /@AuraEnabled(\(cacheable=true\))?\s+public static ([\w<>, ]+) (\w+)\(([^)]*)\)/g;
  return [...body.matchAll(pattern)].map((m) => ({
    cacheable: Boolean(m[1]),
    returns: m[2] as string,
    name: m[3] as string,
    params: (m[4] as string)
      .split(/,(?![^<]*>)/)
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => {
        const at = p.lastIndexOf(' ');
        return { apexType: p.slice(0, at), name: p.slice(at + 1) };
      })
  }));
}

function wrapperProperties(body: string, wrapper: string): string[] {
  const start = body.indexOf(`public class ${wrapper} {`);
  const end = body.indexOf('\n    }', start);
  return [...body.slice(start, end).matchAll(/@AuraEnabled\s+public [\w<>, ]+ (\w+);/g)]
    .map((m) => m[1] as string)
    .sort();
}

describe('the Apex controllers follow the shared description', () => {
  for (const controller of [...new Set(METHODS.map((m) => m.controller))]) {
    it(`${controller} declares the described methods`, () => {
      const described = METHODS.filter((m) => m.controller === controller).map((m) => ({
        cacheable: m.cacheable,
        returns: m.returns,
        name: m.method,
        params: m.params.map((p) => ({ ...p }))
      }));
      expect(auraMethods(source(controller))).toEqual(described);
    });
  }

  it('the wrapper classes carry the properties of the result schemas', () => {
    const settings = source('AircallSettingsController');
    const calls = source('AircallCallsController');
    expect(wrapperProperties(settings, 'SettingsView')).toEqual(Object.keys(settingsViewSchema.shape).sort());
    const agents = source('AircallAgentsController');
    expect(wrapperProperties(agents, 'AgentsView')).toEqual(Object.keys(agentsViewSchema.shape).sort());
    expect(wrapperProperties(agents, 'AgentRow')).toEqual(Object.keys(agentRowSchema.shape).sort());
    expect(wrapperProperties(calls, 'CallPage')).toEqual(Object.keys(callPageSchema.shape).sort());
    expect(wrapperProperties(calls, 'CallRow')).toEqual(Object.keys(callRowSchema.shape).sort());
    expect(wrapperProperties(calls, 'Guidance')).toEqual(Object.keys(guidanceSchema.shape).sort());
  });

  it('notices a renamed parameter', () => {
    const renamed = source('AircallCallsController').replace('Integer pageSize', 'Integer size');
    expect(auraMethods(renamed).find((m) => m.name === 'getCalls')?.params[1]).toEqual({
      apexType: 'Integer',
      name: 'size'
    });
  });
});
