/**
 * @module `egiz policy get|put|delete`, `egiz policy entry list|get|put|delete` and
 * `egiz policy check`: Ditto policies over /api/2/policies and POST /api/2/checkPermissions.
 */
import { Argument, type Command } from 'commander';
import { isJsonObject, parseEntityId, type JsonObject } from '@egiz/core';
import { contextOf } from '../context.js';
import { UsageError } from '../errors.js';
import { readValue, requireObject, requireValue, type ValueSource } from '../io/value-input.js';
import type { Column } from '../io/table.js';
import { addFieldsOption, addValueOptions, examples, normalizeEtags, reportWrite } from './common.js';

interface PolicyFlags {
  readonly ifMatch?: string;
  readonly fields?: string;
  readonly resolved?: boolean;
}

const PERMISSIONS = ['READ', 'WRITE', 'EXECUTE'] as const;

function policyIdArg(raw: string): string {
  if (!parseEntityId(raw))
    throw new UsageError(
      `'${raw}' is not a valid policy id`,
      'a policy id is <namespace>:<name>, e.g. my.house:lamps',
    );
  return raw;
}

function labelArg(raw: string): string {
  if (raw === '' || raw.includes('/')) throw new UsageError(`'${raw}' is not a valid entry label`);
  return raw;
}

function policyPath(policyId: string, ...segments: readonly string[]): string {
  return ['/api/2/policies', policyId, ...segments]
    .map((s, i) => (i === 0 ? s : encodeURIComponent(s)))
    .join('/');
}

function ifMatchOption(cmd: Command): Command {
  return cmd.option('--if-match <etag>', 'only if the current ETag matches (a number N means "rev:N")');
}

function headers(flags: PolicyFlags): Record<string, string | undefined> {
  return { 'if-match': flags.ifMatch !== undefined ? normalizeEtags(flags.ifMatch) : undefined };
}

function permissionList(grantOrRevoke: unknown): string[] {
  return Array.isArray(grantOrRevoke) ? grantOrRevoke.filter((p): p is string => typeof p === 'string') : [];
}

/** `thing:/ +READ+WRITE policy:/features -WRITE` */
function resourcesCell(resources: JsonObject): string {
  return Object.entries(resources)
    .map(([path, g]) => {
      const grant = isJsonObject(g) ? permissionList(g.grant) : [];
      const revoke = isJsonObject(g) ? permissionList(g.revoke) : [];
      return [path, ...grant.map((p) => `+${p}`), ...revoke.map((p) => `-${p}`)].join(' ');
    })
    .join(', ');
}

function objectAt(row: unknown, key: string): JsonObject {
  if (!isJsonObject(row)) return {};
  const v = row[key];
  return isJsonObject(v) ? v : {};
}

const ENTRY_COLUMNS: readonly Column[] = [
  { header: 'LABEL', value: (e) => (isJsonObject(e) ? e.label : undefined) },
  { header: 'SUBJECTS', value: (e) => Object.keys(objectAt(e, 'subjects')).join(',') },
  { header: 'RESOURCES', value: (e) => resourcesCell(objectAt(e, 'resources')) },
];

