/**
 * @module The plain-text control messages of the WebSocket binding
 * (httpapi-protocol-bindings-websocket): `START-SEND-<STREAM>[?namespaces=&filter=&extraFields=]`,
 * `STOP-SEND-<STREAM>`, answered by the same text plus `:ACK`, and `JWT-TOKEN?jwtToken=<jwt>`.
 * Parameters are URL-encoded like a query string (`+` is a space, as Ditto decodes them).
 */

export const STREAM_KINDS = [
  'EVENTS',
  'MESSAGES',
  'LIVE_COMMANDS',
  'LIVE_EVENTS',
  'POLICY_ANNOUNCEMENTS',
] as const;
export type StreamKind = (typeof STREAM_KINDS)[number];

export interface StreamParams {
  readonly namespaces?: readonly string[];
  readonly filter?: string;
  readonly extraFields?: string;
  readonly correlationId?: string;
}

export type ControlFrame =
  | { readonly kind: 'start'; readonly stream: StreamKind; readonly params: StreamParams }
  | { readonly kind: 'stop'; readonly stream: StreamKind }
  | { readonly kind: 'jwt'; readonly token: string };

export class ControlFrameError extends Error {
  override name = 'ControlFrameError';
}

const IDENTIFIER = /^(START|STOP)-SEND-(EVENTS|MESSAGES|LIVE-COMMANDS|LIVE-EVENTS|POLICY-ANNOUNCEMENTS)$/;

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new ControlFrameError(`'${text}' is not correctly URL-encoded`);
  }
}

/** `a=1&b=2` -> Map; later duplicates win. */
export function parseQueryParams(query: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    out.set(key, eq < 0 ? '' : decode(pair.slice(eq + 1)));
  }
  return out;
}

function list(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Whether a text frame is a control message (as opposed to a JSON envelope). Undefined when it is
 * not; throws ControlFrameError when it looks like one but is malformed.
 */
export function parseControlFrame(text: string): ControlFrame | undefined {
  const trimmed = text.trim();
  const q = trimmed.indexOf('?');
  const head = q < 0 ? trimmed : trimmed.slice(0, q);
  const params = q < 0 ? new Map<string, string>() : parseQueryParams(trimmed.slice(q + 1));
  if (head === 'JWT-TOKEN') {
    const token = params.get('jwtToken');
    if (token === undefined || token === '')
      throw new ControlFrameError("JWT-TOKEN needs '?jwtToken=<token>'");
    return { kind: 'jwt', token };
  }
  const m = IDENTIFIER.exec(head);
  if (!m) {
    if (/^(START|STOP)-SEND-/.test(head))
      throw new ControlFrameError(`'${head}' is not a known control message`);
    return undefined;
  }
  const stream = (m[2] as string).replace('-', '_') as StreamKind;
  if (m[1] === 'STOP') return { kind: 'stop', stream };
  const namespaces = list(params.get('namespaces'));
  const filter = params.get('filter');
  const extraFields = params.get('extraFields');
  const correlationId = params.get('correlation-id');
  return {
    kind: 'start',
    stream,
    params: {
      ...(namespaces ? { namespaces } : {}),
      ...(filter !== undefined && filter !== '' ? { filter } : {}),
      ...(extraFields !== undefined && extraFields !== '' ? { extraFields } : {}),
      ...(correlationId !== undefined && correlationId !== '' ? { correlationId } : {}),
    },
  };
}

/** The identifier text of a stream control message: `START-SEND-LIVE-EVENTS`. */
export function controlIdentifier(kind: 'start' | 'stop', stream: StreamKind): string {
  return `${kind === 'start' ? 'START' : 'STOP'}-SEND-${stream.replace('_', '-')}`;
}

/** The acknowledgement Egiz sends for a start/stop control message. */
export function controlAck(kind: 'start' | 'stop', stream: StreamKind): string {
  return `${controlIdentifier(kind, stream)}:ACK`;
}
