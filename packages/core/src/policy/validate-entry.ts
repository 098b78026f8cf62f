/** @module Validation of one policy entry: label, subjects, resources, namespaces, import settings, references. */

import { isValidNamespacePattern } from './namespaces.js';
import { parseResourceKey } from './path.js';
import { isValidPolicyId, labelProblem, subjectIdProblem } from './syntax.js';
import { parseDuration, parseInstant } from './time.js';
import { ALLOWED_ADDITIONS, IMPORTABLE_TYPES, isJsonObject, isPermission, PERMISSIONS } from './types.js';
import { childPath, describe, report, type IssueSink } from './validate-issues.js';

export function validateLabel(label: string, path: string, sink: IssueSink): void {
  const problem = labelProblem(label);
  if (problem === 'empty') report(sink, path, 'policies:label.invalid', 'the label must not be empty');
  if (problem === 'reserved-prefix') {
    report(
      sink,
      path,
      'policies:label.invalid',
      `the label '${label}' must not start with 'imported' or 'nsimported'`,
    );
  }
  if (problem === 'invalid-chars') {
    report(
      sink,
      path,
      'policies:entry.invalid',
      `the label '${label}' must not contain slashes or control characters`,
    );
  }
}

export function validateEntry(label: string, entry: unknown, path: string, sink: IssueSink): void {
  validateLabel(label, path, sink);
  if (!isJsonObject(entry)) {
    report(sink, path, 'json.invalid', `the policy entry must be an object, not ${describe(entry)}`);
    return;
  }
  if (entry['subjects'] !== undefined) validateSubjects(entry['subjects'], childPath(path, 'subjects'), sink);
  if (entry['resources'] !== undefined)
    validateResources(entry['resources'], childPath(path, 'resources'), sink);
  if (entry['namespaces'] !== undefined)
    validateNamespaces(entry['namespaces'], childPath(path, 'namespaces'), sink);
  const importable = entry['importable'];
  if (importable !== undefined && !(IMPORTABLE_TYPES as readonly unknown[]).includes(importable)) {
    report(
      sink,
      childPath(path, 'importable'),
      'policies:entry.invalid',
      `'importable' must be one of ${IMPORTABLE_TYPES.join(', ')}`,
    );
  }
  const additions = entry['allowedAdditions'];
  if (additions !== undefined) {
    validateStringArray(additions, childPath(path, 'allowedAdditions'), sink, (item, itemPath) => {
      if (!(ALLOWED_ADDITIONS as readonly string[]).includes(item)) {
        report(
          sink,
          itemPath,
          'policies:entry.invalid',
          `allowed additions are ${ALLOWED_ADDITIONS.join(', ')}`,
        );
      }
    });
  }
  if (entry['references'] !== undefined) {
    validateReferenceShapes(entry['references'], childPath(path, 'references'), sink);
  }
}

function validateSubjects(subjects: unknown, path: string, sink: IssueSink): void {
  if (!isJsonObject(subjects)) {
    report(sink, path, 'json.invalid', `'subjects' must be an object, not ${describe(subjects)}`);
    return;
  }
  for (const [id, subject] of Object.entries(subjects)) {
    const subjectPath = childPath(path, id);
    const idProblem = subjectIdProblem(id);
    if (idProblem !== undefined) report(sink, subjectPath, 'policies:subjectid.invalid', idProblem);
    if (!isJsonObject(subject)) {
      report(sink, subjectPath, 'json.invalid', `the subject must be an object, not ${describe(subject)}`);
      continue;
    }
    const type = subject['type'];
    if (type === undefined) {
      report(sink, childPath(subjectPath, 'type'), 'json.field.missing', "the subject's 'type' is missing");
    } else if (typeof type !== 'string' || type === '') {
      report(
        sink,
        childPath(subjectPath, 'type'),
        'json.invalid',
        "the subject's 'type' must be a non-empty string",
      );
    }
    const expiry = subject['expiry'];
    if (expiry !== undefined && (typeof expiry !== 'string' || parseInstant(expiry) === undefined)) {
      report(
        sink,
        childPath(subjectPath, 'expiry'),
        'policies:subjectexpiry.invalid',
        "'expiry' must be an ISO-8601 instant such as 2030-01-01T00:00:00Z",
      );
    }
    const announcement = subject['announcement'];
    if (announcement !== undefined)
      validateAnnouncement(announcement, childPath(subjectPath, 'announcement'), sink);
  }
}

