/**
 * @module The one catalogue of Ditto-style error codes Egiz answers with: code -> HTTP status,
 * default description and documentation link. Every edge maps a DittoError to its wire form from
 * this table; docs/errors.md is checked against it by a test.
 */

export interface ErrorSpec {
  readonly status: number;
  readonly description: string;
  readonly href?: string;
}

const DOCS = 'https://www.eclipse.dev/ditto/';

export const ERROR_CATALOGUE = {
  // --- things
  'things:id.invalid': {
    status: 400,
    description:
      "Thing IDs are '<namespace>:<name>': a Java-package-like namespace, a name without slashes or control characters, 256 characters at most.",
    href: `${DOCS}basic-namespaces-and-names.html#namespaced-id`,
  },
  'things:id.notsettable': {
    status: 400,
    description: 'The Thing ID is taken from the URL; leave it out of the body or make both the same.',
  },
  'things:thing.notfound': {
    status: 404,
    description: 'Either no Thing has this ID or you may not read it; check the ID and your policy.',
  },
  'things:thing.conflict': {
    status: 409,
    description: 'A Thing with this ID exists already; pick another ID or modify the existing one.',
  },
  'things:thing.notmodifiable': {
    status: 403,
    description: 'You may read this Thing but not change it; ask for WRITE permission in its policy.',
  },
  'things:thing.notcreatable': {
    status: 400,
    description:
      'The Thing could not be created with the given policy: the referenced Policy must exist and you must be allowed to use it.',
  },
  'things:thing.toolarge': {
    status: 413,
    description: 'Make the Thing smaller: the whole Thing JSON must stay within the configured limit.',
  },
  'things:thing.invalid': {
    status: 400,
    description:
      'Check the Thing JSON: attributes and features are objects, a feature definition is a non-empty array of identifiers.',
  },
  'things:policyId.notfound': {
    status: 404,
    description: 'Either the Thing does not exist or you may not read its policy ID.',
  },
  'things:policyId.notmodifiable': {
    status: 403,
    description: "Changing the policy ID needs WRITE on the Thing's policy ID and access to the new policy.",
  },
  'things:policyId.notdeletable': {
    status: 400,
    description: 'Every Thing has a policy ID; replace it instead of deleting it.',
  },
  'things:policy.notallowed': {
    status: 400,
    description: 'Give at most one of policyId, _policy and _copyPolicyFrom.',
  },
  'things:definition.notfound': {
    status: 404,
    description: 'The Thing has no definition, or you may not read it.',
  },
  'things:definition.notmodifiable': {
    status: 403,
    description: 'Changing the definition needs WRITE permission on it.',
  },
  'things:definition.identifier.invalid': {
    status: 400,
    description: "A definition is 'namespace:name:version' or a URL.",
  },
  'things:attributes.notfound': {
    status: 404,
    description: 'The Thing has no attributes, or you may not read them.',
  },
  'things:attributes.notmodifiable': {
    status: 403,
    description: 'Changing the attributes needs WRITE permission on them.',
  },
  'things:attribute.notfound': {
    status: 404,
    description: 'No attribute exists at this path, or you may not read it.',
  },
  'things:attribute.notmodifiable': {
    status: 403,
    description: 'Changing this attribute needs WRITE permission on it.',
  },
  'things:attribute.pointerinvalid': {
    status: 400,
    description:
      'JSON keys and feature IDs may not be empty and may not contain slashes or control characters.',
  },
  'things:features.notfound': {
    status: 404,
    description: 'The Thing has no features, or you may not read them.',
  },
  'things:features.notmodifiable': {
    status: 403,
    description: 'Changing the features needs WRITE permission on them.',
  },
  'things:feature.notfound': {
    status: 404,
    description: 'The Thing has no feature with this ID, or you may not read it.',
  },
  'things:feature.notmodifiable': {
    status: 403,
    description: 'Changing this feature needs WRITE permission on it.',
  },
  'things:feature.definition.notfound': {
    status: 404,
    description: 'The feature has no definition, or you may not read it.',
  },
  'things:feature.definition.notmodifiable': {
    status: 403,
    description: 'Changing the feature definition needs WRITE permission on it.',
  },
  'things:feature.definition.empty': {
    status: 400,
    description: 'A feature definition must hold at least one identifier.',
  },
  'things:feature.properties.notfound': {
    status: 404,
    description: 'The feature has no properties, or you may not read them.',
  },
  'things:feature.properties.notmodifiable': {
    status: 403,
    description: 'Changing the feature properties needs WRITE permission on them.',
  },
  'things:feature.property.notfound': {
    status: 404,
    description: 'No feature property exists at this path, or you may not read it.',
  },
  'things:feature.property.notmodifiable': {
    status: 403,
    description: 'Changing this feature property needs WRITE permission on it.',
  },
  'things:feature.desiredProperties.notfound': {
    status: 404,
    description: 'The feature has no desired properties, or you may not read them.',
  },
  'things:feature.desiredProperties.notmodifiable': {
    status: 403,
    description: 'Changing the desired properties needs WRITE permission on them.',
  },
  'things:feature.desiredProperty.notfound': {
    status: 404,
    description: 'No desired property exists at this path, or you may not read it.',
  },
  'things:feature.desiredProperty.notmodifiable': {
    status: 403,
    description: 'Changing this desired property needs WRITE permission on it.',
  },
  'things:precondition.failed': {
    status: 412,
    description:
      'A precondition header (If-Match, If-None-Match or if-equal) did not hold for the current state; fetch the resource again and retry.',
  },
  'things:precondition.notmodified': {
    status: 304,
    description:
      "The comparison of the provided precondition header 'if-none-match' with the current ETag value of the requested Thing resource evaluated to false.",
  },
  'things:condition.failed': {
    status: 412,
    description: 'The RQL condition did not hold for the current state of the Thing, so nothing was done.',
  },
  'things:condition.invalid': {
    status: 400,
    description: 'The condition must be a valid RQL expression.',
    href: `${DOCS}basic-rql.html`,
  },
  'json.fieldselector.invalid': {
    status: 400,
    description:
      "Fields are comma-separated JSON pointers, optionally grouped with parentheses, e.g. 'attributes(a,b),features/*/properties/x'.",
  },
  'things:metadata.notmodifiable': {
    status: 400,
    description:
      'put-metadata is a JSON array of {key, value} objects; keys and delete-metadata entries are JSON pointers.',
  },
  'things:metadata.headersconflict': {
    status: 400,
    description: 'Send either put-metadata or delete-metadata with a change, not both.',
  },
  'things:history.notfound': {
    status: 404,
    description: 'The Thing has no state at the requested revision or time.',
  },
  'things:merge.invalid': {
    status: 400,
    description: 'The merge patch is not valid or would produce an invalid Thing.',
  },
  'things:thing.unavailable': {
    status: 503,
    description: 'The Thing could not be read or written right now; retry later.',
  },
  // --- policies
  'policies:id.invalid': {
    status: 400,
    description: "Policy IDs are '<namespace>:<name>' like Thing IDs.",
    href: `${DOCS}basic-namespaces-and-names.html#namespaced-id`,
  },
  'policies:policy.notfound': {
    status: 404,
    description: 'Either no Policy has this ID or you may not read it.',
  },
  'policies:policy.conflict': { status: 409, description: 'A Policy with this ID exists already.' },
  'policies:policy.notmodifiable': {
    status: 403,
    description: 'You may read this Policy but not change it.',
  },
  'policies:policy.invalid': {
    status: 400,
    description:
      'Check the Policy JSON: entries with subjects and resources, permissions READ, WRITE, EXECUTE.',
    href: `${DOCS}basic-policy.html`,
  },
  'policies:policy.toolarge': {
    status: 413,
    description: 'Make the Policy smaller: it must stay within the configured limit.',
  },
  'policies:id.notsettable': {
    status: 400,
    description: 'The Policy ID is taken from the URL; leave it out of the body or make both the same.',
  },
  'policies:policy.notcreatable': {
    status: 403,
    description: 'A new Policy must give you WRITE on policy:/ (or send allow-policy-lockout=true).',
  },
  'policies:policy.modificationinvalid': {
    status: 403,
    description:
      'The change would leave no subject with WRITE on policy:/, locking everyone out; it was refused.',
  },
  'policies:entry.modificationinvalid': {
    status: 403,
    description:
      'The change would leave no subject with WRITE on policy:/, locking everyone out; it was refused.',
  },
  'policies:entries.notfound': {
    status: 404,
    description: 'The Policy has no entries, or you may not read them.',
  },
  'policies:entries.notmodifiable': { status: 403, description: 'Changing the entries needs WRITE on them.' },
  'policies:entry.notfound': {
    status: 404,
    description: 'The Policy has no entry with this label, or you may not read it.',
  },
  'policies:entry.notmodifiable': { status: 403, description: 'Changing this entry needs WRITE on it.' },
  'policies:entry.invalid': {
    status: 400,
    description: 'A policy entry has subjects and resources; check its JSON.',
  },
  'policies:label.invalid': {
    status: 400,
    description:
      'Labels are non-empty, without slashes or control characters, and do not start with "imported".',
  },
  'policies:subjects.notfound': {
    status: 404,
    description: 'The entry has no subjects, or you may not read them.',
  },
  'policies:subjects.notmodifiable': {
    status: 403,
    description: 'Changing the subjects needs WRITE on them.',
  },
  'policies:subject.notfound': {
    status: 404,
    description: 'The entry has no such subject, or you may not read it.',
  },
  'policies:subject.notmodifiable': { status: 403, description: 'Changing this subject needs WRITE on it.' },
  'policies:subjectid.invalid': { status: 400, description: "Subject IDs are '<issuer>:<subject>'." },
  'policies:subjectexpiry.invalid': {
    status: 400,
    description: 'A subject expiry is an ISO-8601 timestamp.',
  },
  'policies:subjectannouncement.invalid': {
    status: 400,
    description: 'Check the announcement settings of the subject.',
  },
  'policies:resources.notfound': {
    status: 404,
    description: 'The entry has no resources, or you may not read them.',
  },
  'policies:resources.notmodifiable': {
    status: 403,
    description: 'Changing the resources needs WRITE on them.',
  },
  'policies:resource.notfound': {
    status: 404,
    description: 'The entry has no such resource, or you may not read it.',
  },
  'policies:resource.notmodifiable': {
    status: 403,
    description: 'Changing this resource needs WRITE on it.',
  },
  'policies:imports.notfound': {
    status: 404,
    description: 'The Policy has no imports, or you may not read them.',
  },
  'policies:imports.notmodifiable': { status: 403, description: 'Changing the imports needs WRITE on them.' },
  'policies:import.notfound': {
    status: 404,
    description: 'The Policy does not import this Policy, or you may not read the import.',
  },
  'policies:import.notmodifiable': { status: 403, description: 'Changing this import needs WRITE on it.' },
  'policies:import.invalid': {
    status: 400,
    description:
      'Imported policies must exist, be readable, differ from the importing one, and the chain must not be too deep.',
  },
  'policies:imports.toolarge': { status: 400, description: 'A Policy may import at most 10 other policies.' },
  'policies:precondition.failed': {
    status: 412,
    description:
      'A precondition header (If-Match, If-None-Match or if-equal) did not hold for the current state of the Policy.',
  },
  'policies:precondition.notmodified': {
    status: 304,
    description: 'The Policy resource still has the entity tag given in If-None-Match.',
  },
  'policies:policy.history.notfound': {
    status: 404,
    description: 'The Policy has no state at the requested revision or time.',
  },
  'policies:view.invalid': {
    status: 400,
    description: "Use 'original' (or omit) for the stored policy, or 'resolved' for the merged view.",
  },
  // --- generic request handling (gateway in Ditto)
  'json.invalid': { status: 400, description: 'The body is not valid JSON, or is nested too deeply.' },
  'json.field.missing': { status: 400, description: 'A required field or parameter is missing.' },
  'json.key.invalid': { status: 400, description: 'JSON keys may not be empty and may not contain slashes.' },
  'json.pointer.invalid': {
    status: 400,
    description: 'A JSON pointer has empty segments or control characters.',
  },
  'gateway:mediatype.unsupported': {
    status: 415,
    description: 'Send application/json (application/merge-patch+json for PATCH).',
  },
  'gateway:request.toolarge': {
    status: 413,
    description: 'The request body is larger than the configured limit.',
  },
  'gateway:method.notallowed': {
    status: 405,
    description: 'This resource does not support the HTTP method.',
  },
  'gateway:resource.notfound': {
    status: 404,
    description: 'No resource exists at this path; compare it with the HTTP API documentation.',
    href: `${DOCS}http-api-doc.html`,
  },
  'gateway:authentication.failed': {
    status: 401,
    description: 'Send valid credentials: HTTP Basic, or a pre-authenticated subject where enabled.',
  },
  'gateway:header.invalid': { status: 400, description: 'A header or parameter has an invalid value.' },
  'gateway:timeout.invalid': {
    status: 400,
    description: "Timeouts are a duration like '10s', '500ms' or '1m', at most 60s.",
  },
  'gateway:service.unavailable': {
    status: 503,
    description: 'Egiz is starting, draining, or cannot reach its store; retry later.',
  },
  'gateway:command.timeout': {
    status: 408,
    description: 'The command did not complete in time; it may still take effect.',
  },
  'gateway:internalerror': {
    status: 500,
    description: 'Something unexpected failed on the server; it has been logged with the correlation-id.',
  },
  'rql.expression.invalid': {
    status: 400,
    description: 'The RQL expression has a syntax error.',
    href: `${DOCS}basic-rql.html`,
  },
  // --- search
  'thing-search:search.option.invalid': {
    status: 400,
    description:
      'Options are sort(+|-property,...), size(1..200) and cursor(...) from a previous answer to the same filter and sort, or the deprecated limit(offset,count) with a count up to 200 and without size or cursor.',
    href: `${DOCS}basic-search.html#sorting-and-paging-options`,
  },
  'thing-search:search.namespaces.invalid': {
    status: 400,
    description: 'The list of provided namespaces is too long: give at most 100.',
    href: `${DOCS}httpapi-search.html`,
  },
  'thing-search:subscription.not.found': {
    status: 404,
    description: 'No search subscription with this ID is open on this connection; subscribe first.',
    href: `${DOCS}protocol-specification-things-search.html`,
  },
  'thing-search:subscription.protocol.error': {
    status: 400,
    description:
      "The search protocol was not followed: 'request' needs a positive integer 'demand', and subscriptions are limited per connection.",
    href: `${DOCS}protocol-specification-things-search.html`,
  },
  'thing-search:aggregation.invalid': {
    status: 400,
    description:
      "An aggregation (Egiz extension) takes 'groupBy' with one property path, and/or 'metric' as min|max|avg|sum(<path>); the feature wildcard is not allowed.",
  },
  // --- Ditto Protocol, realtime edges, messages and acknowledgements
  'protocoladapter:unknown.topicpath': {
    status: 400,
    description:
      "Topics are '<namespace>/<name>/<things|policies>/[<twin|live>/]<criterion>[/<action>]'; check the topic.",
    href: `${DOCS}protocol-specification-topic.html`,
  },
  'protocoladapter:unknown.path': {
    status: 400,
    description: 'The path does not name a resource this topic can address; check the path.',
    href: `${DOCS}protocol-specification.html`,
  },
  'protocoladapter:unknown.command': {
    status: 400,
    description: 'This combination of topic, path and value is not a supported signal.',
  },
  'protocoladapter:envelope.invalid': {
    status: 400,
    description:
      'A Ditto Protocol message is a JSON object with a string topic, an object of headers and a string path.',
    href: `${DOCS}protocol-specification.html`,
  },
  'too.many.requests': {
    status: 429,
    description: 'Too many requests are in flight on this session; wait for answers before sending more.',
  },
  'gateway:websocket.session.expired': {
    status: 401,
    description:
      'The token of the session has expired; reconnect, or send JWT-TOKEN with a new token in time.',
  },
  'gateway:websocket.session.closed': {
    status: 403,
    description: 'The session was closed by the server; the reason is in the message.',
  },
  'gateway:streaming.overflow': {
    status: 503,
    description:
      'The consumer read its stream too slowly and its bounded queue overflowed; the stream was closed. Read faster, filter more, or reconnect.',
  },
  'gateway:jwt.invalid': {
    status: 401,
    description:
      'The JSON Web Token could not be verified: check its signature, issuer (configured in EGIZ_JWT_ISSUERS), exp and nbf.',
  },
  'gateway:jwt.subject.changed': {
    status: 401,
    description: 'A token sent with JWT-TOKEN must authenticate the same subject as the session.',
  },
  'messages:id.invalid': {
    status: 400,
    description: "Thing IDs are '<namespace>:<name>'.",
    href: `${DOCS}basic-namespaces-and-names.html#namespaced-id`,
  },
  'messages:subject.invalid': {
    status: 400,
    description: 'A message subject is a non-empty URI path (RFC 3986).',
  },
  'messages:featureid.invalid': {
    status: 400,
    description: 'The feature ID of a message must be a valid feature ID.',
  },
  'messages:send.notallowed': {
    status: 403,
    description: 'Sending this message needs WRITE on its message:/ resource in the policy of the Thing.',
  },
  'messages:payload.toolarge': {
    status: 413,
    description: 'The message payload is larger than the configured limit.',
  },
  'acknowledgement:request.timeout': {
    status: 408,
    description:
      'Try increasing the timeout and make sure that the requested acknowledgement is sent back in time.',
    href: `${DOCS}basic-acknowledgements.html`,
  },
  'acknowledgement:label.invalid': {
    status: 400,
    description: 'Acknowledgement labels match [a-zA-Z0-9-_:]{3,100}.',
  },
  'acknowledgement:label.not.declared': {
    status: 400,
    description: 'Declare the labels a session acknowledges with ?declared-acks= when it connects.',
  },
  'acknowledgement:label.not.unique': {
    status: 409,
    description: 'Another session has declared the same acknowledgement label; labels are unique.',
  },
  'acknowledgement:ditto.acklabel.forbidden': {
    status: 400,
    description: 'twin-persisted, live-response and search-persisted are issued by Egiz itself.',
  },
  'acknowledgement:header.invalid': {
    status: 400,
    description:
      'response-required, requested-acks and timeout contradict each other (e.g. acknowledgements with timeout 0).',
    href: `${DOCS}basic-acknowledgements.html#interaction-between-headers`,
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
