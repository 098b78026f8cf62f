/** @module Writing answers: Ditto error JSON for every failure, and never a stack trace to a client. */
import { DittoError } from '@egiz/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

export function sendError(reply: FastifyReply, error: DittoError): FastifyReply {
  for (const [k, v] of Object.entries(error.headers)) void reply.header(k, v);
  if (error.status === 304) return reply.code(304).send();
  return reply.code(error.status).type('application/json').send(error.toJSON());
}

/** Maps framework errors (body too large, bad media type, bad URL ...) to the error catalogue. */
export function toDittoError(error: unknown, request: FastifyRequest): DittoError | undefined {
  if (error instanceof DittoError) return error;
  const fe = error as Partial<FastifyError>;
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new DittoError('gateway:request.toolarge', `The request body exceeds the maximum allowed size.`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new DittoError(
        'gateway:mediatype.unsupported',
        `The Media-Type '${request.headers['content-type'] ?? ''}' is not supported by this resource.`,
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new DittoError('json.invalid', 'The request body is empty but JSON was announced.');
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_ASYNC_CONSTRAINT':
      return new DittoError('gateway:resource.notfound', 'The requested URL could not be decoded.');
    default:
      if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500)
        return new DittoError('gateway:header.invalid', fe.message ?? 'The request is not valid.', {
          status: fe.statusCode,
        });
      return undefined;
  }
}