function validateAnnouncement(announcement: unknown, path: string, sink: IssueSink): void {
  const invalid = (at: string, message: string): void =>
    report(sink, at, 'policies:subjectannouncement.invalid', message);
  if (!isJsonObject(announcement)) {
    invalid(path, `'announcement' must be an object, not ${describe(announcement)}`);
    return;
  }
  const before = announcement['beforeExpiry'];
  if (before !== undefined) {
    const parsed = typeof before === 'string' ? parseDuration(before) : undefined;
    // Ditto only accepts second, minute and hour granularity for beforeExpiry.
    if (parsed === undefined || !['s', 'm', 'h'].includes(parsed.unit)) {
      invalid(childPath(path, 'beforeExpiry'), "'beforeExpiry' must be a duration in s, m or h, e.g. '1h'");
    }
  }
  if (announcement['whenDeleted'] !== undefined && typeof announcement['whenDeleted'] !== 'boolean') {
    invalid(childPath(path, 'whenDeleted'), "'whenDeleted' must be a boolean");
  }
  const interval = announcement['randomizationInterval'];
  if (interval !== undefined && (typeof interval !== 'string' || parseDuration(interval) === undefined)) {
    invalid(
      childPath(path, 'randomizationInterval'),
      "'randomizationInterval' must be a duration such as '60s'",
    );
  }
  const acks = announcement['requestedAcks'];
  if (acks === undefined) return;
  if (!isJsonObject(acks)) {
    invalid(childPath(path, 'requestedAcks'), "'requestedAcks' must be an object");
    return;
  }
  const timeout = acks['timeout'];
  if (timeout !== undefined && (typeof timeout !== 'string' || parseDuration(timeout) === undefined)) {
    invalid(childPath(path, 'requestedAcks', 'timeout'), "'timeout' must be a duration such as '10s'");
  }
  if (acks['labels'] !== undefined)
    validateStringArray(acks['labels'], childPath(path, 'requestedAcks', 'labels'), sink);
}

function validateResources(resources: unknown, path: string, sink: IssueSink): void {
  if (!isJsonObject(resources)) {
    report(sink, path, 'json.invalid', `'resources' must be an object, not ${describe(resources)}`);
    return;
  }
  for (const [key, permissions] of Object.entries(resources)) {
    const resourcePath = childPath(path, key);
    const parsed = parseResourceKey(key);
    if ('error' in parsed) report(sink, resourcePath, 'policies:entry.invalid', parsed.error);
    if (!isJsonObject(permissions)) {
      report(sink, resourcePath, 'json.invalid', `the resource must be an object with 'grant' and 'revoke'`);
      continue;
    }
    for (const effect of ['grant', 'revoke'] as const) {
      const list = permissions[effect];
      const listPath = childPath(resourcePath, effect);
      if (list === undefined) {
        report(sink, listPath, 'json.field.missing', `'${effect}' is missing (use [] for none)`);
        continue;
      }
      validateStringArray(list, listPath, sink, (item, itemPath) => {
        if (!isPermission(item)) {
          report(
            sink,
            itemPath,
            'policies:entry.invalid',
            `unknown permission '${item}'; use ${PERMISSIONS.join(', ')}`,
          );
        }
      });
    }
  }
}

function validateNamespaces(namespaces: unknown, path: string, sink: IssueSink): void {
  validateStringArray(namespaces, path, sink, (pattern, itemPath) => {
    if (!isValidNamespacePattern(pattern)) {
      report(
        sink,
        itemPath,
        'policies:entry.invalid',
        `'${pattern}' is not a namespace pattern; use e.g. 'com.acme' or 'com.acme.*'`,
      );
    }
  });
}

function validateReferenceShapes(references: unknown, path: string, sink: IssueSink): void {
  if (!Array.isArray(references)) {
    report(sink, path, 'json.invalid', `'references' must be an array, not ${describe(references)}`);
    return;
  }
  references.forEach((reference: unknown, index) => {
    const refPath = childPath(path, index);
    if (!isJsonObject(reference)) {
      report(sink, refPath, 'json.invalid', 'a reference must be an object like {"entry": "label"}');
      return;
    }
    const entry = reference['entry'];
    if (typeof entry !== 'string') {
      report(
        sink,
        childPath(refPath, 'entry'),
        'json.field.missing',
        "the reference's 'entry' label is missing",
      );
    } else if (labelProblem(entry) === 'empty' || labelProblem(entry) === 'invalid-chars') {
      report(sink, childPath(refPath, 'entry'), 'policies:label.invalid', `'${entry}' is not a valid label`);
    }
    const imported = reference['import'];
    if (imported !== undefined && (typeof imported !== 'string' || !isValidPolicyId(imported))) {
      report(
        sink,
        childPath(refPath, 'import'),
        'json.invalid',
        "the reference's 'import' must be a policy id",
      );
    }
  });
}

/** Checks that `value` is an array of strings and hands each string to `each`. */
export function validateStringArray(
  value: unknown,
  path: string,
  sink: IssueSink,
  each?: (item: string, itemPath: string) => void,
): void {
  if (!Array.isArray(value)) {
    report(sink, path, 'json.invalid', `expected an array of strings, not ${describe(value)}`);
    return;
  }
  value.forEach((item: unknown, index) => {
    const itemPath = childPath(path, index);
    if (typeof item !== 'string')
      report(sink, itemPath, 'json.invalid', `expected a string, not ${describe(item)}`);
    else each?.(item, itemPath);
  });
}