export function registerPolicyCommands(program: Command): void {
  const policy = program.command('policy').description('read and write policies (who may do what)');
  examples(policy, [
    'egiz policy get my.house:lamp-1',
    'egiz policy entry list my.house:lamp-1',
    'egiz policy check my.house:lamp-1 thing:/features WRITE',
  ]);

  const get = addFieldsOption(
    policy
      .command('get')
      .description('print a policy')
      .argument('<policyId>', 'namespace:name')
      .option(
        '--resolved',
        'the effective policy: imported and namespace root entries merged in, as far as you may read them',
      ),
  ).action(async (id: string, flags: PolicyFlags, cmd: Command) => {
    const ctx = contextOf(cmd);
    const res = await ctx.client().request({
      method: 'GET',
      path: policyPath(policyIdArg(id)),
      query: { fields: flags.fields, 'policy-view': flags.resolved === true ? 'resolved' : undefined },
    });
    await ctx.print(res.body, 'json');
  });
  examples(get, [
    'egiz policy get my.house:lamp-1',
    'egiz policy get my.house:lamp-1 --fields entries -o yaml',
    'egiz policy get my.house:lamp-1 --resolved',
  ]);

  const put = addValueOptions(
    ifMatchOption(
      policy
        .command('put')
        .description('create or replace a policy')
        .argument('<policyId>', 'namespace:name')
        .argument('[value]', "the policy as JSON ('-' for stdin)"),
    ),
  ).action(async (id: string, value: string | undefined, flags: PolicyFlags & ValueSource, cmd: Command) => {
    const ctx = contextOf(cmd);
    const policyId = policyIdArg(id);
    const body = requireObject(await requireValue(value, flags, 'the policy'), 'a policy');
    const res = await ctx
      .client()
      .request({ method: 'PUT', path: policyPath(policyId), headers: headers(flags), body });
    await reportWrite(ctx, res, `policy ${policyId}`);
  });
  examples(put, [
    'egiz policy put my.house:lamps --file lamps-policy.json',
    'cat policy.json | egiz policy put my.house:lamps -',
  ]);

  const del = ifMatchOption(
    policy.command('delete').description('delete a policy').argument('<policyId>', 'namespace:name'),
  ).action(async (id: string, flags: PolicyFlags, cmd: Command) => {
    const ctx = contextOf(cmd);
    const policyId = policyIdArg(id);
    const res = await ctx
      .client()
      .request({ method: 'DELETE', path: policyPath(policyId), headers: headers(flags) });
    await reportWrite(ctx, res, `policy ${policyId}`, 'deleted');
  });
  examples(del, ['egiz policy delete my.house:lamps']);

  const entry = policy
    .command('entry')
    .description("read and write a policy's entries (label -> subjects, resources)");
  examples(entry, [
    'egiz policy entry list my.house:lamp-1',
    'egiz policy entry get my.house:lamp-1 DEFAULT',
  ]);

  const list = entry
    .command('list')
    .description('list the entries of a policy (a table on a terminal)')
    .argument('<policyId>', 'namespace:name')
    .action(async (id: string, _flags: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const res = await ctx.client().request({ method: 'GET', path: policyPath(policyIdArg(id), 'entries') });
      const entries = isJsonObject(res.body) ? res.body : {};
      const rows = Object.entries(entries).map(([label, e]) => ({ label, ...(isJsonObject(e) ? e : {}) }));
      await ctx.print(rows, ctx.stdoutIsTTY ? 'table' : 'json', { columns: ENTRY_COLUMNS });
    });
  examples(list, [
    'egiz policy entry list my.house:lamp-1',
    'egiz policy entry list my.house:lamp-1 -o yaml',
  ]);

  const entryGet = entry
    .command('get')
    .description('print one entry')
    .argument('<policyId>', 'namespace:name')
    .argument('<label>', 'entry label')
    .action(async (id: string, label: string, _flags: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const res = await ctx
        .client()
        .request({ method: 'GET', path: policyPath(policyIdArg(id), 'entries', labelArg(label)) });
      await ctx.print(res.body, 'json');
    });
  examples(entryGet, ['egiz policy entry get my.house:lamp-1 DEFAULT']);

  const entryPut = addValueOptions(
    ifMatchOption(
      entry
        .command('put')
        .description('create or replace one entry')
        .argument('<policyId>', 'namespace:name')
        .argument('<label>', 'entry label')
        .argument('[value]', `the entry as JSON: {"subjects":{…},"resources":{…}}; '-' for stdin`),
    ),
  ).action(
    async (
      id: string,
      label: string,
      value: string | undefined,
      flags: PolicyFlags & ValueSource,
      cmd: Command,
    ) => {
      const ctx = contextOf(cmd);
      const policyId = policyIdArg(id);
      const body = requireObject(await requireValue(value, flags, 'the entry'), 'a policy entry');
      const res = await ctx.client().request({
        method: 'PUT',
        path: policyPath(policyId, 'entries', labelArg(label)),
        headers: headers(flags),
        body,
      });
      await reportWrite(ctx, res, `policy ${policyId} entry ${label}`);
    },
  );
  examples(entryPut, [
    `egiz policy entry put my.house:lamp-1 VIEWERS '{"subjects":{"nginx:bob":{"type":"viewer"}},"resources":{"thing:/":{"grant":["READ"],"revoke":[]}}}'`,
  ]);

  const entryDelete = ifMatchOption(
    entry
      .command('delete')
      .description('delete one entry')
      .argument('<policyId>', 'namespace:name')
      .argument('<label>', 'entry label'),
  ).action(async (id: string, label: string, flags: PolicyFlags, cmd: Command) => {
    const ctx = contextOf(cmd);
    const policyId = policyIdArg(id);
    const res = await ctx.client().request({
      method: 'DELETE',
      path: policyPath(policyId, 'entries', labelArg(label)),
      headers: headers(flags),
    });
    await reportWrite(ctx, res, `policy ${policyId} entry ${label}`, 'deleted');
  });
  examples(entryDelete, ['egiz policy entry delete my.house:lamp-1 VIEWERS']);

  const check = addValueOptions(
    policy
      .command('check')
      .description(
        'may I? prints true or false for one check, or the answers to named checks from --file (POST /api/2/checkPermissions)',
      )
      .argument('[entityId]', 'thing id (for thing: and message: resources) or policy id (for policy:)')
      .argument('[resource]', 'e.g. thing:/features/lamp, policy:/, message:/')
      .addArgument(new Argument('[permissions...]', 'READ, WRITE and/or EXECUTE').choices(PERMISSIONS)),
  ).action(
    async (
      entityId: string | undefined,
      resource: string | undefined,
      permissions: string[],
      flags: ValueSource,
      cmd: Command,
    ) => {
      const ctx = contextOf(cmd);
      let body: JsonObject;
      if (entityId === undefined) {
        const v = await readValue(undefined, flags);
        if (v === undefined)
          throw new UsageError('give <entityId> <resource> <permissions...>, or named checks with --file');
        body = requireObject(v, 'the checks');
      } else {
        if (resource === undefined || permissions.length === 0)
          throw new UsageError(
            'give <entityId> <resource> <permissions...>, e.g. my.house:lamp-1 thing:/ WRITE',
          );
        if (!/^(thing|policy|message):\//.test(resource))
          throw new UsageError(
            `'${resource}' is not a resource`,
            'e.g. thing:/attributes, policy:/, message:/',
          );
        if (!parseEntityId(entityId)) throw new UsageError(`'${entityId}' is not a valid thing or policy id`);
        body = { check: { entityId, resource, hasPermissions: permissions } };
      }
      const res = await ctx.client().request({ method: 'POST', path: '/api/2/checkPermissions', body });
      const answer = entityId !== undefined && isJsonObject(res.body) ? res.body.check : res.body;
      await ctx.print(answer, 'json');
    },
  );
  examples(check, [
    'egiz policy check my.house:lamp-1 thing:/features/lamp WRITE',
    'egiz policy check my.house:lamp-1 policy:/ READ WRITE --user bob --password secret',
    'egiz policy check --file checks.json     # {"name":{"entityId":…,"resource":…,"hasPermissions":[…]}}',
  ]);
}
