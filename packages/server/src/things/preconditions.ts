/**
 * @module Conditional request checks in Ditto's order: If-Match, If-None-Match (ETag based), then the
 * RQL `condition` on the current Thing. Reads answer 304 where writes answer 412.
 */
import { compileRqlPredicate, DittoError, etagMatches, type JsonObject } from '@egiz/core';
import type { CommandOptions } from './command.js';

const FAILED = { things: 'things:precondition.failed', policies: 'policies:precondition.failed' } as const;
const NOT_MODIFIED = {
  things: 'things:precondition.notmodified',
  policies: 'policies:precondition.notmodified',
} as const;

function show(list: '*' | readonly string[]): string {
  return list === '*' ? '*' : list.join(',');
}

export function checkEtagPreconditions(
  options: Pick<CommandOptions, 'ifMatch' | 'ifNoneMatch'>,
  currentEtag: string | undefined,
  isRead: boolean,
  domain: 'things' | 'policies' = 'things',
): void {
  if (options.ifMatch !== undefined && !etagMatches(options.ifMatch, currentEtag)) {
    throw new DittoError(
      FAILED[domain],
      `Precondition 'if-match: ${show(options.ifMatch)}' failed: the current entity tag is '${currentEtag ?? '(none: the resource does not exist)'}'.`,
      { headers: currentEtag ? { etag: currentEtag } : {} },
    );
  }
  if (options.ifNoneMatch !== undefined && etagMatches(options.ifNoneMatch, currentEtag)) {
    if (isRead)
      throw new DittoError(
        NOT_MODIFIED[domain],
        `Not modified: the resource still has the entity tag '${currentEtag ?? ''}' given in 'if-none-match'.`,
        { headers: currentEtag ? { etag: currentEtag } : {} },
      );
    throw new DittoError(
      FAILED[domain],
      `Precondition 'if-none-match: ${show(options.ifNoneMatch)}' failed: the resource exists with entity tag '${currentEtag ?? ''}'.`,
      { headers: currentEtag ? { etag: currentEtag } : {} },
    );
  }
}

/** `target` is a thunk: building the Thing with its special fields costs, and most commands have no condition. */
export function checkCondition(options: CommandOptions, target: () => JsonObject, now: () => Date): void {
  if (options.condition === undefined) return;
  const matches = compileRqlPredicate(options.condition, { now })(target());
  if (!matches)
    throw new DittoError(
      'things:condition.failed',
      'The condition does not hold for the current state of the Thing; nothing was done.',
    );
}
